package fakeserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

// The proxy tests put the fake server in upstream mode in front of a real
// loopback server and look at what arrives on each side and what the
// journal says. Time moves only on the proxy's frozen virtual clock.

// startProxy starts a proxy in front of upstream with scenarios active.
func startProxy(t *testing.T, upstream string, opts ...fakeserver.UpstreamOption) *fakeserver.Server {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p, err := fakeserver.New(fakeserver.WithClock(clock.Frozen(t0)), fakeserver.WithUpstream(u, opts...))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// foreignJWT is a token from an issuer the proxy knows nothing of.
func foreignJWT(t *testing.T, claims jwt.Claims, scope string) string {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sig).Claims(claims).Claims(map[string]any{"scope": scope}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func liveJWT(t *testing.T, scope string) string {
	now := time.Now()
	return foreignJWT(t, jwt.Claims{Subject: "alice", IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}, scope)
}

var proxyClient = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func call(t *testing.T, method, u, token string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := proxyClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// okUpstream answers every request 200 with a small JSON body.
func okUpstream(t *testing.T) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"upstream":true,"path":%q}`, r.URL.Path)
	}))
	t.Cleanup(up.Close)
	return up
}

func TestProxyForwardsAsRFC9110Says(t *testing.T) {
	type seen struct {
		header http.Header
		sum    [32]byte
		remote string
	}
	var mu sync.Mutex
	var got []seen
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Header.Clone(), sha256.Sum256(b), r.RemoteAddr})
		mu.Unlock()
		w.Header().Set("Connection", "X-Up-Hop")
		w.Header().Set("X-Up-Hop", "secret-of-the-hop")
		w.Header().Set("X-Up-End", "kept")
		w.WriteHeader(http.StatusCreated)
	}))
	defer up.Close()
	p := startProxy(t, up.URL)

	body := make([]byte, 1<<20)
	_, _ = rand.Read(body)
	token := liveJWT(t, "read")
	var reused []bool
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, p.URL()+"/api/items?x=1", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Connection", "X-Hop")
		req.Header.Set("X-Hop", "for-the-proxy-only")
		req.Header.Set("X-End", "for-the-api")
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}))
		resp, err := proxyClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("status %d, want the upstream's 201", resp.StatusCode)
		}
		if v := resp.Header.Get("X-Up-Hop"); v != "" {
			t.Errorf("response header X-Up-Hop listed in Connection reached the client: %q", v)
		}
		if resp.Header.Get("X-Up-End") != "kept" {
			t.Errorf("end-to-end response header lost: %v", resp.Header)
		}
	}
	if len(got) != 2 {
		t.Fatalf("upstream saw %d requests, want 2", len(got))
	}
	for i, g := range got {
		if g.sum != sha256.Sum256(body) {
			t.Errorf("request %d: the body reached the upstream changed", i)
		}
		if v := g.header.Get("X-Hop"); v != "" {
			t.Errorf("request %d: X-Hop listed in Connection reached the upstream: %q", i, v)
		}
		if g.header.Get("X-End") != "for-the-api" || g.header.Get("Authorization") != "Bearer "+token {
			t.Errorf("request %d: end-to-end headers lost: %v", i, g.header)
		}
		host := strings.TrimPrefix(p.URL(), "http://")
		if g.header.Get("X-Forwarded-For") != "127.0.0.1" || g.header.Get("X-Forwarded-Host") != host || g.header.Get("X-Forwarded-Proto") != "http" {
			t.Errorf("request %d: X-Forwarded-* = %q %q %q, want 127.0.0.1 %s http", i,
				g.header.Get("X-Forwarded-For"), g.header.Get("X-Forwarded-Host"), g.header.Get("X-Forwarded-Proto"), host)
		}
	}
	if len(reused) != 2 || !reused[1] {
		t.Errorf("client connection reuse %v: keep-alive to the proxy broken", reused)
	}
	if got[0].remote != got[1].remote {
		t.Errorf("upstream saw connections from %s then %s: the proxy did not keep its upstream connection alive", got[0].remote, got[1].remote)
	}

	es := p.Journal().Entries(0)
	if len(es) != 2 {
		t.Fatalf("journal has %d entries, want 2", len(es))
	}
	if e := es[0]; e.Status != 201 || e.Scheme != "Bearer" || e.Credential != p.Fingerprint(token) || e.Path != "/api/items" || e.Origin != journal.App {
		t.Errorf("journal entry %+v", e)
	}
	raw, _ := json.Marshal(es)
	if bytes.Contains(raw, []byte(token)) || bytes.Contains(raw, []byte(strings.Split(token, ".")[2])) {
		t.Errorf("the journal holds the token in clear")
	}
}

// TestProxyStreams: a 100 MB download passes with the heap flat, and a
// chunk the upstream flushed reaches the client before the upstream
// writes the next.
func TestProxyStreams(t *testing.T) {
	const size = 100 << 20
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 2048) // 32 KiB
	firstRead := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(chunk)
		w.(http.Flusher).Flush()
		select {
		case <-firstRead:
		case <-time.After(10 * time.Second):
			return // the client never saw the first chunk: it was buffered
		}
		for n := len(chunk); n < size; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer up.Close()
	p := startProxy(t, up.URL)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() {
		var m runtime.MemStats
		high := uint64(0)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				peak <- high
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				high = max(high, m.HeapInuse)
			}
		}
	}()
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Get(p.URL() + "/api/download")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, len(chunk))
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	close(firstRead)
	n, err := io.Copy(io.Discard, resp.Body)
	close(stop)
	high := <-peak
	if err != nil {
		t.Fatal(err)
	}
	if total := int64(len(first)) + n; total != size {
		t.Fatalf("client got %d bytes, want %d: the first chunk was not flushed on its own (the upstream gave up waiting)", total, size)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := int64(high) - int64(before.HeapInuse)
	t.Logf("100 MiB through the proxy: heap in use %.1f MiB before, peak %.1f MiB (growth %.1f MiB), %.1f MiB allocated in all",
		mib(before.HeapInuse), mib(high), float64(growth)/(1<<20), mib(after.TotalAlloc-before.TotalAlloc))
	if growth > 32<<20 {
		t.Errorf("heap grew by %.1f MiB while 100 MiB streamed through: the body is being buffered", float64(growth)/(1<<20))
	}
	if es := p.Journal().Entries(0); len(es) != 1 || es[0].Status != 200 {
		t.Errorf("journal %+v, want one 200", es)
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func TestProxyRefusesServerOnlyScenarios(t *testing.T) {
	up := okUpstream(t)
	p := startProxy(t, up.URL)
	for _, tc := range []struct{ id, why string }{
		{"expired-session", "SessionTTL"},
		{"stale-cached-credentials", "minting tokens"},
		{"revoked-key", "action revoke-api-key"},
		{"client-mismatch", "configuration the suites hand"},
		{"refresh-token-rotation", "RotateRefresh"},
	} {
		err := p.Activate([]string{tc.id})
		var refusal *fakeserver.ProxyRefusal
		if !errors.As(err, &refusal) || refusal.ID != tc.id {
			t.Errorf("%s: err %v, want a ProxyRefusal", tc.id, err)
			continue
		}
		for _, want := range []string{tc.why, "does not apply to the proxy", "waf-block", "expired-token"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not say %q", tc.id, err, want)
			}
		}
	}
	// Through the admin API too: a 400 that says why.
	req, _ := http.NewRequest(http.MethodPut, p.URL()+"/__admin/scenario", strings.NewReader(`{"id":"expired-session"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := proxyClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "does not apply to the proxy") {
		t.Errorf("PUT expired-session: %d %s", resp.StatusCode, b)
	}
	// The fake server itself still takes them.
	if err := fakeserver.MustNew().Activate([]string{"expired-session"}); err != nil {
		t.Errorf("the fake server refuses expired-session: %v", err)
	}
	for _, id := range []string{"waf-block", "expired-token", "revoked-token", "scope-mismatch", "missing-www-authenticate", "redirect-strips-auth", "clock-skew"} {
		if !contains(fakeserver.ProxyScenarios(), id) {
			t.Errorf("ProxyScenarios %v lacks %s", fakeserver.ProxyScenarios(), id)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestProxyTokenFaults(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/denied" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="upstream", error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"upstream":"no"}`)
			return
		}
		_, _ = io.WriteString(w, `{"upstream":true}`)
	}))
	defer up.Close()
	type step struct {
		path    string
		token   int // which token: 0 the first, 1 a second
		advance time.Duration
		status  int
		reason  journal.Reason
		header  string // WWW-Authenticate must contain it; "-" must be absent
	}
	for _, tc := range []struct {
		scenario string
		tokens   []string
		steps    []step
	}{
		{"expired-token", []string{liveJWT(t, "read"), liveJWT(t, "read")}, []step{
			{path: "/api/items", status: 200},
			{path: "/api/items", advance: 6 * time.Minute, status: 401, reason: journal.TokenExpired, header: `error="invalid_token"`},
			{path: "/api/items", token: 1, status: 200},
		}},
		{"expired-token:lifetime=24h", []string{
			foreignJWT(t, jwt.Claims{Subject: "alice", Expiry: jwt.NewNumericDate(time.Now().Add(time.Minute))}, "read"), liveJWT(t, "read")}, []step{
			// The clock moved an hour before the proxy saw the token:
			// its minute left counts from then.
			{path: "/api/items", advance: time.Hour, status: 200},
			{path: "/api/items", advance: 2 * time.Minute, status: 401, reason: journal.TokenExpired, header: "token expired at"},
			{path: "/api/items", token: 1, status: 200},
		}},
		{"revoked-token:after=1", []string{liveJWT(t, "read"), liveJWT(t, "read")}, []step{
			{path: "/api/items", status: 200},
			{path: "/api/items", status: 401, reason: journal.TokenRevoked, header: "revoked"},
			{path: "/api/items", token: 1, status: 200},
		}},
		{"scope-mismatch", []string{liveJWT(t, "read")}, []step{
			{path: "/api/me", status: 200},
			{path: "/api/items", status: 403, reason: journal.InsufficientScope, header: `scope="read write"`},
		}},
		{"clock-skew:direction=behind", []string{
			foreignJWT(t, jwt.Claims{Subject: "alice", NotBefore: jwt.NewNumericDate(time.Now()), Expiry: jwt.NewNumericDate(time.Now().Add(time.Hour))}, "read")}, []step{
			{path: "/api/items", status: 401, reason: journal.TokenNotYetValid, header: "not valid before"},
		}},
		{"missing-www-authenticate", []string{liveJWT(t, "read")}, []step{
			{path: "/api/items", status: 200},
			{path: "/api/denied", status: 401, reason: journal.UpstreamRefused, header: "-"},
		}},
		{"waf-block", []string{liveJWT(t, "read")}, []step{
			{path: "/api/items", status: 401, reason: journal.WAFBlock, header: "-"},
			{path: "/api/items", advance: 2 * time.Second, status: 200},
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p := startProxy(t, up.URL)
			if err := p.Apply(activation(t, tc.scenario)); err != nil {
				t.Fatal(err)
			}
			for i, st := range tc.steps {
				if st.advance > 0 {
					p.Advance(st.advance)
				}
				resp, body := call(t, http.MethodGet, p.URL()+st.path, tc.tokens[st.token], nil)
				if resp.StatusCode != st.status {
					t.Fatalf("step %d: %s: %d %s, want %d", i, st.path, resp.StatusCode, body, st.status)
				}
				ch := resp.Header.Get("WWW-Authenticate")
				switch {
				case st.header == "-" && ch != "":
					t.Errorf("step %d: WWW-Authenticate %q, want none", i, ch)
				case st.header != "-" && !strings.Contains(ch, st.header):
					t.Errorf("step %d: WWW-Authenticate %q does not contain %q", i, ch, st.header)
				}
				es := p.Journal().Entries(0)
				if e := es[len(es)-1]; e.Reason != st.reason || e.Credential != p.Fingerprint(tc.tokens[st.token]) {
					t.Errorf("step %d: journal reason %q credential %q, want %q %q", i, e.Reason, e.Credential, st.reason, p.Fingerprint(tc.tokens[st.token]))
				}
			}
		})
	}
}

