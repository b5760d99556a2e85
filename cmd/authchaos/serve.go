package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/scenarios"
)

type serveOptions struct {
	addr        string
	addrSet     bool // --addr given: it wins over the config file's addr
	configPath  string
	scenarios   []string
	printConfig bool
	verbose     bool
	adminHosts  []string
	tokenFormat string
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--scenario ID[:key=value,...]]... [--config FILE]",
		Short: "Run the fake auth server",
		Long: `Run the fake auth server until interrupted (Ctrl-C, SIGTERM).

Once it accepts connections it prints "listening on http://HOST:PORT" (with
the real port when --addr asks for port 0), the demo credentials it accepts,
the other origins redirect scenarios send clients to, the active scenarios
and the admin API it is steered through.

It listens on loopback unless told otherwise: the credentials are public
demo values, so anyone who can reach the server can use them.

Scenarios
  --scenario ID activates a failure mode at start (ids: 'authchaos scenarios').
  Repeat it to stack several; they install in the order given. Parameters
  follow a colon, as comma-separated key=value pairs:

    --scenario expired-token:lifetime=30s
    --scenario waf-block:duration=10s --scenario wrong-scheme

  'authchaos explain ID' lists a scenario's parameters and their defaults.
  --scenario replaces the config file's scenarios list rather than adding
  to it, so the command line alone says what is active.

Configuration
  Without --config the built-in demo setup is used. --print-config prints
  the effective configuration (file, defaults and flags merged) as YAML,
  a starting point for a config file of your own.

Environment
  Every flag may come from an AUTHCHAOS_* variable instead, as container
  images are configured: AUTHCHAOS_ADDR, AUTHCHAOS_SCENARIO (several
  separated by spaces), AUTHCHAOS_CONFIG, AUTHCHAOS_PRINT_CONFIG,
  AUTHCHAOS_VERBOSE, AUTHCHAOS_ADMIN_HOST, AUTHCHAOS_TOKEN_FORMAT. A flag given on the command line wins over its
  variable, and a variable over the config file.`,
		Example: `  authchaos serve
  authchaos serve --addr 127.0.0.1:0 --scenario expired-token:lifetime=30s
  authchaos serve --config lab.yaml --print-config
  AUTHCHAOS_ADDR=0.0.0.0:8401 AUTHCHAOS_SCENARIO="expired-token:lifetime=30s waf-block" authchaos serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.addrSet = cmd.Flags().Changed("addr") // from the command line or AUTHCHAOS_ADDR
			return serve(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "", "listen on `HOST:PORT`; overrides the config's addr (default 127.0.0.1:8401; port 0 picks a free port)")
	// StringArray, not StringSlice: a slice flag would split
	// "ID:a=1,b=2" at the comma that separates parameters.
	f.StringArrayVar(&o.scenarios, "scenario", nil, "activate scenario `ID[:key=value,...]` at start; repeatable")
	f.StringVar(&o.configPath, "config", "", "read the server configuration from YAML `FILE`")
	f.BoolVar(&o.printConfig, "print-config", false, "print the effective configuration as YAML and exit")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log every request to stderr, not only 4xx and 5xx answers")
	f.StringArrayVar(&o.adminHosts, "admin-host", nil, "also answer admin calls addressed to host `NAME` (beyond loopback names and the listen address; against DNS rebinding, others are refused); repeatable")
	f.StringVar(&o.tokenFormat, "token-format", "", "issue access tokens as `FORMAT`: jwt (signed, verified with /jwks) or opaque (random strings only POST /oauth/introspect explains); overrides the config's token_format")
	return withEnv(cmd)
}

func serve(ctx context.Context, o serveOptions, stdout, stderr io.Writer) error {
	cfg, err := effectiveConfig(o)
	if err != nil {
		return err
	}
	if o.printConfig {
		data, err := config.Marshal(cfg)
		if err != nil {
			return err
		}
		_, err = stdout.Write(data)
		return err
	}

	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv, err := fakeserver.New(fakeserver.WithConfig(cfg), fakeserver.WithLogger(logger), fakeserver.WithAdminHosts(o.adminHosts...))
	if err != nil {
		return err
	}
	if err := srv.Listen(cfg.Addr); err != nil {
		return fmt.Errorf("%w (choose another --addr; port 0 picks a free one)", err)
	}
	if !isLoopback(cfg.Addr) {
		fmt.Fprintf(stderr, "authchaos: warning: %s is reachable from other machines, and the demo credentials are public\n", cfg.Addr)
	}
	writeBanner(stdout, srv, cfg)

	<-ctx.Done()
	fmt.Fprintln(stderr, "authchaos: stopping")
	// A slow request in flight is no reason to report the run as failed:
	// the user asked the server to stop and it has.
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "authchaos: warning: stopping: %v\n", err)
	}
	return nil
}

// effectiveConfig merges the config file (or the defaults), --addr and
// --scenario, and checks every scenario against the catalog so a typo is
// reported as usage, naming where it came from, before anything listens.
func effectiveConfig(o serveOptions) (*config.File, error) {
	cfg := config.Default()
	if o.configPath != "" {
		var err error
		// The catalog checks each scenarios entry, so a wrong id or
		// parameter is reported at its line in the file.
		checkScenario := func(id string, params map[string]string) error {
			_, err := fakeserver.ResolveSelected(id, params)
			return err
		}
		if cfg, err = config.Load(o.configPath, config.CheckScenarios(checkScenario)); err != nil {
			return nil, err
		}
	}
	if o.addrSet {
		if _, _, err := net.SplitHostPort(o.addr); err != nil {
			return nil, fmt.Errorf("--addr %q is not HOST:PORT (want e.g. 127.0.0.1:8401, or 127.0.0.1:0 for a free port)", o.addr)
		}
		cfg.Addr = o.addr
	}
	switch f := config.TokenFormat(o.tokenFormat); f {
	case "":
	case config.JWTTokens, config.OpaqueTokens:
		cfg.TokenFormat = f
	default:
		return nil, fmt.Errorf("--token-format %q is not a token format (valid: %s, %s)", o.tokenFormat, config.JWTTokens, config.OpaqueTokens)
	}
	where := func(i int) string { return fmt.Sprintf("%s: scenarios[%d]", o.configPath, i) }
	if len(o.scenarios) > 0 {
		cfg.Scenarios = nil
		for _, spec := range o.scenarios {
			sc, err := parseScenarioSpec(spec)
			if err != nil {
				return nil, fmt.Errorf("--scenario %q: %w", spec, err)
			}
			cfg.Scenarios = append(cfg.Scenarios, sc)
		}
		where = func(i int) string { return fmt.Sprintf("--scenario %q", o.scenarios[i]) }
	}
	seen := map[string]bool{}
	for i := range cfg.Scenarios {
		sc := &cfg.Scenarios[i]
		if seen[sc.ID] {
			return nil, fmt.Errorf("%s: scenario %s is listed twice", where(i), sc.ID)
		}
		seen[sc.ID] = true
		p, err := fakeserver.ResolveSelected(sc.ID, sc.Params)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where(i), err)
		}
		// Defaults filled in, so --print-config and the banner show
		// exactly what runs.
		sc.Params = nil
		if len(p) > 0 {
			sc.Params = p
		}
	}
	return cfg, nil
}

// parseScenarioSpec reads "ID" or "ID:key=value,key=value".
func parseScenarioSpec(spec string) (config.Scenario, error) {
	id, given, err := scenarios.ParseLabel(spec)
	return config.Scenario{ID: id, Params: given}, err
}

// isLoopback reports whether addr only accepts connections from this
// machine. An empty host means every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// writeBanner tells a developer everything needed to point a client at
// the server. Printing the demo secrets is the point: they are the
// config's own, and the server itself never logs them. Write errors are
// ignored because a closed stdout is no reason to stop serving.
func writeBanner(w io.Writer, srv *fakeserver.Server, cfg *config.File) {
	base := srv.URL()
	fmt.Fprintf(w, "authchaos %s listening on %s\n", version(), base)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nCredentials it accepts (demo values from the config):")
	if len(cfg.Clients)+len(cfg.Users)+len(cfg.APIKeys) == 0 {
		fmt.Fprintln(tw, "  none configured")
	}
	for _, c := range cfg.Clients {
		fmt.Fprintf(tw, "  OAuth client\tclient_id=%s client_secret=%s\tscopes: %s\n", c.ID, c.Secret, words(c.Scopes))
	}
	for _, u := range cfg.Users {
		extra := ""
		if len(u.Roles) > 0 {
			extra = "; roles: " + words(u.Roles)
		}
		fmt.Fprintf(tw, "  user\tusername=%s password=%s\tscopes: %s%s\n", u.Username, u.Password, words(u.Scopes), extra)
	}
	for _, k := range cfg.APIKeys {
		fmt.Fprintf(tw, "  API key\tAuthorization: ApiKey %s\towner: %s; scopes: %s\n", k.Key, k.Owner, words(k.Scopes))
	}

	fmt.Fprintln(tw, "\nEndpoints:")
	fmt.Fprintf(tw, "  token\t%s/oauth/token\tclient_credentials, password, refresh_token, authorization_code (PKCE S256)\n", base)
	fmt.Fprintf(tw, "  login\t%s/login\tusername, password, otp; sets a session cookie\n", base)
	fmt.Fprintf(tw, "  discovery\t%s/.well-known/openid-configuration\n", base)
	for _, r := range cfg.Routes {
		rule := "schemes: " + strings.Join(r.Schemes, ", ")
		if r.Public {
			rule = "public"
		}
		if len(r.Scopes) > 0 {
			rule += "; scopes: " + words(r.Scopes)
		}
		if len(r.Roles) > 0 {
			rule += "; roles: " + words(r.Roles)
		}
		fmt.Fprintf(tw, "  %s\t%s%s\t%s\n", strings.Join(r.Methods, ","), base, r.Path, rule)
	}
	o := srv.Origins()
	fmt.Fprintf(tw, "  other origins\t%s\tsame host, another port\n", o.OtherPort)
	fmt.Fprintf(tw, "  \t%s\tanother host name (same listener as the line above)\n", o.CrossHost)
	fmt.Fprintf(tw, "  admin API\t%s/__admin/\tGET scenarios, PUT scenario, POST clock, GET|DELETE journal, POST reset\n", base)
	fmt.Fprintf(tw, "  live view\t%s/__admin/ui\tpick scenarios, move the clock, watch requests arrive\n", base)
	fmt.Fprintf(tw, "  metrics\t%s/metrics\tPrometheus counters by status and reason\n", base)
	tw.Flush()

	fmt.Fprintln(w)
	if len(cfg.Scenarios) == 0 {
		fmt.Fprintln(w, "Active scenarios: none, the server is healthy (activate one with --scenario ID or PUT /__admin/scenario)")
		return
	}
	fmt.Fprintln(w, "Active scenarios:")
	for _, sc := range cfg.Scenarios {
		fmt.Fprintf(w, "  %s%s\n", sc.ID, formatParams(sc.Params))
	}
}

func words(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, " ")
}

// formatParams shows params in the --scenario syntax, so a banner line
// can be pasted back into a command.
func formatParams(p map[string]string) string { return scenarios.Label("", p) }
