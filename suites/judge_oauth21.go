package suites

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites/adapter"
)

// The recovery kinds of the OAuth 2.1 challenges: nonce-retry (RFC 9449
// DPoP nonces, RFC 7616 Digest stale=true), discover (RFC 9728, 8414,
// 8707) and poll (RFC 8628), and step-up's RFC 9470 half.

// DeviceCodeGrant is the grant_type of a polling device (RFC 8628 §3.4).
const DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"

// IsDevicePoll reports whether e is a device polling the token endpoint.
func IsDevicePoll(e fakeserver.Entry) bool { return IsTokenRequest(e) && e.Grant == DeviceCodeGrant }

// IsDeviceAuthorization reports whether e started a device authorization.
func IsDeviceAuthorization(e fakeserver.Entry) bool {
	return e.Path == "/oauth/device_authorization" && e.Method == http.MethodPost
}

// IsResourceMetadata reports whether e fetched protected resource
// metadata (RFC 9728), at the root or with the resource's path inserted.
func IsResourceMetadata(e fakeserver.Entry) bool {
	return e.Method == http.MethodGet && strings.HasPrefix(e.Path, "/.well-known/oauth-protected-resource")
}

// IsServerMetadata reports whether e fetched authorization server
// metadata (RFC 8414, or OpenID Connect discovery).
func IsServerMetadata(e fakeserver.Entry) bool {
	return e.Method == http.MethodGet && (strings.HasPrefix(e.Path, "/.well-known/oauth-authorization-server") ||
		strings.HasPrefix(e.Path, "/.well-known/openid-configuration"))
}

// Unspoken says why a scenario cannot judge the client when it never used
// the mechanism the scenario is about (it sent no DPoP proof, never
// answered a Digest challenge, never discovered), or "" when it did. A
// client that ignores the target's new fields is a SKIP, as the driver
// protocol promises, not a failure; one that tries and gets it wrong is
// judged.
func Unspoken(sc *scenarios.Scenario, es []fakeserver.Entry) string {
	w := sc.Workload
	switch {
	case w.DPoP && !slices.ContainsFunc(es, func(e fakeserver.Entry) bool { return e.DPoP }):
		return "the client sent no DPoP proof though the target asked for one (dpop: true): it does not speak DPoP (RFC 9449)"
	case w.Discover && !slices.ContainsFunc(es, func(e fakeserver.Entry) bool { return IsResourceMetadata(e) || IsServerMetadata(e) || IsAuthRequest(e) }):
		return "the client neither fetched the resource metadata the 401 names nor asked for a token: it does not discover its authorization server (target resource_url, RFC 9728)"
	case w.Auth == adapter.AuthDigest && !slices.ContainsFunc(es, func(e fakeserver.Entry) bool { return e.Scheme == authn.Digest }):
		return "the client sent no Digest credential: it does not speak HTTP Digest (RFC 7616)"
	case w.Auth == adapter.AuthOAuth2DeviceCode && !slices.ContainsFunc(es, IsDeviceAuthorization):
		return "the client started no device authorization: it does not speak the device flow (RFC 8628)"
	}
	return ""
}

// isNonceRefusal reports a refusal that a retry with the server's nonce
// answers.
func isNonceRefusal(e fakeserver.Entry) bool {
	return e.Reason == journal.UseDPoPNonce || e.Reason == journal.DigestStaleNonce
}

// judgeNonceRetry: every refusal for a nonce is followed by one retry of
// the same request with the nonce, which the server does not refuse for
// a nonce again; an API refusal is no reason for a new token.
func judgeNonceRetry(f *findings, steps []StepRecord) {
	for _, st := range steps {
		es := st.Entries
		for i, e := range es {
			if !isNonceRefusal(e) {
				continue
			}
			next := slices.IndexFunc(es[i+1:], func(n fakeserver.Entry) bool { return n.Path == e.Path && n.Method == e.Method })
			if next < 0 {
				if anyFailed(st.Results) {
					f.add("gave up on %s at seq %d (%s %s): retry once with the nonce the server supplied (%s)", e.Reason, e.Seq, e.Method, e.Path, nonceSource(e))
				}
				continue
			}
			retry := es[i+1+next]
			between := es[i+1 : i+1+next]
			if IsAPICall(e) {
				if renewed := Filter(between, IsAuthRequest); len(renewed) > 0 {
					f.add("asked for a new credential (%s) after %s at seq %d: the token was good, only the nonce was missing; retry with the nonce, keep the token", SeqRange(renewed), e.Reason, e.Seq)
				}
			}
			if isNonceRefusal(retry) {
				f.add("retried without the nonce: %s at seq %d was answered by another %s at seq %d; sign the retry with the nonce from %s", e.Reason, e.Seq, retry.Reason, retry.Seq, nonceSource(e))
				break // one finding per step: the rest is the same loop
			}
		}
	}
}

func nonceSource(e fakeserver.Entry) string {
	if e.Reason == journal.DigestStaleNonce {
		return "the Digest challenge's nonce, stale=true"
	}
	return "the DPoP-Nonce header"
}

