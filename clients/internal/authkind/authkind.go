// Package authkind checks a Target's auth kind against what a client
// supports, wrapping adapter.ErrUnsupported for a kind it cannot speak so
// the suites report SKIP, not FAIL.
package authkind

import (
	"fmt"
	"slices"
	"strings"

	"github.com/authchaos/authchaos/suites/adapter"
)

// All is every auth kind of the driver protocol.
var All = adapter.AuthKinds

// Check returns nil if auth is one of supported, else an error wrapping
// adapter.ErrUnsupported that lists what the client does support.
func Check(auth adapter.AuthKind, supported ...adapter.AuthKind) error {
	if slices.Contains(supported, auth) {
		return nil
	}
	names := make([]string, len(supported))
	for i, k := range supported {
		names[i] = string(k)
	}
	return fmt.Errorf("%w: %q (supported: %s)", adapter.ErrUnsupported, auth, strings.Join(names, ", "))
}
