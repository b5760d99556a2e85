package fakeserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/scenarios"
)

// The admin API: the same operations as the Go API, as JSON over HTTP.

func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__admin/scenarios", s.adminScenarios)
	mux.HandleFunc("GET /__admin/scenario", s.adminActive)
	mux.HandleFunc("PUT /__admin/scenario", s.adminActivate)
	mux.HandleFunc("DELETE /__admin/scenario", s.adminDeactivate)
	mux.HandleFunc("GET /__admin/clock", s.adminClock)
	mux.HandleFunc("POST /__admin/clock", s.adminAdvance)
	mux.HandleFunc("GET /__admin/journal", s.adminJournal)
	mux.HandleFunc("DELETE /__admin/journal", s.adminClearJournal)
	mux.HandleFunc("POST /__admin/reset", s.adminReset)
	mux.HandleFunc("POST /__admin/actions", s.adminAction)
	mux.HandleFunc("GET /__admin/otp", s.adminOTP)
	mux.HandleFunc("GET /__admin/ui", s.adminUI)
	mux.HandleFunc("GET /__admin/journal/stream", s.adminStream)
	mux.HandleFunc("/__admin/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, fmt.Sprintf("no admin endpoint %s %s (valid: GET scenarios, GET|PUT|DELETE scenario, GET|POST clock, GET|DELETE journal, POST reset, POST actions, GET otp, GET ui, GET journal/stream)", r.Method, r.URL.Path))
	})
}

// sameOrigin refuses admin calls that change something when a browser
// says they come from another origin. The admin API takes no credentials,
// and a cross-origin POST with a text/plain body needs no CORS preflight,
// so any web page the operator has open could otherwise reset the server
// or revoke its keys. curl and the SDKs send no Origin, and the live view
// is same-origin.
func sameOrigin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		if r.Method == http.MethodGet || r.Method == http.MethodHead || o == "" || o == "http://"+r.Host || o == "https://"+r.Host {
			h.ServeHTTP(w, r)
			return
		}
		adminError(w, http.StatusForbidden, fmt.Sprintf("admin calls from another origin (%s) are refused; call from the live view or a tool that sends no Origin", o))
	})
}

// adminHost refuses admin calls, reads included, addressed to a host the
// server was not told it serves. A DNS-rebinding page makes the browser
// send Host and Origin both as evil.example:PORT, which the Origin check
// cannot tell from the live view; the Host can only be one of ours if the
// browser was pointed at us by a name we know. Loopback names, the host
// of the server's own URL and WithAdminHosts pass.
func (s *Server) adminHost(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		if s.adminHostAllowed(host) {
			h.ServeHTTP(w, r)
			return
		}
		adminError(w, http.StatusForbidden, fmt.Sprintf("admin calls addressed to host %q are refused: the admin API answers only at %s (a page on another name reaching this port is DNS rebinding); serve --admin-host NAME adds a name",
			host, strings.Join(s.adminHostNames(), ", ")))
	})
}

func (s *Server) adminHostAllowed(host string) bool {
	host = strings.Trim(strings.ToLower(host), "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true // RFC 6761 §6.3: always loopback
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return true
	}
	return slices.Contains(s.adminHostNames(), host)
}

// adminHostNames are the non-loopback names the admin API answers at.
func (s *Server) adminHostNames() []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if u, err := url.Parse(s.URL()); err == nil && u.Hostname() != "" && !slices.Contains(names, u.Hostname()) {
		names = append(names, strings.ToLower(u.Hostname()))
	}
	for _, h := range s.adminHosts {
		names = append(names, strings.ToLower(h))
	}
	return names
}

func adminError(w http.ResponseWriter, status int, msg string) {
	fault.WriteJSON(w, status, map[string]any{"error": msg})
}

// decodeStrict reads a JSON body into v, rejecting unknown fields and
// trailing data, with an error that says where.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any, valid string) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err, valid)
	}
	if trailingData(dec) {
		return errors.New("body has data after the JSON object")
	}
	return nil
}

type scenarioInfo struct {
	*scenarios.Scenario
	Explain scenarios.Explain `json:"explain"`
	Active  bool              `json:"active"`
	// RecoveryText is the recovery kind's sentence, what a correct client
	// does, so the live view teaches the behaviour and not only its name.
	RecoveryText string `json:"recovery_text"`
}

func (s *Server) adminScenarios(w http.ResponseWriter, r *http.Request) {
	active := map[string]bool{}
	for _, id := range s.Active() {
		active[id] = true
	}
	out := []scenarioInfo{}
	for _, sc := range scenarios.All() {
		out = append(out, scenarioInfo{Scenario: sc, Explain: sc.Explain, Active: active[sc.ID], RecoveryText: scenarios.Recoveries[sc.Recovery]})
	}
	fault.WriteJSON(w, http.StatusOK, out)
}

// ActiveState is what GET /__admin/scenario answers.
type ActiveState struct {
	Active   []string            `json:"active"`
	Params   []map[string]string `json:"params"`
	Fixtures map[string]string   `json:"fixtures"`
}

func (s *Server) activeState() ActiveState {
	a := s.Activation()
	st := ActiveState{Active: append([]string{}, a.IDs()...), Params: []map[string]string{}, Fixtures: s.Fixtures()}
	for _, sel := range a {
		st.Params = append(st.Params, sel.Params)
	}
	return st
}

func (s *Server) adminActive(w http.ResponseWriter, r *http.Request) {
	fault.WriteJSON(w, http.StatusOK, s.activeState())
}

