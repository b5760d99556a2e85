package fakeserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDPoPProof feeds the DPoP header hostile input: the check must answer
// with a refusal naming invalid_dpop_proof (or the nonce), never panic,
// and never return a key thumbprint for a proof it could not verify.
func FuzzDPoPProof(f *testing.F) {
	for _, seed := range []string{"", "a.b.c", "eyJhbGciOiJFUzI1NiIsInR5cCI6ImRwb3Arand0In0.e30.", "..", strings.Repeat("A", 2048),
		`eyJhbGciOiJub25lIiwidHlwIjoiZHBvcCtqd3QifQ.eyJqdGkiOiJ4IiwiaHRtIjoiR0VUIn0.`} {
		f.Add(seed)
	}
	s := MustNew()
	f.Fuzz(func(t *testing.T, proof string) {
		r := httptest.NewRequest(http.MethodGet, "/api/items", nil)
		r.Header.Set("DPoP", proof)
		jkt, derr := s.checkDPoP(r, s.cur.Load(), "http://example.com/api/items", "tok")
		switch {
		case derr == nil && jkt == "":
			t.Fatalf("accepted %q without a key", proof)
		case derr == nil:
			// Only a well-formed proof signed by the key it carries gets
			// here; random input cannot carry a valid signature over
			// claims that match this request.
			t.Fatalf("accepted a fuzzed proof %q", proof)
		case derr.code != "invalid_dpop_proof" && derr.code != "use_dpop_nonce":
			t.Fatalf("refusal code %q", derr.code)
		}
	})
}
