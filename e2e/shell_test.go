package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A young person joins with the code their key worker gave them, chooses a PIN
// and reaches home; with Heard out of reach, reloading still opens the app from
// the service worker's copy and asks for the PIN.
func TestYoungPersonJoinsAndAppOpensOffline(t *testing.T) {
	h := startHeard(t)
	ctx := newBrowser(t, "en-GB")
	code := h.joinCode(t, "Jay")
	var dir, homeRole string
	err := chromedp.Run(ctx,
		chromedp.Navigate(h.URL+"/"),
		chromedp.WaitVisible("#welcome-join"),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "shell-welcome-en")
	err = chromedp.Run(ctx,
		chromedp.Click("#welcome-join"),
		chromedp.WaitVisible("#join-code"),
		// Typed the way a person might: lower case, no dash.
		chromedp.SendKeys("#join-code", strings.ToLower(strings.ReplaceAll(code, "-", ""))),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "shell-join-code-en")
	err = chromedp.Run(ctx,
		chromedp.Click("#join-code-next"),
		chromedp.WaitVisible("#pin-new"),
		chromedp.SendKeys("#pin-new", "2580"),
		chromedp.SendKeys("#pin-confirm", "2580"),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "shell-join-pin-en")
	err = chromedp.Run(ctx,
		chromedp.Click("#pin-submit"),
		chromedp.WaitVisible("#home"),
		chromedp.AttributeValue("#home", "data-role", &homeRole, nil),
		waitText("#home", "Jay"),
		// The service worker has taken control, so the shell is kept for offline use.
		chromedp.Poll(`navigator.serviceWorker.controller !== null`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Poll(`caches.keys().then(k => k.length > 0)`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`document.documentElement.dir`, &dir),
	)
	if err != nil {
		t.Fatal(err)
	}
	if homeRole != "young_person" {
		t.Fatalf("home is for %q, want young_person", homeRole)
	}
	if dir != "ltr" {
		t.Fatalf("English should read left to right, dir=%q", dir)
	}
	screenshot(t, ctx, "shell-home-young-person-en")

	// The code worked once: it is spent.
	var resp map[string]any
	if status := h.postJSON(t, "/api/auth/join", "", map[string]string{"code": code, "pin": "1357"}, &resp); status != 400 {
		t.Fatalf("a used join code should be refused, got %d %v", status, resp)
	}

	// Heard goes out of reach; the phone reloads the app.
	h.Stop()
	err = chromedp.Run(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible("#unlock-pin"),
	)
	if err != nil {
		t.Fatalf("the app should open offline and ask for the PIN: %v", err)
	}
	screenshot(t, ctx, "shell-unlock-offline-en")
}

// A returning young person unlocks with their PIN; a wrong PIN says how many
// tries are left.
func TestYoungPersonUnlocksWithPIN(t *testing.T) {
	h := startHeard(t)
	ctx := newBrowser(t, "en-GB")
	code := h.joinCode(t, "Mia")
	err := chromedp.Run(ctx,
		chromedp.Navigate(h.URL+"/#/join/"+strings.ReplaceAll(code, "-", "")),
		chromedp.WaitVisible("#pin-new"),
		chromedp.SendKeys("#pin-new", "864209"),
		chromedp.SendKeys("#pin-confirm", "864209"),
		chromedp.Click("#pin-submit"),
		chromedp.WaitVisible("#home"),
		chromedp.Click("#lock"),
		chromedp.WaitVisible("#unlock-pin"),
		chromedp.SendKeys("#unlock-pin", "111111"),
		chromedp.Click("#unlock-submit"),
		waitText("#unlock-message", "4"),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "shell-unlock-wrong-pin-en")
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`document.querySelector('#unlock-pin').value = ''`, nil),
		chromedp.SendKeys("#unlock-pin", "864209"),
		chromedp.Click("#unlock-submit"),
		chromedp.WaitVisible("#home"),
		waitText("#home", "Mia"),
	)
	if err != nil {
		t.Fatal(err)
	}
}

// A key worker signs in with email and password, sees their caseload, and gives
// a young person a join code with its QR code.
func TestStaffSignInAndJoinCode(t *testing.T) {
	h := startHeard(t)
	ctx := newBrowser(t, "en-GB")
	sam := h.staff(t, "sam@demo.heard")
	var role, shown string
	var items int
	err := chromedp.Run(ctx,
		chromedp.Navigate(h.URL+"/#/signin"),
		chromedp.WaitVisible("#signin-email"),
		chromedp.SendKeys("#signin-email", sam.Email),
		chromedp.SendKeys("#signin-password", "wrong password"),
		chromedp.Click("#signin-submit"),
		waitText("#signin-message", "match"), // a generic "don't match" message
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`document.querySelector('#signin-password').value = ''`, nil),
		chromedp.SendKeys("#signin-password", "heard-demo-2026"),
		chromedp.Click("#signin-submit"),
		chromedp.WaitVisible("#home"),
		chromedp.AttributeValue("#home", "data-role", &role, nil),
		chromedp.WaitVisible(".yp-item"),
		chromedp.Evaluate(`document.querySelectorAll('.yp-item').length`, &items),
	)
	if err != nil {
		t.Fatal(err)
	}
	if role != "key_worker" || items != 3 {
		t.Fatalf("Sam should reach the key worker home with Jay, Mia and Ava, got role %q and %d young people", role, items)
	}
	screenshot(t, ctx, "shell-home-key-worker-en")
	err = chromedp.Run(ctx,
		chromedp.Click(".give-code"),
		chromedp.WaitVisible("#join-code-shown"),
		chromedp.Text("#join-code-shown", &shown),
		chromedp.WaitVisible("#join-code-qr"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.TrimSpace(shown)) != 9 || strings.TrimSpace(shown)[4] != '-' {
		t.Fatalf("the join code shown should look like KFRW-4829, got %q", shown)
	}
	screenshot(t, ctx, "shell-join-code-shown-en")
	// The code shown works on a phone.
	var resp map[string]any
	if status := h.postJSON(t, "/api/auth/join", "", map[string]string{"code": strings.TrimSpace(shown), "pin": "4321"}, &resp); status != 201 {
		t.Fatalf("the code shown should let a phone join, got %d %v", status, resp)
	}
}

