// Package suggest finds what a user probably meant when a name they
// typed (a subcommand, a scenario id) is not a known one: the known
// names within a small edit distance, closest first, and those the typed
// name is a prefix or a part of.
package suggest

import (
	"sort"
	"strings"
)

// For returns the candidates that typed is a likely typo of, best first.
// A candidate qualifies when its Levenshtein distance from typed is at
// most a third of typed's length (at least 1, at most 3), or when typed
// is a prefix or a substring of it of three or more characters.
func For(typed string, candidates []string) []string {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if typed == "" {
		return nil
	}
	limit := min(max(len(typed)/3, 1), 3)
	type scored struct {
		name string
		d    int
	}
	var hits []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := Distance(typed, lc)
		switch {
		case d <= limit:
		case len(typed) >= 3 && strings.HasPrefix(lc, typed):
			d = limit + 1
		case len(typed) >= 4 && strings.Contains(lc, typed):
			d = limit + 2
		default:
			continue
		}
		hits = append(hits, scored{c, d})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	out := make([]string, 0, min(len(hits), 3))
	for _, h := range hits[:min(len(hits), 3)] {
		out = append(out, h.name)
	}
	return out
}

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Phrase is "; did you mean X?" or "; did you mean X or Y?" for the
// suggestions, or "" when there are none.
func Phrase(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(s, " or ") + "?"
}
