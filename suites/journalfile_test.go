package suites_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/suites"
)

// TestParseJournal walks the forms a saved journal comes in, and the ways a
// file goes wrong, each with where and what.
func TestParseJournal(t *testing.T) {
	entry := func(seq string) string { return `{"seq":` + seq + `,"path":"/api/me","status":200}` }
	tests := []struct {
		name, in string
		seqs     []int64
		err      string
	}{
		{name: "the admin API's array", in: "[" + entry("1") + "," + entry("2") + "]", seqs: []int64{1, 2}},
		{name: "JSON lines from journal --json", in: entry("4") + "\n" + entry("5") + "\n", seqs: []int64{4, 5}},
		{name: "a report with one journal", in: `{"client":"c","results":[{"scenario":"a","journal":[` + entry("1") + `]},{"scenario":"b"}]}`, seqs: []int64{1}},
		{name: "an empty array", in: " [] ", seqs: nil},
		{name: "a report with none", in: `{"results":[{"scenario":"a"}]}`, err: "the report holds no journal"},
		{name: "empty", in: "\n", err: "empty input"},
		{name: "out of order", in: "[" + entry("2") + "," + entry("1") + "]", err: "entry 2 has seq 1 after seq 2"},
		{name: "no seq", in: `[{"path":"/api/me"}]`, err: "entry 1 has no seq"},
		{name: "a syntax error on line 2", in: "[\n  {\"seq\": 1,,}]", err: "line 2, column 13: invalid character ','"},
		{name: "a second line that is not an entry", in: entry("1") + "\nnope\n", err: "line 2, column 2: invalid character 'o' in literal null (expecting 'u'); expected journal entry 2"},
		{name: "trailing input", in: "[]\n[]", err: "line 1, column 3: more input after the end of a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := suites.ParseJournal([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, e := range es {
				seqs = append(seqs, e.Seq)
			}
			if !slices.Equal(seqs, tt.seqs) {
				t.Errorf("seqs %v, want %v", seqs, tt.seqs)
			}
		})
	}
}
