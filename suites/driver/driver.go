// Package driver runs a client SDK written in any language as a child
// process and presents it to the recovery suites as an adapter.Client.
//
// The SDK team writes a small program, the driver, that wraps their SDK and
// speaks the driver protocol: JSON lines on stdin and stdout, one object a
// line. `authchaos run --driver CMD` runs CMD through `sh -c` once per
// scenario, so no state leaks between scenarios. The harness sends
//
//	{"id": 1, "op": "configure", "target": {...adapter.Target...}}
//	{"id": 2, "op": "call", "method": "GET", "path": "/api/items", "body": null}
//	{"id": 9, "op": "close"}
//
// and the driver answers every line with one line carrying the same id:
// {"id": N, "ok": true} for configure and close, and
// {"id": N, "status": 200, "body": "...", "error": ""} for calls, where
// status is 0 when no HTTP answer came and error is non-empty when the SDK
// gave up. Several calls may be in flight at once (concurrency scenarios), and
// their answers may come in any order. Anything the driver writes to stderr
// is its log: the harness keeps the tail and shows it when a scenario fails.
// examples/drivers/node is a complete reference driver.
//
// The harness never trusts the driver: a driver that cannot start, crashes,
// hangs, stops reading, writes something that is not an answer, repeats a
// key in an answer, or answers an id nobody asked for, fails the request with an *Error that says exactly
// which of these happened, within Options.Timeout, and never hangs the run.
//
// Nothing a driver starts outlives it. The driver runs in a process group of
// its own and with AUTHCHAOS_DRIVER_ID in its environment; when it exits, or
// is closed or killed, the harness kills the group and, on Linux, every
// process that carries its AUTHCHAOS_DRIVER_ID, which reaches helpers that
// left the group with setsid. Once the driver itself has exited, the harness
// reads what it left in its pipes and stops waiting for more, even if such a
// helper still holds them open.
package driver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authchaos/authchaos/suites/adapter"
)

const (
	// DefaultTimeout bounds each answer when Options.Timeout is zero.
	DefaultTimeout = 10 * time.Second
	// MaxLine is the longest stdout line accepted. Bodies travel inside
	// lines, so it is generous; past it the driver is surely printing
	// something other than answers.
	MaxLine = 4 << 20

	stderrKept    = 64 << 10 // what Stderr returns at most
	stderrInError = 2 << 10  // what an error message quotes
	lineInError   = 200      // how much of a bad stdout line an error quotes

	// exitGrace is how long a process that closed its stdout gets to exit
	// before we call it "closed its stdout" rather than report its status.
	exitGrace = 2 * time.Second
	// drainGrace bounds the wait for the last stdout and stderr bytes once
	// the driver has exited and its descendants are killed; only one that
	// escaped both the group and the sweep can hold the pipes longer.
	drainGrace = 500 * time.Millisecond

	// tagVar names the environment variable that marks a driver's
	// descendants, so they can be found after they leave its process group.
	tagVar = "AUTHCHAOS_DRIVER_ID"
)

// tags numbers the drivers this process starts, for their tagVar values.
var tags atomic.Int64

// Options say how to run a driver.
type Options struct {
	Command string        // run via sh -c
	Timeout time.Duration // per answer; default 10s
	Dir     string        // working dir, optional
	Env     []string      // extra env ("K=V"), optional, added to the harness's
}

// Factory returns an adapter.Factory that starts one driver process per
// scenario. See Start.
func Factory(opts Options) adapter.Factory {
	return func(ctx context.Context, t adapter.Target) (adapter.Client, error) {
		p, err := Start(ctx, opts, t)
		if err != nil {
			return nil, err // not p: a typed nil would look like a client
		}
		return p, nil
	}
}

