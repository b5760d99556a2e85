package adminclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/adminclient"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

func start(t *testing.T) (*fakeserver.Server, *adminclient.Client) {
	t.Helper()
	srv := fakeserver.MustNew(fakeserver.WithFrozenClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := adminclient.New(srv.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestClient(t *testing.T) {
	srv, c := start(t)
	ctx := t.Context()

	list, err := c.Scenarios(ctx)
	if err != nil || !slices.ContainsFunc(list, func(s adminclient.Scenario) bool { return s.ID == "expired-token" && s.Recovery == "refresh" }) {
		t.Fatalf("Scenarios = %d entries, %v", len(list), err)
	}

	st, err := c.Activate(ctx, adminclient.Activation{ID: "expired-token", Params: map[string]string{"lifetime": "30s"}}, adminclient.Activation{ID: "waf-block"})
	if err != nil || !slices.Equal(st.Active, []string{"expired-token", "waf-block"}) || st.Params[0]["lifetime"] != "30s" {
		t.Fatalf("Activate = %+v, %v", st, err)
	}
	if got := srv.Active(); !slices.Equal(got, st.Active) {
		t.Errorf("server has %v active, client said %v", got, st.Active)
	}
	if st, err := c.Active(ctx); err != nil || len(st.Active) != 2 {
		t.Errorf("Active = %+v, %v", st, err)
	}

	_, err = c.Activate(ctx, adminclient.Activation{ID: "expired-tokn"})
	var ae *adminclient.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound || !strings.Contains(ae.Message, "expired-token") {
		t.Errorf("unknown id: %v, want a 404 *Error listing the valid ids", err)
	}

	before, _ := c.Clock(ctx)
	after, err := c.Advance(ctx, 10*time.Minute)
	if err != nil || after.Now.Sub(before.Now) != 10*time.Minute {
		t.Errorf("Advance: %v -> %v, %v", before.Now, after.Now, err)
	}

	if err := c.Do(ctx, "rotate-signing-key", ""); err != nil {
		t.Errorf("Do(rotate-signing-key): %v", err)
	}
	if err := c.Do(ctx, "reboot", ""); !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		t.Errorf("Do(reboot): %v, want a 400", err)
	}

	if code, err := c.OTP(ctx, ""); err != nil || len(code) != 6 {
		t.Errorf("OTP = %q, %v", code, err)
	}

	if resp, err := http.Get(srv.URL() + "/api/items"); err == nil {
		resp.Body.Close()
	}
	es, err := c.Journal(ctx, 0)
	if err != nil || len(es) == 0 || es[len(es)-1].Path != "/api/items" {
		t.Fatalf("Journal = %+v, %v", es, err)
	}
	if more, _ := c.Journal(ctx, es[len(es)-1].Seq); len(more) != 0 {
		t.Errorf("Journal(since last) = %d entries, want 0", len(more))
	}
	if err := c.ClearJournal(ctx); err != nil {
		t.Error(err)
	}
	if st, err := c.Heal(ctx); err != nil || len(st.Active) != 0 {
		t.Errorf("Heal = %+v, %v", st, err)
	}
	if _, err := c.Reset(ctx); err != nil {
		t.Errorf("Reset: %v", err)
	}
}

func TestFollow(t *testing.T) {
	srv, c := start(t)
	get := func() {
		resp, err := http.Get(srv.URL() + "/api/me")
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	get() // held before Follow starts
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var seen []int64
	err := c.Follow(ctx, 0, func(e journal.Entry) error {
		seen = append(seen, e.Seq)
		if len(seen) == 1 {
			go get() // arrives while following
		}
		if len(seen) == 2 {
			cancel()
		}
		return nil
	})
	if err != nil || !slices.Equal(seen, []int64{1, 2}) {
		t.Errorf("Follow saw %v, %v; want seq 1 (held) then 2 (streamed)", seen, err)
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8401", "ftp://x", "http://"} {
		if _, err := adminclient.New(u, nil); err == nil {
			t.Errorf("New(%q) accepted it", u)
		}
	}
}

func TestServerDown(t *testing.T) {
	c, _ := adminclient.New("http://127.0.0.1:1", &http.Client{Timeout: time.Second})
	if _, err := c.Active(t.Context()); err == nil || !strings.Contains(err.Error(), "is `authchaos serve` running at http://127.0.0.1:1?") {
		t.Errorf("server down: %v", err)
	}
}

// TestFollowRecoversMissed: when the stream says it dropped entries for
// a slow reader, Follow reads them back from the journal.
func TestFollowRecoversMissed(t *testing.T) {
	entry := func(seq int64) string { return fmt.Sprintf(`{"seq":%d,"path":"/api/items"}`, seq) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__admin/journal/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "id: 1\ndata: %s\n\n", entry(1))
		fmt.Fprintf(w, "event: missed\ndata: {\"missed\": 2}\n\n")
		fmt.Fprintf(w, "id: 4\ndata: %s\n\n", entry(4))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("GET /__admin/journal", func(w http.ResponseWriter, r *http.Request) {
		since := r.URL.Query().Get("since")
		switch since {
		case "0":
			fmt.Fprint(w, "[]")
		case "1":
			fmt.Fprintf(w, "[%s,%s,%s]", entry(2), entry(3), entry(4))
		default:
			t.Errorf("unexpected since=%s", since)
			fmt.Fprint(w, "[]")
		}
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c, _ := adminclient.New(ts.URL, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var seen []int64
	err := c.Follow(ctx, 0, func(e journal.Entry) error {
		seen = append(seen, e.Seq)
		if len(seen) == 4 {
			cancel()
		}
		return nil
	})
	if err != nil || !slices.Equal(seen, []int64{1, 2, 3, 4}) {
		t.Errorf("Follow saw %v, %v; want 1-4 with the missed 2 and 3 read back", seen, err)
	}
}
