package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/clients"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
	"github.com/authchaos/authchaos/suites/driver"
)

type runFlags struct {
	driver, client        string
	scenarios             []string
	jsonReport, junitPath string
	parallel              int
	timeout               time.Duration
	strict, variants      bool
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run (--driver \"SHELL COMMAND\" | --client NAME) [--scenario ID ...]",
		Short: "Drive a client through every scenario and judge its recovery",
		Long: `run starts a fresh fake server per scenario, drives the client through the
scenario's workload, and judges from the journal whether it recovered as a
correct client does (refresh once, log in again, back off, fail fast...).

--client runs a client built into this binary (` + strings.Join(clients.Names(), ", ") + `).
--driver runs CMD through sh -c once per scenario; CMD speaks the driver
protocol (JSON lines on stdin/stdout; see examples/drivers/node/driver.js).

Exit status: 0 no scenario failed, 1 at least one failed, 2 bad usage or a
driver that could not start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSuites(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.driver, "driver", "", "shell command of a driver speaking the driver protocol")
	fl.StringVar(&f.client, "client", "", "built-in client: "+strings.Join(clients.Names(), ", "))
	fl.StringArrayVar(&f.scenarios, "scenario", nil, "run only this scenario id, or a variant as id:key=value,... (repeatable; default: all)")
	fl.StringVar(&f.jsonReport, "json-report", "", "write the results as JSON to FILE")
	fl.StringVar(&f.junitPath, "junit-report", "", "write the results as JUnit XML to FILE")
	fl.IntVar(&f.parallel, "parallel", 0, "scenarios run at once (default: twice the CPUs)")
	fl.DurationVar(&f.timeout, "timeout", 15*time.Second, "how long one call (or one driver answer) may take")
	addVerdictFlags(fl, &f)
	return cmd
}

func runSuites(ctx context.Context, f runFlags, stdout, stderr io.Writer) error {
	if (f.driver == "") == (f.client == "") {
		return errors.New("give exactly one of --driver \"SHELL COMMAND\" or --client NAME (clients: " + strings.Join(clients.Names(), ", ") + ")")
	}
	// Zero or less would silently mean each layer's own default.
	if f.timeout <= 0 {
		return fmt.Errorf("--timeout %s: want a positive duration (e.g. 15s, 1m)", f.timeout)
	}
	if f.parallel < 0 {
		return fmt.Errorf("--parallel %d: want 0 (twice the CPUs) or more", f.parallel)
	}
	selected, err := suites.Select(f.scenarios)
	if err != nil {
		return fmt.Errorf("--scenario: %w", err)
	}
	var factory adapter.Factory
	name := f.client
	if f.client != "" {
		var ok bool
		if factory, ok = clients.Lookup(f.client); !ok {
			return fmt.Errorf("--client: unknown client %q (valid: %s)", f.client, strings.Join(clients.Names(), ", "))
		}
	} else {
		name = f.driver
		factory = driver.Factory(driver.Options{Command: f.driver, Timeout: f.timeout})
		if err := preflight(ctx, factory); err != nil {
			return fmt.Errorf("--driver %q could not start: %w", f.driver, err)
		}
	}
	// Open report files before the run, so a typo in a path costs
	// nothing but an error message.
	jsonOut, err := create(f.jsonReport, "--json-report")
	if err != nil {
		return err
	}
	junitOut, err := create(f.junitPath, "--junit-report")
	if err != nil {
		return err
	}
	ids := make([]string, len(selected))
	for i, sc := range selected {
		ids[i] = sc.Label()
	}
	started := time.Now()
	rep, err := suites.Run(ctx, suites.Options{Client: name, Factory: factory, Scenarios: ids, Parallel: f.parallel, CallTimeout: f.timeout, Strict: f.strict, Variants: f.variants})
	if err != nil {
		return err
	}
	rep.Elapsed = time.Since(started).Round(time.Millisecond).String()
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d scenarios in %s\n", len(rep.Results), rep.Elapsed)
	for _, res := range rep.Results {
		if res.Verdict == suites.Fail && strings.Contains(res.Detail, "\n") {
			fmt.Fprintf(stderr, "\n--- %s\n%s\n", res.Scenario, res.Detail)
		}
	}
	if err := writeReport(jsonOut, rep.WriteJSON); err != nil {
		return err
	}
	if err := writeReport(junitOut, rep.WriteJUnit); err != nil {
		return err
	}
	if rep.Failed > 0 {
		return &exitError{code: exitFailures}
	}
	return nil
}

// preflight starts the driver once against a healthy server, so a driver
// that cannot start is a usage error (exit 2), not 34 failed scenarios.
func preflight(ctx context.Context, factory adapter.Factory) error {
	srv, err := fakeserver.New()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close()
	sc := suites.MustLookup("expired-token")
	c, err := factory(ctx, suites.BuildTarget(srv, sc))
	if errors.Is(err, adapter.ErrUnsupported) {
		return nil // it started and spoke the protocol; that scenario will be skipped
	}
	if err != nil {
		return err
	}
	return c.Close()
}

func create(path, flag string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return f, nil
}

func writeReport(f *os.File, write func(io.Writer) error) error {
	if f == nil {
		return nil
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return f.Close()
}
