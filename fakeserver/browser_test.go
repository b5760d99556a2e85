package fakeserver_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authchaos/authchaos/internal/browsertest"

	"github.com/authchaos/authchaos/fakeserver"
)

// The live view in a real browser: headless Chromium from Debian's
// chromium package, driven over the DevTools protocol. Without chromium
// the tests skip, except in CI (CI=true), where a missing browser is a
// failure: .ci/run installs it, and a skipped browser test proves nothing.

// browser starts headless Chromium for the live view's tests.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.Start(t, "the live view's browser tests", 1024, 768)
}

// tab opens the live view of base in a new tab at w x h.
func tab(t *testing.T, bctx context.Context, base string, w, h int64) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h), chromedp.Navigate(base+"/__admin/ui")); err != nil {
		t.Fatalf("open the live view: %v", err)
	}
	waitJS(t, ctx, `document.getElementById("conn").textContent === "live"`, 5*time.Second)
	return ctx
}

// waitJS waits until expr is true in the page and returns how long it took.
func waitJS(t *testing.T, ctx context.Context, expr string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(within))); err != nil {
		t.Fatalf("waited %v for %s: %v", within, expr, err)
	}
	return time.Since(start)
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func adminCall(t *testing.T, base, method, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, base+"/__admin/"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s /__admin/%s: %d %s", method, path, resp.StatusCode, b)
	}
}

