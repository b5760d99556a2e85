package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/clients/naive"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/fakeservertest"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
)

// playOn drives a client built by f through scenario id's workload on srv,
// as a user's own test would exercise an app, and leaves the journal on
// the server.
func playOn(t *testing.T, srv *fakeservertest.Server, id string, f adapter.Factory) {
	t.Helper()
	sc := suites.MustLookup(id)
	srv.MustApply(t, fakeserver.Activation{{ID: id}})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	client, err := f(ctx, suites.BuildTarget(srv.Server, sc))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := suites.RunWorkload(ctx, srv.Server, sc, client, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// savedJournal plays id with f on a fresh server and saves its journal
// as GET /__admin/journal returns it.
func savedJournal(t *testing.T, id string, f adapter.Factory) string {
	t.Helper()
	srv := fakeservertest.Start(t)
	playOn(t, srv, id, f)
	raw, err := json.Marshal(srv.Journal().Entries(0))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), id+".json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestJudgeCommand(t *testing.T) {
	t.Setenv(serverEnv, "") // "neither source" means neither
	good := savedJournal(t, "expired-token", resilient.Factory())
	bad := savedJournal(t, "expired-token", naive.Factory())
	healthy := writeFile(t, "healthy.json", `[{"seq":1,"at":"2026-01-01T00:00:00Z","host":"h","method":"GET","path":"/api/me","scheme":"Bearer","credential":"x","status":200,"reason":"","scenario":""}]`)
	broken := writeFile(t, "broken.json", "[\n  {\"seq\": 1,\n   \"status\": \"ok\"}\n]")
	truncated := writeFile(t, "cut.json", "[\n  {\"seq\": 1,")
	garbage := writeFile(t, "page.html", "<html>")
	report := writeFile(t, "report.json", `{"client":"x","results":[{"scenario":"a","journal":[{"seq":1}]},{"scenario":"b","journal":[{"seq":1}]}]}`)
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr []string
	}{
		{name: "reference client passes", args: []string{"--recovery", "refresh", "--journal", good}, code: 0,
			stdout: []string{"judge refresh on " + good, "PASS", "(trigger at seq 3)"}},
		{name: "naive client fails with findings citing seq", args: []string{"--recovery", "refresh", "--journal", bad}, code: 1,
			stdout: []string{"FAIL", "findings", "  - never asked for a new token: the API answered 401 token_expired at seq 3"}},
		{name: "since before the fault still judges it", args: []string{"--recovery", "refresh", "--journal", good, "--since", "2"}, code: 0,
			stdout: []string{"PASS", "seq 3-"}},
		{name: "since past the fault leaves nothing to judge", args: []string{"--recovery", "refresh", "--journal", good, "--since", "6"}, code: 1,
			stdout: []string{"NOTHING TO JUDGE", "holds no 401 from the API for refresh"}},
		{name: "a healthy journal is nothing to judge, not a pass", args: []string{"--recovery", "backoff", "--journal", healthy}, code: 1,
			stdout: []string{"NOTHING TO JUDGE"}},
		{name: "json", args: []string{"--recovery", "refresh", "--journal", bad, "--json"}, code: 1,
			stdout: []string{`"verdict": "fail"`, `"source": "` + bad + `"`, `"trigger_seq": 3`}},
		{name: "expect failure flips a recovering client's verdict", args: []string{"--recovery", "refresh", "--journal", good, "--expect", "failure"}, code: 1,
			stdout: []string{"succeeded where a correct client cannot"}},
		{name: "unknown kind with suggestion", args: []string{"--recovery", "refesh", "--journal", good}, code: 2,
			stderr: []string{`unknown kind "refesh"`, "valid: backoff, discover, fail-fast, no-leak, nonce-retry, poll, refresh, relogin, step-up, switch-scheme", "did you mean refresh?"}},
		{name: "a kind whose trigger the window lacks", args: []string{"--recovery", "poll", "--journal", good}, code: 1,
			stdout: []string{"NOTHING TO JUDGE", "device authorization"}},
		{name: "no kind", args: []string{"--journal", good}, code: 2, stderr: []string{"--recovery is required"}},
		{name: "neither source", args: []string{"--recovery", "refresh"}, code: 2, stderr: []string{"give --server URL", "--journal FILE"}},
		{name: "both sources", args: []string{"--recovery", "refresh", "--journal", good, "--server", "http://127.0.0.1:1"}, code: 2,
			stderr: []string{"--server and --journal both given"}},
		{name: "since not a number", args: []string{"--recovery", "refresh", "--journal", good, "--since", "ten"}, code: 2,
			stderr: []string{`--since "ten": not a journal seq`}},
		{name: "bad expect", args: []string{"--recovery", "refresh", "--journal", good, "--expect", "ok"}, code: 2,
			stderr: []string{`--expect "ok": valid: success, failure, any`}},
		{name: "missing file", args: []string{"--recovery", "refresh", "--journal", filepath.Join(t.TempDir(), "nope.json")}, code: 2,
			stderr: []string{"--journal: open ", "no such file"}},
		{name: "wrong type at line and column", args: []string{"--recovery", "refresh", "--journal", broken}, code: 2,
			stderr: []string{"--journal " + broken + ": line 3, column 18: status is a JSON string, expected int"}},
		{name: "truncated", args: []string{"--recovery", "refresh", "--journal", truncated}, code: 2,
			stderr: []string{"line 2, column 13", "truncated"}},
		{name: "not JSON", args: []string{"--recovery", "refresh", "--journal", garbage}, code: 2,
			stderr: []string{`line 1, column 1: found "<"; expected a journal`}},
		{name: "report with several journals", args: []string{"--recovery", "refresh", "--journal", report}, code: 2,
			stderr: []string{"journals of 2 scenarios (a, b)", "jq"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"judge"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			wantOutput(t, stdout, stderr, tt.stdout, tt.stderr)
		})
	}
}

