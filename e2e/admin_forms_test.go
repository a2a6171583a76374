package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
)

// adminFormsSelect chooses an option of a <select> as a person would, so
// the page hears the change.
func adminFormsSelect(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return s.value; })()`, sel, value), nil)
}

// adminFormsArabic switches the signed-in account to Arabic in Settings and comes back to path.
func adminFormsArabic(t *testing.T, ctx context.Context, h *heardServer, path string) {
	t.Helper()
	var dir string
	run(t, ctx, "switch to Arabic",
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible("#lang-select", chromedp.ByQuery),
		adminFormsSelect("#lang-select", "ar"),
		chromedp.Poll(`document.documentElement.dir === 'rtl'`, nil),
		chromedp.Navigate(h.URL+"/#"+path),
		chromedp.WaitVisible("#main", chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.dir`, &dir))
	if dir != "rtl" {
		t.Fatalf("Arabic should be right to left, dir=%q", dir)
	}
}

// adminFormsNarrow checks the screen at 320 pixels wide, then goes back to the phone size.
func adminFormsNarrow(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	run(t, ctx, "narrow "+what, chromedp.EmulateViewport(320, phoneHeight, chromedp.EmulateScale(2)), chromedp.Sleep(150*time.Millisecond))
	noSideScroll(t, ctx, 320, what)
	adminFormsSmallTargets(t, ctx, what)
	run(t, ctx, "phone size", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2)))
}

// adminFormsSmallTargets fails on a visible button, link-button or field in
// <main> shorter than 48 pixels, or a control without a label.
func adminFormsSmallTargets(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	var problems []string
	run(t, ctx, "measure targets "+what, chromedp.Evaluate(`(() => {
		const out = [];
		for (const el of document.querySelectorAll('main button, main .btn, main input, main select')) {
			const r = el.getBoundingClientRect();
			if (!r.width) continue; // hidden
			if (r.height < 47.5) out.push((el.id || el.className || el.tagName) + ' is ' + r.height + 'px high');
			if ((el.tagName === 'INPUT' || el.tagName === 'SELECT') && !(el.labels && el.labels.length) && !el.getAttribute('aria-label')) out.push((el.id || el.tagName) + ' has no label');
		}
		return out;
	})()`, &problems))
	for _, p := range problems {
		t.Errorf("%s: %s", what, p)
	}
}

// A key worker adds a young person from their home, in the app, and gives
// her a join code straight away.
func TestKeyWorkerAddsYoungPerson(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	sam := h.staffMember(t, "sam@demo.heard")
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "sam@demo.heard")

	var firstErr string
	run(t, ctx, "open the form and send it empty",
		chromedp.Click("#yp-add", chromedp.ByQuery),
		chromedp.WaitVisible("#yp-first-name", chromedp.ByQuery),
		chromedp.Click("#yp-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#yp-first-name-error", chromedp.ByQuery),
		chromedp.Text("#yp-first-name-error", &firstErr, chromedp.ByQuery))
	if !strings.Contains(firstErr, "Please fill this in") {
		t.Errorf("an empty first name should be marked, got %q", firstErr)
	}
	run(t, ctx, "fill the form",
		chromedp.SendKeys("#yp-first-name", "Ola", chromedp.ByQuery),
		chromedp.SendKeys("#yp-preferred-name", "Lola", chromedp.ByQuery),
		adminFormsSelect("#yp-language", "ar"))
	if n := countNodes(t, ctx, "#yp-first-name-error:not([hidden])"); n != 0 {
		t.Error("the first-name error should go once a name is typed")
	}
	screenshot(t, ctx, "yp-add-form-en")
	adminFormsNarrow(t, ctx, "add a young person (en)")

	run(t, ctx, "add Ola",
		chromedp.Click("#yp-add-save", chromedp.ByQuery),
		waitText("#yp-added", "Lola is on your list"),
		waitText("#yp-list", "Lola"),
		waitText("#yp-list", "First name: Ola"))
	if n := countNodes(t, ctx, "#yp-first-name-error:not([hidden])"); n != 0 {
		t.Error("the error should be gone after adding")
	}
	ola := youngPerson(t, h, sam.AreaID, "Ola")
	if ola.PreferredName != "Lola" || ola.Language != "ar" || ola.TeamID != sam.TeamID {
		t.Errorf("Ola was saved as %+v", ola)
	}
	a, err := h.Store.CurrentAssignment(bg, sam.AreaID, ola.ID)
	if err != nil || a.StaffID != sam.ID {
		t.Fatalf("Sam should be Ola's key worker: %+v, %v", a, err)
	}
	screenshot(t, ctx, "yp-added-en")

	var code string
	run(t, ctx, "give Ola a join code",
		chromedp.Click("#yp-added-code", chromedp.ByQuery),
		chromedp.WaitVisible("#join-code-shown", chromedp.ByQuery),
		chromedp.Text("#join-code-shown", &code, chromedp.ByQuery))
	if len(strings.ReplaceAll(code, "-", "")) != 8 {
		t.Errorf("a join code should be shown, got %q", code)
	}

	adminFormsArabic(t, ctx, h, "/home")
	var label string
	run(t, ctx, "the form in Arabic",
		chromedp.WaitVisible("#yp-add", chromedp.ByQuery),
		chromedp.Click("#yp-add", chromedp.ByQuery),
		chromedp.WaitVisible("#yp-first-name", chromedp.ByQuery),
		chromedp.Click("#yp-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#yp-first-name-error", chromedp.ByQuery),
		chromedp.Text(`label[for="yp-first-name"]`, &label, chromedp.ByQuery))
	if label != "الاسم الأول" {
		t.Errorf("the first-name label in Arabic is %q", label)
	}
	screenshot(t, ctx, "yp-add-form-ar")
	adminFormsNarrow(t, ctx, "add a young person (ar)")
}

