package interop_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/fakeservertest"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites"
)

// need skips without node or the installed package, except in CI, where
// .ci/run installs both and a skip would hide a broken install.
func need(t *testing.T) {
	t.Helper()
	msg := ""
	if _, err := exec.LookPath("node"); err != nil {
		msg = "node is not installed (apt-get install nodejs)"
	} else if _, err := os.Stat(filepath.Join("oauth4webapi", "node_modules", "oauth4webapi")); err != nil {
		msg = "oauth4webapi is not installed: run (cd internal/interop/oauth4webapi && npm ci)"
	}
	if msg == "" {
		return
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal(msg + " (CI=" + ci + ": .ci/run installs it, so a skip here would hide a broken install)")
	}
	t.Skip(msg)
}

func runNode(t *testing.T, srv *fakeservertest.Server, mode string) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cfg := srv.Config()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("oauth4webapi", "interop.mjs"), mode, srv.URL, cfg.Clients[0].ID, cfg.Clients[0].Secret)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var m map[string]any
		if jerr := json.Unmarshal(sc.Bytes(), &m); jerr != nil {
			t.Fatalf("interop.mjs printed a line that is not JSON: %q", sc.Text())
		}
		lines = append(lines, m)
	}
	if err != nil {
		t.Fatalf("interop.mjs %s: %v\nstdout:\n%s\nstderr:\n%s", mode, err, out, stderr.String())
	}
	return lines
}

func steps(lines []map[string]any, name string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["step"] == name {
			out = append(out, l)
		}
	}
	return out
}

// oauth4webapi discovers the authorization server from the resource
// (RFC 9728, then RFC 8414), gets a DPoP-bound token for the resource,
// and retries once for each nonce the server asks for: at the token
// endpoint, and at the API once the nonce rotates on the virtual clock.
func TestOAuth4WebAPIDPoPAndDiscovery(t *testing.T) {
	need(t)
	srv := fakeservertest.Start(t)
	srv.MustApply(t, fakeserver.Activation{{ID: "dpop-nonce"}, {ID: "resource-metadata-discovery"}})
	lines := runNode(t, srv, "dpop")

	if d := steps(lines, "discovered"); len(d) != 1 || d[0]["resource"] != srv.URL+"/api/" || d[0]["issuer"] != srv.URL {
		t.Fatalf("discovery: %v, want resource %s/api/ and issuer %s", d, srv.URL, srv.URL)
	}
	if tok := steps(lines, "token"); len(tok) != 1 || tok[0]["token_type"] != "dpop" {
		t.Fatalf("token: %v, want one DPoP token", tok)
	}
	calls := steps(lines, "call")
	if len(calls) != 2 || calls[0]["status"] != float64(200) || calls[1]["status"] != float64(200) {
		t.Fatalf("calls: %v, want two 200s", calls)
	}
	if n := steps(lines, "nonce"); len(n) != 2 || n[0]["what"] != "token" || n[1]["what"] != "api" {
		t.Fatalf("nonce retries: %v, want one at the token endpoint, then one at the API", n)
	}

	es := srv.Journal().Entries(0)
	tokens := suites.Filter(es, suites.IsTokenRequest)
	if len(tokens) != 2 || tokens[0].Reason != journal.UseDPoPNonce || tokens[1].Status != 200 || !tokens[1].DPoP || tokens[1].Resource != srv.URL+"/api/" {
		t.Fatalf("token requests %+v: want use_dpop_nonce, then 200 with a proof and resource=%s/api/", tokens, srv.URL)
	}
	refusals := suites.Filter(es, func(e fakeserver.Entry) bool { return suites.IsAPICall(e) && e.Reason == journal.UseDPoPNonce })
	if len(refusals) != 1 {
		t.Fatalf("API nonce refusals: %d, want 1 (after the rotation)", len(refusals))
	}
	if suites.Count(es, suites.IsResourceMetadata) == 0 || suites.Count(es, suites.IsServerMetadata) == 0 {
		t.Fatal("the journal shows no RFC 9728 or RFC 8414 metadata fetch")
	}
}

// oauth4webapi's device flow, polled as its documentation shows, meets
// authorization_pending, then slow_down, then the approval.
func TestOAuth4WebAPIDeviceFlow(t *testing.T) {
	need(t)
	srv := fakeservertest.Start(t)
	srv.MustApply(t, fakeserver.Activation{{ID: "device-flow"}})
	lines := runNode(t, srv, "device")
	polls := steps(lines, "poll")
	if len(polls) != 2 || polls[0]["error"] != "authorization_pending" || polls[1]["error"] != "slow_down" {
		t.Fatalf("polls: %v, want authorization_pending then slow_down", polls)
	}
	if tok := steps(lines, "token"); len(tok) != 1 {
		t.Fatalf("token: %v, want one after approval", lines)
	}
	es := srv.Journal().Entries(0)
	if n := suites.Count(es, suites.IsDevicePoll); n != 3 {
		t.Fatalf("%d device polls in the journal, want 3", n)
	}
}
