package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/suites"
)

func TestProgressLines(t *testing.T) {
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		p := &progress{w: &buf, color: palette{on: color}, total: 12}
		p.event(suites.Event{Kind: suites.ScenarioStarted, Scenario: "expired-token"})
		p.event(suites.Event{Kind: suites.Waiting, Scenario: "stale-dns", Step: "call 2 of 3", Waited: 10*time.Second + 3*time.Millisecond})
		p.event(suites.Event{Kind: suites.ScenarioFinished, Scenario: "expired-token",
			Result: &suites.Result{Scenario: "expired-token", Verdict: suites.Fail, Recovery: "refresh", Duration: 43 * time.Millisecond}})
		p.event(suites.Event{Kind: suites.ScenarioFinished, Scenario: "waf-block",
			Result: &suites.Result{Scenario: "waf-block", Verdict: suites.Pass, Recovery: "backoff", Duration: 1007 * time.Millisecond}})
		out := buf.String()
		plain := stripANSI(out)
		want := "        waiting 10s on stale-dns call 2 of 3\n" +
			"[ 1/12] FAIL    expired-token (refresh, 43ms)\n" +
			"[ 2/12] PASS    waf-block (backoff, 1.007s)\n"
		if plain != want {
			t.Errorf("colour %v: progress printed\n%q\nwant\n%q", color, plain, want)
		}
		if hasANSI := strings.Contains(out, "\x1b["); hasANSI != color {
			t.Errorf("colour %v: escape codes present = %v", color, hasANSI)
		}
	}
}

func TestNoColourOffTerminal(t *testing.T) {
	if useColor(&bytes.Buffer{}) {
		t.Error("useColor is true for a buffer")
	}
	t.Setenv("NO_COLOR", "1")
	if useColor(&bytes.Buffer{}) {
		t.Error("useColor is true with NO_COLOR")
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
