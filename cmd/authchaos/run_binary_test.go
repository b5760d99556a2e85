package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// jsonReport is the part of --json-report these tests read.
type jsonReport struct {
	Client      string `json:"client"`
	Interrupted *bool  `json:"interrupted"`
	Passed      int    `json:"passed"`
	Failed      int    `json:"failed"`
	Skipped     int    `json:"skipped"`
	NotRun      int    `json:"not_run"`
	Results     []struct {
		Scenario string   `json:"scenario"`
		Verdict  string   `json:"verdict"`
		Detail   string   `json:"detail"`
		Findings []string `json:"findings"`
		Calls    []struct {
			Call   string `json:"call"`
			Status int    `json:"status"`
			Error  string `json:"error"`
		} `json:"calls"`
		Journal []struct {
			Seq    int64  `json:"seq"`
			Path   string `json:"path"`
			Status int    `json:"status"`
		} `json:"journal"`
	} `json:"results"`
	Baseline *struct {
		NewFailures  []string `json:"new_failures"`
		Fixed        []string `json:"fixed"`
		StillFailing []string `json:"still_failing"`
	} `json:"baseline"`
}

func readJSONReport(t *testing.T, raw []byte) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("JSON report does not parse: %v\n%s", err, raw)
	}
	return r
}

type junitReport struct {
	Suites []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     *int   `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Hostname   string `xml:"hostname,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitReport {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r junitReport
	if err := xml.Unmarshal(raw, &r); err != nil {
		t.Fatalf("JUnit report does not parse: %v\n%s", err, raw)
	}
	if len(r.Suites) != 1 {
		t.Fatalf("JUnit report has %d suites, want 1", len(r.Suites))
	}
	return r
}

