package suggest

import (
	"slices"
	"testing"
)

func TestFor(t *testing.T) {
	ids := []string{"expired-token", "expired-session", "revoked-token", "waf-block", "stale-dns", "device-flow", "dpop-nonce"}
	cmds := []string{"serve", "scenarios", "explain", "run", "activate", "heal", "clock", "journal"}
	tests := []struct {
		typed string
		from  []string
		want  []string
	}{
		{"expired-tokn", ids, []string{"expired-token"}},
		{"expried-token", ids, []string{"expired-token"}},
		{"waf-blok", ids, []string{"waf-block"}},
		{"stale", ids, []string{"stale-dns"}},
		{"token", ids, []string{"expired-token", "revoked-token"}},
		{"zzz", ids, nil},
		{"", ids, nil},
		{"srve", cmds, []string{"serve"}},
		{"scenario", cmds, []string{"scenarios"}},
		{"activte", cmds, []string{"activate"}},
		{"jornal", cmds, []string{"journal"}},
		{"rn", cmds, []string{"run"}},
		{"EXPLAIN", cmds, []string{"explain"}},
	}
	for _, tt := range tests {
		if got := For(tt.typed, tt.from); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("For(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0}} {
		if got := Distance(tt.a, tt.b); got != tt.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}

func TestPhrase(t *testing.T) {
	if got := Phrase([]string{"a", "b"}); got != "; did you mean a or b?" {
		t.Errorf("Phrase = %q", got)
	}
	if Phrase(nil) != "" {
		t.Error("Phrase(nil) should be empty")
	}
}
