package authn

import (
	"strings"
	"testing"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"Bearer abc", "Basic YWxpY2U6d29uZGVybGFuZA==", "ApiKey k", "Basic", "Token x y", "", "Bearer \x00", "Basic Og=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c, err := ParseAuthorization(h)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if c.Scheme == "" || c.Scheme == None {
			t.Fatalf("accepted %q without a scheme", h)
		}
		if c.Scheme == Bearer && strings.ContainsAny(c.Secret, " \t") {
			t.Fatalf("bearer token with whitespace accepted: %q", c.Secret)
		}
	})
}