func (r junitReport) property(name string) string {
	for _, p := range r.Suites[0].Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// TestBinaryRunProgress checks what a person (or a CI log) sees while a
// run goes: a first line at once, a line per scenario on stderr, the
// table, the findings below it and the summary on stdout.
func TestBinaryRunProgress(t *testing.T) {
	r := runBinary(t, "", "run", "--client", "naive", "--scenario", "expired-token", "--scenario", "forbidden-not-unauthorized")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "authchaos run: naive against 2 scenarios") {
		t.Errorf("stderr should open with what the run is about to do:\n%s", r.stderr)
	}
	for _, re := range []string{`(?m)^\[\d/2\] FAIL +expired-token \(refresh, \d+ms\)$`, `(?m)^\[\d/2\] PASS +forbidden-not-unauthorized \(fail-fast, \d+ms\)$`} {
		if !regexp.MustCompile(re).MatchString(r.stderr) {
			t.Errorf("stderr lacks a progress line matching %s:\n%s", re, r.stderr)
		}
	}
	for _, want := range []string{"VERDICT", "naive: 1 passed, 1 failed, 0 skipped", "--- FAIL: expired-token (refresh,",
		"\n    never asked for a new token", "    calls:\n      1. GET /api/items -> 200"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !regexp.MustCompile(`\nFAIL: 1 of 2 scenarios failed, 1 passed, 0 skipped in [0-9.]+m?s\n$`).MatchString(r.stdout) {
		t.Errorf("stdout should end with a go-test-like summary line:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "\x1b[") {
		t.Errorf("colour codes written to a pipe:\n%q", r.stderr)
	}
	t.Logf("run of 2 scenarios took %s", r.elapsed)
}

// TestBinaryRunHeartbeat: a client that keeps a call waiting is named on
// stderr while it does, so a person and a CI watchdog see work, not a hang.
func TestBinaryRunHeartbeat(t *testing.T) {
	r := runBinary(t, "", "run", "--driver", "sh testdata/stuck.sh", "--scenario", "expired-token",
		"--timeout", "300ms", "--heartbeat", "50ms")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (the calls time out)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, re := range []string{`(?m)^ +waiting [0-9.]+ms on expired-token call 1 of 2$`, `(?m)^ +waiting [0-9.]+ms on expired-token call 2 of 2$`} {
		if !regexp.MustCompile(re).MatchString(r.stderr) {
			t.Errorf("stderr lacks a heartbeat matching %s:\n%s", re, r.stderr)
		}
	}
}

// TestBinaryRunInterrupted sends a signal mid-run, as Ctrl-C or a CI
// cancel does: the exit status says which, every report says it was
// interrupted, and nothing is blamed on the client.
func TestBinaryRunInterrupted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			jsonPath, junitPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "r.html")
			cmd, stdout, lines := startBinary(t, "run", "--driver", "sh testdata/stuck.sh", "--timeout", "30s", "--heartbeat", "50ms",
				"--parallel", "2", "--scenario", "expired-token", "--scenario", "waf-block", "--scenario", "revoked-token", "--scenario", "stale-dns",
				"--json-report", jsonPath, "--junit-report", junitPath, "--html-report", htmlPath)
			start := time.Now()
			waitLine(t, lines, "waiting", 20*time.Second)
			sent := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() {
				for range lines {
				}
				exited <- cmd.Wait()
			}()
			select {
			case err := <-exited:
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatalf("waiting for the run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("still running 20s after %s", tt.sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Fatalf("exit %d after %s, want %d\nstdout:\n%s", code, tt.sig, tt.code, stdout)
			}
			t.Logf("first heartbeat after %s; exited %s after %s", sent.Sub(start), time.Since(sent).Round(time.Millisecond), tt.sig)
			raw, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			rep := readJSONReport(t, raw)
			if rep.Interrupted == nil || !*rep.Interrupted || rep.Failed != 0 || rep.NotRun != 4 || len(rep.Results) != 4 {
				t.Errorf("JSON report: interrupted %v, failed %d, not_run %d of %d; want interrupted, 0 failed, 4 not run", rep.Interrupted, rep.Failed, rep.NotRun, len(rep.Results))
			}
			for _, res := range rep.Results {
				if res.Verdict != "not-run" || strings.Contains(res.Detail, "cancel") {
					t.Errorf("%s: verdict %q, detail %q; want not-run, with no blame", res.Scenario, res.Verdict, res.Detail)
				}
			}
			ju := readJUnit(t, junitPath)
			if s := ju.Suites[0]; ju.property("interrupted") != "true" || s.Failures != 0 || s.Skipped != 4 {
				t.Errorf("JUnit: interrupted %q, failures %d, skipped %d; want true, 0, 4", ju.property("interrupted"), s.Failures, s.Skipped)
			}
			page, err := os.ReadFile(htmlPath)
			if err != nil {
				t.Fatal(err)
			}
			if h := string(page); !strings.Contains(h, `class="interrupted"`) || strings.Count(h, `data-verdict="not-run"`) != 4 {
				t.Errorf("HTML report: want the interrupted banner and 4 not-run scenarios")
			}
			if !strings.Contains(stdout.String(), "INTERRUPTED: 4 of 4 scenarios not run, 0 failed") {
				t.Errorf("summary line:\n%s", stdout)
			}
		})
	}
}

// TestBinaryRunReports checks the evidence and names in the reports, and
// --json-report - for a pipe into jq.
func TestBinaryRunReports(t *testing.T) {
	dir := t.TempDir()
	junitPath := filepath.Join(dir, "junit.xml")
	r := runBinary(t, "", "run", "--client", "naive", "--scenario", "expired-token", "--scenario", "forbidden-not-unauthorized",
		"--json-report", "-", "--junit-report", junitPath, "--name", "node driver.js v1.2")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	rep := readJSONReport(t, []byte(r.stdout)) // stdout is nothing but the JSON
	if !strings.Contains(r.stderr, "VERDICT") || !strings.Contains(r.stderr, "FAIL: 1 of 2") {
		t.Errorf("with --json-report - the table and summary belong on stderr:\n%s", r.stderr)
	}
	for _, res := range rep.Results {
		if len(res.Journal) == 0 || len(res.Calls) == 0 {
			t.Errorf("%s: %d journal entries and %d calls in the JSON; want the evidence", res.Scenario, len(res.Journal), len(res.Calls))
		}
		if res.Scenario == "expired-token" && (len(res.Findings) < 2 || res.Calls[len(res.Calls)-1].Status != 401) {
			t.Errorf("expired-token: findings %q, calls %+v", res.Findings, res.Calls)
		}
	}
	ju := readJUnit(t, junitPath)
	s := ju.Suites[0]
	host, _ := os.Hostname()
	if s.Errors == nil || s.Timestamp == "" || s.Hostname != host || s.Name != "authchaos recovery: node driver.js v1.2" {
		t.Errorf("testsuite attributes: errors %v, timestamp %q, hostname %q (want %q), name %q", s.Errors, s.Timestamp, s.Hostname, host, s.Name)
	}
	if _, err := time.Parse("2006-01-02T15:04:05", s.Timestamp); err != nil {
		t.Errorf("timestamp %q is not ISO 8601 without zone: %v", s.Timestamp, err)
	}
	for _, c := range s.Cases {
		if c.Classname != "authchaos.node_driver_js_v1_2" {
			t.Errorf("classname %q: dots and spaces of the name should be underscores under one package", c.Classname)
		}
		if !strings.Contains(c.SystemOut, "calls:\n  1. GET /api/") || !strings.Contains(c.SystemOut, "journal:\n  seq 1") {
			t.Errorf("%s: system-out lacks the evidence:\n%s", c.Name, c.SystemOut)
		}
		if c.Failure != nil && strings.Count(c.Failure.Body, "\n") < 1 {
			t.Errorf("%s: failure body should have one finding a line:\n%s", c.Name, c.Failure.Body)
		}
	}
}

