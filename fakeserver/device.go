package fakeserver

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

// The device authorization grant (RFC 8628): a device without a browser
// asks for a code, shows the user a short user code, and polls the token
// endpoint while the user approves on another device. Here the "other
// device" is the admin API (POST /__admin/actions approve-device), and
// every expiry and interval is on the virtual clock.

const deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"

// deviceGrant is one device authorization in progress.
type deviceGrant struct {
	client, userCode string
	scopes           []string
	expires          time.Time
	interval         time.Duration // grows by 5s at each slow_down (§3.5)
	lastPoll         time.Time
	polls            int
	user             string // who approved; "" while pending
	denied, done     bool
}

const maxDevices = 10_000

func (st *realm) deviceTimes() (ttl, interval time.Duration) {
	ttl, interval = st.knobs.DeviceCodeTTL, st.knobs.DeviceInterval
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	if interval <= 0 {
		interval = 5 * time.Second
	}
	return ttl, interval
}

// userCode is eight letters from an alphabet without vowels or look-alikes
// (RFC 8628 §6.1), shown as XXXX-XXXX.
func userCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ"
	b := make([]byte, 9)
	for i := range b {
		if i == 4 {
			b[i] = '-'
			continue
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// handleDeviceAuthorization is RFC 8628 §3.1-3.2.
func (s *Server) handleDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.BadForm, description: "form body does not parse: " + err.Error()})
		return
	}
	if k, dup := duplicated(r.PostForm); dup {
		s.writeOAuthError(w, r, oauthError{status: 400, code: "invalid_request", reason: journal.DuplicateParameter, description: "parameter " + k + " is sent more than once"})
		return
	}
	c, oerr := s.authenticateClient(r)
	if oerr != nil {
		s.writeOAuthError(w, r, *oerr)
		return
	}
	st, now, iss := s.realmOf(r), s.clock.Now(), s.issuerFor(r)
	ttl, interval := st.deviceTimes()
	code, user := "dc_"+randomHex(20), userCode()
	scopes := grantScopes(strings.Fields(r.PostForm.Get("scope")), c.Scopes)
	st.mu.Lock()
	put(st.devices, &st.deviceOrder, code, &deviceGrant{client: c.ID, userCode: user, scopes: scopes, expires: now.Add(ttl), interval: interval},
		maxDevices, func(d *deviceGrant) bool { return now.After(d.expires.Add(sweepAfter)) })
	st.mu.Unlock()
	w.Header().Set("Pragma", "no-cache")
	fault.WriteJSON(w, http.StatusOK, map[string]any{
		"device_code": code, "user_code": user,
		"verification_uri": iss + "/device", "verification_uri_complete": iss + "/device?user_code=" + user,
		"expires_in": int(ttl / time.Second), "interval": int(interval / time.Second),
	})
}

// grantDevice is the token request of a polling device (§3.4, §3.5).
func (s *Server) grantDevice(t tokenRequest) (tokenResponse, *oauthError, error) {
	st, now := t.st, s.clock.Now()
	bad := func(code string, reason journal.Reason, desc string) *oauthError {
		return &oauthError{status: 400, code: code, reason: reason, description: desc}
	}
	st.mu.Lock()
	d, ok := st.devices[t.form("device_code")]
	if !ok || d.client != t.client.ID {
		st.mu.Unlock()
		return tokenResponse{}, bad("invalid_grant", journal.DeviceCodeUnknown, "device_code is unknown or was issued to another client"), nil
	}
	polled := d.lastPoll
	d.lastPoll = now
	d.polls++
	k := st.knobs
	if d.user == "" && !d.denied && now.Before(d.expires) {
		// The user on the phone, on the scenario's schedule.
		switch {
		case k.DeviceApproveAt > 0 && d.polls >= k.DeviceApproveAt:
			d.user = s.deviceUser()
		case k.DeviceDenyAt > 0 && d.polls >= k.DeviceDenyAt:
			d.denied = true
		}
	}
	var refusal *oauthError
	switch {
	case !d.done && k.DeviceSlowDownAt > 0 && d.polls == k.DeviceSlowDownAt && now.Before(d.expires):
		d.interval += 5 * time.Second
		refusal = bad("slow_down", journal.DeviceSlowDown, fmt.Sprintf("the server is busy: poll at most every %s from now on", d.interval))
	case d.done:
		refusal = bad("invalid_grant", journal.DeviceCodeUsed, "device_code was already exchanged for tokens")
	case !now.Before(d.expires):
		refusal = bad("expired_token", journal.DeviceCodeExpired, "the device code expired at "+d.expires.UTC().Format(time.RFC3339)+"; start over with a new device authorization")
	case d.denied:
		refusal = bad("access_denied", journal.DeviceAccessDenied, "the user denied the authorization request")
	case !polled.IsZero() && now.Sub(polled) < d.interval:
		d.interval += 5 * time.Second // §3.5: slow down by 5 seconds
		refusal = bad("slow_down", journal.DeviceSlowDown, fmt.Sprintf("polled %s after the last poll; poll at most every %s from now on", now.Sub(polled), d.interval))
	case d.user == "":
		refusal = bad("authorization_pending", journal.DevicePending, "the user has not approved the request yet; keep polling at the interval")
	default:
		d.done = true
	}
	user, scopes := d.user, d.scopes
	st.mu.Unlock()
	if refusal != nil {
		return tokenResponse{}, refusal, nil
	}
	resp, err := s.issue(st, mint{issuer: t.issuer, subject: user, client: t.client.ID, scopes: scopes, resources: t.resources, idToken: true, jkt: t.jkt})
	return resp, nil, err
}

// decideDevices approves or denies the pending device authorizations with
// user code code ("" for all), as user. Callers hold st.mu.
func (st *realm) decideDevices(code string, approve bool, user string) error {
	found := false
	for _, d := range st.devices {
		if d.done || d.user != "" || d.denied || (code != "" && !strings.EqualFold(d.userCode, code)) {
			continue
		}
		found = true
		if approve {
			d.user = user
		} else {
			d.denied = true
		}
	}
	if !found {
		if code == "" {
			return fmt.Errorf("no device authorization is pending")
		}
		return fmt.Errorf("no pending device authorization has user code %q", code)
	}
	return nil
}

// deviceUser is who approves on a scenario's schedule: the first
// configured user, whom the suites configure clients as.
func (s *Server) deviceUser() string {
	if len(s.cfg.Users) == 0 {
		return ""
	}
	return s.cfg.Users[0].Username
}
