package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"heard"
)

// A young person sends "Worried". Her key worker acknowledges it with a quick
// reply AND his own words (both arrive), then writes again — tapping Send
// twice, as a tired thumb does, which adds the message once. Her home shows
// who replied and what, until she opens the card; she answers back in a few
// words, and he sees the answer. Home has no settings panel, and the
// notification offer (when shown) takes the whole row.
func TestRepliesAreAConversationEnglish(t *testing.T) {
	repliesAreAConversation(t, "en-GB", "Jay", "Sam replied to your card “Worried”", "ok thanks, see you")
}

func TestRepliesAreAConversationArabic(t *testing.T) {
	repliesAreAConversation(t, "ar", "Mia", "ردّ Sam على بطاقتك «قلق»", "حسنًا شكرًا")
}

func repliesAreAConversation(t *testing.T, lang, name, newsWords, answer string) {
	h := startHeard(t)
	sam := h.staffMember(t, "sam@demo.heard")
	y := youngPerson(t, h, sam.AreaID, name)
	short := lang[:2]

	yp := newBrowser(t, lang)
	join(t, yp, h, name)
	run(t, yp, "send a card", chromedp.Navigate(h.URL+"/#/cards/send/worried"), chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery), chromedp.WaitVisible(`#fc-sent-title`, chromedp.ByQuery))
	cards := cardsOf(t, h, y)
	if len(cards) != 1 {
		t.Fatalf("%d cards stored, want 1", len(cards))
	}
	card := cards[0]

	kw := newBrowser(t, "en-GB")
	signIn(t, kw, h, "sam@demo.heard")
	run(t, kw, "acknowledge with a quick reply and own words",
		chromedp.Navigate(h.URL+"/#/inbox/"+card.ID), chromedp.WaitVisible(`#fc-ack`, chromedp.ByQuery),
		cardsTap(`label[for="fc-quick-here_for_you"]`),
		chromedp.SendKeys(`#fc-ack-words`, "I'll come and find you after school.", chromedp.ByQuery),
		cardsTap(`#fc-ack`),
		chromedp.WaitVisible(`#fc-thread`, chromedp.ByQuery),
		waitText(`#fc-thread`, "I'm here for you."),
		waitText(`#fc-thread`, "I'll come and find you after school."))
	run(t, kw, "write again, tapping Send twice",
		chromedp.SendKeys(`#fc-again-words`, "Kitchen at four?", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#fc-again-send').scrollIntoView({block: 'center'})`, nil),
		chromedp.Evaluate(`(() => { const b = document.querySelector('#fc-again-send'); b.click(); b.click(); return b.disabled; })()`, nil),
		waitText(`#fc-thread`, "Kitchen at four?"))
	time.Sleep(500 * time.Millisecond)
	stored, err := h.Store.Card(context.Background(), card.AreaID, card.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Messages) != 1 {
		t.Fatalf("a double tap stored %d messages, want 1", len(stored.Messages))
	}
	if stored.Reply == nil || stored.Reply.QuickReplyID != "here_for_you" || stored.Reply.Text == "" {
		t.Fatalf("the acknowledgement kept %+v, want the quick reply and the words", stored.Reply)
	}

	// Notifications not decided yet, so home offers them.
	run(t, yp, "notifications undecided", chromedp.ActionFunc(func(ctx context.Context) error {
		b := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
		return browser.SetPermission(&browser.PermissionDescriptor{Name: "notifications"}, browser.PermissionSettingPrompt).WithOrigin(h.URL).Do(b)
	}))
	// Home shows who replied and what, until she has looked.
	run(t, yp, "home shows the reply", chromedp.Navigate(h.URL+"/#/home"), chromedp.WaitVisible(`#fc-news`, chromedp.ByQuery),
		waitText(`#fc-news`, newsWords), waitText(`#fc-news`, "Kitchen at four?"), chromedp.WaitVisible(`#push-offer`, chromedp.ByQuery))
	var settingsOnHome bool
	run(t, yp, "no settings panel on home", chromedp.Evaluate(`!!document.querySelector('#home #settings')`, &settingsOnHome))
	if settingsOnHome {
		t.Errorf("the settings panel is still on home")
	}
	var offerFits string
	run(t, yp, "the notification offer fits", chromedp.Evaluate(`(() => {
		const o = document.querySelector('#push-offer'); if (!o) return 'none';
		const box = o.getBoundingClientRect(), home = document.querySelector('#home').getBoundingClientRect();
		for (const b of o.querySelectorAll('button')) { const r = b.getBoundingClientRect(); if (r.right > box.right + 1 || r.left < box.left - 1) return 'a button sticks out'; }
		return box.width >= home.width - 2 ? 'ok' : 'squeezed to ' + Math.round(box.width) + ' of ' + Math.round(home.width);
	})()`, &offerFits))
	if offerFits != "ok" {
		t.Errorf("the notification offer: %s", offerFits)
	}
	noSideScroll(t, yp, phoneWidth, "home with news")
	docScreenshot(t, yp, "home-news-"+short)
	run(t, yp, "scroll to the offer", chromedp.Evaluate(`document.querySelector('#push-offer').scrollIntoView({block: 'center'})`, nil))
	docScreenshot(t, yp, "home-notification-offer-"+short)
	run(t, yp, "back to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))

	run(t, yp, "open the card and answer back", chromedp.Click(fmt.Sprintf(`.fc-news-item[data-id="%s"]`, card.ID), chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-thread`, chromedp.ByQuery), waitText(`#fc-thread`, "Kitchen at four?"),
		chromedp.SendKeys(`#fc-answer`, answer, chromedp.ByQuery), cardsTap(`#fc-answer-send`),
		waitText(`#fc-thread .fc-msg-mine`, answer))
	noSideScroll(t, yp, phoneWidth, "the conversation")
	run(t, yp, "scroll to the conversation", chromedp.Evaluate(`document.querySelector('#fc-thread').scrollIntoView({block: 'start'})`, nil))
	docScreenshot(t, yp, "card-conversation-"+short)
	run(t, yp, "home no longer shows it", chromedp.Navigate(h.URL+"/#/home"), chromedp.WaitVisible(`#fc-tile`, chromedp.ByQuery),
		chromedp.Sleep(time.Second))
	var newsShown bool
	run(t, yp, "read home", chromedp.Evaluate(`(() => { const n = document.querySelector('#fc-news'); return !!n && !n.hidden; })()`, &newsShown))
	if newsShown {
		t.Errorf("home still shows the reply after she opened the card")
	}

	run(t, kw, "the key worker's inbox says she answered back", chromedp.Navigate(h.URL+"/#/inbox"),
		waitText(fmt.Sprintf(`#fc-inbox li[data-id="%s"][data-answered="yes"]`, card.ID), name+" answered back"))
	run(t, kw, "the key worker sees the answer",
		chromedp.Navigate(h.URL+"/#/inbox/"+card.ID), chromedp.WaitVisible(`#fc-thread`, chromedp.ByQuery), waitText(`#fc-thread`, answer))
	if !heard.CardNews(stored) { // read before she looked
		t.Errorf("the reply was not news for the young person before she looked")
	}
}
