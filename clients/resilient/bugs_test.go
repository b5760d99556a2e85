package resilient_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/clients/internal/chaostest"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites"
)

// TestBugsAreCaught switches on each known bug in turn and runs the
// scenario it breaks: the correct client passes the suites' judge, the
// broken one does not, and the journal shows the bug itself.
func TestBugsAreCaught(t *testing.T) {
	last := func(steps []suites.StepRecord) []fakeserver.Entry { return steps[len(steps)-1].Entries }
	tests := []struct {
		bug      string
		scenario string
		params   map[string]string
		measure  string
		of       func([]suites.StepRecord) int
		correct  func(int) bool
		buggy    func(int) bool
	}{
		{"no-retry-after-refresh", "expired-token", nil, "status of the call after expiry",
			func(s []suites.StepRecord) int { return chaostest.Last(s)[0].Status }, is(200), is(401)},
		{"refresh-loop", "missing-credentials", map[string]string{"times": "20"}, "logins in the first call",
			func(s []suites.StepRecord) int { return suites.Count(s[0].Entries, path("/login")) }, is(2), is(11)},
		{"refresh-on-403", "forbidden-not-unauthorized", nil, "token requests after the 403",
			func(s []suites.StepRecord) int { return suites.Count(last(s), isAuth) }, is(0), is(1)},
		{"leak-on-redirect", "redirect-strips-auth", nil, "credentials sent to other origins",
			func(s []suites.StepRecord) int { return len(suites.Leaks(chaostest.All(s))) }, is(0), is(2)},
		{"ignore-retry-after", "waf-block", nil, "attempts the WAF refused",
			func(s []suites.StepRecord) int { return suites.Count(chaostest.All(s), reason(journal.WAFBlock)) }, is(1), is(4)},
		{"reuse-rotated-refresh", "refresh-token-rotation", nil, "refresh tokens presented twice",
			func(s []suites.StepRecord) int {
				return suites.Count(chaostest.All(s), reason(journal.RefreshTokenReused))
			}, is(0), atLeast(1)},
		{"no-single-flight", "concurrent-expiry", nil, "token requests for one expiry under 8 concurrent calls",
			func(s []suites.StepRecord) int { return suites.Count(last(s), isToken) }, is(1), atLeast(2)},
		{"no-replaced-check", "concurrent-expiry", nil, "token requests for one expiry when two 401s land after the refresh",
			func(s []suites.StepRecord) int { return suites.Count(last(s), isToken) }, is(1), atLeast(2)},
		{"retry-wrong-password", "wrong-password", nil, "logins with the wrong password",
			func(s []suites.StepRecord) int { return suites.Count(chaostest.All(s), path("/login")) }, is(1), is(5)},
		{"no-nonce-retry", "dpop-nonce", nil, "API calls that succeeded",
			func(s []suites.StepRecord) int {
				return suites.Count(chaostest.All(s), func(e fakeserver.Entry) bool { return isAPI(e) && e.Status == 200 })
			}, is(2), is(0)},
		{"no-resource-indicator", "resource-metadata-discovery", nil, "token requests naming a resource (RFC 8707)",
			func(s []suites.StepRecord) int {
				return suites.Count(chaostest.All(s), func(e fakeserver.Entry) bool { return isToken(e) && e.Resource != "" })
			}, is(1), is(0)},
		{"ignore-slow-down", "device-flow", nil, "polls answered slow_down",
			func(s []suites.StepRecord) int { return suites.Count(chaostest.All(s), reason(journal.DeviceSlowDown)) }, is(1), atLeast(2)},
	}
	if len(tests) != len(resilient.BugNames()) {
		t.Fatalf("%d bug tests for %d bugs %v", len(tests), len(resilient.BugNames()), resilient.BugNames())
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			t.Parallel()
			bugs, err := resilient.ParseBug(tt.bug)
			if err != nil {
				t.Fatal(err)
			}
			sc, good, _ := run(t, tt.scenario, tt.params)
			_, bad, _ := run(t, tt.scenario, tt.params, resilient.WithBugs(bugs))
			if n := tt.of(good); !tt.correct(n) {
				t.Errorf("correct client: %s = %d", tt.measure, n)
			}
			if n := tt.of(bad); !tt.buggy(n) {
				t.Errorf("with %s: %s = %d, the bug did not show", tt.bug, tt.measure, n)
			}
			if tt.params == nil { // the catalog's own workload: the judge must see it
				if f := suites.Judge(sc, good); len(f) > 0 {
					t.Errorf("judge faults the correct client: %v", f)
				}
				if f := suites.Judge(sc, bad); len(f) == 0 {
					t.Errorf("judge passes the client with %s", tt.bug)
				}
			}
		})
	}
}

func is(want int) func(int) bool      { return func(n int) bool { return n == want } }
func atLeast(want int) func(int) bool { return func(n int) bool { return n >= want } }

func TestParseBug(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range resilient.BugNames() {
		b, err := resilient.ParseBug(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		v := reflect.ValueOf(b)
		set := 0
		for i := range v.NumField() {
			if v.Field(i).Bool() {
				set++
				seen[v.Type().Field(i).Name] = true
			}
		}
		if set != 1 {
			t.Errorf("%s switches on %d bugs, want 1", name, set)
		}
	}
	if n := reflect.TypeOf(resilient.Bugs{}).NumField(); len(seen) != n {
		t.Errorf("names cover %d of the %d bugs", len(seen), n)
	}
	_, err := resilient.ParseBug("off-by-one")
	if err == nil || !strings.Contains(err.Error(), "refresh-loop") {
		t.Errorf("unknown bug: %v, want an error listing the valid names", err)
	}
}
