// Package browsertest starts headless Chromium for the project's browser
// tests (the live view, the HTML report), driven over the DevTools
// protocol with chromedp.
//
// The one idea to hold: without Chromium a browser test skips on a
// developer's machine, naming the Debian package to install, but fails in
// CI (CI set), where .ci/run installs it and a skipped browser test would
// prove nothing.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds the browser, or skips the test (fails it in CI); what says
// which page's tests need it.
func Path(t testing.TB, what string) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := what + " needs Chromium: apt-get install chromium"
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal(msg + " (CI=" + ci + ": in CI a skipped browser test fails the run; .ci/run installs it)")
	}
	t.Skip(msg)
	return ""
}

// Start launches headless Chromium with a fresh profile and a window of
// w x h, closed when the test ends, and returns a context for tabs. The
// flags keep it off this sandbox's closed network.
func Start(t testing.TB, what string, w, h int) context.Context {
	t.Helper()
	path := Path(t, what)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return bctx
}
