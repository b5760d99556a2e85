package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/scenarios"
)

// runCLI runs the command line in-process. The deadline is a backstop: a
// case that unexpectedly starts a server still ends instead of hanging.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// wantOutput checks that stdout and stderr contain every wanted string.
func wantOutput(t *testing.T, stdout, stderr string, wantOut, wantErr []string) {
	t.Helper()
	for _, want := range wantOut {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, want := range wantErr {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

var sectionHeadings = []string{"What you see", "Why it happens", "Fix it in the client", "Fix it on the server", "Tell it apart"}

func TestRun(t *testing.T) {
	// Expectations come from the registry, so editing a scenario's
	// wording does not break the command line's tests.
	known, ok := scenarios.Lookup("expired-token")
	if !ok || len(known.Params) == 0 {
		t.Fatal("these cases need expired-token, with a parameter")
	}
	knownParam := known.Params[0].Name + " (default " + known.Params[0].Default + ")"
	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    []string
		stderr    []string
		notStdout []string
	}{
		{name: "scenarios table", args: []string{"scenarios"}, code: 0,
			stdout: []string{"ID", "RECOVERY", "CATEGORY", "TITLE", "expired-token", "refresh", "Access token expired", "waf-block", "backoff"}},
		{name: "scenarios takes no args", args: []string{"scenarios", "extra"}, code: 2,
			stderr: []string{"extra"}},
		{name: "explain known id", args: []string{"explain", known.ID}, code: 0,
			stdout: append([]string{known.Title, known.ID, known.Category, string(known.Recovery),
				"A correct client", knownParam, "--scenario " + known.ID + ":", "Sources", known.Sources[0]}, sectionHeadings...)},
		{name: "explain unknown id lists valid ids", args: []string{"explain", "no-such-thing"}, code: 2,
			stderr: []string{`unknown scenario "no-such-thing"`, "expired-token", "waf-block", "authchaos help explain"}},
		{name: "explain without id", args: []string{"explain"}, code: 2,
			stderr: []string{"needs a scenario id", "expired-token"}},
		{name: "explain with two ids", args: []string{"explain", "expired-token", "waf-block"}, code: 2,
			stderr: []string{"one scenario id, got 2"}},
		{name: "unknown root flag", args: []string{"--bogus"}, code: 2,
			stderr: []string{"unknown flag: --bogus", "run 'authchaos help'"}},
		{name: "unknown subcommand flag", args: []string{"scenarios", "--bogus"}, code: 2,
			stderr: []string{"unknown flag: --bogus", "run 'authchaos help scenarios'"}},
		{name: "flag without value", args: []string{"serve", "--addr"}, code: 2,
			stderr: []string{"--addr", "authchaos help serve"}},
		{name: "unknown command lists commands", args: []string{"serv"}, code: 2,
			stderr: []string{`unknown command "serv"`, "explain", "scenarios", "did you mean serve"}},
		{name: "subcommand typo beyond a prefix", args: []string{"explian", "expired-token"}, code: 2,
			stderr: []string{`unknown command "explian"`, "did you mean explain?"}},
		{name: "explain typo suggests the id", args: []string{"explain", "waf-blok"}, code: 2,
			stderr: []string{`unknown scenario "waf-blok"`, "did you mean waf-block?"}},
		{name: "no command", args: nil, code: 2,
			stderr: []string{"missing command", "serve"}},
		{name: "version", args: []string{"--version"}, code: 0,
			stdout: []string{"authchaos "}},
		{name: "help", args: []string{"help"}, code: 0,
			stdout: []string{"serve", "scenarios", "explain"}},
		{name: "serve help documents scenario params", args: []string{"serve", "--help"}, code: 0,
			stdout: []string{"--scenario ID[:key=value,...]", "expired-token:lifetime=30s", "--print-config", "--addr HOST:PORT", "127.0.0.1:8401"}},
		{name: "print-config merges flags", args: []string{"serve", "--print-config", "--addr", "127.0.0.1:9999", "--scenario", "expired-token:lifetime=30s"}, code: 0,
			stdout: []string{"addr: 127.0.0.1:9999", "id: expired-token", "lifetime: 30s", "username: alice"}},
		{name: "print-config fills scenario defaults", args: []string{"serve", "--print-config", "--scenario", "waf-block"}, code: 0,
			stdout: []string{"id: waf-block", "duration: 1s"}},
		{name: "serve unknown scenario", args: []string{"serve", "--scenario", "nope"}, code: 2,
			stderr: []string{`--scenario "nope"`, `unknown scenario "nope"`, "expired-token"}},
		{name: "serve unknown param", args: []string{"serve", "--scenario", "expired-token:ttl=1m"}, code: 2,
			stderr: []string{`unknown parameter "ttl"`, "valid: lifetime"}},
		{name: "serve bad param value", args: []string{"serve", "--scenario", "expired-token:lifetime=forever"}, code: 2,
			stderr: []string{`"forever" is not a duration`}},
		{name: "serve param without value", args: []string{"serve", "--scenario", "expired-token:lifetime"}, code: 2,
			stderr: []string{`"lifetime" is not key=value`}},
		{name: "serve nothing after colon", args: []string{"serve", "--scenario", "expired-token:"}, code: 2,
			stderr: []string{`nothing after ":"`}},
		{name: "serve scenario twice", args: []string{"serve", "--scenario", "waf-block", "--scenario", "waf-block:duration=2s"}, code: 2,
			stderr: []string{"listed twice"}},
		{name: "serve bad addr", args: []string{"serve", "--addr", "8401"}, code: 2,
			stderr: []string{`--addr "8401" is not HOST:PORT`}},
		{name: "serve missing config file", args: []string{"serve", "--config", filepath.Join(t.TempDir(), "absent.yaml")}, code: 2,
			stderr: []string{"absent.yaml", "no such file"}},
		{name: "serve takes no args", args: []string{"serve", "now"}, code: 2,
			stderr: []string{"now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("run(%q) = %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.args, code, tt.code, stdout, stderr)
			}
			wantOutput(t, stdout, stderr, tt.stdout, tt.stderr)
			if code == exitUsage {
				if !strings.HasPrefix(stderr, "authchaos: ") || !strings.Contains(stderr, "run 'authchaos help") {
					t.Errorf("a usage error should read \"authchaos: MESSAGE\" plus a help hint, got:\n%s", stderr)
				}
				if stdout != "" {
					t.Errorf("a usage error printed to stdout:\n%s", stdout)
				}
			}
		})
	}
}

func TestScenariosJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "scenarios", "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	got := checkScenariosJSON(t, []byte(stdout))
	all := scenarios.All()
	if len(got) != len(all) {
		t.Fatalf("%d scenarios in JSON, %d in the catalog", len(got), len(all))
	}
	for i, id := range got {
		if id != all[i].ID {
			t.Errorf("element %d is %q, want %q: the order should be scenarios.All's", i, id, all[i].ID)
		}
	}
}

// checkScenariosJSON checks the contract of `scenarios --json` and returns
// the ids in order. It does not compare with this test binary's catalog,
// because a binary built from the tree may hold scenarios added since.
func checkScenariosJSON(t *testing.T, data []byte) []string {
	t.Helper()
	var got []struct {
		ID           string             `json:"id"`
		Title        string             `json:"title"`
		Category     string             `json:"category"`
		Recovery     string             `json:"recovery"`
		Summary      string             `json:"summary"`
		Explain      string             `json:"explain"`
		ExplainParts map[string]string  `json:"explain_parts"`
		Sources      []string           `json:"sources"`
		Params       *[]scenarios.Param `json:"params"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("not a JSON array of scenarios: %v\n%s", err, data)
	}
	if len(got) == 0 {
		t.Fatal("scenarios --json printed an empty array")
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
		for field, v := range map[string]string{"id": s.ID, "title": s.Title, "category": s.Category, "recovery": s.Recovery, "summary": s.Summary, "explain": s.Explain} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", s.ID, field)
			}
		}
		if _, ok := scenarios.Recoveries[scenarios.Recovery(s.Recovery)]; !ok {
			t.Errorf("%s: recovery %q is not a contract kind", s.ID, s.Recovery)
		}
		for _, h := range sectionHeadings {
			if !strings.Contains(s.Explain, h) {
				t.Errorf("%s: explain lacks %q", s.ID, h)
			}
		}
		for _, part := range []string{"symptom", "cause", "user_fix", "owner_fix", "tell_apart"} {
			if s.ExplainParts[part] == "" {
				t.Errorf("%s: explain_parts.%s is empty", s.ID, part)
			}
		}
		if len(s.Sources) == 0 || s.Sources[0] == "" {
			t.Errorf("%s: sources is empty", s.ID)
		}
		if s.Params == nil {
			t.Errorf("%s: params is missing or null, want an array", s.ID)
		}
	}
	return ids
}

func TestServeBadConfig(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		stderr []string
	}{
		{name: "unknown field names the line",
			yaml:   "addr: 127.0.0.1:0\nrealm: lab\nrelam: typo\n",
			stderr: []string{"line 3", `unknown field "relam"`, "realm"}},
		{name: "bad value names line and field",
			yaml:   "lifetimes:\n  access_token: five minutes\n",
			stderr: []string{"line 2", "lifetimes.access_token"}},
		{name: "unknown scenario names the entry",
			yaml:   "scenarios:\n  - id: expired-tokn\n",
			stderr: []string{"scenarios[0]", `unknown scenario "expired-tokn"`, "expired-token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lab.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "serve", "--config", path)
			if code != 2 {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, want := range append([]string{path}, tt.stderr...) {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestServePrintConfigRoundTrips(t *testing.T) {
	code, stdout, stderr := runCLI(t, "serve", "--print-config", "--addr", "127.0.0.1:0", "--scenario", "waf-block:duration=3s")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	cfg, err := config.Parse("printed", []byte(stdout))
	if err != nil {
		t.Fatalf("--print-config output does not parse back: %v\n%s", err, stdout)
	}
	if cfg.Addr != "127.0.0.1:0" || len(cfg.Scenarios) != 1 || cfg.Scenarios[0].Params["duration"] != "3s" {
		t.Errorf("round trip lost the flags: addr %q, scenarios %+v", cfg.Addr, cfg.Scenarios)
	}
}

var listeningRE = regexp.MustCompile(`listening on (http://127\.0\.0\.1:(\d+))`)

// startServe runs `serve` in-process and returns its base URL once the
// listening line appears, and a stop function that cancels it and returns
// its exit code and everything it printed. Every wait is bounded.
func startServe(t *testing.T, args ...string) (base string, stop func() (int, string)) {
	t.Helper()
	return startCommand(t, "serve", args...)
}

// startCommand is startServe for any command that prints the listening
// line (serve, proxy).
func startCommand(t *testing.T, command string, args ...string) (base string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{command}, args...), pw, &errOut)
		pw.Close()
	}()
	found := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		// Drain to the end whatever happens, so serve never blocks on a
		// full pipe and always gets to see the cancellation.
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	var once sync.Once
	code := -1
	stop = func() (int, string) {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Errorf("serve did not return within 15s of cancellation; stderr:\n%s", errOut.String())
				return
			}
			// run has returned and closed the pipe; wait for the reader
			// to take the rest of the banner.
			select {
			case <-drained:
			case <-time.After(5 * time.Second):
				t.Errorf("stdout reader did not finish within 5s")
			}
		})
		return code, out.String()
	}
	t.Cleanup(func() { stop() })

	select {
	case base = <-found:
	case c := <-done:
		t.Fatalf("serve exited with %d before listening; stderr:\n%s", c, errOut.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("no %q line within 15s; stdout:\n%s\nstderr:\n%s", "listening on", out.String(), errOut.String())
	}
	return base, stop
}

