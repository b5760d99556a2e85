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
// hangs, stops reading, writes something that is not an answer, or answers
// an id nobody asked for, fails the request with an *Error that says exactly
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
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

type pendingReq struct {
	id    int64
	op    string
	desc  string     // "call 3 (GET /api/items)", as messages say it
	ch    chan reply // buffered 1; written under Process.mu
	began time.Time
}

type reply struct {
	ans answer
	err *Error
}

// death is why the driver can answer nothing more. The message depends on
// which request it is reported to.
type death struct {
	kind error
	err  error
	msg  func(desc string) string
}

type configureReq struct {
	ID     int64           `json:"id"`
	Op     string          `json:"op"`
	Target *adapter.Target `json:"target"`
}

type callReq struct {
	ID     int64   `json:"id"`
	Op     string  `json:"op"`
	Method string  `json:"method"`
	Path   string  `json:"path"`
	Body   *string `json:"body"`
}

type closeReq struct {
	ID int64  `json:"id"`
	Op string `json:"op"`
}

type answer struct {
	ID     *int64 `json:"id"`
	OK     *bool  `json:"ok"`
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
	// Unsupported, on a configure answer with "ok": false, says the SDK
	// cannot authenticate the way the target asks: an extension of the
	// contract so a driver's scenario is skipped, not failed.
	Unsupported bool `json:"unsupported"`
}

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
	cmd := exec.Command("sh", "-c", opts.Command)
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

// Do sends one call and waits for its answer. Driver failures come back as
// Result{Status: 0, Error: "driver: ..."}; use Request to get the *Error.
func (p *Process) Do(ctx context.Context, call adapter.Call) adapter.Result {
	r, err := p.Request(ctx, call)
	if err != nil {
		return adapter.Result{Error: err.Error()}
	}
	return r
}

// Request is Do with driver failures as an *Error. A Result whose Error the
// driver filled in (the SDK gave up) is not a driver failure: it comes back
// with a nil error.
func (p *Process) Request(ctx context.Context, call adapter.Call) (adapter.Result, error) {
	deadline := time.Now().Add(p.timeout)
	pr, e := p.begin("call", &call)
	if e != nil {
		return adapter.Result{}, e
	}
	a, e := p.roundTrip(ctx, pr, callReq{ID: pr.id, Op: "call", Method: call.Method, Path: call.Path, Body: call.Body}, deadline)
	if e != nil {
		return adapter.Result{}, e
	}
	// Not fatal: the driver is alive and in sync, only this answer is
	// unusable, and the suites must not mistake it for a silent success.
	switch {
	case a.Status < 0 || a.Status > 999:
		return adapter.Result{}, p.errorf(pr, ErrProtocol, nil, "driver answered %s with status %d, which is not an HTTP status (want 100-999, or 0 when no HTTP answer came)", pr.desc, a.Status)
	case a.Status == 0 && a.Error == "":
		return adapter.Result{}, p.errorf(pr, ErrProtocol, nil, "driver answered %s with status 0 and an empty error (status 0 means no HTTP answer came, so \"error\" must say why)", pr.desc)
	}
	return adapter.Result{Status: a.Status, Body: a.Body, Error: a.Error}, nil
}

// Close sends close, waits for its answer and for the process to exit, both
// within the timeout, then kills the process group whatever happened, so
// nothing the driver started outlives the scenario. It returns nil only for
// a driver that answered ok and exited with status 0. Calling it again
// returns the same result.
func (p *Process) Close() error {
	p.closeOnce.Do(func() {
		if err := p.shutdown(); err != nil {
			p.closeErr = err
		}
	})
	return p.closeErr
}

func (p *Process) shutdown() *Error {
	deadline := time.Now().Add(p.timeout)
	pr, result := p.begin("close", nil)
	if result == nil {
		var a answer
		a, result = p.roundTrip(context.Background(), pr, closeReq{ID: pr.id, Op: "close"}, deadline)
		if result == nil {
			result = p.checkOK(pr, a)
		}
	}
	// EOF on stdin is the other way a driver learns it is done; it helps
	// one that answered close but is still reading.
	_ = p.stdin.Close()
	if !waitFor(p.exited, time.Until(deadline)) {
		p.kill()
		waitFor(p.exited, exitGrace)
		if result == nil {
			result = &Error{Op: "close", Call: "close", Kind: ErrTimeout, Stderr: p.stderr.tail(stderrInError),
				Msg: fmt.Sprintf("driver answered close but did not exit within %v; killed it", p.timeout)}
		}
	} else if ps := p.cmd.ProcessState; result == nil && ps != nil && !ps.Success() {
		result = &Error{Op: "close", Call: "close", Kind: ErrExited, Stderr: p.stderr.tail(stderrInError),
			Msg: exitDescription(ps) + " after answering close"}
	}
	p.release()
	return result
}