func countNodes(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	var n int
	run(t, ctx, "count "+sel, chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n))
	return n
}

// The administrator sets the area up from the app: a team, a key worker in
// it who can then sign in, turning an account off (sign-in then refused) and
// on, and moving a young person to another key worker.
func TestAdministratorSetsUpTheArea(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	admin := h.staffMember(t, "admin@demo.heard")
	area := admin.AreaID
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "admin@demo.heard")

	// A team.
	run(t, ctx, "add a team",
		chromedp.Click("#admin-teams-link", chromedp.ByQuery),
		waitText("#team-list", "Riverside CAMHS"),
		chromedp.Click("#team-add", chromedp.ByQuery),
		chromedp.WaitVisible("#team-name", chromedp.ByQuery),
		chromedp.SendKeys("#team-name", "Northside Leaving Care", chromedp.ByQuery),
		adminFormsSelect("#team-service", "social_care"))
	screenshot(t, ctx, "admin-team-add-en")
	adminFormsNarrow(t, ctx, "add a team (en)")
	run(t, ctx, "save the team",
		chromedp.Click("#team-add-save", chromedp.ByQuery),
		waitText("#team-list", "Northside Leaving Care"),
		waitText("#teams-status", "Northside Leaving Care"))
	var team heard.Team
	teams, err := h.Store.Teams(bg, area)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range teams {
		if tm.Name == "Northside Leaving Care" {
			team = tm
		}
	}
	if team.ID == "" || team.Service != heard.ServiceSocialCare {
		t.Fatalf("the team was not saved: %+v", teams)
	}

	// A key worker in that team.
	run(t, ctx, "open add a staff member",
		chromedp.Navigate(h.URL+"/#/admin/staff"),
		waitText("#staff-list", "Sam Okafor"),
		chromedp.Click("#staff-add", chromedp.ByQuery),
		chromedp.WaitVisible("#staff-name", chromedp.ByQuery),
		waitText("#staff-team", "Northside Leaving Care"))
	// Placement staff need a placement; a taken email is said kindly.
	var placementErr, emailErr string
	run(t, ctx, "placement staff without a placement",
		chromedp.SendKeys("#staff-name", "Nia Campbell", chromedp.ByQuery),
		chromedp.SendKeys("#staff-email", "sam@demo.heard", chromedp.ByQuery),
		adminFormsSelect("#staff-role", "placement_staff"),
		chromedp.WaitVisible("#staff-placement", chromedp.ByQuery),
		chromedp.SendKeys("#staff-password", "a long first password", chromedp.ByQuery),
		chromedp.Click("#staff-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#staff-placement-error", chromedp.ByQuery),
		chromedp.Text("#staff-placement-error", &placementErr, chromedp.ByQuery),
		adminFormsSelect("#staff-role", "key_worker"),
		chromedp.WaitNotVisible("#staff-placement", chromedp.ByQuery),
		adminFormsSelect("#staff-team", team.ID),
		chromedp.Click("#staff-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#staff-email-error", chromedp.ByQuery),
		chromedp.Text("#staff-email-error", &emailErr, chromedp.ByQuery))
	if !strings.Contains(placementErr, "fill this in") {
		t.Errorf("a missing placement should be marked, got %q", placementErr)
	}
	if !strings.Contains(emailErr, "already uses this email") {
		t.Errorf("a taken email should be said kindly, got %q", emailErr)
	}
	screenshot(t, ctx, "admin-staff-add-error-en")
	run(t, ctx, "add Nia",
		chromedp.Evaluate(`document.querySelector('#staff-email').value = ''`, nil),
		chromedp.SendKeys("#staff-email", "nia@demo.heard", chromedp.ByQuery))
	screenshot(t, ctx, "admin-staff-add-en")
	adminFormsNarrow(t, ctx, "add a staff member (en)")
	run(t, ctx, "save Nia",
		chromedp.Click("#staff-add-save", chromedp.ByQuery),
		waitText("#staff-status", "Nia Campbell can now sign in"),
		waitText("#staff-list", "Nia Campbell"),
		waitText("#staff-list", "Team: Northside Leaving Care"))
	nia := h.staffMember(t, "nia@demo.heard")
	if nia.Role != heard.RoleKeyWorker || nia.TeamID != team.ID || nia.Disabled {
		t.Fatalf("Nia was saved as %+v", nia)
	}
	login := map[string]string{"email": "nia@demo.heard", "password": "a long first password"}
	if code := h.postJSON(t, "/api/auth/login", "", login, nil); code != 200 {
		t.Fatalf("Nia should be able to sign in, got %d", code)
	}
	// Nobody can turn their own account off from here.
	if n := countNodes(t, ctx, fmt.Sprintf(`.staff-switch[data-id=%q]`, admin.ID)); n != 0 {
		t.Error("the administrator's own row should not offer turning it off")
	}

	// Turning Nia's account off, then on again.
	row := fmt.Sprintf(`.staff-item[data-id=%q]`, nia.ID)
	run(t, ctx, "turn Nia off",
		chromedp.Click(row+" .staff-switch", chromedp.ByQuery),
		chromedp.WaitVisible(row+" .staff-switch-confirm", chromedp.ByQuery))
	screenshot(t, ctx, "admin-staff-turn-off-en")
	run(t, ctx, "confirm",
		chromedp.Click(row+" .staff-switch-confirm", chromedp.ByQuery),
		waitText("#staff-status", "Nia Campbell's account is turned off"),
		waitText(row, "Turned off"))
	if code := h.postJSON(t, "/api/auth/login", "", login, nil); code != 401 {
		t.Fatalf("a turned-off account should not sign in, got %d", code)
	}

	// Moving Jay to Alex; Nia (turned off) is not offered.
	jay := youngPerson(t, h, area, "Jay")
	alex := h.staffMember(t, "alex@demo.heard")
	card := fmt.Sprintf(`.yp-item[data-id=%q]`, jay.ID)
	sel := "#kw-select-" + jay.ID
	var options string
	run(t, ctx, "change Jay's key worker",
		chromedp.Navigate(h.URL+"/#/home"),
		chromedp.WaitVisible(card+" .kw-change", chromedp.ByQuery),
		chromedp.Click(card+" .kw-change", chromedp.ByQuery),
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Text(sel, &options, chromedp.ByQuery))
	if !strings.Contains(options, "Alex Rahman") || strings.Contains(options, "Nia") || strings.Contains(options, "Sam Okafor") {
		t.Errorf("the choice should be the other key workers who can work, got %q", options)
	}
	if n := countNodes(t, ctx, card+" .give-code"); n != 0 {
		t.Error("an administrator cannot give join codes, so the list should not offer it")
	}
	run(t, ctx, "save without choosing",
		chromedp.Click(card+" .kw-save", chromedp.ByQuery),
		waitText(sel+"-error", "Please choose a key worker"),
		adminFormsSelect(sel, alex.ID))
	screenshot(t, ctx, "admin-kw-change-en")
	run(t, ctx, "save Alex",
		chromedp.Click(card+" .kw-save", chromedp.ByQuery),
		waitText("#yp-status", "Alex Rahman is now Jay's key worker"),
		waitText(card, "Key worker: Alex Rahman"))
	a, err := h.Store.CurrentAssignment(bg, area, jay.ID)
	if err != nil || a.StaffID != alex.ID {
		t.Fatalf("Alex should be Jay's key worker now: %+v, %v", a, err)
	}

	// The same screens in Arabic, right to left, at 320 pixels.
	adminFormsArabic(t, ctx, h, "/admin/staff")
	run(t, ctx, "Arabic staff form",
		waitText("#staff-list", "Nia Campbell"),
		chromedp.Click("#staff-add", chromedp.ByQuery),
		chromedp.WaitVisible("#staff-name", chromedp.ByQuery),
		chromedp.Click("#staff-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#staff-name-error", chromedp.ByQuery))
	screenshot(t, ctx, "admin-staff-add-ar")
	adminFormsNarrow(t, ctx, "add a staff member (ar)")
	run(t, ctx, "turn Nia on in Arabic",
		chromedp.Click(row+" .staff-switch", chromedp.ByQuery),
		chromedp.WaitVisible(row+" .staff-switch-confirm", chromedp.ByQuery),
		chromedp.ScrollIntoView(row, chromedp.ByQuery))
	screenshot(t, ctx, "admin-staff-turn-on-ar")
	run(t, ctx, "confirm on",
		chromedp.Click(row+" .staff-switch-confirm", chromedp.ByQuery),
		waitText("#staff-status", "Nia Campbell"),
		chromedp.WaitNotPresent(row+".disabled", chromedp.ByQuery))
	if code := h.postJSON(t, "/api/auth/login", "", login, nil); code != 200 {
		t.Fatalf("a turned-on account should sign in again, got %d", code)
	}
	run(t, ctx, "Arabic teams",
		chromedp.Navigate(h.URL+"/#/admin/teams"),
		waitText("#team-list", "Northside Leaving Care"),
		chromedp.Click("#team-add", chromedp.ByQuery),
		chromedp.WaitVisible("#team-name", chromedp.ByQuery))
	screenshot(t, ctx, "admin-team-add-ar")
	adminFormsNarrow(t, ctx, "add a team (ar)")
	run(t, ctx, "Arabic key worker change",
		chromedp.Navigate(h.URL+"/#/home"),
		chromedp.WaitVisible(card+" .kw-change", chromedp.ByQuery),
		chromedp.Click(card+" .kw-change", chromedp.ByQuery),
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.ScrollIntoView(card, chromedp.ByQuery))
	screenshot(t, ctx, "admin-kw-change-ar")
	adminFormsNarrow(t, ctx, "change key worker (ar)")
}

