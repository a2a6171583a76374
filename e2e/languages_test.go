package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard/i18n"
)

// Heard in every language it speaks, in one browser with one young person and
// one commissioner: the feeling cards, the urgent help screen, the
// questionnaire and the commissioners' dashboard, each checked at 320 and 160
// CSS px for anything sticking out and for letters drawn as empty boxes (a font
// without the script), with a screenshot of each under
// testdata/out/screenshots/lang-<code>-<screen>.png. The language is changed
// as a person changes it, with the picker in Settings.
func TestEveryLanguageCardsHelpQuestionnaireDashboard(t *testing.T) {
	h := startHeard(t)
	sam := h.staffMember(t, "sam@demo.heard")
	person := youngPerson(t, h, sam.AreaID, "Jay")
	var token struct{ AccessToken string }
	h.postJSON(t, "/api/auth/login", "", map[string]string{"email": "sam@demo.heard", "password": "heard-demo-2026"}, &token)
	if status := h.postJSON(t, "/api/young-people/"+person.ID+"/contacts", token.AccessToken, map[string]string{"kind": "review"}, nil); status != 201 {
		t.Fatalf("log a contact: %d", status)
	}
	var langs []i18n.Language
	for _, l := range i18n.Languages() {
		if l.Code != i18n.Pseudo {
			langs = append(langs, l)
		}
	}
	if len(langs) != 12 {
		t.Errorf("Heard speaks %d languages, want 12", len(langs))
	}

	c := newScreenChecker(t, h, "en")
	c.tofuDetectorWorks()
	join(t, c.ctx, h, "Jay")
	for _, l := range langs {
		c.lang = l.Code
		c.chooseLanguage(l.Code)
		c.look(screenStop{name: "cards", path: "/cards", ready: `#fc-grid a[data-card="worried"]`})
		c.look(screenStop{name: "urgent-help", path: "/cards/help", ready: "#fc-help-title"})
		c.look(screenStop{name: "questionnaire", ready: ".fb-step", act: chromedp.Tasks{
			chromedp.Evaluate(`window.heard.navigate('/feedback')`, nil),
			chromedp.WaitVisible(`a.fb-request`, chromedp.ByQuery),
			chromedp.Click(`a.fb-request`, chromedp.ByQuery)}})
		c.fonts(l)
	}
	// A phone without the script's fonts gets Heard's: each face loads and
	// covers its languages' own names. (Last: loading them fetches them.)
	for _, l := range langs {
		if family := map[string]string{"Arab": "Heard Arabic", "Ethi": "Heard Ethiopic"}[l.Script]; family != "" {
			var loaded []string
			run(t, c.ctx, "load "+family, chromedp.Evaluate(fmt.Sprintf(`document.fonts.load('20px "%s"', %q).then((faces) => faces.map((f) => f.family + ' ' + f.status))`, family, l.Name), &loaded, awaitPromise))
			if len(loaded) != 1 || !strings.HasSuffix(loaded[0], " loaded") {
				c.fail("(%s) %s does not load for %q: %v", l.Code, family, l.Name, loaded)
			}
		}
	}
	c.readAloud()
	c.report()

	d := newScreenChecker(t, h, "en")
	run(t, d.ctx, "open Heard", chromedp.Navigate(h.URL+"/"), chromedp.WaitVisible(`#welcome-join`, chromedp.ByQuery))
	d.signInAs("commissioner@demo.heard")
	for _, l := range langs {
		d.lang = l.Code
		d.chooseLanguage(l.Code)
		d.look(screenStop{name: "dashboard", path: "/dashboard", ready: "#main .db-tile, #main table"})
	}
	d.report()

	// The administrator chooses the area's languages seeing how far each
	// one's words are checked.
	a := newScreenChecker(t, h, "en")
	run(t, a.ctx, "open Heard", chromedp.Navigate(h.URL+"/"), chromedp.WaitVisible(`#welcome-join`, chromedp.ByQuery))
	a.signInAs("admin@demo.heard")
	a.look(screenStop{name: "admin-area", path: "/admin/area", ready: "#area-languages"})
	run(t, a.ctx, "scroll to the languages", chromedp.ScrollIntoView(`#area-languages`, chromedp.ByQuery))
	screenshot(t, a.ctx, "lang-en-admin-area-languages")
	var statuses map[string]string
	run(t, a.ctx, "statuses", chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('#area-languages .toggle')].map((b) => [b.querySelector('input').id.replace('area-lang-', ''), b.dataset.status + ' ' + (b.querySelector('input').checked ? 'on' : 'off') + ' ' + b.querySelector('.field-help').textContent]))`, &statuses))
	for _, l := range langs {
		got := statuses[l.Code]
		want := l.Status.Status
		if !strings.HasPrefix(got, want+" ") {
			t.Errorf("the area's languages show %s as %q, want %s", l.Code, got, want)
		}
	}
	if !strings.Contains(statuses["en"], " on ") || !strings.Contains(statuses["ar"], " on ") || !strings.Contains(statuses["cy"], " off ") {
		t.Errorf("the demo area offers English and Arabic: %v", statuses)
	}
	if !strings.Contains(statuses["ti"], "native speaker") {
		t.Errorf("Tigrinya's status does not say it is not yet checked: %q", statuses["ti"])
	}
	a.report()
}

// chooseLanguage picks a language in Settings, as a person does.
func (c *screenChecker) chooseLanguage(code string) {
	c.t.Helper()
	run(c.t, c.ctx, "choose "+code, viewport(320),
		chromedp.Evaluate(`window.heard.navigate('/settings')`, nil),
		chromedp.WaitVisible(`#lang-select`, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.getElementById('lang-select'); s.value = %q; s.dispatchEvent(new Event('change')); })()`, code), nil),
		chromedp.Poll(fmt.Sprintf(`document.documentElement.lang === %q && !!document.getElementById('lang-select')`, code), nil, chromedp.WithPollingTimeout(15*time.Second)))
}

