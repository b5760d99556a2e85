package fakeserver_test

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver/config"
)

var _ = Describe("The journal", func() {
	It("records credentials only as fingerprints, and no answer repeats a secret it was sent", func() {
		h := serve()
		token := h.accessToken("read")
		session := h.login()
		const (
			wrongPassword = "hunter2-not-the-password"
			unknownKey    = "ak_live_leaked_key_0123456789"
			unknownToken  = "tok_0123456789abcdef0123456789abcdef"
		)
		// The secrets, and the forms a careless server would echo them in.
		secrets := []string{"wonderland", wrongPassword, token, strings.Split(token, ".")[2], apiKey, unknownKey,
			session, unknownToken, clientSecret,
			base64.StdEncoding.EncodeToString([]byte("alice:wonderland")),
			base64.StdEncoding.EncodeToString([]byte("alice:" + wrongPassword))}
		Expect(h.admin("DELETE", "journal", nil).Raw().StatusCode).To(Equal(http.StatusNoContent))

		answers := []*httpexpect.Response{
			h.withAuth("/api/me", basic("alice", "wonderland")).Status(http.StatusOK),
			h.withAuth("/api/me", basic("alice", wrongPassword)).Status(http.StatusUnauthorized),
			h.bearer("GET", "/api/items", token).Status(http.StatusOK),
			h.bearer("GET", "/api/items", unknownToken).Status(http.StatusUnauthorized),
			h.withAuth("/api/items", "ApiKey "+apiKey).Status(http.StatusOK),
			h.withAuth("/api/items", "ApiKey "+unknownKey).Status(http.StatusUnauthorized),
			h.e.GET("/api/items").WithCookie(sessionName, session).Expect().Status(http.StatusOK),
			h.e.GET("/api/items").WithCookie(sessionName, "s_"+unknownToken).Expect().Status(http.StatusUnauthorized),
			// A client that forgets the scheme sends the bare secret.
			h.withAuth("/api/items", token).Status(http.StatusUnauthorized),
			h.withAuth("/api/items", unknownKey).Status(http.StatusUnauthorized),
			h.withAuth("/api/items", "="+unknownKey).Status(http.StatusUnauthorized),
			h.withAuth("/api/items", "Token "+unknownToken).Status(http.StatusUnauthorized),
			h.withAuth("/api/items", "Bearer "+token+" "+unknownKey).Status(http.StatusBadRequest),
			h.e.POST("/login").WithJSON(map[string]string{"username": "alice", "password": wrongPassword}).Expect().Status(http.StatusUnauthorized),
			h.e.POST("/login").WithText(`{"username": "alice", "password": "`+wrongPassword+`", }`).
				WithHeader("Content-Type", "application/json").Expect().Status(http.StatusBadRequest),
			h.token(map[string]string{"grant_type": "password", "username": "alice", "password": wrongPassword}).Status(http.StatusBadRequest),
			h.e.POST("/oauth/token").WithBasicAuth(clientID, wrongPassword).WithFormField("grant_type", "client_credentials").
				Expect().Status(http.StatusUnauthorized),
			h.e.POST("/oauth/token").WithHeader("Authorization", unknownKey).WithFormField("grant_type", "client_credentials").
				Expect().Status(http.StatusUnauthorized),
			h.e.POST("/oauth/revoke").WithBasicAuth(clientID, clientSecret).WithFormField("token", token).Expect().Status(http.StatusOK),
		}

		journal := h.journalJSON()
		Expect(journal).To(ContainSubstring(`"credential": "hmac-sha256:`))
		for _, secret := range secrets {
			Expect(journal).NotTo(ContainSubstring(secret), "the journal holds a secret")
			for i, a := range answers {
				Expect(a.Body().Raw()).NotTo(ContainSubstring(secret), "answer %d repeats a secret in its body", i)
				Expect(a.Header("WWW-Authenticate").Raw()).NotTo(ContainSubstring(secret), "answer %d repeats a secret in its challenge", i)
			}
		}
		for _, e := range h.Journal().Entries(0) {
			Expect(e.Scheme).To(BeElementOf("Bearer", "Basic", "ApiKey", "Cookie", "none", "Token", "unknown"), "seq %d", e.Seq)
		}
	})

	It("keeps at most JournalCap entries and reports how many it dropped", func() {
		h := serve(func(cfg *config.File) { cfg.JournalCap = 5 })
		for range 8 {
			h.e.GET("/api/public/status").Expect().Status(http.StatusOK)
		}
		r := h.admin("GET", "journal", nil).Status(http.StatusOK)
		r.Header("X-Authchaos-Journal-Dropped").IsEqual("3")
		entries := r.JSON().Array()
		entries.Length().IsEqual(5)
		entries.Value(0).Object().HasValue("seq", 4)
		entries.Value(4).Object().HasValue("seq", 8)

		h.admin("DELETE", "journal", nil).Status(http.StatusNoContent)
		h.admin("GET", "journal", nil).Header("X-Authchaos-Journal-Dropped").IsEqual("0")
	})
})
