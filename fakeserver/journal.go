package fakeserver

import (
	"context"
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
	body   capture // the first bytes of the answer, for the journal
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
	r.body.keep(b)
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
func (s *Server) journalLocation(loc string) string {
	u, err := url.Parse(loc)
	if err != nil || u.RawQuery == "" {
		return loc
	}
	q := u.Query()
	secret := false
	for _, k := range []string{"code", "access_token", "id_token", "refresh_token"} {
		if v := q.Get(k); v != "" {
			q.Set(k, s.fp.Of(v))
			secret = true
		}
	}
	if !secret {
		return loc
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// exchange is what the server learns of a request once, as it arrives:
// the realm it runs in (so a request never straddles two activations) and
// the credential it presents (parsed once, for the journal and for
// authentication alike).
type exchange struct {
	realm   *realm
	cred    authn.Credential
	credErr error
	// authz and cookie are the headers cred was parsed from: an edge may
	// take a credential away before the API sees the request
	// (missing-credentials), and then the API reads what is left.
	authz, cookie string
}

// parse reads the credential r presents now.
func (x *exchange) parse(r *http.Request) {
	x.authz, x.cookie = r.Header.Get("Authorization"), r.Header.Get("Cookie")
	x.cred, x.credErr = authn.FromRequest(r)
}

// credential is what r presents now: the one parsed on arrival unless an
// edge changed the headers since.
func (x *exchange) credential(r *http.Request) (authn.Credential, error) {
	if r.Header.Get("Authorization") != x.authz || r.Header.Get("Cookie") != x.cookie {
		x.parse(r)
	}
	return x.cred, x.credErr
}

type exchangeKey struct{}

// exchangeOf returns what journaled learnt of r. Requests that did not come
// through it (a handler called directly in a test) get the current realm.
func (s *Server) exchangeOf(r *http.Request) *exchange {
	if x, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
		return x
	}
	x := &exchange{realm: s.cur.Load()}
	x.parse(r)
	return x
}

// realmOf is the realm r runs in.
func (s *Server) realmOf(r *http.Request) *realm { return s.exchangeOf(r).realm }

// journaled wraps h so every request lands in the journal. The note in
// the context lets whoever answers tell the journal why.
func (s *Server) journaled(origin journal.Origin, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__admin/") || r.URL.Path == "/__admin" || r.URL.Path == "/metrics" {
			h.ServeHTTP(w, r) // the operator's own calls would drown the client's
			return
		}
		x := &exchange{realm: s.cur.Load()}
		seq, arrived := s.journal.Arrive(), s.clock.Now().UTC()
		ctx, note := fault.WithNote(context.WithValue(r.Context(), exchangeKey{}, x))
		note.Origin = origin
		r = r.WithContext(ctx)
		x.parse(r)
		var tee *teeBody
		if r.Body != nil && r.Body != http.NoBody {
			tee = &teeBody{ReadCloser: r.Body}
			r.Body = tee
		}
		note.Scheme = safeScheme(x.cred.Scheme)
		if x.credErr == nil {
			note.Credential = s.fp.Credential(x.cred)
		} else if note.Scheme == "" {
			note.Scheme = authn.None
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		reqMsg, respMsg := s.exchangeRecord(r, tee, rec)
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
			Scenario:   x.realm.name,
			Subject:    note.Subject,
			Grant:      note.Grant,
			Scope:      note.Scope,
			Resource:   note.Resource,
			DPoP:       len(r.Header.Values("DPoP")) > 0,
			Origin:     note.Origin,
			RetryAfter: w.Header().Get("Retry-After"),
			Location:   s.journalLocation(w.Header().Get("Location")),
			Request:    reqMsg,
			Response:   respMsg,
		})
		s.metrics.observe(e)
		s.stream.publish(e)
		if s.observer != nil {
			s.observer(e)
		}
	})
}
