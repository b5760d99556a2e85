package suites

import (
	"strconv"

	"fmt"
	"github.com/authchaos/authchaos/scenarios"
	"strings"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Counting over the journal. The judge and the gomega matchers in
// package match use the same functions, so a verdict and a matcher can
// never disagree about what a client did.

// IsTokenRequest reports whether e is a call to the token endpoint.
func IsTokenRequest(e fakeserver.Entry) bool {
	return e.Path == "/oauth/token" && e.Method == "POST"
}

// IsLogin reports whether e authenticated with primary credentials: a
// session login or a password/client_credentials grant.
func IsLogin(e fakeserver.Entry) bool {
	return e.Path == "/login" || (IsTokenRequest(e) && (e.Grant == "password" || e.Grant == "client_credentials"))
}

// IsAuthRequest reports whether e obtained (or tried to obtain) a credential.
func IsAuthRequest(e fakeserver.Entry) bool { return IsTokenRequest(e) || e.Path == "/login" }

// IsAPICall reports whether e is a call to the protected API or to
// another origin a redirect led to.
func IsAPICall(e fakeserver.Entry) bool {
	return strings.HasPrefix(e.Path, "/api/") || e.Origin == journal.OtherOrigin
}

// Count returns how many entries satisfy pred.
func Count(es []fakeserver.Entry, pred func(fakeserver.Entry) bool) int {
	n := 0
	for _, e := range es {
		if pred(e) {
			n++
		}
	}
	return n
}

// Filter returns the entries that satisfy pred.
func Filter(es []fakeserver.Entry, pred func(fakeserver.Entry) bool) []fakeserver.Entry {
	var out []fakeserver.Entry
	for _, e := range es {
		if pred(e) {
			out = append(out, e)
		}
	}
	return out
}

// Leaks returns the entries where a credential reached another origin.
func Leaks(es []fakeserver.Entry) []fakeserver.Entry {
	return Filter(es, func(e fakeserver.Entry) bool {
		return e.Origin == journal.OtherOrigin && e.Scheme != authn.None && e.Scheme != ""
	})
}

// entriesOf is every entry of the steps, in journal order.
func entriesOf(steps []StepRecord) []fakeserver.Entry {
	var all []fakeserver.Entry
	for _, st := range steps {
		all = append(all, st.Entries...)
	}
	return all
}

// SeqRange describes where entries sit in the journal, for messages.
func SeqRange(es []fakeserver.Entry) string {
	switch len(es) {
	case 0:
		return "no entries"
	case 1:
		return fmt.Sprintf("seq %d", es[0].Seq)
	}
	return fmt.Sprintf("seq %d-%d", es[0].Seq, es[len(es)-1].Seq)
}

// StepRecord is one call step (Concurrency calls at once) and everything
// the journal recorded while it ran.
type StepRecord struct {
	Index      int
	Call       adapter.Call
	Results    []adapter.Result
	Entries    []fakeserver.Entry
	AfterFault bool // a clock advance or operator action came before it
	MayFail    bool // a correct client may refuse the call (scenarios.Call.MayFail)
}

func describeCall(c adapter.Call) string { return c.Method + " " + c.Path }

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// failedCalls returns the indices of a step's calls that did not succeed.
func failedCalls(st StepRecord) []int {
	var out []int
	for j, r := range st.Results {
		if !succeeded(r) {
			out = append(out, j)
		}
	}
	return out
}

// succeededCalls returns the indices of a step's calls that succeeded.
func succeededCalls(st StepRecord) []int {
	var out []int
	for j, r := range st.Results {
		if succeeded(r) {
			out = append(out, j)
		}
	}
	return out
}

// describeFailures says which of a step's calls failed, how, and what
// the server saw meanwhile, so a concurrent failure after one shared
// refresh never reads as "never refreshed".
func describeFailures(st StepRecord, bad []int) string {
	var b strings.Builder
	if len(st.Results) == 1 {
		fmt.Fprintf(&b, "call %d (%s) ended with %s", st.Index+1, describeCall(st.Call), statusWords(st.Results[0].Status))
	} else {
		fmt.Fprintf(&b, "%d of %d calls in flight in call %d (%s) failed (%s)", len(bad), len(st.Results), st.Index+1, describeCall(st.Call), byStatus(st.Results, bad))
	}
	var meanwhile []string
	auth := Filter(st.Entries, IsAuthRequest)
	if granted := Filter(auth, func(e fakeserver.Entry) bool { return e.Status < 300 }); len(granted) > 0 {
		meanwhile = append(meanwhile, fmt.Sprintf("%s succeed (%s)", plural(len(granted), "token/login request"), SeqRange(granted)))
	}
	if refused := Filter(auth, func(e fakeserver.Entry) bool { return e.Status >= 400 }); len(refused) > 0 {
		meanwhile = append(meanwhile, fmt.Sprintf("%s refused (%s)", plural(len(refused), "token/login request"), SeqRange(refused)))
	}
	if len(auth) == 0 && len(st.Entries) > 0 {
		meanwhile = append(meanwhile, "no token/login request")
	}
	if refused := Filter(st.Entries, func(e fakeserver.Entry) bool { return IsAPICall(e) && e.Status >= 400 }); len(refused) > 0 {
		meanwhile = append(meanwhile, fmt.Sprintf("%s refused (%s)", plural(len(refused), "API call"), SeqRange(refused)))
	}
	if len(meanwhile) > 0 {
		b.WriteString(", while the server saw " + andList(meanwhile))
	}
	return b.String()
}

// byStatus groups failed calls in flight by the status they ended with:
// "calls 2-8 ended with status 401".
func byStatus(rs []adapter.Result, idx []int) string {
	groups := map[int][]int{}
	var order []int
	for _, j := range idx {
		s := rs[j].Status
		if _, seen := groups[s]; !seen {
			order = append(order, s)
		}
		groups[s] = append(groups[s], j+1)
	}
	var parts []string
	for _, s := range order {
		noun := "calls"
		if len(groups[s]) == 1 {
			noun = "call"
		}
		parts = append(parts, fmt.Sprintf("%s %s ended with %s", noun, ranges(groups[s]), statusWords(s)))
	}
	return strings.Join(parts, ", ")
}

// ranges renders sorted numbers compactly: "1, 3-5".
func ranges(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(ns[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", ns[i], ns[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func statusWords(s int) string {
	if s == 0 {
		return "status 0 (no answer)"
	}
	return fmt.Sprintf("status %d", s)
}

// errorNote quotes the client's error briefly, after the judgment.
func errorNote(r adapter.Result) string {
	if r.Error == "" {
		return ""
	}
	return fmt.Sprintf(" (client's error: %q)", clip(r.Error, 120))
}

// wantSuccess reports whether a correct client's last call succeeds.
func wantSuccess(sc *scenarios.Scenario) bool {
	s := sc.Workload.Expect.Status
	return s >= 200 && s <= 299
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
