package fakeserver

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits bound what one client can make the server hold: connections,
// idle time, and the time a request body may take to arrive. Zero fields
// take the defaults.
type Limits struct {
	MaxConns    int           // open connections per listener; default 512
	IdleTimeout time.Duration // keep-alive connection with no request; default 30s
	BodyTimeout time.Duration // from the headers to the end of a request body; default 10s
}

func (l Limits) withDefaults() Limits {
	if l.MaxConns <= 0 {
		l.MaxConns = 512
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 30 * time.Second
	}
	if l.BodyTimeout <= 0 {
		l.BodyTimeout = 10 * time.Second
	}
	return l
}

// WithLimits sets the server's connection and time limits.
func WithLimits(l Limits) Option { return func(s *Server) { s.limits = l } }

// readHeaderTimeout bounds slowloris: the request line and headers.
const readHeaderTimeout = 10 * time.Second

// httpServer is how Listen serves h: every bound applied.
func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: s.bodyDeadline(h), ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: s.limits.IdleTimeout}
}

// bodyDeadline gives a request with a body BodyTimeout to send it. It is
// per request, not the server's ReadTimeout, which would also cut the
// live view's long-lived event stream.
func (s *Server) bodyDeadline(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.limits.BodyTimeout))
		}
		h.ServeHTTP(w, r)
	})
}

// limitListener accepts at most max connections at once. One over the
// limit is told so in plain HTTP and closed, instead of waiting unserved
// (which is what a client of a server out of descriptors sees).
type limitListener struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		full := l.open >= l.max
		if !full {
			l.open++
		}
		l.mu.Unlock()
		if full {
			go refuseConn(c, l.max)
			continue
		}
		return &limitedConn{Conn: c, l: l}, nil
	}
}

func refuseConn(c net.Conn, max int) {
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	msg := fmt.Sprintf("authchaos: too many open connections (the limit is %d); close idle ones and retry\n", max)
	_, _ = fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(msg), msg)
}

type limitedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open--
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