// adminFormsSet types a value into a field as a person would, for inputs
// (number, datetime-local) that SendKeys cannot fill reliably.
func adminFormsSet(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return el.value; })()`, sel, value), nil)
}

// The administrator changes how soon an urgent card goes to the duty
// workers and adds a crisis line; a bad number and a limit out of range are
// marked on their fields and nothing is saved.
func TestAdministratorChangesAreaSettings(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	admin := h.staffMember(t, "admin@demo.heard")
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "admin@demo.heard")

	var numberErr, limitErr string
	run(t, ctx, "open area settings and add a bad number",
		chromedp.Click("#admin-area-link", chromedp.ByQuery),
		waitText("#crisis-list", "Childline"),
		chromedp.Click("#crisis-add", chromedp.ByQuery),
		chromedp.WaitVisible("#crisis-label", chromedp.ByQuery),
		chromedp.SendKeys("#crisis-label", "Youth Line", chromedp.ByQuery),
		chromedp.SendKeys("#crisis-number", "call me", chromedp.ByQuery),
		chromedp.Click("#crisis-save", chromedp.ByQuery),
		chromedp.WaitVisible("#crisis-number-error", chromedp.ByQuery),
		chromedp.Text("#crisis-number-error", &numberErr, chromedp.ByQuery))
	if !strings.Contains(numberErr, "numbers only") {
		t.Errorf("a bad number should be marked, got %q", numberErr)
	}
	screenshot(t, ctx, "admin-area-number-error-en")
	run(t, ctx, "a text line, then a limit out of range",
		adminFormsSet("#crisis-number", "0800 123 456"),
		adminFormsSelect("#crisis-kind", "text"),
		chromedp.WaitVisible("#crisis-text", chromedp.ByQuery),
		chromedp.SendKeys("#crisis-text", "YOUTH", chromedp.ByQuery),
		chromedp.Click("#crisis-save", chromedp.ByQuery),
		waitText("#crisis-list", "Youth Line"),
		waitText("#crisis-message", "Press Save settings"),
		adminFormsSet("#area-urgent", "500"),
		chromedp.Click("#area-save", chromedp.ByQuery),
		chromedp.WaitVisible("#area-urgent-error", chromedp.ByQuery),
		chromedp.Text("#area-urgent-error", &limitErr, chromedp.ByQuery))
	var how string
	run(t, ctx, "read the new line", chromedp.Text(`.crisis-item[data-number="0800 123 456"] .meta`, &how, chromedp.ByQuery))
	if how = strings.NewReplacer("\u2066", "", "\u2069", "").Replace(how); how != "Text YOUTH to 0800 123 456" {
		t.Errorf("the new line should say how to use it, got %q", how)
	}
	if !strings.Contains(limitErr, "between 1 and 120 minutes") {
		t.Errorf("an urgent limit of 500 minutes should be marked, got %q", limitErr)
	}
	area, err := h.Store.Area(bg, admin.AreaID)
	if err != nil {
		t.Fatal(err)
	}
	if area.Escalation.UrgentToDuty != 15*time.Minute || len(area.CrisisContacts) != 4 {
		t.Fatalf("nothing should be saved after a refusal: %+v", area)
	}
	run(t, ctx, "save 10 minutes",
		adminFormsSet("#area-urgent", "10"),
		chromedp.Click("#area-save", chromedp.ByQuery),
		waitText("#area-message", "The settings are saved"))
	screenshot(t, ctx, "admin-area-en")
	adminFormsNarrow(t, ctx, "area settings (en)")
	area, err = h.Store.Area(bg, admin.AreaID)
	if err != nil {
		t.Fatal(err)
	}
	if area.Escalation.UrgentToDuty != 10*time.Minute || area.Escalation.DutyToManager != 15*time.Minute {
		t.Errorf("the limits were saved as %+v", area.Escalation)
	}
	var added heard.CrisisContact
	for _, cc := range area.CrisisContacts {
		if cc.Label == "Youth Line" {
			added = cc
		}
	}
	if added.Number != "0800 123 456" || added.Kind != "text" || added.Text != "YOUTH" || len(area.CrisisContacts) != 5 {
		t.Errorf("the crisis lines were saved as %+v", area.CrisisContacts)
	}

	// Removing a line and changing one, then saving.
	run(t, ctx, "remove Youth Line",
		chromedp.Click(`.crisis-item[data-number="0800 123 456"] .crisis-remove`, chromedp.ByQuery),
		waitText("#crisis-message", "Youth Line is off the list"),
		chromedp.Click("#area-save", chromedp.ByQuery),
		waitText("#area-message", "The settings are saved"))
	if area, err = h.Store.Area(bg, admin.AreaID); err != nil || len(area.CrisisContacts) != 4 {
		t.Errorf("Youth Line should be gone: %+v, %v", area.CrisisContacts, err)
	}

	adminFormsArabic(t, ctx, h, "/admin/area")
	run(t, ctx, "Arabic area settings",
		waitText("#crisis-list", "Childline"),
		chromedp.Click("#crisis-add", chromedp.ByQuery),
		chromedp.WaitVisible("#crisis-label", chromedp.ByQuery),
		adminFormsSelect("#crisis-kind", "text"),
		chromedp.Click("#crisis-save", chromedp.ByQuery),
		chromedp.WaitVisible("#crisis-number-error", chromedp.ByQuery))
	screenshot(t, ctx, "admin-area-ar")
	fullScreenshot(t, ctx, "admin-area-full-ar")
	adminFormsNarrow(t, ctx, "area settings (ar)")
}

// The administrator puts Dana on duty tomorrow, is told when a shift is
// impossible, and takes a shift off the rota after confirming.
func TestAdministratorChangesDutyRota(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	admin := h.staffMember(t, "admin@demo.heard")
	dana := h.staffMember(t, "duty@demo.heard")
	area := admin.AreaID
	week := func() []heard.DutyShift {
		t.Helper()
		shifts, err := h.Store.DutyRota(bg, area, time.Now(), time.Now().Add(7*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return shifts
	}
	before := week()
	if len(before) == 0 {
		t.Fatal("the demo has Dana on duty this week")
	}
	for _, d := range before {
		if d.End.Sub(d.Start) > heard.MaxDutyShift {
			t.Errorf("a demo shift longer than the form allows: %+v", d)
		}
	}
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "admin@demo.heard")

	var options, endErr string
	run(t, ctx, "open the rota",
		chromedp.Click("#admin-duty-link", chromedp.ByQuery),
		waitText("#duty-list", "Dana Lewis"),
		chromedp.Click("#duty-add", chromedp.ByQuery),
		chromedp.WaitVisible("#duty-staff", chromedp.ByQuery),
		chromedp.Text("#duty-staff", &options, chromedp.ByQuery))
	if !strings.Contains(options, "Dana Lewis") || !strings.Contains(options, "Sam Okafor") || strings.Contains(options, "Administrator") {
		t.Errorf("the choice should be people who can be on duty, got %q", options)
	}
	// The browser's own time: tomorrow 09:00 to 17:00, then a shift that ends before it starts.
	tomorrow := time.Now().Add(24 * time.Hour).Format("2006-01-02")
	run(t, ctx, "an end before the start",
		adminFormsSelect("#duty-staff", dana.ID),
		adminFormsSet("#duty-start", tomorrow+"T17:00"),
		adminFormsSet("#duty-end", tomorrow+"T09:00"),
		chromedp.Click("#duty-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#duty-end-error", chromedp.ByQuery),
		chromedp.Text("#duty-end-error", &endErr, chromedp.ByQuery))
	if !strings.Contains(endErr, "after the start") {
		t.Errorf("an end before the start should be marked, got %q", endErr)
	}
	run(t, ctx, "tomorrow 9 to 5",
		adminFormsSet("#duty-start", tomorrow+"T09:00"),
		adminFormsSet("#duty-end", tomorrow+"T17:00"))
	screenshot(t, ctx, "admin-duty-add-en")
	adminFormsNarrow(t, ctx, "put someone on duty (en)")
	run(t, ctx, "save",
		chromedp.Click("#duty-add-save", chromedp.ByQuery),
		waitText("#duty-status", "Dana Lewis is on duty from"),
		chromedp.WaitVisible("#duty-list li:nth-child(2)", chromedp.ByQuery))
	shifts := week()
	var added heard.DutyShift
	for _, s := range shifts {
		if s.End.Sub(s.Start) == 8*time.Hour {
			added = s
		}
	}
	local, err := time.ParseInLocation("2006-01-02T15:04", tomorrow+"T09:00", time.Local)
	if err != nil {
		t.Fatal(err)
	}
	if len(shifts) != len(before)+1 || added.StaffID != dana.ID || !added.Start.Equal(local) || added.End.Sub(added.Start) != 8*time.Hour {
		t.Fatalf("Dana's shift was saved as %+v (all: %+v)", added, shifts)
	}

	// Taking this week's demo shift off the rota.
	row := fmt.Sprintf(`.duty-item[data-id=%q]`, before[0].ID)
	run(t, ctx, "remove this week's shift",
		chromedp.Click(row+" .duty-remove", chromedp.ByQuery),
		chromedp.WaitVisible(row+" .duty-remove-confirm", chromedp.ByQuery))
	screenshot(t, ctx, "admin-duty-remove-en")
	run(t, ctx, "confirm",
		chromedp.Click(row+" .duty-remove-confirm", chromedp.ByQuery),
		waitText("#duty-status", "Dana Lewis's shift has been removed"),
		chromedp.WaitNotPresent(row, chromedp.ByQuery))
	left := week()
	for _, d := range left {
		if d.ID == before[0].ID {
			t.Fatalf("the removed shift is still on the rota: %+v", left)
		}
	}
	if len(left) != len(before) {
		t.Fatalf("only the removed shift should be gone: %+v", left)
	}

	adminFormsArabic(t, ctx, h, "/admin/duty")
	row = fmt.Sprintf(`.duty-item[data-id=%q]`, added.ID)
	run(t, ctx, "Arabic rota",
		waitText("#duty-list", "Dana Lewis"),
		chromedp.Click(row+" .duty-remove", chromedp.ByQuery),
		chromedp.WaitVisible(row+" .duty-remove-confirm", chromedp.ByQuery))
	screenshot(t, ctx, "admin-duty-remove-ar")
	run(t, ctx, "Arabic form",
		chromedp.Click("#duty-add", chromedp.ByQuery),
		chromedp.WaitVisible("#duty-staff", chromedp.ByQuery),
		chromedp.Click("#duty-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#duty-staff-error", chromedp.ByQuery))
	screenshot(t, ctx, "admin-duty-add-ar")
	adminFormsNarrow(t, ctx, "put someone on duty (ar)")
}

// The administrator adds a young person to a team, with a key worker, from
// the young-people panel on their home; the team must be chosen.
func TestAdministratorAddsYoungPerson(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	admin := h.staffMember(t, "admin@demo.heard")
	alex := h.staffMember(t, "alex@demo.heard")
	area := admin.AreaID
	teams, err := h.Store.Teams(bg, area)
	if err != nil {
		t.Fatal(err)
	}
	var camhs heard.Team
	for _, tm := range teams {
		if tm.Name == "Riverside CAMHS" {
			camhs = tm
		}
	}
	if camhs.ID == "" {
		t.Fatalf("the demo should have Riverside CAMHS: %+v", teams)
	}
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "admin@demo.heard")

	var teamErr, workers string
	run(t, ctx, "open the form and send it without a team",
		chromedp.WaitVisible("#yp-add", chromedp.ByQuery),
		chromedp.Click("#yp-add", chromedp.ByQuery),
		chromedp.WaitVisible("#yp-first-name", chromedp.ByQuery),
		waitText("#yp-team", "Riverside CAMHS"),
		waitText("#yp-key-worker", "Alex Rahman"),
		chromedp.Text("#yp-key-worker", &workers, chromedp.ByQuery),
		chromedp.SendKeys("#yp-first-name", "Rosa", chromedp.ByQuery),
		chromedp.Click("#yp-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#yp-team-error", chromedp.ByQuery),
		chromedp.Text("#yp-team-error", &teamErr, chromedp.ByQuery))
	if !strings.Contains(teamErr, "choose a team") {
		t.Errorf("a missing team should be marked, got %q", teamErr)
	}
	if strings.Contains(workers, "Dana Lewis") || strings.Contains(workers, "Admin") {
		t.Errorf("only key workers should be offered, got %q", workers)
	}
	run(t, ctx, "choose the team and Alex",
		adminFormsSelect("#yp-team", camhs.ID),
		adminFormsSelect("#yp-key-worker", alex.ID))
	screenshot(t, ctx, "admin-yp-add-en")
	adminFormsNarrow(t, ctx, "administrator adds a young person (en)")
	run(t, ctx, "add Rosa",
		chromedp.Click("#yp-add-save", chromedp.ByQuery),
		waitText("#yp-added", "Rosa has been added"),
		waitText("#yp-list", "Rosa"))
	rosa := youngPerson(t, h, area, "Rosa")
	if rosa.TeamID != camhs.ID || rosa.Service != camhs.Service {
		t.Errorf("Rosa was saved as %+v", rosa)
	}
	a, err := h.Store.CurrentAssignment(bg, area, rosa.ID)
	if err != nil || a.StaffID != alex.ID {
		t.Fatalf("Alex should be Rosa's key worker: %+v, %v", a, err)
	}
	card := fmt.Sprintf(`.yp-item[data-id=%q]`, rosa.ID)
	run(t, ctx, "Rosa's card names Alex", waitText(card, "Key worker: Alex Rahman"))

	adminFormsArabic(t, ctx, h, "/home")
	run(t, ctx, "the form in Arabic",
		chromedp.WaitVisible("#yp-add", chromedp.ByQuery),
		chromedp.Click("#yp-add", chromedp.ByQuery),
		chromedp.WaitVisible("#yp-first-name", chromedp.ByQuery),
		chromedp.Click("#yp-add-save", chromedp.ByQuery),
		chromedp.WaitVisible("#yp-team-error", chromedp.ByQuery),
		chromedp.ScrollIntoView("#yp-team", chromedp.ByQuery))
	screenshot(t, ctx, "admin-yp-add-ar")
	adminFormsNarrow(t, ctx, "administrator adds a young person (ar)")
}