// activation parses the id:k=v syntax as the command line does.
func activation(t *testing.T, label string) fakeserver.Activation {
	t.Helper()
	return activationOf(label)
}

func activationOf(label string) fakeserver.Activation {
	id, rest, _ := strings.Cut(label, ":")
	params := map[string]string{}
	if rest != "" {
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			params[k] = v
		}
	}
	return fakeserver.Activation{{ID: id, Params: params}}
}

func TestProxyRedirectGoesToTheRecordingOrigin(t *testing.T) {
	up := okUpstream(t)
	p := startProxy(t, up.URL)
	if err := p.Activate([]string{"redirect-strips-auth"}); err != nil {
		t.Fatal(err)
	}
	token := liveJWT(t, "read")
	resp, _ := call(t, http.MethodGet, p.URL()+"/api/items", token, nil)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(loc, p.Origins().CrossHost) {
		t.Fatalf("GET /api/items: %d Location %q, want 307 to %s", resp.StatusCode, loc, p.Origins().CrossHost)
	}
	// A client that follows it with the header leaks it, and the journal
	// says so.
	if resp, body := call(t, http.MethodGet, loc, token, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("other origin: %d %s", resp.StatusCode, body)
	}
	es := p.Journal().Entries(0)
	if last := es[len(es)-1]; last.Reason != journal.CredentialLeaked || last.Credential != p.Fingerprint(token) {
		t.Errorf("other origin's entry %+v, want credential_leaked with the token's fingerprint", last)
	}
}

