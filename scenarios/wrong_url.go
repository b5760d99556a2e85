package scenarios

import (
	"bytes"
	"net/http"
	"path"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "wrong-url",
		Title:    "Mistyped URL hits a protected location",
		Category: "server",
		Recovery: FailFast,
		Summary:  "a path under `/api/` that is not an API route (an extra slash as in `/api//items`, a wrong prefix as in `/api/v1/items`, a trailing slash) falls through to a protected file-system location: 401 `Basic realm=\"Internal\"` with nginx's page instead of 404",
		Explain: Explain{
			Symptom:   "One call answers 401 `WWW-Authenticate: Basic realm=\"Internal\"` with nginx's '401 Authorization Required' page, while the calls around it, with the same token, work. Nothing about the token changes the answer; the path does.",
			Cause:     "The URL is wrong (an extra slash from joining a base URL ending in / with a path starting with /, an old /v1 prefix, a typo), and the web server routes what it does not know to a file-system location guarded by auth (an internal directory under the document root) instead of answering 404. The API never sees the request.",
			UserFix:   "Fail fast with an error that shows the exact path sent; do not refresh or log in again. Compare it with the documented route: join URLs with a URL library rather than string concatenation, and remove stray slashes and old prefixes.",
			OwnerFix:  "Answer unknown API paths with 404 from the API, before any file-system location; keep internal directories out of the document root, and check logs for 401s on paths that are not routes.",
			TellApart: "Only the odd-looking path answers 401, and the same credential works on the right path: this. Every route answering a Basic challenge is basic-auth-shadow; a route that should be public answering 401 is public-endpoint-protected; a plain-text denial on a real route is firewall-block.",
		},
		Sources: []string{SeedCauses, SeedChecklist, SeedGuide},
		Install: func(env fault.Env, p Params) error {
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sent := r.URL.Path
					if !strings.HasPrefix(path.Clean(sent)+"/", "/api/") {
						next.ServeHTTP(w, r)
						return
					}
					// A path the app's mux would clean (and redirect) is
					// one the server never routes to the app.
					if path.Clean(sent) != sent {
						protectedLocation(w, r)
						return
					}
					var buf bufferedResponse
					buf.header = http.Header{}
					next.ServeHTTP(&buf, r)
					if buf.status == http.StatusNotFound {
						protectedLocation(w, r)
						return
					}
					buf.copyTo(w)
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/items"), Get("/api//items")},
			Expect: Expect{Status: 401, ErrorNames: []string{"/api//items", "Authorization Required", "protected_location"}},
		},
	})
}

// protectedLocation is nginx answering for an auth-guarded directory.
func protectedLocation(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Basic realm="Internal"`)
	w.Header().Set("Server", "nginx/1.24.0")
	fault.NoteOf(r).Origin = journal.Nginx
	fault.Respond(w, r, http.StatusUnauthorized, journal.ProtectedLocation, "text/html", nginxUnauthorized)
}

const nginxUnauthorized = `<html>
<head><title>401 Authorization Required</title></head>
<body>
<center><h1>401 Authorization Required</h1></center>
<hr><center>nginx/1.24.0</center>
</body>
</html>
`

// bufferedResponse holds the app's answer until the edge decides whether
// to pass it on.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) copyTo(w http.ResponseWriter) {
	for k, vs := range b.header {
		w.Header()[k] = vs
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
