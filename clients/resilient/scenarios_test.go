package resilient_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/clients/internal/chaostest"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// run drives a reference client (with opts) through scenario id's own
// workload on a fresh fake server whose clock the client's back-off moves.
func run(t *testing.T, id string, params map[string]string, opts ...resilient.Option) (*scenarios.Scenario, []suites.StepRecord, *chaostest.Clock) {
	t.Helper()
	s, sc, target := chaostest.Scenario(t, id, params)
	clock := chaostest.NewClock(s)
	c, err := resilient.New(target, append([]resilient.Option{resilient.WithSleep(clock.Sleep)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return sc, chaostest.Run(t, s, sc, c), clock
}

// facts are what a scenario's journal must show beyond the judge's verdict.
type facts func(t *testing.T, steps []suites.StepRecord, clock *chaostest.Clock)

// Journal predicates, shared with the judge.
var (
	isToken = suites.IsTokenRequest
	isAuth  = suites.IsAuthRequest
	isAPI   = suites.IsAPICall
	refused = func(e fakeserver.Entry) bool { return suites.IsAPICall(e) && e.Status >= 400 }
)

func grant(g string) func(fakeserver.Entry) bool {
	return func(e fakeserver.Entry) bool { return suites.IsTokenRequest(e) && e.Grant == g }
}

func path(p string) func(fakeserver.Entry) bool {
	return func(e fakeserver.Entry) bool { return e.Path == p }
}

func reason(r journal.Reason) func(fakeserver.Entry) bool {
	return func(e fakeserver.Entry) bool { return e.Reason == r }
}

func count(t *testing.T, what string, es []fakeserver.Entry, pred func(fakeserver.Entry) bool, want int) {
	t.Helper()
	if got := suites.Count(es, pred); got != want {
		t.Errorf("%s: %d, want %d (%s)", what, got, want, suites.SeqRange(suites.Filter(es, pred)))
	}
}

func lastEntries(steps []suites.StepRecord) []fakeserver.Entry { return steps[len(steps)-1].Entries }

// oneRefresh: the call after the fault makes exactly one token request.
func oneRefresh(want string) facts {
	return func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		last := lastEntries(steps)
		count(t, "token requests after the fault", last, isToken, 1)
		count(t, want+" grants after the fault", last, grant(want), 1)
	}
}

// waitedAsTold: back-off waited what Retry-After said (1s here) and never
// threw the credential away.
func waitedAsTold(t *testing.T, steps []suites.StepRecord, clock *chaostest.Clock) {
	all := chaostest.All(steps)
	first := slices.IndexFunc(all, refused)
	if first < 0 {
		t.Fatal("no refused API call: the scenario did not bite")
	}
	count(t, "token/login requests after the first refusal", all[first+1:], isAuth, 0)
	if w := clock.Waits(); len(w) == 0 || w[0] != time.Second {
		t.Errorf("waits %v, want the first to be Retry-After's 1s", w)
	}
	creds := map[string]bool{}
	for _, e := range suites.Filter(all, isAPI) {
		creds[e.Credential] = true
	}
	if len(creds) != 1 {
		t.Errorf("API calls carried %d different credentials, want the one it had", len(creds))
	}
}

// neverSentBasic: the password never went to the page that asked for it.
func neverSentBasic(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
	count(t, "Basic credentials sent", chaostest.All(steps), func(e fakeserver.Entry) bool { return e.Scheme == "Basic" && isAPI(e) }, 0)
	count(t, "refused API calls in the last call", lastEntries(steps), refused, 1)
}

// scenarioFacts holds, per scenario, what the reference client's journal
// shows beyond passing the judge. A scenario added to the catalog without
// an entry here is still run and judged by TestEveryScenario.
var scenarioFacts = map[string]facts{
	"expired-token":            oneRefresh("refresh_token"),
	"revoked-token":            oneRefresh("refresh_token"),
	"bad-signature":            oneRefresh("refresh_token"),
	"clock-skew":               oneRefresh("refresh_token"),
	"missing-www-authenticate": oneRefresh("refresh_token"),
	"stale-cached-credentials": oneRefresh("refresh_token"),
	"concurrent-expiry":        oneRefresh("refresh_token"),
	"refresh-token-expired": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		last := lastEntries(steps)
		count(t, "refused refresh_token grants", last, func(e fakeserver.Entry) bool { return grant("refresh_token")(e) && e.Status == 400 }, 1)
		count(t, "password grants (the re-login)", last, grant("password"), 1)
	},
	"refresh-token-rotation": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "reused refresh tokens", chaostest.All(steps), reason(journal.RefreshTokenReused), 0)
		for _, st := range steps[1:] {
			count(t, "token requests in call "+st.Call.Path, st.Entries, isToken, 1)
		}
	},
	"expired-session": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "logins after expiry", lastEntries(steps), path("/login"), 1)
	},
	"session-network-change": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "logins in all", chaostest.All(steps), path("/login"), 2)
	},
	"missing-credentials": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "logins in the first call (login, re-login)", steps[0].Entries, path("/login"), 2)
		count(t, "refused API calls", chaostest.All(steps), refused, 1)
	},
	"mfa-required": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "logins answered mfa_required", chaostest.All(steps), reason(journal.MFARequired), 2)
		count(t, "logins with a code that worked", chaostest.All(steps), func(e fakeserver.Entry) bool { return e.Path == "/login" && e.Status == 200 }, 2)
	},
	"wrong-scheme": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		items := suites.Filter(lastEntries(steps), path("/api/items"))
		if len(items) != 2 || items[0].Reason != journal.WrongScheme || items[1].Scheme != "ApiKey" || items[1].Status != 200 {
			t.Errorf("/api/items: want Bearer refused wrong_scheme, then ApiKey 200; got %+v", items)
		}
		count(t, "token requests after the challenge", lastEntries(steps), isToken, 0)
	},
	"scope-mismatch": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		last := lastEntries(steps)
		count(t, "password grants asking for write", last, func(e fakeserver.Entry) bool {
			return grant("password")(e) && strings.Contains(e.Scope, "write")
		}, 1)
		count(t, "refresh grants (cannot widen scope)", last, grant("refresh_token"), 0)
	},
	"redirect-strips-auth": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		all := chaostest.All(steps)
		if leaks := suites.Leaks(all); len(leaks) > 0 {
			t.Errorf("credential sent to another origin: %+v", leaks)
		}
		count(t, "calls that reached the other origins", all, func(e fakeserver.Entry) bool { return e.Origin == journal.OtherOrigin }, 2)
		count(t, "same-origin hops that kept the credential", all, func(e fakeserver.Entry) bool {
			return e.Path == "/api/me" && e.Reason == "" && e.Scheme == "Bearer" && e.Status == 200
		}, 1)
	},
	"waf-block":      waitedAsTold,
	"captive-portal": waitedAsTold,
	"stale-dns":      waitedAsTold,
	"rate-limited":   waitedAsTold,
	"firewall-block": func(t *testing.T, steps []suites.StepRecord, clock *chaostest.Clock) {
		count(t, "attempts on the blocked route (one extra, no loop)", lastEntries(steps), path("/api/items"), 2)
		count(t, "token requests after the block", lastEntries(steps), isToken, 0)
		if w := clock.Waits(); !slices.Equal(w, []time.Duration{time.Second}) {
			t.Errorf("waits %v, want one 1s look before giving up", w)
		}
	},
	"revoked-key": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "attempts with the revoked key", lastEntries(steps), reason(journal.APIKeyRevoked), 1)
	},
	"malformed-credentials": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "attempts with the malformed key", lastEntries(steps), reason(journal.MalformedCredentials), 1)
	},
	"forbidden-not-unauthorized": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "token requests after the 403", lastEntries(steps), isAuth, 0)
		count(t, "attempts on the forbidden route", lastEntries(steps), refused, 1)
	},
	"password-changed": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		last := lastEntries(steps)
		count(t, "refresh grants", last, grant("refresh_token"), 1)
		count(t, "password grants (one re-login, no guessing)", last, grant("password"), 1)
	},
	"wrong-password": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "logins", chaostest.All(steps), path("/login"), 1)
	},
	"device-limit": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "logins", chaostest.All(steps), path("/login"), 1)
	},
	"client-mismatch": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "token requests", chaostest.All(steps), isToken, 1)
	},
	"cookie-domain-mismatch": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "logins (no re-login loop)", chaostest.All(steps), path("/login"), 1)
		count(t, "API calls", chaostest.All(steps), isAPI, 1)
	},
	"cookie-secure-over-http": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "logins (no re-login loop)", chaostest.All(steps), path("/login"), 1)
	},
	"dpop-nonce": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		all := chaostest.All(steps)
		count(t, "requests without a DPoP proof", all, func(e fakeserver.Entry) bool { return (isAPI(e) || isToken(e)) && !e.DPoP }, 0)
		count(t, "token requests refused for the nonce (one, then the retry)", all, func(e fakeserver.Entry) bool { return isToken(e) && e.Reason == journal.UseDPoPNonce }, 1)
		count(t, "token requests after the rotation (the token is still good)", lastEntries(steps), isToken, 0)
		last := suites.Filter(lastEntries(steps), isAPI)
		if len(last) != 2 || last[0].Reason != journal.UseDPoPNonce || last[1].Status != 200 || last[0].Credential != last[1].Credential || last[1].Scheme != "DPoP" {
			t.Errorf("after the rotation: want use_dpop_nonce, then one DPoP retry with the same token and 200; got %+v", last)
		}
	},
	"digest-stale-nonce": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		count(t, "stale nonces (one, then the retry)", chaostest.All(steps), reason(journal.DigestStaleNonce), 1)
		count(t, "API calls after the nonce aged", lastEntries(steps), isAPI, 2)
		count(t, "API calls with Digest that succeeded", chaostest.All(steps), func(e fakeserver.Entry) bool { return isAPI(e) && e.Scheme == "Digest" && e.Status == 200 }, 2)
	},
	"resource-metadata-discovery": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		all := chaostest.All(steps)
		count(t, "token requests (discovered once, then cached)", all, isToken, 1)
		count(t, "token requests naming the resource", all, func(e fakeserver.Entry) bool { return isToken(e) && strings.HasSuffix(e.Resource, "/api/") }, 1)
		count(t, "protected resource metadata reads", all, func(e fakeserver.Entry) bool {
			return strings.HasPrefix(e.Path, "/.well-known/oauth-protected-resource")
		}, 1)
	},
	"device-flow": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		all := chaostest.All(steps)
		count(t, "device authorizations", all, path("/oauth/device_authorization"), 1)
		count(t, "slow_down answers (one, then the client slowed down)", all, reason(journal.DeviceSlowDown), 1)
	},
	"device-code-expired": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		all := chaostest.All(steps)
		count(t, "device authorizations (no starting over)", all, path("/oauth/device_authorization"), 1)
		if polls := suites.Filter(all, isToken); len(polls) == 0 || polls[len(polls)-1].Reason != journal.DeviceCodeExpired {
			t.Errorf("want the last poll to be the one answered expired_token; got %+v", polls)
		}
	},
	"step-up-authentication": func(t *testing.T, steps []suites.StepRecord, _ *chaostest.Clock) {
		last := lastEntries(steps)
		count(t, "password grants (a new authentication)", last, grant("password"), 1)
		count(t, "refresh grants (they keep the old authentication)", last, grant("refresh_token"), 0)
		count(t, "API calls (refused, then the one retry)", last, isAPI, 2)
	},
	"basic-auth-shadow":         neverSentBasic,
	"wrong-url":                 neverSentBasic,
	"public-endpoint-protected": neverSentBasic,
}

