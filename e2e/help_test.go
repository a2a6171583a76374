package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
)

// A young person's phone is locked and has lost its signal. From the lock
// screen, with no PIN, they open help and see their area's crisis numbers as
// the administrator last saved them (changed after the phone first kept them),
// with the administrator's words beside each, in their own language.
func TestHelpFromTheLockScreenOfflineEnglish(t *testing.T) {
	helpFromLockScreen(t, "en-GB", "Jay", "You’re offline", "Free, day or night")
}

func TestHelpFromTheLockScreenOfflineArabic(t *testing.T) {
	helpFromLockScreen(t, "ar", "Mia", "أنت غير متصل", "مجاني، ليلًا أو نهارًا")
}

func helpFromLockScreen(t *testing.T, lang, name, offlineWords, freeWords string) {
	h := startHeard(t)
	ctx := newBrowser(t, lang)
	join(t, ctx, h, name)
	run(t, ctx, "keep the app on the phone", chromedp.Evaluate(`window.heard.kept()`, nil, awaitPromise))

	// The administrator changes the numbers after the phone kept the first ones.
	y := youngPerson(t, h, h.staffMember(t, "admin@demo.heard").AreaID, name)
	area, err := h.Store.Area(context.Background(), y.AreaID)
	if err != nil {
		t.Fatal(err)
	}
	contacts := []heard.CrisisContact{
		{Label: "Riverside night line", Number: "0800 123 4567", Kind: "call", Note: "Answered by people from Riverside"},
		{Label: "Childline", Number: "0800 1111", Kind: "call", Note: "Free, day or night"},
		{Label: "Emergency", Number: "999", Kind: "call"},
	}
	if err := h.Store.UpdateAreaSettings(context.Background(), area.ID, area.Name, area.Escalation, contacts, area.Languages); err != nil {
		t.Fatal(err)
	}

	// Locked: the lock screen brings the phone's copy up to date while online.
	run(t, ctx, "lock", chromedp.Click(`#lock`, chromedp.ByQuery), chromedp.WaitVisible(`#unlock-help-now`, chromedp.ByQuery),
		chromedp.Poll(`(localStorage.getItem('heard.crisis')||'').includes('0800 123 4567')`, nil, chromedp.WithPollingTimeout(15*time.Second)))

	// The signal goes, and the app is opened again from the phone.
	run(t, ctx, "go offline and open the app again", cardsSetOffline(true), chromedp.Reload(),
		chromedp.WaitVisible(`#unlock-help-now`, chromedp.ByQuery))
	docScreenshot(t, ctx, "help-lock-screen-offline-"+lang[:2])
	run(t, ctx, "open help with no PIN", chromedp.Click(`#unlock-help-now`, chromedp.ByQuery),
		chromedp.WaitVisible(`#help-numbers`, chromedp.ByQuery),
		waitText(`#help-numbers`, "0800 123 4567"),
		waitText(`#help-numbers`, "Answered by people from Riverside"),
		waitText(`#help-numbers`, freeWords),
		waitText(`#help-status`, offlineWords))
	var href, dir string
	run(t, ctx, "read the first number's link",
		chromedp.AttributeValue(`#help-numbers a`, "href", &href, nil, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.dir`, &dir))
	if href != "tel:08001234567" {
		t.Errorf("the first number should call 08001234567, its link is %q", href)
	}
	if want := map[string]string{"en-GB": "ltr", "ar": "rtl"}[lang]; dir != want {
		t.Errorf("help reads %s, want %s", dir, want)
	}
	var signedIn bool
	run(t, ctx, "still locked", chromedp.Evaluate(`!!document.querySelector('#lock')`, &signedIn))
	if signedIn {
		t.Errorf("opening help unlocked the app")
	}
	noSideScroll(t, ctx, phoneWidth, "help offline")
	docScreenshot(t, ctx, "help-offline-"+lang[:2])
	run(t, ctx, "back to the PIN", chromedp.Click(`#help-back`, chromedp.ByQuery), chromedp.WaitVisible(`#unlock-pin`, chromedp.ByQuery))
}
