package main

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProxyBadUsage(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	up := "http://127.0.0.1:9"
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"--upstream is required"}},
		{[]string{"--upstream", "ftp://example"}, []string{"--upstream", "http:// or https://"}},
		{[]string{"--upstream", up, "--addr", "8402"}, []string{"--addr", "HOST:PORT"}},
		{[]string{"--upstream", up, "--scenario", "waf-blok"}, []string{"--scenario", "unknown scenario", "waf-block"}},
		{[]string{"--upstream", up, "--scenario", "expired-session"}, []string{"--scenario expired-session", "does not apply to the proxy", "waf-block"}},
		{[]string{"--upstream", up, "--scenario", "waf-block:select.p=2"}, []string{"select.p", "between 0 and 1"}},
		{[]string{"--upstream", up, "--scenario", "waf-block", "--scenario", "waf-block"}, []string{"listed twice"}},
		{[]string{"--upstream", up, "--upstream-ca", filepath.Join(dir, "missing.pem")}, []string{"--upstream-ca", "missing.pem"}},
		{[]string{"--upstream", up, "--upstream-ca", notPEM}, []string{"--upstream-ca", "no PEM certificate"}},
		{[]string{"--upstream", up, "--auth-upstream", "idp"}, []string{"--auth-upstream", "http:// or https://"}},
		{[]string{"--upstream", up, "--auth-upstream", "http://127.0.0.1:9", "--auth-prefix", "oauth"}, []string{"--auth-prefix", "starting with /"}},
	} {
		code, _, stderr := runCLI(t, append([]string{"proxy"}, tc.args...)...)
		if code != exitUsage {
			t.Errorf("proxy %v: exit %d, want %d; stderr: %s", tc.args, code, exitUsage, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("proxy %v: stderr %q does not say %q", tc.args, stderr, w)
			}
		}
	}
}

// TestProxyHTTPSUpstream runs the command as users do, in front of an
// HTTPS upstream whose certificate only --upstream-ca makes trusted.
func TestProxyHTTPSUpstream(t *testing.T) {
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"tls":true,"forwarded_proto":"`+r.Header.Get("X-Forwarded-Proto")+`"}`)
	}))
	up.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted handshake below is expected
	up.StartTLS()
	defer up.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: up.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	base, stop := startCommand(t, "proxy", "--upstream", up.URL, "--upstream-ca", ca, "--addr", "127.0.0.1:0", "--scenario", "waf-block:select.first=1")
	if code, body := get(base + "/api/items"); code != http.StatusUnauthorized || !strings.Contains(body, "Request blocked") {
		t.Errorf("first call: %d %s, want the WAF's 401", code, body)
	}
	if code, body := get(base + "/api/items"); code != http.StatusOK || !strings.Contains(body, `"tls":true`) {
		t.Errorf("second call: %d %s, want the HTTPS upstream's 200", code, body)
	}
	if code, out := stop(); code != exitOK || !strings.Contains(out, "waf-block:duration=1s,select.first=1") {
		t.Errorf("proxy exit %d; stdout:\n%s", code, out)
	}

	// Without the CA the upstream is untrusted: 502, naming why.
	base, _ = startCommand(t, "proxy", "--upstream", up.URL, "--addr", "127.0.0.1:0")
	if code, body := get(base + "/api/items"); code != http.StatusBadGateway || !strings.Contains(body, "certificate") {
		t.Errorf("without --upstream-ca: %d %s, want 502 about the certificate", code, body)
	}
}

// TestRunThroughProxy judges built-in clients through the proxy in front
// of a served fake server, with `run --server`: the verdicts are the ones
// run gives against the fake server itself.
func TestRunThroughProxy(t *testing.T) {
	api, _ := startServe(t, "--addr", "127.0.0.1:0")
	proxyURL, _ := startCommand(t, "proxy", "--upstream", api, "--addr", "127.0.0.1:0")
	ids := []string{"waf-block", "revoked-token", "expired-token", "redirect-strips-auth", "scope-mismatch"}
	args := func(client string) []string {
		a := []string{"run", "--client", client, "--server", proxyURL}
		for _, id := range ids {
			a = append(a, "--scenario", id)
		}
		return a
	}
	if code, stdout, stderr := runCLI(t, args("resilient")...); code != exitOK {
		t.Errorf("resilient through the proxy: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ := runCLI(t, args("naive")...)
	if code != exitFailures {
		t.Errorf("naive through the proxy: exit %d, want %d\n%s", code, exitFailures, stdout)
	}
	for _, id := range ids[:4] {
		if !strings.Contains(stdout, "FAIL     "+id) {
			t.Errorf("naive through the proxy: %s not failed, as it is on the fake server:\n%s", id, stdout)
		}
	}
}

// judge, reading the journal the proxy recorded, gives each client the
// verdict run gives it: the same rules on traffic nobody scripted for it.
func TestJudgeThroughProxy(t *testing.T) {
	api, _ := startServe(t, "--addr", "127.0.0.1:0")
	proxyURL, _ := startCommand(t, "proxy", "--upstream", api, "--addr", "127.0.0.1:0")
	dir := t.TempDir()
	for _, tc := range []struct{ id, kind string }{
		{"waf-block", "backoff"}, {"revoked-token", "refresh"}, {"expired-token", "refresh"},
		{"redirect-strips-auth", "no-leak"}, {"scope-mismatch", "step-up"},
	} {
		for _, client := range []string{"resilient", "naive"} {
			report := filepath.Join(dir, client+"-"+tc.id+".json")
			runCode, stdout, _ := runCLI(t, "run", "--client", client, "--server", proxyURL, "--scenario", tc.id, "--json-report", report)
			judgeCode, jout, jerr := runCLI(t, "judge", "--recovery", tc.kind, "--journal", report)
			// naive asks for every scope up front, so no insufficient_scope
			// ever comes: run passes it, judge says there is nothing to
			// judge (as in the parity table against the fake server).
			if client == "naive" && tc.id == "scope-mismatch" {
				if !strings.Contains(jout, "NOTHING TO JUDGE") {
					t.Errorf("naive on scope-mismatch: judge should find nothing to judge:\n%s%s", jout, jerr)
				}
				continue
			}
			if runCode != judgeCode {
				t.Errorf("%s on %s through the proxy: run exit %d, judge exit %d\nrun:\n%s\njudge:\n%s%s", client, tc.id, runCode, judgeCode, stdout, jout, jerr)
			}
		}
	}
}
