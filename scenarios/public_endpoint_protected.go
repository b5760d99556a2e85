package scenarios

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "public-endpoint-protected",
		Title:    "Public endpoint behind a login plugin",
		Category: "server",
		Recovery: FailFast,
		Summary:  "a members-only plugin placed over `path` (public by configuration) answers every request there with 401 `rest_not_logged_in`, whatever credential is sent",
		Explain: Explain{
			Symptom:   "A route documented as public (a status page, a health check, a catalog) answers 401 `{\"code\":\"rest_not_logged_in\",\"message\":\"You are not currently logged in.\"}` with `WWW-Authenticate: Session realm=\"members-only\"`, with no credential, a valid token or an API key alike. The protected routes next to it work.",
			Cause:     "A plugin or middleware was installed or updated (a 'members only' or 'force login' plugin in a CMS, an auth middleware mounted on the whole router instead of a sub-tree) and now guards paths that were meant to stay open. It checks its own login, so the API's credentials are never looked at.",
			UserFix:   "Fail fast and report it: an endpoint that should need nothing refuses everything, so no credential the client holds can help. Do not start sending credentials to public endpoints to make the error go away, and do not refresh.",
			OwnerFix:  "Check what changed (plugins, middleware order, route groups); exclude public routes from the plugin explicitly, disable the plugin to confirm, and keep a test that calls every public route without credentials.",
			TellApart: "Only the public route refuses, with a foreign realm, whatever you send: this. Every /api/ route answering a Basic challenge is basic-auth-shadow; a mistyped path answering 401 is wrong-url; a route that wants another kind of credential from the API itself is wrong-scheme.",
		},
		Sources: []string{SeedCauses, SeedGuide},
		Params:  []Param{{Name: "path", Default: "/api/public/status", Help: "the public route the plugin guards", Kind: StringParam}},
		Install: func(env fault.Env, p Params) error {
			path := p["path"]
			if !strings.HasPrefix(path, "/") {
				return fmt.Errorf("path %q must start with /", path)
			}
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != path {
						next.ServeHTTP(w, r)
						return
					}
					fault.NoteOf(r).Origin = journal.Plugin
					fault.Challenge{
						Scheme: "Session", Realm: "members-only", Reason: journal.MembersOnlyPlugin,
						Hint:    "the members-only plugin guards this path and accepts only a site member's login cookie; API credentials are not looked at, so none will pass",
						Headers: http.Header{"X-Plugin": {"members-only/2.3.1"}},
						Extra: map[string]any{"code": "rest_not_logged_in", "message": "You are not currently logged in.",
							"data": map[string]any{"status": http.StatusUnauthorized}},
					}.Write(w, r)
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/me"), Get("/api/public/status")},
			Expect: Expect{Status: 401, ErrorNames: []string{"members_only", "members-only", "rest_not_logged_in", "not currently logged in", "plugin"}},
		},
	})
}
