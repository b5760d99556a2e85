package resilient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// discoverLayer finds the authorization server of an API the client knows
// only by its URL (the MCP authorization flow): the API's 401 names its
// protected resource metadata (RFC 9728 resource_metadata=), which names
// the authorization servers, whose metadata (RFC 8414) names the token
// endpoint. Then the call is retried once; the auth layer gets a token
// for the resource (RFC 8707 resource=). Discovery happens once per
// client, and each document is checked for the name it must carry, so a
// forged 401 cannot send the client's secret to another server.
type discoverLayer struct {
	next  http.RoundTripper
	api   *api
	creds *credentials
	bugs  Bugs
}

func (l *discoverLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || l.creds.endpoint() != "" || l.creds.t.ResourceURL == "" {
		return resp, err
	}
	ans := l.api.inspect(resp)
	ch, _ := ans.challengeFor(l.creds.primary())
	meta := ch.Params["resource_metadata"]
	if !ans.sameOrigin || meta == "" || !recordOf(req.Context()).spend("retry", 1) {
		return resp, nil
	}
	if err := l.creds.discover(req.Context(), meta); err != nil {
		return nil, giveUp(ans, err)
	}
	recordOf(req.Context()).did("found the token endpoint from resource_metadata " + meta)
	retry, ok := again(req.Context(), req)
	if !ok {
		return resp, nil
	}
	resp.Body.Close()
	return l.next.RoundTrip(retry)
}

// discover reads the resource metadata at meta and the metadata of the
// first authorization server it names, once for all calls.
func (c *credentials) discover(ctx context.Context, meta string) error {
	_, err, _ := c.flight.Do("discover", func() (any, error) {
		if c.endpoint() != "" {
			return nil, nil
		}
		var pr struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
		}
		if err := c.getJSON(ctx, meta, &pr); err != nil {
			return nil, fmt.Errorf("discovery: protected resource metadata: %w", err)
		}
		// RFC 9728 §3.3: the metadata must be for the resource we call.
		if strings.TrimRight(pr.Resource, "/") != strings.TrimRight(c.t.ResourceURL, "/") {
			return nil, fmt.Errorf("discovery: resource metadata at %s is for resource %q, not %q", meta, pr.Resource, c.t.ResourceURL)
		}
		if len(pr.AuthorizationServers) == 0 {
			return nil, fmt.Errorf("discovery: resource metadata at %s names no authorization_servers", meta)
		}
		issuer := pr.AuthorizationServers[0]
		var as struct {
			Issuer        string `json:"issuer"`
			TokenEndpoint string `json:"token_endpoint"`
		}
		var errs []error
		for _, wk := range wellKnown(issuer) {
			err := c.getJSON(ctx, wk, &as)
			if err == nil {
				break
			}
			errs = append(errs, err)
		}
		switch {
		case as.Issuer == "":
			return nil, fmt.Errorf("discovery: authorization server metadata of %s: %w", issuer, errors.Join(errs...))
		case as.Issuer != issuer: // RFC 8414 §3.3
			return nil, fmt.Errorf("discovery: the metadata of authorization server %s names issuer %q", issuer, as.Issuer)
		case as.TokenEndpoint == "":
			return nil, fmt.Errorf("discovery: authorization server %s names no token_endpoint", issuer)
		}
		c.mu.Lock()
		c.tokenURL = as.TokenEndpoint
		if !c.bugs.NoResourceIndicator { // bug: a token for no resource in particular
			c.resource = pr.Resource
		}
		c.mu.Unlock()
		return nil, nil
	})
	return err
}

// wellKnown is where an issuer's metadata is: RFC 8414 §3.1 inserts the
// well-known path before the issuer's path; OIDC discovery appends it.
func wellKnown(issuer string) []string {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil
	}
	path := strings.TrimRight(u.Path, "/")
	rfc := *u
	rfc.Path = "/.well-known/oauth-authorization-server" + path
	return []string{rfc.String(), strings.TrimRight(issuer, "/") + "/.well-known/openid-configuration"}
}

// getJSON reads a metadata document.
func (c *credentials) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}
