package fakeserver

import (
	"bytes"
	"testing"
)

// A subscriber that does not keep up loses entries, never slows the
// publisher, and is told how many it lost; every subscriber gets the one
// encoding of an entry.
func TestStreamCountsWhatASlowReaderMissed(t *testing.T) {
	var st stream
	slow, _ := st.subscribe()
	fast, _ := st.subscribe()
	for i := 1; i <= 300; i++ {
		st.publish(Entry{Seq: int64(i), Path: "/api/items"})
		if i <= 256 {
			<-fast.events
		}
	}
	if got := slow.missed.Load(); got != 300-256 {
		t.Fatalf("slow reader missed %d, want %d", got, 300-256)
	}
	first := <-slow.events
	if !bytes.HasPrefix(first, []byte("id: 1\ndata: {")) {
		t.Fatalf("first event %q", first)
	}
	for range maxSubscribers - 2 {
		if _, ok := st.subscribe(); !ok {
			t.Fatal("refused a subscriber under the limit")
		}
	}
	if _, ok := st.subscribe(); ok {
		t.Fatalf("accepted subscriber %d", maxSubscribers+1)
	}
}
