package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
	"heard/api"
	"heard/notify/pushtest"
	"heard/service"
	"heard/store"
	"heard/testkit"
)

// buddiesCall calls the API directly, for setting up what is not under test.
func buddiesCall(t *testing.T, h *heardServer, method, path, token string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, h.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		var msg bytes.Buffer
		_, _ = msg.ReadFrom(res.Body)
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, msg.String())
	}
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
}

// buddiesToken signs a demo member of staff in through the API.
func buddiesToken(t *testing.T, h *heardServer, email string) string {
	t.Helper()
	var tok struct{ AccessToken string }
	if status := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": email, "password": store.DemoPassword}, &tok); status != 200 {
		t.Fatalf("sign in %s: %d", email, status)
	}
	return tok.AccessToken
}

// buddiesOpen opens a young person's screen, unlocking Heard with the PIN
// first when the time moved on has ended the session (30 minutes).
func buddiesOpen(t *testing.T, ctx context.Context, h *heardServer, path, ready string) {
	t.Helper()
	for try := 0; try < 3; try++ {
		var locked bool
		run(t, ctx, "open "+path,
			chromedp.Evaluate(fmt.Sprintf(`window.heard.navigate(%q)`, path), nil),
			chromedp.Poll(fmt.Sprintf(`!!(document.querySelector('#unlock-pin') || document.querySelector(%q))`, ready), nil),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.Evaluate(`!!document.querySelector('#unlock-pin')`, &locked))
		if !locked {
			run(t, ctx, "wait for "+ready, chromedp.WaitVisible(ready, chromedp.ByQuery))
			return
		}
		run(t, ctx, "unlock",
			chromedp.WaitVisible("#unlock-pin", chromedp.ByQuery),
			chromedp.SetValue("#unlock-pin", "", chromedp.ByQuery),
			chromedp.SendKeys("#unlock-pin", "5827", chromedp.ByQuery),
			chromedp.Click("#unlock-submit", chromedp.ByQuery),
			chromedp.Poll(`!document.querySelector('#unlock-pin') || !!document.querySelector('.field-error:not([hidden]), .msg-error:not([hidden])')`, nil))
	}
	t.Fatalf("could not unlock Heard to open %s", path)
}

// buddiesStaff opens a fresh browser signed in as a member of staff (a move
// of the clock past a staff session's 12 hours signs the old one out).
func buddiesStaff(t *testing.T, h *heardServer, email, lang string) context.Context {
	t.Helper()
	ctx := newBrowser(t, lang)
	signIn(t, ctx, h, email)
	return ctx
}

// buddiesShots takes a screen at 390 and 320 pixels wide, English or Arabic.
func buddiesShots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	docScreenshot(t, ctx, name+"-390")
	run(t, ctx, "narrow", chromedp.EmulateViewport(320, phoneHeight, chromedp.EmulateScale(2)), chromedp.Sleep(150*time.Millisecond))
	noSideScroll(t, ctx, 320, name)
	screenshot(t, ctx, name+"-320")
	run(t, ctx, "phone size", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2)))
}

