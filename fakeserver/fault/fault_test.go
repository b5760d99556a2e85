package fault

import "testing"

func TestChallengeHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Challenge
		want string
	}{
		{"scheme alone", Challenge{Scheme: "Bearer"}, `Bearer`},
		{"no scheme, no header", Challenge{Realm: "authchaos", Error: "invalid_token"}, ``},
		{"RFC 6750 parameters in order", Challenge{Scheme: "Bearer", Realm: "authchaos", Error: "insufficient_scope", Description: "needs write", Scope: "read write"},
			`Bearer realm="authchaos", error="insufficient_scope", error_description="needs write", scope="read write"`},
		// RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E,
		// so no quoted-pair: quotes and backslashes must not get through.
		{"description without quote or backslash", Challenge{Scheme: "Bearer", Error: "invalid_token", Description: `key "k1" in C:\keys`},
			`Bearer error="invalid_token", error_description="key 'k1' in C:/keys"`},
		{"description in printable ASCII only", Challenge{Scheme: "Bearer", Description: "caf\u00e9\r\nSet-Cookie: x"},
			`Bearer error_description="caf???Set-Cookie: x"`},
		// RFC 7235 §2.1: the realm is a quoted-string, which may escape.
		{"realm escaped as a quoted-string", Challenge{Scheme: "Basic", Realm: `a "b" \c`}, `Basic realm="a \"b\" \\c"`},
	} {
		if got := tc.c.Header(); got != tc.want {
			t.Errorf("%s: Header() = %s, want %s", tc.name, got, tc.want)
		}
	}
}