// TestEveryScenario drives the reference client through every scenario in
// the catalog with the scenario's own workload: the suites' judge must find
// nothing, the last call must end as the scenario expects (with an error
// naming the cause for fail-fast), and the journal must show the facts above.
func TestEveryScenario(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.ID, func(t *testing.T) {
			t.Parallel()
			sc, steps, clock := run(t, sc.ID, nil)
			for _, f := range suites.Judge(sc, steps) {
				t.Errorf("judge: %s", f)
			}
			for _, r := range chaostest.Last(steps) {
				if r.Status != sc.Workload.Expect.Status {
					t.Errorf("last call ended %d (error %q), want %d", r.Status, r.Error, sc.Workload.Expect.Status)
				}
				if names := sc.Workload.Expect.ErrorNames; len(names) > 0 && !containsAny(r.Error, names) {
					t.Errorf("error %q names none of %v", r.Error, names)
				}
				if r.Status >= 200 && r.Status < 300 && r.Error != "" {
					t.Errorf("a call that succeeded reported error %q", r.Error)
				}
			}
			if check, ok := scenarioFacts[sc.ID]; ok {
				check(t, steps, clock)
			}
		})
	}
}

// TestCaptivePortalRedirect: a portal that redirects to its own host
// answers a page there with 200. That page is not the API's answer: the
// client waits, asks again, and gets the API's; a portal that stays gives
// an error naming it, never the page as if the API had sent it.
func TestCaptivePortalRedirect(t *testing.T) {
	t.Run("clears", func(t *testing.T) {
		sc, steps, clock := run(t, "captive-portal", map[string]string{"mode": "redirect"})
		for _, f := range suites.Judge(sc, steps) {
			t.Errorf("judge: %s", f)
		}
		if r := chaostest.Last(steps)[0]; r.Status != 200 || r.Error != "" || !strings.HasPrefix(r.Body, "{") {
			t.Errorf("last call: %d %q, body %.60q; want the API's JSON 200", r.Status, r.Error, r.Body)
		}
		count(t, "visits to the portal's page", chaostest.All(steps), path("/portal"), 1)
		count(t, "credentials sent to the portal", chaostest.All(steps), func(e fakeserver.Entry) bool { return e.Path == "/portal" && e.Scheme != "none" }, 0)
		if w := clock.Waits(); !slices.Equal(w, []time.Duration{time.Second}) {
			t.Errorf("waits %v, want one 1s wait before asking again", w)
		}
	})
	t.Run("stays", func(t *testing.T) {
		_, steps, _ := run(t, "captive-portal", map[string]string{"mode": "redirect", "duration": "1h"})
		r := chaostest.Last(steps)[0]
		if r.Error == "" || !strings.Contains(r.Error, "not the API's answer") || !strings.Contains(r.Error, "Hotel Guest Wi-Fi") {
			t.Errorf("last call: %d, error %q; want an error saying a portal page answered instead of the API", r.Status, r.Error)
		}
	})
}

