package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"heard"
	"heard/store"
)

// A young person opens Settings, downloads their data, reads it as a page,
// sees how it prints and saves it as a file; in English and in Arabic. Each
// download is in the audit log.
func TestYoungPersonDownloadsTheirOwnData(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	sam := h.staffMember(t, "sam@demo.heard")
	jay := youngPerson(t, h, sam.AreaID, "Jay")

	ctx := newBrowser(t, "en-GB")
	join(t, ctx, h, "Jay")
	// Two cards from Jay's phone (through the API, as the app sends them), one answered by Sam.
	devices, err := h.Store.Devices(bg, jay.AreaID, jay.ID)
	if err != nil || len(devices) == 0 {
		t.Fatalf("Jay's phone: %v", err)
	}
	session := heard.NewID()
	if _, err := h.Store.IssueRefreshToken(bg, store.RefreshToken{Family: session, SubjectID: jay.ID, Role: heard.RoleYoungPerson,
		AreaID: jay.AreaID, DeviceID: devices[0].ID}, time.Hour); err != nil {
		t.Fatal(err)
	}
	token, err := h.Tokens.Issue(heard.Principal{ID: jay.ID, AreaID: jay.AreaID, Role: heard.RoleYoungPerson, DeviceID: devices[0].ID, SessionID: session})
	if err != nil {
		t.Fatal(err)
	}
	worried := heard.NewID()
	if status := h.postJSON(t, "/api/cards", token, map[string]any{"id": worried, "card": "worried", "amount": "quite", "note": "about school \u202etomorrow"}, nil); status != 201 {
		t.Fatalf("send a card: %d", status)
	}
	if status := h.postJSON(t, "/api/cards", token, map[string]any{"id": heard.NewID(), "card": "happy"}, nil); status != 201 {
		t.Fatalf("send a card: %d", status)
	}
	samToken := staffSession(t, h, sam.Email, store.DemoPassword)
	if status := h.postJSON(t, "/api/cards/"+worried+"/ack", samToken, map[string]any{"quickReply": "thank_you"}, nil); status != 200 {
		t.Fatalf("Sam answers: %d", status)
	}

	var text string
	run(t, ctx, "open my data from settings",
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible("#my-data-link", chromedp.ByQuery),
		chromedp.Click("#my-data-link", chromedp.ByQuery),
		waitText("#md-cards-list", "Worried"),
		chromedp.Text("#md-body", &text, chromedp.ByQuery))
	for _, want := range []string{"Jay", "Sam", "Worried", "Quite a bit", "about school tomorrow", "Thank you for telling me.", "Happy"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\u202e") {
		t.Error("the note is shown with its direction override")
	}
	docScreenshot(t, ctx, "mydata-en")
	fullScreenshot(t, ctx, "mydata-full-en")
	noSideScroll(t, ctx, phoneWidth, "my data (en)")
	run(t, ctx, "narrow", chromedp.EmulateViewport(320, phoneHeight, chromedp.EmulateScale(2)), chromedp.Sleep(150*time.Millisecond))
	noSideScroll(t, ctx, 320, "my data at 320 px (en)")
	run(t, ctx, "phone size", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2)))

	// How it prints: no buttons, no bar.
	var barShown, buttonsShown bool
	run(t, ctx, "print view",
		emulation.SetEmulatedMedia().WithMedia("print"),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('header')).display !== 'none'`, &barShown),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('.md-actions')).display !== 'none'`, &buttonsShown))
	if barShown || buttonsShown {
		t.Errorf("printing shows the bar (%v) or the buttons (%v)", barShown, buttonsShown)
	}
	fullScreenshot(t, ctx, "mydata-print-en")
	run(t, ctx, "screen view", emulation.SetEmulatedMedia().WithMedia(""))

	// Saving a copy: a JSON file with the same data.
	dir := t.TempDir()
	run(t, ctx, "save a copy",
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dir).WithEventsEnabled(true),
		chromedp.Click("#md-save", chromedp.ByQuery),
		waitText("#md-message", "A copy has been saved"))
	var saved heard.MyData
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "heard-my-data-*.json"))
		if len(files) == 1 {
			raw, err := os.ReadFile(files[0])
			if err == nil && json.Unmarshal(raw, &saved) == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no saved file in %s: %v", dir, files)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if saved.Me.FirstName != "Jay" || len(saved.Cards) != 2 || len(saved.KeyWorkers) != 1 || len(saved.Phones) != 1 {
		t.Errorf("the saved file holds %+v", saved)
	}

	// In Arabic, right to left.
	var dir2 string
	run(t, ctx, "Arabic",
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible("#lang-select", chromedp.ByQuery),
		adminFormsSelect("#lang-select", "ar"),
		chromedp.Poll(`document.documentElement.dir === 'rtl'`, nil),
		chromedp.Click("#my-data-link", chromedp.ByQuery),
		waitText("#md-cards-list", "قلق"),
		chromedp.Evaluate(`document.documentElement.dir`, &dir2))
	if dir2 != "rtl" {
		t.Fatalf("Arabic reads right to left, dir=%q", dir2)
	}
	docScreenshot(t, ctx, "mydata-ar")
	fullScreenshot(t, ctx, "mydata-full-ar")
	run(t, ctx, "narrow (ar)", chromedp.EmulateViewport(320, phoneHeight, chromedp.EmulateScale(2)), chromedp.Sleep(150*time.Millisecond))
	noSideScroll(t, ctx, 320, "my data at 320 px (ar)")

	entries, err := h.Store.AuditLog(bg, jay.AreaID, 50)
	if err != nil {
		t.Fatal(err)
	}
	downloads := 0
	for _, e := range entries {
		if e.Action == "own_data_downloaded" && e.YoungPersonID == jay.ID {
			downloads++
		}
	}
	if downloads != 2 {
		t.Errorf("two downloads (English, Arabic) are in the audit log %d times", downloads)
	}
}