func started(t *testing.T, opts ...fakeserver.Option) *fakeserver.Server {
	t.Helper()
	s := fakeserver.MustNew(opts...)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// traffic makes the rows a workshop shows for waf-block: a token grant, a
// refresh, blocked API calls with Retry-After, then a success.
func traffic(t *testing.T, s *fakeserver.Server) []string {
	t.Helper()
	adminCall(t, s.URL(), "PUT", "scenario", `{"id": "waf-block", "params": {"duration": "30s"}}`)
	secrets := secretFlow(t, s.URL())
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/items", nil)
		req.Header.Set("Authorization", "ApiKey ak_live_authchaos_demo_key")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	return secrets
}

// columnsFit is a script that reports every journal column that is not
// wholly inside the viewport, and any horizontal overflow.
const columnsFit = `(() => {
  const bad = [];
  for (const c of ["seq", "req", "status", "reason", "grant", "retry", "cred", "origin"]) {
    const th = document.querySelector("th." + c);
    const r = th.getBoundingClientRect();
    if (r.width < 24 || r.left < 0 || r.right > window.innerWidth + 0.5 || getComputedStyle(th).display === "none") bad.push(c + " " + Math.round(r.left) + ".." + Math.round(r.right));
    if (th.scrollWidth > th.clientWidth) bad.push(c + " heading cut: " + th.scrollWidth + " > " + th.clientWidth);
  }
  const td = document.querySelector("tr.entry td.reason");
  if (!td || td.getBoundingClientRect().right > window.innerWidth) bad.push("reason cell");
  for (const c of ["at", "status", "reason", "retry"]) for (const cell of document.querySelectorAll("tr.entry td." + c)) {
    if (cell.scrollWidth > cell.clientWidth) { bad.push(c + " cell cut: " + JSON.stringify(cell.textContent)); break; }
  }
  const log = document.getElementById("log");
  if (log.scrollWidth > log.clientWidth + 1) bad.push("table scrolls sideways: " + log.scrollWidth + " > " + log.clientWidth);
  if (document.documentElement.scrollWidth > window.innerWidth) bad.push("page scrolls sideways");
  const aside = document.querySelector("aside").getBoundingClientRect();
  if (aside.width < 200 || aside.right > window.innerWidth + 0.5) bad.push("panel " + Math.round(aside.left) + ".." + Math.round(aside.right));
  return bad.join("; ");
})()`

func TestLiveViewInBrowser(t *testing.T) {
	bctx := browser(t)

	// At a projector's 1024x768 and at 1920x1080 the columns that carry
	// the lesson are on screen, nothing scrolls sideways, and the panel
	// shows the active parameter value with no raw backticks.
	t.Run("columns fit at 1024x768 and 1920x1080", func(t *testing.T) {
		s := started(t)
		traffic(t, s)
		for _, size := range [][2]int64{{1024, 768}, {1920, 1080}} {
			ctx := tab(t, bctx, s.URL(), size[0], size[1])
			waitJS(t, ctx, `document.querySelectorAll("tr.entry").length >= 3`, 5*time.Second)
			if bad := evalJS[string](t, ctx, columnsFit); bad != "" {
				t.Errorf("%dx%d: %s", size[0], size[1], bad)
			}
			panel := evalJS[string](t, ctx, `document.getElementById("explain").innerText`)
			if !strings.Contains(panel, "for 30s from the first API call") || strings.Contains(panel, "`") {
				t.Errorf("%dx%d: summary %q, want the active duration and no backticks", size[0], size[1], panel)
			}
			if !strings.Contains(panel, "waits as Retry-After says") {
				t.Errorf("%dx%d: panel lacks the recovery sentence: %q", size[0], size[1], panel)
			}
			if n := evalJS[int](t, ctx, `document.querySelectorAll("#scenario optgroup").length`); n < 3 {
				t.Errorf("%dx%d: %d optgroups in the switcher, want one per category", size[0], size[1], n)
			}
		}
	})

	// An activation through the admin API, not the page, shows in the
	// panel and as a divider row within a second.
	t.Run("follows an activation made elsewhere", func(t *testing.T) {
		s := started(t)
		ctx := tab(t, bctx, s.URL(), 1024, 768)
		adminCall(t, s.URL(), "PUT", "scenario", `{"id": "mfa-required"}`)
		took := waitJS(t, ctx, `document.querySelector("#explain h2").textContent.length > 0 &&
			document.getElementById("explain").innerText.includes("mfa-required") &&
			[...document.querySelectorAll("tr.divider")].some((d) => d.textContent.startsWith("activated mfa-required"))`, time.Second)
		t.Logf("the page followed the activation in %v", took)
		waitJS(t, ctx, `/^[0-9]{6}$/.test(document.getElementById("otpcode").textContent) && !document.getElementById("otp").hidden`, 2*time.Second)
		if got, want := evalJS[string](t, ctx, `document.getElementById("scenario").value`), "mfa-required"; got != want {
			t.Errorf("switcher shows %q, want %q", got, want)
		}
		s.Advance(10 * time.Minute)
		waitJS(t, ctx, `[...document.querySelectorAll("tr.divider.clock")].some((d) => d.textContent.includes("10m0s"))`, time.Second)
		adminCall(t, s.URL(), "DELETE", "scenario", "")
		waitJS(t, ctx, `document.querySelector("#explain h2").textContent === "No scenario active" && document.querySelector("tr.divider.heal") !== null`, time.Second)
	})

	// A server restarted on the same port: the banner shows while it is
	// gone and clears by itself once it is back, and the page shows the
	// new server's state, not the stale rows.
	t.Run("reconnects after a server restart", func(t *testing.T) {
		first := fakeserver.MustNew()
		if err := first.Listen("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		addr := strings.TrimPrefix(first.URL(), "http://")
		ctx := tab(t, bctx, first.URL(), 1024, 768)
		if resp, err := http.Get(first.URL() + "/api/me"); err == nil {
			resp.Body.Close()
		}
		waitJS(t, ctx, `document.querySelectorAll("tr.entry").length === 1`, 2*time.Second)
		if evalJS[bool](t, ctx, `document.getElementById("banner").classList.contains("show")`) {
			t.Fatal("banner shown while connected")
		}
		_ = first.Close()
		waitJS(t, ctx, `getComputedStyle(document.getElementById("banner")).display !== "none"`, 5*time.Second)
		second := fakeserver.MustNew()
		if err := second.Apply(fakeserver.Activation{{ID: "expired-token"}}); err != nil {
			t.Fatal(err)
		}
		if err := second.Listen(addr); err != nil {
			t.Fatalf("restart on %s: %v", addr, err)
		}
		t.Cleanup(func() { _ = second.Close() })
		took := waitJS(t, ctx, `getComputedStyle(document.getElementById("banner")).display === "none" &&
			document.getElementById("explain").innerText.includes("expired-token") &&
			document.querySelectorAll("tr.entry").length === 0`, 5*time.Second)
		t.Logf("reconnected %v after the restart", took)
	})

	// A row opens with Enter to its request and response; no secret of
	// the flow is anywhere in the page, with every row open.
	t.Run("an expanded row shows headers and no secret", func(t *testing.T) {
		s := started(t)
		secrets := traffic(t, s)
		ctx := tab(t, bctx, s.URL(), 1024, 768)
		waitJS(t, ctx, `document.querySelectorAll("tr.entry").length >= 10`, 5*time.Second)
		evalJS[bool](t, ctx, `(() => { const r = [...document.querySelectorAll("tr.entry")].find((r) => r.querySelector("td.grant").textContent === "refresh_token"); r.focus(); return true; })()`)
		if _, err := chromedp.Run(ctx, chromedp.KeyEvent("\r")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `document.querySelector("tr.detail") !== null`, time.Second)
		detail := evalJS[string](t, ctx, `document.querySelector("tr.detail").innerText`)
		for _, want := range []string{"Authorization", "Basic hmac-sha256:", "Content-Type", "refresh_token=hmac-sha256", `"access_token":"hmac-sha256:`} {
			if !strings.Contains(detail, want) {
				t.Errorf("expanded refresh row lacks %q:\n%s", want, detail)
			}
		}
		if focused := evalJS[string](t, ctx, `document.activeElement.getAttribute("aria-expanded")`); focused != "true" {
			t.Errorf("the row opened with Enter says aria-expanded=%q", focused)
		}
		evalJS[bool](t, ctx, `(() => { for (const r of document.querySelectorAll("tr.entry[aria-expanded=false]")) r.click(); return true; })()`)
		html := evalJS[string](t, ctx, `document.documentElement.outerHTML`)
		if n := strings.Count(html, `class="detail"`); n < 10 {
			t.Fatalf("%d rows open, want all", n)
		}
		for _, sec := range secrets {
			if sec != "" && strings.Contains(html, sec) {
				t.Errorf("the page shows the secret %.12s…", sec)
			}
		}
	})

	// Everything by keyboard: pick a scenario in the switcher and press
	// Enter; change a parameter and press Enter; press an operator action.
	t.Run("keyboard: switcher, parameters and actions", func(t *testing.T) {
		s := started(t)
		ctx := tab(t, bctx, s.URL(), 1024, 768)
		evalJS[bool](t, ctx, `(() => { const sel = document.getElementById("scenario"); sel.focus(); sel.value = "waf-block"; return true; })()`)
		if _, err := chromedp.Run(ctx, chromedp.KeyEvent("\r")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `document.getElementById("explain").innerText.includes("for 1s from the first API call") &&
			[...document.querySelectorAll("tr.divider")].some((d) => d.textContent.startsWith("activated waf-block"))`, 2*time.Second)
		if got := s.Active(); len(got) != 1 || got[0] != "waf-block" {
			t.Fatalf("Enter in the switcher activated %v, want waf-block", got)
		}
		evalJS[bool](t, ctx, `(() => { const f = document.getElementById("param-duration"); f.focus(); f.select(); return true; })()`)
		if _, err := chromedp.Run(ctx, chromedp.KeyEvent("45s\r")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `document.getElementById("explain").innerText.includes("for 45s from the first API call")`, 2*time.Second)
		if a := s.Activation(); len(a) != 1 || a[0].Params["duration"] != "45s" {
			t.Fatalf("the parameter field applied %+v, want duration=45s", a)
		}
		before := s.Fingerprint(jwksKids(t, s.URL()))
		evalJS[bool](t, ctx, `(() => { document.querySelector("button[data-action=rotate-signing-key]").focus(); return true; })()`)
		if _, err := chromedp.Run(ctx, chromedp.KeyEvent(" ")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, `document.getElementById("notice").textContent.includes("rotate signing key")`, 2*time.Second)
		if after := s.Fingerprint(jwksKids(t, s.URL())); after == before {
			t.Fatal("rotate signing key from the page left JWKS as it was")
		}
	})

	// Screenshots for the README, at 1024x768 and 1920x1080, with a row
	// open. AUTHCHAOS_SCREENSHOTS=DIR keeps them.
	t.Run("screenshots", func(t *testing.T) {
		s := started(t)
		traffic(t, s)
		dir := os.Getenv("AUTHCHAOS_SCREENSHOTS")
		if dir == "" {
			dir = t.TempDir()
		}
		for _, size := range [][2]int64{{1024, 768}, {1920, 1080}} {
			ctx := tab(t, bctx, s.URL(), size[0], size[1])
			waitJS(t, ctx, `document.querySelectorAll("tr.entry").length >= 3`, 5*time.Second)
			evalJS[bool](t, ctx, `(() => { const r = [...document.querySelectorAll("tr.entry")].find((r) => r.querySelector("td.status").textContent === "401" && r.querySelector("td.origin").textContent === "waf"); if (r) r.click(); document.activeElement.blur(); return true; })()`)
			// Let the arrival highlight fade: the picture shows the page at rest.
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`for (const r of document.querySelectorAll("tr.fresh")) r.classList.remove("fresh")`)); err != nil {
				t.Fatal(err)
			}
			shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); int64(b.Dx()) != size[0] || int64(b.Dy()) != size[1] {
				t.Errorf("screenshot is %v, want %dx%d", b, size[0], size[1])
			}
			name := filepath.Join(dir, fmt.Sprintf("live-view-%dx%d.png", size[0], size[1]))
			if err := os.WriteFile(name, shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// jwksKids is the key ids GET /jwks publishes, joined.
func jwksKids(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