// TestFactsNameRealScenarios keeps scenarioFacts honest: every key must be
// a scenario of the catalog.
func TestFactsNameRealScenarios(t *testing.T) {
	for id := range scenarioFacts {
		if _, ok := scenarios.Lookup(id); !ok {
			t.Errorf("scenarioFacts has %q, which is not in the catalog", id)
		}
	}
}

func containsAny(s string, names []string) bool {
	for _, n := range names {
		if strings.Contains(strings.ToLower(s), strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// TestEveryAuthKind: each kind authenticates once, sends its own scheme,
// and reuses the credential on the next call.
func TestEveryAuthKind(t *testing.T) {
	tests := []struct {
		auth       adapter.AuthKind
		scheme     string
		authCalls  int
		authOnPath string
	}{
		{adapter.AuthOAuth2Password, "Bearer", 1, "/oauth/token"},
		{adapter.AuthOAuth2ClientCredentials, "Bearer", 1, "/oauth/token"},
		{adapter.AuthSession, "Cookie", 1, "/login"},
		{adapter.AuthBasic, "Basic", 0, ""},
		{adapter.AuthAPIKey, "ApiKey", 0, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.auth), func(t *testing.T) {
			t.Parallel()
			s := chaostest.Server(t, "", nil)
			c, err := resilient.New(chaostest.Target(s, tt.auth))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, p := range []string{"/api/me", "/api/items"} {
				if r := c.Do(t.Context(), chaostest.Get(p)); r.Status != 200 || r.Error != "" {
					t.Fatalf("GET %s: %d %q", p, r.Status, r.Error)
				}
			}
			es := s.Journal().Entries(0)
			count(t, "authentications", es, isAuth, tt.authCalls)
			count(t, "API calls with "+tt.scheme, es, func(e fakeserver.Entry) bool { return isAPI(e) && e.Scheme == tt.scheme }, 2)
		})
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		t    adapter.Target
		want string
	}{
		{"unknown auth kind", adapter.Target{BaseURL: "http://127.0.0.1:1", Auth: "oauth2-device"}, "not supported"},
		{"relative base URL", adapter.Target{BaseURL: "/api", Auth: adapter.AuthAPIKey}, "absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := resilient.New(tt.t); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
