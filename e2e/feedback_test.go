package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/chromedp/chromedp"

	"heard"
	"heard/api"
	"heard/notify"
	"heard/store"
	"heard/testkit"
)

// feedbackShot saves a screenshot under testdata/out/screenshots and, when
// HEARD_SCREENSHOTS is set (as when the committed pictures are refreshed),
// also under docs/screenshots.
func feedbackShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	screenshot(t, ctx, name)
	if os.Getenv("HEARD_SCREENSHOTS") == "" {
		return
	}
	src, err := os.Open(filepath.Join("..", "testdata", "out", "screenshots", name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(filepath.Join("..", "docs", "screenshots", name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
}

// feedbackRun runs a step with its own time limit, so a step that waits for
// something that never comes fails with the page's text while the browser is
// still there to read it.
// feedbackFullShot saves the whole page, top to bottom (for the dashboard).
func feedbackFullShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	feedbackRun(t, ctx, "screenshot "+name, chromedp.Sleep(300*time.Millisecond), chromedp.FullScreenshot(&png, 100))
	dirs := []string{filepath.Join("..", "testdata", "out", "screenshots")}
	if os.Getenv("HEARD_SCREENSHOTS") != "" {
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

func feedbackRun(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	if err := chromedp.Run(step, actions...); err != nil {
		var url, text string
		_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body.innerText.slice(0, 800)`, &text))
		t.Fatalf("%s: %v\nat %s\n%s", what, err, url, text)
	}
}

// feedbackNoSideScroll checks a screen fits the phone's width.
func feedbackNoSideScroll(t *testing.T, ctx context.Context, width int, what string) {
	t.Helper()
	var wide int
	feedbackRun(t, ctx, "measure "+what, chromedp.Evaluate(`document.documentElement.scrollWidth`, &wide))
	if wide > width {
		t.Errorf("%s is %d pixels wide on a %d-pixel phone", what, wide, width)
	}
}

func feedbackSignIn(t *testing.T, ctx context.Context, h *heardServer, email string) {
	feedbackRun(t, ctx, "sign in "+email,
		chromedp.Navigate(h.URL+"/#/signin"),
		chromedp.WaitVisible(`#signin-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-password`, store.DemoPassword, chromedp.ByQuery),
		chromedp.Click(`#signin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#home`, chromedp.ByQuery))
}

func feedbackJoin(t *testing.T, ctx context.Context, h *heardServer, name string) {
	code := strings.ReplaceAll(h.joinCode(t, name), "-", "")
	feedbackRun(t, ctx, "join "+name,
		chromedp.Navigate(h.URL+"/#/join/"+code),
		chromedp.WaitVisible(`#pin-new`, chromedp.ByQuery),
		chromedp.SendKeys(`#pin-new`, "5827", chromedp.ByQuery),
		chromedp.SendKeys(`#pin-confirm`, "5827", chromedp.ByQuery),
		chromedp.Click(`#pin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-tile`, chromedp.ByQuery))
}

func feedbackYoungPerson(t *testing.T, h *heardServer, area, name string) heard.YoungPerson {
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

// feedbackTileFigure reads a dashboard tile's main figure and its n.
func feedbackTileFigure(t *testing.T, ctx context.Context, id string) (big, n string) {
	feedbackRun(t, ctx, "read tile "+id,
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
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	var svc *notify.Service
	h := startHeard(t, func(c *api.Config) {
		svc, err = notify.New(notify.Config{Store: c.Store, Log: testkit.Quiet(), Clock: c.Clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
			Subject: "feedback@heard.test", AllowLoopbackEndpoints: true, PollEvery: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c.Notifier, c.Escalator = svc, svc
	})
	runCtx, stopRun := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { svc.Run(runCtx); close(ran) }()
	t.Cleanup(func() { stopRun(); <-ran })

	bg := context.Background()
	sam, err := h.Store.StaffByEmail(bg, "sam@demo.heard")
	if err != nil {
		t.Fatal(err)
	}
	jay := feedbackYoungPerson(t, h, sam.AreaID, "Jay")
	// Jay's phone has a push subscription at a loopback push service that
	// decrypts what it receives.
	receiver := newCardsPushReceiver(t)
	if _, err := h.Store.SavePushSubscription(bg, store.PushSubscription{AreaID: jay.AreaID, Endpoint: receiver.srv.URL + "/push/jay",
		P256dh: base64.RawURLEncoding.EncodeToString(receiver.key.PublicKey().Bytes()), Auth: base64.RawURLEncoding.EncodeToString(receiver.auth),
		OwnerID: jay.ID, OwnerRole: heard.RoleYoungPerson}); err != nil {
		t.Fatal(err)
	}

	// Sam logs a review with Jay from the young people list.
	worker := newBrowser(t, "en")
	feedbackSignIn(t, worker, h, "sam@demo.heard")
	feedbackRun(t, worker, "log a contact",
		chromedp.WaitVisible(`#yp-list a.fb-log[data-id="`+jay.ID+`"]`, chromedp.ByQuery),
		chromedp.Click(`#yp-list a.fb-log[data-id="`+jay.ID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-log-submit`, chromedp.ByQuery),
		chromedp.Click(`#fb-kind-review`, chromedp.ByQuery))
	feedbackShot(t, worker, "feedback-log-contact-en")
	feedbackRun(t, worker, "ask for feedback",
		chromedp.Click(`#fb-log-submit`, chromedp.ByQuery),
		waitText(`#fb-log-done`, "Jay has been asked how it went"))

	// Jay's phone is told, without saying anything on the lock screen.
	var push map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && push == nil {
		receiver.mu.Lock()
		for _, p := range receiver.payloads {
			if p["type"] == "feedback_request" {
				push = p
			}
		}
		receiver.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
	if push == nil {
		t.Fatal("no feedback push reached Jay's phone")
	}
	link := fmt.Sprint(push["url"])
	if !strings.HasPrefix(link, "/#/feedback/") || strings.Contains(fmt.Sprint(push["title"], push["body"]), "Sam") {
		t.Fatalf("push: %v", push)
	}

	// Jay answers on a small phone, opening the app from the push.
	phone := newBrowser(t, "en")
	const width = 360
	feedbackJoin(t, phone, h, "Jay")
	feedbackRun(t, phone, "a question is waiting", waitText(`#fb-tile`, "1 new question for you"))
	feedbackRun(t, phone, "open from the push",
		chromedp.Navigate(h.URL+link),
		chromedp.WaitVisible(`.fb-step[data-step="listened"]`, chromedp.ByQuery),
		waitText(`#fb-about`, "Your review with Sam"),
		waitText(`#fb-progress`, "Question 1 of"))
	feedbackNoSideScroll(t, phone, width, "the first question")
	feedbackShot(t, phone, "feedback-question-en")
	feedbackRun(t, phone, "not listened to",
		chromedp.Click(`.fb-option[data-answer="no"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-followup-yes`, chromedp.ByQuery),
		waitText(`main`, "It won't be Sam."))
	feedbackShot(t, phone, "feedback-followup-en")
	feedbackRun(t, phone, "ask for a follow-up, then the next questions",
		chromedp.Click(`#fb-followup-yes`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fb-step[data-step="serious"]`, chromedp.ByQuery),
		chromedp.Click(`.fb-option[data-answer="a_bit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fb-step[data-step="hadSay"]`, chromedp.ByQuery),
		chromedp.Click(`.fb-option[data-answer="no"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fb-step[data-step="experience"]`, chromedp.ByQuery))
	feedbackNoSideScroll(t, phone, width, "the Friends and Family Test question")
	feedbackShot(t, phone, "feedback-experience-en")
	feedbackRun(t, phone, "overall poor, some words",
		chromedp.Click(`.fb-option[data-answer="poor"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-words`, chromedp.ByQuery),
		chromedp.SendKeys(`#fb-words`, "They talked over me.", chromedp.ByQuery),
		waitText(`#fb-words-count`, "20 of 500"),
		chromedp.Click(`#fb-next`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-share-anonymous[aria-checked="true"]`, chromedp.ByQuery),
		waitText(`#fb-share-worker`, "Sam can see them"),
		waitText(`main`, "a manager will see these answers"))
	feedbackShot(t, phone, "feedback-share-en")
	feedbackRun(t, phone, "send",
		chromedp.Click(`#fb-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-thanks`, chromedp.ByQuery),
		waitText(`#fb-thanks`, "Nobody sees your name"),
		waitText(`#fb-thanks`, "A manager will get in touch"))
	feedbackShot(t, phone, "feedback-thanks-en")

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
	manager, err := h.Store.StaffByEmail(bg, "manager@demo.heard")
	if err != nil {
		t.Fatal(err)
	}
	if fus, err := h.Store.FollowUps(bg, jay.AreaID, manager.TeamID, manager.ID); err != nil || len(fus) != 1 || fus[0].YoungPersonID != jay.ID {
		t.Fatalf("follow-ups for the manager: %v %+v", err, fus)
	}
	if shared, _ := h.Store.SharedAnswers(bg, jay.AreaID, jay.ID, sam.ID); len(shared) != 0 {
		t.Fatal("Sam can read an anonymous answer")
	}

	// The team manager sees the follow-up on their home screen, with Jay's
	// answer, and records that it was done.
	mgr := newBrowser(t, "en")
	feedbackSignIn(t, mgr, h, "manager@demo.heard")
	feedbackRun(t, mgr, "the follow-up on the manager's home",
		waitText(`.fb-followups-panel`, "Jay"),
		chromedp.Click(`.fb-followups-panel a.fb-followup-link`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fb-followup-done`, chromedp.ByQuery),
		waitText(`main`, "They talked over me."),
		waitText(`main`, "About their contact with Sam Okafor"))
	feedbackShot(t, mgr, "feedback-follow-up-manager-en")
	feedbackRun(t, mgr, "mark it done",
		chromedp.Click(`#fb-followup-done`, chromedp.ByQuery),
		waitText(`#fb-followup-status`, "Followed up by Morgan Price"))

	// The commissioner's dashboard: one answer is not enough to show the share.
	commish := newBrowser(t, "en")
	feedbackSignIn(t, commish, h, "commissioner@demo.heard")
	feedbackRun(t, commish, "open the dashboard",
		chromedp.Click(`#db-open`, chromedp.ByQuery),
		chromedp.WaitVisible(`#db-felt_listened`, chromedp.ByQuery))
	if big, nText := feedbackTileFigure(t, commish, "felt_listened"); big != "Hidden" || nText != "n = 1" {
		t.Fatalf("with one answer the tile shows %q, %q", big, nText)
	}
	feedbackShot(t, commish, "dashboard-one-answer-en")

	// Nine more answers (through the API, as Jay's phone would send them).
	devices, err := h.Store.Devices(bg, jay.AreaID, jay.ID)
	if err != nil || len(devices) == 0 {
		t.Fatalf("Jay's phone: %v", err)
	}
	token, err := h.Tokens.Issue(heard.Principal{ID: jay.ID, AreaID: jay.AreaID, Role: heard.RoleYoungPerson, DeviceID: devices[0].ID, SessionID: heard.NewID()})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 9; i++ {
		if status := h.postJSON(t, "/api/feedback", token, map[string]any{"service": "social_care", "listened": "yes", "serious": "yes",
			"hadSay": "a_bit", "experience": []string{"very_good", "good", "dont_know"}[i%3]}, nil); status != 201 {
			t.Fatalf("answer %d: %d", i, status)
		}
	}
	feedbackRun(t, commish, "show again",
		chromedp.Click(`#db-apply`, chromedp.ByQuery),
		waitText(`#db-felt_listened .db-n`, "n = 10"))
	// 9 of 10 said yes: 90%, Wilson 60–98%.
	if big, nText := feedbackTileFigure(t, commish, "felt_listened"); big != "90%" || nText != "n = 10" {
		t.Fatalf("with ten answers the tile shows %q, %q", big, nText)
	}
	feedbackRun(t, commish, "the interval and the table",
		waitText(`#db-felt_listened .db-small`, "95% interval 60–98%"),
		chromedp.WaitVisible(`#db-felt_listened svg.db-chart polyline, #db-felt_listened svg.db-chart circle.db-point`, chromedp.ByQuery),
		chromedp.Click(`#db-felt_listened summary`, chromedp.ByQuery),
		waitText(`#db-felt_listened table`, "90%"),
		waitText(`#db-satisfaction .db-def`, "“Don't know” answers count in n"))
	// Satisfaction: 3 very good + 3 good of 10 (3 don't know and 1 poor in n): 60%.
	if big, _ := feedbackTileFigure(t, commish, "satisfaction"); big != "60%" {
		t.Errorf("satisfaction shows %q", big)
	}
	feedbackNoSideScroll(t, commish, phoneWidth, "the dashboard")
	feedbackRun(t, commish, "scroll to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	feedbackShot(t, commish, "dashboard-en")
	feedbackFullShot(t, commish, "dashboard-full-en")

	// Below area level the small CAMHS cell (no answers) has nothing to show, and
	// social care (all ten answers) is shown rounded.
	feedbackRun(t, commish, "filter by service",
		chromedp.SetValue(`#db-service`, "social_care", chromedp.ByQuery),
		chromedp.Click(`#db-apply`, chromedp.ByQuery),
		waitText(`#db-level`, "counts from 1 to 7 are hidden"),
		waitText(`#db-felt_listened .db-n`, "n = 10"))
	feedbackRun(t, commish, "download the CSV with the session's token",
		chromedp.Click(`#db-csv`, chromedp.ByQuery),
		waitText(`.db-export .msg`, "Downloaded heard-kpis-"))

	// The same dashboard on a wide screen.
	feedbackRun(t, commish, "wide screen",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Evaluate(`document.getElementById('db-service').selectedIndex = 0`, nil),
		chromedp.Click(`#db-apply`, chromedp.ByQuery),
		waitText(`#db-level`, "Whole area"),
		chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	feedbackShot(t, commish, "dashboard-wide-en")
	feedbackFullShot(t, commish, "dashboard-wide-full-en")

	// In Arabic, right to left: Mia gives feedback at any time.
	mia := feedbackYoungPerson(t, h, sam.AreaID, "Mia")
	if err := h.Store.SetYoungPersonLanguage(bg, mia.AreaID, mia.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	ar := newBrowser(t, "ar")
	feedbackJoin(t, ar, h, "Mia")
	feedbackRun(t, ar, "feedback at any time in Arabic",
		chromedp.Navigate(h.URL+"/#/feedback/new"),
		chromedp.WaitVisible(`.fb-step[data-step="service"]`, chromedp.ByQuery),
		chromedp.Click(`.fb-service[data-service="placement"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fb-step[data-step="listened"]`, chromedp.ByQuery),
		waitText(`#fb-question`, "استمعوا إليّ"))
	var dir string
	feedbackRun(t, ar, "direction", chromedp.Evaluate(`document.documentElement.dir`, &dir))
	if dir != "rtl" {
		t.Errorf("Arabic page direction %q", dir)
	}
	feedbackNoSideScroll(t, ar, width, "the Arabic question")
	feedbackShot(t, ar, "feedback-question-ar")
}
