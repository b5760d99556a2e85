package suites

import (
	"fmt"
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

// CallRecord is one call a workload made and what came of it, with the
// journal entries the server recorded while it ran.
type CallRecord struct {
	Step    int
	Call    adapter.Call
	Result  adapter.Result
	Entries []fakeserver.Entry
}

// StepRecord is one call step (Concurrency calls at once) and everything
// the journal recorded while it ran.
type StepRecord struct {
	Index      int
	Call       adapter.Call
	Results    []adapter.Result
	Entries    []fakeserver.Entry
	AfterFault bool // a clock advance or operator action came before it
}

func describeCall(c adapter.Call) string { return c.Method + " " + c.Path }

func describeResult(r adapter.Result) string {
	if r.Error != "" {
		return fmt.Sprintf("status %d, error %q", r.Status, clip(r.Error, 160))
	}
	return fmt.Sprintf("status %d", r.Status)
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
