package fakeserver_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestProxySoak is `make proxy-soak`: AUTHCHAOS_PROXY_SOAK requests
// through the proxy to a loopback upstream, with waf-block on a tenth of
// them: the same JWT, a fresh opaque token every eighth request (the
// proxy remembers credentials it saw, up to a bound), and POST bodies. It
// prints the resident set after every tenth and fails if it moves by
// more than 15 MB over the second half.
func TestProxySoak(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("AUTHCHAOS_PROXY_SOAK"))
	if n <= 0 {
		t.Skip("set AUTHCHAOS_PROXY_SOAK=N (make proxy-soak) to run N requests")
	}
	up := okUpstream(t)
	p := startProxy(t, up.URL)
	if err := p.Apply(activationOf("waf-block:duration=1h,select.p=0.1,select.seed=1")); err != nil {
		t.Fatal(err)
	}
	jwtToken := liveJWT(t, "read")
	var samples []float64
	step := max(n/10, 1)
	start, last := time.Now(), time.Now()
	for i := 1; i <= n; i++ {
		var r *http.Request
		switch token := jwtToken; {
		case i%8 == 0:
			r = httptest.NewRequest(http.MethodGet, "/api/items", nil)
			r.Header.Set("Authorization", "Bearer opaque-"+strconv.Itoa(i))
		case i%4 == 1:
			r = httptest.NewRequest(http.MethodPost, "/api/items", strings.NewReader(`{"name":"soak"}`))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+token)
		default:
			r = httptest.NewRequest(http.MethodGet, "/api/items", nil)
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		p.ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusUnauthorized {
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
		}
		if i%step == 0 {
			runtime.GC()
			rss := residentMB(t)
			samples = append(samples, rss)
			t.Logf("proxy soak: %7d requests  RSS %6.1f MB  %6.0f req/s", i, rss, float64(step)/time.Since(last).Seconds())
			last = time.Now()
		}
	}
	t.Logf("proxy soak: %d requests in %s, %.0f req/s overall", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	half := samples[len(samples)/2:]
	lo, hi := half[0], half[0]
	for _, v := range half {
		lo, hi = min(lo, v), max(hi, v)
	}
	t.Logf("proxy soak: second half RSS %.1f to %.1f MB (spread %.1f MB)", lo, hi, hi-lo)
	if hi-lo > 15 {
		t.Errorf("RSS moved %.1f MB over the second half of the soak, want at most 15", hi-lo)
	}
}
