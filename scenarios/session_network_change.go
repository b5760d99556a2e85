package scenarios

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/suites/adapter"
)

// The client's two networks, from the documentation ranges (RFC 5737).
const (
	firstNetwork  = "203.0.113.24"
	secondNetwork = "198.51.100.7"
)

func init() {
	Register(&Scenario{
		ID:       "session-network-change",
		Title:    "Session bound to a network that changed",
		Category: "sessions",
		Recovery: Relogin,
		Summary:  "sessions are bound to the address they logged in from; after `after` API calls the client's address changes (Wi-Fi to mobile, VPN on or off) and its session gets 401 `session_network_changed`; a new login works",
		Explain: Explain{
			Symptom:   "A session that worked a moment ago gets 401 `WWW-Authenticate: Session realm=\"authchaos\"` with reason session_network_changed and `the session was created from 203.0.113.24 and is now used from 198.51.100.7`. Nothing expired; the laptop changed networks.",
			Cause:     "Some servers bind a session to the client's address (or address range) to make stolen cookies useless elsewhere. Switching from Wi-Fi to mobile data, turning a VPN on or off, or a carrier moving you between NAT gateways changes the address, and the server ends the session.",
			UserFix:   "Treat it like an expired session: log in again once with the primary credentials and retry; do not retry with the old cookie, and do not loop if the new login is refused. Users can avoid switching networks mid-session.",
			OwnerFix:  "Prefer signals that survive roaming (device-bound tokens, refresh with rotation) over strict IP binding; if you bind, bind to a coarse range, say why in the refusal, and make the re-login one click.",
			TellApart: "session_network_changed names two addresses and a new login works at once: this. session_expired is time (expired-session); untrusted_network refuses every request from a VPN and a new login does not help (vpn-blocked); no cookie arriving at all is cookie-domain-mismatch or cookie-secure-over-http.",
		},
		Sources: []string{SeedChecklist},
		Params:  []Param{{Name: "after", Default: "1", Help: "API calls made from the first network before the client moves to another", Kind: IntParam, Min: "0", Max: "10000"}},
		Install: func(env fault.Env, p Params) error {
			after, realm := p.Int("after"), env.Account().Realm
			var mu sync.Mutex
			calls := 0
			bound := map[string]string{} // session id -> address it logged in from
			current := func(count bool) string {
				if count {
					calls++
				}
				if calls > after {
					return secondNetwork
				}
				return firstNetwork
			}
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/login" {
						next.ServeHTTP(w, r)
						mu.Lock()
						defer mu.Unlock()
						for _, line := range w.Header().Values("Set-Cookie") {
							if c, err := http.ParseSetCookie(line); err == nil && c.Name == authn.SessionCookie && c.Value != "" {
								bound[c.Value] = current(false)
							}
						}
						return
					}
					if !isAPI(r) {
						next.ServeHTTP(w, r)
						return
					}
					mu.Lock()
					now := current(true)
					var from string
					if c, err := r.Cookie(authn.SessionCookie); err == nil && r.Header.Get("Authorization") == "" {
						from = bound[c.Value]
					}
					mu.Unlock()
					if from == "" || from == now {
						next.ServeHTTP(w, r)
						return
					}
					fault.Challenge{
						Scheme: "Session", Realm: realm, Reason: journal.SessionNetworkChanged,
						Description: fmt.Sprintf("the session was created from %s and is now used from %s; sessions are bound to the network they were created on", from, now),
						Hint:        "log in again from this network, then retry once",
					}.Write(w, r)
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthSession,
			Steps:  []Step{Get("/api/me"), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt:    AfterCalls("after"),
		Variants: []Variant{{Params: map[string]string{"after": "3"}, Why: "the client moves networks after three calls"}},
	})
}
