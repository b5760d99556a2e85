package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBinarySteering drives a running serve from the terminal with the
// built binary, as a workshop instructor does: activate with parameters,
// move the clock, act as the operator, read the OTP and the journal,
// follow it, heal, and put a client on stage with run --server.
func TestBinarySteering(t *testing.T) {
	base, _ := startServe(t, "--addr", "127.0.0.1:0")
	steer := func(t *testing.T, args ...string) result {
		t.Helper()
		return runBinary(t, "", append(args, "--server", base)...)
	}
	get := func(path string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{name: "activate with parameters", args: []string{"activate", "expired-token:lifetime=30s", "waf-block"}, code: 0,
			stdout: []string{"active:\n  expired-token:lifetime=30s\n  waf-block:duration=1s\n"}},
		{name: "status shows it", args: []string{"status"}, code: 0,
			stdout: []string{"server: " + base, "clock: ", "expired-token:lifetime=30s"}},
		{name: "activate a typo", args: []string{"activate", "expired-tokn"}, code: 2,
			stderr: []string{`unknown scenario "expired-tokn"`, "did you mean expired-token?"}},
		{name: "activate a bad parameter", args: []string{"activate", "expired-token:ttl=1m"}, code: 2,
			stderr: []string{`unknown parameter "ttl"`, "lifetime"}},
		{name: "activate nothing", args: []string{"activate"}, code: 2,
			stderr: []string{"at least one scenario", "authchaos heal"}},
		{name: "clock advance", args: []string{"clock", "advance", "10m"}, code: 0,
			stdout: []string{"(offset 10m0s)"}},
		{name: "clock advance nonsense", args: []string{"clock", "advance", "soon"}, code: 2,
			stderr: []string{`clock advance "soon"`}},
		{name: "operator action", args: []string{"action", "rotate-signing-key"}, code: 0,
			stdout: []string{"done: rotate-signing-key"}},
		{name: "unknown action lists them", args: []string{"action", "rotate-signing-keys"}, code: 2,
			stderr: []string{"unknown action", "revoke-api-key", "did you mean rotate-signing-key?"}},
		{name: "otp", args: []string{"otp"}, code: 0},
		{name: "heal", args: []string{"heal"}, code: 0,
			stdout: []string{"active: none, the server is healthy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := steer(t, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			wantOutput(t, r.stdout, r.stderr, tt.stdout, tt.stderr)
			if tt.name == "otp" && !regexp.MustCompile(`^\d{6}\n$`).MatchString(r.stdout) {
				t.Errorf("otp printed %q, want six digits", r.stdout)
			}
		})
	}

	t.Run("journal", func(t *testing.T) {
		get("/api/items")
		get("/api/me")
		r := steer(t, "journal")
		if r.code != 0 || !regexp.MustCompile(`(?m)^ +1 \d\d:\d\d:\d\d\.\d{3} GET +127\.0\.0\.1:\d+/api/items +none .* 401 missing_credentials`).MatchString(r.stdout) {
			t.Errorf("journal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = steer(t, "journal", "--json", "--since", "1")
		var e struct {
			Seq  int64  `json:"seq"`
			Path string `json:"path"`
		}
		if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &e) != nil || e.Seq != 2 || e.Path != "/api/me" {
			t.Errorf("journal --json --since 1: want one JSON line for seq 2:\n%s%s", r.stdout, r.stderr)
		}
	})

	t.Run("journal --follow", func(t *testing.T) {
		cmd, stdout, _ := startBinary(t, "journal", "--follow", "--json", "--since", "2", "--server", base)
		deadline := time.Now().Add(10 * time.Second)
		// Requests keep coming until one shows: the follower may not have
		// subscribed yet when the first arrives.
		for !strings.Contains(stdout.String(), `"path":"/api/public/status"`) {
			if time.Now().After(deadline) {
				t.Fatalf("journal --follow printed nothing for new requests within 10s:\n%s", stdout)
			}
			get("/api/public/status")
			time.Sleep(20 * time.Millisecond)
		}
		_ = cmd.Process.Signal(interruptSignal)
		if err := cmd.Wait(); err != nil {
			t.Errorf("journal --follow after Ctrl-C: %v, want exit 0", err)
		}
	})

	t.Run("run --server puts a client on stage", func(t *testing.T) {
		steer(t, "activate", "waf-block")
		r := steer(t, "run", "--client", "resilient", "--scenario", "expired-token", "--scenario", "redirect-strips-auth", "--json-report", "-")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "on "+base+", one after another") || !regexp.MustCompile(`\[1/2\] PASS +expired-token[\s\S]*\[2/2\] PASS +redirect-strips-auth`).MatchString(r.stderr) {
			t.Errorf("stderr should show the scenarios in order on the server:\n%s", r.stderr)
		}
		rep := readJSONReport(t, []byte(r.stdout))
		if rep.Passed != 2 || len(rep.Results[0].Journal) == 0 {
			t.Errorf("report: %d passed, %d journal entries", rep.Passed, len(rep.Results[0].Journal))
		}
		if st := steer(t, "status"); !strings.Contains(st.stdout, "waf-block") {
			t.Errorf("run --server should put back what was active:\n%s", st.stdout)
		}
	})

	t.Run("server down", func(t *testing.T) {
		r := runBinary(t, "", "status", "--server", "http://127.0.0.1:1")
		if r.code != 2 || !strings.Contains(r.stderr, "is `authchaos serve` running at http://127.0.0.1:1?") || strings.Contains(r.stderr, "for usage") {
			t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
	})
}

// TestBinaryRunServerConfig: a serve with its own credentials needs run
// --config with the same file, and then the client gets credentials it
// accepts; without it the client is refused.
func TestBinaryRunServerConfig(t *testing.T) {
	// The demo configuration with another password for alice.
	defaults := runBinary(t, "", "serve", "--print-config")
	if defaults.code != 0 || !strings.Contains(defaults.stdout, "password: wonderland") {
		t.Fatalf("serve --print-config: exit %d\n%s", defaults.code, defaults.stdout)
	}
	lab := filepath.Join(t.TempDir(), "lab.yaml")
	yaml := strings.Replace(defaults.stdout, "password: wonderland", "password: looking-glass", 1)
	if err := os.WriteFile(lab, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, "--addr", "127.0.0.1:0", "--config", lab)
	args := []string{"run", "--client", "resilient", "--scenario", "expired-token", "--server", base}
	if r := runBinary(t, "", append(args, "--config", lab)...); r.code != 0 {
		t.Errorf("with the serve's --config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, "", args...); r.code != 1 || !strings.Contains(r.stdout, "FAIL") {
		t.Errorf("without it the demo password is refused: exit %d, want 1\n%s", r.code, r.stdout)
	}
	if r := runBinary(t, "", "run", "--client", "resilient", "--config", filepath.Join(t.TempDir(), "absent.yaml")); r.code != 2 || !strings.Contains(r.stderr, "--config") {
		t.Errorf("a missing --config: exit %d\n%s", r.code, r.stderr)
	}
}
