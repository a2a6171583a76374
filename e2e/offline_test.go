package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard/store"
)

// Jay's phone has no signal. The right PIN still opens Heard: he reads the
// reply he last saw and writes a card, which waits on the phone; when the
// signal comes back his PIN is checked with Heard and the card goes, once.
// Wrong PINs offline are limited too: after 5, the phone will not open
// offline until the PIN has been checked online.
func TestPhoneOpensOfflineWithItsPINEnglish(t *testing.T) {
	phoneOpensOffline(t, offlineWords{lang: "en-GB", name: "Jay", left: []string{"4 tries", "3 tries", "2 tries", "1 try"},
		last: "last try without the internet", none: "can’t check your PIN without the internet"})
}

func TestPhoneOpensOfflineWithItsPINArabic(t *testing.T) {
	phoneOpensOffline(t, offlineWords{lang: "ar", name: "Mia", left: []string{"4 محاولات", "3 محاولات", "محاولتان", "محاولة واحدة"},
		last: "آخر محاولة بدون إنترنت", none: "لا يستطيع هذا الهاتف التحقق من رمزك السري بدون إنترنت"})
}

type offlineWords struct {
	lang, name string
	left       []string // tries left after 1, 2, 3, 4 wrong PINs
	last, none string
}

func phoneOpensOffline(t *testing.T, w offlineWords) {
	h := startHeard(t)
	sam := h.staffMember(t, "sam@demo.heard")
	jay := youngPerson(t, h, sam.AreaID, w.name)
	yp := newBrowser(t, w.lang)
	join(t, yp, h, w.name)
	run(t, yp, "keep the app on the phone", chromedp.Evaluate(`window.heard.kept()`, nil, awaitPromise))
	run(t, yp, "send a card", chromedp.Navigate(h.URL+"/#/cards/send/tired"), chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery), chromedp.WaitVisible(`#fc-sent-title`, chromedp.ByQuery))
	first := cardsOf(t, h, jay)
	if len(first) != 1 {
		t.Fatalf("%d cards, want 1", len(first))
	}
	var login struct {
		AccessToken string `json:"accessToken"`
	}
	if st := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": sam.Email, "password": store.DemoPassword}, &login); st != 200 {
		t.Fatalf("login %d", st)
	}
	if st := h.postJSON(t, "/api/cards/"+first[0].ID+"/ack", login.AccessToken, map[string]string{"reply": "Early night tonight?"}, nil); st != 200 {
		t.Fatalf("ack %d", st)
	}
	run(t, yp, "read my cards online", chromedp.Navigate(h.URL+"/#/cards/mine"), waitText(`#fc-mine-items`, "Early night tonight?"))

	// Locked, and the signal goes.
	run(t, yp, "lock and lose the signal", chromedp.Navigate(h.URL+"/#/home"), chromedp.WaitVisible(`#lock`, chromedp.ByQuery),
		chromedp.Click(`#lock`, chromedp.ByQuery), chromedp.WaitVisible(`#unlock-pin`, chromedp.ByQuery),
		cardsSetOffline(true), chromedp.Reload(), chromedp.WaitVisible(`#unlock-pin`, chromedp.ByQuery))
	pin := func(p string) chromedp.Action {
		return chromedp.Tasks{
			chromedp.Evaluate(`document.querySelector('#unlock-pin').value = ''`, nil),
			chromedp.SendKeys(`#unlock-pin`, p, chromedp.ByQuery),
			chromedp.Click(`#unlock-submit`, chromedp.ByQuery),
		}
	}
	run(t, yp, "a wrong PIN offline", pin("1111"), waitText(`#unlock-message`, w.left[0]))
	run(t, yp, "the right PIN offline", pin("5827"), chromedp.WaitVisible(`#home-offline`, chromedp.ByQuery))
	noSideScroll(t, yp, phoneWidth, "home offline")
	docScreenshot(t, yp, "home-offline-"+w.lang[:2])
	run(t, yp, "read the reply offline", chromedp.Navigate(h.URL+"/#/cards/mine"), waitText(`#fc-mine-items`, "Early night tonight?"))
	run(t, yp, "write a card offline", chromedp.Navigate(h.URL+"/#/cards/send/okay"), chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery), chromedp.WaitVisible(`.fc-sent[data-state="waiting"]`, chromedp.ByQuery))
	if got := len(cardsOf(t, h, jay)); got != 1 {
		t.Fatalf("a card reached Heard while offline (%d cards)", got)
	}

	// The signal comes back: the PIN is checked with Heard, and the card goes once.
	run(t, yp, "back online", cardsSetOffline(false))
	deadline := time.Now().Add(20 * time.Second)
	for len(cardsOf(t, h, jay)) < 2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if got := len(cardsOf(t, h, jay)); got != 2 {
		t.Fatalf("%d cards after coming back online, want 2", got)
	}
	var offline bool
	run(t, yp, "the session is a real one again", chromedp.Evaluate(`!!(window.heard && document.querySelector('#lock'))`, nil),
		chromedp.Navigate(h.URL+"/#/home"), chromedp.WaitVisible(`#fc-tile`, chromedp.ByQuery),
		chromedp.Evaluate(`!!document.querySelector('#home-offline')`, &offline))
	if offline {
		t.Errorf("home still says offline after the PIN was checked online")
	}

	// Guessing offline: five wrong PINs, then even the right one cannot open it offline.
	run(t, yp, "lock and lose the signal again", chromedp.Click(`#lock`, chromedp.ByQuery), chromedp.WaitVisible(`#unlock-pin`, chromedp.ByQuery),
		cardsSetOffline(true))
	for i, left := range w.left {
		run(t, yp, "wrong PIN offline", pin("000"+string(rune('0'+i))), waitText(`#unlock-message`, left))
	}
	run(t, yp, "the fifth wrong PIN offline", pin("0009"), waitText(`#unlock-message`, w.last))
	run(t, yp, "the right PIN cannot open it offline now", pin("5827"), waitText(`#unlock-message`, w.none))
	docScreenshot(t, yp, "unlock-offline-limit-"+w.lang[:2])
	run(t, yp, "online, the right PIN opens it", cardsSetOffline(false), pin("5827"), chromedp.WaitVisible(`#fc-tile`, chromedp.ByQuery))
}
