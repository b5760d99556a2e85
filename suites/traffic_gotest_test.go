package suites_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
)

// recorder is a testing.TB that keeps what TestTraffic reports.
type recorder struct {
	testing.TB
	errors, logs []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Error(args ...any)         { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recorder) Fatalf(f string, a ...any) {
	r.errors = append(r.errors, "fatal: "+fmt.Sprintf(f, a...))
}
func (r *recorder) Log(args ...any) { r.logs = append(r.logs, fmt.Sprint(args...)) }

func TestTestTraffic(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := func(seq int64, method, path, cred string, status int, reason journal.Reason) fakeserver.Entry {
		return fakeserver.Entry{Seq: seq, At: at.Add(time.Duration(seq) * time.Millisecond), Host: "h", Method: method, Path: path,
			Scheme: "Bearer", Credential: cred, Status: status, Reason: reason, Origin: journal.App}
	}
	expiry := []fakeserver.Entry{
		e(1, "POST", "/oauth/token", "client", 200, ""),
		e(2, "GET", "/api/items", "t1", 200, ""),
		e(3, "GET", "/api/items", "t1", 401, journal.TokenExpired),
	}
	recovered := append(append([]fakeserver.Entry(nil), expiry...),
		e(4, "POST", "/oauth/token", "client", 200, ""), e(5, "GET", "/api/items", "t2", 200, ""))
	tests := []struct {
		name    string
		entries []fakeserver.Entry
		kind    scenarios.Recovery
		want    string // "" passes
	}{
		{"recovered", recovered, scenarios.Refresh, ""},
		{"never refreshed", expiry, scenarios.Refresh, "no correct refresh recovery in the journal (seq 1-3):\n  did not recover"},
		{"nothing to judge", expiry[:2], scenarios.Refresh, "authchaos: nothing to judge"},
		{"a kind it does not know", recovered, scenarios.Recovery("telepathy"), `fatal: authchaos: unknown recovery kind "telepathy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			suites.TestTraffic(r, tt.kind, tt.entries, suites.TrafficOptions{})
			got := strings.Join(r.errors, "\n")
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("reported %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTrafficAdvisesOnBareChallenge plays missing-www-authenticate, whose
// 401s carry no WWW-Authenticate, and expired-token, whose do: only the
// first journal earns the advisory, and neither changes the verdict.
func TestTrafficAdvisesOnBareChallenge(t *testing.T) {
	for _, tt := range []struct {
		id     string
		advice bool
	}{{"missing-www-authenticate", true}, {"expired-token", false}} {
		t.Run(tt.id, func(t *testing.T) {
			res := suites.RunScenario(t.Context(), suites.MustLookup(tt.id), suites.Options{Factory: resilient.Factory()})
			tr, err := suites.JudgeTraffic(scenarios.Refresh, res.Journal, suites.TrafficOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Verdict != suites.Pass {
				t.Errorf("verdict %s: %s", tr.Verdict, tr.Detail)
			}
			got := strings.Join(tr.Advisories, "\n")
			if has := strings.Contains(got, "carried no WWW-Authenticate"); has != tt.advice {
				t.Errorf("advisories %q; want the bare-challenge one: %v", got, tt.advice)
			}
		})
	}
}