// abort ends a driver whose configure failed: no close request, since it
// may be the very thing that is broken.
func (p *Process) abort() {
	_ = p.stdin.Close()
	if !waitFor(p.exited, 0) {
		p.kill()
		waitFor(p.exited, exitGrace)
	}
	p.release()
}

func (p *Process) release() {
	waitFor(p.readDone, drainGrace)
	waitFor(p.stderrDone, drainGrace)
	// Closing our ends unblocks the readers if a grandchild that escaped
	// the process group still holds the pipes.
	_, _ = p.stdout.Close(), p.errOut.Close()
	p.die(&death{kind: ErrClosed, msg: func(desc string) string {
		return "client was closed before the driver answered " + desc
	}})
}

// begin registers a request under a fresh id. Registering before writing
// means even an instant answer finds its caller.
func (p *Process) begin(op string, call *adapter.Call) (*pendingReq, *Error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextID++
	pr := &pendingReq{id: p.nextID, op: op, desc: op, ch: make(chan reply, 1), began: time.Now()}
	if call != nil {
		pr.desc = fmt.Sprintf("call %d (%s %s)", pr.id, call.Method, call.Path)
	}
	// Closed first: after Close the process is gone, and "exited before
	// answering" would blame the driver for the caller's mistake.
	if p.closed {
		return nil, &Error{Op: op, Call: pr.desc, Kind: ErrClosed, Msg: fmt.Sprintf("client is closed; cannot send %s", pr.desc)}
	}
	if p.fatal != nil {
		return nil, p.deathError(p.fatal, pr)
	}
	if op == "close" {
		p.closed = true
	}
	p.pending[pr.id] = pr
	return pr, nil
}

// roundTrip writes v as one line and waits for the answer to pr.
func (p *Process) roundTrip(ctx context.Context, pr *pendingReq, v any, deadline time.Time) (answer, *Error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()

	// select picks at random among ready cases, so without this a done
	// context could still send a call the caller no longer wants.
	if err := ctx.Err(); err != nil {
		p.forget(pr, false)
		return answer{}, p.canceled(pr, err)
	}
	line, err := json.Marshal(v)
	if err != nil {
		p.forget(pr, false)
		return answer{}, p.errorf(pr, ErrProtocol, err, "could not encode %s: %v", pr.desc, err)
	}
	line = append(line, '\n')

	select {
	case p.sendSem <- struct{}{}:
	case <-ctx.Done():
		p.forget(pr, false)
		return answer{}, p.canceled(pr, ctx.Err())
	case <-timer.C:
		// Someone else's write is stuck, which the stuck writer reports
		// as fatal; this caller only says why it never got to send.
		p.forget(pr, false)
		return answer{}, p.errorf(pr, ErrTimeout, nil, "driver did not read %s from its stdin within %v", pr.desc, p.timeout)
	case r := <-pr.ch: // died while we queued
		return r.ans, r.err
	}
	writeDeadline := deadline
	if d, ok := ctx.Deadline(); ok && d.Before(writeDeadline) {
		writeDeadline = d
	}
	_ = p.stdin.SetWriteDeadline(writeDeadline)
	_, werr := p.stdin.Write(line)
	<-p.sendSem

	if werr != nil {
		if errors.Is(werr, os.ErrDeadlineExceeded) {
			// Part of the line may be in the pipe; nothing after it can
			// be parsed by the driver any more, so the driver is done.
			p.fail(&death{kind: ErrTimeout, err: werr, msg: func(string) string {
				return fmt.Sprintf("driver did not read %s from its stdin within %v (is it reading stdin line by line?)", pr.desc, p.timeout)
			}})
			r := <-pr.ch
			return r.ans, r.err
		}
		// Usually EPIPE because the driver exited; its exit status says
		// more than the write error, so give the reader a moment to see it.
		grace := time.NewTimer(min(time.Until(deadline), exitGrace))
		defer grace.Stop()
		select {
		case r := <-pr.ch:
			return r.ans, r.err
		case <-grace.C:
			if r, ok := p.forget(pr, false); ok {
				return r.ans, r.err
			}
			return answer{}, p.errorf(pr, ErrExited, werr, "could not send %s to the driver: %v", pr.desc, werr)
		}
	}

	select {
	case r := <-pr.ch:
		return r.ans, r.err
	case <-ctx.Done():
		if r, ok := p.forget(pr, true); ok {
			return r.ans, r.err
		}
		if err := ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
			// The caller's deadline is a timeout like ours (the suites give
			// both one value, so which fires first is chance): say so in
			// the same words.
			return answer{}, p.errorf(pr, ErrTimeout, err, "driver did not answer %s within %v", pr.desc, time.Since(pr.began).Round(10*time.Millisecond))
		}
		return answer{}, p.canceled(pr, ctx.Err())
	case <-timer.C:
		if r, ok := p.forget(pr, true); ok {
			return r.ans, r.err
		}
		return answer{}, p.errorf(pr, ErrTimeout, nil, "driver did not answer %s within %v", pr.desc, p.timeout)
	}
}

