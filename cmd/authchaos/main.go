// Command authchaos runs a fake auth server that fails on purpose, and
// shows the catalog of failure modes it reproduces.
//
// Everything lives in run, which takes its arguments, output streams and
// a context instead of reaching for os globals, so tests drive the real
// command line in-process and stop `serve` by cancelling the context.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		// The cause tells `run` which exit status the contract wants.
		// Once the first signal has started a clean shutdown, hand
		// signals back to the runtime so a second Ctrl-C kills a
		// shutdown that hangs.
		signal.Stop(sigs)
		cancel(&interrupt{sig: sig})
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
