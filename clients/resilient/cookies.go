package resilient

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// cookieProblem says why a cookie the login set would never be sent back
// to the API at base, or "" if it would. A session that cannot come back
// makes every call 401 with missing_credentials; saying so at login is
// the fail-fast answer, and names the attribute to fix.
func cookieProblem(c *http.Cookie, login, base *url.URL) string {
	if c.MaxAge < 0 {
		return "" // a deletion
	}
	host := strings.ToLower(base.Hostname())
	switch {
	case c.Secure && base.Scheme != "https":
		return fmt.Sprintf("session cookie %s is Secure but the API is %s://%s, it will never be sent back", c.Name, base.Scheme, base.Host)
	case c.SameSite == http.SameSiteStrictMode && site(login.Hostname()) != site(host):
		return fmt.Sprintf("session cookie %s is SameSite=Strict but the login (%s) and the API (%s) are different sites, it will never be sent back", c.Name, login.Hostname(), host)
	case c.Domain != "":
		domain := strings.ToLower(strings.TrimPrefix(c.Domain, "."))
		if !domainMatch(host, domain) {
			return fmt.Sprintf("session cookie %s is set for domain %s, not %s, it will never be sent back", c.Name, domain, host)
		}
	case !strings.EqualFold(login.Hostname(), host):
		return fmt.Sprintf("session cookie %s is host-only for %s (no Domain attribute), not %s, it will never be sent back", c.Name, login.Hostname(), host)
	}
	return ""
}

// domainMatch is RFC 6265 §5.1.3: host is domain or a name under it; an IP
// address matches only itself.
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return net.ParseIP(host) == nil && strings.HasSuffix(host, "."+domain)
}

// site approximates a registrable domain: an IP address, or the last two
// labels of a name. Good enough to tell login.example.com and
// api.example.com (one site) from example.com and example.net (two).
func site(host string) string {
	host = strings.ToLower(host)
	if net.ParseIP(host) != nil {
		return host
	}
	labels := strings.Split(host, ".")
	if len(labels) <= 2 {
		return host
	}
	return strings.Join(labels[len(labels)-2:], ".")
}
