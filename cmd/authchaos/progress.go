package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authchaos/authchaos/suites"
)

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// useColor says whether to colour what goes to w: only on a terminal,
// and never when NO_COLOR is set (https://no-color.org) or TERM is dumb.
func useColor(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// tableWidth is how wide the result table may be on w: COLUMNS when
// set, the terminal's width, or no limit when w is a file or a pipe.
func tableWidth(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok && isTerminal(w) {
		return terminalWidth(f)
	}
	return 0
}

type palette struct{ on bool }

// verdict is v in capitals, padded to the widest verdict so the columns
// after it line up whether or not it is coloured.
func (p palette) verdict(v suites.Verdict) string {
	s := fmt.Sprintf("%-7s", strings.ToUpper(string(v)))
	if !p.on {
		return s
	}
	code := map[suites.Verdict]string{suites.Pass: "32", suites.Fail: "31", suites.Skip: "33", suites.NotRun: "90"}[v]
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) dim(s string) string {
	if !p.on {
		return s
	}
	return "\x1b[2m" + s + "\x1b[0m"
}

// progress prints a run as it goes, on stderr: a line per scenario as
// it finishes, and a heartbeat while the client keeps one waiting.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	color palette
	total int
	done  int
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, color: palette{on: useColor(w)}, total: total}
}

func (p *progress) event(e suites.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	width := len(strconv.Itoa(p.total))
	switch e.Kind {
	case suites.ScenarioFinished:
		p.done++
		res := e.Result
		fmt.Fprintf(p.w, "[%*d/%d] %s %s %s\n", width, p.done, p.total, p.color.verdict(res.Verdict), res.Scenario,
			p.color.dim(fmt.Sprintf("(%s, %s)", res.Recovery, res.Duration.Round(time.Millisecond))))
	case suites.Waiting:
		waited := e.Waited.Round(time.Second)
		if e.Waited < 10*time.Second {
			waited = e.Waited.Round(10 * time.Millisecond)
		}
		fmt.Fprintf(p.w, "%*s waiting %s on %s %s\n", 2*width+3, "", waited, e.Scenario, e.Step)
	}
}
