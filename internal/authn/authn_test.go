package authn

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		header     string
		scheme     string
		user       string
		secret     string
		wantErrSub string
	}{
		{header: "Bearer abc.def-ghi_~+/==", scheme: Bearer, secret: "abc.def-ghi_~+/=="},
		{header: "bearer   tok", scheme: Bearer, secret: "tok"},
		{header: "Basic YWxpY2U6d29uZGVybGFuZA==", scheme: Basic, user: "alice", secret: "wonderland"},
		{header: "Basic YWxpY2U6cGE6c3M=", scheme: Basic, user: "alice", secret: "pa:ss"},
		{header: "ApiKey ak_123", scheme: APIKey, secret: "ak_123"},
		{header: "apikey ak_123", scheme: APIKey, secret: "ak_123"},
		{header: "Token xyz", scheme: "Token", secret: "xyz"},
		{header: "", wantErrSub: "empty value"},
		{header: "Bearer", scheme: Bearer, wantErrSub: "no credentials after the scheme"},
		{header: "Bearer a b", scheme: Bearer, wantErrSub: "b64token"},
		{header: "Bearer ====", scheme: Bearer, wantErrSub: "b64token"},
		{header: "Basic !!!", scheme: Basic, wantErrSub: "not standard base64"},
		{header: "Basic YWxpY2U=", scheme: Basic, wantErrSub: "no ':'"},
		{header: "Bea(rer tok", wantErrSub: "not an RFC 7235 token"},
		{header: "ApiKey a\tb", scheme: APIKey, wantErrSub: "whitespace"},
		{header: "ApiKey ApiKey ak_123", scheme: APIKey, wantErrSub: "scheme appears twice"},
		{header: "Bearer bearer eyJ.x.y", scheme: Bearer, wantErrSub: "scheme appears twice"},
		{header: "Basic Basic", scheme: Basic, wantErrSub: "scheme appears twice"},
		{header: "ApiKey ApiKeyak_123", scheme: APIKey, secret: "ApiKeyak_123"},
		{header: "Bearer \xff", wantErrSub: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			c, err := ParseAuthorization(tt.header)
			if tt.wantErrSub != "" {
				var me *MalformedError
				if !errors.As(err, &me) || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("err = %v, want MalformedError containing %q", err, tt.wantErrSub)
				}
				if tt.scheme != "" && c.Scheme != tt.scheme {
					t.Fatalf("scheme = %q, want %q even on error", c.Scheme, tt.scheme)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if c.Scheme != tt.scheme || c.User != tt.user || c.Secret != tt.secret {
				t.Fatalf("got %+v", c)
			}
		})
	}
}

func TestFromRequest(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
	if c, err := FromRequest(r); err != nil || c.Scheme != None {
		t.Fatalf("no credential: %+v %v", c, err)
	}
	r.Header.Set("Cookie", SessionCookie+"=s1")
	if c, _ := FromRequest(r); c.Scheme != Cookie || c.Secret != "s1" {
		t.Fatalf("cookie: %+v", c)
	}
	r.Header.Set("Authorization", "Bearer t")
	if c, _ := FromRequest(r); c.Scheme != Bearer {
		t.Fatalf("header must win over cookie: %+v", c)
	}
	r.Header.Add("Authorization", "Bearer u")
	if _, err := FromRequest(r); err == nil || !strings.Contains(err.Error(), "2 Authorization headers") {
		t.Fatalf("two headers: %v", err)
	}
}

func TestFingerprintHidesSecret(t *testing.T) {
	f := NewFingerprinter()
	fp := f.Of("wonderland")
	if !strings.HasPrefix(fp, "hmac-sha256:") || strings.Contains(fp, "wonderland") || len(fp) != len("hmac-sha256:")+12 {
		t.Fatalf("fingerprint %q", fp)
	}
	if f.Of("a") == f.Of("b") {
		t.Fatal("different secrets share a fingerprint")
	}
	if f.Of("wonderland") != fp {
		t.Fatal("one key, one secret: the fingerprint must be stable")
	}
	if f.Credential(Credential{Scheme: None}) != "" {
		t.Fatal("none has a fingerprint")
	}
	// Keyed: another server's fingerprint of the same secret differs, so
	// a dictionary of hashed passwords recovers nothing.
	if NewFingerprinter().Of("wonderland") == fp {
		t.Fatal("two keys gave the same fingerprint")
	}
	sum := sha256.Sum256([]byte("wonderland"))
	if strings.Contains(fp, hex.EncodeToString(sum[:6])) {
		t.Fatal("the fingerprint is the unkeyed hash")
	}
}
