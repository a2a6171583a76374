package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
)

// It is night. Jay, who lives at Willow foster home, sends "I don't feel
// safe". The duty worker, Dana, is told at once with his key worker, Sam.
// Dana opens the card from her inbox and sees, before anything else, who
// Jay's key worker is, where Jay lives now, when the card came, who was told
// and when, that nobody has acknowledged it yet, where it goes next and when,
// and the help numbers Jay was shown.
func TestDutyWorkerOpensAnEscalatedCardEnglish(t *testing.T) {
	dutyOpensEscalatedCard(t, "en", "Sam Okafor (Key worker)", "Dana Lewis (Duty worker) — you", "Nobody has acknowledged it yet", "goes to the duty workers on shift")
}

func TestDutyWorkerOpensAnEscalatedCardArabic(t *testing.T) {
	dutyOpensEscalatedCard(t, "ar", "Sam Okafor (مسؤول الحالة)", "Dana Lewis (الموظف المناوب) — أنت", "لم يستلمها أحد بعد", "تُحال إلى الموظفين المناوبين")
}

func dutyOpensEscalatedCard(t *testing.T, lang, kwTold, dutyTold, notAcked, next string) {
	h, _, _ := startHeardWithPush(t)
	ctx := context.Background()
	dana := h.staffMember(t, "duty@demo.heard")
	jay := youngPerson(t, h, dana.AreaID, "Jay")
	placements, err := h.Store.Placements(ctx, dana.AreaID)
	if err != nil {
		t.Fatal(err)
	}
	var willow heard.Placement
	for _, p := range placements {
		if p.Type == heard.PlacementFoster {
			willow = p
		}
	}
	if _, err := h.Store.ChangeYoungPerson(ctx, jay.AreaID, jay.ID, func(y *heard.YoungPerson) error { y.PlacementID = willow.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.SetStaffLanguage(ctx, dana.AreaID, dana.ID, lang); err != nil {
		t.Fatal(err)
	}

	// Jay's phone sends the card (the phone's side is tested in cards_test.go).
	var joined struct {
		AccessToken string `json:"accessToken"`
	}
	if st := h.postJSON(t, "/api/auth/join", "", map[string]string{"code": h.joinCode(t, "Jay"), "pin": "5827"}, &joined); st != 201 {
		t.Fatalf("join: %d", st)
	}
	cardID := heard.NewID()
	if st := h.postJSON(t, "/api/cards", joined.AccessToken, map[string]any{"id": cardID, "card": "not_safe", "note": "can't stay here tonight"}, nil); st != 201 {
		t.Fatalf("send card: %d", st)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		a, err := h.Store.Alert(ctx, dana.AreaID, cardID)
		if err == nil && len(a.Steps()) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the alert's first step was never taken: %+v %v", a, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	b := newBrowser(t, map[string]string{"en": "en-GB", "ar": "ar"}[lang])
	signIn(t, b, h, "duty@demo.heard")
	item := fmt.Sprintf(`.fc-inbox-item[data-id="%s"] a`, cardID)
	run(t, b, "open the card from the inbox", chromedp.WaitVisible(item, chromedp.ByQuery), cardsTap(item),
		chromedp.WaitVisible(`#fc-timeline`, chromedp.ByQuery))
	run(t, b, "read what has happened",
		waitText(`#fc-alert-kw`, "Sam Okafor"),
		waitText(`#fc-alert-lives`, "Willow foster home"),
		waitText(`#fc-timeline`, kwTold),
		waitText(`#fc-timeline`, dutyTold),
		waitText(`#fc-timeline .fc-tl-waiting`, notAcked),
		waitText(`#fc-timeline .fc-tl-next`, next),
		waitText(`#fc-shown`, "0800 1111"))
	var times int
	run(t, b, "every step has its time", chromedp.Evaluate(`[...document.querySelectorAll('#fc-timeline .fc-tl-told .fc-tl-time, #fc-timeline .fc-tl-sent .fc-tl-time, #fc-timeline .fc-tl-next .fc-tl-time')].filter(e => e.textContent.trim()).length`, &times))
	if times != 3 {
		t.Errorf("%d steps of the timeline show a time, want 3 (sent, told, next)", times)
	}
	noSideScroll(t, b, phoneWidth, "the escalated card")
	docScreenshot(t, b, "alert-duty-card-top-"+lang)
	run(t, b, "scroll to the timeline", chromedp.Evaluate(`document.querySelector('#fc-alert-title').scrollIntoView({block: 'start'})`, nil))
	docScreenshot(t, b, "alert-duty-timeline-"+lang)
}
