package scenarios

import (
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "forbidden-not-unauthorized",
		Title:    "Authenticated but not permitted (403)",
		Category: "credentials",
		Recovery: FailFast,
		Summary:  "`path` also requires `role`; a valid credential without it gets 403 with reason `insufficient_role`, which no new token can fix",
		Explain: Explain{
			Symptom:   "The token is accepted (other routes work, /api/me answers), but one route answers `403` with reason insufficient_role and a hint to ask an administrator, and no `WWW-Authenticate`. A client that refreshes or logs in again gets the same 403, forever.",
			Cause:     "401 means 'I do not know who you are'; 403 means 'I know, and the answer is no'. The account lacks a role or permission the route needs (an editor without 'edit content', a user calling an admin endpoint). Some servers wrongly send 401 for this, which sends clients into refresh loops; the right answer is 403.",
			UserFix:   "On 403 do not refresh, do not log in again, do not retry: report an error that says the account is not permitted (forbidden, with the server's reason) and who to ask. Only a 403 insufficient_scope names a scope worth stepping up to (scope-mismatch).",
			OwnerFix:  "Answer missing permissions with 403, never 401, with a reason that names the missing role or permission; grant users the roles they need, and document which role each route requires.",
			TellApart: "403 insufficient_role: nothing to do but ask for access (this); 403 insufficient_scope with scope= is scope-mismatch (step up); 401 invalid_token is expired-token or revoked-token; a 401 with an HTML page is an edge (waf-block).",
		},
		Sources: []string{SeedGuide, SeedCauses, SeedChecklist},
		Params: []Param{
			{Name: "path", Default: "/api/items", Help: "route that needs the extra role", Kind: StringParam},
			{Name: "role", Default: "admin", Help: "space-separated roles it additionally requires", Kind: StringParam},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			if k.RouteRoles == nil {
				k.RouteRoles = map[string][]string{}
			}
			k.RouteRoles[p["path"]] = append(k.RouteRoles[p["path"]], strings.Fields(p["role"])...)
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Steps:  []Step{Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 403, ErrorNames: []string{"insufficient_role", "forbidden", "not permitted", "role"}},
		},
	})
}
