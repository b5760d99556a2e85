package driver

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTailBuffer writes whatever a driver may print to stderr, in chunks
// of any size, and checks the tail against the plain definition: the last
// n bytes of everything written, cut on a rune boundary, trimmed, marked
// with "..." when anything before it was dropped.
func FuzzTailBuffer(f *testing.F) {
	f.Add([]byte("log line\n"), uint8(8), uint8(8), uint8(3))
	f.Add([]byte("aéz\x00\xff  more\r\n"), uint8(4), uint8(2), uint8(0))
	f.Add([]byte(strings.Repeat("x", 600)), uint8(16), uint8(16), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, max, n, chunk uint8) {
		kept := int(max) + 1
		want := min(int(n)+1, kept)
		b := newTailBuffer(kept)
		for rest := data; len(rest) > 0; {
			w := min(len(rest), int(chunk)+1)
			if got, err := b.Write(rest[:w]); got != w || err != nil {
				t.Fatalf("Write(%d bytes) = %d, %v", w, got, err)
			}
			rest = rest[w:]
		}
		tail := data[len(data)-min(want, len(data)):]
		dropped := len(data) - len(tail)
		for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
			tail = tail[1:]
			dropped++
		}
		expect := strings.TrimSpace(string(tail))
		if expect != "" && dropped > 0 {
			expect = "..." + expect
		}
		if got := b.tail(want); got != expect {
			t.Fatalf("tail(%d) after %d bytes in chunks of %d = %q, want %q", want, len(data), int(chunk)+1, got, expect)
		}
		if len(b.buf) > 2*kept {
			t.Fatalf("kept %d bytes, want at most %d", len(b.buf), 2*kept)
		}
	})
}
