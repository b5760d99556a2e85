package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/adminclient"
	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/suggest"
	"github.com/authchaos/authchaos/scenarios"
)

// The subcommands that steer a running `authchaos serve` through its
// admin API, thin layers over package adminclient.

const serverEnv = "AUTHCHAOS_SERVER"

// serverFlag adds --server to cmd and returns where its value lands.
func serverFlag(cmd *cobra.Command) *string {
	def := adminclient.DefaultURL
	if v := os.Getenv(serverEnv); v != "" {
		def = v
	}
	s := new(string)
	cmd.Flags().StringVar(s, "server", def, "`URL` of the running authchaos serve [env "+serverEnv+"]")
	return s
}

func dial(server string) (*adminclient.Client, error) {
	c, err := adminclient.New(server, nil)
	if err != nil {
		return nil, fmt.Errorf("--server: %w", err)
	}
	return c, nil
}

func steerCommands() []*cobra.Command {
	return []*cobra.Command{newActivateCmd(), newHealCmd(), newResetCmd(), newStatusCmd(), newClockCmd(), newActionCmd(), newOTPCmd(), newJournalCmd()}
}

func newActivateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "activate ID[:key=value,...]...",
		Short: "Activate scenarios on a running server (replaces what is active)",
		Long: `activate replaces the running server's active scenarios with the ones given,
in order, resets its state and clears its journal, as PUT /__admin/scenario
does. Parameters follow a colon, as for serve --scenario:

  authchaos activate expired-token:lifetime=30s waf-block`,
		Example: "  authchaos activate expired-token\n  authchaos activate waf-block:duration=10s --server http://127.0.0.1:9000",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("activate needs at least one scenario ID[:key=value,...] (ids: 'authchaos scenarios'; to heal: 'authchaos heal')")
			}
			return nil
		},
	}
	server := serverFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var acts []adminclient.Activation
		for _, spec := range args {
			sc, err := parseScenarioSpec(spec)
			if err != nil {
				return fmt.Errorf("%q: %w", spec, err)
			}
			if _, ok := scenarios.Lookup(sc.ID); !ok {
				return fmt.Errorf("%q: %w", spec, unknownScenario(sc.ID))
			}
			if _, err := fakeserver.ResolveSelected(sc.ID, sc.Params); err != nil {
				return fmt.Errorf("%q: %w", spec, err)
			}
			acts = append(acts, adminclient.Activation{ID: sc.ID, Params: sc.Params})
		}
		c, err := dial(*server)
		if err != nil {
			return err
		}
		st, err := c.Activate(cmd.Context(), acts...)
		if err != nil {
			return err
		}
		writeState(cmd.OutOrStdout(), st)
		return nil
	}
	return cmd
}

func writeState(w io.Writer, st adminclient.State) {
	if len(st.Active) == 0 {
		fmt.Fprintln(w, "active: none, the server is healthy")
		return
	}
	fmt.Fprintln(w, "active:")
	for i, id := range st.Active {
		var p map[string]string
		if i < len(st.Params) {
			p = st.Params[i]
		}
		fmt.Fprintf(w, "  %s%s\n", id, formatParams(p))
	}
}

func simpleStateCmd(use, short, long string, call func(*adminclient.Client, context.Context) (adminclient.State, error)) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Long: long, Args: cobra.NoArgs}
	server := serverFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := dial(*server)
		if err != nil {
			return err
		}
		st, err := call(c, cmd.Context())
		if err != nil {
			return err
		}
		writeState(cmd.OutOrStdout(), st)
		return nil
	}
	return cmd
}

func newHealCmd() *cobra.Command {
	return simpleStateCmd("heal", "Deactivate every scenario on a running server",
		"heal leaves the running server healthy, with a fresh journal (DELETE /__admin/scenario).",
		(*adminclient.Client).Heal)
}

func newResetCmd() *cobra.Command {
	return simpleStateCmd("reset", "Reset a running server's state, keeping its scenarios",
		"reset re-installs the active scenarios from scratch: tokens, sessions, counters (POST /__admin/reset).",
		(*adminclient.Client).Reset)
}

func newStatusCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "status", Short: "Show what a running server has active, and its clock", Args: cobra.NoArgs}
	server := serverFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := dial(*server)
		if err != nil {
			return err
		}
		st, err := c.Active(cmd.Context())
		if err != nil {
			return err
		}
		cl, err := c.Clock(cmd.Context())
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "server: %s\nclock: %s (offset %s)\n", c.URL(), cl.Now.Format(time.RFC3339), cl.Offset)
		writeState(cmd.OutOrStdout(), st)
		return nil
	}
	return cmd
}

func newClockCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clock [advance DURATION]",
		Short: "Read or advance a running server's virtual clock",
		Long: `clock prints the running server's virtual clock; clock advance D moves it
forward (tokens expire, Retry-After passes) without waiting.`,
		Example: "  authchaos clock\n  authchaos clock advance 10m",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return nil
			case args[0] != "advance":
				return fmt.Errorf("clock: unknown action %q (valid: advance DURATION)", args[0])
			case len(args) != 2:
				return errors.New("clock advance needs one duration, e.g. 'clock advance 10m'")
			}
			if d, err := time.ParseDuration(args[1]); err != nil || d < 0 {
				return fmt.Errorf("clock advance %q: want a non-negative duration (e.g. 90s, 10m, 2h)", args[1])
			}
			return nil
		},
	}
	server := serverFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := dial(*server)
		if err != nil {
			return err
		}
		var cl adminclient.Clock
		if len(args) == 2 {
			d, _ := time.ParseDuration(args[1])
			cl, err = c.Advance(cmd.Context(), d)
		} else {
			cl, err = c.Clock(cmd.Context())
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s (offset %s)\n", cl.Now.Format(time.RFC3339), cl.Offset)
		return nil
	}
	return cmd
}

func actionNames() []string {
	names := make([]string, len(fault.Actions))
	for i, a := range fault.Actions {
		names[i] = string(a)
	}
	return names
}

func newActionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "action NAME [ARG]",
		Aliases: []string{"actions"},
		Short:   "Perform an operator action on a running server",
		Long: `action does what an operator would do mid-run: ` + strings.Join(actionNames(), ", ") + `.
ARG is the action's argument where it takes one (the user for
change-password, the key for revoke-api-key; default: all).`,
		Example: "  authchaos action rotate-signing-key\n  authchaos action change-password alice",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || len(args) > 2 {
				return fmt.Errorf("action needs NAME [ARG] (valid names: %s)", strings.Join(actionNames(), ", "))
			}
			for _, n := range actionNames() {
				if n == args[0] {
					return nil
				}
			}
			return fmt.Errorf("unknown action %q (valid: %s)%s", args[0], strings.Join(actionNames(), ", "), suggest.Phrase(suggest.For(args[0], actionNames())))
		},
	}
	server := serverFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := dial(*server)
		if err != nil {
			return err
		}
		arg := ""
		if len(args) == 2 {
			arg = args[1]
		}
		if err := c.Do(cmd.Context(), args[0], arg); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "done: %s\n", strings.TrimSpace(args[0]+" "+arg))
		return nil
	}
	return cmd
}

func newOTPCmd() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "otp [--user NAME]",
		Short: "Print the one-time code a user's authenticator shows now",
		Args:  cobra.NoArgs,
	}
	cmd.Flags().StringVar(&user, "user", "", "the user (default: the first configured one)")
	server := serverFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := dial(*server)
		if err != nil {
			return err
		}
		code, err := c.OTP(cmd.Context(), user)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), code)
		return nil
	}
	return cmd
}

func newJournalCmd() *cobra.Command {
	var follow, asJSON, clear bool
	var since int64
	cmd := &cobra.Command{
		Use:   "journal [--follow] [--json] [--since SEQ]",
		Short: "Print (or follow) a running server's journal",
		Long: `journal prints the requests the running server recorded, one a line:
seq, time on the server's clock, method and URL, the scheme and credential
fingerprint presented, status and reason, and the scenario. --follow keeps
printing as requests arrive, until Ctrl-C. --json prints the entries as JSON,
one object a line (the admin API's fields). --clear empties the journal.`,
		Example: "  authchaos journal --follow\n  authchaos journal --json --since 40 | jq .reason",
		Args:    cobra.NoArgs,
	}
	f := cmd.Flags()
	f.BoolVarP(&follow, "follow", "f", false, "keep printing entries as they arrive")
	f.BoolVar(&asJSON, "json", false, "one JSON object a line")
	f.Int64Var(&since, "since", 0, "only entries after this `SEQ`")
	f.BoolVar(&clear, "clear", false, "empty the journal instead of printing it")
	server := serverFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if since < 0 {
			return fmt.Errorf("--since %d: want a sequence number, 0 or more", since)
		}
		if clear && (follow || asJSON || since != 0) {
			return errors.New("--clear takes no other journal flag")
		}
		c, err := dial(*server)
		if err != nil {
			return err
		}
		ctx, out := cmd.Context(), cmd.OutOrStdout()
		if clear {
			if err := c.ClearJournal(ctx); err != nil {
				return err
			}
			fmt.Fprintln(out, "journal cleared")
			return nil
		}
		print := entryPrinter(out, asJSON)
		if follow {
			return c.Follow(ctx, since, print) // nil when Ctrl-C ends it
		}
		es, err := c.Journal(ctx, since)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := print(e); err != nil {
				return err
			}
		}
		return nil
	}
	return cmd
}

// entryPrinter writes journal entries one a line, readable or as JSON.
func entryPrinter(w io.Writer, asJSON bool) func(journal.Entry) error {
	if asJSON {
		enc := json.NewEncoder(w)
		return func(e journal.Entry) error { return enc.Encode(e) }
	}
	return func(e journal.Entry) error {
		reason := string(e.Reason)
		if reason == "" {
			reason = "-"
		}
		_, err := fmt.Fprintf(w, "%6d %s %-6s %-40s %-7s %-20s %3d %-22s %s\n", e.Seq, e.At.UTC().Format("15:04:05.000"),
			e.Method, e.Host+e.Path, e.Scheme, e.Credential, e.Status, reason, e.Scenario)
		return err
	}
}
