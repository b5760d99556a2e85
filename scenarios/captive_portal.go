package scenarios

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/suites/adapter"
)

func init() {
	Register(&Scenario{
		ID:       "captive-portal",
		Title:    "Captive portal instead of the API",
		Category: "network",
		Recovery: Backoff,
		Summary:  "for `duration` from the first API call every request meets a Wi-Fi portal: `mode=page` answers 401 with the terms page and `Retry-After`, `mode=redirect` answers 302 to a portal page on another host",
		Explain: Explain{
			Symptom:   "Calls answer 401 (or 302 to an unknown host) with `Content-Type: text/html` and a page that says 'Welcome to ... Wi-Fi, accept the terms of use'; no `WWW-Authenticate`, no JSON. The token endpoint answers the same page. After the terms are accepted (here: after a while) everything works again with the same token.",
			Cause:     "A hotel, airport or train network intercepts traffic until someone accepts its terms in a browser. The portal answers in place of every server, with whatever status it likes (401, 200, 302 to its own host; RFC 6585's 511 Network Authentication Required is the right one and rarely used). The request never reached the API.",
			UserFix:   "Recognise an answer that is not the API's (HTML, no challenge, a redirect to another host): keep the credential, do not refresh or log in again (the token endpoint is behind the same portal), never send credentials to the portal's host, wait as Retry-After says and retry; tell the user to open a browser and accept the terms.",
			OwnerFix:  "Nothing on your server is wrong. Make API answers easy to tell from a portal (JSON errors with a reason, a challenge on every 401) and document it; apps can probe a known URL, as operating systems do, to detect a portal before calling.",
			TellApart: "Every host and path answers the same portal page, token endpoint included: this. An HTML block page from an edge server on the API only is waf-block; a plain-text denial that never clears is firewall-block; counting requests is rate-limited; a JSON Bearer challenge from another realm is stale-dns.",
		},
		Sources: []string{SeedChecklist},
		Params: []Param{
			{Name: "duration", Default: "1s", Help: "how long until the terms are accepted, from the first API call", Kind: DurationParam, Min: "1s", Max: "1h"},
			{Name: "mode", Default: "page", Help: "page: 401 with the portal page and Retry-After; redirect: 302 to the portal on another host", Kind: EnumParam, Values: []string{"page", "redirect"}},
		},
		Install: func(env fault.Env, p Params) error {
			duration, mode := p.Duration("duration"), p["mode"]
			if mode != "page" && mode != "redirect" {
				return fmt.Errorf("mode %q is not valid (valid: page, redirect)", mode)
			}
			portalUp := newWindow(duration)
			env.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					now := env.Now()
					if isAPI(r) {
						portalUp.open(now)
					}
					left := portalUp.left(now)
					if left <= 0 {
						next.ServeHTTP(w, r)
						return
					}
					// The portal answers for every host and path, the
					// token endpoint and login included.
					w.Header().Set("Cache-Control", "no-store")
					fault.NoteOf(r).Origin = journal.Portal
					if mode == "redirect" {
						portalHost := env.Origins().CrossHost
						if portalHost == "" && r.URL.Path == "/portal" {
							// No second origin (the handler runs without
							// Start, inside httptest): the portal page is
							// on this host, or the redirect would loop.
							fault.Respond(w, r, http.StatusOK, journal.CaptivePortalPage, "text/html; charset=utf-8", guestWiFiPage)
							return
						}
						orig := "http://" + r.Host + r.URL.RequestURI()
						fault.Redirect(w, r, portalHost+"/portal?continue="+url.QueryEscape(orig), http.StatusFound, journal.CaptivePortalRedirect)
						return
					}
					w.Header().Set("Retry-After", retryAfter(left))
					fault.Respond(w, r, http.StatusUnauthorized, journal.CaptivePortal, "text/html; charset=utf-8", guestWiFiPage)
				})
			})
			return nil
		},
		Workload: Workload{
			Auth:   adapter.AuthOAuth2ClientCredentials,
			Steps:  []Step{Get("/api/items")},
			Expect: Expect{Status: 200},
		},
		Variants: []Variant{{Params: map[string]string{"mode": "redirect"}, Why: "the portal redirects (302) to a page on another host instead of answering 401"}},
	})
}

const guestWiFiPage = `<!DOCTYPE html>
<html><head><title>Airport Free Wi-Fi - Terms of use</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Welcome to Airport Free Wi-Fi</h1>
<p>To use the internet, please read and accept our terms of use.</p>
<form method="post" action="/portal/accept">
<label><input type="checkbox" name="accept" required> I accept the terms of use</label>
<button type="submit">Connect</button></form>
<p><small>Session limited to 60 minutes. Support: ask at the information desk.</small></p>
</body></html>
`
