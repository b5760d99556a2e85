package suites

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run. Its JSON is the contract's
// --json-report format.
type Report struct {
	Client  string   `json:"client"`
	Results []Result `json:"results"`
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	Skipped int      `json:"skipped"`
	Elapsed string   `json:"elapsed,omitempty"`

	// Advisories counts the advisories of every result (diagnostics;
	// failures only under --strict).
	Advisories int `json:"advisories,omitempty"`
}

func newReport(client string, results []Result) *Report {
	r := &Report{Client: client, Results: results}
	for _, res := range results {
		r.Advisories += len(res.Advisories)
		switch res.Verdict {
		case Pass:
			r.Passed++
		case Fail:
			r.Failed++
		case Skip:
			r.Skipped++
		}
	}
	return r
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes one row per scenario: verdict, scenario, recovery,
// and the first line of the detail, then the totals.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERDICT\tSCENARIO\tRECOVERY\tREASON")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", strings.ToUpper(string(res.Verdict)), res.Scenario, res.Recovery, firstLine(res.Detail), advisoryMark(res))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	r.writeAdvisories(w)
	_, err := fmt.Fprintf(w, "\n%s: %d passed, %d failed, %d skipped%s\n", r.Client, r.Passed, r.Failed, r.Skipped, advisoryTotal(r.Advisories))
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// JUnit XML, the shape CI systems (Jenkins, GitLab, GitHub test
// reporters) read: one testsuite, one testcase per scenario.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	suite := junitSuite{Name: "authchaos recovery: " + r.Client, Tests: len(r.Results), Failures: r.Failed, Skipped: r.Skipped}
	var total time.Duration
	for _, res := range r.Results {
		total += res.Duration
		c := junitCase{Name: res.Scenario + " (" + string(res.Recovery) + ")", Classname: "authchaos." + r.Client,
			Time: fmt.Sprintf("%.3f", res.Duration.Seconds())}
		switch res.Verdict {
		case Fail:
			c.Failure = &junitMessage{Message: firstLine(res.Detail), Type: failureType(res), Body: res.Detail}
		case Skip:
			c.Skipped = &junitMessage{Message: res.Detail}
		default:
			c.SystemOut = res.Detail + advisoryLines(res)
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Time = fmt.Sprintf("%.3f", total.Seconds())
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
