package suites_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOutsideModule is an SDK that must stay on go 1.22 using the
// nested test-module recipe from the README: its own go.mod never names
// authchaos, a nested module does, through replace. go mod tidy and
// go test in the nested module leave the SDK's go line alone, and the
// nested module's go line stays at authchaos's (the oldest release it
// needs), not the toolchain's.
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an outside module")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "sdk")
	if err := os.CopyFS(dir, os.DirFS("testdata/outside/sdk")); err != nil {
		t.Fatal(err)
	}
	nested := filepath.Join(dir, "authchaostest")
	tmpl, err := os.ReadFile(filepath.Join(nested, "go.mod.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nested, "go.mod"), []byte(strings.ReplaceAll(string(tmpl), "AUTHCHAOS_ROOT", root)), 0o644); err != nil {
		t.Fatal(err)
	}
	ourGo := goLine(t, filepath.Join(root, "go.mod"))

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, goTool, args...)
		cmd.Dir = nested
		// Offline: every module comes from the cache this repository's
		// own build filled; none is fetched.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOTOOLCHAIN=local", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goCmd("mod", "tidy")
	out := goCmd("test", "-count=1", "-v", ".")
	for _, want := range []string{"--- PASS: TestAuthchaos/wrong-url", "--- PASS: TestAuthchaos/firewall-block", "--- SKIP: TestAuthchaos/expired-session"} {
		if !strings.Contains(out, want) {
			t.Errorf("nested module's go test lacks %q:\n%s", want, out)
		}
	}
	if got := goLine(t, filepath.Join(dir, "go.mod")); got != "1.22" {
		t.Errorf("the SDK's go line became %q; the recipe must leave it at 1.22", got)
	}
	if got := goLine(t, filepath.Join(nested, "go.mod")); got != ourGo {
		t.Errorf("the nested module's go line became %q after tidy, want authchaos's %q", got, ourGo)
	}
}

func goLine(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("%s has no go line", path)
	return ""
}
