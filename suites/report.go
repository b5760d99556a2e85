package suites

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// Report is the outcome of a run. Its JSON is the contract's
// --json-report format.
type Report struct {
	Client string `json:"client"`
	// Name names the run in JUnit (suite and class names); default Client.
	Name        string    `json:"name,omitempty"`
	Results     []Result  `json:"results"`
	Passed      int       `json:"passed"`
	Failed      int       `json:"failed"`
	Skipped     int       `json:"skipped"`
	NotRun      int       `json:"not_run"`
	Interrupted bool      `json:"interrupted"`
	Started     time.Time `json:"started,omitzero"`
	Elapsed     string    `json:"elapsed,omitempty"`
	// Baseline, when the run was compared with an earlier report, says
	// what changed since.
	Baseline *BaselineDiff `json:"baseline,omitempty"`

	// Advisories counts the advisories of every result (diagnostics;
	// failures only under --strict).
	Advisories int `json:"advisories,omitempty"`
}

func newReport(client string, results []Result) *Report {
	r := &Report{Client: client, Results: results}
	r.count()
	return r
}

func (r *Report) count() {
	r.Passed, r.Failed, r.Skipped, r.NotRun, r.Advisories = 0, 0, 0, 0, 0
	for _, res := range r.Results {
		r.Advisories += len(res.Advisories)
		switch res.Verdict {
		case Pass:
			r.Passed++
		case Fail:
			r.Failed++
		case Skip:
			r.Skipped++
		case NotRun:
			r.NotRun++
		}
	}
}

