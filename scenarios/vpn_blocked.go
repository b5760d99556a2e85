package scenarios

import (
	"fmt"
	"net/http"
	"net/netip"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "vpn-blocked",
		Title:    "Requests from a VPN or proxy refused",
		Category: "network",
		Recovery: FailFast,
		Summary:  "the client's address (`address`) is on a VPN / anonymising-proxy list; a risk layer in front of the API answers every API call 401 JSON `untrusted_network` with a hint to disconnect the VPN, whatever credential is sent",
		Explain: Explain{
			Symptom:   "Every API call gets 401 `{\"reason\":\"untrusted_network\",\"hint\":\"turn off your VPN or proxy...\"}` naming the client's address, with no `WWW-Authenticate`. Logins and token requests still work, and the fresh token is refused the same way.",
			Cause:     "The service (or its CDN or fraud layer) refuses traffic from address ranges it sees as anonymising: commercial VPN exits, open proxies, Tor, some cloud ranges. The credential is fine; the network it arrives from is not trusted.",
			UserFix:   "Fail fast and show the hint: the error names the network, not the credential, so refreshing or logging in again cannot help. Turn off the VPN or proxy (or use one the service allows) and try again; for servers, call from an egress address the provider knows.",
			OwnerFix:  "Answer network policy refusals with 403 and a body that says the network was refused (not 401, which sends clients to renew credentials), offer a way to allow-list corporate VPN ranges, and log the list that matched.",
			TellApart: "Every call, any credential, JSON naming the address and the VPN: this. A plain-text denial on one route is firewall-block; an HTML page that clears by itself is waf-block; a session that dies when the address changes and a new login fixes is session-network-change.",
		},
		Sources: []string{SeedChecklist, SeedCauses},
		Params:  []Param{{Name: "address", Default: "198.51.100.23", Help: "the client's apparent address, a VPN exit", Kind: StringParam}},
		Install: func(env fault.Env, p Params) error {
			addr, err := netip.ParseAddr(p["address"])
			if err != nil {
				return fmt.Errorf("address %q is not an IP address", p["address"])
			}
			env.Use(onAPI(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				fault.NoteOf(r).Origin = journal.RiskFilter
				w.Header().Set("X-Client-IP", addr.String())
				fault.Answer{Status: http.StatusUnauthorized, Reason: journal.UntrustedNetwork, JSON: map[string]any{
					"status": http.StatusUnauthorized, "reason": journal.UntrustedNetwork,
					"message":    fmt.Sprintf("requests from %s are not accepted: the address belongs to a VPN or anonymising proxy", addr),
					"client_ip":  addr.String(),
					"network":    "vpn",
					"hint":       "turn off your VPN or proxy and try again; a new token or login will not help, the network is refused, not the credential",
					"request_id": "risk-7c2e91",
				}}.Write(w, r)
			}))
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/items")},
			Expect: Expect{Status: 401, ErrorNames: []string{"untrusted_network", "VPN", "proxy"}},
		},
	})
}