// look opens a screen at 320 CSS px, checks it fits and draws every letter,
// and keeps a screenshot.
func (c *screenChecker) look(s screenStop) {
	c.t.Helper()
	reach := s.act
	if reach == nil {
		reach = chromedp.Evaluate(fmt.Sprintf(`window.heard.navigate(%q)`, s.path), nil)
	}
	run(c.t, c.ctx, "open "+s.name+" in "+c.lang, viewport(320), reach,
		chromedp.WaitVisible(s.ready, chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('app').getAttribute('aria-busy') === 'false' && !document.querySelector('main .loading')`, nil,
			chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Evaluate(`document.fonts.ready.then(() => true)`, nil, awaitPromise))
	c.reflow(s.name, "", 160) // 200 % zoom on a small phone
	run(c.t, c.ctx, "back to 320", viewport(320))
	c.reflow(s.name, "", 320)
	c.tofu(s.name)
	name := fmt.Sprintf("lang-%s-%s", c.lang, s.name)
	if s.name == "dashboard" {
		fullScreenshot(c.t, c.ctx, name) // the charts are further down
		return
	}
	screenshot(c.t, c.ctx, name)
}

// tofuScript lists the letters on the screen that the browser draws as the
// empty box of a missing glyph: each distinct letter of the visible text is
// drawn on a canvas in the page's font and compared with a character no font
// has (U+10FFFD, private use).
const tofuScript = `(() => {
	const canvas = document.createElement('canvas');
	canvas.width = 64; canvas.height = 64;
	const g = canvas.getContext('2d', { willReadFrequently: true });
	const main = document.querySelector('main') || document.body;
	g.font = '40px ' + getComputedStyle(main).fontFamily;
	g.textBaseline = 'top';
	const draw = (ch) => { g.clearRect(0, 0, 64, 64); g.fillText(ch, 8, 8); return g.getImageData(0, 0, 64, 64).data.join(''); };
	const box = draw('\u{10FFFD}');
	const text = (window.__tofuExtra || '') + document.body.innerText;
	const seen = new Set();
	const out = [];
	for (const ch of text) {
		if (seen.has(ch) || /[\s\p{Cf}\p{Mn}\p{Me}\p{Cc}]/u.test(ch)) continue;
		seen.add(ch);
		if (draw(ch) === box) out.push(ch + ' U+' + ch.codePointAt(0).toString(16).toUpperCase());
	}
	return out;
})()`

func (c *screenChecker) tofu(where string) {
	var boxes []string
	run(c.t, c.ctx, "glyphs "+where, chromedp.Evaluate(tofuScript, &boxes))
	if len(boxes) > 0 {
		c.fail("%s (%s): drawn as empty boxes: %s", where, c.lang, strings.Join(boxes, ", "))
	}
}

// tofuDetectorWorks shows the check can fail: letters of a script no font on
// this machine has are reported.
func (c *screenChecker) tofuDetectorWorks() {
	c.t.Helper()
	run(c.t, c.ctx, "open Heard", chromedp.Navigate(c.h.URL+"/"), chromedp.WaitVisible(`#welcome-join`, chromedp.ByQuery))
	var boxes []string
	run(c.t, c.ctx, "tofu detector", chromedp.Evaluate(`window.__tofuExtra = '\u{F0001}\u{F0002}'`, nil), chromedp.Evaluate(tofuScript, &boxes),
		chromedp.Evaluate(`window.__tofuExtra = ''`, nil))
	if len(boxes) != 2 {
		c.t.Fatalf("the missing-glyph check finds %v in two private-use letters; it cannot tell an empty box", boxes)
	}
}

// fonts: a language written in Arabic or Ethiopic script brings its font
// stylesheet, others do not, and no font file is fetched on a machine that
// has the script's fonts. The subset fonts' sizes are logged.
func (c *screenChecker) fonts(l i18n.Language) {
	c.t.Helper()
	var got struct {
		Sheets []string
		Fonts  []string
		Bytes  int
	}
	want := map[string]string{"Arab": "fonts-arab", "Ethi": "fonts-ethi"}[l.Script]
	run(c.t, c.ctx, "fonts "+l.Code, chromedp.Evaluate(fmt.Sprintf(`(async () => {
		const sheets = [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => l.getAttribute('href')).filter((h) => h.includes('/fonts-'));
		const fonts = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.woff2'));
		let bytes = 0;
		const sheet = sheets.find((h) => h.includes(%q));
		if (sheet) {
			const css = await (await fetch(sheet)).text();
			const m = css.match(/url\("?([^")]+\.woff2)"?\)/);
			if (m) bytes = (await (await fetch(m[1])).arrayBuffer()).byteLength;
		}
		performance.clearResourceTimings();
		return { sheets, fonts, bytes };
	})()`, want+"."), &got, awaitPromise))
	has := false
	for _, s := range got.Sheets {
		has = has || strings.Contains(s, want+".")
	}
	switch {
	case want != "" && !has:
		c.fail("(%s) the %s font stylesheet is not loaded: %v", l.Code, want, got.Sheets)
	case want == "" && len(got.Sheets) > 0 && l.Code == "en":
		c.fail("(en) font stylesheets loaded for English: %v", got.Sheets)
	}
	if len(got.Fonts) > 0 {
		c.fail("(%s) font files fetched on a machine that has the fonts: %v", l.Code, got.Fonts)
	}

	if want != "" && got.Bytes > 0 {
		c.t.Logf("%s: its subset font is %d bytes (fetched only where the phone has no font for the script)", l.Code, got.Bytes)
	}
}

// readAloud: the button reads with a voice for the language only. The
// browser's voices are replaced by made-up ones so the test knows what the
// phone has: a Dari page with only an Iranian Farsi voice says, in Dari,
// that there is no voice (rather than reading with the wrong accent); with a
// Farsi-as-spoken-in-Afghanistan voice it reads, in that voice; a Welsh
// page with no Welsh voice says so in Welsh.
func (c *screenChecker) readAloud() {
	c.t.Helper()
	run(c.t, c.ctx, "read-aloud on", chromedp.Evaluate(`localStorage.setItem('heard.readAloud', '1')`, nil))
	try := func(code string, voices string) (spoken, note string) {
		c.chooseLanguage(code)
		run(c.t, c.ctx, "read aloud in "+code,
			chromedp.Evaluate(fmt.Sprintf(`(() => {
				const voices = %s.map((v) => ({ ...v, name: v.lang, default: false }));
				speechSynthesis.getVoices = () => voices;
				window.__spoken = '';
				speechSynthesis.speak = (u) => { window.__spoken = u.lang; setTimeout(() => u.onend && u.onend(), 10); };
				const old = document.getElementById('no-voice');
				if (old) old.remove();
			})()`, voices), nil),
			chromedp.Evaluate(`window.heard.navigate('/cards')`, nil),
			chromedp.WaitVisible(`#read-aloud`, chromedp.ByQuery),
			chromedp.Click(`#read-aloud`, chromedp.ByQuery),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.Evaluate(`window.__spoken`, &spoken),
			chromedp.Evaluate(`(document.getElementById('no-voice') || {}).textContent || ''`, &note))
		return spoken, note
	}
	if spoken, note := try("prs", `[{ lang: 'fa-IR', localService: true }, { lang: 'en-GB', localService: true }]`); spoken != "" || note != i18n.T("prs", "nav.no_voice") {
		c.fail("(prs) with only an Iranian Farsi voice: spoke %q, said %q", spoken, note)
	}
	if spoken, note := try("prs", `[{ lang: 'fa-IR', localService: true }, { lang: 'fa-AF', localService: true }]`); spoken != "fa-AF" || note != "" {
		c.fail("(prs) with a Dari voice: spoke %q, said %q", spoken, note)
	}
	if spoken, note := try("cy", `[{ lang: 'en-GB', localService: true }]`); spoken != "" || note != i18n.T("cy", "nav.no_voice") {
		c.fail("(cy) with no Welsh voice: spoke %q, said %q", spoken, note)
	}
	if spoken, _ := try("cy", `[{ lang: 'en-GB', localService: true }, { lang: 'cy_GB', localService: true }]`); spoken != "cy_GB" {
		c.fail("(cy) with a Welsh voice: spoke %q", spoken)
	}
	run(c.t, c.ctx, "read-aloud off", chromedp.Evaluate(`localStorage.removeItem('heard.readAloud')`, nil))
}
