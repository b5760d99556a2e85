package sdks_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/clients"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
	"github.com/authchaos/authchaos/suites/driver"
)

// truth is one row of truth.tsv.
type truth struct{ verdict, source, why string }

func readTruth(t *testing.T) map[string]map[string]truth {
	t.Helper()
	f, err := os.Open("truth.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]truth{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "sdk\t") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 || !slices.Contains([]string{"pass", "fail", "skip"}, f[2]) || f[3] == "" || f[4] == "" {
			t.Fatalf("truth.tsv line %d: want sdk, scenario, pass|fail|skip, source, why: %q", n, line)
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string]truth{}
		}
		out[f[0]][f[1]] = truth{f[2], f[3], f[4]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sdk is one column of the matrix and what it needs to run.
type sdk struct {
	name    string
	factory func() (adapter.Factory, string) // the factory, or why it cannot run here
}

func nodeSDK(name, file string) sdk {
	return sdk{name, func() (adapter.Factory, string) {
		if _, err := exec.LookPath("node"); err != nil {
			return nil, "node is not on PATH (apt-get install nodejs)"
		}
		if _, err := os.Stat(filepath.Join("node", "node_modules")); err != nil {
			return nil, "the Node SDKs are not installed: run `npm ci` in examples/sdks/node (or `make sdk-deps`)"
		}
		return driver.Factory(driver.Options{Command: "node " + filepath.Join("node", file), Timeout: 15 * time.Second}), ""
	}}
}

var matrix = []sdk{
	{"x-oauth2", func() (adapter.Factory, string) {
		f, ok := clients.Lookup("x-oauth2")
		if !ok {
			return nil, "no built-in client x-oauth2"
		}
		return f, ""
	}},
	nodeSDK("badgateway", "badgateway.mjs"),
	nodeSDK("ky", "ky.mjs"),
	nodeSDK("got", "got.mjs"),
	{"google-auth", func() (adapter.Factory, string) {
		if err := exec.Command("/usr/bin/python3", "-c", "import google.auth.transport.requests").Run(); err != nil {
			return nil, "google-auth is not installed: apt-get install python3-google-auth python3-requests (or `make sdk-deps`)"
		}
		return driver.Factory(driver.Options{Command: "/usr/bin/python3 " + filepath.Join("python", "google_auth_driver.py"), Timeout: 15 * time.Second}), ""
	}},
}

// TestSDKMatrix runs every SDK through every scenario and variant and
// compares each verdict with truth.tsv. A disagreement names the row,
// the source it cites, and the finding, so whoever reads it can tell a
// wrong judge from a misread source.
func TestSDKMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the SDK matrix runs five SDKs through the whole catalog: skipped with -short")
	}
	want := readTruth(t)
	all, err := suites.WithVariants(scenarios.All())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range matrix {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			factory, why := s.factory()
			if factory == nil {
				if os.Getenv("CI") != "" && os.Getenv("AUTHCHAOS_SDK_MATRIX") != "" {
					t.Fatal(why)
				}
				t.Skip(why)
			}
			rows := want[s.name]
			if len(rows) != len(all) {
				t.Errorf("truth.tsv has %d rows for %s, the catalog %d scenarios and variants", len(rows), s.name, len(all))
			}
			rep, err := suites.Run(context.Background(), suites.Options{Client: s.name, Factory: factory, Variants: true, Parallel: 2})
			if err != nil {
				t.Fatal(err)
			}
			agree := 0
			for _, res := range rep.Results {
				tr, ok := rows[res.Scenario]
				switch {
				case !ok:
					t.Errorf("%s %s: %s, and truth.tsv has no row for it", s.name, res.Scenario, res.Verdict)
				case string(res.Verdict) != tr.verdict:
					t.Errorf("%s %s: verdict %s, truth %s (%s: %s)\n  judge: %s", s.name, res.Scenario, res.Verdict, tr.verdict, tr.source, tr.why, firstLine(res.Detail))
				default:
					agree++
				}
			}
			t.Logf("%s: %d of %d verdicts agree with truth.tsv (%d passed, %d failed, %d skipped, %d advisories)",
				s.name, agree, len(rep.Results), rep.Passed, rep.Failed, rep.Skipped, rep.Advisories)
		})
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
