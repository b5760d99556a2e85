package resilient_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/clients/internal/chaostest"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/suites/adapter"
)

// TestDPoPWithoutNonce: with no server nonce, a DPoP client proves its
// key on the token request and on every call, sends the token with the
// DPoP scheme, and gets it once.
func TestDPoPWithoutNonce(t *testing.T) {
	s := chaostest.Server(t, "", nil)
	target := chaostest.Target(s, adapter.AuthOAuth2ClientCredentials)
	target.DPoP = true
	c, err := resilient.New(target)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"/api/me", "/api/items"} {
		if r := c.Do(t.Context(), chaostest.Get(p)); r.Status != 200 || r.Error != "" {
			t.Fatalf("GET %s: %d %q", p, r.Status, r.Error)
		}
	}
	es := s.Journal().Entries(0)
	count(t, "token requests with a proof", es, func(e fakeserver.Entry) bool { return isToken(e) && e.DPoP }, 1)
	count(t, "API calls with DPoP and a proof", es, func(e fakeserver.Entry) bool { return isAPI(e) && e.Scheme == "DPoP" && e.DPoP && e.Status == 200 }, 2)
}

// TestDevicePoller: the poller waits the interval before each poll and 5 s
// longer after slow_down (RFC 8628 §3.5); the bug keeps the old interval.
// The waits move the fake server's virtual clock, which judges them.
func TestDevicePoller(t *testing.T) {
	_, _, clock := run(t, "device-flow", nil)
	if w := clock.Waits(); !slices.Equal(w, []time.Duration{time.Second, time.Second, 6 * time.Second}) {
		t.Errorf("waits %v, want 1s, 1s, then 6s after slow_down", w)
	}
	_, steps, clock := run(t, "device-flow", map[string]string{"outcome": "denied"})
	if r := chaostest.Last(steps)[0]; !strings.Contains(r.Error, "access_denied") || r.Status != 400 {
		t.Errorf("denied: %d %q, want 400 and an error naming access_denied", r.Status, r.Error)
	}
	if n := len(clock.Waits()); n != 3 {
		t.Errorf("denied: %d waits, want 3 (no poll after access_denied)", n)
	}
	bugs, _ := resilient.ParseBug("ignore-slow-down")
	_, _, clock = run(t, "device-flow", nil, resilient.WithBugs(bugs))
	if w := clock.Waits(); len(w) < 3 || w[2] != time.Second {
		t.Errorf("with ignore-slow-down: waits %v, want 1s on after slow_down", w)
	}
}

// TestDevicePollerHonoursCancellation: a real wait at the server's
// interval ends when the caller's context does.
func TestDevicePollerHonoursCancellation(t *testing.T) {
	_, _, target := chaostest.Scenario(t, "device-flow", map[string]string{"interval": "30s"})
	c, err := resilient.New(target)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := c.Do(ctx, chaostest.Get("/api/items"))
	if time.Since(start) > 5*time.Second || !strings.Contains(r.Error, "context deadline exceeded") {
		t.Errorf("after %s: %d %q; want a prompt error naming the deadline", time.Since(start), r.Status, r.Error)
	}
}
