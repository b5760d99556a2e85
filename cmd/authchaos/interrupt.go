package main

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// interrupt is the cause main cancels the context with when a signal
// arrives, so an interrupted `run` can exit as the shell expects:
// 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
type interrupt struct{ sig os.Signal }

func (i *interrupt) Error() string { return "interrupted by " + i.sig.String() }

// interruptCode is the exit status for a run whose context ended: 143
// after SIGTERM, 130 after SIGINT or a cancellation with no signal.
func interruptCode(ctx context.Context) int {
	var i *interrupt
	if errors.As(context.Cause(ctx), &i) {
		if s, ok := i.sig.(syscall.Signal); ok {
			return 128 + int(s)
		}
	}
	return 128 + int(syscall.SIGINT)
}
