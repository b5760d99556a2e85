package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Container-style configuration: every flag of a command may also come
// from an AUTHCHAOS_* environment variable (--print-config from
// AUTHCHAOS_PRINT_CONFIG), as mock-oauth2-server and WireMock images are
// configured. A flag on the command line wins over its variable; a
// variable wins over the config file. Repeatable flags take their values
// separated by spaces (AUTHCHAOS_SCENARIO="expired-token:lifetime=30s
// waf-block"), since neither ids nor parameters hold one.

func envName(flag string) string {
	return "AUTHCHAOS_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// withEnv names each flag's variable in its help text and, before the
// command runs, fills the flags the command line left unset from their
// variables.
func withEnv(cmd *cobra.Command) *cobra.Command {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		f.Usage += " [env " + envName(f.Name) + "]"
	})
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applyEnv(cmd.Flags(), os.LookupEnv); err != nil {
			return err
		}
		return run(cmd, args)
	}
	return cmd
}

func applyEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := envName(f.Name)
		v, ok := lookup(name)
		if !ok || strings.TrimSpace(v) == "" {
			return
		}
		values := []string{v}
		if strings.HasSuffix(f.Value.Type(), "Array") || strings.HasSuffix(f.Value.Type(), "Slice") {
			values = strings.Fields(v)
		}
		for _, one := range values {
			if serr := fs.Set(f.Name, one); serr != nil {
				err = fmt.Errorf("%s=%q: %w (it sets --%s)", name, v, serr, f.Name)
				return
			}
		}
	})
	return err
}
