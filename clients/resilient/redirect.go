package resilient

import (
	"fmt"
	"net/http"
)

// maxRedirects is how many hops a call follows.
const maxRedirects = 5

// redirectPolicy is the http.Client's CheckRedirect: a bounded number of
// hops, and no credential header carried to another origin. The auth
// layer attaches credentials per hop and is what really prevents the leak;
// this keeps a header set on the first request from riding along.
func redirectPolicy(origin string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if originOf(req.URL) != origin {
			req.Header.Del("Authorization")
			req.Header.Del("Cookie")
		}
		return nil
	}
}
