package fakeserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The load benchmarks put real TCP, keep-alive connections and
// concurrent clients on loopback in front of the same comparison as the
// in-process benchmarks: `make load` runs both and prints the fake
// server's throughput as a ratio to a bare net/http server measured in
// the same run. They are bounded by -benchtime and never leave 127.0.0.1.

func loadClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

// runLoad sends GET /api/items from GOMAXPROCS*4 goroutines until the
// benchmark has enough samples, failing on any answer but 200.
func runLoad(b *testing.B, base, auth string) {
	c := loadClient()
	defer c.CloseIdleConnections()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/items", nil)
			req.Header.Set("Authorization", auth)
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET /api/items: %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkLoadProtected is the fake server on a loopback port, every
// request a valid bearer token through journal, edges and verification.
func BenchmarkLoadProtected(b *testing.B) {
	s := benchServer(b)
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// The token comes over the wire: its issuer is the URL clients use.
	req := tokenRequest()
	req.RequestURI, req.URL.Scheme, req.URL.Host, req.Host = "", "http", s.URL()[len("http://"):], ""
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	runLoad(b, s.URL(), "Bearer "+tok.AccessToken)
}

// BenchmarkLoadBare is the baseline: the bare handler on a loopback port.
func BenchmarkLoadBare(b *testing.B) {
	srv := httptest.NewServer(bareItems())
	defer srv.Close()
	runLoad(b, srv.URL, "Bearer x")
}
