package resilient

import (
	"errors"
	"fmt"
	"net/http"
)

// schemeLayer reads a 401's WWW-Authenticate: when the API asks for a
// scheme other than the one sent, it resends once with a credential of
// that scheme if the client holds one, and otherwise fails at once naming
// the scheme and realm asked for. It hands a credential only to the API's
// own answer, never to a page in front of it (an .htaccess Basic rule on a
// parent path, a plugin with its own realm).
type schemeLayer struct {
	next  http.RoundTripper
	api   *api
	creds *credentials
}

func (l *schemeLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	ans := l.api.inspect(resp)
	if _, asked := ans.challengeFor(firstOf(ans.sent, l.creds.primary())); !ans.sameOrigin || len(ans.challenges) == 0 || asked {
		return resp, nil
	}
	rec := recordOf(req.Context())
	for _, ch := range ans.challenges {
		scheme := canonicalScheme(ch.Scheme)
		if !l.creds.holds(scheme) || !ans.fromAPI() {
			continue
		}
		if !rec.spend("retry", 1) {
			return resp, nil
		}
		rec.did("resent with " + scheme + " as the server asked")
		retry, ok := again(withScheme(req.Context(), scheme), req)
		if !ok {
			return resp, nil
		}
		resp.Body.Close()
		return l.next.RoundTrip(retry)
	}
	return nil, giveUp(ans, errors.New(l.refusal(ans)))
}

// refusal says why the client does not answer the challenge.
func (l *schemeLayer) refusal(ans *answer) string {
	first := ans.challenges[0]
	msg := fmt.Sprintf("server asks for %s", first)
	switch {
	case !l.creds.holds(canonicalScheme(first.Scheme)):
		msg += fmt.Sprintf("; this client holds no %s credential", first.Scheme)
	case ans.foreignRealm:
		msg += fmt.Sprintf(", not the API's realm %q; this client sends its %s credential only to the API", ans.apiRealm, first.Scheme)
	default:
		msg += fmt.Sprintf(" in a %s answer from %s, not the API's; this client sends its %s credential only to the API",
			map[bool]string{true: "JSON", false: "non-JSON"}[ans.json], firstOf(ans.header.Get("Server"), "something in front of it"), first.Scheme)
	}
	return joinNonEmpty(": ", msg, firstOf(ans.cause(), firstLine(ans.body)))
}
