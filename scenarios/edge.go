package scenarios

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
)

// Small helpers scenario edges share.

// isAPI reports whether a request is for the protected API (not the token
// endpoint or login), which is what most edges target.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// onAPI makes an edge that sees only protected API calls; every other
// request (token endpoint, login, discovery) goes straight to the app.
func onAPI(serve func(w http.ResponseWriter, r *http.Request, next http.Handler)) fault.Edge {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isAPI(r) {
				next.ServeHTTP(w, r)
				return
			}
			serve(w, r, next)
		})
	}
}

// countdown lets an edge fire a fixed number of times across concurrent
// requests.
type countdown struct {
	mu   sync.Mutex
	left int
}

func newCountdown(n int) *countdown { return &countdown{left: n} }

// take uses up one firing and reports whether one was left.
func (c *countdown) take() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left <= 0 {
		return false
	}
	c.left--
	return true
}

// window is a period on the server's clock that starts at the first call
// that opens it: "the edge blocks for 1s from the first API call". It is
// safe for concurrent requests.
type window struct {
	mu    sync.Mutex
	d     time.Duration
	until time.Time
}

func newWindow(d time.Duration) *window { return &window{d: d} }

// open starts the window at now unless it already started.
func (w *window) open(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.until.IsZero() {
		w.until = now.Add(w.d)
	}
}

// left is how much of the window remains at now; 0 before it opens or
// after it closes.
func (w *window) left(now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.until.IsZero() || !now.Before(w.until) {
		return 0
	}
	return w.until.Sub(now)
}

// retryAfter renders a remaining duration as Retry-After seconds, rounded
// up so a client that waits exactly that long finds the window closed.
func retryAfter(left time.Duration) string {
	return strconv.Itoa(int(math.Ceil(left.Seconds())))
}
