package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/clients"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/adminclient"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/internal/suggest"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
	"github.com/authchaos/authchaos/suites/driver"
)

type runFlags struct {
	driver, client        string
	scenarios             []string
	profile               string
	jsonReport, junitPath string
	htmlPath              string
	name, baseline        string
	server, configPath    string
	parallel              int
	timeout, heartbeat    time.Duration
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

Output
  stderr: a line per scenario as it finishes, and a heartbeat while the
  client keeps a call waiting (every --heartbeat).
  stdout: the table, the findings of every failed scenario (one a line,
  with what each call returned), and a summary line. With
  --json-report - the JSON goes to stdout and all of that to stderr.
  Colour only on a terminal, never with NO_COLOR set.

Reports
  --json-report and --junit-report carry each scenario's evidence: the
  calls and the journal the server kept. --html-report FILE draws it: one
  page, no network, a sequence diagram per scenario (client, API, token
  endpoint, other origin, edge layers) with each finding pinned to the
  arrows its seq names. --name names the JUnit suite
  and class (dots become underscores, as Jenkins splits class names at
  dots). --baseline FILE compares with an earlier --json-report: only a
  scenario that fails now and did not then fails the run, and the
  scenarios fixed since are listed.

Servers
  By default each scenario gets a fresh fake server on free ports, with
  the built-in demo configuration or --config FILE. --server URL plays
  the scenarios one after another on a running 'authchaos serve' instead
  (its live view shows the client at work) and puts back what was active;
  give it the serve's --config too when that serve runs with one.

Exit status: 0 no scenario failed (with --baseline: no new failure),
1 a scenario failed, 2 bad usage or a driver that could not start,
130 interrupted by SIGINT, 143 by SIGTERM. An interrupted run writes
its reports with "interrupted": true; the scenarios it did not finish
are "not-run" and never count as failed.`,
		Example: `  authchaos run --client resilient
  authchaos run --driver "node driver.js" --junit-report junit.xml --name node-sdk
  authchaos run --client naive --json-report - | jq .failed
  authchaos run --client naive --baseline last.json --json-report now.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSuites(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.driver, "driver", "", "shell command of a driver speaking the driver protocol")
	fl.StringVar(&f.client, "client", "", "built-in client: "+strings.Join(clients.Names(), ", "))
	fl.StringArrayVar(&f.scenarios, "scenario", nil, "run only this scenario `ID`, or a variant as ID:key=value,... (repeat the flag for several; default: all)")
	fl.StringVar(&f.profile, "profile", "", "run the scenarios a kind of client must survive, `NAME`: "+strings.Join(scenarios.ProfileNames(), ", ")+" (with --scenario: both sets)")
	fl.StringVar(&f.jsonReport, "json-report", "", "write the results as JSON to `FILE` (- for stdout)")
	fl.StringVar(&f.junitPath, "junit-report", "", "write the results as JUnit XML to `FILE` (- for stdout)")
	fl.StringVar(&f.htmlPath, "html-report", "", "write the results as one self-contained HTML page to `FILE`: per scenario a sequence diagram of its journal with the findings pinned to their arrows")
	fl.StringVar(&f.name, "name", "", "name of the run in reports: JUnit suite and class (default: the client or driver)")
	fl.StringVar(&f.baseline, "baseline", "", "fail only on scenarios that did not fail in this earlier JSON report `FILE`")
	fl.StringVar(&f.server, "server", "", "play the scenarios one after another on this running authchaos serve `URL` instead of a fresh server each")
	fl.StringVar(&f.configPath, "config", "", "the fake server's configuration `FILE` (as serve --config); with --server, the one that serve runs with, so the client gets credentials it accepts")
	fl.IntVar(&f.parallel, "parallel", 0, "scenarios run at once (default: twice the CPUs)")
	fl.DurationVar(&f.timeout, "timeout", 15*time.Second, "how long one call (or one driver answer) may take")
	fl.DurationVar(&f.heartbeat, "heartbeat", 10*time.Second, "say on stderr which call the client keeps waiting, this often")
	addVerdictFlags(fl, &f)
	return cmd
}