// TestBinaryRunBaseline: with --baseline only new failures fail the run,
// and what got fixed is said.
func TestBinaryRunBaseline(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// naive fails expired-token and passes forbidden-not-unauthorized.
	allFailed := write("failed.json", `{"client":"naive","results":[{"scenario":"expired-token","verdict":"fail"},{"scenario":"forbidden-not-unauthorized","verdict":"fail"}]}`)
	allPassed := write("passed.json", `{"client":"naive","results":[{"scenario":"expired-token","verdict":"pass"},{"scenario":"forbidden-not-unauthorized","verdict":"pass"}]}`)
	args := []string{"run", "--client", "naive", "--scenario", "expired-token", "--scenario", "forbidden-not-unauthorized", "--json-report", "-"}

	r := runBinary(t, "", append(args, "--baseline", allFailed)...)
	if r.code != 0 {
		t.Fatalf("known failures only: exit %d, want 0\n%s", r.code, r.stderr)
	}
	rep := readJSONReport(t, []byte(r.stdout))
	if rep.Baseline == nil || len(rep.Baseline.NewFailures) != 0 || strings.Join(rep.Baseline.Fixed, ",") != "forbidden-not-unauthorized" || strings.Join(rep.Baseline.StillFailing, ",") != "expired-token" {
		t.Errorf("baseline in report: %+v", rep.Baseline)
	}
	if !strings.Contains(r.stderr, "PASS: no new failure against "+allFailed+"; 1 of 2 scenarios failed, 1 passed") {
		t.Errorf("the summary should say the run passes against its baseline:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "0 new failures, 1 fixed (forbidden-not-unauthorized), 1 still failing") {
		t.Errorf("stderr does not say what got fixed:\n%s", r.stderr)
	}

	r = runBinary(t, "", append(args, "--baseline", allPassed)...)
	if r.code != 1 || !strings.Contains(r.stderr, "1 new failure (expired-token)") || !strings.Contains(r.stderr, "FAIL: 1 new against ") {
		t.Errorf("a new failure: exit %d, want 1\n%s", r.code, r.stderr)
	}

	r = runBinary(t, "", append(args, "--baseline", write("bad.json", "{not json"))...)
	if r.code != 2 || !strings.Contains(r.stderr, "--baseline") || !strings.Contains(r.stderr, "bad.json") {
		t.Errorf("a baseline that is not a report: exit %d, want 2\n%s", r.code, r.stderr)
	}
}

// TestBinaryRunTableWidth: with COLUMNS set (as a terminal's shell sets
// it), table rows fit the width and the full findings follow below.
func TestBinaryRunTableWidth(t *testing.T) {
	r := runBinaryEnv(t, []string{"COLUMNS=80"}, "run", "--client", "naive", "--scenario", "expired-token", "--scenario", "redirect-strips-auth")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	table, findings, ok := strings.Cut(r.stdout, "--- FAIL")
	if !ok {
		t.Fatalf("no findings below the table:\n%s", r.stdout)
	}
	for _, line := range strings.Split(table, "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("table row of %d columns, want at most 80: %q", n, line)
		}
	}
	if !strings.Contains(findings, "credentials belong to the origin that issued them") {
		t.Errorf("the clipped detail should appear whole below the table:\n%s", findings)
	}
}
