package fakeserver_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/fault"
)

// Run with -race, this is where a lock forgotten in a handler shows up.
var _ = Describe("Under concurrent load", func() {
	It("never answers 5xx while the operator switches scenarios, rotates keys and moves the clock", func() {
		h := serve()
		client := &http.Client{Timeout: 5 * time.Second}
		do := func(method, path, auth, contentType, body string) int {
			req, err := http.NewRequest(method, h.URL()+path, strings.NewReader(body))
			if err != nil {
				return -1
			}
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			resp, err := client.Do(req)
			if err != nil {
				return -1
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		form := func(v url.Values) string { return v.Encode() }
		const formType = "application/x-www-form-urlencoded"
		tok := h.accessToken("read write")
		creds := basic(clientID, clientSecret)

		calls := []func() int{
			func() int { return do("GET", "/api/items", "Bearer "+tok, "", "") },
			func() int { return do("GET", "/api/me", basic("alice", "wonderland"), "", "") },
			func() int { return do("GET", "/api/items", "ApiKey "+apiKey, "", "") },
			func() int {
				return do("POST", "/oauth/token", creds, formType, form(url.Values{"grant_type": {"client_credentials"}}))
			},
			func() int {
				return do("POST", "/oauth/token", creds, formType,
					form(url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {"builder"}, "scope": {"openid read"}}))
			},
			func() int {
				return do("POST", "/login", "", "application/json", `{"username":"alice","password":"wonderland"}`)
			},
			func() int {
				return do("POST", "/oauth/revoke", creds, formType, form(url.Values{"token": {tok}}))
			},
			func() int { return do("GET", "/jwks", "", "", "") },
			func() int { return do("GET", "/metrics", "", "", "") },
			func() int { return do("GET", "/__admin/journal?since=3", "", "", "") },
		}
		operator := []func(){
			func() { _ = h.Activate([]string{"expired-token"}) },
			func() { _ = h.Activate([]string{"wrong-scheme", "scope-mismatch"}) },
			func() { _ = h.Activate(nil) },
			func() { _ = h.Do(fault.RotateSigningKey, "") },
			func() { _ = h.Do(fault.RevokeAccessTokens, "") },
			func() { h.Advance(time.Minute) },
			func() { _ = h.Reset() },
			func() { h.Journal().Clear() },
		}

		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			answers = map[int]int{}
		)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 40 {
					status := calls[(w+i)%len(calls)]()
					mu.Lock()
					answers[status]++
					mu.Unlock()
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				operator[i%len(operator)]()
			}
		}()
		wg.Wait()

		for status, n := range answers {
			Expect(status).To(And(BeNumerically(">=", 200), BeNumerically("<", 500)), "%d answers with status %d", n, status)
		}
	})
})