func TestServe(t *testing.T) {
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(t *testing.T, url string) (int, string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	t.Run("healthy", func(t *testing.T) {
		base, stop := startServe(t, "--addr", "127.0.0.1:0")
		if strings.HasSuffix(base, ":0") {
			t.Fatalf("listening line shows port 0, want the real port: %s", base)
		}
		if code, body := get(t, base+"/api/public/status"); code != http.StatusOK {
			t.Errorf("GET /api/public/status = %d, want 200: %s", code, body)
		}
		code, body := get(t, base+"/__admin/scenarios")
		if code != http.StatusOK {
			t.Errorf("GET /__admin/scenarios = %d, want 200: %s", code, body)
		}
		var list []map[string]any
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list) == 0 {
			t.Errorf("GET /__admin/scenarios is not a non-empty array (%v): %s", err, body)
		}
		code, banner := stop()
		if code != 0 {
			t.Errorf("serve exited %d after cancellation, want 0", code)
		}
		for _, want := range []string{"authchaos-client", "authchaos-secret", "alice", "wonderland", "ak_live_authchaos_demo_key",
			"other origins", "http://localhost:", base + "/__admin/", "Active scenarios: none"} {
			if !strings.Contains(banner, want) {
				t.Errorf("banner lacks %q:\n%s", want, banner)
			}
		}
	})

	t.Run("scenario from the flag is active", func(t *testing.T) {
		base, stop := startServe(t, "--addr", "127.0.0.1:0", "--scenario", "waf-block:duration=1h")
		code, body := get(t, base+"/api/items")
		if code != http.StatusUnauthorized || !strings.Contains(body, "Request blocked") {
			t.Errorf("GET /api/items under waf-block = %d %q, want 401 with the block page", code, body)
		}
		code, banner := stop()
		if code != 0 {
			t.Errorf("serve exited %d after cancellation, want 0", code)
		}
		if !strings.Contains(banner, "waf-block:duration=1h") {
			t.Errorf("banner does not show the active scenario:\n%s", banner)
		}
	})

	t.Run("address in use", func(t *testing.T) {
		base, _ := startServe(t, "--addr", "127.0.0.1:0")
		code, _, stderr := runCLI(t, "serve", "--addr", strings.TrimPrefix(base, "http://"))
		if code != 2 || !strings.Contains(stderr, "choose another --addr") {
			t.Errorf("second serve on the same port: exit %d, stderr:\n%s", code, stderr)
		}
	})
}

