package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"heard"
	"heard/i18n"
	"heard/store"
)

// Every screen of Heard, in English and in Arabic, is checked three ways:
//   - axe-core (vendored under testdata/axe, no network) at 320 CSS px, with
//     zero violations allowed; its experimental rule that an accessible name
//     holds the visible text (WCAG 2.5.3) is turned on, and Heard's own check
//     of every aria-label against the control's visible text is added;
//   - at 160 CSS px (a 320-pixel phone at 200 % zoom) nothing may scroll
//     sideways or stick out past the edge; a young person's screens are
//     checked again with Heard's larger text on;
//   - no word is missing from the loaded parts of the catalogue.
// Screenshots at 320 and 160 px go to testdata/out/screenshots/screens-*.

// screenStop is one screen: where it is and what shows it is ready.
type screenStop struct {
	name, path, ready string
	// act, when set, reaches the screen by doing something on the one before.
	act chromedp.Action
}

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("testdata/axe/axe.min.js")
	return string(b), err
})

// screenChecker runs the checks on one browser, keeping every problem.
type screenChecker struct {
	t        *testing.T
	ctx      context.Context
	h        *heardServer
	lang     string
	problems []string
	mu       sync.Mutex
	missing  map[string]bool
}

func newScreenChecker(t *testing.T, h *heardServer, lang string) *screenChecker {
	c := &screenChecker{t: t, h: h, lang: lang, ctx: newBrowser(t, lang), missing: map[string]bool{}}
	chromedp.ListenTarget(c.ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventConsoleAPICalled); ok && e.Type == runtime.APITypeWarning {
			for _, a := range e.Args {
				var s string
				if json.Unmarshal(a.Value, &s) == nil && strings.HasPrefix(s, "i18n: no ") {
					c.mu.Lock()
					c.missing[s] = true
					c.mu.Unlock()
				}
			}
		}
	})
	return c
}

func (c *screenChecker) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// viewport sets the page's width in CSS pixels, as a phone (scroll bars that
// take no room).
func viewport(width int) chromedp.Action {
	return chromedp.EmulateViewport(int64(width), 690, chromedp.EmulateScale(2), chromedp.EmulateMobile)
}