// forget stops waiting for pr. If the answer arrived meanwhile it is
// returned instead. sent says whether the driver may still answer, in which
// case that late answer is expected and dropped silently.
func (p *Process) forget(pr *pendingReq, sent bool) (reply, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.pending[pr.id]; ok {
		delete(p.pending, pr.id)
		if sent && p.fatal == nil {
			p.abandoned[pr.id] = true
		}
		return reply{}, false
	}
	select {
	case r := <-pr.ch:
		return r, true
	default:
		return reply{}, false
	}
}

// checkOK judges an answer to configure or close.
func (p *Process) checkOK(pr *pendingReq, a answer) *Error {
	switch {
	case a.Unsupported && pr.op == "configure":
		return p.errorf(pr, ErrRejected, adapter.ErrUnsupported, "driver does not support this target: %s", a.Error)
	case a.Error != "":
		return p.errorf(pr, ErrRejected, nil, "driver rejected %s: %s", pr.desc, a.Error)
	case a.OK == nil:
		return p.errorf(pr, ErrProtocol, nil, `driver answered %s without "ok": true`, pr.desc)
	case !*a.OK:
		return p.errorf(pr, ErrRejected, nil, `driver answered %s with "ok": false and no "error"`, pr.desc)
	}
	return nil
}

func (p *Process) errorf(pr *pendingReq, kind, err error, format string, args ...any) *Error {
	return &Error{Op: pr.op, Call: pr.desc, Kind: kind, Err: err, Msg: fmt.Sprintf(format, args...), Stderr: p.stderr.tail(stderrInError)}
}

func (p *Process) canceled(pr *pendingReq, err error) *Error {
	return &Error{Op: pr.op, Call: pr.desc, Kind: ErrCanceled, Err: err, Msg: fmt.Sprintf("%s canceled while waiting for the driver: %v", pr.desc, err)}
}

func (p *Process) deathError(d *death, pr *pendingReq) *Error {
	return &Error{Op: pr.op, Call: pr.desc, Kind: d.kind, Err: d.err, Msg: d.msg(pr.desc), Stderr: p.stderr.tail(stderrInError)}
}

// die records why the driver can answer nothing more and fails every
// pending request with it. The first cause wins: a protocol error that made
// us kill the driver must not turn into "killed by signal 9".
func (p *Process) die(d *death) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fatal != nil {
		return
	}
	p.fatal = d
	for id, pr := range p.pending {
		pr.ch <- reply{err: p.deathError(d, pr)}
		delete(p.pending, id)
	}
}

// fail is die for a driver that is alive but broken.
func (p *Process) fail(d *death) {
	p.die(d)
	p.kill()
}

// kill ends the driver and everything it started: its process group, and
// the descendants that left the group but still carry its tag.
func (p *Process) kill() {
	killGroup(p.cmd)
	killTagged(p.tag)
}

func (p *Process) wait() {
	_ = p.cmd.Wait() // the status is read from cmd.ProcessState
	// sh may have left children behind (a driver started with `&`, a
	// helper server, one that called setsid). They must not outlive the
	// scenario.
	p.kill()
	// Whatever the driver wrote before it exited is in the pipes; read
	// that, and stop waiting for more even if something the sweep could
	// not reach still holds them open.
	stop := time.Now().Add(drainGrace)
	_ = p.stdout.SetReadDeadline(stop)
	_ = p.errOut.SetReadDeadline(stop)
	close(p.exited)
}

func (p *Process) copyStderr() {
	defer close(p.stderrDone)
	// Ends at EOF, or at the deadline wait sets once the driver exited.
	_, _ = io.Copy(p.stderr, p.errOut)
}

