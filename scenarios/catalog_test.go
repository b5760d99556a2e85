package scenarios_test

import (
	"os"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/scenarios"
)

// contractIDs are the scenario ids ../shared/CONTRACT.md fixes.
var contractIDs = []string{
	"missing-credentials", "expired-session", "expired-token", "revoked-token",
	"refresh-token-expired", "refresh-token-rotation", "bad-signature", "clock-skew",
	"stale-cached-credentials", "revoked-key", "wrong-scheme", "malformed-credentials",
	"wrong-password", "password-changed", "mfa-required", "device-limit", "scope-mismatch",
	"forbidden-not-unauthorized", "client-mismatch", "redirect-uri-mismatch",
	"redirect-strips-auth", "waf-block", "firewall-block", "rate-limited", "captive-portal",
	"stale-dns", "cookie-domain-mismatch", "cookie-secure-over-http", "basic-auth-shadow",
	"public-endpoint-protected", "missing-www-authenticate", "wrong-url", "concurrent-expiry",
}

func TestCatalogHasEveryContractID(t *testing.T) {
	for _, id := range contractIDs {
		if _, ok := scenarios.Lookup(id); !ok {
			t.Errorf("contract scenario %s is not in the catalog", id)
		}
	}
}

// Every scenario is one file and has one spec file next to it: a
// scenario without a spec is a name in a list.
func TestEveryScenarioHasItsFileAndSpec(t *testing.T) {
	for _, sc := range scenarios.All() {
		base := strings.ReplaceAll(sc.ID, "-", "_")
		for _, f := range []string{base + ".go", base + "_test.go"} {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("scenario %s: %s is missing", sc.ID, f)
			}
		}
	}
}

func TestEveryScenarioTeaches(t *testing.T) {
	seeds := map[string]bool{scenarios.SeedGuide: true, scenarios.SeedCauses: true, scenarios.SeedChecklist: true}
	for _, sc := range scenarios.All() {
		e := sc.Explain
		for name, part := range map[string]string{"symptom": e.Symptom, "cause": e.Cause, "user fix": e.UserFix, "owner fix": e.OwnerFix, "tell apart": e.TellApart} {
			if len(strings.Fields(part)) < 8 {
				t.Errorf("scenario %s: %s is too thin to teach from: %q", sc.ID, name, part)
			}
		}
		for _, src := range sc.Sources {
			if !seeds[src] {
				t.Errorf("scenario %s: source %q is not a seed document", sc.ID, src)
			}
		}
	}
}

func TestResolveParams(t *testing.T) {
	if _, _, err := scenarios.Resolve("nope", nil); err == nil || !strings.Contains(err.Error(), "expired-token") {
		t.Errorf("unknown id error should list valid ids, got %v", err)
	}
	if _, _, err := scenarios.Resolve("expired-token", map[string]string{"lifetim": "1m"}); err == nil || !strings.Contains(err.Error(), "valid: lifetime") {
		t.Errorf("unknown param error should list valid params, got %v", err)
	}
	if _, _, err := scenarios.Resolve("expired-token", map[string]string{"lifetime": "soon"}); err == nil || !strings.Contains(err.Error(), "not a duration") {
		t.Errorf("bad duration error, got %v", err)
	}
	_, p, err := scenarios.Resolve("expired-token", map[string]string{"lifetime": "90s"})
	if err != nil || p.Duration("lifetime").Seconds() != 90 {
		t.Errorf("Resolve = %v, %v", p, err)
	}
}
