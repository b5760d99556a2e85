// The wire: the requests the harness writes and how it reads the driver's
// answers. Every line from the driver is checked here before any caller sees
// it; a line that is not an answer to a waiting request ends the driver.

package driver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/authchaos/authchaos/suites/adapter"
)

type configureReq struct {
	ID     int64           `json:"id"`
	Op     string          `json:"op"`
	Target *adapter.Target `json:"target"`
}

type callReq struct {
	ID     int64   `json:"id"`
	Op     string  `json:"op"`
	Method string  `json:"method"`
	Path   string  `json:"path"`
	Body   *string `json:"body"`
}

type closeReq struct {
	ID int64  `json:"id"`
	Op string `json:"op"`
}

type answer struct {
	ID     *int64 `json:"id"`
	OK     *bool  `json:"ok"`
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
	// Unsupported, on a configure answer with "ok": false, says the SDK
	// cannot authenticate the way the target asks: an extension of the
	// contract so a driver's scenario is skipped, not failed.
	Unsupported bool `json:"unsupported"`
}

func (p *Process) readStdout() {
	defer close(p.readDone)
	sc := bufio.NewScanner(p.stdout)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	n := 0
	for sc.Scan() {
		n++
		if d := p.dispatch(n, sc.Bytes()); d != nil {
			p.fail(d)
			return
		}
	}
	if err := sc.Err(); err != nil {
		switch {
		case errors.Is(err, bufio.ErrTooLong):
			p.fail(&death{kind: ErrProtocol, err: err, msg: func(string) string {
				return fmt.Sprintf("driver wrote a line longer than %d MiB at stdout line %d (want one JSON object per line; is something other than answers printing to stdout?)", MaxLine>>20, n+1)
			}})
		case errors.Is(err, os.ErrClosed):
			// Close released the pipe; release reports to the callers.
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The driver has exited and something it left behind holds
			// the pipe: that is the driver's EOF.
			p.reportExit()
		default:
			p.fail(&death{kind: ErrExited, err: err, msg: func(desc string) string {
				return fmt.Sprintf("could not read the driver's stdout before it answered %s: %v", desc, err)
			}})
		}
		return
	}

	p.reportExit()
}

// dispatch hands one stdout line to its caller. A non-nil death means the
// driver broke the protocol and can no longer be believed.
func (p *Process) dispatch(n int, raw []byte) *death {
	line := bytes.TrimSpace(raw) // also drops the \r of a CRLF driver
	if len(line) == 0 {
		return nil
	}
	protocol := func(err error, format string, args ...any) *death {
		msg := fmt.Sprintf(format, args...)
		return &death{kind: ErrProtocol, err: err, msg: func(string) string { return msg }}
	}
	if !json.Valid(line) {
		return protocol(nil, "driver wrote a line that is not JSON at stdout line %d: %s (want one JSON object per line)", n, quoteLine(line))
	}
	var a answer
	if err := json.Unmarshal(line, &a); err != nil {
		return protocol(err, "driver wrote a line that is not a protocol answer at stdout line %d: %s: %v", n, quoteLine(line), err)
	}
	if a.ID == nil {
		return protocol(nil, `driver wrote an answer without "id" at stdout line %d: %s`, n, quoteLine(line))
	}
	id := *a.ID
	// encoding/json keeps the last of a repeated key; a driver that writes
	// one is broken, and which value it meant is a guess.
	repeated := repeatedField(line)
	if repeated == "id" {
		return protocol(nil, `driver wrote an answer with "id" twice at stdout line %d: %s (which request it answers is ambiguous)`, n, quoteLine(line))
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if pr, ok := p.pending[id]; ok {
		delete(p.pending, id)
		if repeated != "" {
			// The driver is in sync; only this answer is unusable.
			pr.ch <- reply{err: p.errorf(pr, ErrProtocol, nil, "driver answered %s with %q twice at stdout line %d: %s (a repeated key is ambiguous)", pr.desc, repeated, n, quoteLine(line))}
			return nil
		}
		pr.ch <- reply{ans: a}
		return nil
	}
	if p.abandoned[id] {
		delete(p.abandoned, id)
		return nil
	}
	return protocol(nil, "driver answered id %d, which no request is waiting for, at stdout line %d: %s (%s)", id, n, quoteLine(line), p.waitingLocked())
}

// answerFields are the keys an answer line may carry, as answer's tags
// spell them.
var answerFields = []string{"id", "ok", "status", "body", "error", "unsupported"}

// repeatedField names the first answer field that a valid JSON line sets
// twice at its top level, "" if none. Keys match fields as encoding/json
// matches them, ignoring case, so "id" and "ID" are the same key.
func repeatedField(line []byte) string {
	dec := json.NewDecoder(bytes.NewReader(line))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	seen := make(map[string]bool, len(answerFields))
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := t.(string)
		for _, f := range answerFields {
			if strings.EqualFold(key, f) {
				if seen[f] {
					return f
				}
				seen[f] = true
				break
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// checkOK judges an answer to configure or close.
func (p *Process) checkOK(pr *pendingReq, a answer) *Error {
	switch {
	case a.Unsupported && pr.op == "configure":
		return p.errorf(pr, ErrRejected, adapter.ErrUnsupported, "driver does not support this target: %s", a.Error)
	case a.Error != "":
		return p.errorf(pr, ErrRejected, nil, "driver rejected %s: %s", pr.desc, a.Error)
	case a.OK == nil:
		return p.errorf(pr, ErrProtocol, nil, `driver answered %s without "ok": true`, pr.desc)
	case !*a.OK:
		return p.errorf(pr, ErrRejected, nil, `driver answered %s with "ok": false and no "error"`, pr.desc)
	}
	return nil
}

// waitingLocked lists the requests still waiting, so a wrong-id message
// shows which id the driver should have used.
func (p *Process) waitingLocked() string {
	if len(p.pending) == 0 {
		return "no request is waiting"
	}
	ids := make([]int64, 0, len(p.pending))
	for id := range p.pending {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var names []string
	for i, id := range ids {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(ids)-5))
			break
		}
		pr := p.pending[id]
		name := pr.desc
		if pr.op != "call" {
			name = fmt.Sprintf("%s (id %d)", pr.desc, id)
		}
		names = append(names, name)
	}
	return "waiting: " + strings.Join(names, ", ")
}

func quoteLine(b []byte) string {
	if len(b) > lineInError {
		return strconv.Quote(string(b[:lineInError])) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}
