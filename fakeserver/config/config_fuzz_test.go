package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that no input panics Parse, that every failure is a
// non-empty *Error naming the file (never a bare yaml.v3 error), and that
// every accepted file survives Marshal and Parse unchanged.
func FuzzParse(f *testing.F) {
	def, err := Marshal(Default())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	if full, err := os.ReadFile(filepath.Join("testdata", "full.yaml")); err == nil {
		f.Add(full)
	}
	for _, s := range []string{
		"",
		"userz: 1\n",
		"addr: x\n\tusers: 1\n",
		"a: b: c\n",
		"users: &u [*u]\n",
		"users:\n  - &b {username: a, password: b}\n  - <<: *b\n    username: c\n",
		"users:\n  - &u\n    <<: *u\n",
		"lifetimes:\n  access_token: 5 minutes\n",
		"routes:\n  - path: /api/x\n    schemes: [Token]\n    methods: [get, get]\n",
		"scenarios:\n  - id: s\n    params: {a: [1], b: ~}\n",
		"realm: r\n---\naddr: x\n",
		"journal_cap: 99999999999999999999999\n",
		"users: [~, {username: a}]\n",
		"realm: !!binary aGVsbG8=\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		cfg, err := Parse(name, data)
		if err != nil {
			if cfg != nil {
				t.Fatalf("Parse returned both a File and an error: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			for _, e := range flatten(t, err) {
				if e.File != name || e.Msg == "" {
					t.Fatalf("error without file or message: %#v", e)
				}
			}
			return
		}
		if cfg == nil {
			t.Fatal("Parse returned neither a File nor an error")
		}
		out, err := Marshal(cfg)
		if err != nil {
			t.Fatalf("Marshal of a parsed file: %v", err)
		}
		back, err := Parse("marshalled.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(f)): %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, cfg) {
			t.Fatalf("round trip changed the file:\n got  %#v\n want %#v\nyaml:\n%s", back, cfg, out)
		}
	})
}
