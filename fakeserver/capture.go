package fakeserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
)

// The journal shows each exchange as it went over the wire, because half
// of what a 401 teaches is a header (WWW-Authenticate, Retry-After, a
// Set-Cookie that never comes back). Everything that could be a secret
// is fingerprinted with the server's key before it is stored: the
// Authorization and Cookie headers, Set-Cookie values, tokens, codes and
// passwords in JSON and form bodies and in the query. A body that cannot
// be read field by field is withheld rather than shown.

// maxCapture is how much of a body is read for the journal: what the
// server's own forms accept, so a body it parsed can be parsed again.
const maxCapture = maxFormBytes

// capture keeps the first maxCapture bytes that pass through it.
type capture struct{ buf bytes.Buffer }

func (c *capture) keep(p []byte) {
	if room := maxCapture - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
}

// teeBody records what the handler reads of a request body.
type teeBody struct {
	io.ReadCloser
	c   capture
	eof bool // the whole body went through
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.c.keep(p[:n])
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

// complete reports whether the handler read the body to its end within
// the capture limit. The journal never reads on the handler's behalf: an
// edge that refuses a request answers at once, however slowly its body
// trickles in.
func (t *teeBody) complete() bool { return t.eof && t.c.buf.Len() < maxCapture }

// secretFields are body and query fields whose values are credentials.
var secretFields = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "token": true,
	"password": true, "new_password": true, "client_secret": true, "code": true,
	"code_verifier": true, "device_code": true, "user_code": true, "otp": true,
	"assertion": true, "client_assertion": true, "subject_token": true, "actor_token": true,
	"api_key": true, "apikey": true, "session": true, "secret": true,
}

func secretField(name string) bool {
	n := strings.ToLower(name)
	if v, ok := secretFields[n]; ok {
		return v
	}
	if n == "token_type" || n == "token_type_hint" {
		return false
	}
	return strings.Contains(n, "token") || strings.Contains(n, "secret") || strings.Contains(n, "password")
}

// secretHeader says whether a header's whole value is a credential.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "dpop", "x-api-key", "api-key", "x-auth-token", "x-csrf-token":
		return true
	}
	return strings.Contains(n, "token") || strings.Contains(n, "secret") || strings.Contains(n, "password") || strings.Contains(n, "session")
}

// redactor fingerprints one exchange's secrets and remembers them, so a
// secret that also appears in text the server wrote (the code in the
// body http.Redirect writes next to its Location) is replaced there too.
type redactor struct {
	s    *Server
	seen []string
}

func (x *redactor) of(secret string) string {
	if len(secret) >= 4 {
		x.seen = append(x.seen, secret)
	}
	return x.s.fp.Of(secret)
}

// text replaces every secret seen so far in the exchange.
func (x *redactor) text(b string) string {
	for _, sec := range x.seen {
		b = strings.ReplaceAll(b, sec, x.s.fp.Of(sec))
	}
	return b
}

// maxHeaders bounds how many header lines an exchange keeps.
const maxHeaders = 40

// headers renders h with every credential fingerprinted.
func (x *redactor) headers(h http.Header) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	if countValues(h) > maxHeaders {
		sort.Strings(names) // which lines are kept does not depend on map order
	}
	out := make(map[string][]string, min(len(names), maxHeaders))
	n := 0
	for _, k := range names {
		for _, v := range h[k] {
			if n == maxHeaders {
				out["…"] = []string{fmt.Sprintf("%d more header lines not kept", countValues(h)-maxHeaders)}
				return out
			}
			n++
			out[k] = append(out[k], x.headerValue(k, v))
		}
	}
	return out
}

func countValues(h http.Header) int {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	return n
}

func (x *redactor) headerValue(name, v string) string {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
		if !ok {
			return x.of(v)
		}
		x.of(strings.TrimSpace(rest))
		if c, err := authn.ParseAuthorization(v); err == nil {
			x.of(c.Secret)
			return c.Scheme + " " + x.s.fp.Credential(c)
		}
		return scheme + " " + x.s.fp.Of(strings.TrimSpace(rest))
	case "Cookie":
		var parts []string
		for _, kv := range strings.Split(v, ";") {
			k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
			parts = append(parts, k+"="+x.of(val))
		}
		return strings.Join(parts, "; ")
	case "Set-Cookie":
		k, rest, _ := strings.Cut(v, "=")
		val, attrs, _ := strings.Cut(rest, ";")
		if attrs != "" {
			attrs = ";" + attrs
		}
		return k + "=" + x.of(val) + attrs
	case "Location", "Referer":
		if u, err := url.Parse(v); err == nil {
			x.query(u.RawQuery) // remember the code, for the body
		}
		return x.s.journalLocation(v)
	}
	if secretHeader(name) {
		return x.of(v)
	}
	return v
}