// Process is a running driver. It implements adapter.Client; Do and
// Request may be called concurrently.
type Process struct {
	cmd     *exec.Cmd
	tag     string // the driver's tagVar value
	timeout time.Duration

	stdin  *os.File
	stdout *os.File
	errOut *os.File
	stderr *tailBuffer

	// sendSem serialises writes to stdin. A channel rather than a mutex so a
	// caller waiting behind a stuck write can still give up on its context
	// or its deadline.
	sendSem chan struct{}

	mu        sync.Mutex
	nextID    int64
	pending   map[int64]*pendingReq
	abandoned map[int64]bool // gave up waiting: a late answer is not an error
	fatal     *death         // set once: the driver can answer nothing more
	closed    bool

	exited     chan struct{} // closed when the process has been reaped
	readDone   chan struct{}
	stderrDone chan struct{}

	closeOnce sync.Once
	closeErr  error
}

var _ adapter.Client = (*Process)(nil)

// Start runs the driver, sends configure and waits for {"id":1,"ok":true}.
// ctx bounds only this start-up; the process lives until Close.
func Start(ctx context.Context, opts Options, target adapter.Target) (*Process, error) {
	if strings.TrimSpace(opts.Command) == "" {
		return nil, &Error{Op: "start", Kind: ErrStart, Msg: "no command to run (Options.Command is empty)"}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}

	// exec reports a missing Dir as "fork/exec /bin/sh: no such file or
	// directory", which sends people looking for sh.
	if opts.Dir != "" {
		if fi, err := os.Stat(opts.Dir); err != nil || !fi.IsDir() {
			if err == nil {
				err = errors.New("not a directory")
			}
			return nil, &Error{Op: "start", Kind: ErrStart, Msg: fmt.Sprintf("could not start %q: working directory %q: %v", opts.Command, opts.Dir, err), Err: err}
		}
	}

	// Plain pipes rather than cmd.StdoutPipe & co: exec then copies
	// nothing itself, so Wait returns when the process exits even if a
	// grandchild still holds a pipe, and our ends support deadlines.
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			files = append(files, r, w)
		}
		return r, w, err
	}
	inR, inW, err1 := pipe()
	outR, outW, err2 := pipe()
	errR, errW, err3 := pipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		closeAll()
		return nil, &Error{Op: "start", Kind: ErrStart, Msg: fmt.Sprintf("could not make pipes for %q: %v", opts.Command, err), Err: err}
	}

	tag := fmt.Sprintf("%d.%d.%d", os.Getpid(), tags.Add(1), time.Now().UnixNano())
	// Not CommandContext: ctx bounds the start-up only, and Close ends
	// the process (and what it started) at the end of the scenario.
	cmd := exec.Command("sh", "-c", opts.Command) //nolint:noctx // see above
	cmd.Dir = opts.Dir
	// Last, so neither the harness's environment nor Options.Env can
	// mislabel the driver (exec keeps the last value of a repeated name).
	cmd.Env = append(append(os.Environ(), opts.Env...), tagVar+"="+tag)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, &Error{Op: "start", Kind: ErrStart, Msg: fmt.Sprintf("could not start %q: %v", opts.Command, err), Err: err}
	}
	// The child has its own copies; ours would keep stdout from ever
	// reaching EOF.
	_, _, _ = inR.Close(), outW.Close(), errW.Close()

	p := &Process{
		cmd:        cmd,
		tag:        tag,
		timeout:    timeout,
		stdin:      inW,
		stdout:     outR,
		errOut:     errR,
		stderr:     newTailBuffer(stderrKept),
		sendSem:    make(chan struct{}, 1),
		pending:    map[int64]*pendingReq{},
		abandoned:  map[int64]bool{},
		exited:     make(chan struct{}),
		readDone:   make(chan struct{}),
		stderrDone: make(chan struct{}),
	}
	go p.copyStderr()
	go p.wait()
	go p.readStdout()

	deadline := time.Now().Add(timeout)
	pr, e := p.begin("configure", nil)
	if e == nil {
		var a answer
		a, e = p.roundTrip(ctx, pr, configureReq{ID: pr.id, Op: "configure", Target: &target}, deadline)
		if e == nil {
			e = p.checkOK(pr, a)
		}
	}
	if e != nil {
		p.abort()
		return nil, e
	}
	return p, nil
}

// Stderr returns the tail of what the driver wrote to stderr (the last
// 64 KiB), for showing when a scenario fails.
func (p *Process) Stderr() string { return p.stderr.String() }
