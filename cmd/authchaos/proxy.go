package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/config"
)

type proxyOptions struct {
	upstream     string
	addr         string
	scenarios    []string
	authUpstream string
	authPrefix   string
	upstreamCA   string
	verbose      bool
	adminHosts   []string
}

func newProxyCmd() *cobra.Command {
	var o proxyOptions
	cmd := &cobra.Command{
		Use:   "proxy --upstream URL [--addr HOST:PORT] [--scenario ID[:key=value,...]]... [--auth-upstream URL [--auth-prefix /oauth/]] [--upstream-ca FILE]",
		Short: "Put 401 chaos in front of a real API",
		Long: `Run a reverse proxy in front of a real API until interrupted, with the fake
server's admin API, journal, virtual clock, live view and metrics.

Every request outside /__admin/ and /metrics passes the active scenarios'
edge layers and is then forwarded to --upstream (requests under --auth-prefix
to --auth-upstream, so token requests land in the same journal). It prints
"listening on http://HOST:PORT" once it accepts connections.

Scenarios
  Front layers (waf-block, rate-limited, captive-portal...) run on real
  traffic unchanged. Token faults are judged on the credentials passing
  through: expired-token (a token lives 'lifetime' from when the proxy
  first sees it, and its JWT exp counts, both on the virtual clock),
  revoked-token, clock-skew, scope-mismatch. Scenarios that need the fake
  server's own accounts or token endpoint are refused, naming those that
  apply. Any scenario's edges can be narrowed with select.* parameters:

    --scenario waf-block:duration=1m,select.first=3
    --scenario rate-limited:select.p=0.1,select.seed=7,select.path=/api/

  select.path (prefix), select.method, select.first, select.every,
  select.p (probability, seeded by select.seed).

It listens on loopback unless told otherwise: the admin API can switch
faults on for everyone who reaches it.`,
		Example: `  authchaos proxy --upstream http://127.0.0.1:8080
  authchaos proxy --upstream https://api.internal --upstream-ca ca.pem --scenario waf-block
  authchaos proxy --upstream http://127.0.0.1:8080 --auth-upstream http://127.0.0.1:8401 --scenario expired-token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return proxy(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.upstream, "upstream", "", "forward to the API at `URL` (http:// or https://); required")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8402", "listen on `HOST:PORT` (port 0 picks a free port)")
	f.StringArrayVar(&o.scenarios, "scenario", nil, "activate scenario `ID[:key=value,...]` at start; repeatable")
	f.StringVar(&o.authUpstream, "auth-upstream", "", "forward requests under --auth-prefix to the identity provider at `URL`")
	f.StringVar(&o.authPrefix, "auth-prefix", "/oauth/", "path `PREFIX` that goes to --auth-upstream")
	f.StringVar(&o.upstreamCA, "upstream-ca", "", "trust the PEM certificates in `FILE` for https upstreams (beyond the system's)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log every request to stderr, not only 4xx and 5xx answers")
	f.StringArrayVar(&o.adminHosts, "admin-host", nil, "also answer admin calls addressed to host `NAME`; repeatable")
	return cmd
}

func proxy(ctx context.Context, o proxyOptions, stdout, stderr io.Writer) error {
	srv, cfg, err := newProxyServer(o, stderr)
	if err != nil {
		return err
	}
	if err := srv.Listen(cfg.Addr); err != nil {
		return fmt.Errorf("%w (choose another --addr; port 0 picks a free one)", err)
	}
	if !isLoopback(cfg.Addr) {
		fmt.Fprintf(stderr, "authchaos: warning: %s is reachable from other machines, and its admin API switches faults on\n", cfg.Addr)
	}
	base := srv.URL()
	fmt.Fprintf(stdout, "authchaos %s listening on %s\n", version(), base)
	fmt.Fprintf(stdout, "  upstream\t%s\n", o.upstream)
	if o.authUpstream != "" {
		fmt.Fprintf(stdout, "  %s*\t%s\n", o.authPrefix, o.authUpstream)
	}
	fmt.Fprintf(stdout, "  admin API\t%s/__admin/\n  live view\t%s/__admin/ui\n  metrics\t%s/metrics\n", base, base, base)
	if a := srv.Activation(); len(a) > 0 {
		fmt.Fprintln(stdout, "Active scenarios:")
		for _, sel := range a {
			fmt.Fprintf(stdout, "  %s%s\n", sel.ID, formatParams(sel.Params))
		}
	} else {
		fmt.Fprintf(stdout, "Active scenarios: none, traffic passes untouched (scenarios that apply: %s)\n", strings.Join(fakeserver.ProxyScenarios(), ", "))
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "authchaos: stopping")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "authchaos: warning: stopping: %v\n", err)
	}
	return nil
}

// newProxyServer checks the flags and builds the server; every error
// names the flag.
func newProxyServer(o proxyOptions, stderr io.Writer) (*fakeserver.Server, *config.File, error) {
	up, err := upstreamURL("--upstream", o.upstream)
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		return nil, nil, fmt.Errorf("--addr %q is not HOST:PORT (want e.g. 127.0.0.1:8402, or 127.0.0.1:0 for a free port)", o.addr)
	}
	cfg := config.Default()
	cfg.Addr = o.addr
	seen := map[string]bool{}
	for _, spec := range o.scenarios {
		sc, err := parseScenarioSpec(spec)
		if err != nil {
			return nil, nil, fmt.Errorf("--scenario %q: %w", spec, err)
		}
		if seen[sc.ID] {
			return nil, nil, fmt.Errorf("--scenario %q: scenario %s is listed twice", spec, sc.ID)
		}
		seen[sc.ID] = true
		if _, err := fakeserver.ResolveSelected(sc.ID, sc.Params); err != nil {
			return nil, nil, fmt.Errorf("--scenario %q: %w", spec, err)
		}
		cfg.Scenarios = append(cfg.Scenarios, sc)
	}
	transport := fakeserver.UpstreamTransport()
	if o.upstreamCA != "" {
		pem, err := os.ReadFile(o.upstreamCA)
		if err != nil {
			return nil, nil, fmt.Errorf("--upstream-ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("--upstream-ca %s: no PEM certificate found (want a file of -----BEGIN CERTIFICATE----- blocks)", o.upstreamCA)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	upOpts := []fakeserver.UpstreamOption{fakeserver.WithUpstreamTransport(transport)}
	if o.authUpstream != "" {
		au, err := upstreamURL("--auth-upstream", o.authUpstream)
		if err != nil {
			return nil, nil, err
		}
		if !strings.HasPrefix(o.authPrefix, "/") {
			return nil, nil, fmt.Errorf("--auth-prefix %q: want a path prefix starting with /, e.g. /oauth/", o.authPrefix)
		}
		upOpts = append(upOpts, fakeserver.WithAuthUpstream(au, o.authPrefix))
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv, err := fakeserver.New(fakeserver.WithConfig(cfg), fakeserver.WithLogger(logger),
		fakeserver.WithAdminHosts(o.adminHosts...), fakeserver.WithUpstream(up, upOpts...))
	if err != nil {
		var refusal *fakeserver.ProxyRefusal
		if errors.As(err, &refusal) {
			return nil, nil, fmt.Errorf("--scenario %s: %w", refusal.ID, err)
		}
		return nil, nil, err
	}
	return srv, cfg, nil
}

func upstreamURL(flag, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s is required (want the API's base URL, e.g. http://127.0.0.1:8080)", flag)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %q: want an absolute http:// or https:// URL, e.g. http://127.0.0.1:8080", flag, raw)
	}
	return u, nil
}
