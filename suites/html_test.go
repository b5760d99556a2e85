package suites_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
)

// exchanges is a journal of n API calls, seq 1..n.
func exchanges(n int) []fakeserver.Entry {
	at := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	out := make([]fakeserver.Entry, n)
	for i := range out {
		out[i] = fakeserver.Entry{Seq: int64(i + 1), At: at.Add(time.Duration(i) * time.Millisecond), Host: "127.0.0.1:1",
			Method: "GET", Path: "/api/items", Scheme: "Bearer", Credential: "hmac-sha256:0a1b2c3d4e5f", Status: 200, Origin: journal.App}
	}
	return out
}

func renderHTML(rep *suites.Report) string {
	var b bytes.Buffer
	Expect(rep.WriteHTML(&b)).To(Succeed())
	return b.String()
}

// arrowsOf is the seqs of the arrows a page pins finding n of scenario
// id to, in order.
func arrowsOf(page, id string, n int) []string {
	_, sec, ok := strings.Cut(page, `data-scenario="`+id+`"`)
	Expect(ok).To(BeTrue(), "no section for %s", id)
	sec, _, _ = strings.Cut(sec, "</section>")
	var seqs []string
	for _, m := range regexp.MustCompile(`data-seq="(\d+)" data-findings="([\d ]+)"`).FindAllStringSubmatch(sec, -1) {
		for _, f := range strings.Fields(m[2]) {
			if f == fmt.Sprint(n) {
				seqs = append(seqs, m[1])
			}
		}
	}
	return seqs
}

var _ = Describe("The HTML report", func() {
	It("escapes every journal value, so a hostile path is text", func() {
		j := exchanges(3)
		j[1].Path = `/api/<script>alert(1)</script>`
		j[2].Reason = `"><img src=x onerror=alert(2)>`
		page := renderHTML(&suites.Report{Client: `sdk <b>`, Results: []suites.Result{{Scenario: "wrong-url", Verdict: suites.Fail,
			Recovery: scenarios.FailFast, Journal: j, Findings: []string{`retried <script>x</script> (seq 2)`}}}})
		Expect(page).NotTo(ContainSubstring("<script"))
		Expect(page).NotTo(ContainSubstring("<img"))
		Expect(page).NotTo(ContainSubstring("sdk <b>"))
		Expect(page).To(ContainSubstring("/api/&lt;script&gt;alert(1)&lt;/script&gt;"))
		Expect(page).To(ContainSubstring("sdk &lt;b&gt;"))
	})

	It("is self-contained: nothing is fetched from the network", func() {
		page := renderHTML(&suites.Report{Client: "naive", Results: []suites.Result{{Scenario: "expired-token", Verdict: suites.Pass, Journal: exchanges(2)}}})
		Expect(page).NotTo(MatchRegexp(`(src|href)="(https?:)?//`))
		Expect(page).NotTo(ContainSubstring("@import"))
	})

	It("pins each finding to the arrows its seq range names", func() {
		j := exchanges(12)
		for i := 3; i <= 7; i++ { // seq 4-8: a refresh stampede
			j[i].Method, j[i].Path, j[i].Grant, j[i].Scheme = "POST", "/oauth/token", "refresh_token", "Basic"
		}
		j[10].Origin, j[10].Reason, j[10].Status = journal.OtherOrigin, journal.CredentialLeaked, 200
		page := renderHTML(&suites.Report{Client: "naive", Results: []suites.Result{{Scenario: "concurrent-expiry", Verdict: suites.Fail,
			Recovery: scenarios.Refresh, Journal: j, Findings: []string{
				"refreshed 5 times for one expiry (seq 4-8)",
				"sent the Bearer credential to http://other/x after a redirect (seq 11)",
				"retried GET /api/items with the same credentials after 401 token_expired (seq 2 → 10)",
			}}}})
		Expect(arrowsOf(page, "concurrent-expiry", 1)).To(Equal([]string{"4", "5", "6", "7", "8"}))
		Expect(arrowsOf(page, "concurrent-expiry", 2)).To(Equal([]string{"11"}))
		Expect(arrowsOf(page, "concurrent-expiry", 3)).To(Equal([]string{"2", "10"}))
		Expect(page).To(ContainSubstring(`data-n="1" data-pins="4 5 6 7 8"`))
		Expect(page).To(MatchRegexp(`class="exchange other ok leak pinned" id="s1-seq11"`))
		Expect(strings.Count(page, `class="exchange token`)).To(Equal(5))
	})

	It("draws at most DiagramLimit arrows a scenario, the cited ones first, and says how many it left out", func() {
		n := suites.DiagramLimit + 50
		page := renderHTML(&suites.Report{Client: "naive", Results: []suites.Result{{Scenario: "rate-limited", Verdict: suites.Fail,
			Recovery: scenarios.Backoff, Journal: exchanges(n), Findings: []string{fmt.Sprintf("hammered the limiter (seq %d)", n)}}}})
		Expect(strings.Count(page, `<g class="exchange`)).To(Equal(suites.DiagramLimit))
		Expect(page).To(ContainSubstring("50 left out"))
		Expect(page).To(ContainSubstring(fmt.Sprintf("50 exchanges not drawn (seq %d-%d)", suites.DiagramLimit, n-1)))
		Expect(arrowsOf(page, "rate-limited", 1)).To(Equal([]string{fmt.Sprint(n)}))
	})

	It("marks an interrupted run and its not-run scenarios", func() {
		page := renderHTML(&suites.Report{Client: "naive", Interrupted: true, NotRun: 1, Results: []suites.Result{
			{Scenario: "waf-block", Verdict: suites.NotRun, Detail: "interrupted before it started"}}})
		Expect(page).To(ContainSubstring(`class="interrupted"`))
		Expect(page).To(ContainSubstring(`data-verdict="not-run"`))
		Expect(page).To(ContainSubstring("NOT-RUN"))
	})
})
