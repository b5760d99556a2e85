package ginkgosuite_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAsAnSDKRunsIt runs testdata/sdk, an SDK's own test package, with
// `go test` as its authors would, and checks what they see: a failure
// reported at their Describe line with the evidence attached, and plain
// subtests per scenario from suites.Test.
func TestAsAnSDKRunsIt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	describeLine := lineOf(t, "testdata/sdk/sdk_test.go", "// DESCRIBE LINE")
	report := filepath.Join(t.TempDir(), "ginkgo.json")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "test", "-count=1", "-v", "./testdata/sdk", "-args", "-ginkgo.no-color", "-ginkgo.json-report="+report)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go test passed; the naive client should fail expired-token:\n%s", out)
	}
	text := string(out)
	for _, want := range []string{"--- FAIL: TestPlain/expired-token", "--- PASS: TestPlain/forbidden-not-unauthorized",
		"(suites.Test at sdk_test.go:", "\n          never asked for a new token", "journal:\n          seq 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("go test output lacks %q:\n%s", want, text)
		}
	}

	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("no ginkgo JSON report: %v\n%s", err, text)
	}
	var suites []struct {
		SpecReports []struct {
			LeafNodeText     string
			LeafNodeLocation struct {
				FileName   string
				LineNumber int
			}
			State   string
			Failure struct {
				Message  string
				Location struct {
					FileName   string
					LineNumber int
				}
			}
			ReportEntries []struct{ Name string }
		}
	}
	if err := json.Unmarshal(raw, &suites); err != nil || len(suites) != 1 {
		t.Fatalf("ginkgo JSON report: %v\n%s", err, raw)
	}
	at := func(file string, line int) bool { return filepath.Base(file) == "sdk_test.go" && line == describeLine }
	var failed int
	for _, s := range suites[0].SpecReports {
		if s.LeafNodeText == "" {
			continue // suite-level nodes
		}
		if !at(s.LeafNodeLocation.FileName, s.LeafNodeLocation.LineNumber) {
			t.Errorf("spec %q is located at %s:%d, want the caller's Describe line sdk_test.go:%d", s.LeafNodeText, s.LeafNodeLocation.FileName, s.LeafNodeLocation.LineNumber, describeLine)
		}
		if s.State != "failed" {
			continue
		}
		failed++
		if !at(s.Failure.Location.FileName, s.Failure.Location.LineNumber) {
			t.Errorf("failure of %q is located at %s:%d, want sdk_test.go:%d", s.LeafNodeText, s.Failure.Location.FileName, s.Failure.Location.LineNumber, describeLine)
		}
		if !strings.Contains(s.Failure.Message, "\nnever asked for a new token") {
			t.Errorf("failure message should have one finding a line:\n%s", s.Failure.Message)
		}
		if len(s.ReportEntries) == 0 || s.ReportEntries[0].Name != "authchaos evidence: expired-token" {
			t.Errorf("failed spec carries report entries %+v, want the evidence", s.ReportEntries)
		}
	}
	if failed != 1 {
		t.Errorf("%d failed specs, want 1 (expired-token)", failed)
	}
}

func lineOf(t *testing.T, path, marker string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), marker) {
			return n
		}
	}
	t.Fatalf("%s has no line %q", path, marker)
	return 0
}
