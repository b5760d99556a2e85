package fakeserver_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/config"
)

// Embedding the fake server in a Go test, as an SDK team would: only
// exported names, so this compiles outside the module too.
func Example() {
	cfg := fakeserver.DefaultConfig()
	cfg.Lifetimes.AccessToken = config.Duration(time.Minute)
	srv := fakeserver.MustNew(fakeserver.WithConfig(cfg), fakeserver.WithFrozenClock(time.Now()))
	if err := srv.Start(); err != nil {
		panic(err)
	}
	defer srv.Close()

	if err := srv.Apply(fakeserver.Activation{{ID: "expired-token", Params: map[string]string{"lifetime": "30s"}}}); err != nil {
		panic(err)
	}
	token, _, err := srv.MintToken("alice", "read")
	if err != nil {
		panic(err)
	}
	call := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/items", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println(call())
	srv.Advance(31 * time.Second) // the token's lifetime passes, instantly
	fmt.Println(call())
	last := srv.Journal().Entries(0)
	fmt.Println(last[len(last)-1].Reason)
	// Output:
	// 200
	// 401
	// token_expired
}
