package scenarios

import (
	"net/http"
	"strings"
	"sync"
)

// Small helpers scenario edges share.

// isAPI reports whether a request is for the protected API (not the token
// endpoint or login), which is what most edges target.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// countdown is a mutex-guarded counter edges use to fire a fixed number
// of times across concurrent requests.
type countdown struct{ mu sync.Mutex }

func newLock() *countdown { return &countdown{} }

// take decrements *n and reports whether it was positive.
func (c *countdown) take(n *int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *n <= 0 {
		return false
	}
	*n--
	return true
}
