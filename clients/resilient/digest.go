// HTTP Digest (RFC 7616, SHA-256, qop=auth): the password never crosses
// the wire; each request answers the server's current nonce with a hash
// of the password, the nonce and the request.

package resilient

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Digest is the scheme of RFC 7616.
const Digest = "Digest"

// digestState is the challenge the client answers, and its nonce count.
type digestState struct {
	mu                         sync.Mutex
	realm, nonce, opaque, algo string
	nc                         int
}

// learn takes the server's challenge (the first one, or a stale=true
// one with a new nonce) as the one to answer from now on.
func (d *digestState) learn(ch challenge) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ch.Params["nonce"] != d.nonce {
		d.nc = 0 // a new nonce counts from 1 again (§3.4)
	}
	d.realm, d.nonce, d.opaque, d.algo = ch.Params["realm"], ch.Params["nonce"], ch.Params["opaque"], firstOf(ch.Params["algorithm"], "SHA-256")
}

// authorization answers the challenge for req, "" before any challenge
// came: the server's first 401 supplies the nonce.
func (d *digestState) authorization(req *http.Request, user, password string) (string, error) {
	d.mu.Lock()
	if d.nonce == "" {
		d.mu.Unlock()
		return "", nil
	}
	if !strings.EqualFold(d.algo, "SHA-256") {
		d.mu.Unlock()
		return "", fmt.Errorf("the server's Digest challenge asks for algorithm %s; this client answers only SHA-256", d.algo)
	}
	d.nc++
	realm, nonce, opaque, nc := d.realm, d.nonce, d.opaque, fmt.Sprintf("%08x", d.nc)
	d.mu.Unlock()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	cnonce, uri := hex.EncodeToString(b), req.URL.RequestURI()
	response := digestResponse(user, realm, password, nonce, nc, cnonce, req.Method, uri)
	return fmt.Sprintf(`Digest username=%q, realm=%q, uri=%q, algorithm=SHA-256, nonce=%q, nc=%s, cnonce=%q, qop=auth, response=%q, opaque=%q`,
		user, realm, uri, nonce, nc, cnonce, response, opaque), nil
}

// digestResponse is RFC 7616 §3.4.1 for qop=auth:
// H(H(user:realm:password):nonce:nc:cnonce:qop:H(method:uri)).
func digestResponse(user, realm, password, nonce, nc, cnonce, method, uri string) string {
	return sha256hex(sha256hex(user, realm, password), nonce, nc, cnonce, "auth", sha256hex(method, uri))
}

func sha256hex(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(sum[:])
}
