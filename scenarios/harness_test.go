package scenarios_test

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/config"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/internal/specserver"
)

// Defaults of the embedded configuration the specs authenticate with.
const (
	clientID     = "authchaos-client"
	clientSecret = "authchaos-secret"
	username     = "alice"
	password     = "wonderland"
	apiKey       = "ak_live_authchaos_demo_key"
)

// t0 is where every spec's frozen virtual clock starts: time moves only
// when a spec advances it.
var t0 = time.Now().UTC().Truncate(time.Second)

// harness is a started fake server with the given scenarios active and an
// httpexpect client that does not follow redirects (specs look at them).
type harness struct {
	*fakeserver.Server
	e *httpexpect.Expect
}

func start(params map[string]string, ids ...string) *harness {
	GinkgoHelper()
	return startWith(config.Default(), params, ids...)
}

// startWith is start on another configuration than the built-in one.
func startWith(cfg *config.File, params map[string]string, ids ...string) *harness {
	GinkgoHelper()
	s := specserver.Start(cfg, t0)
	var ps []map[string]string
	if params != nil {
		ps = append(ps, params)
	}
	Expect(s.Activate(ids, ps...)).To(Succeed())
	return &harness{Server: s, e: specserver.Expect(s.URL())}
}

// scenario starts a server with one scenario at its default parameters.
func scenario(id string) *harness {
	GinkgoHelper()
	return start(nil, id)
}

// passwordToken runs the password grant and returns both tokens.
func (h *harness) passwordToken(scopes string) (access, refresh string) {
	GinkgoHelper()
	obj := h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
		WithFormField("grant_type", "password").WithFormField("username", username).
		WithFormField("password", password).WithFormField("scope", scopes).
		Expect().Status(http.StatusOK).JSON().Object()
	return obj.Value("access_token").String().Raw(), obj.Value("refresh_token").String().Raw()
}

// clientToken runs the client_credentials grant.
func (h *harness) clientToken(scopes string) string {
	GinkgoHelper()
	return h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
		WithFormField("grant_type", "client_credentials").WithFormField("scope", scopes).
		Expect().Status(http.StatusOK).JSON().Object().Value("access_token").String().Raw()
}

// refresh runs the refresh_token grant and returns the raw response.
func (h *harness) refresh(rt string) *httpexpect.Response {
	return h.e.POST("/oauth/token").WithBasicAuth(clientID, clientSecret).
		WithFormField("grant_type", "refresh_token").WithFormField("refresh_token", rt).Expect()
}

// login opens a session and returns its cookie value.
func (h *harness) login() string {
	GinkgoHelper()
	return h.e.POST("/login").WithJSON(map[string]string{"username": username, "password": password}).
		Expect().Status(http.StatusOK).Cookie("authchaos_session").Value().Raw()
}

func (h *harness) bearer(path, token string) *httpexpect.Response {
	return h.e.GET(path).WithHeader("Authorization", "Bearer "+token).Expect()
}

func (h *harness) withKey(path, key string) *httpexpect.Response {
	return h.e.GET(path).WithHeader("Authorization", "ApiKey "+key).Expect()
}

func (h *harness) withCookie(path, session string) *httpexpect.Response {
	return h.e.GET(path).WithCookie("authchaos_session", session).Expect()
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// last is the newest journal entry.
func (h *harness) last() fakeserver.Entry {
	GinkgoHelper()
	es := h.Journal().Entries(0)
	Expect(es).NotTo(BeEmpty(), "journal is empty")
	return es[len(es)-1]
}

// journalEntry matches the fields a spec cares about in one entry.
func journalEntry(path string, status int, reason journal.Reason) OmegaMatcher {
	return And(
		HaveField("Path", path),
		HaveField("Status", status),
		HaveField("Reason", reason),
	)
}