func (p *Process) readStdout() {
	defer close(p.readDone)
	sc := bufio.NewScanner(p.stdout)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	n := 0
	for sc.Scan() {
		n++
		if d := p.dispatch(n, sc.Bytes()); d != nil {
			p.fail(d)
			return
		}
	}
	if err := sc.Err(); err != nil {
		switch {
		case errors.Is(err, bufio.ErrTooLong):
			p.fail(&death{kind: ErrProtocol, err: err, msg: func(string) string {
				return fmt.Sprintf("driver wrote a line longer than %d MiB at stdout line %d (want one JSON object per line; is something other than answers printing to stdout?)", MaxLine>>20, n+1)
			}})
		case errors.Is(err, os.ErrClosed):
			// Close released the pipe; release reports to the callers.
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The driver has exited and something it left behind holds
			// the pipe: that is the driver's EOF.
			p.reportExit()
		default:
			p.fail(&death{kind: ErrExited, err: err, msg: func(desc string) string {
				return fmt.Sprintf("could not read the driver's stdout before it answered %s: %v", desc, err)
			}})
		}
		return
	}

	p.reportExit()
}

// reportExit fails every waiting request once stdout has ended. Normally
// the process has exited; report its status, and only once its last stderr
// lines are in, since they usually say why.
func (p *Process) reportExit() {
	exited := waitFor(p.exited, min(p.timeout, exitGrace))
	waitFor(p.stderrDone, drainGrace)
	if !exited {
		p.die(&death{kind: ErrExited, msg: func(desc string) string {
			return "driver closed its stdout before answering " + desc
		}})
		return
	}
	ps := p.cmd.ProcessState
	p.die(&death{kind: ErrExited, err: exitError(ps), msg: func(desc string) string {
		s := exitDescription(ps) + " before answering " + desc
		switch ps.ExitCode() {
		case 126:
			s += " (status 126: sh found the command but could not execute it)"
		case 127:
			s += " (status 127: sh could not find the command)"
		}
		return s
	}})
}

// dispatch hands one stdout line to its caller. A non-nil death means the
// driver broke the protocol and can no longer be believed.
func (p *Process) dispatch(n int, raw []byte) *death {
	line := bytes.TrimSpace(raw) // also drops the \r of a CRLF driver
	if len(line) == 0 {
		return nil
	}
	protocol := func(err error, format string, args ...any) *death {
		msg := fmt.Sprintf(format, args...)
		return &death{kind: ErrProtocol, err: err, msg: func(string) string { return msg }}
	}
	if !json.Valid(line) {
		return protocol(nil, "driver wrote a line that is not JSON at stdout line %d: %s (want one JSON object per line)", n, quoteLine(line))
	}
	var a answer
	if err := json.Unmarshal(line, &a); err != nil {
		return protocol(err, "driver wrote a line that is not a protocol answer at stdout line %d: %s: %v", n, quoteLine(line), err)
	}
	if a.ID == nil {
		return protocol(nil, `driver wrote an answer without "id" at stdout line %d: %s`, n, quoteLine(line))
	}
	id := *a.ID

	p.mu.Lock()
	defer p.mu.Unlock()
	if pr, ok := p.pending[id]; ok {
		delete(p.pending, id)
		pr.ch <- reply{ans: a}
		return nil
	}
	if p.abandoned[id] {
		delete(p.abandoned, id)
		return nil
	}
	return protocol(nil, "driver answered id %d, which no request is waiting for, at stdout line %d: %s (%s)", id, n, quoteLine(line), p.waitingLocked())
}

// waitingLocked lists the requests still waiting, so a wrong-id message
// shows which id the driver should have used.
func (p *Process) waitingLocked() string {
	if len(p.pending) == 0 {
		return "no request is waiting"
	}
	ids := make([]int64, 0, len(p.pending))
	for id := range p.pending {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var names []string
	for i, id := range ids {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(ids)-5))
			break
		}
		pr := p.pending[id]
		name := pr.desc
		if pr.op != "call" {
			name = fmt.Sprintf("%s (id %d)", pr.desc, id)
		}
		names = append(names, name)
	}
	return "waiting: " + strings.Join(names, ", ")
}

func quoteLine(b []byte) string {
	if len(b) > lineInError {
		return strconv.Quote(string(b[:lineInError])) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}

func exitDescription(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("driver was killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
	}
	return fmt.Sprintf("driver exited with status %d", ps.ExitCode())
}

func exitError(ps *os.ProcessState) error {
	if ps == nil || ps.Success() {
		return nil
	}
	return &exec.ExitError{ProcessState: ps}
}

// waitFor reports whether ch closed within d; d <= 0 just polls.
func waitFor(ch <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}
