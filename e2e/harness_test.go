// Package e2e drives the PWA in headless Chromium against a real Heard: the real
// API on a loopback listener, the embedded database, the embedded app files.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"heard/service"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/chromedp/chromedp"

	"heard"
	"heard/api"
	"heard/i18n"
	"heard/notify"
	"heard/notify/pushtest"
	"heard/pwa"
	"heard/store"
	"heard/testkit"
)

// The pseudo-language (tests only) is added before the app is built, once per
// test binary; TestEveryScreenPseudoLanguage runs every screen in it.
func TestMain(m *testing.M) { i18n.RegisterPseudo(); testkit.Main(m) }

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
	cfg.Services = service.New(service.Config{Store: cfg.Store, Notifier: cfg.Notifier, Escalator: cfg.Escalator, Clock: cfg.Clock, Log: cfg.Log})
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

// staffMember reads a demo staff account from the store.
func (h *heardServer) staffMember(t *testing.T, email string) heard.Staff {
	t.Helper()
	st, err := h.Store.StaffByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return st
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
//
// Chromium now and then exits before it is listening on a busy machine (CI
// saw it once in some hundred starts), so a start that fails is tried again
// with a fresh profile; a browser that never starts still fails the test.
func newBrowser(t *testing.T, lang string) context.Context {
	t.Helper()
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		var ctx context.Context
		var stop func()
		if ctx, stop, err = startBrowser(chromiumPath(t), lang); err == nil {
			t.Cleanup(stop)
			return ctx
		}
		stop()
		t.Logf("chromium start %d failed: %v", attempt, err)
	}
	t.Fatalf("start chromium: %v", err)
	return nil
}

// startBrowser starts one Chromium and returns its first tab and a function
// that stops it and removes its profile.
func startBrowser(path, lang string) (context.Context, func(), error) {
	// The profile is removed by hand after Chromium has gone: t.TempDir's cleanup
	// fails when Chromium is still writing to it as it exits.
	profile, err := os.MkdirTemp("", "heard-chromium-")
	if err != nil {
		return nil, func() {}, err
	}
	opts := append([]chromedp.ExecAllocatorOption{},
		chromedp.ExecPath(path),
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
	stop := func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}
	err = chromedp.Run(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2)))
	return ctx, stop, err
}

// screenshot saves a PNG of the page under testdata/out/screenshots/.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	saveScreenshot(t, name, capture(t, ctx, name), false)
}

// docScreenshot saves a screenshot as screenshot does and, when
// HEARD_SCREENSHOTS is set (as when the committed pictures are refreshed),
// also under docs/screenshots.
func docScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	saveScreenshot(t, name, capture(t, ctx, name), true)
}

// capture takes a PNG of what the screen shows.
func capture(t *testing.T, ctx context.Context, name string) []byte {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.Sleep(200*time.Millisecond), chromedp.CaptureScreenshot(&png)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	return png
}

// fullScreenshot saves the whole page, top to bottom (for the dashboard), as
// docScreenshot does.
func fullScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	run(t, ctx, "screenshot "+name, chromedp.Sleep(300*time.Millisecond), chromedp.FullScreenshot(&png, 100))
	saveScreenshot(t, name, png, true)
}

// saveScreenshot writes a PNG under testdata/out/screenshots and, for the
// pictures in the docs when HEARD_SCREENSHOTS is set, under docs/screenshots.
func saveScreenshot(t *testing.T, name string, png []byte, docs bool) {
	t.Helper()
	dirs := []string{filepath.Join("..", "testdata", "out", "screenshots")}
	if docs && os.Getenv("HEARD_SCREENSHOTS") != "" {
		dirs = append(dirs, filepath.Join("..", "docs", "screenshots"))
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs a step with its own time limit, so a step that waits for something
// that never comes fails with the page's text while the browser is still
// there to read it.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	if err := chromedp.Run(step, actions...); err != nil {
		var url, text string
		_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body.innerText.slice(0, 800)`, &text))
		t.Fatalf("%s: %v\nat %s\n%s", what, err, url, text)
	}
}

// noSideScroll checks a screen fits a phone this many pixels wide.
func noSideScroll(t *testing.T, ctx context.Context, width int, what string) {
	t.Helper()
	var wide int
	run(t, ctx, "measure "+what, chromedp.Evaluate(`document.documentElement.scrollWidth`, &wide))
	if wide > width {
		t.Errorf("%s is %d pixels wide on a %d-pixel phone", what, wide, width)
	}
}

// signIn signs a demo member of staff in through the app's sign-in screen.
func signIn(t *testing.T, ctx context.Context, h *heardServer, email string) {
	t.Helper()
	run(t, ctx, "sign in "+email,
		chromedp.Navigate(h.URL+"/#/signin"),
		chromedp.WaitVisible(`#signin-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-password`, store.DemoPassword, chromedp.ByQuery),
		chromedp.Click(`#signin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#home`, chromedp.ByQuery))
}

