package scenarios

import (
	"io"
	"net/http"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "missing-www-authenticate",
		Title:    "401 without WWW-Authenticate",
		Category: "tokens",
		Recovery: Refresh,
		Summary:  "access tokens live `lifetime`; every 401 then comes without `WWW-Authenticate` and with the bare body `{\"status\":401,\"message\":\"Unauthorized\"}`",
		Explain: Explain{
			Symptom:   "An expired token gets `401` with the body `{\"status\": 401, \"message\": \"Unauthorized\"}` and nothing else: no `WWW-Authenticate`, no error code, no reason. The client cannot tell an expired token from a wrong one or a missing one.",
			Cause:     "Many frameworks and gateways answer 401 with a generic JSON body and leave out the challenge RFC 7235 requires, so the RFC 6750 error (invalid_token) never reaches the client. The server knows why (its own logs say 'expired'); the client is left guessing.",
			UserFix:   "When the answer does not say why, assume the most likely recoverable cause for a token you sent: get a new access token once, retry once, and if that fails too, give up with an error quoting status and body. Never retry in a loop just because the 401 is uninformative.",
			OwnerFix:  "Always send `WWW-Authenticate` with every 401 (RFC 7235 §3.1), with RFC 6750 error and error_description for Bearer, and return informative 401 messages, not just a blank error. Log the reason server side without exposing secrets.",
			TellApart: "A bare JSON 401 from the API itself is this; an HTML 401 with Retry-After is waf-block; plain text 'network policy' is firewall-block; a 401 with a challenge is the ordinary case (expired-token, revoked-token). The journal here still records the real reason (token_expired).",
		},
		Sources: []string{SeedGuide, SeedChecklist},
		Params:  []Param{{Name: "lifetime", Default: "5m", Help: "access token lifetime", Kind: DurationParam, Min: "1s", Max: "24h"}},
		Install: func(env fault.Env, p Params) error {
			env.Knobs().AccessTTL = p.Duration("lifetime")
			env.Use(bareUnauthorized)
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2Password,
			Steps:  []Step{Get("/api/items"), Advance(6 * minute), Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Adapt:    PastLifetime("lifetime"),
		Variants: []Variant{{Params: map[string]string{"lifetime": "30m"}, Why: "a longer token lifetime"}},
	})
}

// bareUnauthorized is a framework's error handler in front of the API and
// the login: every 401 the server writes leaves as the bare body many APIs
// send, with no WWW-Authenticate. The journal keeps the server's reason.
// The token endpoint's OAuth errors (RFC 6749 §5.2) pass unchanged.
func bareUnauthorized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/oauth/") {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&bareWriter{ResponseWriter: w}, r)
	})
}

const bareBody = `{"status":401,"message":"Unauthorized"}` + "\n"

// bareWriter rewrites a 401 on its way out.
type bareWriter struct {
	http.ResponseWriter
	bare bool
}

func (b *bareWriter) WriteHeader(code int) {
	if code != http.StatusUnauthorized {
		b.ResponseWriter.WriteHeader(code)
		return
	}
	b.bare = true
	h := b.Header()
	h.Del("WWW-Authenticate")
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	b.ResponseWriter.WriteHeader(code)
	_, _ = io.WriteString(b.ResponseWriter, bareBody)
}

func (b *bareWriter) Write(p []byte) (int, error) {
	if b.bare {
		return len(p), nil // the server's own body is replaced
	}
	return b.ResponseWriter.Write(p)
}
