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

// FuzzAuthParams: the auth-param parser never panics, and what it accepts
// it accepts consistently (every name is a lower-case token).
func FuzzAuthParams(f *testing.F) {
	for _, seed := range []string{`username="a", nonce="n", uri="/x", response="r"`, `a=b`, `a="\"q\""`, `,,a=b,,`, `a`, `a="`, `a=b c=d`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		params, err := AuthParams(s)
		if err != nil {
			return
		}
		for k := range params {
			if k != strings.ToLower(k) || !isToken(k) {
				t.Fatalf("accepted name %q from %q", k, s)
			}
		}
	})
}
