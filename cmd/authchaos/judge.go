package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/internal/suggest"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
)

type judgeFlags struct {
	recovery, server, journal, since, expect string
	json                                     bool
}

func newJudgeCmd() *cobra.Command {
	var f judgeFlags
	cmd := &cobra.Command{
		Use:   "judge --recovery KIND (--server URL | --journal FILE) [--since SEQ]",
		Short: "Judge a client's recovery from a journal of traffic nobody scripted",
		Long: `judge applies one recovery kind's rules to a journal window: your own test
triggers a fault (authchaos activate, clock advance, action), exercises your
app, and judge says whether the app recovered as a correct client does —
refreshed once per expiry, backed off as Retry-After said, leaked nothing.

It reads the journal of a running server (--server, GET /__admin/journal)
or a saved one (--journal FILE, - for stdin): the JSON array the admin API
returns, the JSON lines of 'authchaos journal --json', or a JSON report of
a run that holds one scenario's journal. --since SEQ judges only the entries
after SEQ, as 'authchaos journal --since' prints them: note the last seq
before your test starts.

Kinds: ` + kindNames() + `.

Without the workload judge cannot know how your last call should end:
by default it should succeed, except for fail-fast (refused) and no-leak
(either). --expect says otherwise, e.g. --expect failure for a refresh
against a server whose clock is behind.

Exit status: 0 the recovery passed; 1 a finding, or nothing to judge (the
window holds no trigger for the kind: no 401 to refresh after, no redirect
to leak on); 2 bad usage or a journal that cannot be read.`,
		Example: `  authchaos judge --recovery refresh --server http://127.0.0.1:8401
  authchaos journal --json --since 40 > window.jsonl && authchaos judge --recovery backoff --journal window.jsonl
  curl -s http://127.0.0.1:8401/__admin/journal | authchaos judge --recovery no-leak --journal -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runJudge(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.recovery, "recovery", "", "recovery `KIND` to judge by (required): "+kindNames())
	fl.StringVar(&f.server, "server", "", "read the journal of the running authchaos serve at `URL` [env "+serverEnv+" when no --journal]")
	fl.StringVar(&f.journal, "journal", "", "read a saved journal from `FILE` (- for stdin)")
	fl.StringVar(&f.since, "since", "", "judge only the entries after this `SEQ`")
	fl.StringVar(&f.expect, "expect", "", "how the last call should end: "+expectNames()+" (default: the kind's)")
	fl.BoolVar(&f.json, "json", false, "print the verdict as JSON")
	return cmd
}

func kindNames() string {
	var names []string
	for _, k := range suites.TrafficKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

func expectNames() string {
	var names []string
	for _, e := range suites.Expectations {
		names = append(names, string(e))
	}
	return strings.Join(names, ", ")
}

func runJudge(cmd *cobra.Command, f judgeFlags) error {
	opts, kind, err := judgeOptions(&f)
	if err != nil {
		return err
	}
	entries, source, err := readJournal(cmd.Context(), cmd.InOrStdin(), f, opts.Since)
	if err != nil {
		return err
	}
	res, err := suites.JudgeTraffic(kind, entries, opts)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Source string `json:"source"`
			suites.TrafficResult
		}{source, res}); err != nil {
			return err
		}
	} else {
		writeTrafficResult(out, palette{useColor(out)}, source, res)
	}
	if res.Verdict == suites.Pass {
		return nil
	}
	return &exitError{code: exitFailures}
}

// judgeOptions checks every flag before anything is read, so a typo in
// --recovery costs no journal fetch.
func judgeOptions(f *judgeFlags) (suites.TrafficOptions, scenarios.Recovery, error) {
	var o suites.TrafficOptions
	kinds := strings.Split(kindNames(), ", ")
	switch {
	case f.recovery == "":
		return o, "", fmt.Errorf("--recovery is required (valid: %s)", kindNames())
	case !slices.Contains(kinds, f.recovery):
		var all []string
		for k := range scenarios.Recoveries {
			all = append(all, string(k))
		}
		if slices.Contains(all, f.recovery) {
			return o, "", fmt.Errorf("--recovery %s %w yet (valid: %s)", f.recovery, suites.ErrNotJudgeable, kindNames())
		}
		return o, "", fmt.Errorf("--recovery: unknown kind %q (valid: %s)%s", f.recovery, kindNames(), suggest.Phrase(suggest.For(f.recovery, kinds)))
	}
	if f.server == "" && f.journal == "" {
		f.server = os.Getenv(serverEnv) // as the steering commands default
	}
	switch {
	case f.server != "" && f.journal != "":
		return o, "", errors.New("--server and --journal both given: judge one journal, the running server's or a saved one")
	case f.server == "" && f.journal == "":
		return o, "", errors.New("no journal to judge: give --server URL (a running authchaos serve; or set " + serverEnv + ") or --journal FILE (a saved journal, - for stdin)")
	}
	if f.since != "" {
		n, err := strconv.ParseInt(f.since, 10, 64)
		if err != nil || n < 0 {
			return o, "", fmt.Errorf("--since %q: not a journal seq (a whole number, 0 or more; authchaos journal shows them)", f.since)
		}
		o.Since = n
	}
	if f.expect != "" {
		e := suites.Expectation(f.expect)
		if !slices.Contains(suites.Expectations, e) {
			return o, "", fmt.Errorf("--expect %q: valid: %s", f.expect, expectNames())
		}
		o.Expect = e
	}
	return o, scenarios.Recovery(f.recovery), nil
}

// maxJournalFile bounds what --journal reads: a full journal of the
// server's default capacity is a few tens of megabytes.
const maxJournalFile = 256 << 20

// readJournal fetches the journal the flags name, and says where from.
func readJournal(ctx context.Context, stdin io.Reader, f judgeFlags, since int64) ([]fakeserver.Entry, string, error) {
	if f.server != "" {
		c, err := dial(f.server)
		if err != nil {
			return nil, "", err
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		es, err := c.Journal(ctx, since)
		if err != nil {
			return nil, "", fmt.Errorf("read the journal of %s: %w", c.URL(), err)
		}
		return es, c.URL(), nil
	}
	name, r := f.journal, stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return nil, "", fmt.Errorf("--journal: %w", err)
		}
		defer file.Close()
		r = file
	} else {
		name = "stdin"
	}
	data, err := io.ReadAll(io.LimitReader(r, maxJournalFile+1))
	if err != nil {
		return nil, "", fmt.Errorf("--journal %s: %w", name, err)
	}
	if len(data) > maxJournalFile {
		return nil, "", fmt.Errorf("--journal %s: larger than %d MB; cut it with --since on the server, or jq", name, maxJournalFile>>20)
	}
	es, err := suites.ParseJournal(data)
	if err != nil {
		return nil, "", fmt.Errorf("--journal %s: %w", name, err)
	}
	return es, name, nil
}

// writeTrafficResult prints a verdict the way run prints a scenario's:
// the verdict first, then each finding on its own line, then advisories
// headed apart so no one reads them as failures.
func writeTrafficResult(w io.Writer, p palette, source string, res suites.TrafficResult) {
	window := "empty"
	switch {
	case res.Steps > 0:
		window = fmt.Sprintf("seq %d-%d, %s read as %s in %s", res.First, res.Last, entriesN(res.Entries), pluralN(res.Calls, "call"), pluralN(res.Steps, "step"))
	case res.Entries > 0:
		window = fmt.Sprintf("seq %d-%d, %s", res.First, res.Last, entriesN(res.Entries))
	}
	fmt.Fprintf(w, "judge %s on %s (%s; last call expected: %s)\n", res.Recovery, source, window, res.Expect)
	switch res.Verdict {
	case suites.Pass:
		fmt.Fprintf(w, "%s  %s\n", p.verdict(suites.Pass), res.Detail)
	case suites.NothingToJudge:
		fmt.Fprintf(w, "NOTHING TO JUDGE  %s\n", strings.TrimPrefix(res.Detail, "nothing to judge: "))
		fmt.Fprintf(w, "  trigger the fault inside the window (authchaos activate ID, authchaos clock advance D), exercise the app, then judge again\n")
	default:
		fmt.Fprintf(w, "%s  %s\n", p.verdict(suites.Fail), pluralN(len(res.Findings), "finding"))
		for _, f := range res.Findings {
			fmt.Fprintf(w, "  - %s\n", f)
		}
	}
	if len(res.Advisories) > 0 {
		fmt.Fprintf(w, "\nADVISORIES (diagnostics: they do not decide the verdict)\n")
		for _, a := range res.Advisories {
			fmt.Fprintf(w, "  - %s\n", a)
		}
	}
}

func entriesN(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}