// TestBinary runs the built command as a user does, which is the only way
// to cover main: os.Exit codes and signal handling.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := authchaosBinary(t)

	t.Run("scenarios --json", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, "scenarios", "--json").Output()
		if err != nil {
			t.Fatalf("authchaos scenarios --json: %v", err)
		}
		checkScenariosJSON(t, out)
	})

	t.Run("unknown id exits 2", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		err := exec.CommandContext(ctx, bin, "explain", "nope").Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("authchaos explain nope: %v, want exit status 2", err)
		}
	})

	t.Run("run needs no Go toolchain", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "run", "--client", "resilient", "--scenario", "expired-token", "--scenario", "concurrent-expiry")
		cmd.Env = []string{"PATH=" + t.TempDir(), "HOME=" + t.TempDir()} // no go, no GOROOT
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "resilient: 2 passed, 0 failed") {
			t.Fatalf("authchaos run without a toolchain: %v\n%s", err, out)
		}
	})

	t.Run("serve stops on SIGTERM", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no SIGTERM on windows")
		}
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr syncBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		listening := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if listeningRE.MatchString(sc.Text()) {
					select {
					case listening <- true:
					default:
					}
				}
			}
			exited <- cmd.Wait()
		}()
		select {
		case <-listening:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("no listening line within 15s; stderr:\n%s", stderr.String())
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve after SIGTERM: %v, want exit 0; stderr:\n%s", err, stderr.String())
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("serve still running 15s after SIGTERM; stderr:\n%s", stderr.String())
		}
	})
}

// syncBuffer is a bytes.Buffer that a server goroutine writes while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serve --admin-host adds a name the admin API answers at; any other Host
// is refused, against DNS rebinding.
func TestServeAdminHost(t *testing.T) {
	base, stop := startServe(t, "--addr", "127.0.0.1:0", "--admin-host", "lab.internal")
	defer stop()
	get := func(host string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/__admin/scenario", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("lab.internal:8401"); code != http.StatusOK {
		t.Errorf("admin call to the named host: %d, want 200", code)
	}
	if code := get("evil.example:8401"); code != http.StatusForbidden {
		t.Errorf("admin call to another host: %d, want 403", code)
	}
}
