package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/authchaos/authchaos/scenarios"
)

func TestWrap(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width int
		want  []string
	}{
		{"empty", "", 10, nil},
		{"blank", "  \n\t ", 10, nil},
		{"fits", "a b c", 10, []string{"a b c"}},
		{"exactly width", "abcd efghi", 10, []string{"abcd efghi"}},
		{"one over", "abcd efghij", 10, []string{"abcd", "efghij"}},
		{"whitespace collapses", "a  b\n\nc\td", 10, []string{"a b c d"}},
		{"long word keeps its own line", "see https://example.com/a/very/long/path now", 10,
			[]string{"see", "https://example.com/a/very/long/path", "now"}},
		{"runes not bytes", "ééééé ééééé", 11, []string{"ééééé ééééé"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wrap(tt.text, tt.width); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("wrap(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
			}
		})
	}
}

// Every scenario's explanation fits a terminal: no line beyond the width
// unless it is a single word the wrapper must not cut.
func TestExplainFitsWidth(t *testing.T) {
	for _, s := range scenarios.All() {
		var b bytes.Buffer
		if err := writeExplain(&b, s); err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(b.String(), "\n") {
			if utf8.RuneCountInString(line) > width && len(strings.Fields(line)) > 1 {
				t.Errorf("%s line %d is %d columns: %q", s.ID, i+1, utf8.RuneCountInString(line), line)
			}
		}
	}
}
