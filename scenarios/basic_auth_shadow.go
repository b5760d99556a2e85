package scenarios

import (
	"crypto/subtle"
	"fmt"
	"html"
	"net"
	"net/http"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "basic-auth-shadow",
		Title:    "Stray Basic auth rule shadows the API",
		Category: "server",
		Recovery: FailFast,
		Summary:  "a stray `.htaccess` (`AuthType Basic`, `AuthName \"Restricted Content\"`, `Require valid-user`) on `path` answers every request without a `.htpasswd` user's Basic credential with 401 `Basic realm=\"Restricted Content\"` and Apache's HTML page",
		Explain: Explain{
			Symptom:   "A Bearer API answers 401 with `WWW-Authenticate: Basic realm=\"Restricted Content\"`, `Server: Apache/...` and an HTML page ('This server could not verify that you are authorized...'), whatever token is sent. The token endpoint still works and its tokens are valid; they just never reach the app.",
			Cause:     "A web server rule on a parent path, often a `.htaccess` with `AuthType Basic`, `AuthName \"Restricted Content\"`, `AuthUserFile .../.htpasswd`, `Require valid-user` left from a staging lock-down or copied with a directory, catches the API's routes before the application sees them. Only users in that .htpasswd (an ops account) get through.",
			UserFix:   "Read the challenge: a Basic challenge with a realm that is not the API's means a layer in front of it wants credentials you were never given. Fail fast naming the scheme and realm; do not send your API user's password as Basic to it, and do not refresh: the token was never looked at.",
			OwnerFix:  "Check .htaccess files and server blocks for Basic auth rules that shadow app routes (`<Location /api/>`, parent directories); scope them to the paths they protect, and let API routes answer with their own challenge.",
			TellApart: "A Basic challenge with a foreign realm and an HTML page on a route that should take Bearer: this. wrong_scheme from the API names a scheme in the API's own realm with JSON (wrong-scheme); only mistyped paths answering 401 is wrong-url; a public route answering 401 is public-endpoint-protected.",
		},
		Sources: []string{SeedGuide, SeedChecklist, SeedCauses},
		Params: []Param{
			{Name: "path", Default: "/api/", Help: "path prefix the stray rule covers", Kind: StringParam},
			{Name: "htpasswd", Default: "ops:0ps-0nly-2019", Help: "user:password of the one .htpasswd entry (the client is not told)", Kind: StringParam},
		},
		Install: func(env fault.Env, p Params) error {
			prefix := p["path"]
			if !strings.HasPrefix(prefix, "/") {
				return fmt.Errorf("path %q must start with /", prefix)
			}
			user, pass, ok := strings.Cut(p["htpasswd"], ":")
			if !ok || user == "" {
				return fmt.Errorf("htpasswd %q: want user:password", p["htpasswd"])
			}
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !strings.HasPrefix(r.URL.Path, prefix) {
						next.ServeHTTP(w, r)
						return
					}
					if cred, err := authn.FromRequest(r); err == nil && cred.Scheme == authn.Basic && cred.User == user &&
						subtle.ConstantTimeCompare([]byte(cred.Secret), []byte(pass)) == 1 {
						// Apache passes Authorization on to the app.
						next.ServeHTTP(w, r)
						return
					}
					w.Header().Set("WWW-Authenticate", `Basic realm="Restricted Content"`)
					w.Header().Set("Server", "Apache/2.4.62 (Debian)")
					fault.NoteOf(r).Origin = journal.Apache
					fault.Respond(w, r, http.StatusUnauthorized, journal.HtaccessBasicAuth, "text/html; charset=iso-8859-1", apacheUnauthorized(r.Host))
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/items")},
			Expect: Expect{Status: 401, ErrorNames: []string{"Basic", "Restricted Content", "Apache"}},
		},
	})
}

// apacheUnauthorized is Apache httpd's stock 401 page.
func apacheUnauthorized(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, "80"
	}
	return `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>401 Unauthorized</title>
</head><body>
<h1>Unauthorized</h1>
<p>This server could not verify that you
are authorized to access the document
requested.  Either you supplied the wrong
credentials (e.g., bad password), or your
browser doesn't understand how to supply
the credentials required.</p>
<hr>
<address>Apache/2.4.62 (Debian) Server at ` + html.EscapeString(host) + ` Port ` + html.EscapeString(port) + `</address>
</body></html>
`
}
