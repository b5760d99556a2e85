package fakeserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authchaos/authchaos/fakeserver/fault"
)

// Real clients, unmodified, are the proof that the fake server speaks the
// protocols and not merely something our own specs agree with.
var _ = Describe("Interop with real OAuth 2.0 and OpenID Connect clients", func() {
	var (
		h    *harness
		ctx  context.Context
		conf *oauth2.Config
	)
	BeforeEach(func() {
		h = serve()
		ctx = context.Background()
		conf = &oauth2.Config{
			ClientID: clientID, ClientSecret: clientSecret, Scopes: []string{"read"},
			Endpoint: oauth2.Endpoint{TokenURL: h.URL() + "/oauth/token", AuthURL: h.URL() + "/oauth/authorize"},
		}
	})

	// me calls GET /api/me with client and returns the status and user.
	me := func(client *http.Client) (int, string) {
		GinkgoHelper()
		resp, err := client.Get(h.URL() + "/api/me")
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		var body struct {
			User string `json:"user"`
		}
		_ = json.Unmarshal(raw, &body)
		return resp.StatusCode, body.User
	}

	Context("golang.org/x/oauth2", func() {
		It("gets a token with PasswordCredentialsToken and calls /api/me with it", func() {
			tok, err := conf.PasswordCredentialsToken(ctx, "alice", "wonderland")
			Expect(err).NotTo(HaveOccurred())
			Expect(tok.TokenType).To(Equal("Bearer"))
			Expect(tok.RefreshToken).NotTo(BeEmpty())
			status, user := me(conf.Client(ctx, tok))
			Expect(status).To(Equal(http.StatusOK))
			Expect(user).To(Equal("alice"))
		})

		It("gets a token with clientcredentials.Config and calls /api/me with it", func() {
			cc := &clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret,
				TokenURL: h.URL() + "/oauth/token", Scopes: []string{"read"}}
			status, user := me(cc.Client(ctx))
			Expect(status).To(Equal(http.StatusOK))
			Expect(user).To(Equal(clientID))
		})

		It("refreshes through Config.TokenSource once the virtual clock passes the token's expiry", func() {
			tok, err := conf.PasswordCredentialsToken(ctx, "alice", "wonderland")
			Expect(err).NotTo(HaveOccurred())
			h.Advance(6 * time.Minute)
			status, _ := me(conf.Client(ctx, tok))
			Expect(status).To(Equal(http.StatusUnauthorized), "the server's clock, not the client's, decides expiry")

			// x/oauth2 judges expiry by the wall clock, so tell it what
			// the server's clock says: this token is past its expiry.
			stale := *tok
			stale.Expiry = time.Now().Add(-time.Minute)
			ts := conf.TokenSource(ctx, &stale)
			fresh, err := ts.Token()
			Expect(err).NotTo(HaveOccurred())
			Expect(fresh.AccessToken).NotTo(Equal(tok.AccessToken))
			status, user := me(oauth2.NewClient(ctx, ts))
			Expect(status).To(Equal(http.StatusOK))
			Expect(user).To(Equal("alice"))
			Expect(h.Journal().Entries(0)).To(ContainElement(And(
				HaveField("Path", "/oauth/token"), HaveField("Grant", "refresh_token"), HaveField("Status", http.StatusOK))))
		})
	})

	Context("coreos/go-oidc", func() {
		var verifier *oidc.IDTokenVerifier
		BeforeEach(func() {
			provider, err := oidc.NewProvider(ctx, h.URL())
			Expect(err).NotTo(HaveOccurred(), "discovery must pass go-oidc's issuer check")
			verifier = provider.Verifier(&oidc.Config{ClientID: clientID, Now: h.Clock().Now})
			conf.Endpoint = provider.Endpoint()
			conf.Scopes = []string{"openid", "read"}
		})

		idToken := func() string {
			GinkgoHelper()
			tok, err := conf.PasswordCredentialsToken(ctx, "alice", "wonderland")
			Expect(err).NotTo(HaveOccurred())
			raw, _ := tok.Extra("id_token").(string)
			Expect(raw).NotTo(BeEmpty(), "the password grant with scope openid returns an id_token")
			return raw
		}

		It("finds the endpoints through discovery and verifies an id_token from the password grant", func() {
			Expect(conf.Endpoint.TokenURL).To(Equal(h.URL() + "/oauth/token"))
			tok, err := verifier.Verify(ctx, idToken())
			Expect(err).NotTo(HaveOccurred())
			Expect(tok.Subject).To(Equal("alice"))
			Expect(tok.Issuer).To(Equal(h.URL()))
		})

		It("verifies a new token after a signing-key rotation and refuses the old one", func() {
			old := idToken()
			_, err := verifier.Verify(ctx, old)
			Expect(err).NotTo(HaveOccurred())

			Expect(h.Do(fault.RotateSigningKey, "")).To(Succeed())
			_, err = verifier.Verify(ctx, idToken())
			Expect(err).NotTo(HaveOccurred(), "go-oidc refetches /jwks on an unknown kid")
			// A verifier that fetches /jwks afresh: go-oidc v3.21's RemoteKeySet
			// wakes the waiters of a key refresh (jwks.go, inflight.done)
			// before it stores the new keys, so the verifier above may still
			// hold the old key for an instant and accept the old token.
			fresh, err := oidc.NewProvider(ctx, h.URL())
			Expect(err).NotTo(HaveOccurred())
			_, err = fresh.Verifier(&oidc.Config{ClientID: clientID, Now: h.Clock().Now}).Verify(ctx, old)
			Expect(err).To(MatchError(ContainSubstring("verify")), "the old key left /jwks")
		})
	})
})