func TestProxySelection(t *testing.T) {
	up := okUpstream(t)
	token := liveJWT(t, "read")
	pattern := func(t *testing.T, label string, paths ...string) string {
		t.Helper()
		p := startProxy(t, up.URL)
		if err := p.Apply(activation(t, label)); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, path := range paths {
			resp, _ := call(t, http.MethodGet, p.URL()+path, token, nil)
			if resp.StatusCode == http.StatusUnauthorized {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	repeat := func(path string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = path
		}
		return out
	}
	items := repeat("/api/items", 6)
	for _, tc := range []struct{ label, want string }{
		{"waf-block:duration=1h", "xxxxxx"},
		{"waf-block:duration=1h,select.first=2", "xx...."},
		{"waf-block:duration=1h,select.every=3", "..x..x"},
		{"waf-block:duration=1h,select.first=4,select.every=2", ".x.x.."},
		{"waf-block:duration=1h,select.method=POST", "......"},
	} {
		if got := pattern(t, tc.label, items...); got != tc.want {
			t.Errorf("%s: %s, want %s (x blocked)", tc.label, got, tc.want)
		}
	}
	if got := pattern(t, "waf-block:duration=1h,select.path=/api/me", "/api/items", "/api/me", "/api/items", "/api/me"); got != ".x.x" {
		t.Errorf("select.path=/api/me: %s, want .x.x", got)
	}
	many := repeat("/api/items", 200)
	a := pattern(t, "waf-block:duration=1h,select.p=0.3,select.seed=42", many...)
	b := pattern(t, "waf-block:duration=1h,select.p=0.3,select.seed=42", many...)
	c := pattern(t, "waf-block:duration=1h,select.p=0.3,select.seed=43", many...)
	if n := strings.Count(a, "x"); n < 30 || n > 90 {
		t.Errorf("p=0.3 blocked %d of 200", n)
	}
	if a != b {
		t.Errorf("the same seed picked other requests:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 42 and 43 picked the same requests")
	}
	// The fake server takes selections too, and shows them back.
	s := fakeserver.MustNew()
	if err := s.Apply(activation(t, "waf-block:select.first=2")); err != nil {
		t.Fatal(err)
	}
	if got := s.Activation()[0].Params; got["select.first"] != "2" || got["duration"] != "1s" {
		t.Errorf("activation params %v, want the selection and the defaults", got)
	}
	if err := s.Apply(activation(t, "waf-block:select.frist=2")); err == nil || !strings.Contains(err.Error(), "select.first") {
		t.Errorf("a misspelt selection parameter: %v, want an error listing select.first", err)
	}
}

func TestProxyAuthUpstream(t *testing.T) {
	idp := fakeserver.MustNew()
	if err := idp.Start(); err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	up := okUpstream(t)
	iu, _ := url.Parse(idp.URL())
	p := startProxy(t, up.URL, fakeserver.WithAuthUpstream(iu, "/oauth/"))
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	req, _ := http.NewRequest(http.MethodPost, p.URL()+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, clientSecret)
	resp, err := proxyClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token through the proxy: %d", resp.StatusCode)
	}
	if r, _ := call(t, http.MethodGet, p.URL()+"/api/items", tok.AccessToken, nil); r.StatusCode != http.StatusOK {
		t.Fatalf("API: %d", r.StatusCode)
	}
	es := p.Journal().Entries(0)
	if len(es) != 2 || es[0].Grant != "client_credentials" || es[0].Scope != "read" || es[0].Scheme != "Basic" || es[0].Credential != p.Fingerprint(clientID+":"+clientSecret) {
		t.Fatalf("journal %+v, want the token request with its grant, granted scope and a fingerprint, then the API call", es)
	}
	if len(idp.Journal().Entries(0)) != 1 {
		t.Errorf("the identity provider saw %d requests, want the token request", len(idp.Journal().Entries(0)))
	}
	// An upstream that is gone: 502 with a reason, no hang.
	up.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/api/items", nil)
	resp, err = proxyClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	es = p.Journal().Entries(0)
	if resp.StatusCode != http.StatusBadGateway || es[len(es)-1].Reason != journal.UpstreamUnreachable {
		t.Errorf("upstream gone: %d %q, want 502 upstream_unreachable", resp.StatusCode, es[len(es)-1].Reason)
	}
}

// TestProxyKeepsItsOwnSurface: the admin API, live view and metrics are
// the proxy's, never forwarded, and stay out of the journal.
func TestProxyKeepsItsOwnSurface(t *testing.T) {
	var forwarded []string
	var mu sync.Mutex
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		forwarded = append(forwarded, r.URL.Path)
		mu.Unlock()
	}))
	defer up.Close()
	p := startProxy(t, up.URL)
	if r, _ := call(t, http.MethodGet, p.URL()+"/api/items", "", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("API: %d", r.StatusCode)
	}
	for _, path := range []string{"/__admin/ui", "/__admin/journal", "/__admin/clock", "/metrics"} {
		if r, _ := call(t, http.MethodGet, p.URL()+path, "", nil); r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, r.StatusCode)
		}
	}
	_, metrics := call(t, http.MethodGet, p.URL()+"/metrics", "", nil)
	if !strings.Contains(metrics, `authchaos_requests_total{`) || !strings.Contains(metrics, `status="200"`) {
		t.Errorf("metrics do not count the proxied call:\n%s", metrics)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(forwarded) != 1 || forwarded[0] != "/api/items" {
		t.Errorf("forwarded %v, want only /api/items", forwarded)
	}
	if n := len(p.Journal().Entries(0)); n != 1 {
		t.Errorf("journal has %d entries, want the one API call", n)
	}
}
