// Package clients is the set of client SDKs authchaos ships, each as an
// adapter.Factory the recovery suites drive like any other SDK.
//
// The one idea to hold: the three clients are three answers to the same
// question. "resilient" is the reference (what the suites call right),
// "naive" is how many clients are written, and "x-oauth2" is
// golang.org/x/oauth2 used exactly as its documentation shows, reported
// honestly.
package clients

import (
	"sort"

	"github.com/authchaos/authchaos/clients/naive"
	"github.com/authchaos/authchaos/clients/resilient"
	"github.com/authchaos/authchaos/clients/xoauth2"
	"github.com/authchaos/authchaos/suites/adapter"
)

// ErrUnsupported is wrapped by a Factory's error when its client cannot
// authenticate the way the Target asks (x-oauth2 has no sessions, say).
// It is adapter.ErrUnsupported, the value the suites map to SKIP, under
// the name callers of this package look for; test with errors.Is.
var ErrUnsupported = adapter.ErrUnsupported

// builtin is the registry: the one list Names and Lookup read.
var builtin = map[string]func() adapter.Factory{
	"naive":     naive.Factory,
	"resilient": func() adapter.Factory { return resilient.Factory() },
	"x-oauth2":  xoauth2.Factory,
}

// Lookup returns the factory of a shipped client by name, for
// `authchaos run --client NAME`.
func Lookup(name string) (adapter.Factory, bool) {
	f, ok := builtin[name]
	if !ok {
		return nil, false
	}
	return f(), true
}

// Names lists the shipped clients, sorted, for usage messages.
func Names() []string {
	names := make([]string, 0, len(builtin))
	for n := range builtin {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