// query renders a raw query with credential values fingerprinted.
func (x *redactor) query(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "(a query that does not parse; withheld)"
	}
	x.scrubForm(q)
	return q.Encode()
}

func (x *redactor) scrubForm(q url.Values) {
	for k, vs := range q {
		if secretField(k) {
			for i, v := range vs {
				vs[i] = x.of(v)
			}
		}
	}
}

// scrubJSON fingerprints credential fields at any depth.
func (x *redactor) scrubJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, v := range t {
			switch {
			case !secretField(k) || v == nil:
				t[k] = x.scrubJSON(v)
			case isString(v):
				t[k] = x.of(v.(string))
			default: // a numeric one-time code, an object of secrets
				raw, _ := json.Marshal(v)
				t[k] = x.of(string(raw))
			}
		}
	case []any:
		for i, v := range t {
			t[i] = x.scrubJSON(v)
		}
	}
	return v
}

// secretWords are in the name of every field secretField matches.
var secretWords = [][]byte{[]byte("token"), []byte("secret"), []byte("password"), []byte("code"),
	[]byte("otp"), []byte("assertion"), []byte("api_key"), []byte("apikey"), []byte("session")}

// mentionsSecret says whether a JSON body names any field that could
// hold a credential; most API answers do not, and are kept as written
// without decoding them.
func mentionsSecret(b []byte) bool {
	low := bytes.ToLower(b)
	for _, w := range secretWords {
		if bytes.Contains(low, w) {
			return true
		}
	}
	return false
}

func isString(v any) bool { _, ok := v.(string); return ok }

// body renders a captured body: JSON and forms with their credential
// fields fingerprinted, server-written text as it is, anything else
// withheld with its size. complete is false when the body was longer
// than what was captured.
func (x *redactor) body(contentType string, b []byte, complete, fromServer bool) string {
	if len(b) == 0 {
		return ""
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	withheld := func(why string) string {
		size := fmt.Sprintf("%d bytes", len(b))
		if !complete {
			size = fmt.Sprintf("more than %d bytes", len(b))
		}
		return fmt.Sprintf("(%s of %s %s; withheld)", size, orUnknown(mt), why)
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if !complete {
			return withheld("cut before its end, so it cannot be checked for secrets")
		}
		if !mentionsSecret(b) {
			return x.text(string(b)) // no field that could hold a secret: as written
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return withheld("that is not valid JSON, so it cannot be checked for secrets")
		}
		out, _ := json.Marshal(x.scrubJSON(v))
		// A secret fingerprinted in one field may be repeated inside
		// another (verification_uri_complete carries the user_code).
		return x.text(string(out))
	case mt == "application/x-www-form-urlencoded":
		if !complete {
			return withheld("cut before its end, so it cannot be checked for secrets")
		}
		q, err := url.ParseQuery(string(b))
		if err != nil {
			return withheld("that does not parse as a form")
		}
		x.scrubForm(q)
		return x.text(q.Encode())
	case fromServer && (strings.HasPrefix(mt, "text/") || mt == ""):
		return x.text(string(b)) // the server's own page, with any secret of the exchange replaced
	}
	return withheld("that is not JSON or a form")
}

func orUnknown(mt string) string {
	if mt == "" {
		return "an unnamed type"
	}
	return mt
}

// exchangeRecord builds the journal's view of one exchange.
func (s *Server) exchangeRecord(r *http.Request, reqBody *teeBody, rec *recorder) (req, resp *journal.Message) {
	x := &redactor{s: s}
	req = &journal.Message{
		Query:   x.query(r.URL.RawQuery),
		Headers: x.headers(r.Header),
	}
	switch {
	case reqBody == nil:
	case reqBody.c.buf.Len() == 0 && !reqBody.eof:
		req.Body = "(a body the server did not read)"
	default:
		req.Body = x.body(r.Header.Get("Content-Type"), reqBody.c.buf.Bytes(), reqBody.complete(), false)
	}
	resp = &journal.Message{Headers: x.headers(rec.Header())}
	resp.Body = x.body(rec.Header().Get("Content-Type"), rec.body.buf.Bytes(), rec.body.buf.Len() < maxCapture, true)
	return req, resp
}