// In Arabic the whole app reads right to left, from the first screen to home.
func TestArabicReadsRightToLeft(t *testing.T) {
	h := startHeard(t)
	ctx := newBrowser(t, "ar")
	var dir, lang, title string
	err := chromedp.Run(ctx,
		chromedp.Navigate(h.URL+"/"),
		chromedp.WaitVisible("#welcome-join"),
		chromedp.Evaluate(`document.documentElement.dir`, &dir),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
		chromedp.Text("#welcome-join", &title),
	)
	if err != nil {
		t.Fatal(err)
	}
	if dir != "rtl" || lang != "ar" {
		t.Fatalf("an Arabic browser should get dir=rtl lang=ar, got dir=%q lang=%q", dir, lang)
	}
	if !containsArabic(title) {
		t.Fatalf("the welcome button should be in Arabic, got %q", title)
	}
	screenshot(t, ctx, "shell-welcome-ar")
	code := h.joinCode(t, "Leo")
	err = chromedp.Run(ctx,
		chromedp.Click("#welcome-join"),
		chromedp.WaitVisible("#join-code"),
		chromedp.SendKeys("#join-code", code),
		chromedp.Click("#join-code-next"),
		chromedp.WaitVisible("#pin-new"),
		chromedp.SendKeys("#pin-new", "9753"),
		chromedp.SendKeys("#pin-confirm", "9753"),
		chromedp.Click("#pin-submit"),
		chromedp.WaitVisible("#home"),
		chromedp.Evaluate(`document.documentElement.dir`, &dir),
	)
	if err != nil {
		t.Fatal(err)
	}
	if dir != "rtl" {
		t.Fatalf("home should stay right to left, got %q", dir)
	}
	screenshot(t, ctx, "shell-home-young-person-ar")

	// Switching to English in the app turns the page left to right.
	err = chromedp.Run(ctx,
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible("#lang-select"),
		chromedp.SetValue("#lang-select", "en"),
		chromedp.Evaluate(`document.querySelector('#lang-select').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Poll(`document.documentElement.dir === 'ltr'`, nil, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if err != nil {
		t.Fatalf("changing the language to English should turn the page left to right: %v", err)
	}
}

func containsArabic(s string) bool {
	for _, r := range s {
		if r >= 0x0600 && r <= 0x06FF {
			return true
		}
	}
	return false
}

// Settings let the people Heard notifies turn notifications on or off for this
// device; a commissioner, who gets none, is not offered them.
func TestSettingsOfferNotificationsToThoseNotified(t *testing.T) {
	h := startHeard(t)
	for email, want := range map[string]bool{"sam@demo.heard": true, "commissioner@demo.heard": false} {
		ctx := newBrowser(t, "en-GB")
		signIn(t, ctx, h, email)
		var present bool
		run(t, ctx, "open settings",
			chromedp.Navigate(h.URL+"/#/settings"),
			chromedp.WaitVisible("#lang-select", chromedp.ByQuery),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.Evaluate(`document.querySelector('#push-settings') !== null`, &present))
		if present != want {
			t.Errorf("%s: notification settings shown = %v, want %v", email, present, want)
		}
		if want {
			screenshot(t, ctx, "shell-settings-key-worker-en")
		}
	}
}

// A staff member changes their password in settings; the new one signs in.
func TestStaffChangesPasswordInSettings(t *testing.T) {
	h := startHeard(t)
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "duty@demo.heard")
	run(t, ctx, "wrong current password",
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible("#password-current", chromedp.ByQuery),
		chromedp.SendKeys("#password-current", "not my password", chromedp.ByQuery),
		chromedp.SendKeys("#password-new", "tea and toast at dawn", chromedp.ByQuery),
		chromedp.Click("#password-save", chromedp.ByQuery),
		waitText("#password-current-error", "not your current password"))
	run(t, ctx, "right current password",
		chromedp.Evaluate(`document.querySelector('#password-current').value = ''`, nil),
		chromedp.SendKeys("#password-current", "heard-demo-2026", chromedp.ByQuery),
		chromedp.Click("#password-save", chromedp.ByQuery),
		waitText("#password-message", "has been changed"))
	screenshot(t, ctx, "shell-settings-password-en")
	var out map[string]any
	if status := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": "duty@demo.heard", "password": "tea and toast at dawn"}, &out); status != 200 {
		t.Fatalf("the new password should sign in, got %d %v", status, out)
	}
	if status := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": "duty@demo.heard", "password": "heard-demo-2026"}, &out); status != 401 {
		t.Fatalf("the old password should no longer sign in, got %d", status)
	}
}
