package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/internal/suggest"
	"github.com/authchaos/authchaos/scenarios"
)

// Exit codes of the public contract.
const (
	exitOK       = 0
	exitFailures = 1 // reserved for `run`: at least one scenario failed
	exitUsage    = 2 // bad usage, bad config, unknown id, a driver that could not start
)

// exitError carries an exit code other than exitUsage, the code every
// plain error maps to. A nil err means the command has already told the
// user everything, so nothing more is printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// run executes the command line args and returns the process exit code.
// ctx ends `serve`; main cancels it on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetOut(stdout)
	root.SetErr(stderr)
	// cobra reads os.Args when given nil, which inside a test binary
	// would be the test flags.
	if args == nil {
		args = []string{}
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	code := exitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "authchaos: %s\n", strings.TrimRight(err.Error(), "\n"))
	// A server that did not answer is no misuse of the command line.
	var unreachable *url.Error
	if code == exitUsage && !errors.As(err, &unreachable) {
		fmt.Fprintf(stderr, "run '%s' for usage\n", helpCommand(cmd))
	}
	return code
}

// helpCommand is the `authchaos help ...` line that documents cmd.
func helpCommand(cmd *cobra.Command) string {
	if cmd == nil || !cmd.HasParent() {
		return "authchaos help"
	}
	path := strings.Fields(cmd.CommandPath())
	return path[0] + " help " + strings.Join(path[1:], " ")
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "authchaos",
		Short: "A fake auth server that fails on purpose",
		Long: `authchaos reproduces the ways HTTP authentication fails in production
(expired and revoked tokens, WAF blocks, redirects that leak credentials...)
so you can see how a client copes, and learn what each failure means.

  authchaos serve                 run the fake server on 127.0.0.1:8401
  authchaos scenarios             list the failure modes it can reproduce
  authchaos explain ID            what a failure mode looks like and how to fix it
  authchaos run --client NAME     judge a client's recovery in every failure mode

Steering a running serve (each takes --server URL, default http://127.0.0.1:8401):
  authchaos activate ID[:k=v,...]...   authchaos heal      authchaos reset
  authchaos status                     authchaos clock [advance 10m]
  authchaos action rotate-signing-key  authchaos otp [--user alice]
  authchaos journal [--follow] [--json] [--since SEQ]`,
		Version: version(),
		// Errors are printed once, by run, with the exit code the contract
		// fixes; cobra would print them too and dump usage on top.
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          noCommand,
		RunE: func(cmd *cobra.Command, args []string) error {
			return fmt.Errorf("missing command (valid: %s)", strings.Join(commandNames(cmd), ", "))
		},
	}
	root.SetVersionTemplate("authchaos {{.Version}}\n")
	root.AddCommand(newServeCmd(), newProxyCmd(), newScenariosCmd(), newExplainCmd(), newRunCmd())
	root.AddCommand(newJudgeCmd())
	root.AddCommand(steerCommands()...)
	return root
}

// noCommand rejects arguments given to the bare root command. cobra's
// own check says "unknown command" without the list of valid ones.
func noCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q (valid: %s)", args[0], strings.Join(commandNames(cmd), ", "))
	return errors.New(msg + suggest.Phrase(suggest.For(args[0], commandNames(cmd))))
}

// unknownScenario is the catalog's error for an unknown id, with the
// ids it is likely a typo of.
func unknownScenario(id string) error {
	return fmt.Errorf("%w%s", &scenarios.UnknownError{ID: id}, suggest.Phrase(suggest.For(id, scenarios.IDs())))
}

func commandNames(cmd *cobra.Command) []string {
	var names []string
	for _, c := range cmd.Root().Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	sort.Strings(names)
	return names
}
