package fakeserver

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/authn"
)

// Entry and Journal are the journal package's, named here too so code
// written against fakeserver.Entry keeps compiling.
type (
	Entry   = journal.Entry
	Journal = journal.Journal
)

// recorder captures the status of an answer for the journal.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// journalLocation is a Location header as the journal records it. An
// authorization code in it is a credential (RFC 6749 §10.5), so it is
// fingerprinted like every other one.
func journalLocation(loc string) string {
	u, err := url.Parse(loc)
	if err != nil || u.RawQuery == "" {
		return loc
	}
	q := u.Query()
	secret := false
	for _, k := range []string{"code", "access_token", "id_token", "refresh_token"} {
		if v := q.Get(k); v != "" {
			q.Set(k, authn.Fingerprint(v))
			secret = true
		}
	}
	if !secret {
		return loc
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// journaled wraps h so every request lands in the journal. The note in
// the context lets whoever answers tell the journal why.
func (s *Server) journaled(origin journal.Origin, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__admin/") || r.URL.Path == "/__admin" || r.URL.Path == "/metrics" {
			h.ServeHTTP(w, r) // the operator's own calls would drown the client's
			return
		}
		seq, arrived, scenario := s.journal.Arrive(), s.clock.Now().UTC(), s.activeName()
		ctx, note := fault.WithNote(r.Context())
		note.Origin = origin
		r = r.WithContext(ctx)
		if cred, err := authn.FromRequest(r); err == nil {
			note.Scheme, note.Credential = safeScheme(cred.Scheme), cred.Fingerprint()
		} else {
			note.Scheme = safeScheme(cred.Scheme)
			if note.Scheme == "" {
				note.Scheme = authn.None
			}
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		e := s.journal.Record(Entry{
			Seq:        seq,
			At:         arrived,
			Host:       r.Host,
			Method:     r.Method,
			Path:       r.URL.Path,
			Scheme:     note.Scheme,
			Credential: note.Credential,
			Status:     rec.status,
			Reason:     note.Reason,
			Scenario:   scenario,
			Subject:    note.Subject,
			Grant:      note.Grant,
			Scope:      note.Scope,
			Origin:     note.Origin,
			RetryAfter: w.Header().Get("Retry-After"),
			Location:   journalLocation(w.Header().Get("Location")),
		})
		s.metrics.observe(e)
		if s.observer != nil {
			s.observer(e)
		}
	})
}
