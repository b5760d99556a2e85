package resilient

import (
	"context"
	"net/http"
)

// authLayer attaches the client's credential, and only when the request
// goes to the API's own origin (scheme, host and port). A RoundTripper sees
// every redirect hop, so this check is what keeps a credential from
// following a redirect to another host or port: http.Client alone would
// copy Authorization to the same host on another port.
type authLayer struct {
	next  http.RoundTripper
	api   *api
	creds *credentials
	bugs  Bugs
}

func (l *authLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	ours := originOf(req.URL) == l.api.origin
	if !ours && !l.bugs.LeakOnRedirect { // bug: credentials go to every origin
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
		return l.next.RoundTrip(req)
	}
	if err := l.creds.attach(req, schemeOf(req.Context(), l.creds.primary())); err != nil {
		return nil, giveUp(nil, err)
	}
	resp, err := l.next.RoundTrip(req)
	if err == nil && ours {
		l.creds.keepCookies(resp) // the server may rotate the session
	}
	return resp, err
}

type schemeKey struct{}

// withScheme asks the auth layer to send a credential of scheme instead of
// the client's primary one (the scheme layer's resend).
func withScheme(ctx context.Context, scheme string) context.Context {
	return context.WithValue(ctx, schemeKey{}, scheme)
}

func schemeOf(ctx context.Context, primary string) string {
	if s, ok := ctx.Value(schemeKey{}).(string); ok {
		return s
	}
	return primary
}

// again is req ready to send once more: a clone with a fresh body.
func again(ctx context.Context, req *http.Request) (*http.Request, bool) {
	r := req.Clone(ctx)
	if req.Body == nil || req.Body == http.NoBody {
		return r, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	r.Body = body
	return r, true
}
