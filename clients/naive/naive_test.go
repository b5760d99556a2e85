package naive_test

import (
	"testing"

	"github.com/authchaos/authchaos/clients/internal/chaostest"
	"github.com/authchaos/authchaos/clients/naive"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// TestWorksWhenNothingFails: the naive client is not broken on a healthy
// server, which is why it ships in so many products.
func TestWorksWhenNothingFails(t *testing.T) {
	for _, auth := range []adapter.AuthKind{adapter.AuthOAuth2Password, adapter.AuthOAuth2ClientCredentials, adapter.AuthSession, adapter.AuthBasic, adapter.AuthAPIKey} {
		t.Run(string(auth), func(t *testing.T) {
			t.Parallel()
			s := chaostest.Server(t, "", nil)
			c, err := naive.New(chaostest.Target(s, auth))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, p := range []string{"/api/me", "/api/items"} {
				if r := c.Do(t.Context(), chaostest.Get(p)); r.Status != 200 || r.Error != "" {
					t.Errorf("GET %s: %d %q", p, r.Status, r.Error)
				}
			}
			if n := suites.Count(s.Journal().Entries(0), suites.IsAuthRequest); n > 1 {
				t.Errorf("%d authentications, want at most 1", n)
			}
		})
	}
}

// TestFailsWhereItShould runs the naive client through scenarios it gets
// wrong: the suites' judge must say so, and the journal shows how.
func TestFailsWhereItShould(t *testing.T) {
	last := func(s []suites.StepRecord) []fakeserver.Entry { return s[len(s)-1].Entries }
	tests := []struct {
		scenario string
		fact     string
		of       func([]suites.StepRecord) int
		want     int
	}{
		{"expired-token", "immediate retries of the expired token (1 + 5)",
			func(s []suites.StepRecord) int { return suites.Count(last(s), reasonIs(journal.TokenExpired)) }, 6},
		{"expired-token", "token requests after expiry",
			func(s []suites.StepRecord) int { return suites.Count(last(s), suites.IsAuthRequest) }, 0},
		{"expired-session", "re-logins after expiry",
			func(s []suites.StepRecord) int { return suites.Count(last(s), suites.IsAuthRequest) }, 0},
		{"redirect-strips-auth", "credentials sent to other origins",
			func(s []suites.StepRecord) int { return len(suites.Leaks(chaostest.All(s))) }, 2},
		{"waf-block", "attempts the WAF refused, without waiting",
			func(s []suites.StepRecord) int { return suites.Count(chaostest.All(s), reasonIs(journal.WAFBlock)) }, 6},
		{"revoked-key", "attempts with a revoked key",
			func(s []suites.StepRecord) int { return suites.Count(last(s), reasonIs(journal.APIKeyRevoked)) }, 6},
		{"wrong-password", "status of the failed call (the login's refusal is its only answer)",
			func(s []suites.StepRecord) int { return chaostest.Last(s)[0].Status }, 0},
	}
	// Where its behaviour is right (one attempt, then it gives up), only
	// its report is judged: "HTTP 401" names no cause, an advisory.
	advisoryOnly := map[string]bool{"wrong-password": true}
	for _, tt := range tests {
		t.Run(tt.scenario+"/"+tt.fact, func(t *testing.T) {
			t.Parallel()
			s, sc, target := chaostest.Scenario(t, tt.scenario, nil)
			c, err := naive.New(target)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			steps := chaostest.Run(t, s, sc, c)
			if got := tt.of(steps); got != tt.want {
				t.Errorf("%s: %d, want %d", tt.fact, got, tt.want)
			}
			switch findings, advisories := suites.Judge(sc, steps), suites.Advise(sc, steps); {
			case advisoryOnly[tt.scenario] && len(findings) > 0:
				t.Errorf("the judge fails the naive client's behaviour in %s, which is right: %q", tt.scenario, findings)
			case advisoryOnly[tt.scenario] && len(advisories) == 0:
				t.Errorf("no advisory on the naive client's report in %s", tt.scenario)
			case !advisoryOnly[tt.scenario] && len(findings) == 0:
				t.Errorf("the judge passes the naive client in %s", tt.scenario)
			}
			for _, r := range chaostest.Last(steps) {
				if r.Error != "" && r.Error != "HTTP 401" && r.Error != "HTTP 403" {
					t.Errorf("error %q: the naive client only ever says the status", r.Error)
				}
			}
		})
	}
}

func reasonIs(r journal.Reason) func(fakeserver.Entry) bool {
	return func(e fakeserver.Entry) bool { return e.Reason == r }
}

func TestRejectsUnknownAuthKind(t *testing.T) {
	if _, err := naive.New(adapter.Target{Auth: "kerberos"}); err == nil {
		t.Error("New accepted auth kind kerberos")
	}
}
