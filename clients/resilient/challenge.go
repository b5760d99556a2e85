package resilient

import (
	"fmt"
	"strings"
)

// challenge is one RFC 7235 challenge: `Bearer realm="api", error="invalid_token"`.
type challenge struct {
	Scheme string            // as sent; compare with strings.EqualFold
	Params map[string]string // names lower-cased, values unquoted
}

// String renders the challenge with its realm, as error messages quote it.
func (c challenge) String() string {
	if realm, ok := c.Params["realm"]; ok {
		return fmt.Sprintf("%s realm=%q", c.Scheme, realm)
	}
	return c.Scheme
}

// parseChallenges reads every challenge of every WWW-Authenticate value.
// A header may hold several challenges and a response several headers. A
// token followed by "=" is a parameter of the current challenge; any other
// token starts a new one. It never fails: what it cannot read it skips.
func parseChallenges(values []string) []challenge {
	var out []challenge
	for _, v := range values {
		s := scanner{s: v}
		for !s.done() {
			s.skip(" \t,")
			tok := s.token()
			if tok == "" {
				s.i++ // not a token character: skip it
				continue
			}
			s.skip(" \t")
			if s.peek() != '=' {
				out = append(out, challenge{Scheme: tok, Params: map[string]string{}})
				continue
			}
			s.i++ // '='
			s.skip(" \t")
			var val string
			if s.peek() == '"' {
				val = s.quoted()
			} else {
				val = s.token()
			}
			if len(out) > 0 {
				out[len(out)-1].Params[strings.ToLower(tok)] = val
			}
		}
	}
	return out
}

type scanner struct {
	s string
	i int
}

func (s *scanner) done() bool { return s.i >= len(s.s) }

func (s *scanner) peek() byte {
	if s.done() {
		return 0
	}
	return s.s[s.i]
}

func (s *scanner) skip(set string) {
	for !s.done() && strings.IndexByte(set, s.s[s.i]) >= 0 {
		s.i++
	}
}

// token reads an RFC 7230 token (plus '/' so token68 values survive).
func (s *scanner) token() string {
	start := s.i
	for !s.done() {
		c := s.s[s.i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),:;<=>?@[\\]{}", c) >= 0 {
			break
		}
		s.i++
	}
	return s.s[start:s.i]
}

// quoted reads a quoted-string starting at '"', undoing backslash escapes.
func (s *scanner) quoted() string {
	s.i++ // opening quote
	var b strings.Builder
	for !s.done() {
		c := s.s[s.i]
		s.i++
		switch {
		case c == '"':
			return b.String()
		case c == '\\' && !s.done():
			b.WriteByte(s.s[s.i])
			s.i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String() // unterminated: keep what there was
}