// The administrator sets how long records are kept after a young person
// leaves, and says Leo has left: his phone stops at once.
func TestAdministratorSaysAYoungPersonHasLeft(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	admin := h.staffMember(t, "admin@demo.heard")
	leo := youngPerson(t, h, admin.AreaID, "Leo")
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "admin@demo.heard")

	run(t, ctx, "keep records for 90 days",
		chromedp.Navigate(h.URL+"/#/admin/area"),
		chromedp.WaitVisible("#area-retention", chromedp.ByQuery),
		adminFormsSet("#area-retention", "10"),
		chromedp.Click("#area-save", chromedp.ByQuery),
		waitText("#area-retention-error", "30 to 3650"),
		adminFormsSet("#area-retention", "90"),
		chromedp.Click("#area-save", chromedp.ByQuery),
		waitText("#area-message", "The settings are saved"),
		chromedp.ScrollIntoView("#area-retention", chromedp.ByQuery))
	screenshot(t, ctx, "admin-area-retention-en")
	if a, err := h.Store.Area(bg, admin.AreaID); err != nil || a.RetentionDays != 90 {
		t.Fatalf("the area keeps records for %d days (%v)", a.RetentionDays, err)
	}

	row := `.yp-item[data-id="` + leo.ID + `"]`
	run(t, ctx, "Leo has left",
		chromedp.Navigate(h.URL+"/#/home"),
		chromedp.WaitVisible(row+" .yp-left-open", chromedp.ByQuery),
		chromedp.Click(row+" .yp-left-open", chromedp.ByQuery),
		chromedp.WaitVisible(row+" .yp-left-confirm", chromedp.ByQuery),
		chromedp.ScrollIntoView(row, chromedp.ByQuery))
	docScreenshot(t, ctx, "admin-young-person-left-en")
	run(t, ctx, "confirm",
		chromedp.Click(row+" .yp-left-confirm", chromedp.ByQuery),
		waitText(row, "left Heard on"))
	y, err := h.Store.YoungPerson(bg, admin.AreaID, leo.ID)
	if err != nil || y.LeftAt == nil {
		t.Fatalf("Leo's record: %+v %v", y, err)
	}
	devices, err := h.Store.Devices(bg, admin.AreaID, leo.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		if d.RevokedAt == nil {
			t.Errorf("Leo's phone %s is still signed in", d.Name)
		}
	}
	adminFormsArabic(t, ctx, h, "/home")
	run(t, ctx, "Arabic", waitText(row, "غادر"), chromedp.ScrollIntoView(row, chromedp.ByQuery))
	screenshot(t, ctx, "admin-young-person-left-ar")
	adminFormsNarrow(t, ctx, "a young person who has left (ar)")
}

// A card written offline is part of the young person's data while it waits on
// the phone: the download shows it, even with no connection.
func TestMyDataShowsWhatWaitsOnThePhone(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	ctx := newBrowser(t, "en-GB")
	join(t, ctx, h, "Mia")
	run(t, ctx, "open my data once online", chromedp.Navigate(h.URL+"/#/my-data"), chromedp.WaitVisible("#md-phones", chromedp.ByQuery))
	if countNodes(t, ctx, "#md-phone") != 0 {
		t.Fatal("nothing waits on the phone yet")
	}
	run(t, ctx, "offline, a card is kept on the phone", cardsSetOffline(true),
		chromedp.Navigate(h.URL+"/#/cards/send/worried"),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.SendKeys(`#fc-note`, "can we talk", chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fc-sent[data-state="waiting"]`, chromedp.ByQuery),
		chromedp.Evaluate(`window.heard.navigate('/my-data')`, nil),
		waitText("#md-phone-list", "Worried"),
		waitText("#md-phone-list", "can we talk"))
	screenshot(t, ctx, "mydata-waiting-en")
	run(t, ctx, "back online", cardsSetOffline(false))
}