// activateRequest accepts one id, a list, or a list with parameters.
type activateRequest struct {
	ID        string            `json:"id"`
	Params    map[string]string `json:"params"`
	IDs       []string          `json:"ids"`
	Scenarios []struct {
		ID     string            `json:"id"`
		Params map[string]string `json:"params"`
	} `json:"scenarios"`
}

func (s *Server) adminActivate(w http.ResponseWriter, r *http.Request) {
	var req activateRequest
	if err := decodeStrict(w, r, &req, "id, params, ids, scenarios"); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.ID == "none" && (len(req.IDs) > 0 || len(req.Scenarios) > 0) {
		adminError(w, http.StatusBadRequest, `{"id": "none"} heals the server and cannot be combined with "ids" or "scenarios"`)
		return
	}
	var a Activation
	if req.ID != "" && req.ID != "none" {
		a = append(a, Selected{ID: req.ID, Params: req.Params})
	}
	for _, id := range req.IDs {
		a = append(a, Selected{ID: id})
	}
	for _, sc := range req.Scenarios {
		a = append(a, Selected{ID: sc.ID, Params: sc.Params})
	}
	if req.ID == "" && len(req.IDs) == 0 && len(req.Scenarios) == 0 {
		adminError(w, http.StatusBadRequest, `no scenario given: send {"id": ID}, {"ids": [ID, ...]} or {"id": "none"} (valid ids: `+strings.Join(scenarios.IDs(), ", ")+")")
		return
	}
	if err := s.Apply(a); err != nil {
		status := http.StatusBadRequest
		var unknown *scenarios.UnknownError
		if errors.As(err, &unknown) {
			status = http.StatusNotFound
		}
		adminError(w, status, err.Error())
		return
	}
	fault.WriteJSON(w, http.StatusOK, s.activeState())
}

func (s *Server) adminDeactivate(w http.ResponseWriter, r *http.Request) {
	if err := s.Apply(nil); err != nil { // healing starts a fresh record, as PUT {"id": "none"} does
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	fault.WriteJSON(w, http.StatusOK, s.activeState())
}

type clockState struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
}

func (s *Server) clockState() clockState {
	return clockState{Now: s.clock.Now().UTC(), Offset: s.clock.Offset().String()}
}

func (s *Server) adminClock(w http.ResponseWriter, r *http.Request) {
	fault.WriteJSON(w, http.StatusOK, s.clockState())
}

func (s *Server) adminAdvance(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Advance string `json:"advance"`
	}
	if err := decodeStrict(w, r, &req, "advance"); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil || d < 0 {
		adminError(w, http.StatusBadRequest, fmt.Sprintf("advance: %q is not a non-negative duration (want e.g. \"90s\", \"10m\", \"2h\")", req.Advance))
		return
	}
	if left := s.clock.Headroom(); d > left {
		adminError(w, http.StatusBadRequest, fmt.Sprintf("advance: %s is more than the clock can still move (at most %s, about 292 years in all)", req.Advance, left.Truncate(time.Hour)))
		return
	}
	s.Advance(d)
	fault.WriteJSON(w, http.StatusOK, s.clockState())
}

func (s *Server) adminJournal(w http.ResponseWriter, r *http.Request) {
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("since: %q is not a sequence number (want an integer >= 0)", v))
			return
		}
		since = n
	}
	w.Header().Set("X-Authchaos-Journal-Dropped", strconv.FormatInt(s.journal.Dropped(), 10))
	w.Header().Set("X-Authchaos-Journal-Truncated", strconv.FormatInt(s.journal.Truncated(), 10))
	writeEntries(w, s.journal.Entries(since))
}

// writeEntries streams a JSON array an entry at a time, so a full
// journal is never held twice over as one encoded buffer. The layout is
// WriteJSON's: an indented array.
func writeEntries(w http.ResponseWriter, es []Entry) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	defer bw.Flush()
	if len(es) == 0 {
		_, _ = bw.WriteString("[]\n")
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("  ", "  ")
	for i, e := range es {
		buf.Reset()
		_ = enc.Encode(e)
		sep := ",\n  "
		if i == 0 {
			sep = "[\n  "
		}
		_, _ = bw.WriteString(sep)
		_, _ = bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	_, _ = bw.WriteString("\n]\n")
}

func (s *Server) adminClearJournal(w http.ResponseWriter, r *http.Request) {
	s.journal.Clear()
	s.announce(eventClear, 0)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminReset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(); err != nil {
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	fault.WriteJSON(w, http.StatusOK, s.activeState())
}

func (s *Server) adminAction(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Action string `json:"action"`
		Arg    string `json:"arg"`
	}
	if err := decodeStrict(w, r, &req, "action, arg"); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.Do(fault.Action(req.Action), req.Arg); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	fault.WriteJSON(w, http.StatusOK, map[string]string{"done": req.Action})
}

// adminOTP is the user's phone: the code their authenticator shows now.
func (s *Server) adminOTP(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("user")
	if name == "" && len(s.cfg.Users) > 0 {
		name = s.cfg.Users[0].Username
	}
	_, ok := s.cur.Load().users[name] // the map is fixed at activation
	if !ok {
		adminError(w, http.StatusNotFound, fmt.Sprintf("no user %q", name))
		return
	}
	fault.WriteJSON(w, http.StatusOK, map[string]string{"user": name, "otp": s.OTP(name)})
}
