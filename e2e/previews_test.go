package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
	"heard/notify/pushtest"
	"heard/testkit"
)

// previewsNoLeak fails when a push's plaintext names the young person or the
// placement (a lock screen shows it to anyone holding the phone).
func previewsNoLeak(t *testing.T, m pushtest.Message, words ...string) {
	t.Helper()
	raw := fmt.Sprint(m.Payload)
	for _, w := range words {
		if strings.Contains(raw, w) {
			t.Errorf("a push says %q: %v", w, m.Payload)
		}
	}
}

// My new home, across two phones. Placement staff add a photo and change
// their page; the key worker plans Ava's move and shares it; Ava's phone is
// told (lock-screen-safe words), she opens the preview, swipes the photos,
// asks a question, goes offline and still sees it; the placement answers and
// Ava sees the answer; in Arabic, she locks Heard, loses the signal, opens it
// again and unlocks it with her PIN, and the preview and its photos come from
// the phone; the move is cancelled and the preview leaves her phone.
func TestMyNewHomeAcrossTwoPhones(t *testing.T) {
	chromiumPath(t)
	h, _, push := startHeardWithPush(t)
	oak := demoPlacement(t, h, "oak@demo.heard")
	ava := youngPerson(t, h, oak.AreaID, "Ava")
	priya := h.staffMember(t, "oak@demo.heard")
	avaPhone := h.subscribe(t, push, oak.AreaID, ava.ID, heard.RoleYoungPerson)
	priyaPhone := h.subscribe(t, push, oak.AreaID, priya.ID, heard.RolePlacementStaff)

	staff := newBrowser(t, "en-GB")
	signIn(t, staff, h, "oak@demo.heard")
	photo := filepath.Join(t.TempDir(), "IMG_3001.jpg")
	if err := os.WriteFile(photo, testkit.PhoneJPEG(testkit.Halves(1600, 1200), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, staff, "Priya adds a photo and changes the page",
		chromedp.Navigate(h.URL+"/#/placements/"+oak.ID+"/photos"),
		chromedp.WaitVisible("#photo-guidance", chromedp.ByQuery),
		chromedp.SetUploadFiles("#photo-file", []string{photo}, chromedp.ByQuery),
		adminFormsSelect("#photo-kind", "adults"),
		chromedp.SendKeys("#photo-caption", "Priya and Marcus in the kitchen", chromedp.ByQuery),
		chromedp.Click("#photo-add-save", chromedp.ByQuery),
		waitText("#photos-status", "Photo added"))
	prof, err := h.Store.PlacementProfile(context.Background(), oak.AreaID, oak.ID)
	if err != nil {
		t.Fatal(err)
	}
	kitchen := prof.Photos[len(prof.Photos)-1].ID
	run(t, staff, "Priya changes the page and puts the new photo by her name",
		chromedp.Navigate(h.URL+"/#/placements/"+oak.ID+"/profile"),
		chromedp.WaitVisible("#profile-food", chromedp.ByQuery),
		adminFormsSet("#profile-food", "Pancakes on Sundays, and pizza night on Fridays."),
		adminFormsSelect("#profile-people li:first-child select", kitchen),
		chromedp.Click("#profile-save", chromedp.ByQuery),
		waitText("#profile-message", "Saved"),
		chromedp.Click("#signout", chromedp.ByQuery),
		chromedp.WaitVisible("#main", chromedp.ByQuery),
		chromedp.Navigate("about:blank"))

	signIn(t, staff, h, "sam@demo.heard")
	moveDate := time.Now().AddDate(0, 0, 12).Format(time.DateOnly)
	run(t, staff, "Sam plans Ava's move to Oak House and shares it",
		chromedp.Navigate(h.URL+"/#/young-people/"+ava.ID+"/moves"),
		chromedp.WaitVisible("#move-plan", chromedp.ByQuery),
		chromedp.Click("#move-plan", chromedp.ByQuery),
		adminFormsSelect("#move-placement", oak.ID),
		adminFormsSet("#move-date", moveDate),
		chromedp.Click("#move-plan-save", chromedp.ByQuery),
		waitText("#moves-status", "planned"),
		chromedp.WaitVisible(".mv-to-shared", chromedp.ByQuery))
	docScreenshot(t, staff, "moves-keyworker-en")
	run(t, staff, "share", chromedp.Click(".mv-to-shared", chromedp.ByQuery), waitText("#moves-status", "Shared"))
	told := push.Await(t, avaPhone, func(m pushtest.Message) bool { return m.Payload["url"] == "/#/my-move" })
	previewsNoLeak(t, told, "Ava", "Oak")

	yp := newBrowser(t, "en-GB")
	join(t, yp, h, "Ava")
	run(t, yp, "Ava opens her new home from home",
		chromedp.WaitVisible("#pv-tile", chromedp.ByQuery),
		waitText("#pv-tile", "Oak House"),
		chromedp.Click("#pv-tile", chromedp.ByQuery),
		chromedp.WaitVisible("#pv-strip", chromedp.ByQuery),
		chromedp.Poll(`[...document.querySelectorAll('.pv-photo')].every((i) => i.complete && i.src.startsWith('blob:'))`, nil),
		waitText("#pv-countdown", "12 days to go"),
		waitText("#main", "Pancakes on Sundays"),
		chromedp.Poll(`(() => { const i = document.querySelector('.pv-person-photo'); return i && i.alt === 'Priya' && i.complete && i.naturalWidth > 0; })()`, nil))
	docScreenshot(t, yp, "previews-top-en")
	var count string
	run(t, yp, "swipe to the next photo",
		chromedp.Evaluate(`(() => {
			const s = document.querySelector('#pv-strip');
			const r = s.getBoundingClientRect();
			const at = (x) => ({clientX: x, clientY: r.top + r.height / 2, bubbles: true, pointerType: 'touch'});
			s.dispatchEvent(new PointerEvent('pointerdown', at(r.right - 20)));
			s.dispatchEvent(new PointerEvent('pointerup', at(r.left + 20)));
		})()`, nil),
		waitText(".pv-count", "Photo 2 of"),
		chromedp.Click(".pv-next", chromedp.ByQuery),
		waitText(".pv-count", "Photo 3 of"),
		chromedp.Text(".pv-count", &count, chromedp.ByQuery))
	adminFormsNarrow(t, yp, "my new home")
	run(t, yp, "ask a question",
		chromedp.Evaluate(`document.querySelector('#pv-ask-text').scrollIntoView({block: 'center'})`, nil),
		chromedp.SendKeys("#pv-ask-text", "Can I bring my bike?", chromedp.ByQuery),
		chromedp.Click("#pv-ask-send", chromedp.ByQuery),
		waitText("#pv-ask-message", "Sent"),
		waitText("#pv-questions", "Can I bring my bike?"))
	docScreenshot(t, yp, "previews-question-en")
	asked := push.Await(t, priyaPhone, func(m pushtest.Message) bool { return m.Payload["url"] == "/#/placement-questions" })
	previewsNoLeak(t, asked, "Ava", "bike")

	var kept int
	run(t, yp, "offline, the preview is still there",
		chromedp.Evaluate(`caches.open('heard-preview').then((c) => c.keys()).then((k) => k.length)`, &kept, awaitPromise),
		cardsSetOffline(true),
		chromedp.Navigate(h.URL+"/#/home"),
		chromedp.WaitVisible("#pv-tile", chromedp.ByQuery),
		chromedp.Click("#pv-tile", chromedp.ByQuery),
		chromedp.WaitVisible("#pv-offline", chromedp.ByQuery),
		waitText("#main", "Pancakes on Sundays"),
		chromedp.Poll(`document.querySelectorAll('.pv-photo').length > 0 && [...document.querySelectorAll('.pv-photo')].every((i) => i.complete && i.src.startsWith('blob:'))`, nil),
		chromedp.Poll(`document.querySelector('.pv-slide:not([hidden]) .pv-photo').naturalWidth > 0`, nil))
	if kept < 5 { // the preview and its four photos
		t.Errorf("the phone keeps %d things of the preview, want the preview and its photos", kept)
	}
	docScreenshot(t, yp, "previews-offline-en")
	run(t, yp, "back online", cardsSetOffline(false))

	run(t, staff, "Priya answers",
		chromedp.Click("#signout", chromedp.ByQuery),
		chromedp.WaitVisible("#main", chromedp.ByQuery),
		chromedp.Navigate("about:blank"))
	signIn(t, staff, h, "oak@demo.heard")
	run(t, staff, "answer the question",
		chromedp.Click("#placement-questions-link", chromedp.ByQuery),
		waitText("#question-list", "Can I bring my bike?"),
		chromedp.SendKeys(".question-answer-form textarea", "Yes! There's a shed to keep it in.", chromedp.ByQuery),
		chromedp.Click(".question-answer-save", chromedp.ByQuery),
		waitText("#questions-status", "Answer sent"))
	docScreenshot(t, staff, "placements-questions-en")
	adminFormsArabic(t, staff, h, "/placement-questions")
	run(t, staff, "the questions in Arabic", waitText("#question-list", "Can I bring my bike?"))
	docScreenshot(t, staff, "placements-questions-ar")
	run(t, staff, "home in Arabic", chromedp.Navigate(h.URL+"/#/home"), chromedp.WaitVisible("#placement-questions-link", chromedp.ByQuery))
	docScreenshot(t, staff, "placements-home-ar")
	previewsEnglishAgain(t, staff, h)
	answered := push.Await(t, avaPhone, func(m pushtest.Message) bool { return strings.Contains(fmt.Sprint(m.Payload["body"]), "answer") })
	previewsNoLeak(t, answered, "Ava", "bike", "shed", "Priya")
	run(t, yp, "Ava sees the answer",
		chromedp.Navigate(h.URL+"/#/home"),
		chromedp.WaitVisible("#pv-tile", chromedp.ByQuery),
		chromedp.Navigate(h.URL+"/#/my-move"),
		waitText("#pv-questions", "There's a shed to keep it in"))

	// Arabic, right to left.
	run(t, yp, "Ava switches to Arabic",
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible("#lang-select", chromedp.ByQuery),
		adminFormsSelect("#lang-select", "ar"),
		chromedp.Poll(`document.documentElement.dir === 'rtl'`, nil),
		chromedp.Navigate(h.URL+"/#/my-move"),
		chromedp.WaitVisible("#pv-strip", chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('.pv-slide:not([hidden]) .pv-photo').naturalWidth > 0`, nil))
	docScreenshot(t, yp, "previews-top-ar")
	adminFormsNarrow(t, yp, "my new home in Arabic")
	run(t, yp, "the questions in Arabic",
		chromedp.Evaluate(`document.querySelector('#pv-ask-text').scrollIntoView({block: 'center'})`, nil),
		waitText("#pv-questions", "There's a shed to keep it in"))
	docScreenshot(t, yp, "previews-question-ar")
	// Closed and opened again with no signal: nothing is left in the page's
	// memory, so the app, the preview and its photos come from the phone.
	run(t, yp, "Ava locks Heard, loses the signal and opens it again",
		chromedp.Evaluate(`window.heard.kept()`, nil, awaitPromise),
		chromedp.Navigate(h.URL+"/#/home"),
		chromedp.WaitVisible("#lock", chromedp.ByQuery),
		chromedp.Click("#lock", chromedp.ByQuery),
		chromedp.WaitVisible("#unlock-pin", chromedp.ByQuery),
		cardsSetOffline(true),
		chromedp.Reload(),
		chromedp.WaitVisible("#unlock-pin", chromedp.ByQuery),
		chromedp.SendKeys("#unlock-pin", "5827", chromedp.ByQuery),
		chromedp.Click("#unlock-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#home-offline", chromedp.ByQuery),
		chromedp.WaitVisible("#pv-tile", chromedp.ByQuery),
		waitText("#pv-tile", "Oak House"),
		chromedp.Click("#pv-tile", chromedp.ByQuery),
		chromedp.WaitVisible("#pv-offline", chromedp.ByQuery),
		waitText("#main", "Pancakes on Sundays"),
		chromedp.Poll(`document.querySelectorAll('.pv-photo').length >= 4 && [...document.querySelectorAll('.pv-photo')].every((i) => i.complete && i.src.startsWith('blob:'))`, nil),
		chromedp.Poll(`document.querySelector('.pv-slide:not([hidden]) .pv-photo').naturalWidth > 0`, nil),
		chromedp.Click(".pv-next", chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('.pv-slide:not([hidden]) .pv-photo').naturalWidth > 0`, nil),
		chromedp.Click(".pv-prev", chromedp.ByQuery),
		chromedp.Poll(`(() => { const i = document.querySelector('.pv-person-photo'); return i && i.complete && i.naturalWidth > 0; })()`, nil))
	run(t, yp, "back to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	docScreenshot(t, yp, "previews-offline-ar")
	noSideScroll(t, yp, phoneWidth, "my new home offline in Arabic")
	run(t, yp, "back online", cardsSetOffline(false))

	// Cancelled: gone from the phone at once.
	avaMoves, err := h.Store.MovesOf(context.Background(), oak.AreaID, ava.ID)
	if err != nil || len(avaMoves) != 1 {
		t.Fatalf("Ava's moves: %v %v", avaMoves, err)
	}
	run(t, staff, "Sam cancels the move",
		chromedp.Click("#signout", chromedp.ByQuery),
		chromedp.WaitVisible("#main", chromedp.ByQuery),
		chromedp.Navigate("about:blank"))
	signIn(t, staff, h, "sam@demo.heard")
	adminFormsArabic(t, staff, h, "/young-people/"+ava.ID+"/moves")
	run(t, staff, "the moves in Arabic", chromedp.WaitVisible(".mv-cancel", chromedp.ByQuery))
	docScreenshot(t, staff, "moves-keyworker-ar")
	run(t, staff, "cancel",
		chromedp.Click(".mv-cancel", chromedp.ByQuery),
		chromedp.Click(".mv-cancel-confirm", chromedp.ByQuery),
		waitText("#moves-status", "أُلغي الانتقال"))
	run(t, yp, "the preview has gone",
		chromedp.Navigate(h.URL+"/#/home"),
		chromedp.WaitVisible("#home", chromedp.ByQuery),
		chromedp.Navigate(h.URL+"/#/my-move"),
		chromedp.WaitVisible("#pv-none", chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			for range 50 {
				var has bool
				if err := chromedp.Evaluate(`caches.has('heard-preview')`, &has, awaitPromise).Do(ctx); err != nil || !has {
					return err
				}
				time.Sleep(100 * time.Millisecond)
			}
			return fmt.Errorf("the preview is still kept on the phone")
		}))
}

// previewsEnglishAgain puts the signed-in account back in English, so the
// next person signing in on this browser reads English.
func previewsEnglishAgain(t *testing.T, ctx context.Context, h *heardServer) {
	t.Helper()
	run(t, ctx, "back to English",
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible("#lang-select", chromedp.ByQuery),
		adminFormsSelect("#lang-select", "en"),
		chromedp.Poll(`document.documentElement.dir === 'ltr'`, nil))
}
