package driver

import (
	"errors"
	"strings"
	"testing"
)

// FuzzDispatch feeds arbitrary driver stdout lines to the answer parser:
// whatever a driver writes, the harness either hands a well-formed answer
// to the request waiting for it or names the protocol breach. It never
// panics, and never delivers an answer to a request with another id.
func FuzzDispatch(f *testing.F) {
	for _, s := range []string{
		`{"id": 2, "status": 200, "body": "ok", "error": ""}`,
		`{"id": 1, "ok": true}`,
		`{"id": 2, "status": "200"}`,
		`{"id": 99}`,
		`{"status": 200}`,
		`not json`,
		`{"id": 2, "body": "\u0000"}`,
		`[1,2,3]`,
		`{"id": 1e30}`,
		`{"id": 2, "status": 200, "Status": 401}`,
		`{"id": 2, "ID": 2}`,
		"   \r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p := &Process{pending: map[int64]*pendingReq{}, abandoned: map[int64]bool{}, stderr: newTailBuffer(stderrKept)}
		pr := &pendingReq{id: 2, op: "call", desc: "call 2 (GET /api/items)", ch: make(chan reply, 1)}
		p.pending[2] = pr
		d := p.dispatch(1, []byte(line))
		select {
		case r := <-pr.ch:
			if d != nil {
				t.Fatalf("line %q both answered and broke the protocol", line)
			}
			if r.err != nil {
				if r.err.Msg == "" || !errors.Is(r.err, ErrProtocol) {
					t.Fatalf("line %q: call 2 got %v, want a protocol error with a message", line, r.err)
				}
				return
			}
			if r.ans.ID == nil || *r.ans.ID != 2 {
				t.Fatalf("line %q delivered an answer with the wrong id to call 2", line)
			}
		default:
			if d == nil && strings.TrimSpace(line) != "" {
				t.Fatalf("line %q was neither delivered nor reported", line)
			}
			if d != nil && d.msg("") == "" {
				t.Fatalf("line %q: empty protocol message", line)
			}
		}
	})
}
