package fakeserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp"`
}

// handleLogin checks a password (and one-time code) and sets a session
// cookie whose attributes the active scenario may have bent.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	note := fault.NoteOf(r)
	req, err := decodeLogin(w, r)
	if err != nil {
		fault.Refuse(http.StatusBadRequest, journal.BadLoginRequest, err.Error()).Write(w, r)
		return
	}
	note.Subject = req.Username
	st := s.realmOf(r)
	st.mu.Lock()
	u, lerr := s.checkPasswordLocked(st, req.Username, req.Password, req.OTP)
	now := s.clock.Now()
	if limit := st.knobs.SessionLimit; lerr == nil && limit > 0 {
		if live := st.liveSessions(u.name, now); live >= limit {
			lerr = &loginError{journal.DeviceLimit, fmt.Sprintf("%s already has %d active sessions (limit %d)", u.name, live, limit),
				"sign out on another device, or end old sessions, then log in again"}
		}
	}
	if lerr != nil {
		st.mu.Unlock()
		extra := map[string]any{}
		if lerr.reason == journal.MFARequired {
			extra["otp_required"] = true
		}
		s.deny(w, r, fault.Challenge{Scheme: "Session", Realm: s.cfg.Realm, Error: string(lerr.reason),
			Description: lerr.description, Reason: lerr.reason, Hint: lerr.hint, Extra: extra})
		return
	}
	id := "s_" + randomHex(20)
	expires := now.Add(st.lifetime(s.cfg).session)
	st.putSession(id, &session{user: u.name, expires: expires}, now)
	st.mu.Unlock()
	knobs := st.knobs
	sameSite := knobs.CookieSameSite
	if sameSite == 0 {
		sameSite = http.SameSiteLaxMode
	}
	// MaxAge, not Expires: the browser's clock is not the virtual one.
	http.SetCookie(w, &http.Cookie{Name: authn.SessionCookie, Value: id, Path: "/", HttpOnly: true,
		Domain: knobs.CookieDomain, Secure: knobs.CookieSecure, SameSite: sameSite,
		MaxAge: int(expires.Sub(now) / time.Second)})
	fault.WriteJSON(w, http.StatusOK, map[string]any{"user": u.name, "expires_at": expires.UTC().Format(time.RFC3339)})
}

func decodeLogin(w http.ResponseWriter, r *http.Request) (loginRequest, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	var req loginRequest
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return req, describeJSONError(err, "username, password, otp")
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return req, describeJSONError(err, "username, password, otp")
		}
		if trailingData(dec) {
			return req, errors.New("body has data after the JSON object")
		}
		if k, dup := duplicateKey(body); dup {
			// encoding/json keeps the last; another parser on the path may
			// keep the first, and then two parties disagree on who logs in.
			return req, fmt.Errorf("field %q appears more than once", k)
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return req, fmt.Errorf("form body does not parse: %w", err)
		}
		if k, dup := duplicated(r.PostForm); dup {
			return req, fmt.Errorf("field %q appears more than once", k)
		}
		req = loginRequest{Username: r.PostForm.Get("username"), Password: r.PostForm.Get("password"), OTP: r.PostForm.Get("otp")}
	default:
		return req, fmt.Errorf("Content-Type is %q, want application/json or application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	}
	if req.Username == "" {
		return req, errors.New("username is required")
	}
	return req, nil
}

// duplicateKey finds a key repeated in the top-level JSON object body
// (already known to decode).
func duplicateKey(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		k, _ := t.(string)
		if seen[k] {
			return k, true
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// trailingData reports whether anything but white space follows the
// value dec has decoded. Decoder.More alone misses a stray "}" or "]".
func trailingData(dec *json.Decoder) bool {
	_, err := dec.Token()
	return !errors.Is(err, io.EOF)
}

// describeJSONError turns encoding/json's errors into one that says where
// and what was expected.
func describeJSONError(err error, valid string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("body is empty, want a JSON object")
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at byte %d: %w", syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Errorf("field %q: got JSON %s, want %s", typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("JSON body ends early")
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("body is larger than %d bytes", mbe.Limit)
	}
	msg := err.Error()
	if len(msg) > 20 && msg[:20] == "json: unknown field " {
		return fmt.Errorf("unknown field %s (valid: %s)", msg[20:], valid)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(authn.SessionCookie); err == nil {
		st := s.realmOf(r)
		st.mu.Lock()
		delete(st.sessions, ck.Value)
		st.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: authn.SessionCookie, Value: "", Path: "/", MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}
