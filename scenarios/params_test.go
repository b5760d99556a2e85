package scenarios

import (
	"strings"
	"testing"
)

// Every parameter is bounded, and the error names the range or choices.
func TestResolveBoundsEveryParameter(t *testing.T) {
	for _, tt := range []struct {
		id, param, value, want string
	}{
		{"device-limit", "limit", "3000000", "parameter limit: 3000000 is out of range (1 to 100)"},
		{"expired-token", "lifetime", "0s", "parameter lifetime: 0s is out of range (1s to 24h)"},
		{"expired-token", "lifetime", "soon", `parameter lifetime: "soon" is not a duration`},
		{"rate-limited", "rate", "three", `parameter rate: "three" is not an integer`},
		{"captive-portal", "mode", "popup", `parameter mode: "popup" is not valid (valid: page, redirect)`},
		{"firewall-block", "path", "/" + strings.Repeat("a", MaxStringParam), "parameter path: is 257 bytes long (at most 256)"},
	} {
		_, _, err := Resolve(tt.id, map[string]string{tt.param: tt.value})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %s=%.20s: error %v, want it to contain %q", tt.id, tt.param, tt.value, err, tt.want)
		}
	}
	if _, p, err := Resolve("device-limit", map[string]string{"limit": "100"}); err != nil || p.Int("limit") != 100 {
		t.Errorf("limit=100 (the maximum): %v %v", p, err)
	}
}

func TestEveryParameterDeclaresKindAndBounds(t *testing.T) {
	for _, sc := range All() {
		for _, prm := range sc.Params {
			if err := prm.validate(); err != nil {
				t.Errorf("%s: %v", sc.ID, err)
			}
		}
	}
	bad := []Param{
		{Name: "x", Default: "1"},
		{Name: "x", Default: "1s", Kind: DurationParam},
		{Name: "x", Default: "9", Kind: IntParam, Min: "0", Max: "5"},
		{Name: "x", Default: "a", Kind: EnumParam},
	}
	for _, prm := range bad {
		if prm.validate() == nil {
			t.Errorf("%+v declared wrong, and validate accepted it", prm)
		}
	}
}
