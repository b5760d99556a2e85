// The process's life after Start: its exit, the kill that ends it and
// everything it started, Close, and how its death is reported to the
// requests still waiting.

package driver

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// death is why the driver can answer nothing more. The message depends on
// which request it is reported to.
type death struct {
	kind error
	err  error
	msg  func(desc string) string
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

func (p *Process) deathError(d *death, pr *pendingReq) *Error {
	return &Error{Op: pr.op, Call: pr.desc, Kind: d.kind, Err: d.err, Msg: d.msg(pr.desc), Stderr: p.stderr.tail(stderrInError)}
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
