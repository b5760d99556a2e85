package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The built binary, shared by every test of the package that runs the
// command as a user does: built once, removed by TestMain.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// authchaosBinary builds cmd/authchaos once per test binary and returns
// its path; it skips under -short or without a go tool.
func authchaosBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "authchaos-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "authchaos")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// runBinary runs the binary with args in dir (the package directory when
// empty) and waits, at most a minute, for it to exit.
func runBinary(t *testing.T, dir string, args ...string) result {
	t.Helper()
	bin := authchaosBinary(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("authchaos %q: %v\nstderr:\n%s", args, err, r.stderr)
	}
	return r
}

// startBinary starts the binary and returns it with a channel of its
// stderr lines, for tests that act on what it prints (send a signal once
// a heartbeat shows, say). The lines channel closes when stderr does.
func startBinary(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer, <-chan string) {
	t.Helper()
	bin := authchaosBinary(t)
	cmd := exec.Command(bin, args...)
	var out syncBuffer
	cmd.Stdout = &out
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, pipe)
	}()
	return cmd, &out, lines
}

// waitLine returns the lines read until one contains want, failing the
// test after d.
func waitLine(t *testing.T, lines <-chan string, want string, d time.Duration) []string {
	t.Helper()
	var seen []string
	deadline := time.After(d)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stderr closed before a line containing %q:\n%s", want, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if strings.Contains(l, want) {
				return seen
			}
		case <-deadline:
			t.Fatalf("no line containing %q within %s:\n%s", want, d, strings.Join(seen, "\n"))
		}
	}
}

// TestBinaryLinksNoGinkgo: the binary a CI job downloads carries no test
// framework; SDK suites import ginkgo through suites/ginkgosuite only.
func TestBinaryLinksNoGinkgo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "onsi/ginkgo") || strings.Contains(pkg, "onsi/gomega") {
			t.Errorf("cmd/authchaos links %s", pkg)
		}
	}
}

// interruptSignal is what Ctrl-C sends.
var interruptSignal = os.Interrupt
