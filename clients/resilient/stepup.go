package resilient

import (
	"net/http"
	"strings"
)

// stepUpLayer answers RFC 6750 insufficient_scope (403 with scope="...")
// by asking for a token that also has the named scopes, with a new grant,
// and retrying once. Any other 403 passes through: no new token helps.
type stepUpLayer struct {
	next  http.RoundTripper
	api   *api
	creds *credentials
}

func (l *stepUpLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusForbidden {
		return resp, err
	}
	ans := l.api.inspect(resp)
	ch, _ := ans.challengeFor(Bearer)
	need := strings.Fields(ch.Params["scope"])
	if !ans.fromAPI() || ans.sent != Bearer || ch.Params["error"] != "insufficient_scope" || len(need) == 0 ||
		!l.creds.canGrant() || !recordOf(req.Context()).spend("retry", 1) {
		return resp, nil
	}
	if err := l.creds.stepUp(req.Context(), ans.sentValue, need); err != nil {
		return nil, giveUp(ans, err)
	}
	recordOf(req.Context()).did("asked for scope " + strings.Join(need, " "))
	retry, ok := again(req.Context(), req)
	if !ok {
		return resp, nil
	}
	resp.Body.Close()
	return l.next.RoundTrip(retry)
}
