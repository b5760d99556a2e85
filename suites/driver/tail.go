package driver

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// tailBuffer keeps the last max bytes written to it. A chatty driver must
// not grow the harness's memory without bound, and when a scenario fails
// the end of the log is what explains it.
type tailBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped int64
}

func newTailBuffer(max int) *tailBuffer {
	return &tailBuffer{max: max}
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.max {
		t.dropped += int64(len(t.buf) + len(p) - t.max)
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return n, nil
	}
	t.buf = append(t.buf, p...)
	// Compact only when twice over, so a stream of small writes costs
	// amortised O(1) per byte instead of a copy per write.
	if len(t.buf) > 2*t.max {
		cut := len(t.buf) - t.max
		t.dropped += int64(cut)
		t.buf = append(t.buf[:0], t.buf[cut:]...)
	}
	return n, nil
}

// String returns everything kept, marking how much was dropped before it.
func (t *tailBuffer) String() string {
	return t.tail(t.max)
}

// tail returns at most n bytes from the end, cut on a UTF-8 boundary and
// trimmed of surrounding blank space; "" when nothing was written.
func (t *tailBuffer) tail(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	dropped := t.dropped
	if len(b) > n {
		dropped += int64(len(b) - n)
		b = b[len(b)-n:]
	}
	// The cut may land inside a multi-byte rune; skip its continuation
	// bytes so the result stays valid UTF-8.
	for len(b) > 0 && !utf8.RuneStart(b[0]) {
		b = b[1:]
		dropped++
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return ""
	}
	if dropped > 0 {
		return "..." + s
	}
	return s
}
