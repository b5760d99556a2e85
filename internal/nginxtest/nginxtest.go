// Package nginxtest runs a real nginx from Debian for tests that need an
// API the project did not write: the chaos proxy's upstream.
//
// The one idea to hold: without nginx a test skips on a developer's
// machine, naming the Debian package, but fails in CI (CI set), where
// .ci/run installs it. The configuration is the test's own (a
// text/template); nginx runs in the foreground as one process
// (master_process off) with its pid, temp paths and logs in a temporary
// directory, so it needs no root and leaves nothing behind.
package nginxtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"text/template"
	"time"
)

// Path finds nginx, or skips the test (fails it in CI); what says which
// tests need it.
func Path(t testing.TB, what string) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx" // Debian's, off a non-root PATH
	}
	msg := what + " needs nginx: apt-get install nginx"
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal(msg + " (CI=" + ci + ": in CI a skipped nginx test fails the run; .ci/run installs it)")
	}
	t.Skip(msg)
	return ""
}

// Vars are what a configuration template sees: Dir is nginx's prefix
// (pid, logs, temp paths, files to serve), Port the loopback port it
// must listen on, and Data the test's own values.
type Vars struct {
	Dir  string
	Port int
	Data any
}

// Start writes conf (a template over Vars) to a temporary directory,
// with files (path relative to Dir -> content), runs nginx on a free
// loopback port until the test ends, and returns its base URL once it
// accepts connections.
func Start(t testing.TB, what, conf string, data any, files map[string]string) string {
	t.Helper()
	bin := Path(t, what)
	tmpl, err := template.New("nginx.conf").Parse(conf)
	if err != nil {
		t.Fatalf("nginx config template: %v", err)
	}
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A port can be taken between asking for it and nginx binding it:
	// try a few.
	var last string
	for range 3 {
		port := freePort(t)
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, Vars{Dir: dir, Port: port, Data: data}); err != nil {
			t.Fatalf("nginx config template: %v", err)
		}
		confPath := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(confPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		ctx, kill := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, bin, "-p", dir, "-c", confPath, "-e", filepath.Join(dir, "error.log"), "-g", "daemon off; master_process off;")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			kill()
			t.Fatalf("start nginx: %v", err)
		}
		exited := make(chan struct{}) // closed once nginx is gone
		var waitErr error
		go func() { waitErr = cmd.Wait(); close(exited) }()
		addr := "127.0.0.1:" + strconv.Itoa(port)
		if err := waitListening(addr, exited, &waitErr); err != nil {
			kill() // SIGKILL, by the context
			<-exited
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			last = fmt.Sprintf("%v\n%s%s", err, out.String(), log)
			continue
		}
		t.Cleanup(func() {
			kill()
			select {
			case <-exited: // killed on purpose: its exit status says nothing more
			case <-time.After(5 * time.Second):
				t.Errorf("nginx (pid %d) did not exit within 5s of SIGKILL", cmd.Process.Pid)
			}
		})
		return "http://" + addr
	}
	t.Fatalf("nginx did not start: %s", last)
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitListening polls addr for up to 10 seconds, giving up early if
// nginx exits.
func waitListening(addr string, exited <-chan struct{}, waitErr *error) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("nginx exited: %w", *waitErr)
		default:
		}
		d := net.Dialer{Timeout: 200 * time.Millisecond}
		c, err := d.DialContext(context.Background(), "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("nginx not listening on %s within 10s", addr)
}
