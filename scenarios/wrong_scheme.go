package scenarios

import (
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "wrong-scheme",
		Title:    "Credential of the wrong scheme",
		Category: "credentials",
		Recovery: SwitchScheme,
		Summary:  "`path` accepts only `scheme`; any other credential gets 401 `wrong_scheme` with a challenge for the accepted one",
		Explain: Explain{
			Symptom:   "A valid Bearer token gets 401 with `WWW-Authenticate: ApiKey realm=\"authchaos\"` and reason wrong_scheme: the credential is fine, it is just not the kind this route takes.",
			Cause:     "Routes of one API often take different schemes (Bearer for users, ApiKey for machines, Basic for legacy). A client that always sends its one credential hits the routes that want another.",
			UserFix:   "Read WWW-Authenticate. If it names a scheme you hold a credential for, resend with it once; otherwise fail fast with an error that names the scheme asked for. Refreshing the token will not help.",
			OwnerFix:  "Send a challenge for every scheme the route accepts, and document per route which schemes work.",
			TellApart: "wrong_scheme comes with a challenge of another scheme; invalid_token (same scheme) is an expired or revoked token; a `Basic realm=\"Restricted Content\"` on a Bearer API is basic-auth-shadow.",
		},
		Sources: []string{SeedGuide, SeedChecklist},
		Params: []Param{
			{Name: "path", Default: "/api/items", Help: "route whose schemes are narrowed", Kind: StringParam},
			{Name: "scheme", Default: "ApiKey", Help: "the only scheme it accepts (Bearer, Basic, ApiKey, Cookie)", Kind: EnumParam, Values: []string{"Bearer", "Basic", "ApiKey", "Cookie"}},
			{Name: "holds", Default: "yes", Help: "yes: the client also holds a credential of the accepted scheme; no: it holds none, so it must fail fast naming the scheme (judged by the suites; the server ignores it)", Kind: EnumParam, Values: []string{"yes", "no"}},
		},
		Install: func(env fault.Env, p Params) error {
			k := env.Knobs()
			k.OnlySchemes(p["path"], p["scheme"])
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt: func(w *Workload, p Params) {
			if p["holds"] != "no" {
				return
			}
			// Nothing to switch to: the API key and the user's password
			// (which Basic would use) are left out of the target.
			w.Omit = []string{"api_key", "username", "password"}
			w.Expect = Expect{Status: 401, ErrorNames: []string{p["scheme"], string(journal.WrongScheme)}}
		},
		Variants: []Variant{
			{Params: map[string]string{"holds": "no"}, Why: "the client holds no API key: it must fail fast naming the scheme asked for, not refresh or loop"},
		},
	})
}
