// Package journal is the fake server's record of what clients did, and the
// vocabulary that record is written in.
//
// The one idea to hold: the journal is the only evidence the suites judge a
// client from, so every word in it — why a request was refused (Reason),
// which layer answered (Origin) — is a typed constant defined here and
// nowhere else. The server, the scenarios and the judge all spell them
// through this package, so a typo is a compile error, not a verdict that
// silently never matches.
//
// A Journal is bounded twice: in entries (the oldest fall off the front,
// counted in Dropped) and in bytes per entry (long paths, hosts and
// subjects are cut visibly and counted in Truncated), so a hostile client
// cannot make the server hold gigabytes.
package journal

import (
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
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
	Reason     Reason    `json:"reason"`
	Scenario   string    `json:"scenario"`
	Subject    string    `json:"subject,omitempty"`
	Grant      string    `json:"grant,omitempty"`
	Scope      string    `json:"scope,omitempty"`
	// Resource is a token request's RFC 8707 resource indicators.
	Resource string `json:"resource,omitempty"`
	// DPoP says the request carried a DPoP proof (RFC 9449); the proof
	// itself is not recorded.
	DPoP       bool   `json:"dpop,omitempty"`
	Origin     Origin `json:"origin,omitempty"`
	RetryAfter string `json:"retry_after,omitempty"`
	Location   string `json:"location,omitempty"`
	// Request and Response are the exchange as it went over the wire, for
	// a person to read: headers and a body excerpt, every credential in
	// them fingerprinted by the server before it reaches the journal.
	Request  *Message `json:"request,omitempty"`
	Response *Message `json:"response,omitempty"`
}

// Message is one side of an exchange. Header values and the query are
// cut to MaxField bytes and the body to MaxBody, like every other field.
type Message struct {
	Query   string              `json:"query,omitempty"` // request only
	Headers map[string][]string `json:"headers,omitempty"`
	Body    string              `json:"body,omitempty"`
}

// MaxBody is the longest body excerpt an entry keeps, in bytes.
const MaxBody = 2048

// DetailCap is how many of the newest entries keep their Request and
// Response. An exchange is a few kilobytes, so older entries keep only
// the summary fields: a full journal holds DetailCap exchanges, not its
// whole capacity's.
const DetailCap = 2000

// clip cuts the message's fields and reports whether any was cut.
func (m *Message) clip() bool {
	if m == nil {
		return false
	}
	cut := clip(&m.Query) > 0
	for _, vs := range m.Headers {
		for i := range vs {
			if clip(&vs[i]) > 0 {
				cut = true
			}
		}
	}
	return clipTo(&m.Body, MaxBody) > 0 || cut
}

// DefaultCap is the number of entries a Journal keeps when not told.
const DefaultCap = 10000

// MaxField is the longest a free-text field (path, host, subject, scope,
// location) is kept, in bytes. Longer values are cut and marked.
const MaxField = 1024

// Journal keeps the most recent entries in memory, in arrival order.
type Journal struct {
	mu        sync.Mutex
	cap       int
	entries   []Entry
	seq       int64
	dropped   int64
	truncated int64
	subs      map[chan Entry]struct{}
}

// New returns a journal that keeps at most capacity entries (DefaultCap
// for 0 or less).
func New(capacity int) *Journal {
	if capacity <= 0 {
		capacity = DefaultCap
	}
	return &Journal{cap: capacity, subs: map[chan Entry]struct{}{}}
}

// Arrive numbers a request as it arrives: the journal is in arrival order
// (the contract), even though entries are recorded when answered.
func (j *Journal) Arrive() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return j.seq
}

// Record adds an answered request under the number Arrive gave it and
// returns the entry as stored (long fields cut). A slow request lands
// behind faster ones that arrived after it, so it is inserted in place;
// nearly always that is the end.
func (j *Journal) Record(e Entry) Entry {
	cut := 0
	for _, f := range []*string{&e.Path, &e.Host, &e.Subject, &e.Scope, &e.Location, &e.Method, &e.Grant, &e.Scheme, &e.RetryAfter} {
		if n := clip(f); n > 0 {
			cut++
		}
	}
	for _, m := range []*Message{e.Request, e.Response} {
		if m.clip() {
			cut++
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if cut > 0 {
		j.truncated++
	}
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
	if k := len(j.entries) - DetailCap - 1; k >= 0 {
		j.entries[k].Request, j.entries[k].Response = nil, nil
	}
	if i < len(j.entries)-DetailCap { // a slow request landing among the old
		j.entries[i].Request, j.entries[i].Response = nil, nil
	}
	for ch := range j.subs {
		select {
		case ch <- e:
		default: // a slow watcher misses entries rather than slowing the server
		}
	}
	return e
}

// clip cuts *s to MaxField bytes, marking the cut with how much went, and
// reports how many bytes were removed.
func clip(s *string) int { return clipTo(s, MaxField) }

func clipTo(s *string, limit int) int {
	if len(*s) <= limit {
		return 0
	}
	// Cut at a rune start, so the kept part stays valid UTF-8.
	i := limit
	for i > 0 && !utf8.RuneStart((*s)[i]) {
		i--
	}
	n := len(*s) - i
	*s = (*s)[:i] + "…[+" + strconv.Itoa(n) + " bytes]"
	return n
}

// Entries returns a copy of the entries with Seq > since, in order.
func (j *Journal) Entries(since int64) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	i, _ := slices.BinarySearchFunc(j.entries, since, func(e Entry, s int64) int {
		switch {
		case e.Seq <= s:
			return -1
		default:
			return 1
		}
	})
	return append(make([]Entry, 0, len(j.entries)-i), j.entries[i:]...) // never nil: an empty journal is []
}

// Dropped is how many entries the cap has discarded since the last Clear.
func (j *Journal) Dropped() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// Truncated is how many entries had a field cut to MaxField since the
// last Clear.
func (j *Journal) Truncated() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.truncated
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
	j.truncated = 0
}

// Watch streams new entries until stop is called. A watcher that does not
// keep up misses entries; it never slows the server.
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
