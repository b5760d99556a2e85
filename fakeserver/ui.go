package fakeserver

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The live view is for workshops: the instructor switches scenarios and
// moves the clock while the room watches requests arrive, each with its
// status and reason, next to the scenario's teaching text.

//go:embed ui/index.html
var liveView []byte

func (s *Server) adminUI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// frame-ancestors: no other page may frame the view and click its
	// buttons (clickjacking); X-Frame-Options for older browsers.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(liveView)
}

// stream fans journal entries out to the live view's subscribers. Each
// entry is encoded once, whatever the number of subscribers, and one that
// cannot keep up misses entries (the server never waits for a browser)
// and is told how many.
type stream struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	events chan []byte
	missed atomic.Int64
}

// maxSubscribers bounds the live view's streams: each holds a buffer.
const maxSubscribers = 256

func (st *stream) subscribe() (*subscriber, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.subs) >= maxSubscribers {
		return nil, false
	}
	if st.subs == nil {
		st.subs = map[*subscriber]struct{}{}
	}
	sub := &subscriber{events: make(chan []byte, 256)}
	st.subs[sub] = struct{}{}
	return sub, true
}

func (st *stream) unsubscribe(sub *subscriber) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.subs, sub)
}

func (st *stream) publish(e Entry) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.subs) == 0 {
		return
	}
	b, _ := json.Marshal(e)
	st.send([]byte(fmt.Sprintf("id: %d\ndata: %s\n\n", e.Seq, b)))
}

// Change events tell the live view that the server changed under it,
// through whichever door (the page, curl, the Go API, the suites), so it
// redraws its panel and marks the place in the journal.
const (
	eventActivation = "activation" // scenarios made active (Apply)
	eventHeal       = "heal"       // no scenario active any more (Apply of none)
	eventReset      = "reset"      // clock rewound, same scenarios on fresh state
	eventClock      = "clock"      // the virtual clock moved
	eventClear      = "clear"      // the journal was emptied on its own
)

// changeEvent is the data of a change event. It leaves out the fixtures
// GET /__admin/scenario shows (a stored token for the client): the page
// has no use for them, and a stream to a browser is no place for a token.
type changeEvent struct {
	Active []string            `json:"active"`
	Params []map[string]string `json:"params"`
	At     time.Time           `json:"at"`    // server clock when it happened
	Clock  clockState          `json:"clock"` // the clock after it
}

// clockEvent is the data of a clock event.
type clockEvent struct {
	clockState
	Advanced string `json:"advanced"`
}

// announce sends a named change event to every live view.
func (s *Server) announce(name string, advanced time.Duration) {
	st := s.activeState()
	var v any = changeEvent{Active: st.Active, Params: st.Params, At: s.clock.Now().UTC(), Clock: s.clockState()}
	if name == eventClock {
		v = clockEvent{clockState: s.clockState(), Advanced: advanced.String()}
	}
	s.stream.publishEvent(name, v)
}

func (st *stream) publishEvent(name string, v any) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.subs) == 0 {
		return
	}
	b, _ := json.Marshal(v)
	st.send([]byte(fmt.Sprintf("event: %s\ndata: %s\n\n", name, b)))
}

// send queues an encoded event for every subscriber; st.mu is held.
func (st *stream) send(event []byte) {
	for sub := range st.subs {
		select {
		case sub.events <- event:
		default:
			sub.missed.Add(1)
		}
	}
}

// adminStream sends journal entries as server-sent events until the
// client goes away or the server closes. Before an entry that follows a
// gap it sends a "missed" event with how many entries the reader lost.
func (s *Server) adminStream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		adminError(w, http.StatusInternalServerError, "streaming is not supported by this connection")
		return
	}
	sub, ok := s.stream.subscribe()
	if !ok {
		adminError(w, http.StatusServiceUnavailable, fmt.Sprintf("too many live views are open (at most %d); close one", maxSubscribers))
		return
	}
	defer s.stream.unsubscribe(sub)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	// A dropped stream (a restarted server) is retried after half a
	// second rather than the browser's default of about three.
	_, _ = fmt.Fprint(w, "retry: 500\n\n")
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case event := <-sub.events:
			if n := sub.missed.Swap(0); n > 0 {
				if _, err := fmt.Fprintf(w, "event: missed\ndata: {\"missed\": %d}\n\n", n); err != nil {
					return
				}
			}
			if _, err := w.Write(event); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}
