package resilient

import (
	"context"
	"net/http"
	"time"
)

// Back-off bounds. A Retry-After is followed as the server says; the
// call's deadline bounds it, and a wait that would not fit before the
// deadline is not started: the call gives up at once instead.
const (
	maxWaits     = 3                // retries of an edge that says when to come back
	maxWait      = 60 * time.Second // longest Retry-After honoured when the call has no deadline
	waitUnasked  = 1 * time.Second  // wait when the edge gives no Retry-After
	waitsUnasked = 1                // a persistent block (a firewall): one more look, no loop
)

// backoffLayer handles answers from something in front of the API (a WAF,
// a firewall, a captive portal, a rate limiter, a stale backend): the
// credential never reached the API, so it keeps it, waits as Retry-After
// says, and retries a bounded number of times.
type backoffLayer struct {
	next  http.RoundTripper
	api   *api
	sleep func(ctx context.Context, d time.Duration) error
	bugs  Bugs
}

func (l *backoffLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	for waits := 0; ; waits++ {
		resp, err := l.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		ans := l.api.inspect(resp)
		if !ans.fromEdge() {
			return resp, nil
		}
		limit, wait := waitsUnasked, waitUnasked
		if ans.hasRetry {
			limit, wait = maxWaits, ans.retryAfter
		}
		if l.bugs.IgnoreRetryAfter {
			limit, wait = maxWaits, 0 // bug: hammer the edge at once
		}
		retry, ok := again(req.Context(), req)
		if waits >= limit || !ok {
			return resp, nil
		}
		if room := waitRoom(req.Context()); wait > room {
			recordOf(req.Context()).did("did not wait " + wait.String() + " after " + statusWords(ans.status) + " from an edge: longer than the " + room.Round(time.Second).String() + " left for the call")
			return resp, nil
		}
		resp.Body.Close()
		if err := l.sleep(req.Context(), wait); err != nil {
			return nil, giveUp(ans, err)
		}
		recordOf(req.Context()).did("waited " + wait.String() + " after " + statusWords(ans.status) + " from an edge")
		req = retry
	}
}

// waitRoom is how long the call may still wait: until its deadline, or
// maxWait for a call without one.
func waitRoom(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return maxWait
}
