package scenarios_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/scenarios"
)

// TestVariantsResolve: every declared variant names parameters the
// scenario takes, with values that parse, and its label reads back.
func TestVariantsResolve(t *testing.T) {
	n := 0
	for _, sc := range scenarios.All() {
		vs, err := sc.VariantsOf()
		if err != nil {
			t.Error(err)
			continue
		}
		for _, v := range vs {
			n++
			id, given, err := scenarios.ParseLabel(v.Label())
			if err != nil || id != sc.ID || !maps.Equal(given, v.Given) {
				t.Errorf("%s: label reads back as %s %v (%v)", v.Label(), id, given, err)
			}
			if len(v.Workload.Steps) == 0 {
				t.Errorf("%s: no workload", v.Label())
			}
		}
	}
	if n < 20 {
		t.Errorf("%d variants in the catalog, want at least 20", n)
	}
}

// TestVariantLeavesTheCatalogAlone: adapting a variant's workload never
// changes the catalog entry.
func TestVariantLeavesTheCatalogAlone(t *testing.T) {
	sc, _ := scenarios.Lookup("wrong-scheme")
	before := sc.Workload.Expect.Status
	v, err := sc.With(map[string]string{"holds": "no"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Workload.Expect.Status == before || sc.Workload.Expect.Status != before || len(sc.Workload.Omit) != 0 {
		t.Errorf("variant expect %d, catalog %d (was %d), catalog omits %v", v.Workload.Expect.Status, sc.Workload.Expect.Status, before, sc.Workload.Omit)
	}
	if v.Label() != "wrong-scheme:holds=no" || sc.Label() != "wrong-scheme" {
		t.Errorf("labels %q and %q", v.Label(), sc.Label())
	}
}

func TestParseLabel(t *testing.T) {
	tests := []struct {
		in, id  string
		given   map[string]string
		wantErr string
	}{
		{in: "expired-token", id: "expired-token"},
		{in: "clock-skew:direction=behind,skew=2m", id: "clock-skew", given: map[string]string{"direction": "behind", "skew": "2m"}},
		{in: "clock-skew:", wantErr: `nothing after ":"`},
		{in: "clock-skew:direction", wantErr: `"direction" is not key=value`},
		{in: "clock-skew:a=1,a=2", wantErr: "parameter a given twice"},
		{in: "clock-skew:=1", wantErr: "is not key=value"},
	}
	for _, tt := range tests {
		id, given, err := scenarios.ParseLabel(tt.in)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.in, err, tt.wantErr)
			}
		case err != nil || id != tt.id || !maps.Equal(given, tt.given):
			t.Errorf("%s: %s %v %v", tt.in, id, given, err)
		}
	}
	if _, err := (&scenarios.Scenario{}).With(nil); err != nil {
		t.Errorf("no parameters: %v", err)
	}
	sc, _ := scenarios.Lookup("clock-skew")
	if _, err := sc.With(map[string]string{"drection": "behind"}); err == nil || !strings.Contains(err.Error(), "valid: skew, direction") {
		t.Errorf("a misspelt parameter: %v", err)
	}
}
