package fakeserver_test

import (
	"context"
	_ "embed"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/internal/nginxtest"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
)

//go:embed testdata/nginx/api.conf
var nginxAPIConf string

// nginxAPI is the JSON API nginx serves under /api/.
var nginxAPI = map[string]string{
	"www/api/items.json": `{"items":[{"id":1,"name":"from nginx"}]}` + "\n",
	"www/api/me.json":    `{"user":"from nginx"}` + "\n",
}

// TestProxyInFrontOfNginx runs the reference client through the proxy in
// front of a real nginx whose bearer check (auth_request) asks the fake
// server's GET /api/me, the fake server being the identity provider too (its token
// endpoint behind the proxy's --auth-upstream). Each scenario's workload
// and verdict are the suites' own, and the journal shows what it shows
// when the same client runs against the fake server alone.
func TestProxyInFrontOfNginx(t *testing.T) {
	for _, tc := range []struct {
		active   []string
		workload string // whose workload and verdict
	}{
		{[]string{"waf-block"}, "waf-block"},
		{[]string{"expired-token"}, "expired-token"},
		{[]string{"revoked-token"}, "revoked-token"},
		// Stacked: the edge blocks the first call, then the token dies.
		{[]string{"waf-block", "expired-token"}, "expired-token"},
	} {
		t.Run(strings.Join(tc.active, "+"), func(t *testing.T) {
			sc := suites.MustLookup(tc.workload)
			// The identity provider's tokens live an hour, longer than
			// the proxy's clock moves: a fresh token must pass there.
			idpCfg := config.Default()
			idpCfg.Lifetimes.AccessToken = config.Duration(time.Hour)
			idp := fakeserver.MustNew(fakeserver.WithConfig(idpCfg))
			if err := idp.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = idp.Close() })
			api := nginxtest.Start(t, "the proxy's nginx test", nginxAPIConf,
				struct{ IdP string }{strings.TrimPrefix(idp.URL(), "http://")}, nginxAPI)

			au, _ := url.Parse(idp.URL())
			p := startProxy(t, api, fakeserver.WithAuthUpstream(au, "/oauth/"))
			if err := p.Activate(tc.active); err != nil {
				t.Fatal(err)
			}
			viaProxy := runReference(t, p, sc)
			if !strings.Contains(viaProxy[len(viaProxy)-1], "200") {
				t.Fatalf("through the proxy the client did not end with a 200:\n%s", strings.Join(viaProxy, "\n"))
			}

			fake := fakeserver.MustNew(fakeserver.WithClock(clock.Frozen(t0)))
			if err := fake.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = fake.Close() })
			if err := fake.Activate(tc.active); err != nil {
				t.Fatal(err)
			}
			direct := runReference(t, fake, sc)
			if strings.Join(viaProxy, "\n") != strings.Join(direct, "\n") {
				t.Errorf("the journals differ.\nthrough the proxy in front of nginx:\n%s\nagainst the fake server:\n%s",
					strings.Join(viaProxy, "\n"), strings.Join(direct, "\n"))
			}
			t.Logf("journal through the proxy in front of nginx, as on the fake server:\n%s", strings.Join(viaProxy, "\n"))
			// nginx really judged the token: the identity provider's
			// bearer check was asked for the API calls that reached it.
			if n := countPath(idp, "/api/me"); n == 0 {
				t.Errorf("the identity provider's /api/me was never asked: nginx did not check the bearer token")
			}
		})
	}
}

// runReference runs sc's workload with the reference client against srv
// (a proxy or the fake server), fails on the suites' findings, and
// returns the journal as lines a reader compares: method, path, status,
// reason, grant, origin.
func runReference(t *testing.T, srv *fakeserver.Server, sc *scenarios.Scenario) []string {
	t.Helper()
	// Back-off waits move the server's virtual clock instead of sleeping.
	sleep := func(_ context.Context, d time.Duration) error { srv.Advance(d); return nil }
	client, err := resilient.New(suites.BuildTarget(srv, sc), resilient.WithSleep(sleep))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	steps, err := suites.RunWorkload(ctx, srv, sc, client, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if findings := suites.Judge(sc, steps); len(findings) > 0 {
		t.Errorf("%s on %s: the reference client fails: %s", sc.ID, srv.URL(), strings.Join(findings, "; "))
	}
	var lines []string
	for _, e := range srv.Journal().Entries(0) {
		lines = append(lines, fmt.Sprintf("%s %s -> %d %s grant=%s origin=%s", e.Method, e.Path, e.Status, e.Reason, e.Grant, e.Origin))
	}
	return lines
}

func countPath(s *fakeserver.Server, path string) int {
	n := 0
	for _, e := range s.Journal().Entries(0) {
		if e.Path == path {
			n++
		}
	}
	return n
}
