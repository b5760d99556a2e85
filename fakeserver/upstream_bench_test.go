package fakeserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
)

// The proxy benchmarks answer "what does authchaos proxy cost next to a
// bare httputil.ReverseProxy?": `make proxy-bench` runs the three below
// in one run, each a loopback proxy in front of the same loopback
// upstream, and prints the throughput ratios. Never a timed pass/fail.

// runProxyLoad is runLoad that also takes the front layer's 401s,
// reporting their share.
func runProxyLoad(b *testing.B, base string) {
	c := loadClient()
	defer c.CloseIdleConnections()
	var total, refused atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/items", nil)
			req.Header.Set("Authorization", "Bearer x")
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			total.Add(1)
			switch resp.StatusCode {
			case http.StatusOK:
			case http.StatusUnauthorized:
				refused.Add(1)
			default:
				b.Errorf("GET /api/items: %d", resp.StatusCode)
				return
			}
		}
	})
	if n := total.Load(); n > 0 {
		b.ReportMetric(100*float64(refused.Load())/float64(n), "%refused")
	}
}

func benchUpstream(b *testing.B) *url.URL {
	up := httptest.NewServer(bareItems())
	b.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	return u
}

// BenchmarkProxyBare is the baseline: httputil.ReverseProxy as the
// proxy's own, with the same transport, and nothing else.
func BenchmarkProxyBare(b *testing.B) {
	u := benchUpstream(b)
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u); pr.SetXForwarded() },
		Transport: fakeserver.UpstreamTransport(),
	}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	runProxyLoad(b, srv.URL)
}

func benchProxy(b *testing.B, scenario string) {
	u := benchUpstream(b)
	p, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)), fakeserver.WithUpstream(u))
	if err != nil {
		b.Fatal(err)
	}
	if scenario != "" {
		if err := p.Apply(activationOf(scenario)); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	runProxyLoad(b, p.URL())
}

// BenchmarkProxyNoScenario is authchaos proxy, healthy: journal, metrics,
// credential fingerprint and the forwarding.
func BenchmarkProxyNoScenario(b *testing.B) { benchProxy(b, "") }

// BenchmarkProxyFrontLayer10 has waf-block on 10% of requests.
func BenchmarkProxyFrontLayer10(b *testing.B) {
	benchProxy(b, "waf-block:duration=1h,select.p=0.1,select.seed=1")
}

// The in-process trio measures the same three with no network at all: an
// upstream handler behind a RoundTripper, one request at a time. It is
// the proxy's own CPU cost, which a loaded machine's loopback numbers
// blur.

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, r)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}

func inProcessLoop(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/api/items", nil)
		r.Header.Set("Authorization", "Bearer x")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusUnauthorized {
			b.Fatalf("GET /api/items: %d", w.Code)
		}
	}
}

var inProcessUpstream, _ = url.Parse("http://upstream.invalid")

// BenchmarkProxyInProcessBare is httputil.ReverseProxy alone.
func BenchmarkProxyInProcessBare(b *testing.B) {
	u := inProcessUpstream
	inProcessLoop(b, &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u); pr.SetXForwarded() },
		Transport: handlerTransport{bareItems()},
	})
}

func inProcessProxy(b *testing.B, scenario string) {
	p, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)),
		fakeserver.WithUpstream(inProcessUpstream, fakeserver.WithUpstreamTransport(handlerTransport{bareItems()})))
	if err != nil {
		b.Fatal(err)
	}
	if scenario != "" {
		if err := p.Apply(activationOf(scenario)); err != nil {
			b.Fatal(err)
		}
	}
	inProcessLoop(b, p)
}

// BenchmarkProxyInProcessNoScenario is authchaos proxy, healthy.
func BenchmarkProxyInProcessNoScenario(b *testing.B) { inProcessProxy(b, "") }

// BenchmarkProxyInProcessFrontLayer10 has waf-block on 10% of requests.
func BenchmarkProxyInProcessFrontLayer10(b *testing.B) {
	inProcessProxy(b, "waf-block:duration=1h,select.p=0.1,select.seed=1")
}
