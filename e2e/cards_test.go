package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/notify/pushtest"
)

// cardsPhone narrows a browser to a 320-pixel-wide phone.
func cardsPhone(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 690, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
}

// cardsOf reads a young person's cards straight from the cards collection (not
// the lists the app reads), so a duplicate could not hide.
func cardsOf(t *testing.T, h *heardServer, y heard.YoungPerson) []heard.Card {
	t.Helper()
	cur, err := h.Store.DB.Collection("cards").Find(context.Background(), bson.D{{Key: "area", Value: y.AreaID}, {Key: "youngPersonId", Value: y.ID}})
	if err != nil {
		t.Fatal(err)
	}
	var cards []heard.Card
	if err := cur.All(context.Background(), &cards); err != nil {
		t.Fatal(err)
	}
	return cards
}

// cardsSetOffline cuts the page off the network (or reconnects it), and tells
// the page so as a phone's browser does: Chromium's network emulation (since
// about version 148) no longer changes navigator.onLine or fires "online"
// and "offline", so the page would otherwise learn of the signal only from
// its own retries.
func cardsSetOffline(offline bool) chromedp.Action {
	event := "online"
	if offline {
		event = "offline"
	}
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := network.Enable().Do(ctx); err != nil {
			return err
		}
		if err := network.EmulateNetworkConditions(offline, 0, -1, -1).Do(ctx); err != nil {
			return err
		}
		return chromedp.Evaluate(fmt.Sprintf(`window.dispatchEvent(new Event(%q))`, event), nil).Do(ctx)
	})
}

// cardsTap scrolls an element to the middle of the screen (clear of the bar
// that keeps the main button in reach) and taps it.
func cardsTap(sel string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center"})`, sel), nil),
		chromedp.Click(sel, chromedp.ByQuery),
	}
}