// visit opens a screen and checks it.
func (c *screenChecker) visit(s screenStop, shots bool) {
	c.t.Helper()
	reach := s.act
	if reach == nil {
		reach = chromedp.Evaluate(fmt.Sprintf(`window.heard.navigate(%q)`, s.path), nil)
	}
	run(c.t, c.ctx, "open "+s.name, viewport(320), reach,
		chromedp.WaitVisible(s.ready, chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('app').getAttribute('aria-busy') === 'false' && !document.querySelector('main .loading')`, nil,
			chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Sleep(150*time.Millisecond))
	name := fmt.Sprintf("screens-%s-%s", s.name, c.lang)
	if shots {
		screenshot(c.t, c.ctx, name+"-320")
	}
	c.axe(s.name)
	c.names(s.name)
	if c.lang == i18n.Pseudo {
		// Words 40 % longer must still fit a 320-pixel phone, and every word
		// on the screen must come from the catalogue.
		c.fromCatalogue(s.name)
		c.reflow(s.name, "", 320)
	} else {
		c.reflow(s.name, "", 160)
	}
	if shots {
		screenshot(c.t, c.ctx, name+"-160")
	}
	run(c.t, c.ctx, "back to 320", viewport(320))
}

// axe runs axe-core on the page and keeps its violations.
func (c *screenChecker) axe(where string) {
	src, err := axeSource()
	if err != nil {
		c.t.Fatal(err)
	}
	var loaded bool
	run(c.t, c.ctx, "axe loaded?", chromedp.Evaluate(`typeof window.axe !== 'undefined'`, &loaded))
	if !loaded {
		run(c.t, c.ctx, "load axe", chromedp.Evaluate(src, nil))
	}
	var found []struct {
		ID, Help string
		Nodes    []struct{ Target []any }
	}
	run(c.t, c.ctx, "axe "+where, chromedp.Evaluate(`axe.run(document, {
		resultTypes: ['violations'],
		rules: { 'label-content-name-mismatch': { enabled: true } },
	}).then(r => r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => ({target: n.target}))})))`,
		&found, awaitPromise))
	for _, v := range found {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, fmt.Sprint(n.Target...))
		}
		c.fail("%s (%s): axe %s: %s at %s", where, c.lang, v.ID, v.Help, strings.Join(targets, ", "))
	}
}

// names checks that every control named by aria-label holds the words it shows.
func (c *screenChecker) names(where string) {
	var bad []string
	run(c.t, c.ctx, "names "+where, chromedp.Evaluate(`(() => {
		// (The pseudo-language's marks around each message are left out.)
		const norm = (s) => (s || '').replace(/[⟦⟧]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
		const out = [];
		for (const el of document.querySelectorAll('a[aria-label], button[aria-label], [role="button"][aria-label], summary[aria-label], label[aria-label]')) {
			if (!el.checkVisibility()) continue;
			const text = norm(el.innerText);
			if (text && !norm(el.getAttribute('aria-label')).includes(text)) out.push(el.outerHTML.slice(0, 160));
		}
		return out;
	})()`, &bad))
	for _, b := range bad {
		c.fail("%s (%s): the name does not hold the visible text: %s", where, c.lang, b)
	}
}

// barWordsWhole keeps the words in the top bar that are broken over two lines
// ("Hea" above "rd"): a word there is shown whole or not at all.
func (c *screenChecker) barWordsWhole(where string) {
	var broken []string
	run(c.t, c.ctx, "bar words "+where, chromedp.Evaluate(`[...document.querySelectorAll('.topbar a span, .topbar button span')]
		.filter((el) => { const r = document.createRange(); r.selectNodeContents(el); return el.checkVisibility() && r.getClientRects().length > 1; }).map((el) => el.textContent)`, &broken))
	for _, b := range broken {
		c.fail("%s (%s, larger text): %q is broken over two lines in the top bar", where, c.lang, b)
	}
}

// reflow narrows the page to width CSS px and keeps what sticks out.
func (c *screenChecker) reflow(where, how string, width int) {
	var out struct {
		Wide   int
		Sticks []string
	}
	run(c.t, c.ctx, "reflow "+where, viewport(width), chromedp.Sleep(100*time.Millisecond), chromedp.Evaluate(`(() => {
		const vw = document.documentElement.clientWidth;
		const sticks = [];
		const wide = document.documentElement.scrollWidth;
		for (const el of document.querySelectorAll('body *')) {
			// Words kept for screen readers only are clipped to nothing, unless
			// the page scrolls sideways anyway, when they are named too.
			if (!el.checkVisibility() || (el.closest('.sr-only') && wide <= vw)) continue;
			const r = el.getBoundingClientRect();
			if (r.width === 0 || r.height === 0) continue;
			if (r.right > vw + 1 || r.left < -1) sticks.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + el.className) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
		}
		return {wide, sticks: sticks.slice(0, 5)};
	})()`, &out))
	if out.Wide > width || len(out.Sticks) > 0 {
		c.fail("%s (%s%s) at %d px: %d px wide; sticking out: %v", where, c.lang, how, width, out.Wide, out.Sticks)
	}
}

// fromCatalogue finds words on the screen (its text, and the names, titles,
// placeholders and alternative texts of what is visible) that are not inside
// a pseudo-language message's marks: words the catalogue does not hold (people's
// own words, shown marked with dir="auto", are theirs). The
// demo's own data (people's, teams' and places' names, email addresses, join
// codes) and what Intl writes (month and day names) may show unmarked.
func (c *screenChecker) fromCatalogue(where string) {
	var data []string
	for _, a := range c.h.Demo {
		data = append(data, a.Name, a.Email)
	}
	// The area's own words: its teams, placements and crisis lines.
	sam := c.h.staffMember(c.t, "sam@demo.heard")
	teams, _ := c.h.Store.Teams(context.Background(), sam.AreaID)
	for _, tm := range teams {
		data = append(data, tm.Name)
	}
	places, _ := c.h.Store.Placements(context.Background(), sam.AreaID)
	for _, p := range places {
		data = append(data, p.Name)
	}
	area, _ := c.h.Store.Area(context.Background(), sam.AreaID)
	for _, cc := range area.CrisisContacts {
		data = append(data, cc.Label, cc.Note, cc.Text)
	}
	// Languages' English names, which administrators see beside each
	// language's own name.
	for _, l := range i18n.Languages() {
		data = append(data, l.English)
	}
	allowed, _ := json.Marshal(data)
	var found []string
	run(c.t, c.ctx, "catalogue words "+where, chromedp.Evaluate(fmt.Sprintf(`(() => {
		const words = (s) => s.split(/[\s\p{P}\p{S}\p{N}]+/u).filter((w) => /\p{L}/u.test(w));
		const allowed = new Set(%s.flatMap(words).concat(words(%q)));
		// What Intl writes between a date and a time ("1 December 2026 at 10:00").
		for (const w of words(new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short' }).format(new Date()))) allowed.add(w);
		for (let m = 0; m < 12; m++) for (const style of ['long', 'short']) {
			allowed.add(new Intl.DateTimeFormat('en', { month: style }).format(new Date(2026, m, 1)).replace('.', ''));
			allowed.add(new Intl.DateTimeFormat('en', { weekday: style }).format(new Date(2026, 0, 4 + m %% 7)));
		}
		const strip = (s) => { let prev; do { prev = s; s = s.replace(/%s[^%s%s]*%s/g, ' '); } while (s !== prev); return s; };
		const out = new Set();
		const check = (text, how) => {
			for (const w of words(strip(text))) if (!allowed.has(w) && !/^[A-Z]{1}$|^[A-Z]{4}$/.test(w)) out.add(how + ' ' + JSON.stringify(w));
		};
		// Visible text, less what is marked as another language (the
		// languages' own names in the picker).
		const page = document.documentElement.lang;
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		const texts = [];
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const el = n.parentElement;
			const other = el.closest('[lang]');
			if (other && other.getAttribute('lang') !== page) continue;
			// People's own words (a card's note, a reply, a placement's page)
			// are shown in their own direction, marked so: not the catalogue's.
			if (el.closest('[dir="auto"], bdi, .their-words')) continue;
			if (el.closest('option') ? !el.closest('select').checkVisibility() : !el.checkVisibility()) continue;
			texts.push(n.textContent);
		}
		check(texts.join('\n'), 'text');
		for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')) {
			if (!el.checkVisibility() || el.closest('[dir="auto"], bdi, .their-words')) continue;
			for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.hasAttribute(a)) check(el.getAttribute(a), a);
		}
		return [...out].slice(0, 12);
	})()`, allowed, "AM PM Riverside demo heard", i18n.PseudoOpen, i18n.PseudoOpen, i18n.PseudoClose, i18n.PseudoClose), &found))
	for _, f := range found {
		c.fail("%s (%s): not from the catalogue: %s", where, c.lang, f)
	}
}

// signInAs signs a member of staff in on a fresh page load.
func (c *screenChecker) signInAs(email string) {
	run(c.t, c.ctx, "sign out", chromedp.Evaluate(`localStorage.removeItem('heard.refreshToken')`, nil))
	run(c.t, c.ctx, "sign in "+email,
		chromedp.Navigate(c.h.URL+"/?as="+email+"#/signin"),
		chromedp.WaitVisible(`#signin-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-password`, "heard-demo-2026", chromedp.ByQuery),
		chromedp.Click(`#signin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#home`, chromedp.ByQuery))
	// Staff accounts start in English; this one chooses the checker's language.
	if c.lang != "en" {
		c.chooseLanguage(c.lang)
	}
}

