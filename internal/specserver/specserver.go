// Package specserver starts fake servers for ginkgo specs.
//
// The fakeserver and scenarios specs drive the server the same way: on a
// loopback port, on a frozen clock, through an httpexpect client that
// shows redirects instead of following them. Keeping that setup here
// means its one subtlety (a transport of the spec's own, closed before
// the server) is written once.
package specserver

import (
	"net/http"
	"time"

	"github.com/gavv/httpexpect/v2"
	"github.com/onsi/ginkgo/v2"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fakeservertest"
)

// Start runs a fake server on cfg with its clock frozen at t0, and closes
// it when the spec ends.
func Start(cfg *config.File, t0 time.Time, opts ...fakeserver.Option) *fakeserver.Server {
	ginkgo.GinkgoHelper()
	opts = append([]fakeserver.Option{fakeserver.WithConfig(cfg), fakeserver.WithClock(clock.Frozen(t0))}, opts...)
	return fakeservertest.Start(ginkgo.GinkgoT(), opts...).Server
}

// Expect is an httpexpect client for baseURL that reports to the current
// spec and does not follow redirects.
func Expect(baseURL string) *httpexpect.Expect {
	// A transport of its own, closed before the server (cleanups run in
	// reverse): a connection a shared transport dialed but never used
	// would hold the server's shutdown.
	tr := &http.Transport{}
	ginkgo.DeferCleanup(tr.CloseIdleConnections)
	return httpexpect.WithConfig(httpexpect.Config{
		BaseURL:  baseURL,
		Reporter: httpexpect.NewAssertReporter(ginkgo.GinkgoT()),
		Client: &http.Client{
			Transport:     tr,
			Timeout:       5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	})
}
