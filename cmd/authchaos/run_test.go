package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunCommand drives `authchaos run` as a user would, checking the
// contract's exit codes and report shapes.
func TestRunCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{name: "resilient passes", args: []string{"run", "--client", "resilient", "--scenario", "expired-token", "--scenario", "waf-block"}, code: 0,
			stdout: []string{"PASS", "expired-token", "waf-block", "resilient: 2 passed, 0 failed, 0 skipped"}},
		{name: "naive fails with a finding", args: []string{"run", "--client", "naive", "--scenario", "redirect-strips-auth"}, code: 1,
			stdout: []string{"FAIL", "redirect-strips-auth", "sent the Bearer credential to http://localhost:"}},
		{name: "x-oauth2 skips what it cannot do", args: []string{"run", "--client", "x-oauth2", "--scenario", "expired-session"}, code: 0,
			stdout: []string{"SKIP", "expired-session", "session"}},
		{name: "the mcp profile runs its scenarios and names what it does not judge", args: []string{"run", "--client", "naive", "--profile", "mcp"}, code: 1,
			stdout: []string{"resource-metadata-discovery", "audience-mismatch", "refresh-token-rotation", "naive: 1 passed, 7 failed, 1 skipped"},
			stderr: []string{"profile mcp: MCP clients", "does not judge authorization code with PKCE"}},
		{name: "unknown profile", args: []string{"run", "--client", "naive", "--profile", "mpc"}, code: 2,
			stderr: []string{`unknown profile "mpc" (valid: mcp)`}},
		{name: "neither client nor driver", args: []string{"run"}, code: 2,
			stderr: []string{"exactly one of --driver", "naive, resilient, x-oauth2"}},
		{name: "both client and driver", args: []string{"run", "--client", "naive", "--driver", "true"}, code: 2,
			stderr: []string{"exactly one of"}},
		{name: "unknown client", args: []string{"run", "--client", "curl"}, code: 2,
			stderr: []string{`unknown client "curl"`, "naive, resilient, x-oauth2"}},
		{name: "unknown scenario", args: []string{"run", "--client", "naive", "--scenario", "expired-tokn"}, code: 2,
			stderr: []string{`unknown scenario "expired-tokn"`, "expired-token"}},
		{name: "scenario typo suggests the id", args: []string{"run", "--client", "naive", "--scenario", "expried-token"}, code: 2,
			stderr: []string{`unknown scenario "expried-token"`, "did you mean expired-token?"}},
		{name: "a variant's id typo suggests the id", args: []string{"run", "--client", "naive", "--scenario", "expired-tokn:lifetime=1s"}, code: 2,
			stderr: []string{`unknown scenario "expired-tokn"`, "did you mean expired-token?"}},
		{name: "scenario list with commas says repeat the flag", args: []string{"run", "--client", "naive", "--scenario", "expired-token,waf-block"}, code: 2,
			stderr: []string{"repeat the flag instead: --scenario expired-token --scenario waf-block"}},
		{name: "client typo suggests the client", args: []string{"run", "--client", "resilent"}, code: 2,
			stderr: []string{"did you mean resilient?"}},
		{name: "both reports to stdout", args: []string{"run", "--client", "naive", "--json-report", "-", "--junit-report", "-"}, code: 2,
			stderr: []string{"both write to stdout"}},
		{name: "an HTML report to stdout", args: []string{"run", "--client", "naive", "--html-report", "-"}, code: 2,
			stderr: []string{"--html-report -", "give a path"}},
		{name: "a heartbeat that is not positive", args: []string{"run", "--client", "naive", "--heartbeat", "0s"}, code: 2,
			stderr: []string{"--heartbeat 0s"}},
		{name: "driver that cannot start", args: []string{"run", "--driver", "exit 3", "--scenario", "expired-token"}, code: 2,
			stderr: []string{"could not start", "status 3"}},
		{name: "driver that is not a command", args: []string{"run", "--driver", "no-such-driver-binary", "--scenario", "expired-token"}, code: 2,
			stderr: []string{"could not start", "127"}},
		{name: "a timeout that is not positive", args: []string{"run", "--client", "naive", "--scenario", "expired-token", "--timeout", "0s"}, code: 2,
			stderr: []string{"--timeout 0s: want a positive duration"}},
		{name: "a negative parallelism", args: []string{"run", "--client", "naive", "--scenario", "expired-token", "--parallel", "-1"}, code: 2,
			stderr: []string{"--parallel -1"}},
		{name: "report path in a missing directory", args: []string{"run", "--client", "naive", "--json-report", filepath.Join(dir, "no", "such", "r.json")}, code: 2,
			stderr: []string{"--json-report"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			wantOutput(t, stdout, stderr, tt.stdout, tt.stderr)
		})
	}
}

func TestRunWritesReports(t *testing.T) {
	dir := t.TempDir()
	jsonPath, junitPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "r.html")
	code, stdout, stderr := runCLI(t, "run", "--client", "naive", "--scenario", "expired-token", "--scenario", "forbidden-not-unauthorized",
		"--json-report", jsonPath, "--junit-report", junitPath, "--html-report", htmlPath)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (naive fails expired-token)\n%s\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Client  string `json:"client"`
		Results []struct {
			Scenario string `json:"scenario"`
			Verdict  string `json:"verdict"`
			Detail   string `json:"detail"`
		} `json:"results"`
		Passed, Failed, Skipped *int
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("JSON report does not parse: %v\n%s", err, raw)
	}
	if rep.Client != "naive" || len(rep.Results) != 2 || rep.Passed == nil || *rep.Passed != 1 || *rep.Failed != 1 || *rep.Skipped != 0 {
		t.Fatalf("JSON report = %+v", rep)
	}
	for _, r := range rep.Results {
		want := map[string]string{"expired-token": "fail", "forbidden-not-unauthorized": "pass"}[r.Scenario]
		if r.Verdict != want || r.Detail == "" {
			t.Errorf("result %+v, want verdict %q and a detail", r, want)
		}
	}
	raw, err = os.ReadFile(junitPath)
	if err != nil {
		t.Fatal(err)
	}
	var ju struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &ju); err != nil {
		t.Fatalf("JUnit report does not parse: %v", err)
	}
	if len(ju.Suites) != 1 || ju.Suites[0].Tests != 2 || ju.Suites[0].Failures != 1 || len(ju.Suites[0].Cases) != 2 {
		t.Fatalf("JUnit report = %+v", ju)
	}
	page, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-scenario="expired-token"`, `data-scenario="forbidden-not-unauthorized"`, `<svg class="seq"`, `class="finding"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML report lacks %s", want)
		}
	}
}
