package fakeservertest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/fakeservertest"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

// A token minted before any request (a scenario's stored token, or
// MintToken) must verify: the server knows its issuer from the start.
func TestTokensMintedBeforeAnyRequestVerify(t *testing.T) {
	srv := fakeservertest.Start(t, fakeserver.WithFrozenClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)))
	if srv.URL == "" || srv.URL != srv.Server.URL() {
		t.Fatalf("URL %q, server says %q", srv.URL, srv.Server.URL())
	}
	access, _, err := srv.MintToken("alice", "read")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/items", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/items with a minted token: %d, want 200", resp.StatusCode)
	}
}

// Scenarios from the configuration are installed once, with the issuer
// and the other origin known, and the other origin records into the
// same journal.
func TestConfigScenariosAndTheOtherOrigin(t *testing.T) {
	cfg := config.Default()
	cfg.Scenarios = []config.Scenario{{ID: "redirect-strips-auth"}}
	srv := fakeservertest.Start(t, fakeserver.WithConfig(cfg))
	if got := srv.Active(); len(got) != 1 || got[0] != "redirect-strips-auth" {
		t.Fatalf("active %v", got)
	}
	if o := srv.Origins(); o.Self != srv.URL || o.OtherPort != srv.OtherURL || o.CrossHost == "" {
		t.Fatalf("origins %+v for %s and %s", o, srv.URL, srv.OtherURL)
	}
	resp, err := srv.Client().Get(srv.OtherURL + "/mirror/items")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	es := srv.Journal().Entries(0)
	if len(es) != 1 || es[0].Origin != journal.OtherOrigin || es[0].Scenario != "redirect-strips-auth" {
		t.Fatalf("journal %+v, want one other-origin entry under the scenario", es)
	}
}

func TestTargetCarriesTheDefaults(t *testing.T) {
	srv := fakeservertest.Start(t)
	tg := srv.Target(adapter.AuthOAuth2Password)
	if tg.BaseURL != srv.URL || tg.ClientID == "" || tg.Username == "" || tg.APIKey == "" || tg.OTPURL == "" {
		t.Fatalf("target %+v", tg)
	}
}
