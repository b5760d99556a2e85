package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written in YAML as a Go duration string
// ("90s", "5m"). It must be positive: every duration in the file is a
// lifetime, and a zero or negative lifetime would make every credential
// expire before it is issued, which is what scenarios are for, not config.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

const durationExamples = `"90s", "5m", "1h"`

// UnmarshalYAML accepts only scalars in time.ParseDuration syntax. A bare
// number is rejected even though it could mean seconds: guessing the unit
// is exactly the kind of silent mistake this package exists to prevent.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("found %s, want a duration (e.g. %s)", describe(n), durationExamples)
	}
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		if isPlainNumber(n.Value) {
			return fmt.Errorf("%s has no unit (want e.g. \"%ss\" or \"%sm\")", quote(n.Value), n.Value, n.Value)
		}
		return fmt.Errorf("%s is not a duration (want e.g. %s)", quote(n.Value), durationExamples)
	}
	if v <= 0 {
		return fmt.Errorf("%s is not positive (want e.g. %s)", quote(n.Value), durationExamples)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the shortest form ParseDuration reads back, so that
// --print-config shows "5m" rather than Go's "5m0s".
func (d Duration) MarshalYAML() (any, error) {
	return formatDuration(time.Duration(d)), nil
}

// isPlainNumber reports whether s looks like a number a user meant as a
// duration, so the error can point at the missing unit rather than the syntax.
func isPlainNumber(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return false
	}
	return strings.Trim(s, "0123456789.+-") == ""
}

func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
