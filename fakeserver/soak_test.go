package fakeserver_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
)

// TestSoak is `make soak`: AUTHCHAOS_SOAK requests (1,000,000 by default
// there) through the handler, a quarter each of unauthenticated
// authorization requests, logins, password grants and protected calls,
// the kinds that used to keep state forever. It prints the resident set
// after every tenth and the rate, and fails if the resident set moves by
// more than 15 MB over the second half.
func TestSoak(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("AUTHCHAOS_SOAK"))
	if n <= 0 {
		t.Skip("set AUTHCHAOS_SOAK=N (make soak) to run N requests")
	}
	s := fakeserver.MustNew(fakeserver.WithClock(clock.Frozen(t0)))
	cfg := s.Config()
	authorize := "/oauth/authorize?" + url.Values{"client_id": {cfg.Clients[0].ID}, "redirect_uri": {cfg.Clients[0].RedirectURIs[0]},
		"response_type": {"code"}, "state": {"s"}}.Encode()
	access, _, err := s.MintToken("alice", "read")
	if err != nil {
		t.Fatal(err)
	}
	requests := []func() *http.Request{
		func() *http.Request { return httptest.NewRequest(http.MethodGet, authorize, nil) },
		func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(`{"username":"alice","password":"wonderland"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		},
		func() *http.Request {
			form := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"wonderland"}, "scope": {"read"}}
			r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth(clientID, clientSecret)
			return r
		},
		func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/api/items", nil)
			r.Header.Set("Authorization", "Bearer "+access)
			return r
		},
	}
	var samples []float64
	step := max(n/10, 1)
	start, last := time.Now(), time.Now()
	for i := 1; i <= n; i++ {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, requests[i%len(requests)]())
		if w.Code >= 500 {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
		if i%step == 0 {
			runtime.GC()
			rss := residentMB(t)
			samples = append(samples, rss)
			t.Logf("soak: %7d requests  RSS %6.1f MB  %6.0f req/s", i, rss, float64(step)/time.Since(last).Seconds())
			last = time.Now()
		}
	}
	t.Logf("soak: %d requests in %s, %.0f req/s overall", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	half := samples[len(samples)/2:]
	lo, hi := half[0], half[0]
	for _, v := range half {
		lo, hi = min(lo, v), max(hi, v)
	}
	t.Logf("soak: second half RSS %.1f to %.1f MB (spread %.1f MB)", lo, hi, hi-lo)
	if hi-lo > 15 {
		t.Errorf("RSS moved %.1f MB over the second half of the soak, want at most 15", hi-lo)
	}
}

// residentMB reads VmRSS from /proc (Linux).
func residentMB(t *testing.T) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	t.Skip("no VmRSS in /proc/self/status")
	return 0
}