func (r *Report) name() string {
	if r.Name != "" {
		return r.Name
	}
	return r.Client
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes one row per scenario: verdict, scenario, recovery,
// and the first line of the detail, then the totals.
func (r *Report) WriteTable(w io.Writer) error { return r.WriteTableWidth(w, 0) }

// WriteTableWidth is WriteTable with each row clipped to width columns
// (0: no limit), for a terminal; the full findings belong below the
// table (WriteFindings).
func (r *Report) WriteTableWidth(w io.Writer, width int) error {
	idW, recW := len("SCENARIO"), len("RECOVERY")
	for _, res := range r.Results {
		idW, recW = max(idW, len(res.Scenario)), max(recW, len(res.Recovery))
	}
	// VERDICT is 7 wide; two spaces between columns.
	reasonW := 0
	if width > 0 {
		reasonW = max(width-(7+2+idW+2+recW+2), 20)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tSCENARIO\tRECOVERY\tREASON")
	for _, res := range r.Results {
		reason := firstLine(res.Detail)
		if reasonW > 0 {
			reason = clipRunes(reason, reasonW)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", strings.ToUpper(string(res.Verdict)), res.Scenario, res.Recovery, reason, advisoryMark(res))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	r.writeAdvisories(w)
	totals := fmt.Sprintf("%d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
	if r.NotRun > 0 {
		totals += fmt.Sprintf(", %d not run", r.NotRun)
	}
	_, err := fmt.Fprintf(w, "\n%s: %s%s\n", r.Client, totals, advisoryTotal(r.Advisories))
	return err
}

// WriteFindings writes, for every failed scenario, each finding on its
// own line, what each call returned, and what the client logged.
func (r *Report) WriteFindings(w io.Writer) error {
	for _, res := range r.Results {
		if res.Verdict != Fail {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "\n--- FAIL: %s (%s, %s)\n", res.Scenario, res.Recovery, res.Duration.Round(time.Millisecond))
		for _, f := range res.findingLines() {
			fmt.Fprintf(&b, "    %s\n", f)
		}
		if len(res.Calls) > 0 {
			b.WriteString("    calls:\n")
			writeCalls(&b, "      ", res.Calls)
		}
		if s := res.clientStderr(); s != "" {
			b.WriteString("    client stderr:\n")
			for _, line := range strings.Split(s, "\n") {
				fmt.Fprintf(&b, "      %s\n", line)
			}
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// Summary is the last line of a run, in the manner of go test and
// ginkgo: "FAIL: 33 of 35 scenarios failed, 2 passed, 0 skipped in 2.1s".
// Its first word is the run's outcome: against a baseline, PASS when no
// failure is new.
func (r *Report) Summary() string {
	n := len(r.Results)
	elapsed := ""
	if r.Elapsed != "" {
		elapsed = " in " + r.Elapsed
	}
	sc := "scenarios"
	if n == 1 {
		sc = "scenario"
	}
	counts := fmt.Sprintf("%d of %d %s failed, %d passed, %d skipped%s", r.Failed, n, sc, r.Passed, r.Skipped, elapsed)
	switch {
	case r.Interrupted:
		return fmt.Sprintf("INTERRUPTED: %d of %d %s not run, %d failed, %d passed, %d skipped%s",
			r.NotRun, n, sc, r.Failed, r.Passed, r.Skipped, elapsed)
	case r.Baseline != nil && len(r.Baseline.NewFailures) > 0:
		return fmt.Sprintf("FAIL: %d new against %s; %s", len(r.Baseline.NewFailures), r.Baseline.File, counts)
	case r.Baseline != nil:
		return fmt.Sprintf("PASS: no new failure against %s; %s", r.Baseline.File, counts)
	case r.Failed > 0:
		return "FAIL: " + counts
	}
	return fmt.Sprintf("PASS: %d of %d %s passed, %d skipped%s", r.Passed, n, sc, r.Skipped, elapsed)
}

// findingLines is one line per finding, or per advisory when only they
// failed it (Strict); a failure the judge did not reach (the client could
// not start) has its detail instead.
func (res Result) findingLines() []string {
	if len(res.Findings) > 0 {
		return res.Findings
	}
	if len(res.Advisories) > 0 { // failed under Strict on advisories alone
		out := make([]string, len(res.Advisories))
		for i, a := range res.Advisories {
			out[i] = "advisory (strict): " + a
		}
		return out
	}
	d, _, _ := strings.Cut(res.Detail, "\nclient stderr:\n")
	return strings.Split(d, "\n")
}

func (res Result) clientStderr() string {
	_, s, _ := strings.Cut(res.Detail, "\nclient stderr:\n")
	return s
}

// Evidence is what the scenario's findings cite, as text: each call's
// outcome and the journal the server kept, one entry a line.
func (res Result) Evidence() string {
	var b strings.Builder
	if len(res.Calls) > 0 {
		b.WriteString("calls:\n")
		writeCalls(&b, "  ", res.Calls)
	}
	if len(res.Journal) > 0 {
		b.WriteString("journal:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, e := range res.Journal {
			reason := e.Reason
			if reason == "" {
				reason = "-"
			}
			fmt.Fprintf(tw, "  seq %d\t%s\t%s %s\t%s\t%s\t%d\t%s\n", e.Seq, e.At.UTC().Format("15:04:05.000"), e.Method, e.Host+e.Path, e.Scheme, e.Credential, e.Status, reason)
		}
		tw.Flush()
	}
	return b.String()
}

func writeCalls(b *strings.Builder, indent string, calls []CallSummary) {
	for i, c := range calls {
		fmt.Fprintf(b, "%s%d. %s -> %d", indent, i+1, c.Call, c.Status)
		if c.Error != "" {
			fmt.Fprintf(b, ", error: %s", clip(c.Error, 200))
		}
		b.WriteString("\n")
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// JUnit XML, the shape CI systems (Jenkins, GitLab, GitHub test
// reporters) read: one testsuite, one testcase per scenario.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// JUnitClassName is the class name JUnit testcases of a run named name
// get. Jenkins splits a class name at its last dot into package and
// class, so the name's own dots (a driver's "node driver.js") and other
// punctuation become underscores under the one package "authchaos".
func JUnitClassName(name string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(name) {
		switch {
		case r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	s := strings.Trim(b.String(), "_")
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	if s == "" {
		s = "client"
	}
	return "authchaos." + s
}

// WriteJUnit writes the report as JUnit XML. Every testcase carries its
// evidence (calls and journal) in <system-out>; a failure has one
// finding a line; a scenario that could not be played is an <error>; a
// scenario an interrupt kept from finishing is <skipped>.
func (r *Report) WriteJUnit(w io.Writer) error {
	suite := junitSuite{Name: "authchaos recovery: " + r.name(), Tests: len(r.Results), Skipped: r.Skipped + r.NotRun}
	if !r.Started.IsZero() {
		suite.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	suite.Hostname, _ = os.Hostname()
	suite.Properties = []junitProperty{{Name: "client", Value: r.Client}, {Name: "interrupted", Value: fmt.Sprint(r.Interrupted)}}
	class := JUnitClassName(r.name())
	var total time.Duration
	for _, res := range r.Results {
		total += res.Duration
		c := junitCase{Name: res.Scenario + " (" + string(res.Recovery) + ")", Classname: class,
			Time: fmt.Sprintf("%.3f", res.Duration.Seconds())}
		evidence := res.Evidence()
		switch res.Verdict {
		case Fail:
			msg := &junitMessage{Message: firstLine(res.Detail), Type: failureType(res), Body: strings.Join(res.findingLines(), "\n")}
			if s := res.clientStderr(); s != "" {
				evidence += "client stderr:\n" + s + "\n"
			}
			if res.Errored {
				suite.Errors++
				c.Error = msg
			} else {
				suite.Failures++
				c.Failure = msg
			}
		case Skip:
			c.Skipped = &junitMessage{Message: res.Detail}
		case NotRun:
			c.Skipped = &junitMessage{Message: "not run: " + res.Detail}
		default:
			evidence = strings.TrimSuffix(res.Detail+advisoryLines(res)+"\n"+evidence, "\n")
		}
		c.SystemOut = evidence
		suite.Cases = append(suite.Cases, c)
	}
	suite.Time = fmt.Sprintf("%.3f", total.Seconds())
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	all := junitSuites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Skipped: suite.Skipped, Time: suite.Time, Suites: []junitSuite{suite}}
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
