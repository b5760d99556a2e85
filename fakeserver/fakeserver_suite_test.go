package fakeserver_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/internal/specserver"
)

// The specs drive a real, started fake server over HTTP, one server per
// spec, so `ginkgo -p` can run them in any order. Time only moves when a
// spec advances the server's frozen virtual clock.
func TestFakeServer(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Fake server")
}

// The built-in configuration the specs authenticate with
// (config.Default).
const (
	clientID     = "authchaos-client"
	clientSecret = "authchaos-secret"
	redirectURI  = "http://127.0.0.1:8400/callback"
	apiKey       = "ak_live_authchaos_demo_key"
	sessionName  = "authchaos_session"
)

// t0 is where every spec's frozen clock starts. It is near the wall clock
// because real clients (x/oauth2, go-oidc) judge expiry by the wall clock.
var t0 = time.Now().UTC().Truncate(time.Second)

// harness is a started fake server and an httpexpect client for it that
// does not follow redirects, so specs can look at them.
type harness struct {
	*fakeserver.Server
	e *httpexpect.Expect
}

// serve starts a healthy server on the default configuration, changed
// first by each edit.
func serve(edits ...func(*config.File)) *harness {
	GinkgoHelper()
	cfg := config.Default()
	for _, edit := range edits {
		edit(cfg)
	}
	s := specserver.Start(cfg, t0)
	return &harness{Server: s, e: specserver.Expect(s.URL())}
}

// serveWith is serve on the default configuration with server options.
func serveWith(opts ...fakeserver.Option) *harness {
	GinkgoHelper()
	s := specserver.Start(config.Default(), t0, opts...)
	return &harness{Server: s, e: specserver.Expect(s.URL())}
}

// token posts a form to the token endpoint, authenticating the client
// with Basic.
func (h *harness) token(fields map[string]string) *httpexpect.Response {
	req := h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret)
	for k, v := range fields {
		req = req.WithFormField(k, v)
	}
	return req.Expect()
}

// passwordToken runs the password grant and returns the token response.
func (h *harness) passwordToken(user, pass, scope string) *httpexpect.Object {
	GinkgoHelper()
	return h.token(map[string]string{"grant_type": "password", "username": user, "password": pass, "scope": scope}).
		Status(http.StatusOK).JSON().Object()
}

// accessToken is alice's access token with the given scope.
func (h *harness) accessToken(scope string) string {
	GinkgoHelper()
	return h.passwordToken("alice", "wonderland", scope).Value("access_token").String().Raw()
}

// login opens a session for alice and returns the session id.
func (h *harness) login() string {
	GinkgoHelper()
	return h.e.POST("/login").WithJSON(map[string]string{"username": "alice", "password": "wonderland"}).
		Expect().Status(http.StatusOK).Cookie(sessionName).Value().Raw()
}

func (h *harness) bearer(method, path, token string) *httpexpect.Response {
	return h.e.Request(method, path).WithHeader("Authorization", "Bearer "+token).Expect()
}

func (h *harness) withAuth(path, authorization string) *httpexpect.Response {
	return h.e.GET(path).WithHeader("Authorization", authorization).Expect()
}

// admin is the operator's JSON API.
func (h *harness) admin(method, path string, body any) *httpexpect.Response {
	req := h.e.Request(method, "/__admin/"+path)
	if body != nil {
		if raw, ok := body.(string); ok {
			req = req.WithText(raw).WithHeader("Content-Type", "application/json")
		} else {
			req = req.WithJSON(body)
		}
	}
	return req.Expect()
}

// journalJSON is GET /__admin/journal as raw text, for leak checks.
func (h *harness) journalJSON() string {
	GinkgoHelper()
	return h.admin("GET", "journal", nil).Status(http.StatusOK).Body().Raw()
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// challengeOf asserts a 401 looks as the contract says: a challenge with a
// realm and a JSON body with a reason and a hint. It returns the body.
func challengeOf(r *httpexpect.Response, scheme, reason string) *httpexpect.Object {
	GinkgoHelper()
	r.Status(http.StatusUnauthorized)
	r.Header("WWW-Authenticate").HasPrefix(scheme + " ").Contains(`realm="authchaos"`)
	body := r.JSON().Object()
	body.Value("reason").IsEqual(reason)
	body.Value("hint").String().NotEmpty()
	return body
}

// jwtPart decodes one part of a compact JWT (0 header, 1 claims).
func jwtPart(token string, i int) map[string]any {
	GinkgoHelper()
	parts := strings.Split(token, ".")
	Expect(parts).To(HaveLen(3), "not a compact JWT: %q", token)
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	Expect(err).NotTo(HaveOccurred())
	var out map[string]any
	Expect(json.Unmarshal(raw, &out)).To(Succeed())
	return out
}
