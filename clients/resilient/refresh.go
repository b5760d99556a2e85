package resilient

import (
	"errors"
	"net/http"
)

// refreshLayer renews a credential the API rejected as dead (an expired or
// revoked token, an ended session) and retries the call once. It acts only
// on the API's own answers, never on a 403, and renews once for all the
// calls that failed with the same credential.
type refreshLayer struct {
	next  http.RoundTripper
	api   *api
	creds *credentials
	bugs  Bugs
}

func (l *refreshLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err == nil {
		l.refusedPassword(resp)
	}
	rec := recordOf(req.Context())
	limit := 1
	if l.bugs.RefreshLoop {
		limit = 10 // bug: renew and retry until it works
	}
	for err == nil && l.dead(resp) && rec.spend("retry", limit) {
		ans := l.api.inspect(resp)
		scheme := firstOf(ans.sent, l.creds.primary())
		if rerr := l.creds.renew(req.Context(), scheme, ans.sentValue); rerr != nil {
			return nil, giveUp(ans, rerr)
		}
		rec.did("renewed the " + scheme + " credential after " + firstOf(ans.reason, ans.code, "a 401"))
		if l.bugs.NoRetryAfterRefresh {
			return resp, nil // bug: renew, then hand back the 401
		}
		retry, ok := again(req.Context(), req)
		if !ok {
			return resp, nil
		}
		resp.Body.Close()
		resp, err = l.next.RoundTrip(retry)
	}
	return resp, err
}

// dead reports whether the API said the credential it got is no longer
// good, in a way a new one can fix.
func (l *refreshLayer) dead(resp *http.Response) bool {
	if resp.StatusCode != http.StatusUnauthorized && !(l.bugs.RefreshOn403 && resp.StatusCode == http.StatusForbidden) { // bug: 403 too
		return false
	}
	ans := l.api.inspect(resp)
	if !ans.fromAPI() {
		return false // an edge, a stale backend, another origin: not our credential's fault
	}
	switch scheme := firstOf(ans.sent, l.creds.primary()); scheme { // nothing sent: a session cookie that never came back
	case Bearer, DPoP:
		ch, ok := ans.challengeFor(scheme)
		if !ok {
			return len(ans.challenges) == 0 // an API that omits the challenge
		}
		// RFC 6750 §3.1: invalid_token, or no error at all (the token did
		// not arrive, as when a proxy strips it). Not use_dpop_nonce: the
		// nonce layer retried that already; the token is fine.
		return ch.Params["error"] == "" || ch.Params["error"] == "invalid_token"
	case Session:
		// The API asks for a session again (session_expired,
		// session_unknown, session_network_changed, missing_credentials...),
		// or omits the challenge: one new login.
		_, asked := ans.challengeFor(Session)
		return asked || len(ans.challenges) == 0
	}
	return false
}

// refusedPassword remembers a Basic password the API refused: there is
// nothing to renew, and sending it again on later calls only counts
// toward a lock-out.
func (l *refreshLayer) refusedPassword(resp *http.Response) {
	if resp.StatusCode != http.StatusUnauthorized {
		return
	}
	if ans := l.api.inspect(resp); (ans.sent == Basic || ans.sent == Digest) && ans.fromAPI() && rejectsCredentials(ans.reason, "") {
		l.creds.refuse(errors.New(ans.describe()))
	}
}
