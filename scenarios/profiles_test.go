package scenarios

import (
	"strings"
	"testing"
)

// Every profile names scenarios the catalog has, each with its reason.
func TestProfilesNameCatalogScenarios(t *testing.T) {
	if err := checkProfiles(); err != nil {
		t.Fatal(err)
	}
	p, ok := LookupProfile("mcp")
	if !ok || len(p.Scenarios) == 0 {
		t.Fatal("the mcp profile is missing or empty")
	}
	for _, want := range []string{"resource-metadata-discovery", "audience-mismatch", "scope-mismatch", "expired-token", "refresh-token-rotation"} {
		if !strings.Contains(strings.Join(p.Labels(), " "), want) {
			t.Errorf("the mcp profile lacks %s, which the MCP authorization spec requires", want)
		}
	}
}

// checkProfiles fails on a profile that names an unknown scenario.
func TestCheckProfilesCatchesAnUnknownScenario(t *testing.T) {
	profiles["spec-bad"] = Profile{Name: "spec-bad", Scenarios: []ProfileEntry{{"no-such-scenario", "x"}}}
	defer delete(profiles, "spec-bad")
	if err := checkProfiles(); err == nil || !strings.Contains(err.Error(), "no-such-scenario") {
		t.Fatalf("checkProfiles() = %v, want an error naming no-such-scenario", err)
	}
}
