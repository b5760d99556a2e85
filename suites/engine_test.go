package suites_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
	"github.com/authchaos/authchaos/suites/adapter"
	"github.com/authchaos/authchaos/suites/driver"
)

// hangingClient never returns from Do until it is closed, and ignores
// its context, as an SDK stuck on a lock does.
type hangingClient struct{ release chan struct{} }

func (c *hangingClient) Do(context.Context, adapter.Call) adapter.Result {
	<-c.release
	return adapter.Result{Status: 200}
}

func (c *hangingClient) Close() error { close(c.release); return nil }

// closeFails is a working client whose Close reports an error.
type closeFails struct{ adapter.Client }

func (c closeFails) Close() error {
	_ = c.Client.Close()
	return errors.New("token store: disk full")
}

// byAuth builds the reference client for OAuth targets, reports API keys
// unsupported and cannot be configured for sessions: one run, one
// scenario of each verdict.
func byAuth(ctx context.Context, t adapter.Target) (adapter.Client, error) {
	switch t.Auth {
	case adapter.AuthAPIKey:
		return nil, fmt.Errorf("this SDK speaks OAuth only: %w", adapter.ErrUnsupported)
	case adapter.AuthSession:
		return nil, errors.New("cookie jar: permission denied")
	}
	return resilient.Factory()(ctx, t)
}

// startServer starts a fake server with one scenario active.
func startServer(id string, params ...map[string]string) *fakeserver.Server {
	GinkgoHelper()
	srv := fakeserver.MustNew()
	Expect(srv.Start()).To(Succeed())
	DeferCleanup(srv.Close)
	Expect(srv.Activate([]string{id}, params...)).To(Succeed())
	return srv
}

var _ = Describe("BuildTarget", func() {
	It("tells the client where the server is and the default credentials", func() {
		srv := startServer("expired-token")
		base := srv.URL()
		t := suites.BuildTarget(srv, suites.MustLookup("expired-token"))
		Expect(t).To(Equal(adapter.Target{
			BaseURL: base, TokenURL: base + "/oauth/token", LoginURL: base + "/login",
			AuthorizeURL: base + "/oauth/authorize", RevokeURL: base + "/oauth/revoke",
			Auth: adapter.AuthOAuth2Password, ClientID: "authchaos-client", ClientSecret: "authchaos-secret",
			Username: "alice", Password: "wonderland", APIKey: "ak_live_authchaos_demo_key", Scopes: []string{"read"},
		}))
	})

	It("hands over the stored tokens a scenario published", func() {
		srv := startServer("stale-cached-credentials")
		fx := srv.Fixtures()
		Expect(fx).To(HaveKey("access_token"))
		Expect(fx).To(HaveKey("refresh_token"))
		t := suites.BuildTarget(srv, suites.MustLookup("stale-cached-credentials"))
		Expect(t.AccessToken).To(Equal(fx["access_token"]))
		Expect(t.RefreshToken).To(Equal(fx["refresh_token"]))
		Expect(t.AccessToken).NotTo(BeEmpty())
		Expect(t.Auth).To(Equal(adapter.AuthOAuth2Password))
		Expect(t.Username).To(Equal("alice"))
	})

	It("keeps stored tokens from a client whose workload does not start from them", func() {
		srv := startServer("malformed-credentials", map[string]string{"kind": "truncated-jwt"})
		Expect(srv.Fixtures()).To(HaveKey("access_token"))
		t := suites.BuildTarget(srv, suites.MustLookup("malformed-credentials"))
		Expect(t.AccessToken).To(BeEmpty())
		Expect(t.RefreshToken).To(BeEmpty())
	})

	It("replaces the client id and secret with the scenario's fixtures", func() {
		srv := startServer("client-mismatch")
		t := suites.BuildTarget(srv, suites.MustLookup("client-mismatch"))
		Expect(t.ClientID).To(Equal("authchaos-staging"))
		Expect(t.ClientSecret).To(Equal("staging-0c4f9e2a7d31b8e5"))
		Expect(t.Auth).To(Equal(adapter.AuthOAuth2ClientCredentials))
	})

	It("follows the scenario's parameters", func() {
		srv := startServer("client-mismatch", map[string]string{"kind": "wrong-secret"})
		t := suites.BuildTarget(srv, suites.MustLookup("client-mismatch"))
		Expect(t.ClientID).To(Equal("authchaos-client"))
		Expect(t.ClientSecret).To(Equal("staging-0c4f9e2a7d31b8e5"))
	})

	It("replaces the API key with a malformed one", func() {
		srv := startServer("malformed-credentials")
		t := suites.BuildTarget(srv, suites.MustLookup("malformed-credentials"))
		Expect(t.APIKey).To(Equal("ApiKey ak_live_authchaos_demo_key"))
		Expect(t.Auth).To(Equal(adapter.AuthAPIKey))
	})

	It("applies the workload's password and one-time code overrides", func() {
		srv := startServer("wrong-password")
		t := suites.BuildTarget(srv, suites.MustLookup("wrong-password"))
		Expect(t.Username).To(Equal("alice"))
		Expect(t.Password).To(Equal("wonderIand"))
		Expect(t.Auth).To(Equal(adapter.AuthSession))

		srv = startServer("mfa-required")
		t = suites.BuildTarget(srv, suites.MustLookup("mfa-required"))
		Expect(t.OTPURL).To(Equal(srv.URL() + "/__admin/otp?user=alice"))
	})
})

