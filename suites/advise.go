package suites

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Severities. Behaviour decides a verdict: loops, lock-outs, leaks, a
// recovery not made, a refresh on a 403, ignoring Retry-After, a
// stampede are findings, and a finding fails the scenario. How well the
// client tells its caller what went wrong is diagnostics: an error that
// does not name the cause is an advisory. A PASS can carry advisories;
// `run --strict` (Options.Strict) counts them as failures.

// Advise reads what a client reported in one scenario and returns
// advisories: one sentence per diagnostic it could do better, empty when
// its reports name the cause. It never judges behaviour; Judge does.
func Advise(sc *scenarios.Scenario, steps []StepRecord) []string {
	if len(steps) == 0 || wantSuccess(sc) {
		return nil
	}
	var f findings
	last := steps[len(steps)-1]
	names := sc.Workload.Expect.ErrorNames
	var silent, unnamed []int
	var example adapter.Result
	for j, r := range last.Results {
		if succeeded(r) {
			continue // a finding already says so
		}
		if r.Error == "" {
			silent = append(silent, j)
		}
		if len(names) > 0 && !namesCause(r, names) {
			if len(unnamed) == 0 {
				example = r
			}
			unnamed = append(unnamed, j)
		}
	}
	if len(silent) > 0 {
		r := last.Results[silent[0]]
		f.add("reported no error: %s handed status %d back as an answer; say that the client gave up, and why",
			whichCalls(last, len(silent)), r.Status)
	}
	if len(unnamed) > 0 {
		f.add("the cause is not named: %s reported none of %s, neither in its error nor in the body it returned (status %d, error %q, body %s)",
			whichCalls(last, len(unnamed)), quoteList(names),
			example.Status, clip(example.Error, 100), describeBody(example.Body))
	}
	return f.list
}

// namesCause reports whether what the client handed its caller (its
// error and the body of the answer it returned) names one of the words.
// Query strings are left out: they are the request, not the answer, and
// an authorization URL names redirect_uri whatever went wrong.
func namesCause(r adapter.Result, names []string) bool {
	return containsAny(withoutQueries(r.Error), names) || containsAny(withoutQueries(r.Body), names)
}

var queryRe = regexp.MustCompile(`\?[^\s"'<>]*`)

func withoutQueries(s string) string { return queryRe.ReplaceAllString(s, "") }

// whichCalls names n of a step's calls: "call 2 (GET /api/items)", or
// "3 of 8 calls in flight in call 2 (GET /api/items)".
func whichCalls(st StepRecord, n int) string {
	if len(st.Results) == 1 {
		return fmt.Sprintf("call %d (%s)", st.Index+1, describeCall(st.Call))
	}
	return fmt.Sprintf("%d of %d calls in flight in call %d (%s)", n, len(st.Results), st.Index+1, describeCall(st.Call))
}

func countOf(n, of int) string {
	if of == 1 {
		return "the call"
	}
	return fmt.Sprintf("%d of %d calls in flight", n, of)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func describeBody(b string) string {
	if strings.TrimSpace(b) == "" {
		return "empty"
	}
	if strings.HasPrefix(strings.TrimSpace(b), "<") {
		return "an HTML page, " + pageTitle(b)
	}
	return fmt.Sprintf("%q", clip(b, 80))
}

// applyStrict turns a PASS with advisories into a FAIL, for teams that
// enforce error quality (`run --strict`).
func applyStrict(res *Result) {
	if res.Verdict != Pass || len(res.Advisories) == 0 {
		return
	}
	res.Verdict = Fail
	res.Detail = "strict: " + strings.Join(res.Advisories, "; ")
}

// Report rendering of advisories: always apart from failures.

// advisoryMark flags a row that carries advisories.
func advisoryMark(res Result) string {
	if len(res.Advisories) == 0 || res.Verdict == Fail && len(res.Findings) == 0 {
		return ""
	}
	return " [" + advisories(len(res.Advisories)) + "]"
}

func advisoryTotal(n int) string {
	if n == 0 {
		return ""
	}
	return ", " + advisories(n)
}

// writeAdvisories lists every advisory under the table, headed so no one
// reads them as failures.
func (r *Report) writeAdvisories(w io.Writer) {
	if r.Advisories == 0 {
		return
	}
	fmt.Fprintf(w, "\nADVISORIES (diagnostics: they fail a scenario only under --strict)\n")
	for _, res := range r.Results {
		for _, a := range res.Advisories {
			fmt.Fprintf(w, "  %s: %s\n", res.Scenario, a)
		}
	}
}

// advisoryLines renders a result's advisories for JUnit's system-out.
func advisoryLines(res Result) string {
	var b strings.Builder
	for _, a := range res.Advisories {
		b.WriteString("\nadvisory: " + a)
	}
	return b.String()
}

// failureType names a JUnit failure: the recovery kind, or "advisory"
// for a scenario failed by --strict alone.
func failureType(res Result) string {
	if len(res.Findings) == 0 && len(res.Advisories) > 0 {
		return "advisory"
	}
	return string(res.Recovery)
}

func advisories(n int) string {
	if n == 1 {
		return "1 advisory"
	}
	return fmt.Sprintf("%d advisories", n)
}
