package driver

import (
	"errors"
	"strings"
)

// Kinds of driver failure. Every *Error unwraps to exactly one of them, so a
// caller can tell a broken driver from a slow one with errors.Is without
// parsing messages.
var (
	// ErrStart: the command could not be started at all.
	ErrStart = errors.New("driver could not start")
	// ErrExited: the process exited (or closed its stdout) while a request
	// still waited for an answer.
	ErrExited = errors.New("driver exited")
	// ErrTimeout: no answer, or no read of a request, within Options.Timeout.
	ErrTimeout = errors.New("driver timed out")
	// ErrProtocol: the driver wrote something that is not a protocol answer
	// (not JSON, too long, no id, an id nobody waits for).
	ErrProtocol = errors.New("driver broke the protocol")
	// ErrRejected: the driver answered configure or close with ok:false or
	// an "error" field.
	ErrRejected = errors.New("driver rejected the request")
	// ErrClosed: the client was used after Close.
	ErrClosed = errors.New("driver client is closed")
	// ErrCanceled: the caller's context ended first. The context's own error
	// is wrapped too, so errors.Is(err, context.DeadlineExceeded) works.
	ErrCanceled = errors.New("call canceled")
)

// Error is every error this package returns, from Start, Close and
// Process.Request. Do turns it into Result.Error.
type Error struct {
	// Op is the protocol operation involved: "start", "configure", "call"
	// or "close".
	Op string
	// Call names the request, as in the message: "call 3 (GET /api/items)",
	// "configure" or "close". Empty when no single request is concerned.
	Call string
	// Kind is one of the Err* sentinels above.
	Kind error
	// Msg is the human sentence, without the "driver: " prefix and without
	// stderr.
	Msg string
	// Stderr is the tail of the driver's stderr when the error happened,
	// since a broken driver usually says why there.
	Stderr string
	// Err is the underlying cause, if any (*exec.ExitError, a context
	// error, a JSON syntax error...).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("driver: ")
	b.WriteString(e.Msg)
	if e.Stderr != "" {
		b.WriteString("; stderr: ")
		b.WriteString(e.Stderr)
	}
	return b.String()
}

// Unwrap exposes both the kind and the cause, so errors.Is matches either.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
