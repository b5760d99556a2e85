package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// schemeNames are the credential schemes the fake server understands, in
// canonical spelling.
var schemeNames = []string{"Bearer", "Basic", "ApiKey", "Cookie"}

var methodNames = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

// checker collects semantic problems, locating each through the positions
// the walk recorded. pos may be nil (for the built-in defaults).
type checker struct {
	file string
	pos  positions
	errs []*Error
}

func (c *checker) errorf(path, format string, args ...any) {
	e := &Error{File: c.file, Field: path, Msg: fmt.Sprintf(format, args...)}
	if n := c.pos.at(path); n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	c.errs = append(c.errs, e)
}

// where says where path was written, for messages that refer to an
// earlier entry ("already used by users[0] (line 3)").
func (c *checker) where(path string) string {
	if n := c.pos.at(path); n != nil {
		return fmt.Sprintf("%s (line %d)", path, n.Line)
	}
	return path
}

// check validates f after defaults are filled. It canonicalises method and
// scheme spellings in place, since that is where their validity is decided.
func (f *File) check(file string, pos positions) []*Error {
	c := &checker{file: file, pos: pos}

	if _, _, err := net.SplitHostPort(f.Addr); err != nil {
		reason := err.Error()
		var ae *net.AddrError
		if errors.As(err, &ae) {
			reason = ae.Err
		}
		c.errorf("addr", "%s is not a host:port address (%s; want e.g. %q or \":8401\")", quote(f.Addr), reason, defaultAddr)
	}
	if i := strings.IndexFunc(f.Realm, func(r rune) bool { return r == '"' || r == '\\' || unicode.IsControl(r) }); i >= 0 {
		// The realm goes inside a quoted-string in WWW-Authenticate;
		// rejecting these is simpler and safer than escaping them.
		r, _ := utf8.DecodeRuneInString(f.Realm[i:])
		c.errorf("realm", "%s contains %q, which cannot appear in a WWW-Authenticate realm", quote(f.Realm), r)
	}
	if f.TokenFormat != JWTTokens && f.TokenFormat != OpaqueTokens {
		c.errorf("token_format", "%s is not a token format (valid: %s, %s)", quote(string(f.TokenFormat)), JWTTokens, OpaqueTokens)
	}
	if f.JournalCap < 0 {
		c.errorf("journal_cap", "%d is negative (want a positive number of entries, or 0 for the default %d)", f.JournalCap, defaultJournalCap)
	}

	users := map[string]string{} // username -> path of its entry
	for i, u := range f.Users {
		p := indexPath("users", i)
		switch {
		case u.Username == "":
			c.errorf(p+".username", "username is required")
		case strings.Contains(u.Username, ":"):
			// RFC 7617: the user-id in Basic credentials cannot hold a colon.
			c.errorf(p+".username", "%s contains \":\", which Basic auth cannot carry in a user name", quote(u.Username))
		default:
			if first, dup := users[u.Username]; dup {
				c.errorf(p+".username", "%s is already used by %s", quote(u.Username), c.where(first))
			} else {
				users[u.Username] = p + ".username"
			}
		}
		if u.Password == "" {
			c.errorf(p+".password", "password is required")
		}
		c.scopes(p+".scopes", u.Scopes)
		c.roles(p+".roles", u.Roles)
	}

	clients := map[string]string{}
	for i, cl := range f.Clients {
		p := indexPath("clients", i)
		if cl.ID == "" {
			c.errorf(p+".id", "client id is required")
		} else if first, dup := clients[cl.ID]; dup {
			c.errorf(p+".id", "%s is already used by %s", quote(cl.ID), c.where(first))
		} else {
			clients[cl.ID] = p + ".id"
		}
		if cl.Secret == "" {
			c.errorf(p+".secret", "client secret is required")
		}
		for j, uri := range cl.RedirectURIs {
			c.redirectURI(indexPath(p+".redirect_uris", j), uri)
		}
		c.scopes(p+".scopes", cl.Scopes)
	}

	keys := map[string]string{}
	for i, k := range f.APIKeys {
		p := indexPath("api_keys", i)
		switch {
		case k.Key == "":
			c.errorf(p+".key", "key is required")
		case strings.IndexFunc(k.Key, badHeaderRune) >= 0:
			c.errorf(p+".key", "%s contains spaces or control characters, which cannot be sent in a header", quote(k.Key))
		default:
			if first, dup := keys[k.Key]; dup {
				c.errorf(p+".key", "%s is already used by %s", quote(k.Key), c.where(first))
			} else {
				keys[k.Key] = p + ".key"
			}
		}
		if k.Owner == "" {
			c.errorf(p+".owner", "owner is required (want the username of a configured user)")
		} else if _, ok := users[k.Owner]; !ok {
			c.errorf(p+".owner", "%s is not a configured user", quote(k.Owner))
		}
		c.scopes(p+".scopes", k.Scopes)
	}

	routes := map[string]string{} // "METHOD path" -> path of the method entry
	for i := range f.Routes {
		c.route(indexPath("routes", i), &f.Routes[i], routes)
	}

	for i, s := range f.Scenarios {
		p := indexPath("scenarios", i)
		if s.ID == "" {
			c.errorf(p+".id", "scenario id is required")
		}
		for k := range s.Params {
			if k == "" {
				c.errorf(p+".params", "parameter names cannot be empty")
			}
		}
	}
	return c.errs
}

