package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A key worker adds a young person on a bad connection: Heard makes the
// record but the answer never reaches the phone, so the app says it could
// not save, and the worker taps Save again. The app sends the same
// Idempotency-Key, Heard answers with the first result, and there is one
// record, not two. A double tap on Save also makes one (the button is busy
// while the first is on its way).
func TestATimedOutCreateIsMadeOnce(t *testing.T) {
	h := startHeard(t)
	sam := h.staffMember(t, "sam@demo.heard")
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "sam@demo.heard")
	count := func(first string) int {
		people, err := h.Store.YoungPeopleInArea(context.Background(), sam.AreaID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, y := range people {
			if y.FirstName == first {
				n++
			}
		}
		return n
	}

	// The first answer is lost on the way back, as when the signal drops.
	run(t, ctx, "lose the first answer", chromedp.Evaluate(`(() => {
		const real = window.fetch; let dropped = false;
		window.fetch = async (url, opts) => {
			const res = await real(url, opts);
			if (!dropped && String(url).endsWith('/api/young-people') && opts && opts.method === 'POST') {
				dropped = true;
				throw new TypeError('network connection lost');
			}
			return res;
		};
	})()`, nil))
	run(t, ctx, "add Ola, and lose the answer",
		chromedp.Click("#yp-add", chromedp.ByQuery), chromedp.WaitVisible("#yp-first-name", chromedp.ByQuery),
		chromedp.SendKeys("#yp-first-name", "Ola", chromedp.ByQuery),
		chromedp.Click("#yp-add-save", chromedp.ByQuery),
		chromedp.Poll(`!document.querySelector('#yp-add-save').disabled`, nil, chromedp.WithPollingTimeout(10*time.Second)))
	if n := count("Ola"); n != 1 {
		t.Fatalf("after the lost answer Heard holds %d Olas, want 1", n)
	}
	run(t, ctx, "tap Save again", chromedp.Click("#yp-add-save", chromedp.ByQuery), waitText("#yp-added", "Ola is on your list"))
	if n := count("Ola"); n != 1 {
		t.Fatalf("tapping Save again after a lost answer made %d Olas, want 1", n)
	}

	run(t, ctx, "double tap for Bo",
		chromedp.Click("#yp-add", chromedp.ByQuery), chromedp.WaitVisible("#yp-first-name", chromedp.ByQuery),
		chromedp.SendKeys("#yp-first-name", "Bo", chromedp.ByQuery),
		chromedp.Evaluate(`(() => { const b = document.querySelector('#yp-add-save'); b.click(); b.click(); })()`, nil),
		waitText("#yp-added", "Bo is on your list"))
	time.Sleep(500 * time.Millisecond)
	if n := count("Bo"); n != 1 {
		t.Fatalf("a double tap made %d Bos, want 1", n)
	}
}
