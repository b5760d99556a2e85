package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Profile is a named set of scenarios that one kind of client must
// survive: `run --profile NAME` runs exactly them.
type Profile struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Why says which specification asks for these, for the reader.
	Why string `json:"why"`
	// Scenarios are labels as run --scenario takes them (variants too),
	// each with the requirement it checks.
	Scenarios []ProfileEntry `json:"scenarios"`
	// Unjudged names what the specification asks that no scenario
	// judges yet, so nobody reads a PASS as covering it.
	Unjudged []string `json:"unjudged,omitempty"`
}

// ProfileEntry is one scenario of a profile and why it is in.
type ProfileEntry struct {
	Label       string `json:"scenario"`
	Requirement string `json:"requirement"`
}

// Labels are the profile's scenarios as run --scenario takes them.
func (p Profile) Labels() []string {
	out := make([]string, len(p.Scenarios))
	for i, e := range p.Scenarios {
		out[i] = e.Label
	}
	return out
}

var profiles = map[string]Profile{
	"mcp": {
		Name:  "mcp",
		Title: "MCP clients (MCP authorization specification, 2025-06-18 and later)",
		Why: "An MCP client meets servers at run time: it must find the authorization server from the server's 401 (RFC 9728), " +
			"ask for tokens bound to that server (RFC 8707), widen its scope when a tool needs more, refresh, and survive refresh-token rotation (OAuth 2.1 §4.3.1).",
		Scenarios: []ProfileEntry{
			{"resource-metadata-discovery", "discovery from the 401: resource_metadata, then RFC 8414 metadata, then a token with resource="},
			{"missing-credentials", "a first call without a token gets a 401 with a challenge, and the client authenticates"},
			{"audience-mismatch", "a token issued for another resource (aud) is refused; the client gets one for this server"},
			{"scope-mismatch", "scope step-up: insufficient_scope names the scope a tool needs; a new grant asks for it"},
			{"expired-token", "an access token expires mid-session: one refresh, one retry"},
			{"refresh-token-rotation", "each refresh rotates the refresh token; reusing an old one revokes the family"},
			{"concurrent-expiry", "parallel tool calls when the token expires: one refresh between them"},
			{"redirect-strips-auth", "tokens never go to another origin than the server they were issued for"},
			{"step-up-authentication", "RFC 9470 step-up, which MCP servers use for sensitive tools"},
		},
		Unjudged: []string{
			"authorization code with PKCE S256 (the fake server requires S256 and refuses plain, but the driver protocol has no browser-based auth kind, so no scenario drives a client through /oauth/authorize)",
			"dynamic client registration (RFC 7591): not served",
		},
	},
}

// LookupProfile returns the profile called name.
func LookupProfile(name string) (Profile, bool) {
	p, ok := profiles[name]
	return p, ok
}

// ProfileNames lists the profiles, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkProfiles catches a profile naming a scenario the catalog lacks;
// the catalog test calls it once every file has registered.
func checkProfiles() error {
	for _, p := range profiles {
		for _, e := range p.Scenarios {
			id, given, err := ParseLabel(e.Label)
			if err != nil {
				return fmt.Errorf("profile %s: %w", p.Name, err)
			}
			if _, _, err := Resolve(id, given); err != nil {
				return fmt.Errorf("profile %s: scenario %s: %w", p.Name, e.Label, err)
			}
		}
		if slices.ContainsFunc(p.Scenarios, func(e ProfileEntry) bool { return strings.TrimSpace(e.Requirement) == "" }) {
			return fmt.Errorf("profile %s: every scenario needs its requirement", p.Name)
		}
	}
	return nil
}
