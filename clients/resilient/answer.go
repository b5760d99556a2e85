package resilient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Schemes as the layers name them. A session cookie is "Session", the
// scheme the API's challenges use for it.
const (
	Bearer  = "Bearer"
	Basic   = "Basic"
	APIKey  = "ApiKey"
	Session = "Session"
)

// canonicalScheme maps a challenge's scheme to one of ours ("" if none).
func canonicalScheme(s string) string {
	for _, known := range []string{Bearer, Basic, APIKey, Session, DPoP, Digest} {
		if strings.EqualFold(s, known) {
			return known
		}
	}
	if strings.EqualFold(s, "Cookie") {
		return Session
	}
	return ""
}

// originOf is scheme://host:port, with the default port made explicit, so
// http://a and http://a:80 are one origin and http://a:8080 another.
func originOf(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// api is what the layers know about the API: its origin, and the realm its
// challenges name, learned from its first JSON challenge with an error code
// unless given. A challenge from another realm comes from something else: a
// stale backend, or a Basic rule on a parent path.
type api struct {
	origin string

	mu    sync.Mutex
	realm string
}

// answer is an error response, read once for every layer that judges it.
type answer struct {
	status     int
	header     http.Header
	url        *url.URL
	sameOrigin bool   // the API's own origin answered
	sent       string // scheme of the credential the request carried, "" for none
	sentValue  string // that credential, as the auth layer attached it

	body       []byte
	json       bool
	reason     string // the body's machine reason
	code       string // RFC 6749/6750 error code, from the body or the challenge
	detail     string // hint, description or message, for humans
	challenges []challenge
	retryAfter time.Duration
	hasRetry   bool

	apiOrigin     string
	apiRealm      string
	foreignRealm  bool // a challenge names a realm that is not the API's
	apiRealmNamed bool // the challenges name the API's known realm
}

// inspect reads resp (restoring its body) into an answer.
func (a *api) inspect(resp *http.Response) *answer {
	ans := &answer{status: resp.StatusCode, header: resp.Header, apiOrigin: a.origin}
	if req := resp.Request; req != nil {
		ans.url = req.URL
		ans.sameOrigin = originOf(req.URL) == a.origin
		ans.sent, ans.sentValue = sentCredential(req)
	}
	if resp.StatusCode < 400 && ans.sameOrigin {
		return ans // the API's own answer; a success elsewhere may be a portal's page
	}
	ans.body = buffer(resp)
	ans.challenges = parseChallenges(resp.Header.Values("WWW-Authenticate"))
	ans.retryAfter, ans.hasRetry = retryAfter(resp.Header)
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var fields map[string]any
	if ct == "application/json" || strings.HasSuffix(ct, "+json") || (ct == "" && json.Valid(ans.body)) {
		ans.json = json.Unmarshal(ans.body, &fields) == nil
	}
	str := func(k string) string { s, _ := fields[k].(string); return s }
	ans.reason, ans.code = str("reason"), str("error")
	ans.detail = firstOf(str("hint"), str("error_description"), str("message"))
	if ch, ok := ans.challengeFor(ans.sent); ok && ans.code == "" {
		ans.code = ch.Params["error"]
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ch := range ans.challenges {
		realm, ok := ch.Params["realm"]
		switch {
		case !ok:
		case a.realm == "" && ans.sameOrigin && ans.json && !ans.hasRetry && ch.Params["error"] != "":
			// The API judging a credential (RFC 6750 error): trust on first
			// use. Not from an answer that says to come back later (an
			// edge's habit), nor from a bare challenge a plugin can send.
			a.realm = realm
		case a.realm != "" && realm != a.realm:
			ans.foreignRealm = true
		}
	}
	ans.apiRealm = a.realm
	ans.apiRealmNamed = a.realm != "" && !ans.foreignRealm && len(ans.challenges) > 0
	return ans
}

// challengeFor finds the challenge for one of our schemes.
func (ans *answer) challengeFor(scheme string) (challenge, bool) {
	for _, ch := range ans.challenges {
		if scheme != "" && canonicalScheme(ch.Scheme) == scheme {
			return ch, true
		}
	}
	return challenge{}, false
}

// fromEdge reports whether something in front of the API answered for it:
// a WAF or portal (HTML, no challenge), a firewall (text, no challenge), a
// limiter (Retry-After, 429, 503), a stale backend (a challenge for our
// scheme from a realm that is not the API's, or one not known to be the
// API's that says Retry-After), or a page on another origin a redirect
// led to. The credential is not what failed.
func (ans *answer) fromEdge() bool {
	if !ans.sameOrigin {
		// A page where the API's JSON should be, on the host a redirect
		// led to: a captive portal or a proxy's sign-in.
		return ans.status < 300 && !ans.json
	}
	switch ans.status {
	case http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable:
	default:
		return false
	}
	if len(ans.challenges) == 0 {
		return !ans.json || ans.hasRetry || ans.status != http.StatusUnauthorized
	}
	_, ours := ans.challengeFor(ans.sent)
	return ours && (ans.foreignRealm || (ans.hasRetry && !ans.apiRealmNamed))
}

// fromAPI reports whether the API itself judged the credential: its
// origin, its JSON, its realm.
func (ans *answer) fromAPI() bool {
	return ans.sameOrigin && ans.json && !ans.foreignRealm && !ans.fromEdge()
}

// cause is the server's reason and error code, and what it says to do.
func (ans *answer) cause() string {
	label := ans.reason
	switch {
	case label == "":
		label = ans.code
	case ans.code != "" && ans.code != label:
		label += " (" + ans.code + ")"
	}
	if ch, ok := ans.challengeFor(ans.sent); ok && ch.Params["scope"] != "" && ans.code == "insufficient_scope" {
		label += " (needs scope " + ch.Params["scope"] + ")"
	}
	if ans.reason == "token_not_yet_valid" {
		label += " (the API's clock is behind the token issuer's: a new token will not help)"
	}
	return joinNonEmpty(": ", label, ans.detail)
}

// describe says why a call that ended on this answer failed, naming what
// answered and the cause it gave.
func (ans *answer) describe() string {
	words := statusWords(ans.status)
	switch {
	case !ans.sameOrigin && ans.fromEdge() && ans.url != nil:
		return joinNonEmpty(": ", fmt.Sprintf("not the API's answer: %s %d from %s, where a redirect led (a captive portal or a proxy in the way; credentials go only to %s)", pageKind(ans.body), ans.status, originOf(ans.url), ans.apiOrigin), firstLine(ans.body))
	case !ans.sameOrigin && ans.url != nil:
		return joinNonEmpty(": ", fmt.Sprintf("%s from %s, another origin (credentials go only to %s)", words, originOf(ans.url), ans.apiOrigin), ans.cause())
	case ans.fromEdge() && !ans.json:
		msg := fmt.Sprintf("blocked by an edge: %s %d", pageKind(ans.body), ans.status)
		if who := firstOf(ans.header.Get("X-Blocked-By"), ans.header.Get("Server")); who != "" {
			msg += " from " + who
		}
		if len(ans.challenges) > 0 {
			msg += " asking for " + ans.challenges[0].String()
		}
		if ans.hasRetry {
			msg += fmt.Sprintf(" (Retry-After %s)", ans.header.Get("Retry-After"))
		}
		return joinNonEmpty(": ", msg, firstLine(ans.body))
	case ans.foreignRealm:
		return joinNonEmpty(": ", fmt.Sprintf("%s from another backend: it asks for %s, the API's realm is %q", words, ans.challenges[0], ans.apiRealm), ans.cause())
	case ans.fromEdge() && len(ans.challenges) > 0:
		return joinNonEmpty(": ", fmt.Sprintf("%s from a backend asking for %s with Retry-After %q, still refused after waiting", words, ans.challenges[0], ans.header.Get("Retry-After")), ans.cause())
	case ans.fromEdge():
		return joinNonEmpty(": ", fmt.Sprintf("%s with Retry-After %q, still refused after waiting", words, ans.header.Get("Retry-After")), ans.cause())
	case !ans.json:
		return joinNonEmpty(": ", words, firstLine(ans.body))
	}
	return joinNonEmpty(": ", words, firstOf(ans.cause(), http.StatusText(ans.status)))
}

// pageKind names what a body that is not JSON is, for messages.
func pageKind(body []byte) string {
	if bytes.Contains(bytes.ToLower(body), []byte("<html")) {
		return "HTML"
	}
	return "text"
}

func statusWords(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "unauthorized (401)"
	case http.StatusForbidden:
		return "forbidden (403)"
	case http.StatusTooManyRequests:
		return "rate limited (429)"
	}
	return fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
}

// sentCredential is the scheme and value of the credential a request
// carried: its Authorization header, else its Cookie header.
func sentCredential(req *http.Request) (scheme, value string) {
	if v := req.Header.Get("Authorization"); v != "" {
		s, _, _ := strings.Cut(v, " ")
		return firstOf(canonicalScheme(s), s), v
	}
	if v := req.Header.Get("Cookie"); v != "" {
		return Session, v
	}
	return "", ""
}

// buffer reads resp's body and puts an unread copy back.
func buffer(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(n, 0)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

var (
	titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	tagRe   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// firstLine quotes a non-JSON body: an HTML page's title, else its first
// line of text.
func firstLine(body []byte) string {
	text := string(body)
	if m := titleRe.FindStringSubmatch(text); m != nil {
		text = m[1]
	} else {
		text = tagRe.ReplaceAllString(text, "\n")
	}
	for _, line := range strings.Split(html.UnescapeString(text), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > 200 {
				line = line[:200] + "..."
			}
			return line
		}
	}
	return ""
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func joinNonEmpty(sep string, ss ...string) string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}
