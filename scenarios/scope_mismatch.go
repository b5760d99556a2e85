package scenarios

import (
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "scope-mismatch",
		Title:    "Token lacks a scope",
		Category: "oauth",
		Recovery: StepUp,
		Summary:  "`path` also requires `scope`; a token without it gets 403 `insufficient_scope` with `scope=` naming what is needed",
		Explain: Explain{
			Symptom:   "Login works and some calls work, but one route answers 403 with `WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"read write\"`: 'works for login, fails for the API'.",
			Cause:     "The client asked for fewer scopes than the route needs, or the route's requirements grew. The token is valid, just not broad enough.",
			UserFix:   "Read the scope parameter, ask for a new token that includes it (a new grant: a refresh cannot widen scope), retry once. If the grant refuses the scope, fail with an error naming it.",
			OwnerFix:  "Answer insufficient_scope with 403 and the scope parameter (RFC 6750 §3.1), and document which scopes each route needs.",
			TellApart: "insufficient_scope is 403 and names scopes: step up. invalid_token is 401: refresh. A 403 without scope (insufficient_role) is forbidden-not-unauthorized: no token will help.",
		},
		Sources: []string{SeedChecklist, SeedCauses},
		Params: []Param{
			{Name: "path", Default: "/api/items", Help: "route that needs the extra scope", Kind: StringParam},
			{Name: "scope", Default: "write", Help: "space-separated scopes it additionally requires", Kind: StringParam},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			if k.RouteScopes == nil {
				k.RouteScopes = map[string][]string{}
			}
			k.RouteScopes[p["path"]] = append(k.RouteScopes[p["path"]], strings.Fields(p["scope"])...)
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Scopes: []string{"read"},
			Steps:  []Step{Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
	})
}
