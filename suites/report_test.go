package suites_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"maps"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
)

// The JUnit shape CI systems read, as a reader parses it.
type junitDoc struct {
	XMLName xml.Name `xml:"testsuites"`
	Suites  []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Cases    []struct {
			Name      string        `xml:"name,attr"`
			Classname string        `xml:"classname,attr"`
			Time      string        `xml:"time,attr"`
			Failure   *junitElement `xml:"failure"`
			Error     *junitElement `xml:"error"`
			Skipped   *junitElement `xml:"skipped"`
			SystemOut string        `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitElement struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// handBuilt is a report with one result of each verdict, a multi-line
// detail and characters XML must escape.
func handBuilt() *suites.Report {
	return &suites.Report{
		Client: `my-sdk <v2 & "beta">`,
		Results: []suites.Result{
			{Scenario: "expired-token", Verdict: suites.Pass, Recovery: scenarios.Refresh, Duration: 12 * time.Millisecond,
				Detail: "refresh; 3 API calls, 2 token/login requests; ended 200"},
			{Scenario: "redirect-strips-auth", Verdict: suites.Fail, Recovery: scenarios.NoLeak, Duration: 1500 * time.Millisecond,
				Detail:   "sent the Bearer credential to http://localhost:46713/mirror/items after a redirect (seq 5); credentials belong to the origin that issued them\nclient stderr:\n<warn> follow redirects & keep headers",
				Findings: []string{"sent the Bearer credential to http://localhost:46713/mirror/items after a redirect (seq 5); credentials belong to the origin that issued them"}},
			{Scenario: "expired-session", Verdict: suites.Skip, Recovery: scenarios.Relogin,
				Detail: `client does not support auth kind "session": auth kind not supported by this client`},
		},
		Passed: 1, Failed: 1, Skipped: 1,
	}
}

// runReport runs one scenario of each verdict against the reference
// client (see byAuth in engine_test.go).
func runReport(ctx SpecContext) *suites.Report {
	GinkgoHelper()
	rep, err := suites.Run(ctx, suites.Options{Client: "oauth-only", Factory: byAuth,
		Scenarios: []string{"expired-token", "revoked-key", "expired-session"}})
	Expect(err).NotTo(HaveOccurred())
	return rep
}

func keys(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }

var _ = Describe("Report", func() {
	Describe("JSON (--json-report)", func() {
		// The evidence a result carries beyond the contract's keys; any
		// other key is one the contract does not know.
		evidence := []string{"recovery", "duration_ms", "findings", "calls", "journal", "errored", "advisories"}

		check := func(rep *suites.Report) map[string]json.RawMessage {
			GinkgoHelper()
			var buf bytes.Buffer
			Expect(rep.WriteJSON(&buf)).To(Succeed())
			var top map[string]json.RawMessage
			Expect(json.Unmarshal(buf.Bytes(), &top)).To(Succeed(), buf.String())
			optional := []string{"elapsed", "started", "name", "baseline", "advisories"}
			Expect(slices.DeleteFunc(keys(top), func(k string) bool { return slices.Contains(optional, k) })).To(
				ConsistOf("client", "results", "passed", "failed", "skipped", "not_run", "interrupted"))

			var client string
			Expect(json.Unmarshal(top["client"], &client)).To(Succeed())
			Expect(client).To(Equal(rep.Client))
			var counts [3]int
			for i, k := range []string{"passed", "failed", "skipped"} {
				Expect(json.Unmarshal(top[k], &counts[i])).To(Succeed(), "%s should be a number", k)
			}
			Expect(counts).To(Equal([3]int{rep.Passed, rep.Failed, rep.Skipped}))

			var results []map[string]json.RawMessage
			Expect(json.Unmarshal(top["results"], &results)).To(Succeed())
			Expect(results).To(HaveLen(len(rep.Results)))
			tally := map[string]int{}
			for i, r := range results {
				contract := slices.DeleteFunc(keys(r), func(k string) bool { return slices.Contains(evidence, k) })
				Expect(contract).To(ConsistOf("scenario", "verdict", "detail"), "result %d: keys %v", i, keys(r))
				var scenario, verdict, detail string
				Expect(json.Unmarshal(r["scenario"], &scenario)).To(Succeed())
				Expect(json.Unmarshal(r["verdict"], &verdict)).To(Succeed())
				Expect(json.Unmarshal(r["detail"], &detail)).To(Succeed())
				Expect(scenario).To(Equal(rep.Results[i].Scenario))
				Expect(verdict).To(BeElementOf("pass", "fail", "skip"))
				Expect(detail).To(Equal(rep.Results[i].Detail))
				tally[verdict]++
			}
			Expect(tally["pass"]).To(Equal(rep.Passed))
			Expect(tally["fail"]).To(Equal(rep.Failed))
			Expect(tally["skip"]).To(Equal(rep.Skipped))
			return top
		}

		It("has exactly the contract's keys, from a real run", func(ctx SpecContext) {
			rep := runReport(ctx)
			Expect([]int{rep.Passed, rep.Failed, rep.Skipped}).To(Equal([]int{1, 1, 1}))
			check(rep)
		})

		It("has exactly the contract's keys, from a hand-built report", func() {
			check(handBuilt())
		})

		It("adds only elapsed, started and name when they are set", func() {
			rep := handBuilt()
			rep.Elapsed, rep.Started, rep.Name = "1.5s", time.Now(), "ci"
			var buf bytes.Buffer
			Expect(rep.WriteJSON(&buf)).To(Succeed())
			var top map[string]json.RawMessage
			Expect(json.Unmarshal(buf.Bytes(), &top)).To(Succeed())
			Expect(keys(top)).To(ConsistOf("client", "results", "passed", "failed", "skipped", "not_run", "interrupted", "elapsed", "started", "name"))
		})

		It("writes an empty run as an empty array, not null", func() {
			var buf bytes.Buffer
			Expect((&suites.Report{Client: "none", Results: []suites.Result{}}).WriteJSON(&buf)).To(Succeed())
			Expect(buf.String()).To(ContainSubstring(`"results": []`))
		})
	})

	Describe("JUnit XML (--junit-report)", func() {
		parse := func(rep *suites.Report) junitDoc {
			GinkgoHelper()
			var buf bytes.Buffer
			Expect(rep.WriteJUnit(&buf)).To(Succeed())
			Expect(buf.String()).To(HavePrefix(xml.Header))
			var doc junitDoc
			Expect(xml.Unmarshal(buf.Bytes(), &doc)).To(Succeed(), buf.String())
			Expect(doc.Suites).To(HaveLen(1))
			return doc
		}

		It("has one testcase per result, with <failure> and <skipped>", func() {
			rep := handBuilt()
			doc := parse(rep)
			s := doc.Suites[0]
			Expect(s.Name).To(Equal(`authchaos recovery: my-sdk <v2 & "beta">`))
			Expect([]int{s.Tests, s.Failures, s.Skipped}).To(Equal([]int{3, 1, 1}))
			Expect(s.Time).To(Equal("1.512"))
			Expect(s.Cases).To(HaveLen(3))

			pass, fail, skip := s.Cases[0], s.Cases[1], s.Cases[2]
			Expect(pass.Name).To(Equal("expired-token (refresh)"))
			Expect(pass.Classname).To(Equal(`authchaos.my-sdk_v2_beta`), "one package, no dots in the class for Jenkins")
			Expect(pass.Time).To(Equal("0.012"))
			Expect(pass.Failure).To(BeNil())
			Expect(pass.Skipped).To(BeNil())
			Expect(pass.SystemOut).To(Equal(rep.Results[0].Detail))

			Expect(fail.Name).To(Equal("redirect-strips-auth (no-leak)"))
			Expect(fail.Skipped).To(BeNil())
			Expect(fail.Failure).NotTo(BeNil())
			Expect(fail.Failure.Message).To(Equal(rep.Results[1].Findings[0]), "the message is the detail's first line")
			Expect(fail.Failure.Type).To(Equal("no-leak"))
			Expect(fail.Failure.Body).To(Equal(strings.Join(rep.Results[1].Findings, "\n")), "one finding a line")
			Expect(fail.SystemOut).To(ContainSubstring("client stderr:\n<warn> follow redirects & keep headers"))

			Expect(skip.Name).To(Equal("expired-session (relogin)"))
			Expect(skip.Failure).To(BeNil())
			Expect(skip.Skipped).NotTo(BeNil())
			Expect(skip.Skipped.Message).To(Equal(rep.Results[2].Detail))
		})

		It("parses from a real run", func(ctx SpecContext) {
			rep := runReport(ctx)
			s := parse(rep).Suites[0]
			Expect(s.Cases).To(HaveLen(3))
			// The session scenario's client cannot be configured: an
			// error, not a finding about its recovery.
			Expect([]int{s.Tests, s.Failures, s.Errors, s.Skipped}).To(Equal([]int{3, 0, 1, 1}))
			for i, c := range s.Cases {
				res := rep.Results[i]
				Expect(c.Name).To(Equal(res.Scenario + " (" + string(res.Recovery) + ")"))
				Expect(c.Failure != nil || c.Error != nil).To(Equal(res.Verdict == suites.Fail), c.Name)
				if res.Verdict != suites.Skip && !res.Errored {
					Expect(c.SystemOut).To(ContainSubstring("journal:\n  seq 1"), c.Name)
				}
				Expect(c.Skipped != nil).To(Equal(res.Verdict == suites.Skip), c.Name)
			}
		})
	})

	Describe("table", func() {
		It("has a header, one row per scenario with the first line of its detail, and the totals", func() {
			var buf bytes.Buffer
			Expect(handBuilt().WriteTable(&buf)).To(Succeed())
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			Expect(lines).To(HaveLen(6), buf.String())
			Expect(strings.Fields(lines[0])).To(Equal([]string{"VERDICT", "SCENARIO", "RECOVERY", "REASON"}))
			Expect(strings.Fields(lines[1])[:3]).To(Equal([]string{"PASS", "expired-token", "refresh"}))
			Expect(lines[1]).To(HaveSuffix("refresh; 3 API calls, 2 token/login requests; ended 200"))
			Expect(strings.Fields(lines[2])[:3]).To(Equal([]string{"FAIL", "redirect-strips-auth", "no-leak"}))
			Expect(lines[2]).To(HaveSuffix("credentials belong to the origin that issued them"), "only the detail's first line")
			Expect(strings.Fields(lines[3])[:3]).To(Equal([]string{"SKIP", "expired-session", "relogin"}))
			Expect(lines[4]).To(BeEmpty())
			Expect(lines[5]).To(Equal(`my-sdk <v2 & "beta">: 1 passed, 1 failed, 1 skipped`))
			// The columns line up: every row's scenario starts where the header's does.
			col := strings.Index(lines[0], "SCENARIO")
			for _, l := range lines[1:4] {
				Expect(l[col-2 : col]).To(Equal("  "))
				Expect(l[col]).NotTo(Equal(byte(' ')))
			}
		})

		It("lists a real run in the order the scenarios were asked for", func(ctx SpecContext) {
			var buf bytes.Buffer
			Expect(runReport(ctx).WriteTable(&buf)).To(Succeed())
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			Expect(lines).To(HaveLen(6), buf.String())
			var rows [][]string
			for _, l := range lines[1:4] {
				rows = append(rows, strings.Fields(l)[:2])
			}
			Expect(rows).To(Equal([][]string{{"PASS", "expired-token"}, {"SKIP", "revoked-key"}, {"FAIL", "expired-session"}}))
			Expect(lines[5]).To(Equal("oauth-only: 1 passed, 1 failed, 1 skipped"))
		})
	})
})

var _ = Describe("Report advisories", func() {
	rep := func() *suites.Report {
		r := handBuilt()
		r.Results[0].Advisories = []string{"the cause is not named: call 1 (GET /api/me) reported none of \"revoked\""}
		r.Advisories = 1
		return r
	}
	It("lists them under the table, apart from failures", func() {
		var b strings.Builder
		Expect(rep().WriteTable(&b)).To(Succeed())
		Expect(b.String()).To(ContainSubstring("ADVISORIES (diagnostics: they fail a scenario only under --strict)\n  "))
		Expect(b.String()).To(ContainSubstring("1 advisory\n"))
	})
	It("puts them in JUnit's system-out of a passing case, never in a failure", func() {
		var b strings.Builder
		r := rep()
		r.Results[0].Verdict = suites.Pass
		Expect(r.WriteJUnit(&b)).To(Succeed())
		Expect(b.String()).To(ContainSubstring("advisory: the cause is not named"))
	})
})