func (c *screenChecker) report() {
	c.mu.Lock()
	for m := range c.missing {
		c.fail("(%s) %s", c.lang, m)
	}
	c.mu.Unlock()
	for _, p := range c.problems {
		c.t.Error(p)
	}
}

func TestEveryScreenAccessibleAndReflowsEnglish(t *testing.T) { everyScreen(t, "en", "Jay", "Leo") }
func TestEveryScreenAccessibleAndReflowsArabic(t *testing.T)  { everyScreen(t, "ar", "Mia", "Leo") }

// The pseudo-language (i18n.RegisterPseudo: accented, words 40 % longer, each
// message marked ⟦ ⟧) on every screen: any word outside the marks did not come
// from the catalogue, and nothing may stick out at 320 px.
func TestEveryScreenPseudoLanguage(t *testing.T) { everyScreen(t, i18n.Pseudo, "Jay", "Leo") }

// everyScreen checks every screen in one language: name is one of Sam's
// young people, who joins; otherName's code opens the PIN step unused.
func everyScreen(t *testing.T, lang, name, otherName string) {
	h := startHeard(t)
	sam := h.staffMember(t, "sam@demo.heard")
	person := youngPerson(t, h, sam.AreaID, name)
	other := strings.ReplaceAll(h.joinCode(t, otherName), "-", "")

	// Signed out.
	c := newScreenChecker(t, h, lang)
	run(t, c.ctx, "open Heard", chromedp.Navigate(h.URL+"/"), chromedp.WaitVisible(`#welcome-join`, chromedp.ByQuery))
	for _, s := range []screenStop{
		{name: "welcome", path: "/", ready: "#welcome-join"},
		{name: "join-code", path: "/join", ready: "#join-code"},
		{name: "join-pin", path: "/join/" + other, ready: "#pin-new"},
		{name: "signin", path: "/signin", ready: "#signin-email"},
		{name: "reset-password", path: "/reset", ready: "#reset-code"},
		{name: "settings-signed-out", path: "/settings", ready: "#lang-select"},
		{name: "help-signed-out", path: "/help", ready: "#fc-help-title"},
	} {
		c.visit(s, true)
	}

	// A young person.
	var token struct{ AccessToken string }
	h.postJSON(t, "/api/auth/login", "", map[string]string{"email": "sam@demo.heard", "password": "heard-demo-2026"}, &token)
	if status := h.postJSON(t, "/api/young-people/"+person.ID+"/contacts", token.AccessToken, map[string]string{"kind": "review"}, nil); status != 201 {
		t.Fatalf("log a contact: %d", status)
	}
	join(t, c.ctx, h, name)
	talked, alerted := screensCards(t, h, person, token.AccessToken)
	young := []screenStop{
		{name: "help", path: "/help", ready: "#help-numbers"},
		{name: "card-conversation", path: "/cards/card/" + talked, ready: "#fc-thread"},
		{name: "home-young-person", path: "/home", ready: "#fc-tile"},
		{name: "cards", path: "/cards", ready: `#fc-grid a[data-card="worried"]`},
		{name: "card-sheet", path: "/cards/send/worried", ready: "#main"},
		{name: "card-sheet-urgent", path: "/cards/send/not_safe", ready: "#main"},
		{name: "card-help", path: "/cards/help", ready: "#main"},
		{name: "cards-mine", path: "/cards/mine", ready: "#main"},
		{name: "feedback-list", path: "/feedback", ready: "a.fb-request"},
		{name: "feedback-answer", ready: ".fb-step", act: chromedp.Click(`a.fb-request`, chromedp.ByQuery)},
		{name: "settings-young-person", path: "/settings", ready: "#large-text"},
		{name: "my-data", path: "/my-data", ready: "#md-phones"},
		{name: "my-new-home", path: "/my-move", ready: "#main h1"},
		{name: "about-me", path: "/about-me", ready: "#am-form"},
		{name: "my-buddy", path: "/buddy", ready: "#my-buddy h1"},
	}
	for _, s := range young {
		c.visit(s, true)
	}
	// With Heard's larger text (150 %), a young person's screens still fit a
	// 320-pixel phone.
	run(t, c.ctx, "larger text", chromedp.Evaluate(`localStorage.setItem('heard.largeText', '1'); document.documentElement.classList.add('text-large')`, nil))
	for _, s := range young {
		if s.act != nil {
			continue
		}
		run(t, c.ctx, "open "+s.name, viewport(320), chromedp.Evaluate(fmt.Sprintf(`window.heard.navigate(%q)`, s.path), nil), chromedp.WaitVisible(s.ready, chromedp.ByQuery), chromedp.Sleep(150*time.Millisecond))
		c.reflow(s.name, ", larger text", 320)
		c.barWordsWhole(s.name)
		if s.name == "home-young-person" || s.name == "card-sheet-urgent" {
			screenshot(t, c.ctx, "screens-"+s.name+"-large-"+lang+"-320")
		}
	}
	run(t, c.ctx, "normal text", viewport(320), chromedp.Evaluate(`localStorage.removeItem('heard.largeText'); document.documentElement.classList.remove('text-large')`, nil))
	c.visit(screenStop{name: "unlock", ready: "#unlock-pin", act: chromedp.Click(`#lock`, chromedp.ByQuery)}, true)
	c.report()

	// Staff, each role in turn.
	s := newScreenChecker(t, h, lang)
	run(t, s.ctx, "open Heard", chromedp.Navigate(h.URL+"/"), chromedp.WaitVisible(`#welcome-join`, chromedp.ByQuery))
	yp := "/young-people/" + person.ID
	oakID := h.staffMember(t, "oak@demo.heard").PlacementID
	demoWeek, err := h.Store.CurrentBuddyWeek(context.Background(), sam.AreaID, youngPerson(t, h, sam.AreaID, "Mia").ID)
	if err != nil {
		t.Fatalf("the demo buddy week: %v", err)
	}
	for _, role := range []struct {
		email string
		stops []screenStop
	}{
		{"sam@demo.heard", []screenStop{
			{name: "home-key-worker", path: "/home", ready: ".yp-item"},
			{name: "join-code-shown", ready: "#join-code-shown", act: chromedp.Click(`.yp-item .give-code`, chromedp.ByQuery)},
			{name: "inbox", path: "/inbox", ready: "#main"},
			{name: "card-acked-conversation", path: "/inbox/" + talked, ready: "#fc-again-send"},
			{name: "phones", path: yp + "/phones", ready: "#main"},
			{name: "log-contact", path: yp + "/contact", ready: "#fb-log-submit"},
			{name: "shared-feedback", path: yp + "/feedback", ready: "#main"},
			{name: "moves", path: yp + "/moves", ready: "#move-plan"},
			{name: "settings-staff", path: "/settings", ready: "#password-current"},
		}},
		{"duty@demo.heard", []screenStop{
			{name: "home-duty-worker", path: "/home", ready: "#home"},
			{name: "card-escalated", path: "/inbox/" + alerted, ready: "#fc-timeline"},
		}},
		{"manager@demo.heard", []screenStop{
			{name: "home-team-manager", path: "/home", ready: "#home"},
			{name: "follow-ups", path: "/follow-ups", ready: "#main"},
		}},
		{"oak@demo.heard", []screenStop{
			{name: "home-placement", path: "/home", ready: "#home"},
			{name: "placement-profile", path: "/placements/" + oakID + "/profile", ready: "#profile-welcome"},
			{name: "placement-photos", path: "/placements/" + oakID + "/photos", ready: ".photo-item"},
			{name: "placement-questions", path: "/placement-questions", ready: "#main"},
			{name: "placement-booklet", path: "/placements/" + oakID + "/booklet", ready: "#booklet-template"},
			{name: "buddy-roster", path: "/placement/buddies", ready: ".rb-item"},
			{name: "buddy-weeks", path: "/buddy-weeks", ready: ".bs-week"},
			{name: "buddy-match", path: "/moves/" + demoWeek.MoveID + "/buddy", ready: "#bm-current"},
		}},
		{"commissioner@demo.heard", []screenStop{
			{name: "home-commissioner", path: "/home", ready: "#home"},
			{name: "dashboard", path: "/dashboard", ready: "#main"},
		}},
		{"admin@demo.heard", []screenStop{
			{name: "home-administrator", path: "/home", ready: ".yp-item"},
			{name: "admin-staff", path: "/admin/staff", ready: "#main"},
			{name: "admin-staff-edit", ready: ".staff-edit-form:not([hidden])", act: chromedp.Click(`.staff-edit`, chromedp.ByQuery)},
			{name: "admin-teams", path: "/admin/teams", ready: "#main"},
			{name: "admin-area", path: "/admin/area", ready: "#main"},
			{name: "admin-duty", path: "/admin/duty", ready: "#main"},
			{name: "admin-audit", path: "/admin/audit", ready: "#main"},
			{name: "admin-deliveries", path: "/admin/deliveries", ready: "#main"},
			{name: "admin-placements", path: "/admin/placements", ready: ".placement-item"},
		}},
	} {
		s.signInAs(role.email)
		for _, stop := range role.stops {
			s.visit(stop, strings.HasPrefix(stop.name, "home-key") || stop.name == "join-code-shown" || stop.name == "inbox")
		}
	}
	s.report()
}