// A young person sends a card while offline; back online, exactly one card
// arrives; the key worker's push reaches the push service; the worker
// acknowledges with a quick reply; the young person sees "seen" and the reply.
// Along the way: screenshots of the grid, the sheet, the help numbers and the
// inbox, in English and in Arabic.
func TestCardsOfflineToSeenAndReply(t *testing.T) {
	chromiumPath(t)
	h, _, pushSvc := startHeardWithPush(t)
	bg := context.Background()
	sam := h.staffMember(t, "sam@demo.heard")
	samPhone := h.subscribe(t, pushSvc, sam.AreaID, sam.ID, sam.Role)
	jay := youngPerson(t, h, sam.AreaID, "Jay")

	// The young person's phone.
	yp := newBrowser(t, "en")
	cardsPhone(t, yp)
	join(t, yp, h, "Jay")
	run(t, yp, "open the grid", chromedp.Click(`#fc-tile`, chromedp.ByQuery), chromedp.WaitVisible(`#fc-grid a[data-card="worried"]`, chromedp.ByQuery))
	noSideScroll(t, yp, 320, "the grid")
	screenshot(t, yp, "cards-grid-en")

	// Offline: the card is kept on the phone.
	run(t, yp, "go offline and fill in a card", cardsSetOffline(true),
		chromedp.Click(`#fc-grid a[data-card="worried"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		cardsTap(`label[for="fc-amount-a_lot"]`),
		cardsTap(`label[for="fc-help-talk_later"]`),
		chromedp.SendKeys(`#fc-note`, "Maths test tomorrow", chromedp.ByQuery))
	noSideScroll(t, yp, 320, "the sheet")
	run(t, yp, "scroll to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	screenshot(t, yp, "cards-sheet-en")
	run(t, yp, "send while offline",
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fc-sent[data-state="waiting"]`, chromedp.ByQuery),
		waitText(`#fc-sent-title`, "Saved on your phone"))
	screenshot(t, yp, "cards-waiting-en")
	run(t, yp, "my cards while offline",
		chromedp.Click(`#fc-see-mine`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-mine-items [data-state="waiting"]`, chromedp.ByQuery))
	if got := cardsOf(t, h, jay); len(got) != 0 {
		t.Fatalf("a card reached Heard while the phone was offline: %+v", got)
	}

	// Back online: the card goes by itself, exactly once.
	run(t, yp, "come back online", cardsSetOffline(false))
	var cards []heard.Card
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		if cards = cardsOf(t, h, jay); len(cards) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(cards) != 1 {
		t.Fatalf("want exactly one card after coming back online, got %d", len(cards))
	}
	card := cards[0]
	if card.CardID != "worried" || card.Amount != heard.AmountALot || card.Help != heard.HelpTalkLater || card.Note != "Maths test tomorrow" || card.Urgency != heard.UrgencyConcerning {
		t.Errorf("the card that arrived: %+v", card)
	}
	run(t, yp, "the card shows as sent", waitText(`#fc-mine-items`, "Sent"))

	// The key worker's phone is told by Web Push.
	push := pushSvc.Await(t, samPhone, func(m pushtest.Message) bool { return m.Payload["url"] == "/#/inbox/"+card.ID }).Payload
	if push["type"] != "card" || strings.Contains(fmt.Sprint(push["title"], push["body"]), "Jay") || strings.Contains(fmt.Sprint(push["body"]), "orried") {
		t.Errorf("lock-screen push says too much or the wrong thing: %v", push)
	}

	// The key worker opens the inbox, then the card from the push, and replies.
	worker := newBrowser(t, "en")
	signIn(t, worker, h, "sam@demo.heard")
	run(t, worker, "the inbox lists the card", chromedp.WaitVisible(`#fc-inbox li[data-id="`+card.ID+`"]`, chromedp.ByQuery),
		waitText(`#fc-inbox-summary`, "1 new card"))
	screenshot(t, worker, "cards-inbox-en")
	run(t, worker, "acknowledge with a quick reply",
		chromedp.Navigate(h.URL+fmt.Sprint(push["url"])),
		chromedp.WaitVisible(`#fc-ack`, chromedp.ByQuery),
		waitText(`main`, "Maths test tomorrow"),
		cardsTap(`label[for="fc-quick-talk_at"]`),
		chromedp.WaitVisible(`#fc-ack-time`, chromedp.ByQuery),
		chromedp.SetValue(`#fc-ack-time`, "16:30", chromedp.ByQuery))
	screenshot(t, worker, "cards-detail-en")
	run(t, worker, "send the acknowledgement",
		chromedp.Click(`#fc-ack`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-acked`, chromedp.ByQuery),
		waitText(`#fc-acked`, "Let's talk at 16:30."))

	// The young person sees who saw it, and the reply.
	run(t, yp, "seen and the reply",
		chromedp.Navigate(h.URL+"/#/cards"),
		chromedp.WaitVisible(`#fc-mine`, chromedp.ByQuery),
		chromedp.Click(`#fc-mine`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-mine-items [data-state="seen"]`, chromedp.ByQuery),
		waitText(`#fc-mine-items`, "Seen by Sam"),
		waitText(`#fc-mine-items`, "Let's talk at 16:30."),
		chromedp.WaitVisible(`.fc-history svg`, chromedp.ByQuery))
	screenshot(t, yp, "cards-mine-en")
	if got := cardsOf(t, h, jay); len(got) != 1 || got[0].AckBy != sam.ID || got[0].Reply == nil || got[0].Reply.At != "16:30" {
		t.Fatalf("after the acknowledgement: %+v", got)
	}

	// An urgent card shows the help numbers at once, with links to call and text.
	run(t, yp, "send an urgent card",
		chromedp.Navigate(h.URL+"/#/cards/send/not_safe"),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-help-title`, chromedp.ByQuery),
		waitText(`main`, "We've told Sam and the duty worker."),
		chromedp.WaitVisible(`a[href="tel:08001111"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href^="sms:85258"]`, chromedp.ByQuery))
	noSideScroll(t, yp, 320, "the help numbers")
	screenshot(t, yp, "cards-crisis-en")

	// Offline, the help numbers still show (kept on the phone), and the urgent
	// card waits to be sent.
	run(t, yp, "urgent card offline", cardsSetOffline(true),
		chromedp.Navigate(h.URL+"/#/cards/send/might_hurt_myself"),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fc-sheet-help a[href="tel:999"]`, chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fc-told-waiting`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="tel:08001111"]`, chromedp.ByQuery),
		cardsSetOffline(false))
	deadline = time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) && len(cardsOf(t, h, jay)) < 3 {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // time for a stray second send to arrive
	if got := cardsOf(t, h, jay); len(got) != 3 {
		t.Fatalf("want 3 cards (worried, not_safe, might_hurt_myself), got %d", len(got))
	}

	// Arabic: another young person and the same worker, in Arabic.
	mia := youngPerson(t, h, sam.AreaID, "Mia")
	if err := h.Store.SetYoungPersonLanguage(bg, mia.AreaID, mia.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.SetStaffLanguage(bg, sam.AreaID, sam.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	ypAr := newBrowser(t, "ar")
	cardsPhone(t, ypAr)
	join(t, ypAr, h, "Mia")
	run(t, ypAr, "the grid in Arabic", chromedp.Click(`#fc-tile`, chromedp.ByQuery), chromedp.WaitVisible(`#fc-grid`, chromedp.ByQuery),
		waitText(`main`, "كيف تشعر"))
	var dir string
	run(t, ypAr, "direction", chromedp.Evaluate(`document.documentElement.dir`, &dir))
	if dir != "rtl" {
		t.Errorf("Arabic page direction %q", dir)
	}
	noSideScroll(t, ypAr, 320, "the Arabic grid")
	screenshot(t, ypAr, "cards-grid-ar")
	run(t, ypAr, "the sheet in Arabic",
		chromedp.Click(`#fc-grid a[data-card="sad"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		cardsTap(`label[for="fc-amount-quite"]`),
		cardsTap(`label[for="fc-help-sit_with_me"]`),
		chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	screenshot(t, ypAr, "cards-sheet-ar")
	run(t, ypAr, "send the Arabic card", chromedp.Click(`#fc-send`, chromedp.ByQuery), chromedp.WaitVisible(`#fc-sent-title`, chromedp.ByQuery))
	screenshot(t, ypAr, "cards-sent-ar")
	run(t, ypAr, "an urgent card in Arabic",
		chromedp.Navigate(h.URL+"/#/cards/send/unhappy_where_i_live"),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-help-title`, chromedp.ByQuery),
		waitText(`main`, "أبلغنا"))
	noSideScroll(t, ypAr, 320, "the Arabic help numbers")
	screenshot(t, ypAr, "cards-crisis-ar")

	workerAr := newBrowser(t, "ar")
	signIn(t, workerAr, h, "sam@demo.heard")
	run(t, workerAr, "the inbox in Arabic", chromedp.WaitVisible(`#fc-inbox`, chromedp.ByQuery), waitText(`#fc-inbox-title`, "البطاقات"))
	screenshot(t, workerAr, "cards-inbox-ar")
}

// On a shared phone, a card still waiting to be sent does not stay behind when
// the young person signs the phone out: it is never sent and not kept.
func TestCardsWaitingAreForgottenWhenThePhoneIsSignedOut(t *testing.T) {
	h := startHeard(t)
	ctx := newBrowser(t, "en-GB")
	join(t, ctx, h, "Jay")
	run(t, ctx, "send a card while offline",
		chromedp.Click(`#fc-tile`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-grid a[data-card="lonely"]`, chromedp.ByQuery),
		cardsSetOffline(true),
		chromedp.Click(`#fc-grid a[data-card="lonely"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.SendKeys(`#fc-note`, "nobody to talk to", chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fc-sent[data-state="waiting"]`, chromedp.ByQuery))
	countWaiting := `new Promise((resolve) => {
		const req = indexedDB.open('heard-cards', 1);
		req.onsuccess = () => {
			const tx = req.result.transaction('outbox', 'readonly');
			const c = tx.objectStore('outbox').count();
			c.onsuccess = () => { req.result.close(); resolve(c.result); };
		};
		req.onerror = () => resolve(-1);
	})`
	var waiting int
	run(t, ctx, "the card waits on the phone",
		chromedp.Evaluate(countWaiting, &waiting, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if waiting != 1 {
		t.Fatalf("one card should wait on the phone, found %d", waiting)
	}
	// Signed out while still offline, so the card never had a chance to leave.
	run(t, ctx, "sign the phone out",
		chromedp.Navigate(h.URL+"/#/settings"),
		chromedp.WaitVisible(`#signout`, chromedp.ByQuery),
		chromedp.Click(`#signout`, chromedp.ByQuery),
		chromedp.WaitVisible(`#signout-confirm`, chromedp.ByQuery),
		chromedp.Click(`#signout-confirm`, chromedp.ByQuery),
		chromedp.WaitVisible(`#welcome-join`, chromedp.ByQuery),
		chromedp.Evaluate(countWaiting, &waiting, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if waiting != 0 {
		t.Fatalf("the waiting card should be forgotten when the phone is signed out, %d left", waiting)
	}
	run(t, ctx, "back online", cardsSetOffline(false), chromedp.Reload(), chromedp.WaitVisible(`#welcome-join`, chromedp.ByQuery))
	sam := h.staffMember(t, "sam@demo.heard")
	jay := youngPerson(t, h, sam.AreaID, "Jay")
	time.Sleep(time.Second)
	if got := cardsOf(t, h, jay); len(got) != 0 {
		t.Fatalf("a card from a signed-out phone reached Heard: %+v", got)
	}
}

// A key worker whose young people have sent many cards sees the first page
// (what needs looking at first) and taps "Show more" for the rest.
func TestKeyWorkerInboxShowsMore(t *testing.T) {
	h := startHeard(t)
	sam := h.staffMember(t, "sam@demo.heard")
	jay := youngPerson(t, h, sam.AreaID, "Jay")
	now := time.Now().UTC()
	for i := range heard.CardInboxPage + 10 {
		c := heard.Card{ID: heard.NewID(), AreaID: jay.AreaID, YoungPersonID: jay.ID, CardID: "okay", Urgency: heard.UrgencyOrdinary,
			Service: jay.Service, ReceivedAt: now.Add(-time.Duration(i) * time.Second), Day: now.Format(time.DateOnly)}
		if _, _, err := h.Store.InsertCard(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	ctx := newBrowser(t, "en")
	cardsPhone(t, ctx)
	signIn(t, ctx, h, "sam@demo.heard")
	var first, more int
	run(t, ctx, "open the inbox",
		chromedp.Navigate(h.URL+"/#/inbox"),
		chromedp.WaitVisible(`.fc-inbox-more`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#fc-inbox li').length`, &first))
	if first != heard.CardInboxPage {
		t.Fatalf("the first page shows %d cards, want %d", first, heard.CardInboxPage)
	}
	run(t, ctx, "scroll to the end of the first page",
		chromedp.Evaluate(`document.querySelector('.fc-inbox-more').scrollIntoView({block: "center"})`, nil))
	screenshot(t, ctx, "cards-inbox-more-en")
	run(t, ctx, "show more", cardsTap(`.fc-inbox-more`),
		chromedp.Poll(fmt.Sprintf(`document.querySelectorAll('#fc-inbox li').length > %d`, first), nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`document.querySelectorAll('#fc-inbox li').length`, &more))
	if more < heard.CardInboxPage+10 {
		t.Fatalf("after Show more the inbox shows %d cards, want at least %d", more, heard.CardInboxPage+10)
	}
	noSideScroll(t, ctx, 320, "the inbox with more cards")
}
