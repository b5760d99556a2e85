package driver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authchaos/authchaos/suites/adapter"
)

// lib is sourced by the inline fake drivers below; the testdata scripts
// source it themselves.
const lib = ". testdata/lib.sh; "

var target = adapter.Target{BaseURL: "http://127.0.0.1:1", Auth: adapter.AuthAPIKey, APIKey: "k-123"}

func get(path string) adapter.Call { return adapter.Call{Method: "GET", Path: path} }

func start(t *testing.T, opts Options) *Process {
	t.Helper()
	p, err := Start(context.Background(), opts, target)
	if err != nil {
		t.Fatalf("Start(%q): %v", opts.Command, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func wantSubstrings(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q\nwant it to contain %q", what, got, w)
		}
	}
}

// asError insists on the typed error callers are promised.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *driver.Error", err, err)
	}
	return e
}

func TestGoodDriver(t *testing.T) {
	p := start(t, Options{Command: "sh testdata/echo.sh", Timeout: 5 * time.Second})
	for _, path := range []string{"/api/items", "/api/items/7", "/"} {
		r := p.Do(context.Background(), get(path))
		if r != (adapter.Result{Status: 200, Body: path}) {
			t.Errorf("Do(GET %s) = %+v, want status 200 and body %q", path, r, path)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v, want the first result again", err)
	}
	r := p.Do(context.Background(), get("/after"))
	wantSubstrings(t, "Do after Close", r.Error, "driver: client is closed; cannot send call 6 (GET /after)")
}

func TestFactoryReturnsClient(t *testing.T) {
	c, err := Factory(Options{Command: "sh testdata/echo.sh"})(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.(*Process); !ok {
		t.Errorf("Factory returned %T, want *Process", c)
	}
	if r := c.Do(context.Background(), get("/x")); r.Status != 200 {
		t.Errorf("Do = %+v", r)
	}

	c, err = Factory(Options{Command: "exit 1"})(context.Background(), target)
	if err == nil || c != nil {
		t.Errorf("Factory for a failing driver = (%#v, %v), want (nil, error)", c, err)
	}
}

// The driver sees concurrent calls as they come and may answer in any
// order; each caller must still get its own answer.
func TestConcurrentCalls(t *testing.T) {
	for _, tc := range []struct {
		name, command string
		calls         int
	}{
		{"echo", "sh testdata/echo.sh", 20},
		{"answers last first", "sh testdata/reverse.sh", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, Options{Command: tc.command, Timeout: 10 * time.Second})
			var wg sync.WaitGroup
			results := make([]adapter.Result, tc.calls)
			for i := range tc.calls {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = p.Do(context.Background(), get(fmt.Sprintf("/api/items/%d", i)))
				}()
			}
			wg.Wait()
			for i, r := range results {
				if want := fmt.Sprintf("/api/items/%d", i); r.Status != 200 || r.Body != want || r.Error != "" {
					t.Errorf("call for %s got %+v", want, r)
				}
			}
			if err := p.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

// Drivers that never get past configure: Start must fail with a precise
// error and leave nothing running.
func TestStartFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		kind error
		want []string
	}{
		{
			name: "empty command",
			opts: Options{Command: "  "},
			kind: ErrStart,
			want: []string{"driver: no command to run"},
		},
		{
			name: "working dir missing",
			opts: Options{Command: "true", Dir: "/nonexistent/authchaos"},
			kind: ErrStart,
			want: []string{`driver: could not start "true"`, "/nonexistent/authchaos"},
		},
		{
			name: "command not found",
			opts: Options{Command: "authchaos-no-such-driver --flag"},
			kind: ErrExited,
			want: []string{"driver: driver exited with status 127 before answering configure", "could not find the command", "; stderr: ", "authchaos-no-such-driver"},
		},
		{
			name: "writes to stderr then exits 3",
			opts: Options{Command: `echo "loading SDK" >&2; echo "fatal: API_KEY not set" >&2; exit 3`},
			kind: ErrExited,
			want: []string{"driver exited with status 3 before answering configure; stderr: loading SDK\nfatal: API_KEY not set"},
		},
		{
			name: "exits 0 without answering",
			opts: Options{Command: "true"},
			kind: ErrExited,
			want: []string{"driver exited with status 0 before answering configure"},
		},
		{
			name: "configure rejected",
			opts: Options{Command: `read l; echo '{"id":1,"ok":false,"error":"auth api-key not supported"}'; cat >/dev/null`},
			kind: ErrRejected,
			want: []string{"driver: driver rejected configure: auth api-key not supported"},
		},
		{
			name: "configure ok false without error",
			opts: Options{Command: `read l; echo '{"id":1,"ok":false}'; cat >/dev/null`},
			kind: ErrRejected,
			want: []string{`driver answered configure with "ok": false and no "error"`},
		},
		{
			name: "configure answered like a call",
			opts: Options{Command: `read l; echo '{"id":1,"status":200}'; cat >/dev/null`},
			kind: ErrProtocol,
			want: []string{`driver answered configure without "ok": true`},
		},
		{
			name: "configure answered with wrong id",
			opts: Options{Command: `read l; echo '{"id":7,"ok":true}'; cat >/dev/null`},
			kind: ErrProtocol,
			want: []string{`driver answered id 7, which no request is waiting for, at stdout line 1: "{\"id\":7,\"ok\":true}" (waiting: configure (id 1))`},
		},
		{
			name: "configure answered without id",
			opts: Options{Command: `read l; echo '{"ok":true}'; cat >/dev/null`},
			kind: ErrProtocol,
			want: []string{`driver wrote an answer without "id" at stdout line 1`},
		},
		{
			name: "banner on stdout",
			opts: Options{Command: `echo "my-sdk driver v1.2 ready"; read l; echo '{"id":1,"ok":true}'`},
			kind: ErrProtocol,
			want: []string{`driver wrote a line that is not JSON at stdout line 1: "my-sdk driver v1.2 ready" (want one JSON object per line)`},
		},
		{
			name: "JSON but not an answer",
			opts: Options{Command: `read l; echo '[1,2]'; cat >/dev/null`},
			kind: ErrProtocol,
			want: []string{`driver wrote a line that is not a protocol answer at stdout line 1: "[1,2]": json: cannot unmarshal array`},
		},
		{
			name: "configure never answered",
			opts: Options{Command: `cat >/dev/null`, Timeout: 300 * time.Millisecond},
			kind: ErrTimeout,
			want: []string{"driver: driver did not answer configure within 300ms"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			began := time.Now()
			p, err := Start(context.Background(), tc.opts, target)
			if err == nil {
				p.Close()
				t.Fatal("Start succeeded, want an error")
			}
			if p != nil {
				t.Errorf("Start returned a process along with its error")
			}
			if took := time.Since(began); took > 3*time.Second {
				t.Errorf("Start took %v to fail", took)
			}
			e := asError(t, err)
			if !errors.Is(err, tc.kind) {
				t.Errorf("error kind = %v, want %v", e.Kind, tc.kind)
			}
			if e.Op != "start" && e.Op != "configure" {
				t.Errorf("Op = %q", e.Op)
			}
			wantSubstrings(t, "error", err.Error(), tc.want...)
		})
	}
}

// Drivers that break on the first call. Each case checks the message the
// call gets, what a later call gets, and that Close stays bounded.
func TestCallFailures(t *testing.T) {
	bigBody := strings.Repeat("b", 1<<20) // far more than a pipe holds
	for _, tc := range []struct {
		name     string
		command  string
		timeout  time.Duration // 5s unless the case needs one to fire
		call     adapter.Call
		kind     error
		want     []string
		fatal    bool // later calls fail too
		closeErr string
	}{
		{
			name:     "crashes mid-run",
			command:  "sh testdata/crash.sh",
			call:     get("/api/items"),
			kind:     ErrExited,
			want:     []string{"driver: driver exited with status 2 before answering call 2 (GET /api/items); stderr: panic: nil token in refresh"},
			fatal:    true,
			closeErr: "driver exited with status 2 before answering close",
		},
		{
			name:     "hangs",
			command:  "sh testdata/hang.sh",
			timeout:  300 * time.Millisecond,
			call:     get("/api/items"),
			kind:     ErrTimeout,
			want:     []string{"driver: driver did not answer call 2 (GET /api/items) within 300ms"},
			closeErr: "driver did not answer close within 300ms",
		},
		{
			name:     "prints garbage",
			command:  "sh testdata/garbage.sh",
			call:     get("/api/items"),
			kind:     ErrProtocol,
			want:     []string{`driver: driver wrote a line that is not JSON at stdout line 2: "hello" (want one JSON object per line)`},
			fatal:    true,
			closeErr: "not JSON at stdout line 2",
		},
		{
			name:     "answers with a wrong id",
			command:  "sh testdata/wrongid.sh",
			call:     get("/api/items"),
			kind:     ErrProtocol,
			want:     []string{"driver answered id 99, which no request is waiting for, at stdout line 2", "(waiting: call 2 (GET /api/items))"},
			fatal:    true,
			closeErr: "driver answered id 99",
		},
		{
			name:     "line over the cap",
			command:  "sh testdata/longline.sh",
			call:     get("/api/items"),
			kind:     ErrProtocol,
			want:     []string{"driver wrote a line longer than 4 MiB at stdout line 2"},
			fatal:    true,
			closeErr: "longer than 4 MiB",
		},
		{
			name:     "stops reading stdin",
			command:  "sh testdata/deaf.sh",
			timeout:  300 * time.Millisecond,
			call:     adapter.Call{Method: "POST", Path: "/upload", Body: &bigBody},
			kind:     ErrTimeout,
			want:     []string{"driver: driver did not read call 2 (POST /upload) from its stdin within 300ms"},
			fatal:    true,
			closeErr: "did not read call 2",
		},
		{
			name:    "status 0 without error",
			command: lib + `configure; IFS= read -r l; echo '{"id":2,"status":0,"body":"","error":""}'; exec sh testdata/echo.sh`,
			call:    get("/api/items"),
			kind:    ErrProtocol,
			want:    []string{`driver answered call 2 (GET /api/items) with status 0 and an empty error`},
		},
		{
			name:    "status out of range",
			command: lib + `configure; IFS= read -r l; echo '{"id":2,"status":20000}'; exec sh testdata/echo.sh`,
			call:    get("/api/items"),
			kind:    ErrProtocol,
			want:    []string{`driver answered call 2 (GET /api/items) with status 20000, which is not an HTTP status`},
		},
		{
			name:    "repeats a key",
			command: lib + `configure; IFS= read -r l; echo '{"id":2,"status":200,"body":"a","STATUS":401}'; exec sh testdata/echo.sh`,
			call:    get("/api/items"),
			kind:    ErrProtocol,
			want:    []string{`driver answered call 2 (GET /api/items) with "status" twice at stdout line 2: `, `(a repeated key is ambiguous)`},
		},
		{
			name:     "repeats the id",
			command:  lib + `configure; IFS= read -r l; echo '{"id":2,"status":200,"id":3}'; cat >/dev/null`,
			call:     get("/api/items"),
			kind:     ErrProtocol,
			want:     []string{`driver wrote an answer with "id" twice at stdout line 2`, `(which request it answers is ambiguous)`},
			fatal:    true,
			closeErr: `"id" twice`,
		},
		{
			name:     "exits nonzero after close",
			command:  lib + `configure; IFS= read -r l; answer 2 200 fine; IFS= read -r l; ok 3; exit 4`,
			call:     get("/api/items"),
			closeErr: "driver: driver exited with status 4 after answering close",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			p := start(t, Options{Command: tc.command, Timeout: timeout})
			began := time.Now()
			res, err := p.Request(context.Background(), tc.call)
			if took := time.Since(began); took > 3*time.Second {
				t.Errorf("Request took %v", took)
			}
			if tc.kind == nil {
				if err != nil || res.Status != 200 {
					t.Fatalf("Request = %+v, %v; want status 200", res, err)
				}
			} else {
				if err == nil {
					t.Fatalf("Request = %+v, want an error", res)
				}
				e := asError(t, err)
				if !errors.Is(err, tc.kind) {
					t.Errorf("kind = %v, want %v (%v)", e.Kind, tc.kind, err)
				}
				if e.Op != "call" || !strings.HasPrefix(e.Call, "call 2 (") {
					t.Errorf("Op, Call = %q, %q", e.Op, e.Call)
				}
				wantSubstrings(t, "error", err.Error(), tc.want...)
				if tc.fatal {
					// A dead driver fails later calls at once, through Do's Result.
					r := p.Do(context.Background(), get("/again"))
					if r.Status != 0 || !strings.HasPrefix(r.Error, "driver: ") {
						t.Errorf("Do after a fatal error = %+v", r)
					}
				}
			}
			began = time.Now()
			cerr := p.Close()
			if took := time.Since(began); took > 3*time.Second {
				t.Errorf("Close took %v", took)
			}
			if tc.closeErr == "" {
				if cerr != nil {
					t.Errorf("Close: %v", cerr)
				}
			} else {
				if cerr == nil {
					t.Fatalf("Close succeeded, want %q", tc.closeErr)
				}
				wantSubstrings(t, "Close error", cerr.Error(), tc.closeErr)
			}
		})
	}
}

