package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
	"heard/notify/pushtest"
	"heard/store"
)

// feedbackTileFigure reads a dashboard tile's main figure and its n.
func feedbackTileFigure(t *testing.T, ctx context.Context, id string) (big, n string) {
	run(t, ctx, "read tile "+id,
		chromedp.Text(`#db-`+id+` .db-big`, &big, chromedp.ByQuery),
		chromedp.Text(`#db-`+id+` .db-n`, &n, chromedp.ByQuery))
	return big, n
}

// A key worker logs a meeting; the young person is asked by Web Push and
// answers on a phone-size screen (saying they were not listened to and asking
// for a follow-up); the commissioner's dashboard hides the cell while there is
// one answer and shows it once there are ten. Screenshots of the questionnaire
// and the dashboard along the way.
func TestFeedbackFromMeetingToDashboard(t *testing.T) {
	chromiumPath(t)
	h, _, pushSvc := startHeardWithPush(t)
	bg := context.Background()
	sam := h.staffMember(t, "sam@demo.heard")
	jay := youngPerson(t, h, sam.AreaID, "Jay")
	// Jay's phone has a push subscription at a loopback push service that
	// decrypts what it receives.
	jayPhone := h.subscribe(t, pushSvc, jay.AreaID, jay.ID, heard.RoleYoungPerson)

	// Sam logs a review with Jay from the young people list.
	worker := newBrowser(t, "en")
	signIn(t, worker, h, "sam@demo.heard")
	run(t, worker, "log a contact",
		chromedp.WaitVisible(`#yp-list a.fb-log[data-id="`+jay.ID+`"]`, chromedp.ByQuery),
		chromedp.Click(`#yp-list a.fb-log[data-id="`+jay.ID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-log-submit`, chromedp.ByQuery),
		chromedp.Click(`#fb-kind-review`, chromedp.ByQuery))
	docScreenshot(t, worker, "feedback-log-contact-en")
	run(t, worker, "ask for feedback",
		chromedp.Click(`#fb-log-submit`, chromedp.ByQuery),
		waitText(`#fb-log-done`, "Jay has been asked how it went"))

	// Jay's phone is told, without saying anything on the lock screen.
	push := pushSvc.Await(t, jayPhone, func(m pushtest.Message) bool { return m.Payload["type"] == "feedback_request" }).Payload
	link := fmt.Sprint(push["url"])
	if !strings.HasPrefix(link, "/#/feedback/") || strings.Contains(fmt.Sprint(push["title"], push["body"]), "Sam") {
		t.Fatalf("push: %v", push)
	}

	// Jay answers on a small phone, opening the app from the push.
	phone := newBrowser(t, "en")
	const width = 360
	join(t, phone, h, "Jay")
	run(t, phone, "a question is waiting", waitText(`#fb-tile`, "1 new question for you"))
	run(t, phone, "open from the push",
		chromedp.Navigate(h.URL+link),
		chromedp.WaitVisible(`.fb-step[data-step="listened"]`, chromedp.ByQuery),
		waitText(`#fb-about`, "Your review with Sam"),
		waitText(`#fb-progress`, "Question 1 of"))
	noSideScroll(t, phone, width, "the first question")
	docScreenshot(t, phone, "feedback-question-en")
	run(t, phone, "not listened to",
		chromedp.Click(`.fb-option[data-answer="no"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-followup-yes`, chromedp.ByQuery),
		waitText(`main`, "It won't be Sam."))
	docScreenshot(t, phone, "feedback-followup-en")
	run(t, phone, "ask for a follow-up, then the next questions",
		chromedp.Click(`#fb-followup-yes`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fb-step[data-step="serious"]`, chromedp.ByQuery),
		chromedp.Click(`.fb-option[data-answer="a_bit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fb-step[data-step="hadSay"]`, chromedp.ByQuery),
		chromedp.Click(`.fb-option[data-answer="no"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fb-step[data-step="experience"]`, chromedp.ByQuery))
	noSideScroll(t, phone, width, "the Friends and Family Test question")
	docScreenshot(t, phone, "feedback-experience-en")
	run(t, phone, "overall poor, some words",
		chromedp.Click(`.fb-option[data-answer="poor"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-words`, chromedp.ByQuery),
		chromedp.SendKeys(`#fb-words`, "They talked over me.", chromedp.ByQuery),
		waitText(`#fb-words-count`, "20 of 500"),
		chromedp.Click(`#fb-next`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-share-anonymous[aria-checked="true"]`, chromedp.ByQuery),
		waitText(`#fb-share-worker`, "Sam can see them"),
		waitText(`main`, "a manager will see these answers"))
	docScreenshot(t, phone, "feedback-share-en")
	run(t, phone, "send",
		chromedp.Click(`#fb-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-thanks`, chromedp.ByQuery),
		waitText(`#fb-thanks`, "Nobody sees your name"),
		waitText(`#fb-thanks`, "A manager will get in touch"))
	docScreenshot(t, phone, "feedback-thanks-en")

	// Exactly one answer arrived, anonymous; the follow-up is the manager's,
	// and Sam cannot read the answer.
	answers := h.Store.DB.Collection("feedback_answers")
	n, err := answers.CountDocuments(bg, map[string]any{"area": jay.AreaID})
	if err != nil || n != 1 {
		t.Fatalf("%d answers stored (%v)", n, err)
	}
	var stored map[string]any
	if err := answers.FindOne(bg, map[string]any{"area": jay.AreaID}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	if stored["listened"] != "no" || stored["followUp"] != true || stored["words"] != "They talked over me." || stored["youngPersonId"] != nil {
		t.Errorf("stored answer: %v", stored)
	}
	manager := h.staffMember(t, "manager@demo.heard")
	if fus, err := h.Store.FollowUps(bg, jay.AreaID, manager.TeamID, manager.ID); err != nil || len(fus) != 1 || fus[0].YoungPersonID != jay.ID {
		t.Fatalf("follow-ups for the manager: %v %+v", err, fus)
	}
	if shared, _ := h.Store.SharedAnswers(bg, jay.AreaID, jay.ID, sam.ID); len(shared) != 0 {
		t.Fatal("Sam can read an anonymous answer")
	}

	// The team manager sees the follow-up on their home screen, with Jay's
	// answer, and records that it was done.
	mgr := newBrowser(t, "en")
	signIn(t, mgr, h, "manager@demo.heard")
	run(t, mgr, "the follow-up on the manager's home",
		waitText(`.fb-followups-panel`, "Jay"),
		chromedp.Click(`.fb-followups-panel a.fb-followup-link`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-followup-done`, chromedp.ByQuery),
		waitText(`main`, "They talked over me."),
		waitText(`main`, "About their contact with Sam Okafor"))
	docScreenshot(t, mgr, "feedback-follow-up-manager-en")
	run(t, mgr, "mark it done",
		chromedp.Click(`#fb-followup-done`, chromedp.ByQuery),
		waitText(`#fb-followup-status`, "Followed up by Morgan Price"))

	// The commissioner's dashboard: one answer is not enough to show the share.
	commish := newBrowser(t, "en")
	signIn(t, commish, h, "commissioner@demo.heard")
	run(t, commish, "open the dashboard",
		chromedp.Click(`#db-open`, chromedp.ByQuery),
		chromedp.WaitVisible(`#db-felt_listened`, chromedp.ByQuery))
	if big, nText := feedbackTileFigure(t, commish, "felt_listened"); big != "Hidden" || nText != "n = 1" {
		t.Fatalf("with one answer the tile shows %q, %q", big, nText)
	}
	docScreenshot(t, commish, "dashboard-one-answer-en")

	// Nine more answers (through the API, as Jay's phone would send them).
	devices, err := h.Store.Devices(bg, jay.AreaID, jay.ID)
	if err != nil || len(devices) == 0 {
		t.Fatalf("Jay's phone: %v", err)
	}
	jaySession := heard.NewID()
	if _, err := h.Store.IssueRefreshToken(bg, store.RefreshToken{Family: jaySession, SubjectID: jay.ID, Role: heard.RoleYoungPerson,
		AreaID: jay.AreaID, DeviceID: devices[0].ID}, time.Hour); err != nil {
		t.Fatal(err)
	}
	token, err := h.Tokens.Issue(heard.Principal{ID: jay.ID, AreaID: jay.AreaID, Role: heard.RoleYoungPerson, DeviceID: devices[0].ID, SessionID: jaySession})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 9; i++ {
		if status := h.postJSON(t, "/api/feedback", token, map[string]any{"service": "social_care", "listened": "yes", "serious": "yes",
			"hadSay": "a_bit", "experience": []string{"very_good", "good", "dont_know"}[i%3]}, nil); status != 201 {
			t.Fatalf("answer %d: %d", i, status)
		}
	}
	run(t, commish, "show again",
		chromedp.Click(`#db-apply`, chromedp.ByQuery),
		waitText(`#db-felt_listened .db-n`, "n = 10"))
	// 9 of 10 said yes: 90%, Wilson 60–98%.
	if big, nText := feedbackTileFigure(t, commish, "felt_listened"); big != "90%" || nText != "n = 10" {
		t.Fatalf("with ten answers the tile shows %q, %q", big, nText)
	}
	run(t, commish, "the interval and the table",
		waitText(`#db-felt_listened .db-small`, "95% interval 60–98%"),
		chromedp.WaitVisible(`#db-felt_listened svg.db-chart polyline, #db-felt_listened svg.db-chart circle.db-point`, chromedp.ByQuery),
		chromedp.Click(`#db-felt_listened summary`, chromedp.ByQuery),
		waitText(`#db-felt_listened table`, "90%"),
		waitText(`#db-satisfaction .db-def`, "“Don't know” answers count in n"))
	// Satisfaction: 3 very good + 3 good of 10 (3 don't know and 1 poor in n): 60%.
	if big, _ := feedbackTileFigure(t, commish, "satisfaction"); big != "60%" {
		t.Errorf("satisfaction shows %q", big)
	}
	noSideScroll(t, commish, phoneWidth, "the dashboard")
	run(t, commish, "scroll to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	docScreenshot(t, commish, "dashboard-en")
	fullScreenshot(t, commish, "dashboard-full-en")

	// Below area level the small CAMHS cell (no answers) has nothing to show, and
	// social care (all ten answers) is shown rounded.
	run(t, commish, "filter by service",
		chromedp.SetValue(`#db-service`, "social_care", chromedp.ByQuery),
		chromedp.Click(`#db-apply`, chromedp.ByQuery),
		waitText(`#db-level`, "counts from 1 to 7 are hidden"),
		waitText(`#db-felt_listened .db-n`, "n = 10"))
	run(t, commish, "download the CSV with the session's token",
		chromedp.Click(`#db-csv`, chromedp.ByQuery),
		waitText(`.db-export .msg`, "Downloaded heard-kpis-"))

	// The same dashboard on a wide screen.
	run(t, commish, "wide screen",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Evaluate(`document.getElementById('db-service').selectedIndex = 0`, nil),
		chromedp.Click(`#db-apply`, chromedp.ByQuery),
		waitText(`#db-level`, "Whole area"),
		chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	docScreenshot(t, commish, "dashboard-wide-en")
	fullScreenshot(t, commish, "dashboard-wide-full-en")

	// In Arabic, right to left: Mia gives feedback at any time.
	mia := youngPerson(t, h, sam.AreaID, "Mia")
	if err := h.Store.SetYoungPersonLanguage(bg, mia.AreaID, mia.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	ar := newBrowser(t, "ar")
	join(t, ar, h, "Mia")
	run(t, ar, "feedback at any time in Arabic",
		chromedp.Navigate(h.URL+"/#/feedback/new"),
		chromedp.WaitVisible(`.fb-step[data-step="service"]`, chromedp.ByQuery),
		chromedp.Click(`.fb-service[data-service="placement"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fb-step[data-step="listened"]`, chromedp.ByQuery),
		waitText(`#fb-question`, "استمعوا إليّ"))
	var dir string
	run(t, ar, "direction", chromedp.Evaluate(`document.documentElement.dir`, &dir))
	if dir != "rtl" {
		t.Errorf("Arabic page direction %q", dir)
	}
	noSideScroll(t, ar, width, "the Arabic question")
	docScreenshot(t, ar, "feedback-question-ar")
}
