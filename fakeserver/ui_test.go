package fakeserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

// The live view streams every journal entry as a server-sent event, so a
// workshop screen shows requests as they arrive.
func TestLiveViewStreamsJournal(t *testing.T) {
	s := fakeserver.MustNew()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	page, err := http.Get(s.URL() + "/__admin/ui")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), "EventSource(\"/__admin/journal/stream\")") {
		t.Fatalf("GET /__admin/ui: %d, page does not subscribe to the stream", page.StatusCode)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/__admin/journal/stream", nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if ct := stream.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream Content-Type %q", ct)
	}
	if _, err := http.Get(s.URL() + "/api/me"); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stream.Body)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e fakeserver.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("event is not a journal entry: %v: %s", err, line)
		}
		if e.Path != "/api/me" || e.Status != 401 || e.Reason != journal.MissingCredentials {
			t.Fatalf("streamed entry %+v, want the 401 for /api/me", e)
		}
		return
	}
	t.Fatalf("stream ended without an event: %v", sc.Err())
}

// The journal is in arrival order: a slow request keeps the number it got
// when it arrived, ahead of a fast one that arrived later.
func TestJournalIsInArrivalOrder(t *testing.T) {
	release := make(chan struct{})
	slowArrived := make(chan struct{})
	s := fakeserver.MustNew()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A login with a body that trickles in is still being read when the
	// second request arrives and is answered.
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/login", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}()
	go func() {
		_, _ = pw.Write([]byte(`{"username": "alice",`))
		close(slowArrived)
		<-release
		_, _ = pw.Write([]byte(`"password": "wonderland"}`))
		pw.Close()
	}()
	<-slowArrived
	deadline := time.Now().Add(5 * time.Second)
	for s.Journal().LastSeq() < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // wait for the login to be numbered, not for time to pass
	}
	if resp, err := http.Get(s.URL() + "/api/public/status"); err == nil {
		resp.Body.Close()
	}
	close(release)
	<-done
	es := s.Journal().Entries(0)
	if len(es) != 2 || es[0].Path != "/login" || es[0].Seq != 1 || es[1].Path != "/api/public/status" || es[1].Seq != 2 {
		t.Fatalf("journal = %+v, want the login (arrived first) then the status call", es)
	}
	if es[0].At.After(es[1].At) {
		t.Fatalf("at is the arrival time: login %v after status %v", es[0].At, es[1].At)
	}
}

// Healing works the same through PUT {"id": "none"} and DELETE, mixing
// "none" with scenarios is refused, and messages keep their ">".
func TestAdminHealingAndMessages(t *testing.T) {
	s := fakeserver.MustNew()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do("PUT", "/__admin/scenario", `{"id": "none", "ids": ["expired-token"]}`); code != 400 || !strings.Contains(body, "cannot be combined") {
		t.Fatalf("none + ids: %d %s", code, body)
	}
	if code, _ := do("PUT", "/__admin/scenario", `{"id": "waf-block"}`); code != 200 {
		t.Fatalf("activate: %d", code)
	}
	do(http.MethodGet, "/api/me", "")
	code, body := do("DELETE", "/__admin/scenario", "")
	if code != 200 || !strings.Contains(body, `"params": []`) {
		t.Fatalf("DELETE scenario: %d %s", code, body)
	}
	if n := len(s.Journal().Entries(0)); n != 0 {
		t.Fatalf("DELETE kept %d journal entries; healing clears the journal as PUT none does", n)
	}
	if code, body := do(http.MethodGet, "/__admin/journal?since=-1", ""); code != 400 || !strings.Contains(body, ">= 0") {
		t.Fatalf("since=-1: %d %s (want the message to keep its >)", code, body)
	}
}

// Inside httptest the server learns its URL from the requests it gets, so
// a token it mints without a request carries the issuer clients verify.
func TestMintedTokensWorkUnderHTTPTest(t *testing.T) {
	s := fakeserver.MustNew()
	ts := httptest.NewServer(s)
	defer ts.Close()
	if resp, err := http.Get(ts.URL + "/"); err == nil {
		resp.Body.Close()
	}
	token, _, err := s.MintToken("alice", "read")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/items", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("minted token under httptest: %d, want 200", resp.StatusCode)
	}
}

// sseEvent is one server-sent event as the live view's EventSource sees it.
type sseEvent struct{ name, data string }

// readEvents parses the stream into events until it ends.
func readEvents(body io.Reader, out chan<- sseEvent) {
	defer close(out)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.data != "" {
				if ev.name == "" {
					ev.name = "message"
				}
				out <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

// Every door that changes the server tells the live view: the admin API,
// the Go API, healing, reset, the clock and clearing the journal each send
// a named event, so a page follows changes it did not make.
func TestLiveViewStreamAnnouncesChanges(t *testing.T) {
	s := fakeserver.MustNew()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/__admin/journal/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan sseEvent, 16)
	go readEvents(resp.Body, events)
	admin := func(method, path, body string) {
		req, _ := http.NewRequest(method, s.URL()+"/__admin/"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	steps := []struct {
		door string
		do   func()
		name string
		want string // in the data
	}{
		{"admin PUT", func() { admin("PUT", "scenario", `{"id": "waf-block", "params": {"duration": "5s"}}`) }, "activation", `"duration":"5s"`},
		{"Go Apply", func() { _ = s.Activate([]string{"expired-token"}) }, "activation", `"active":["expired-token"]`},
		{"admin reset", func() { admin("POST", "reset", "") }, "reset", `"active":["expired-token"]`},
		{"admin clock", func() { admin("POST", "clock", `{"advance": "10m"}`) }, "clock", `"advanced":"10m0s"`},
		{"Go Advance", func() { s.Advance(time.Hour) }, "clock", `"offset":"1h10m0s"`},
		{"admin clear", func() { admin("DELETE", "journal", "") }, "clear", `"active":["expired-token"]`},
		{"admin DELETE", func() { admin("DELETE", "scenario", "") }, "heal", `"active":[]`},
		{"stale token", func() { admin("PUT", "scenario", `{"id": "stale-cached-credentials"}`) }, "activation", `"active":["stale-cached-credentials"]`},
	}
	for _, st := range steps {
		st.do()
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("%s: stream ended", st.door)
			}
			if ev.name != st.name || !strings.Contains(ev.data, st.want) {
				t.Fatalf("%s: event %q %s, want %q containing %s", st.door, ev.name, ev.data, st.name, st.want)
			}
			for _, tok := range s.Fixtures() {
				if strings.Contains(ev.data, tok) {
					t.Fatalf("%s: event carries the fixture %.12s…", st.door, tok)
				}
			}
		case <-ctx.Done():
			t.Fatalf("%s: no event", st.door)
		}
	}
}
