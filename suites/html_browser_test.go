package suites_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/authchaos/authchaos/clients/naive"
	"github.com/authchaos/authchaos/internal/browsertest"
	"github.com/authchaos/authchaos/suites"
)

// TestHTMLReportInBrowser renders the report of a real run of the naive
// client in headless Chromium (Debian's chromium package): every
// scenario's diagram is drawn, and every finding is pinned to an arrow
// in its own scenario. Without chromium it skips, except in CI (CI=true),
// where a skipped browser test would prove nothing. AUTHCHAOS_SCREENSHOTS=DIR
// keeps the 1280x900 screenshot README shows.
func TestHTMLReportInBrowser(t *testing.T) {
	ids := []string{"concurrent-expiry", "redirect-strips-auth", "waf-block"}
	rep, err := suites.Run(context.Background(), suites.Options{Client: "naive", Factory: naive.Factory(), Scenarios: ids})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	bctx := browsertest.Start(t, "the HTML report's browser test", 1280, 900)
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("file://"+file)); err != nil {
		t.Fatalf("open the report in chromium: %v", err)
	}

	// What the page drew, per scenario, as a reader's browser lays it out.
	type drawn struct {
		ID       string `json:"id"`
		Verdict  string `json:"verdict"`
		Arrows   int    `json:"arrows"`   // request lines with a visible length
		Findings []int  `json:"findings"` // per finding, the arrows pinned to it
	}
	got, err := chromedp.Run(bctx, chromedp.Evaluate[[]drawn](`[...document.querySelectorAll("section.scenario")].map((s) => ({
		id: s.dataset.scenario,
		verdict: s.dataset.verdict,
		arrows: [...s.querySelectorAll("svg.seq g.exchange line.req")].filter((l) => l.getBBox().width > 50).length,
		findings: [...s.querySelectorAll("li.finding")].map((f) =>
			[...s.querySelectorAll("svg.seq g.exchange.pinned")].filter((g) =>
				(g.dataset.findings || "").split(" ").includes(f.dataset.n) && g.querySelector("rect.hl").getBBox().height > 0).length),
	}))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("the page has %d scenario sections, want %d: %+v", len(got), len(ids), got)
	}
	failed := 0
	for i, s := range got {
		if s.ID != ids[i] {
			t.Errorf("section %d is %q, want %q", i, s.ID, ids[i])
		}
		if s.Arrows == 0 {
			t.Errorf("%s: no arrow drawn", s.ID)
		}
		for n, pinned := range s.Findings {
			if pinned == 0 {
				t.Errorf("%s: finding %d (%q) is pinned to no arrow", s.ID, n+1, rep.Results[i].Findings[n])
			}
		}
		if s.Verdict == "fail" {
			failed++
		}
		t.Logf("%s: %s, %d arrows, findings pinned to %v", s.ID, s.Verdict, s.Arrows, s.Findings)
	}
	if failed == 0 {
		t.Errorf("the naive client failed none of %v: the report pins nothing", ids)
	}
	leaks, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('section[data-scenario="redirect-strips-auth"] g.exchange.leak').length`))
	if err != nil {
		t.Fatal(err)
	}
	if leaks == 0 {
		t.Errorf("redirect-strips-auth: the naive client's leaked credential is not drawn as a leak")
	}

	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 900 {
		t.Errorf("screenshot is %v, want 1280x900", b)
	}
	dir := os.Getenv("AUTHCHAOS_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, "html-report-1280x900.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	// And the leak, as a reader who clicks its finding's number sees it.
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('section[data-scenario="redirect-strips-auth"]').scrollIntoView()`)); err != nil {
		t.Fatal(err)
	}
	if shot, err = chromedp.Run(bctx, chromedp.CaptureScreenshot()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "html-report-leak-1280x900.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("AUTHCHAOS_HTML_REPORT"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "report.html"), page.Bytes(), 0o644)
	}
}
