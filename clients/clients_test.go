package clients_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/authchaos/authchaos/clients"
	"github.com/authchaos/authchaos/clients/internal/chaostest"
	"github.com/authchaos/authchaos/suites/adapter"
)

func TestNames(t *testing.T) {
	if got, want := clients.Names(), []string{"naive", "resilient", "x-oauth2"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	if _, ok := clients.Lookup("curl"); ok {
		t.Error(`Lookup("curl") found a client`)
	}
}

// TestEveryClientCallsTheAPI: each named factory builds a client that works
// against a healthy server.
func TestEveryClientCallsTheAPI(t *testing.T) {
	for _, name := range clients.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, ok := clients.Lookup(name)
			if !ok {
				t.Fatalf("Lookup(%q) failed", name)
			}
			s := chaostest.Server(t, "", nil)
			c, err := f(t.Context(), chaostest.Target(s, adapter.AuthOAuth2ClientCredentials))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if r := c.Do(t.Context(), chaostest.Get("/api/items")); r.Status != 200 || r.Error != "" {
				t.Errorf("GET /api/items: %d %q", r.Status, r.Error)
			}
		})
	}
}

func TestErrUnsupported(t *testing.T) {
	if !errors.Is(clients.ErrUnsupported, adapter.ErrUnsupported) {
		t.Fatal("clients.ErrUnsupported is not the suites' adapter.ErrUnsupported")
	}
	f, _ := clients.Lookup("x-oauth2")
	_, err := f(t.Context(), adapter.Target{Auth: adapter.AuthSession, BaseURL: "http://127.0.0.1:1"})
	if !errors.Is(err, clients.ErrUnsupported) {
		t.Errorf("x-oauth2 with a session: %v, want ErrUnsupported", err)
	}
	for _, name := range []string{"naive", "resilient"} {
		f, _ := clients.Lookup(name)
		if _, err := f(t.Context(), adapter.Target{Auth: "saml", BaseURL: "http://127.0.0.1:1"}); !errors.Is(err, clients.ErrUnsupported) {
			t.Errorf("%s with auth saml: %v, want ErrUnsupported", name, err)
		}
	}
}
