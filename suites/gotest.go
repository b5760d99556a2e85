package suites

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/suites/adapter"
)

// Test runs the recovery suites as plain `go test` subtests: one t.Run
// per scenario, named by its id, so `go test -run 'TestAuthchaos/expired-'`
// narrows a run and every failure states what the client did wrong, one
// finding a line, with the calls and the journal below.
//
//	func TestAuthchaos(t *testing.T) {
//		suites.Test(t, "my-sdk", mysdk.AuthchaosFactory)
//	}
//
// Subtests run one after another; each starts its own fake server.
func Test(t *testing.T, client string, factory adapter.Factory, opts ...func(*Options)) {
	t.Helper()
	// Failures name the caller's line, as a failure in its own test would.
	at := ""
	if _, file, line, ok := runtime.Caller(1); ok {
		at = fmt.Sprintf(" (suites.Test at %s:%d)", filepath.Base(file), line)
	}
	o := Options{Client: client, Factory: factory}
	for _, opt := range opts {
		opt(&o)
	}
	selected, err := Select(o.Scenarios)
	if err == nil && o.Variants {
		selected, err = WithVariants(selected)
	}
	if err != nil {
		t.Fatalf("authchaos: %v", err)
	}
	for _, sc := range selected {
		t.Run(sc.Label(), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res := RunScenario(ctx, sc, o)
			switch res.Verdict {
			case Skip, NotRun:
				t.Skip(res.Detail)
			case Fail:
				var b strings.Builder
				b.WriteString(sc.Label() + " (" + string(sc.Recovery) + ")" + at + ":\n")
				for _, f := range res.findingLines() {
					b.WriteString("  " + f + "\n")
				}
				if s := res.clientStderr(); s != "" {
					b.WriteString("client stderr:\n" + s + "\n")
				}
				b.WriteString(res.Evidence())
				t.Error(strings.TrimRight(b.String(), "\n"))
			}
			for _, adv := range res.Advisories {
				if res.Verdict != Fail || len(res.Findings) > 0 {
					t.Log("advisory: " + adv)
				}
			}
		})
	}
}
