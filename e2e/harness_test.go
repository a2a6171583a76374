// Package e2e drives the PWA in headless Chromium against a real Heard: the real
// API on a loopback listener, the embedded database, the embedded app files.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
	"heard/api"
	"heard/pwa"
	"heard/store"
	"heard/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// heardServer is a running Heard for one test.
type heardServer struct {
	URL    string
	Store  *store.Store
	Tokens *api.Tokens
	// Demo holds the seeded accounts: staff emails and young people's join codes.
	Demo []store.DemoAccount
	// Stop shuts the server down (the database stays), as when the phone loses its connection to Heard.
	Stop func()
}

// startHeard runs Heard with the demo area on 127.0.0.1 and stops it when the test ends.
// Options can set the notifier and escalator.
func startHeard(t *testing.T, opts ...func(*api.Config)) *heardServer {
	t.Helper()
	st := testkit.Store(t, heard.SystemClock{})
	tokens, err := api.NewTokens(bytes.Repeat([]byte("e"), 32), heard.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{Store: st, Tokens: tokens, Log: testkit.Quiet(), Clock: heard.SystemClock{}, PWA: pwa.FS(), AuthRateLimit: 10000}
	for _, o := range opts {
		o(&cfg)
	}
	srv := api.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	demo, err := st.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stop := func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) }
	return &heardServer{URL: "http://" + ln.Addr().String(), Store: st, Tokens: tokens, Demo: demo, Stop: stop}
}

// staff returns the demo account with this email.
func (h *heardServer) staff(t *testing.T, email string) store.DemoAccount {
	for _, a := range h.Demo {
		if a.Email == email {
			return a
		}
	}
	t.Fatalf("no demo account %s", email)
	return store.DemoAccount{}
}

// joinCode returns a fresh join code for the demo young person with this first name.
func (h *heardServer) joinCode(t *testing.T, name string) string {
	for _, a := range h.Demo {
		if a.Role == heard.RoleYoungPerson && a.Name == name {
			return a.JoinCode
		}
	}
	t.Fatalf("no demo young person %s", name)
	return ""
}

// postJSON calls the API directly (for setting up a test, not for what is under test).
func (h *heardServer) postJSON(t *testing.T, path, token string, body any, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, h.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

// chromiumPath finds Debian's chromium. Browser tests skip without it on a
// developer's machine, and fail in CI, where it must be installed.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run must install it")
	}
	t.Skip("chromium is not installed")
	return ""
}

// phone is the viewport of a small phone.
const phoneWidth, phoneHeight = 360, 740

// newBrowser starts a headless Chromium with its own profile and returns a
// context for its first tab. lang sets the browser's preferred language.
func newBrowser(t *testing.T, lang string) context.Context {
	t.Helper()
	// The profile is removed by hand after Chromium has gone: t.TempDir's cleanup
	// fails when Chromium is still writing to it as it exits.
	profile, err := os.MkdirTemp("", "heard-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append([]chromedp.ExecAllocatorOption{},
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(phoneWidth, phoneHeight),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshot saves a PNG of the page under testdata/out/screenshots/.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.Sleep(200*time.Millisecond), chromedp.CaptureScreenshot(&png)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "testdata", "out", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitText waits until the element's text contains want.
func waitText(sel, want string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(15 * time.Second)
		var got string
		for time.Now().Before(deadline) {
			_ = chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(document.querySelector(%q)||{}).innerText||""`, sel), &got))
			if strings.Contains(got, want) {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("%s: want text %q, have %q", sel, want, got)
	})
}
