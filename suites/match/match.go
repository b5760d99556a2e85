// Package match offers gomega matchers over the fake server's journal, so
// an SDK team can assert recovery behaviour in its own specs:
//
//	Expect(srv.Journal().Entries(0)).To(match.HaveTokenRequests(1))
//	Expect(srv.Journal().Entries(0)).To(match.LeakNoCredential())
//
// They count with the same functions the suites' judge uses, and fail
// with a sentence that points at journal sequence numbers.
package match

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
)

// journalMatcher is a gomega matcher over []fakeserver.Entry.
type journalMatcher struct {
	check func(es []fakeserver.Entry) (ok bool, found string)
	want  string
	found string
}

func (m *journalMatcher) Match(actual any) (bool, error) {
	es, ok := actual.([]fakeserver.Entry)
	if !ok {
		return false, fmt.Errorf("match: expected []fakeserver.Entry (the journal), got %T", actual)
	}
	var pass bool
	pass, m.found = m.check(es)
	return pass, nil
}

func (m *journalMatcher) FailureMessage(any) string {
	return fmt.Sprintf("expected %s, %s", m.want, m.found)
}

func (m *journalMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected not %s, %s", m.want, m.found)
}

func countMatcher(want string, n int, pred func(fakeserver.Entry) bool) types.GomegaMatcher {
	return &journalMatcher{want: want, check: func(es []fakeserver.Entry) (bool, string) {
		hits := suites.Filter(es, pred)
		return len(hits) == n, saw(hits)
	}}
}

// saw says how many entries there were and where.
func saw(hits []fakeserver.Entry) string {
	if len(hits) == 0 {
		return "saw none"
	}
	return fmt.Sprintf("saw %d at %s", len(hits), suites.SeqRange(hits))
}

// HaveTokenRequests matches a journal with exactly n token endpoint calls.
func HaveTokenRequests(n int) types.GomegaMatcher {
	return countMatcher(fmt.Sprintf("%d token request(s)", n), n, suites.IsTokenRequest)
}

// HaveRefreshedOnce matches a journal with exactly one successful
// refresh_token grant.
func HaveRefreshedOnce() types.GomegaMatcher {
	return countMatcher("exactly 1 successful refresh", 1, func(e fakeserver.Entry) bool {
		return suites.IsTokenRequest(e) && e.Grant == "refresh_token" && e.Status == 200
	})
}

// HaveLogins matches a journal with exactly n primary authentications
// (session logins, password or client_credentials grants).
func HaveLogins(n int) types.GomegaMatcher {
	return countMatcher(fmt.Sprintf("%d login(s)", n), n, suites.IsLogin)
}

// LeakNoCredential matches a journal where no credential reached another
// origin.
func LeakNoCredential() types.GomegaMatcher {
	return &journalMatcher{want: "that no credential reached another origin", check: func(es []fakeserver.Entry) (bool, string) {
		leaks := suites.Leaks(es)
		var where []string
		for _, e := range leaks {
			where = append(where, fmt.Sprintf("%s to http://%s%s at seq %d", e.Scheme, e.Host, e.Path, e.Seq))
		}
		if len(where) == 0 {
			return true, "and none was"
		}
		return false, "but sent " + strings.Join(where, ", ")
	}}
}

// HaveReason matches a journal with at least one entry of that reason.
func HaveReason(reason journal.Reason) types.GomegaMatcher {
	return &journalMatcher{want: "an entry with reason " + string(reason), check: func(es []fakeserver.Entry) (bool, string) {
		hits := suites.Filter(es, func(e fakeserver.Entry) bool { return e.Reason == reason })
		return len(hits) > 0, saw(hits)
	}}
}

// RetryAtMost matches a journal where no API path was refused more than
// n+1 times: the original attempt plus n retries.
func RetryAtMost(n int) types.GomegaMatcher {
	return &journalMatcher{want: fmt.Sprintf("at most %d retries per refused call", n), check: func(es []fakeserver.Entry) (bool, string) {
		// Calls in the order they were first refused, so the message
		// names the same call on every run.
		refused := map[string][]fakeserver.Entry{}
		var calls []string
		for _, e := range es {
			if suites.IsAPICall(e) && e.Status >= 400 {
				call := e.Method + " " + e.Path
				if _, seen := refused[call]; !seen {
					calls = append(calls, call)
				}
				refused[call] = append(refused[call], e)
			}
		}
		for _, call := range calls {
			if hits := refused[call]; len(hits) > n+1 {
				return false, fmt.Sprintf("but %s was refused %d times at %s", call, len(hits), suites.SeqRange(hits))
			}
		}
		return true, "and it was"
	}}
}

// RecoverAs matches a journal (or a window of one) that shows a correct
// recovery of that kind, judged as `authchaos judge` judges it: the
// behaviour alone, with no workload (suites.JudgeTraffic). Pass
// suites.TrafficOptions to narrow the window or say how the last call
// should end. A window with nothing to judge (no trigger for the kind)
// is an error, so neither To nor NotTo can pass on a test that never
// put the client to the test.
func RecoverAs(kind scenarios.Recovery, o ...suites.TrafficOptions) types.GomegaMatcher {
	var opts suites.TrafficOptions
	if len(o) > 0 {
		opts = o[0]
	}
	return &recoverMatcher{kind: kind, opts: opts}
}

type recoverMatcher struct {
	kind scenarios.Recovery
	opts suites.TrafficOptions
	res  suites.TrafficResult
}

func (m *recoverMatcher) Match(actual any) (bool, error) {
	es, ok := actual.([]fakeserver.Entry)
	if !ok {
		return false, fmt.Errorf("match: expected []fakeserver.Entry (the journal), got %T", actual)
	}
	res, err := suites.JudgeTraffic(m.kind, es, m.opts)
	if err != nil {
		return false, fmt.Errorf("match: %w", err)
	}
	m.res = res
	if res.Verdict == suites.NothingToJudge {
		return false, fmt.Errorf("match: %s", res.Detail)
	}
	return res.Verdict == suites.Pass, nil
}

func (m *recoverMatcher) FailureMessage(any) string {
	return fmt.Sprintf("expected the journal to show %s recovery, but: %s", m.kind, strings.Join(m.res.Findings, "; "))
}

func (m *recoverMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the journal not to show %s recovery, but it did: %s", m.kind, m.res.Detail)
}