// judgeDiscover: from the first 401, the resource metadata, then the
// authorization server's metadata, then one token request naming the
// resource (RFC 8707), then the retry.
func judgeDiscover(f *findings, steps []StepRecord) {
	all := entriesOf(steps)
	tokens := Filter(all, IsTokenRequest)
	if len(tokens) == 0 {
		return // the step findings say the calls failed
	}
	first := tokens[0]
	before := all[:slices.IndexFunc(all, func(e fakeserver.Entry) bool { return e.Seq == first.Seq })]
	switch {
	case !slices.ContainsFunc(before, IsResourceMetadata):
		f.add("asked for a token (seq %d) without fetching the resource metadata the 401 names (RFC 9728 resource_metadata): the token endpoint was guessed, not discovered", first.Seq)
	case !slices.ContainsFunc(before, IsServerMetadata):
		f.add("asked for a token (seq %d) without fetching the authorization server's metadata (RFC 8414 /.well-known/oauth-authorization-server): the token endpoint was guessed, not discovered", first.Seq)
	}
	for _, t := range tokens {
		if !namesAPI(t.Resource) {
			f.add("asked for a token without the resource indicator (seq %d, resource=%q): the API takes only tokens issued for it; send resource= with the resource its metadata names (RFC 8707)", t.Seq, t.Resource)
			break
		}
	}
	if granted := Filter(tokens, func(e fakeserver.Entry) bool { return e.Status == 200 }); len(granted) > 1 {
		f.add("asked for %d tokens (%s) where one discovery and one token serve every call: cache what was discovered and the token", len(granted), SeqRange(granted))
	}
}

// namesAPI reports whether resource indicators name the API under /api/.
func namesAPI(resource string) bool {
	for _, r := range strings.Fields(resource) {
		if strings.HasSuffix(strings.TrimSuffix(r, "/"), "/api") {
			return true
		}
	}
	return false
}

// judgePoll: RFC 8628 §3.5. Polls come no faster than the interval, which
// grows by 5 s at each slow_down; expired_token and access_denied end the
// polling, and the flow is not started over.
func judgePoll(f *findings, steps []StepRecord) {
	all := entriesOf(steps)
	interval := 5 * time.Second // §3.2: the default when the server names none
	var last *fakeserver.Entry
	var ended *fakeserver.Entry // the refusal that ended the flow
	early := 0
	var firstEarly string
	for i := range all {
		e := all[i]
		switch {
		case IsDeviceAuthorization(e):
			if ended != nil {
				f.add("started over (seq %d) after %s at seq %d: that ends the flow; hand the caller an error naming it", e.Seq, ended.Reason, ended.Seq)
				return
			}
			if n, ok := grantedInterval(e); ok {
				interval = n
			}
			last = nil
		case IsDevicePoll(e):
			if ended != nil {
				f.add("kept polling (seq %d) after %s at seq %d: %s ends the flow; stop and say so", e.Seq, ended.Reason, ended.Seq, oauthWord(ended.Reason))
				return
			}
			if last != nil {
				if gap := e.At.Sub(last.At); gap+retryAfterSlack < interval {
					early++
					if firstEarly == "" {
						firstEarly = fmt.Sprintf("seq %d came %s after seq %d, the interval being %s", e.Seq, gap.Round(time.Millisecond), last.Seq, interval)
					}
				}
			}
			switch e.Reason {
			case journal.DeviceSlowDown:
				interval += 5 * time.Second
			case journal.DeviceCodeExpired, journal.DeviceAccessDenied:
				ended = &all[i]
			}
			last = &all[i]
		}
	}
	if early > 0 {
		f.add("polled faster than the interval %d time(s): first %s; wait the interval, 5 s longer after each slow_down (RFC 8628 §3.5)", early, firstEarly)
	}
}

// grantedInterval reads the interval a device authorization answer gave,
// from its captured body.
func grantedInterval(e fakeserver.Entry) (time.Duration, bool) {
	if e.Status != 200 || e.Response == nil {
		return 0, false
	}
	var body struct {
		Interval *int `json:"interval"`
	}
	if json.Unmarshal([]byte(e.Response.Body), &body) != nil || body.Interval == nil || *body.Interval < 0 {
		return 0, false
	}
	return time.Duration(*body.Interval) * time.Second, true
}

// oauthWord is the RFC 8628 error code a device reason stands for.
func oauthWord(r journal.Reason) string {
	if r == journal.DeviceAccessDenied {
		return "access_denied"
	}
	return "expired_token"
}

// judgeUserAuthentication is step-up's RFC 9470 half: after
// insufficient_user_authentication, the user authenticates again (a new
// password or authorization code grant, never a refresh, which keeps the
// old authentication) and the call is retried.
func judgeUserAuthentication(f *findings, steps []StepRecord) {
	for _, st := range steps {
		for i, e := range st.Entries {
			if e.Reason != journal.InsufficientUserAuthentication {
				continue
			}
			after := st.Entries[i+1:]
			fresh := slices.IndexFunc(after, func(n fakeserver.Entry) bool {
				return IsTokenRequest(n) && n.Grant != "refresh_token" || IsLogin(n)
			})
			refreshed := slices.IndexFunc(after, func(n fakeserver.Entry) bool { return IsTokenRequest(n) && n.Grant == "refresh_token" })
			switch {
			case fresh < 0 && refreshed >= 0:
				f.add("refreshed (seq %d) after insufficient_user_authentication at seq %d: a refresh keeps the old authentication; authenticate the user again as acr_values / max_age say (RFC 9470)", after[refreshed].Seq, e.Seq)
			case fresh < 0:
				f.add("did not authenticate again after insufficient_user_authentication at seq %d: read acr_values / max_age from the challenge, authenticate the user as they say, get a new token, retry once (RFC 9470)", e.Seq)
			default:
				if again := slices.IndexFunc(after[fresh:], func(n fakeserver.Entry) bool { return n.Reason == journal.InsufficientUserAuthentication }); again >= 0 {
					f.add("authenticated again (seq %d) but not as the challenge asked: the retry was refused with insufficient_user_authentication again at seq %d (for acr_values=mfa, send the one-time code)", after[fresh].Seq, after[fresh+again].Seq)
				}
			}
			break // one step-up per step; the call's result says how it ended
		}
	}
}
