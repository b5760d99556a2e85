package fault_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authchaos/authchaos/fakeserver/fault"
)

func TestSplitSelection(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		rest    int
		all     bool
		wantErr string
	}{
		{params: nil, all: true},
		{params: map[string]string{"duration": "1s"}, rest: 1, all: true},
		{params: map[string]string{"duration": "1s", "select.first": "3"}, rest: 1},
		{params: map[string]string{"select.p": "1"}, all: true},
		{params: map[string]string{"select.every": "1"}, all: true},
		{params: map[string]string{"select.path": "/api/"}},
		{params: map[string]string{"select.first": "-1"}, wantErr: "select.first: want a whole number >= 0"},
		{params: map[string]string{"select.p": "1.5"}, wantErr: "select.p: want a probability between 0 and 1"},
		{params: map[string]string{"select.path": "api"}, wantErr: "starting with /"},
		{params: map[string]string{"select.method": "GET /"}, wantErr: "HTTP method"},
		{params: map[string]string{"select.seed": "x"}, wantErr: "select.seed"},
		{params: map[string]string{"select.firts": "1"}, wantErr: "valid: select.every, select.first, select.method, select.p, select.path, select.seed"},
	} {
		rest, sel, _, err := fault.SplitSelection(tc.params)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: err %v, want %q", tc.params, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(rest) != tc.rest || sel.All() != tc.all {
			t.Errorf("%v: rest %v all %v err %v, want %d left and all=%v", tc.params, rest, sel.All(), err, tc.rest, tc.all)
		}
	}
}

// TestPickerCountsMatchingRequestsOnly: first and every count the
// requests the path and method match, not every request.
func TestPickerCountsMatchingRequestsOnly(t *testing.T) {
	_, sel, _, err := fault.SplitSelection(map[string]string{"select.path": "/api/items", "select.method": "get", "select.every": "2"})
	if err != nil {
		t.Fatal(err)
	}
	p := fault.NewPicker(sel)
	var got strings.Builder
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/items"}, {"GET", "/api/me"}, {"POST", "/api/items"}, {"GET", "/api/items/1"}, {"GET", "/api/items"}, {"GET", "/api/items"},
	} {
		if p.Pick(httptest.NewRequest(r.method, r.path, http.NoBody)) {
			got.WriteByte('x')
		} else {
			got.WriteByte('.')
		}
	}
	if got.String() != "...x.x" {
		t.Errorf("picked %s, want ...x.x (every 2nd GET under /api/items)", got.String())
	}
}
