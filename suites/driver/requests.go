// Requests in flight: each gets an id and a waiting caller before it is
// written, so answers in any order, late answers, timeouts and cancellations
// all find the right caller.

package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/authchaos/authchaos/suites/adapter"
)

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

func (p *Process) errorf(pr *pendingReq, kind, err error, format string, args ...any) *Error {
	return &Error{Op: pr.op, Call: pr.desc, Kind: kind, Err: err, Msg: fmt.Sprintf(format, args...), Stderr: p.stderr.tail(stderrInError)}
}

func (p *Process) canceled(pr *pendingReq, err error) *Error {
	return &Error{Op: pr.op, Call: pr.desc, Kind: ErrCanceled, Err: err, Msg: fmt.Sprintf("%s canceled while waiting for the driver: %v", pr.desc, err)}
}