// checkScenarioArgs catches a list of ids in one --scenario, with what
// to type instead, and an unknown id with the likely intended one; Select
// checks a variant's parameters.
func checkScenarioArgs(ids []string) error {
	for _, id := range ids {
		bare, _, _ := strings.Cut(id, ":")
		if strings.Contains(bare, ",") {
			parts := strings.Split(bare, ",")
			return fmt.Errorf("--scenario %q: one scenario per flag; repeat the flag instead: --scenario %s (a variant's parameters follow a colon: ID:key=value,...)", id, strings.Join(parts, " --scenario "))
		}
		if _, ok := scenarios.Lookup(bare); !ok {
			return fmt.Errorf("--scenario: %w", unknownScenario(bare))
		}
	}
	return nil
}

func runSuites(ctx context.Context, f runFlags, stdout, stderr io.Writer) error {
	if (f.driver == "") == (f.client == "") {
		return errors.New("give exactly one of --driver \"SHELL COMMAND\" or --client NAME (clients: " + strings.Join(clients.Names(), ", ") + ")")
	}
	// Zero or less would silently mean each layer's own default.
	if f.timeout <= 0 {
		return fmt.Errorf("--timeout %s: want a positive duration (e.g. 15s, 1m)", f.timeout)
	}
	if f.heartbeat <= 0 {
		return fmt.Errorf("--heartbeat %s: want a positive duration (e.g. 10s)", f.heartbeat)
	}
	if f.parallel < 0 {
		return fmt.Errorf("--parallel %d: want 0 (twice the CPUs) or more", f.parallel)
	}
	if f.jsonReport == "-" && f.junitPath == "-" {
		return errors.New("--json-report - and --junit-report - would both write to stdout; send one to a file")
	}
	if f.htmlPath == "-" {
		return errors.New("--html-report -: the HTML report goes to a file (open it in a browser); give a path")
	}
	if err := checkScenarioArgs(f.scenarios); err != nil {
		return err
	}
	labels := f.scenarios
	if f.profile != "" {
		p, ok := scenarios.LookupProfile(f.profile)
		if !ok {
			return fmt.Errorf("--profile: unknown profile %q (valid: %s)%s", f.profile, strings.Join(scenarios.ProfileNames(), ", "), suggest.Phrase(suggest.For(f.profile, scenarios.ProfileNames())))
		}
		labels = append(p.Labels(), labels...)
		fmt.Fprintf(stderr, "authchaos run: profile %s: %s\n", p.Name, p.Title)
		for _, u := range p.Unjudged {
			fmt.Fprintf(stderr, "authchaos run: profile %s does not judge %s\n", p.Name, u)
		}
	}
	selected, err := suites.Select(labels)
	if err != nil {
		return fmt.Errorf("--scenario: %w", err)
	}
	var base *suites.Report
	if f.baseline != "" {
		if base, err = suites.LoadBaseline(f.baseline); err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
	}
	var cfg *config.File
	if f.configPath != "" {
		if cfg, err = config.Load(f.configPath); err != nil {
			return fmt.Errorf("--config: %w", err)
		}
	}
	var server *adminclient.Client
	if f.server != "" {
		if f.parallel > 1 {
			return fmt.Errorf("--parallel %d: with --server the scenarios play one after another on that server", f.parallel)
		}
		if server, err = adminclient.New(f.server, nil); err != nil {
			return fmt.Errorf("--server: %w", err)
		}
		if _, err := server.Active(ctx); err != nil {
			return fmt.Errorf("--server: %w", err)
		}
	}
	var factory adapter.Factory
	name := f.client
	if f.client != "" {
		var ok bool
		if factory, ok = clients.Lookup(f.client); !ok {
			return fmt.Errorf("--client: unknown client %q (valid: %s)%s", f.client, strings.Join(clients.Names(), ", "), suggest.Phrase(suggest.For(f.client, clients.Names())))
		}
	} else {
		name = f.driver
	}
	// Variants are expanded here, not in Run, so the progress lines
	// count every scenario that will run.
	if f.variants {
		if selected, err = suites.WithVariants(selected); err != nil {
			return fmt.Errorf("--variants: %w", err)
		}
	}
	ids := make([]string, len(selected))
	for i, sc := range selected {
		ids[i] = sc.Label()
	}
	parallel := f.parallel
	if parallel == 0 {
		parallel = 2 * runtime.GOMAXPROCS(0)
	}
	if server != nil {
		fmt.Fprintf(stderr, "authchaos run: %s against %s on %s, one after another\n", name, pluralN(len(ids), "scenario"), server.URL())
	} else {
		fmt.Fprintf(stderr, "authchaos run: %s against %s, %d at a time\n", name, pluralN(len(ids), "scenario"), min(parallel, len(ids)))
	}
	if f.driver != "" {
		factory = driver.Factory(driver.Options{Command: f.driver, Timeout: f.timeout})
		if err := preflight(ctx, factory, cfg); err != nil {
			if ctx.Err() != nil {
				fmt.Fprintf(stderr, "authchaos: interrupted while starting the driver; no scenario ran\n")
				return &exitError{code: interruptCode(ctx)}
			}
			return fmt.Errorf("--driver %q could not start: %w", f.driver, err)
		}
	}
	// Open report files before the run, so a typo in a path costs
	// nothing but an error message.
	jsonOut, err := create(f.jsonReport, "--json-report", stdout)
	if err != nil {
		return err
	}
	junitOut, err := create(f.junitPath, "--junit-report", stdout)
	if err != nil {
		return err
	}
	htmlOut, err := create(f.htmlPath, "--html-report", stdout)
	if err != nil {
		return err
	}
	// stdout carries a report: everything for people goes to stderr.
	human := stdout
	if f.jsonReport == "-" || f.junitPath == "-" {
		human = stderr
	}
	prog := newProgress(stderr, len(ids))
	rep, err := suites.Run(ctx, suites.Options{Client: name, Factory: factory, Scenarios: ids, Parallel: f.parallel,
		CallTimeout: f.timeout, Heartbeat: f.heartbeat, Progress: prog.event, Strict: f.strict, Server: server, Config: cfg})
	if err != nil {
		return err
	}
	rep.Name = f.name
	var diff *suites.BaselineDiff
	if base != nil {
		diff = rep.CompareBaseline(base, f.baseline)
	}
	fmt.Fprintln(human)
	if err := rep.WriteTableWidth(human, tableWidth(human)); err != nil {
		return err
	}
	if err := rep.WriteFindings(human); err != nil {
		return err
	}
	if diff != nil {
		fmt.Fprintf(human, "\nbaseline %s: %d new %s%s, %d fixed%s, %d still failing\n", f.baseline,
			len(diff.NewFailures), pluralWord(len(diff.NewFailures), "failure"), idList(diff.NewFailures),
			len(diff.Fixed), idList(diff.Fixed), len(diff.StillFailing))
	}
	fmt.Fprintf(human, "\n%s\n", rep.Summary())
	if err := writeReport(jsonOut, rep.WriteJSON); err != nil {
		return err
	}
	if err := writeReport(junitOut, rep.WriteJUnit); err != nil {
		return err
	}
	if err := writeReport(htmlOut, rep.WriteHTML); err != nil {
		return err
	}
	switch {
	case rep.Interrupted:
		return &exitError{code: interruptCode(ctx)}
	case diff != nil && len(diff.NewFailures) > 0:
		return &exitError{code: exitFailures}
	case diff == nil && rep.Failed > 0:
		return &exitError{code: exitFailures}
	}
	return nil
}

func idList(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return " (" + strings.Join(ids, ", ") + ")"
}

func pluralN(n int, noun string) string { return fmt.Sprintf("%d %s", n, pluralWord(n, noun)) }

func pluralWord(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// preflight starts the driver once against a healthy server, so a driver
// that cannot start is a usage error (exit 2), not 34 failed scenarios.
func preflight(ctx context.Context, factory adapter.Factory, cfg *config.File) error {
	var opts []fakeserver.Option
	if cfg != nil {
		opts = append(opts, fakeserver.WithConfig(cfg))
	}
	srv, err := fakeserver.New(opts...)
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

// reportFile is where a report goes: a file, or stdout for "-".
type reportFile struct {
	name string
	w    io.Writer
	f    *os.File
}

func create(path, flag string, stdout io.Writer) (*reportFile, error) {
	switch path {
	case "":
		return nil, nil
	case "-":
		return &reportFile{name: "stdout", w: stdout}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return &reportFile{name: path, w: f, f: f}, nil
}

func writeReport(rf *reportFile, write func(io.Writer) error) error {
	if rf == nil {
		return nil
	}
	err := write(rf.w)
	if rf.f != nil {
		if cerr := rf.f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", rf.name, err)
	}
	return nil
}