// TestJudgeServer judges the journal of a running fake server, as a QA
// suite does after exercising its app against it.
func TestJudgeServer(t *testing.T) {
	for _, tt := range []struct {
		client string
		f      adapter.Factory
		code   int
		want   string
	}{{"resilient", resilient.Factory(), 0, "PASS"}, {"naive", naive.Factory(), 1, "never asked for a new token"}} {
		t.Run(tt.client, func(t *testing.T) {
			srv := fakeservertest.Start(t)
			playOn(t, srv, "revoked-token", tt.f)
			code, stdout, stderr := runCLI(t, "judge", "--recovery", "refresh", "--server", srv.URL)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			wantOutput(t, stdout, stderr, []string{"judge refresh on " + srv.URL, tt.want}, nil)

			// The same window saved by `journal --json` (JSON lines)
			// gets the same verdict.
			code, lines, stderr := runCLI(t, "journal", "--json", "--server", srv.URL)
			if code != 0 {
				t.Fatalf("journal --json: exit %d: %s", code, stderr)
			}
			saved := writeFile(t, "window.jsonl", lines)
			code, stdout, stderr = runCLI(t, "judge", "--recovery", "refresh", "--journal", saved)
			if code != tt.code {
				t.Errorf("judge on journal --json lines: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			wantOutput(t, stdout, stderr, []string{tt.want}, nil)
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		code, _, stderr := runCLI(t, "judge", "--recovery", "refresh", "--server", "http://127.0.0.1:1")
		if code != 2 || !strings.Contains(stderr, "read the journal of http://127.0.0.1:1") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	})
}

// TestBinaryJudge runs the built binary on a saved journal, from a file
// and from stdin, as a CI step does.
func TestBinaryJudge(t *testing.T) {
	good := savedJournal(t, "waf-block", resilient.Factory())
	bad := savedJournal(t, "waf-block", naive.Factory())
	if r := runBinary(t, "", "judge", "--recovery", "backoff", "--journal", good); r.code != 0 || !strings.Contains(r.stdout, "PASS") {
		t.Errorf("resilient: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, "", "judge", "--recovery", "backoff", "--journal", bad); r.code != 1 || !strings.Contains(r.stdout, "ignored Retry-After") {
		t.Errorf("naive: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	raw, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), authchaosBinary(t), "judge", "--recovery", "backoff", "--journal", "-", "--json")
	cmd.Stdin = bytes.NewReader(raw)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("stdin: %v\n%s", err, out)
	}
	var res suites.TrafficResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if res.Verdict != suites.Fail || len(res.Findings) == 0 {
		t.Errorf("stdin verdict %s, findings %q", res.Verdict, res.Findings)
	}
}