func (c *checker) route(p string, r *Route, seen map[string]string) {
	switch {
	case r.Path == "":
		c.errorf(p+".path", "route path is required")
	case !strings.HasPrefix(r.Path, "/api/") || len(r.Path) == len("/api/"):
		// The fake server mounts its own endpoints (token, login, ...)
		// outside /api/, so routes must live below it to never shadow them.
		c.errorf(p+".path", "%s does not start with \"/api/\" (want e.g. \"/api/items\")", quote(r.Path))
	case strings.ContainsAny(r.Path, "?#") || strings.IndexFunc(r.Path, badHeaderRune) >= 0:
		// Routes match the request path only, so these could never match.
		c.errorf(p+".path", "%s contains a query, fragment, space or control character; want a plain path", quote(r.Path))
	}

	methods := map[string]bool{}
	for j, m := range r.Methods {
		mp := indexPath(p+".methods", j)
		canon, ok := canonical(m, methodNames)
		if !ok {
			c.errorf(mp, "%s is not a method (valid: %s)", quote(m), strings.Join(methodNames, ", "))
			continue
		}
		r.Methods[j] = canon
		if methods[canon] {
			c.errorf(mp, "%s is listed twice", canon)
			continue
		}
		methods[canon] = true
		if r.Path == "" {
			continue
		}
		key := canon + " " + r.Path
		if first, dup := seen[key]; dup {
			c.errorf(mp, "%s %s is already defined by %s", canon, r.Path, c.where(first))
		} else {
			seen[key] = mp
		}
	}

	schemes := map[string]bool{}
	for j, s := range r.Schemes {
		sp := indexPath(p+".schemes", j)
		canon, ok := canonical(s, schemeNames)
		if !ok {
			c.errorf(sp, "%s is not a scheme (valid: %s)", quote(s), strings.Join(schemeNames, ", "))
			continue
		}
		r.Schemes[j] = canon
		if schemes[canon] {
			c.errorf(sp, "%s is listed twice", canon)
		}
		schemes[canon] = true
	}

	c.scopes(p+".scopes", r.Scopes)
	c.roles(p+".roles", r.Roles)
	if r.Public {
		// A public route skips authentication, so these could never be
		// checked; saying so beats a route that silently ignores them.
		if len(r.Scopes) > 0 {
			c.errorf(p+".scopes", "a public route cannot require scopes (found %s; remove them or set public: false)", quoteList(r.Scopes))
		}
		if len(r.Roles) > 0 {
			c.errorf(p+".roles", "a public route cannot require roles (found %s; remove them or set public: false)", quoteList(r.Roles))
		}
	}
}

// canonical matches s case-insensitively: "bearer" is an obvious intent,
// and storing the canonical spelling lets later packages use ==.
func canonical(s string, valid []string) (string, bool) {
	for _, v := range valid {
		if strings.EqualFold(s, v) {
			return v, true
		}
	}
	return "", false
}

// scopes enforces RFC 6749 section 3.3 scope-token syntax: scopes travel
// space-separated in OAuth requests, so one with a space would silently
// turn into two.
func (c *checker) scopes(p string, list []string) {
	for j, s := range list {
		switch {
		case s == "":
			c.errorf(indexPath(p, j), "scope is empty")
		case strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r > '~' || r == '"' || r == '\\' }) >= 0:
			c.errorf(indexPath(p, j), "%s is not a valid scope (printable ASCII except space, '\"' and '\\'; list several scopes as separate items)", quote(s))
		}
	}
}

func (c *checker) roles(p string, list []string) {
	for j, r := range list {
		if strings.TrimSpace(r) == "" {
			c.errorf(indexPath(p, j), "role is empty")
		}
	}
}

// redirectURI applies RFC 6749 section 3.1.2: absolute, and no fragment.
func (c *checker) redirectURI(p, uri string) {
	u, err := url.Parse(uri)
	switch {
	case err != nil || !u.IsAbs():
		c.errorf(p, "%s is not an absolute URI (want e.g. \"http://127.0.0.1:8400/callback\")", quote(uri))
	case u.Fragment != "" || strings.Contains(uri, "#"):
		c.errorf(p, "%s contains a fragment (\"#...\"), which redirect URIs must not have", quote(uri))
	}
}

func badHeaderRune(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