var _ = Describe("Select", func() {
	It("selects the whole catalog when given no ids", func() {
		all, err := suites.Select(nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(all).To(Equal(scenarios.All()))
	})

	It("keeps the order given and drops repeats", func() {
		got, err := suites.Select([]string{"waf-block", "expired-token", "waf-block"})
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(2))
		Expect(got[0].ID).To(Equal("waf-block"))
		Expect(got[1].ID).To(Equal("expired-token"))
	})

	It("rejects an unknown id, listing the valid ones", func() {
		_, err := suites.Select([]string{"expired-token", "expird-token"})
		var unknown *scenarios.UnknownError
		Expect(errors.As(err, &unknown)).To(BeTrue(), "want a *scenarios.UnknownError, got %v", err)
		Expect(unknown.ID).To(Equal("expird-token"))
		Expect(err.Error()).To(HavePrefix(`unknown scenario "expird-token" (valid: `))
		for _, id := range scenarios.IDs() {
			Expect(err.Error()).To(ContainSubstring(id))
		}
	})
})

var _ = Describe("Run", func() {
	It("needs a factory", func(ctx SpecContext) {
		rep, err := suites.Run(ctx, suites.Options{Client: "nobody", Scenarios: []string{"expired-token"}})
		Expect(err).To(MatchError("suites: Options.Factory is required"))
		Expect(rep).To(BeNil())
	})

	It("rejects an unknown scenario before running anything", func(ctx SpecContext) {
		called := false
		rep, err := suites.Run(ctx, suites.Options{Scenarios: []string{"nope"},
			Factory: func(context.Context, adapter.Target) (adapter.Client, error) {
				called = true
				return nil, errors.New("unreachable")
			}})
		Expect(err).To(MatchError(ContainSubstring(`unknown scenario "nope"`)))
		Expect(rep).To(BeNil())
		Expect(called).To(BeFalse())
	})

	It("skips a scenario whose auth kind the client does not support", func(ctx SpecContext) {
		rep, err := suites.Run(ctx, suites.Options{Client: "oauth-only", Factory: byAuth, Scenarios: []string{"revoked-key"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Results).To(HaveLen(1))
		res := rep.Results[0]
		Expect(res.Verdict).To(Equal(suites.Skip))
		Expect(res.Detail).To(Equal(`client does not support auth kind "api-key": this SDK speaks OAuth only: auth kind not supported by this client`))
		Expect([]int{rep.Passed, rep.Failed, rep.Skipped}).To(Equal([]int{0, 0, 1}))
	})

	It("fails a scenario whose client cannot be configured, naming the error", func(ctx SpecContext) {
		rep, err := suites.Run(ctx, suites.Options{Client: "oauth-only", Factory: byAuth, Scenarios: []string{"expired-session"}})
		Expect(err).NotTo(HaveOccurred())
		res := rep.Results[0]
		Expect(res.Verdict).To(Equal(suites.Fail))
		Expect(res.Detail).To(Equal(`the client could not be configured for auth "session": cookie jar: permission denied`))
		Expect([]int{rep.Passed, rep.Failed, rep.Skipped}).To(Equal([]int{0, 1, 0}))
	})

	It("passes the reference client and says how it recovered", func(ctx SpecContext) {
		rep, err := suites.Run(ctx, suites.Options{Client: "resilient", Factory: resilient.Factory(), Scenarios: []string{"expired-token"}})
		Expect(err).NotTo(HaveOccurred())
		res := rep.Results[0]
		Expect(res.Verdict).To(Equal(suites.Pass), res.Detail)
		Expect(res.Detail).To(Equal("refresh; 3 API calls, 2 token/login requests; ended 200"))
		Expect(res.Findings).To(BeEmpty())
		Expect(res.Calls).To(HaveLen(2))
		Expect(res.Journal).NotTo(BeEmpty())
	})

	It("fails a client whose Close fails", func(ctx SpecContext) {
		factory := func(ctx context.Context, t adapter.Target) (adapter.Client, error) {
			c, err := resilient.Factory()(ctx, t)
			return closeFails{c}, err
		}
		rep, err := suites.Run(ctx, suites.Options{Factory: factory, Scenarios: []string{"expired-token"}})
		Expect(err).NotTo(HaveOccurred())
		res := rep.Results[0]
		Expect(res.Verdict).To(Equal(suites.Fail))
		Expect(res.Findings).To(Equal([]string{"closing the client failed: token store: disk full"}))
	})

	It("cuts off a client whose Do never returns", func(ctx SpecContext) {
		factory := func(context.Context, adapter.Target) (adapter.Client, error) {
			return &hangingClient{release: make(chan struct{})}, nil
		}
		start := time.Now()
		rep, err := suites.Run(ctx, suites.Options{Client: "stuck", Factory: factory, Scenarios: []string{"waf-block"},
			CallTimeout: 200 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second))
		res := rep.Results[0]
		Expect(res.Verdict).To(Equal(suites.Fail))
		Expect(res.Detail).To(ContainSubstring("harness: the client did not return from GET /api/items within 200ms"))
		Expect(res.Calls).To(Equal([]suites.CallSummary{{Call: "GET /api/items",
			Error: "harness: the client did not return from GET /api/items within 200ms"}}))
	})

	Context("with an out-of-process driver that breaks the protocol", func() {
		run := func(ctx context.Context, command string) (suites.Result, time.Duration) {
			GinkgoHelper()
			start := time.Now()
			rep, err := suites.Run(ctx, suites.Options{Client: "driver", Scenarios: []string{"expired-token"},
				Factory: driver.Factory(driver.Options{Command: command, Timeout: 500 * time.Millisecond})})
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.Results).To(HaveLen(1))
			Expect(rep.Failed).To(Equal(1))
			Expect(rep.Results[0].Verdict).To(Equal(suites.Fail))
			return rep.Results[0], time.Since(start)
		}

		It("fails the scenario when the driver answers configure with something not JSON", func(ctx SpecContext) {
			res, took := run(ctx, `sh -c 'read line; echo not-json'`)
			Expect(res.Detail).To(Equal(`the client could not be configured for auth "oauth2-password": ` +
				`driver: driver wrote a line that is not JSON at stdout line 1: "not-json" (want one JSON object per line)`))
			Expect(took).To(BeNumerically("<", 3*time.Second))
		})

		It("fails the scenario when the driver exits at once, with its stderr", func(ctx SpecContext) {
			res, took := run(ctx, `echo "Error: Cannot find module 'sdk'" >&2; exit 3`)
			Expect(res.Detail).To(Equal(`the client could not be configured for auth "oauth2-password": ` +
				`driver: driver exited with status 3 before answering configure; stderr: Error: Cannot find module 'sdk'`))
			Expect(took).To(BeNumerically("<", 3*time.Second))
		})

		It("fails the scenario within the timeout when the driver never answers", func(ctx SpecContext) {
			res, took := run(ctx, `read line; exec sleep 30`)
			Expect(res.Detail).To(Equal(`the client could not be configured for auth "oauth2-password": ` +
				`driver: driver did not answer configure within 500ms`))
			Expect(took).To(BeNumerically("<", 3*time.Second))
		})

		It("fails the scenario when the driver dies on a call, showing its stderr", func(ctx SpecContext) {
			res, took := run(ctx, `read line; echo '{"id":1,"ok":true}'; read line; echo 'panic: nil token in refresh' >&2; exit 2`)
			Expect(res.Findings).To(ContainElement(HavePrefix(
				`did not recover: call 1 (GET /api/items) ended with status 0 (no answer); it should have succeeded (client's error: "driver: driver exited with status 2 before answering call 2 (GET /api/items)`)))
			Expect(res.Detail).To(HaveSuffix("\nclient stderr:\npanic: nil token in refresh"))
			Expect(took).To(BeNumerically("<", 3*time.Second))
		})
	})
})
