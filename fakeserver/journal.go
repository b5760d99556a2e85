package fakeserver

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/internal/authn"
)

// Entry is one request as the journal records it. Credentials appear only
// as fingerprints.
type Entry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Host       string    `json:"host"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Scheme     string    `json:"scheme"`
	Credential string    `json:"credential"`
	Status     int       `json:"status"`
	Reason     string    `json:"reason"`
	Scenario   string    `json:"scenario"`
	Subject    string    `json:"subject,omitempty"`
	Grant      string    `json:"grant,omitempty"`
	Scope      string    `json:"scope,omitempty"`
	Origin     string    `json:"origin,omitempty"`
	RetryAfter string    `json:"retry_after,omitempty"`
	Location   string    `json:"location,omitempty"`
}

// Journal keeps the most recent entries in memory. It is bounded so a
// long `authchaos serve` cannot grow without limit; Dropped says how many
// entries fell off the front.
type Journal struct {
	mu      sync.Mutex
	cap     int
	entries []Entry
	seq     int64
	dropped int64
	subs    map[chan Entry]struct{}
}

func newJournal(capacity int) *Journal {
	if capacity <= 0 {
		capacity = 10000
	}
	return &Journal{cap: capacity, subs: map[chan Entry]struct{}{}}
}

// arrive numbers a request as it arrives: the journal is in arrival
// order (the contract), even though entries are written when answered.
func (j *Journal) arrive() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return j.seq
}

// add records an answered request under the number it got on arrival. A
// slow request lands behind faster ones that arrived after it, so it is
// inserted in place; nearly always that is the end.
func (j *Journal) add(e Entry) Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.entries) >= j.cap {
		n := len(j.entries) - j.cap + 1
		// Slide the window instead of copying it: a full journal must not
		// cost a copy of every entry per request. append reallocates (and
		// frees the dropped ones) once the spare capacity runs out.
		j.entries = j.entries[n:]
		j.dropped += int64(n)
	}
	i := len(j.entries)
	for i > 0 && j.entries[i-1].Seq > e.Seq {
		i--
	}
	j.entries = slices.Insert(j.entries, i, e)
	for ch := range j.subs {
		select {
		case ch <- e:
		default: // a slow watcher misses entries rather than slowing the server
		}
	}
	return e
}

// Entries returns a copy of the entries with Seq > since, in order.
func (j *Journal) Entries(since int64) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Entry, 0, len(j.entries))
	for _, e := range j.entries {
		if e.Seq > since {
			out = append(out, e)
		}
	}
	return out
}

// Dropped is how many entries the cap has discarded since the last Clear.
func (j *Journal) Dropped() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// LastSeq is the sequence number of the newest request to arrive; its
// entry appears once it is answered.
func (j *Journal) LastSeq() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq
}

// Clear empties the journal. Sequence numbers keep counting up so a
// watcher never sees one twice.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = nil
	j.dropped = 0
}

// Watch streams new entries until stop is called.
func (j *Journal) Watch() (entries <-chan Entry, stop func()) {
	ch := make(chan Entry, 256)
	j.mu.Lock()
	j.subs[ch] = struct{}{}
	j.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			j.mu.Lock()
			delete(j.subs, ch)
			j.mu.Unlock()
		})
	}
}

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
func (s *Server) journaled(origin string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__admin/") || r.URL.Path == "/__admin" || r.URL.Path == "/metrics" {
			h.ServeHTTP(w, r) // the operator's own calls would drown the client's
			return
		}
		seq, arrived, scenario := s.journal.arrive(), s.clock.Now().UTC(), s.activeName()
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
		e := s.journal.add(Entry{
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
