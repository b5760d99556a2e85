package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunStrict: the naive client tries a wrong password once and gives
// up, which is right, but says only "HTTP 401": a PASS with an advisory,
// a FAIL under --strict. Table and JSON show the advisory apart.
func TestRunStrict(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "r.json")
	code, stdout, _ := runCLI(t, "run", "--client", "naive", "--scenario", "wrong-password", "--json-report", report)
	if code != 0 {
		t.Fatalf("exit %d without --strict, want 0; stdout:\n%s", code, stdout)
	}
	for _, want := range []string{"PASS", "[1 advisory]", "ADVISORIES (diagnostics", "wrong-password: the cause is not named", "0 failed, 0 skipped, 1 advisory"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Passed     int `json:"passed"`
		Advisories int `json:"advisories"`
		Results    []struct {
			Verdict    string   `json:"verdict"`
			Findings   []string `json:"findings"`
			Advisories []string `json:"advisories"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Passed != 1 || rep.Advisories != 1 || len(rep.Results) != 1 || len(rep.Results[0].Advisories) != 1 || len(rep.Results[0].Findings) != 0 {
		t.Errorf("JSON report: %s", raw)
	}

	code, stdout, _ = runCLI(t, "run", "--client", "naive", "--scenario", "wrong-password", "--strict")
	if code != 1 {
		t.Fatalf("exit %d with --strict, want 1; stdout:\n%s", code, stdout)
	}
	if !strings.Contains(stdout, "FAIL") || !strings.Contains(stdout, "strict: the cause is not named") {
		t.Errorf("--strict stdout:\n%s", stdout)
	}
}

// TestRunVariants: a variant runs by its label, --variants adds every
// declared one, and a bad label is a usage error naming what is wrong.
func TestRunVariants(t *testing.T) {
	code, stdout, _ := runCLI(t, "run", "--client", "resilient", "--scenario", "wrong-scheme:holds=no")
	if code != 0 || !strings.Contains(stdout, "PASS     wrong-scheme:holds=no") {
		t.Errorf("exit %d, stdout:\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "run", "--client", "resilient", "--scenario", "clock-skew", "--variants")
	for _, want := range []string{"clock-skew ", "clock-skew:direction=behind", "clock-skew:skew=90s", "3 passed, 0 failed"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, stdout lacks %q:\n%s", code, want, stdout)
		}
	}
	code, _, stderr := runCLI(t, "run", "--client", "resilient", "--scenario", "clock-skew:drection=behind")
	if code != 2 || !strings.Contains(stderr, `unknown parameter "drection" (valid: skew, direction)`) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}
