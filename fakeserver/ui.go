package fakeserver

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// The live view is for workshops: the instructor switches scenarios and
// moves the clock while the room watches requests arrive, each with its
// status and reason, next to the scenario's teaching text.

//go:embed ui/index.html
var liveView []byte

func (s *Server) adminUI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
	_, _ = w.Write(liveView)
}

// adminStream sends journal entries as server-sent events until the
// client goes away or the server closes.
func (s *Server) adminStream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		adminError(w, http.StatusInternalServerError, "streaming is not supported by this connection")
		return
	}
	entries, stop := s.journal.Watch()
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case e := <-entries:
			b, _ := json.Marshal(e)
			if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", e.Seq, b); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}