// screensCards gives the young person a card their key worker has answered
// (with a message after), and an urgent card escalated to the duty worker
// that nobody has acknowledged, for the screens that show them.
func screensCards(t *testing.T, h *heardServer, y heard.YoungPerson, kwToken string) (talked, alerted string) {
	t.Helper()
	ctx := context.Background()
	sam, dana := h.staffMember(t, "sam@demo.heard"), h.staffMember(t, "duty@demo.heard")
	area, err := h.Store.Area(ctx, y.AreaID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	card := func(kind string, urgency heard.Urgency) heard.Card {
		c := heard.Card{ID: heard.NewID(), AreaID: y.AreaID, YoungPersonID: y.ID, TeamID: y.TeamID, Service: y.Service, CardID: kind,
			Urgency: urgency, ReceivedAt: now, Day: heard.CardDay(area.TimeZone, now), KeyWorkerID: sam.ID}
		if urgency == heard.UrgencyUrgent {
			c.CrisisShown = area.CrisisContacts
		}
		if _, _, err := h.Store.InsertCard(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := h.Store.ListCard(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := card("worried", heard.UrgencyOrdinary)
	if st := h.postJSON(t, "/api/cards/"+a.ID+"/ack", kwToken, map[string]string{"quickReply": "here_for_you", "reply": "See you after school."}, nil); st != 200 {
		t.Fatalf("ack: %d", st)
	}
	if st := h.postJSON(t, "/api/cards/"+a.ID+"/messages", kwToken, map[string]string{"id": heard.NewID(), "text": "Kitchen at four?"}, nil); st != 201 {
		t.Fatalf("message: %d", st)
	}
	b := card("not_safe", heard.UrgencyUrgent)
	if _, err := h.Store.CreateAlert(ctx, store.AlertRecord{Alert: heard.Alert{ID: b.ID, AreaID: y.AreaID, YoungPersonID: y.ID, KeyWorkerID: sam.ID,
		Urgency: heard.UrgencyUrgent, Type: "card_urgent", CreatedAt: now}, Status: store.AlertOpen, NextStep: "duty", DueAt: now.Add(15 * time.Minute),
		StepsTaken: map[string]store.AlertStep{"notify": {Step: "notify", At: now, Told: []string{sam.ID, dana.ID}}},
		Told:       []string{sam.ID, dana.ID}, EscalatedTo: []string{dana.ID}}); err != nil {
		t.Fatal(err)
	}
	return a.ID, b.ID
}
