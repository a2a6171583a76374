package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A young person opens the app again on their phone: PIN, then home. What
// the phone keeps (their move preview, news of their cards) is on home at
// its first paint, and what comes from Heard afterwards moves nothing: no
// layout shift at all. The PIN is typed by a script, as the Lighthouse script
// does, because shifts just after a person's own typing are not counted.
func TestHomeHoldsStillWhenOpenedAgain(t *testing.T) {
	h := startHeard(t)
	sam := h.staffMember(t, "sam@demo.heard")
	person := youngPerson(t, h, sam.AreaID, "Jay")
	var token struct{ AccessToken string }
	h.postJSON(t, "/api/auth/login", "", map[string]string{"email": "sam@demo.heard", "password": "heard-demo-2026"}, &token)
	screensCards(t, h, person, token.AccessToken) // a reply from Sam: news on home
	ctx := newBrowser(t, "en-GB")
	join(t, ctx, h, "Jay")
	run(t, ctx, "home as first seen",
		chromedp.WaitVisible(`#pv-tile`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-news`, chromedp.ByQuery),
		chromedp.Evaluate(`window.heard.kept()`, nil, awaitPromise))

	run(t, ctx, "open the app again",
		chromedp.Reload(),
		chromedp.WaitVisible(`#unlock-pin`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#unlock-pin').value = '5827'; document.querySelector('#unlock-submit').click()`, nil),
		chromedp.WaitVisible(`#fc-tile`, chromedp.ByQuery))
	var first struct{ Preview, News bool }
	// (Both could push home down if they came after its first paint.)
	run(t, ctx, "home's first paint", chromedp.Evaluate(`({
		preview: document.querySelector('#pv-tile').checkVisibility(),
		news: document.querySelector('#fc-news').checkVisibility(),
	})`, &first))
	if !first.Preview || !first.News {
		t.Errorf("home should show the move preview and news of the cards (else nothing here could move): %+v", first)
	}
	var shifts []string
	run(t, ctx, "layout shifts", chromedp.Sleep(2*time.Second), chromedp.Evaluate(`new Promise((resolve) => {
		new PerformanceObserver((list) => resolve(list.getEntries().filter((e) => !e.hadRecentInput).map((e) =>
			e.value.toFixed(4) + ' ' + e.sources.map((s) => s.node ? (s.node.id || s.node.className || s.node.nodeName) : '?').join(', '))))
			.observe({ type: 'layout-shift', buffered: true });
		setTimeout(() => resolve([]), 500);
	})`, &shifts, awaitPromise))
	if len(shifts) > 0 {
		t.Errorf("home moved after it was shown: %v", shifts)
	}
}
