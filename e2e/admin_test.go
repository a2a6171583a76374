package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
	"heard/notify/pushtest"
)

// A key worker's browser refuses pushes (the push service answers 403, as when
// Heard's push settings are wrong). The administrator sees the problem in the
// app: what kind of notification, to which role, the answer, and nothing of
// what it said or whom it was about.
func TestAdministratorSeesNotificationProblems(t *testing.T) {
	chromiumPath(t)
	h, svc, push := startHeardWithPush(t)
	bg := context.Background()
	sam := h.staffMember(t, "sam@demo.heard")
	browser := h.subscribe(t, push, sam.AreaID, sam.ID, heard.RoleKeyWorker)
	push.AnswerAlways(browser, pushtest.Answer{Status: 403, Body: "credentials do not match"})
	if err := svc.Notify(bg, heard.Notification{ID: heard.NewID(), AreaID: sam.AreaID, RecipientID: sam.ID, Type: "card_urgent",
		Link: "/#/inbox", Urgency: heard.UrgencyUrgent}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(push.Messages(browser)) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if len(push.Messages(browser)) == 0 {
		t.Fatal("the push was never tried")
	}

	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "admin@demo.heard")
	var text string
	run(t, ctx, "open notification problems",
		chromedp.Click("#admin-deliveries-link", chromedp.ByQuery),
		chromedp.WaitVisible(".delivery-item", chromedp.ByQuery),
		waitText("#delivery-list", "403"),
		chromedp.Text("#delivery-list", &text, chromedp.ByQuery))
	for _, want := range []string{"Gave up", "Key worker", "403", "Urgent"} {
		if !strings.Contains(text, want) {
			t.Errorf("the problem should show %q; the screen says:\n%s", want, text)
		}
	}
	for _, never := range []string{"Jay", "Mia", "Leo", "Sam"} {
		if strings.Contains(text, never) {
			t.Errorf("the problem list names %q:\n%s", never, text)
		}
	}
	screenshot(t, ctx, "admin-notification-problems-en")
}
