package fakeserver_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
)

func startLimited(t *testing.T, l fakeserver.Limits) *fakeserver.Server {
	t.Helper()
	s := fakeserver.MustNew(fakeserver.WithLimits(l))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(t *testing.T, s *fakeserver.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// One connection over the limit is told so at once, instead of hanging.
func TestConnectionLimitAnswers503(t *testing.T) {
	s := startLimited(t, fakeserver.Limits{MaxConns: 2})
	dial(t, s)
	dial(t, s) // two idle connections hold the limit
	c := dial(t, s)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("third connection: %v, want a 503 answer", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "too many open connections (the limit is 2)") {
		t.Fatalf("third connection: %d %q", resp.StatusCode, body)
	}
}

// Idle keep-alive connections and bodies that trickle in are cut off.
func TestIdleAndSlowBodyConnectionsAreClosed(t *testing.T) {
	s := startLimited(t, fakeserver.Limits{IdleTimeout: 100 * time.Millisecond, BodyTimeout: 100 * time.Millisecond})

	idle := dial(t, s)
	_, _ = io.WriteString(idle, "GET /jwks HTTP/1.1\r\nHost: x\r\n\r\n")
	r := bufio.NewReader(idle)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("idle keep-alive connection: read %v, want the server to close it (EOF)", err)
	}

	slow := dial(t, s)
	_, _ = io.WriteString(slow, "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant")
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	resp, err = http.ReadResponse(bufio.NewReader(slow), nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("slow body: %d, want a refusal", resp.StatusCode)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("slow body held for %s", d)
	}
}
