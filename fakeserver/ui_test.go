package fakeserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
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
	if page.StatusCode != 200 || !strings.Contains(string(body), "EventSource(\"/__admin/journal/stream\")") {
		t.Fatalf("GET /__admin/ui: %d, page does not subscribe to the stream", page.StatusCode)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/__admin/journal/stream", nil)
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
		if e.Path != "/api/me" || e.Status != 401 || e.Reason != "missing_credentials" {
			t.Fatalf("streamed entry %+v, want the 401 for /api/me", e)
		}
		return
	}
	t.Fatalf("stream ended without an event: %v", sc.Err())
}
