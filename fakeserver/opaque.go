package fakeserver

import (
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

// Opaque access tokens (config token_format: opaque): random strings
// that mean nothing to a resource server, which must ask the
// introspection endpoint (RFC 7662) what they are. The server keeps the
// claims a JWT would have carried, so every check (expiry on the virtual
// clock, revocation, audience, DPoP binding, step-up) is the same for
// both formats; only a signing-key rotation leaves opaque tokens alive,
// as it does at a real server.

// opaquePrefix marks the server's opaque tokens, so a JWT is never looked
// up and an opaque token never parsed as a JWS.
const opaquePrefix = "at_"

// maxOpaque bounds the tokens held, oldest dropped first; each is swept a
// day past its expiry on the virtual clock.
const maxOpaque = 200_000

type opaqueBook struct {
	mu     sync.Mutex
	tokens map[string]*checkedToken
	order  []string
}

// mint stores the claims and returns the token that stands for them.
func (b *opaqueBook) mint(claims jwt.Claims, extra accessClaims, now time.Time) string {
	raw := opaquePrefix + randomHex(24)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens == nil {
		b.tokens = map[string]*checkedToken{}
	}
	put(b.tokens, &b.order, raw, &checkedToken{claims: claims, extra: extra}, maxOpaque, func(t *checkedToken) bool {
		return now.After(t.claims.Expiry.Time().Add(sweepAfter))
	})
	return raw
}

func (b *opaqueBook) lookup(raw string) (checkedToken, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.tokens[raw]
	if !ok {
		return checkedToken{}, false
	}
	return *t, true
}

// accessToken turns claims into an access token in the configured format.
func (s *Server) accessToken(claims jwt.Claims, extra accessClaims, now time.Time) (string, error) {
	if s.cfg.TokenFormat == config.OpaqueTokens {
		return s.opaque.mint(claims, extra, now), nil
	}
	return s.keys.sign(claims, extra)
}

// verifyToken checks an access token of either format: its signature (a
// JWT) or that the server issued it (opaque), then issuer and time window
// on the judging clock now.
func (s *Server) verifyToken(raw, issuer string, now time.Time) (jwt.Claims, accessClaims, error) {
	if len(raw) > len(opaquePrefix) && raw[:len(opaquePrefix)] == opaquePrefix {
		t, ok := s.opaque.lookup(raw)
		if !ok {
			return jwt.Claims{}, accessClaims{}, &tokenError{journal.UnknownOpaqueToken, "the access token is not one this server issued (or it was swept long after it expired)"}
		}
		return t.claims, t.extra, checkWindow(t, issuer, now)
	}
	return s.keys.verify(raw, issuer, now)
}
