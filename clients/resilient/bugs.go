package resilient

import (
	"fmt"
	"strings"
)

// Bugs are known client bugs the reference client can be broken with, one
// field each, to prove the recovery suites catch them. Each is a one-line
// switch in the layer it breaks; the zero value is the correct client.
type Bugs struct {
	// NoRetryAfterRefresh renews the token but hands back the 401 (refresh layer).
	NoRetryAfterRefresh bool
	// RefreshLoop renews and retries up to 10 times (refresh layer).
	RefreshLoop bool
	// RefreshOn403 treats 403 like 401 (refresh layer).
	RefreshOn403 bool
	// LeakOnRedirect attaches credentials to every origin (auth layer).
	LeakOnRedirect bool
	// IgnoreRetryAfter retries WAF and rate-limit 401s at once (backoff layer).
	IgnoreRetryAfter bool
	// ReuseRotatedRefresh keeps using the first refresh token it got (credentials).
	ReuseRotatedRefresh bool
	// NoSingleFlight lets each concurrent failing call renew on its own (credentials).
	NoSingleFlight bool
	// RetryWrongPassword retries a refused login up to 5 times (credentials).
	RetryWrongPassword bool
	// NoReplacedCheck shares a refresh only while it runs: a 401 that
	// lands after it renews again instead of checking whether the token
	// it carried was already replaced (credentials).
	NoReplacedCheck bool
	// NoNonceRetry hands back a refusal for a missing or stale server
	// nonce (DPoP use_dpop_nonce, Digest stale=true) instead of
	// retrying with the nonce (nonce layer).
	NoNonceRetry bool
	// NoResourceIndicator asks for tokens without resource= (RFC 8707)
	// after discovering the authorization server (discovery).
	NoResourceIndicator bool
	// IgnoreSlowDown keeps polling at the old interval after slow_down
	// (device poller).
	IgnoreSlowDown bool
}

// bugNames is the one list of bug names, for command lines and test tables.
var bugNames = []struct {
	name string
	set  func(*Bugs)
}{
	{"no-retry-after-refresh", func(b *Bugs) { b.NoRetryAfterRefresh = true }},
	{"refresh-loop", func(b *Bugs) { b.RefreshLoop = true }},
	{"refresh-on-403", func(b *Bugs) { b.RefreshOn403 = true }},
	{"leak-on-redirect", func(b *Bugs) { b.LeakOnRedirect = true }},
	{"ignore-retry-after", func(b *Bugs) { b.IgnoreRetryAfter = true }},
	{"reuse-rotated-refresh", func(b *Bugs) { b.ReuseRotatedRefresh = true }},
	{"no-single-flight", func(b *Bugs) { b.NoSingleFlight = true }},
	{"retry-wrong-password", func(b *Bugs) { b.RetryWrongPassword = true }},
	{"no-replaced-check", func(b *Bugs) { b.NoReplacedCheck = true }},
	{"no-nonce-retry", func(b *Bugs) { b.NoNonceRetry = true }},
	{"no-resource-indicator", func(b *Bugs) { b.NoResourceIndicator = true }},
	{"ignore-slow-down", func(b *Bugs) { b.IgnoreSlowDown = true }},
}

// BugNames lists every known bug by name, in a fixed order.
func BugNames() []string {
	out := make([]string, len(bugNames))
	for i, b := range bugNames {
		out[i] = b.name
	}
	return out
}

// ParseBug returns the Bugs with the named bug switched on.
func ParseBug(name string) (Bugs, error) {
	for _, b := range bugNames {
		if b.name == name {
			var bugs Bugs
			b.set(&bugs)
			return bugs, nil
		}
	}
	return Bugs{}, fmt.Errorf("unknown bug %q (valid: %s)", name, strings.Join(BugNames(), ", "))
}