// A crash fails every pending call at once, each naming itself, rather than
// leaving them to time out.
func TestCrashFailsAllPending(t *testing.T) {
	p := start(t, Options{Command: lib + `configure; IFS= read -r a; IFS= read -r b; IFS= read -r c; echo "out of memory" >&2; exit 9`, Timeout: 5 * time.Second})
	var wg sync.WaitGroup
	errs := make([]string, 3)
	began := time.Now()
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Do(context.Background(), get(fmt.Sprintf("/p%d", i))).Error
		}()
	}
	wg.Wait()
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("pending calls failed after %v, want at once", took)
	}
	for i, e := range errs {
		wantSubstrings(t, "error", e, "driver exited with status 9 before answering call ", fmt.Sprintf("(GET /p%d); stderr: out of memory", i))
	}
	if got := p.Stderr(); got != "out of memory" {
		t.Errorf("Stderr() = %q", got)
	}
}

// A caller that gave up (timeout) must not turn the driver's late answer
// into a protocol error for everyone else.
func TestLateAnswerIsDropped(t *testing.T) {
	p := start(t, Options{Command: "sh testdata/slow.sh", Timeout: 800 * time.Millisecond, Env: []string{"SLOW=1"}})
	r := p.Do(context.Background(), get("/slow"))
	wantSubstrings(t, "slow call", r.Error, "driver did not answer call 2 (GET /slow) within 800ms")
	r = p.Do(context.Background(), get("/fast"))
	if r != (adapter.Result{Status: 200, Body: "/fast"}) {
		t.Errorf("call after a late answer = %+v", r)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestContextCancel(t *testing.T) {
	// The driver never answers calls, and Timeout is far away: only the
	// context can end the wait.
	p := start(t, Options{Command: "sh testdata/mute.sh", Timeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	began := time.Now()
	_, err := p.Request(ctx, get("/api/items"))
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("canceled Request returned after %v", took)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCanceled) {
		t.Fatalf("err = %v, want ErrCanceled wrapping context.Canceled", err)
	}
	wantSubstrings(t, "error", err.Error(), "driver: call 2 (GET /api/items) canceled while waiting for the driver: context canceled")

	// An already-dead context never reaches the driver at all.
	_, err = p.Request(ctx, get("/api/other"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Request with a done context = %v", err)
	}
}

// A caller's deadline that passes while the driver is silent is a timeout,
// reported as one: the suites give the call's context and the driver the
// same timeout, and the message must not depend on which fires first.
func TestContextDeadlineIsATimeout(t *testing.T) {
	p := start(t, Options{Command: "sh testdata/mute.sh", Timeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.Request(ctx, get("/api/items"))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTimeout wrapping context.DeadlineExceeded", err)
	}
	wantSubstrings(t, "error", err.Error(), "driver: driver did not answer call 2 (GET /api/items) within ")
}

// Close must kill whatever the driver left running: sh -c children and
// their background jobs alike.
func TestCloseKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	p := start(t, Options{Command: "sh testdata/leaky.sh", Timeout: 2 * time.Second, Env: []string{"PIDFILE=" + pidFile}})
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if !alive(pid) {
		t.Fatalf("background child %d not running before Close; the test proves nothing", pid)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for deadline := time.Now().Add(2 * time.Second); alive(pid); {
		if time.Now().After(deadline) {
			t.Fatalf("background child %d still alive after Close", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive treats a zombie as dead: in a container nobody may reap it.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: trust kill
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) == 0 || fields[0] != "Z"
}

func TestStderrIsBounded(t *testing.T) {
	// 200 KB of log, then a marker: Stderr keeps the end, not the start.
	p := start(t, Options{Command: `head -c 200000 /dev/zero | tr '\0' a >&2; echo THE-END >&2; exec sh testdata/echo.sh`, Timeout: 5 * time.Second})
	if r := p.Do(context.Background(), get("/x")); r.Status != 200 {
		t.Fatalf("Do = %+v", r)
	}
	p.Close()
	got := p.Stderr()
	if len(got) > stderrKept+3 {
		t.Errorf("Stderr() is %d bytes, want at most %d", len(got), stderrKept+3)
	}
	if !strings.HasPrefix(got, "...") || !strings.HasSuffix(got, "THE-END") {
		t.Errorf("Stderr() = %q...%q, want the marked tail", got[:10], got[len(got)-10:])
	}
}

func TestTailBuffer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		max    int
		writes []string
		n      int
		want   string
	}{
		{"empty", 8, nil, 8, ""},
		{"fits", 8, []string{"ab", "cd"}, 8, "abcd"},
		{"drops the front", 4, []string{"abc", "def", "ghi"}, 4, "...fghi"},
		{"one write over max", 4, []string{"abcdefgh"}, 4, "...efgh"},
		{"tail shorter than kept", 8, []string{"abcdef"}, 3, "...def"},
		{"cut inside a rune", 8, []string{"xé"}, 1, ""},
		{"cut inside a rune keeps the rest", 8, []string{"aéz"}, 2, "...z"},
		{"trims blank space", 16, []string{"  log line\n\n"}, 16, "log line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTailBuffer(tc.max)
			for _, w := range tc.writes {
				_, _ = b.Write([]byte(w))
			}
			if got := b.tail(tc.n); got != tc.want {
				t.Errorf("tail(%d) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

// A driver may decline a target it cannot serve; the suites then skip
// the scenario instead of failing it.
func TestConfigureUnsupported(t *testing.T) {
	cmd := `read line; echo '{"id": 1, "ok": false, "unsupported": true, "error": "this SDK has no sessions"}'; read line`
	_, err := Factory(Options{Command: cmd, Timeout: 2 * time.Second})(t.Context(), adapter.Target{Auth: adapter.AuthSession})
	if !errors.Is(err, adapter.ErrUnsupported) || !strings.Contains(err.Error(), "this SDK has no sessions") {
		t.Fatalf("err = %v, want one wrapping adapter.ErrUnsupported with the driver's reason", err)
	}
}

// A helper that leaves the driver's process group and session (setsid)
// and holds its stdout used to keep each call waiting for the full timeout
// after the driver crashed, and outlived the run (issue 13, defect 6).
func TestSetsidHelperIsKilled(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no /proc: only the process group is reached")
	}
	for _, tc := range []struct {
		name, crash string
		wantCall    adapter.Result
		wantClose   string
	}{
		{"driver answers and closes", "", adapter.Result{Status: 200, Body: "/x"}, ""},
		{"driver crashes mid-call", "1", adapter.Result{Error: "driver: driver exited with status 3 before answering call 2 (GET /x)"}, "exited with status 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			began := time.Now()
			p := start(t, Options{Command: "sh testdata/escape.sh", Timeout: 10 * time.Second, Env: []string{"PIDFILE=" + pidFile, "CRASH=" + tc.crash}})
			pid := readPid(t, pidFile)
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
			if r := p.Do(context.Background(), get("/x")); r != tc.wantCall {
				t.Errorf("Do = %+v, want %+v", r, tc.wantCall)
			}
			err := p.Close()
			switch {
			case tc.wantClose == "" && err != nil:
				t.Errorf("Close: %v", err)
			case tc.wantClose != "":
				wantSubstrings(t, "Close error", fmt.Sprint(err), tc.wantClose)
			}
			// Well under the 10s timeout: nobody waited for it.
			if took := time.Since(began); took > 3*time.Second {
				t.Errorf("start, call and close took %v, want well under the 10s timeout", took)
			}
			waitDead(t, pid, "setsid helper")
		})
	}
}

// A helper that escapes the sweep too (it drops the environment) still
// must not keep the harness waiting on the pipe it holds once the driver
// itself has exited.
func TestPipeHolderDoesNotHoldTheRun(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	began := time.Now()
	p := start(t, Options{Command: "sh testdata/escape.sh", Timeout: 10 * time.Second, Env: []string{"PIDFILE=" + pidFile, "CRASH=1", "HELPER=env -i setsid"}})
	pid := readPid(t, pidFile)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	_, err := p.Request(context.Background(), get("/x"))
	if e := asError(t, err); !errors.Is(e, ErrExited) {
		t.Errorf("Request error %v, want ErrExited", err)
	}
	wantSubstrings(t, "Request error", fmt.Sprint(err), "exited with status 3 before answering call 2 (GET /x)")
	_ = p.Close()
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("start, call and close took %v, want well under the 10s timeout", took)
	}
}

func readPid(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func waitDead(t *testing.T, pid int, what string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); alive(pid); {
		if time.Now().After(deadline) {
			t.Fatalf("%s %d still alive after Close", what, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