// join joins a demo young person's phone through the app's join screen, up to
// their home screen with the cards and feedback tiles.
func join(t *testing.T, ctx context.Context, h *heardServer, name string) {
	t.Helper()
	code := strings.ReplaceAll(h.joinCode(t, name), "-", "")
	run(t, ctx, "join "+name,
		chromedp.Navigate(h.URL+"/#/join/"+code),
		chromedp.WaitVisible(`#pin-new`, chromedp.ByQuery),
		chromedp.SendKeys(`#pin-new`, "5827", chromedp.ByQuery),
		chromedp.SendKeys(`#pin-confirm`, "5827", chromedp.ByQuery),
		chromedp.Click(`#pin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-tile`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-tile`, chromedp.ByQuery))
}

// youngPerson returns the young person in the area with this first name.
func youngPerson(t *testing.T, h *heardServer, area, name string) heard.YoungPerson {
	t.Helper()
	people, err := h.Store.YoungPeopleInArea(context.Background(), area)
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range people {
		if y.FirstName == name {
			return y
		}
	}
	t.Fatalf("no young person %s", name)
	return heard.YoungPerson{}
}

// startHeardWithPush runs Heard as startHeard does, with a notify service
// sending Web Push to a loopback push service that decrypts every message.
// Options run first, so one that sets the clock sets the notify service's too.
func startHeardWithPush(t *testing.T, opts ...func(*api.Config)) (*heardServer, *notify.Service, *pushtest.Service) {
	t.Helper()
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	// Made first, so it is closed last: after the notify service has stopped.
	push := pushtest.New(t, public)
	var svc *notify.Service
	h := startHeard(t, append(opts, func(c *api.Config) {
		svc, err = notify.New(notify.Config{Store: c.Store, Log: testkit.Quiet(), Clock: c.Clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
			Subject: "safeguarding@heard.test", AllowLoopbackEndpoints: true, PollEvery: 100 * time.Millisecond, SendAtOnce: 8})
		if err != nil {
			t.Fatal(err)
		}
		c.Notifier, c.Escalator = svc, svc
	})...)
	runCtx, stopRun := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { svc.Run(runCtx); close(ran) }()
	t.Cleanup(func() { stopRun(); <-ran })
	return h, svc, push
}

// subscribe gives a person a browser at the loopback push service, saved as
// POST /api/push/subscriptions would save it.
func (h *heardServer) subscribe(t *testing.T, push *pushtest.Service, area, owner string, role heard.Role) *pushtest.Browser {
	t.Helper()
	b := push.NewBrowser()
	if _, err := h.Store.SavePushSubscription(context.Background(), store.PushSubscription{AreaID: area, Endpoint: b.Endpoint,
		P256dh: b.P256dh(), Auth: b.Auth(), OwnerID: owner, OwnerRole: role}); err != nil {
		t.Fatal(err)
	}
	return b
}

// waitText waits until the element's text contains want.
// withoutIsolates drops the direction isolates (U+2066 to U+2069) the app
// puts around names and numbers inside sentences: what a reader sees.
func withoutIsolates(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '\u2066' && r <= '\u2069' {
			return -1
		}
		return r
	}, s)
}

func waitText(sel, want string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(15 * time.Second)
		var got string
		for time.Now().Before(deadline) {
			_ = chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(document.querySelector(%q)||{}).innerText||""`, sel), &got))
			if strings.Contains(withoutIsolates(got), want) {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("%s: want text %q, have %q", sel, want, got)
	})
}
