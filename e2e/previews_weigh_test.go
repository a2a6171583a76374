package e2e

import (
	"os"
	"sort"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWeighPreviewFirstOpen prints what a young person's phone moves on the
// wire the first time they open "My new home" (the demo's Oak House: three
// photos, the page, the booklet), after joining: a benchmark, run by command:
//
//	HEARD_BENCH_PREVIEW=1 CI=1 go test ./e2e -run TestWeighPreviewFirstOpen -v
func TestWeighPreviewFirstOpen(t *testing.T) {
	if os.Getenv("HEARD_BENCH_PREVIEW") == "" {
		t.Skip("a benchmark: set HEARD_BENCH_PREVIEW=1 to run it")
	}
	chromiumPath(t)
	h := startHeard(t)
	ctx := newBrowser(t, "en-GB")
	join(t, ctx, h, "Jay")
	type entry struct {
		Name     string  `json:"name"`
		Transfer float64 `json:"transferSize"`
		Body     float64 `json:"encodedBodySize"`
	}
	var got []entry
	run(t, ctx, "open the preview",
		chromedp.WaitVisible("#pv-tile", chromedp.ByQuery),
		chromedp.Sleep(2e9), // the service worker keeps the app's files, as after any sign-in
		chromedp.Evaluate(`performance.clearResourceTimings(); performance.setResourceTimingBufferSize(500)`, nil),
		chromedp.Click("#pv-tile", chromedp.ByQuery),
		chromedp.WaitVisible("#pv-strip", chromedp.ByQuery),
		chromedp.Poll(`[...document.querySelectorAll('.pv-photo')].every((i) => i.complete && i.src.startsWith('blob:'))`, nil),
		chromedp.Sleep(1e9),
		chromedp.Evaluate(`performance.getEntriesByType('resource').map((e) => ({name: new URL(e.name).pathname, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize}))`, &got))
	sort.Slice(got, func(i, j int) bool { return got[i].Transfer > got[j].Transfer })
	var total, body float64
	for _, e := range got {
		total += e.Transfer
		body += e.Body
		t.Logf("%8.1f KB  %s", e.Transfer/1024, e.Name)
	}
	t.Logf("first open of the preview: %d requests, %.1f KB on the wire (%.1f KB of bodies)", len(got), total/1024, body/1024)
}
