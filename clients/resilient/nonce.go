package resilient

import (
	"encoding/json"
	"net/http"
	"strings"
)

// nonceLayer retries exactly once when the server refuses a request only
// for its nonce: DPoP's use_dpop_nonce (400 at the token endpoint, 401 at
// the API, RFC 9449 §8, §9) with the nonce in DPoP-Nonce, or a Digest
// challenge (RFC 7616) that is the first one or says stale=true. The
// credential was right: no new token, no new login, and no loop, since a
// second refusal is handed up as it is. It sits above the layers that
// attach the credential and sign the proof, so the retry is signed anew
// (a new jti) with the new nonce.
type nonceLayer struct {
	next  http.RoundTripper
	creds *credentials
	bugs  Bugs
}

func (l *nonceLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	why := l.nonceRefusal(resp)
	if why == "" || !recordOf(req.Context()).spend("nonce "+req.URL.Path, 1) {
		return resp, nil
	}
	if l.bugs.NoNonceRetry && why != "a first Digest challenge" {
		return resp, nil // bug: take the nonce refusal for a failure
	}
	retry, ok := again(req.Context(), req)
	if !ok {
		return resp, nil
	}
	recordOf(req.Context()).did("retried with the server's nonce after " + why)
	resp.Body.Close()
	return l.next.RoundTrip(retry)
}

// nonceRefusal says why resp asks for the same request with a new nonce,
// "" when it does not. A Digest challenge is learned here.
func (l *nonceLayer) nonceRefusal(resp *http.Response) string {
	switch resp.StatusCode {
	case http.StatusBadRequest:
		if l.creds.dpop == nil || resp.Header.Get("DPoP-Nonce") == "" {
			return ""
		}
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(buffer(resp), &e) == nil && e.Error == "use_dpop_nonce" {
			return "use_dpop_nonce at the token endpoint"
		}
	case http.StatusUnauthorized:
		sent, _ := sentCredential(resp.Request)
		for _, ch := range parseChallenges(resp.Header.Values("WWW-Authenticate")) {
			switch {
			case strings.EqualFold(ch.Scheme, DPoP) && l.creds.dpop != nil && sent == DPoP &&
				ch.Params["error"] == "use_dpop_nonce" && resp.Header.Get("DPoP-Nonce") != "":
				return "use_dpop_nonce at the API"
			case strings.EqualFold(ch.Scheme, Digest) && l.creds.primary() == Digest && ch.Params["nonce"] != "":
				if sent != Digest {
					l.creds.digest.learn(ch)
					return "a first Digest challenge"
				}
				if strings.EqualFold(ch.Params["stale"], "true") {
					l.creds.digest.learn(ch)
					return "a stale Digest nonce"
				}
			}
		}
	}
	return ""
}