// A buddy week from "about me" to the commissioners' figures. Placement
// staff put two volunteers on the roster; Jay says a little about himself
// with pictures; her key worker confirms the buddy Heard proposes; she moves
// in; at 19:00 her phone asks how the day was (no names on the lock screen)
// and she answers low; the next morning placement staff are told and see the
// flag; Jay asks for a different buddy and staff choose another; the week
// ends, she rates it, and the rating shows in the dashboard once there are
// enough ratings to publish a mean.
func TestBuddyWeekFromAboutMeToRating(t *testing.T) {
	chromiumPath(t)
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(start)
	h, notifier, push := startHeardWithPush(t, func(c *api.Config) { c.Clock = clock; c.Store.Clock = clock })
	// A second instance runs the background jobs at the test's time.
	jobs := service.New(service.Config{Store: h.Store, Notifier: notifier, Escalator: notifier, Clock: clock, Log: testkit.Quiet()})
	runJobs := func(what string) {
		t.Helper()
		if _, err := jobs.RunBuddyJobs(context.Background()); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	at := func(days int, hour, minute int) {
		clock.Advance(start.AddDate(0, 0, days).Add(time.Duration(hour-10)*time.Hour + time.Duration(minute)*time.Minute).Sub(clock.Now()))
	}
	oak := demoPlacement(t, h, "oak@demo.heard")
	jay := youngPerson(t, h, oak.AreaID, "Jay")
	priya := h.staffMember(t, "oak@demo.heard")
	jayPhone := h.subscribe(t, push, oak.AreaID, jay.ID, heard.RoleYoungPerson)
	priyaPhone := h.subscribe(t, push, oak.AreaID, priya.ID, heard.RolePlacementStaff)
	noNames := func(m pushtest.Message) {
		t.Helper()
		for _, w := range []string{"Jay", "Ali", "Bea", "Oak"} {
			if strings.Contains(fmt.Sprint(m.Payload), w) {
				t.Errorf("a push names %q on the lock screen: %v", w, m.Payload)
			}
		}
	}

	// The roster.
	staff := buddiesStaff(t, h, "oak@demo.heard", "en-GB")
	addBuddy := func(kind, name, age, langs, consent string, interests ...string) {
		t.Helper()
		acts := []chromedp.Action{
			chromedp.Click("#rb-add", chromedp.ByQuery),
			adminFormsSelect("#rb-new-kind", kind),
			adminFormsSet("#rb-new-name", name),
			adminFormsSelect("#rb-new-age", age),
			adminFormsSet("#rb-new-langs", langs),
			adminFormsSet("#rb-new-consent", consent),
		}
		for _, i := range interests {
			acts = append(acts, chromedp.Click("#rb-new-i-"+i, chromedp.ByQuery))
		}
		acts = append(acts, chromedp.Click("#rb-add-save", chromedp.ByQuery), waitText("#roster-message", name+" is on the roster"))
		run(t, staff, "Priya adds "+name+" to the roster", acts...)
	}
	run(t, staff, "Priya opens the buddy roster from home",
		chromedp.WaitVisible("#buddy-roster-link", chromedp.ByQuery),
		chromedp.Click("#buddy-roster-link", chromedp.ByQuery),
		chromedp.WaitVisible("#rb-add", chromedp.ByQuery))
	addBuddy("resident", "Ali", "13-15", "ar, en", "Ali and his social worker", "football", "gaming")
	addBuddy("staff", "Bea", "18+", "en", "Bea", "drawing", "music")
	run(t, staff, "both are on the roster", waitText("#roster-list", "Ali"), waitText("#roster-list", "Agreed by Bea"))
	buddiesShots(t, staff, "buddies-roster-en")

	// The move, planned and shared by the key worker.
	sam := buddiesToken(t, h, "sam@demo.heard")
	moveDay := start.AddDate(0, 0, 3).Format(time.DateOnly)
	var move struct{ ID string }
	buddiesCall(t, h, "POST", "/api/young-people/"+jay.ID+"/moves", sam, map[string]string{"placementId": oak.ID, "date": moveDay}, &move)
	buddiesCall(t, h, "PUT", "/api/moves/"+move.ID+"/status", sam, map[string]string{"status": "shared"}, nil)

	// About me, with pictures.
	yp := newBrowser(t, "en-GB")
	join(t, yp, h, "Jay")
	run(t, yp, "Jay opens about me from home",
		chromedp.WaitVisible("#pv-tile", chromedp.ByQuery),
		chromedp.WaitVisible("#am-tile", chromedp.ByQuery),
		chromedp.Click("#am-tile", chromedp.ByQuery),
		chromedp.WaitVisible(`#am-interests button[data-code="football"]`, chromedp.ByQuery))
	buddiesShots(t, yp, "buddies-about-me-en")
	run(t, yp, "Jay taps what she likes, her languages and her age, and saves",
		chromedp.Click(`#am-interests button[data-code="football"]`, chromedp.ByQuery),
		chromedp.Click(`#am-interests button[data-code="drawing"]`, chromedp.ByQuery),
		chromedp.Click(`#am-languages button[data-code="ar"]`, chromedp.ByQuery),
		chromedp.Click(`#am-languages button[data-code="en"]`, chromedp.ByQuery),
		chromedp.Click(`#am-hardday button[data-code="music"]`, chromedp.ByQuery),
		chromedp.Click("#am-age-13-15", chromedp.ByQuery),
		chromedp.Click("#am-similar-age", chromedp.ByQuery),
		chromedp.Click("#am-save", chromedp.ByQuery),
		waitText("#am-message", "Saved"))
	var pressed int
	run(t, yp, "her choices stay pressed when she comes back",
		chromedp.Navigate(h.URL+"/#/home"),
		chromedp.WaitVisible("#pv-tile", chromedp.ByQuery),
		chromedp.WaitVisible("#am-tile", chromedp.ByQuery),
		chromedp.Click("#am-tile", chromedp.ByQuery),
		chromedp.WaitVisible(`#am-interests button[data-code="football"][aria-pressed="true"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#am-form [aria-pressed="true"]').length`, &pressed))
	if pressed != 5 {
		t.Errorf("%d pictures stay pressed, want 5", pressed)
	}
	run(t, yp, "the preview invites her to say about herself",
		chromedp.Navigate(h.URL+"/#/my-move"),
		chromedp.WaitVisible("#pv-about-me", chromedp.ByQuery))

	// The key worker confirms the buddy Heard proposes.
	kw := buddiesStaff(t, h, "sam@demo.heard", "en-GB")
	run(t, kw, "Sam opens the buddy of Jay's move",
		chromedp.Navigate(h.URL+"/#/young-people/"+jay.ID+"/moves"),
		chromedp.WaitVisible(".mv-buddy", chromedp.ByQuery),
		chromedp.Click(".mv-buddy", chromedp.ByQuery),
		chromedp.WaitVisible("#bm-proposal", chromedp.ByQuery),
		waitText("#bm-proposal", "Ali"),
		waitText("#bm-proposal", "Both speak"),
		waitText("#bm-others", "Bea"),
		waitText("#bm-about", "Football"))
	buddiesShots(t, kw, "buddies-match-en")
	run(t, kw, "Sam confirms Ali",
		chromedp.Click("#bm-confirm", chromedp.ByQuery),
		waitText("#bm-message", "Ali is now Jay's buddy"),
		chromedp.WaitVisible("#bm-current", chromedp.ByQuery))
	matched := push.Await(t, jayPhone, func(m pushtest.Message) bool { return m.Payload["url"] == "/#/buddy" })
	noNames(matched)
	buddiesCall(t, h, "PUT", "/api/moves/"+move.ID+"/status", sam, map[string]string{"status": "confirmed"}, nil)

	buddiesOpen(t, yp, h, "/my-move", "#pv-buddy-name")
	run(t, yp, "the preview shows her buddy and what they have in common",
		waitText("#pv-buddy-name", "Ali"),
		waitText("#pv-buddy", "You both speak"),
		waitText("#pv-buddy", "You both like Football"),
		chromedp.Evaluate(`document.querySelector('#pv-buddy').scrollIntoView({block: 'start'})`, nil))
	buddiesShots(t, yp, "buddies-preview-en")

	// The move day: Jay arrives; in the evening the check-in.
	at(3, 11, 0)
	sam = buddiesToken(t, h, "sam@demo.heard")
	buddiesCall(t, h, "PUT", "/api/moves/"+move.ID+"/status", sam, map[string]string{"status": "arrived"}, nil)
	at(3, 19, 30)
	runJobs("the evening of day 1")
	evening := push.Await(t, jayPhone, func(m pushtest.Message) bool {
		return m.Payload["url"] == "/#/buddy" && strings.Contains(fmt.Sprint(m.Payload["body"]), "How was today")
	})
	noNames(evening)
	buddiesOpen(t, yp, h, "/buddy", "#ci-form")
	run(t, yp, "the check-in is open on day 1", waitText("#bd-day", "Day 1 of 7"), waitText("#ci-form", "How was today with your buddy Ali?"))
	buddiesShots(t, yp, "buddies-checkin-en")
	run(t, yp, "Jay answers low, with words she shares",
		chromedp.Click(`label[for="ci-scale-2"]`, chromedp.ByQuery),
		chromedp.SendKeys("#ci-words", "Ali was busy all day", chromedp.ByQuery),
		chromedp.Click("#ci-share", chromedp.ByQuery),
		chromedp.Click("#ci-send", chromedp.ByQuery),
		waitText("#bd-status", "Thank you for telling us"),
		waitText("#bd-past", "Not great"))

	// The next morning, placement staff are told.
	at(4, 9, 30)
	runJobs("the morning of day 2")
	morning := push.Await(t, priyaPhone, func(m pushtest.Message) bool { return m.Payload["url"] == "/#/buddy-weeks" })
	noNames(morning)
	staff = buddiesStaff(t, h, "oak@demo.heard", "en-GB")
	run(t, staff, "Priya sees the flag at a glance",
		waitText("#bs-home-alert", "need you"),
		chromedp.Click("#buddy-weeks-link", chromedp.ByQuery),
		chromedp.WaitVisible(".bs-flag-low_checkin", chromedp.ByQuery),
		waitText("#weeks-list", "Low check-in."),
		waitText("#weeks-list", "Jay said"),
		waitText("#weeks-list", "Ali was busy all day"))
	buddiesShots(t, staff, "buddies-weeks-flag-en")

	// Jay asks for a different buddy; staff choose another.
	buddiesOpen(t, yp, h, "/buddy", "#rq-different")
	run(t, yp, "Jay asks for a different buddy, with kind words",
		chromedp.Click("#rq-different", chromedp.ByQuery),
		waitText("#rq-different-box", "nobody is in trouble"))
	buddiesShots(t, yp, "buddies-ask-different-en")
	run(t, yp, "she sends it",
		chromedp.Click("#rq-different-yes", chromedp.ByQuery),
		waitText("#rq-different-asked", "You asked for a different buddy"))
	buddiesShots(t, yp, "buddies-my-buddy-en")
	run(t, staff, "Priya sees the request and chooses Bea",
		chromedp.Reload(),
		waitText(`.bs-request[data-kind="different"]`, "Jay asked for a different buddy"),
		chromedp.Click(".bs-rematch", chromedp.ByQuery),
		chromedp.WaitVisible("#bm-current", chromedp.ByQuery),
		waitText("#main", "Bea"),
		chromedp.Evaluate(`[...document.querySelectorAll('.bs-buddy')].find((b) => b.querySelector('.row-title').innerText.trim() === 'Bea').querySelector('button').click()`, nil),
		waitText("#bm-message", "Bea is now Jay's buddy"),
		chromedp.Navigate(h.URL+"/#/buddy-weeks"),
		chromedp.WaitVisible(".bs-handled-different", chromedp.ByQuery),
		chromedp.Click(".bs-handled-different", chromedp.ByQuery),
		waitText("#weeks-message", "marked done"),
		waitText("#weeks-list", "Earlier buddies: Ali"))
	buddiesOpen(t, yp, h, "/buddy", "#bd-card")
	run(t, yp, "Jay's buddy is now Bea, and the week goes on", waitText("#bd-name", "Bea"), waitText("#bd-day", "Day 2 of 7"))

	// The week ends; Jay rates it.
	at(9, 19, 30)
	runJobs("the last evening")
	at(10, 10, 0)
	runJobs("the day after")
	buddiesOpen(t, yp, h, "/buddy", "#rate-form")
	run(t, yp, "the rating is asked", waitText("#rate-form", "How was your week with Bea?"))
	buddiesShots(t, yp, "buddies-rate-en")
	run(t, yp, "Jay rates the week and says why",
		chromedp.Click(`label[for="rate-scale-4"]`, chromedp.ByQuery),
		chromedp.SendKeys("#rate-words", "Bea showed me the park", chromedp.ByQuery),
		chromedp.Click("#rate-send", chromedp.ByQuery),
		waitText("#bd-status", "Thank you"),
		waitText("#bd-rated", "Good"))

	// The commissioners' figure: hidden with one rating, shown with enough.
	boss := buddiesStaff(t, h, "commissioner@demo.heard", "en-GB")
	var big string
	run(t, boss, "one rating is not enough to publish",
		chromedp.Navigate(h.URL+"/#/dashboard"),
		chromedp.WaitVisible("#db-buddy_rating", chromedp.ByQuery),
		chromedp.Text(`#db-buddy_rating .db-big`, &big, chromedp.ByQuery))
	if strings.Contains(big, "out of 5") {
		t.Errorf("the rating tile shows %q from one rating", big)
	}
	key := store.CounterKey{Area: oak.AreaID, Day: moveDay, Service: string(jay.Service), PlacementType: string(oak.Type), Metric: heard.KPIMetrics.BuddyRating}
	for i, r := range []string{"5", "4", "4", "3", "5", "2", "4", "5", "4", "3", "5"} {
		key.Dim = r
		if err := h.Store.Count(context.Background(), fmt.Sprintf("buddy_rating/seeded-%d", i), store.CounterAdd{Key: key, N: 1}); err != nil {
			t.Fatal(err)
		}
	}
	run(t, boss, "twelve ratings are",
		chromedp.Reload(),
		chromedp.WaitVisible("#db-buddy_rating", chromedp.ByQuery),
		waitText(`#db-buddy_rating .db-big`, "out of 5"),
		waitText(`#db-buddy_rating .db-n`, "12"),
		chromedp.Evaluate(`document.querySelector('#db-buddy_rating').scrollIntoView({block: 'start'})`, nil))
	buddiesShots(t, boss, "buddies-dashboard-en")

	// The same screens in Arabic, right to left.
	run(t, yp, "Jay switches to Arabic",
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible("#lang-select", chromedp.ByQuery),
		adminFormsSelect("#lang-select", "ar"),
		chromedp.Poll(`document.documentElement.dir === 'rtl'`, nil))
	buddiesOpen(t, yp, h, "/buddy", "#bd-card")
	buddiesShots(t, yp, "buddies-my-buddy-ar")
	buddiesOpen(t, yp, h, "/about-me", "#am-form")
	buddiesShots(t, yp, "buddies-about-me-ar")
	staff = buddiesStaff(t, h, "oak@demo.heard", "en-GB")
	adminFormsArabic(t, staff, h, "/buddy-weeks")
	run(t, staff, "the buddy weeks in Arabic", chromedp.WaitVisible("#weeks-list", chromedp.ByQuery))
	buddiesShots(t, staff, "buddies-weeks-ar")
	run(t, staff, "the roster in Arabic", chromedp.Navigate(h.URL+"/#/placement/buddies"), chromedp.WaitVisible("#roster-list", chromedp.ByQuery))
	buddiesShots(t, staff, "buddies-roster-ar")
	run(t, staff, "the match in Arabic", chromedp.Navigate(h.URL+"/#/moves/"+move.ID+"/buddy"), chromedp.WaitVisible("#bm-current", chromedp.ByQuery))
	buddiesShots(t, staff, "buddies-match-ar")
}
