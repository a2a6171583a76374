package e2e

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/api"
	"heard/notify"
	"heard/store"
	"heard/testkit"
)

// cardsPushReceiver is a loopback Web Push service: it holds the browser's
// private key and auth secret, so it decrypts each message Heard sends (RFC 8291,
// aes128gcm) and keeps what it read.
type cardsPushReceiver struct {
	srv  *httptest.Server
	key  *ecdh.PrivateKey
	auth []byte

	mu       sync.Mutex
	payloads []map[string]any
	problems []string
}

func newCardsPushReceiver(t *testing.T) *cardsPushReceiver {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := &cardsPushReceiver{key: key, auth: make([]byte, 16)}
	_, _ = rand.Read(r.auth)
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *cardsPushReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !strings.HasPrefix(req.Header.Get("Authorization"), "vapid t=") || req.Header.Get("Content-Encoding") != "aes128gcm" {
		r.problems = append(r.problems, "missing VAPID or encoding headers")
		w.WriteHeader(400)
		return
	}
	plain, err := cardsDecrypt(body, r.key, r.auth)
	if err != nil {
		r.problems = append(r.problems, err.Error())
		w.WriteHeader(400)
		return
	}
	var p map[string]any
	if err := json.Unmarshal(plain, &p); err != nil {
		r.problems = append(r.problems, err.Error())
		w.WriteHeader(400)
		return
	}
	r.payloads = append(r.payloads, p)
	w.WriteHeader(201)
}

// waitFor returns the first decrypted payload whose url is url.
func (r *cardsPushReceiver) waitFor(t *testing.T, url string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, p := range r.payloads {
			if p["url"] == url {
				r.mu.Unlock()
				return p
			}
		}
		problems := append([]string(nil), r.problems...)
		r.mu.Unlock()
		if len(problems) > 0 {
			t.Fatalf("push receiver: %v", problems)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no push for %s reached the receiver", url)
	return nil
}

// cardsDecrypt opens an aes128gcm message encrypted for a push subscription.
func cardsDecrypt(body []byte, uaKey *ecdh.PrivateKey, authSecret []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("shorter than the header")
	}
	salt, rs, idLen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if rs < 18 || len(body) < 21+idLen {
		return nil, errors.New("bad header")
	}
	senderBytes, ciphertext := body[21:21+idLen], body[21+idLen:]
	sender, err := ecdh.P256().NewPublicKey(senderBytes)
	if err != nil {
		return nil, err
	}
	shared, err := uaKey.ECDH(sender)
	if err != nil {
		return nil, err
	}
	prkKey, err := hkdf.Extract(sha256.New, shared, authSecret)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), uaKey.PublicKey().Bytes()...), senderBytes...)
	ikm, err := hkdf.Expand(sha256.New, prkKey, string(info), 32)
	if err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) > int(rs) {
		return nil, errors.New("more than one record")
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, err
	}
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("bad padding")
	}
	return plain[:end], nil
}

// cardsPhone narrows a browser to a 320-pixel-wide phone.
func cardsPhone(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(320, 690, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
}

func cardsRun(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var url, text string
		_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body.innerText.slice(0, 600)`, &text))
		t.Fatalf("%s: %v\nat %s\n%s", what, err, url, text)
	}
}

// cardsJoin joins a demo young person's phone through the app's join screen.
func cardsJoin(t *testing.T, ctx context.Context, h *heardServer, name string) {
	code := strings.ReplaceAll(h.joinCode(t, name), "-", "")
	cardsRun(t, ctx, "join "+name,
		chromedp.Navigate(h.URL+"/#/join/"+code),
		chromedp.WaitVisible(`#pin-new`, chromedp.ByQuery),
		chromedp.SendKeys(`#pin-new`, "5827", chromedp.ByQuery),
		chromedp.SendKeys(`#pin-confirm`, "5827", chromedp.ByQuery),
		chromedp.Click(`#pin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-tile`, chromedp.ByQuery))
}

func cardsSignIn(t *testing.T, ctx context.Context, h *heardServer, email string) {
	cardsRun(t, ctx, "sign in "+email,
		chromedp.Navigate(h.URL+"/#/signin"),
		chromedp.WaitVisible(`#signin-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-password`, store.DemoPassword, chromedp.ByQuery),
		chromedp.Click(`#signin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#home`, chromedp.ByQuery))
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

func cardsYoungPerson(t *testing.T, h *heardServer, area, name string) heard.YoungPerson {
	people, err := h.Store.YoungPeopleInArea(context.Background(), area)
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range people {
		if y.FirstName == name {
			return y
		}
	}
	t.Fatalf("no young person %s", name)
	return heard.YoungPerson{}
}

// cardsSetOffline cuts the page off the network (or reconnects it).
func cardsSetOffline(offline bool) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := network.Enable().Do(ctx); err != nil {
			return err
		}
		return network.EmulateNetworkConditions(offline, 0, -1, -1).Do(ctx)
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

func cardsNoSideScroll(t *testing.T, ctx context.Context, screenName string) {
	t.Helper()
	var wide int
	cardsRun(t, ctx, "measure "+screenName, chromedp.Evaluate(`document.documentElement.scrollWidth`, &wide))
	if wide > 320 {
		t.Errorf("%s is %d pixels wide on a 320-pixel phone", screenName, wide)
	}
}

// A young person sends a card while offline; back online, exactly one card
// arrives; the key worker's push reaches the push service; the worker
// acknowledges with a quick reply; the young person sees "seen" and the reply.
// Along the way: screenshots of the grid, the sheet, the help numbers and the
// inbox, in English and in Arabic.
func TestCardsOfflineToSeenAndReply(t *testing.T) {
	chromiumPath(t)
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	var svc *notify.Service
	h := startHeard(t, func(c *api.Config) {
		svc, err = notify.New(notify.Config{Store: c.Store, Log: testkit.Quiet(), Clock: c.Clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
			Subject: "safeguarding@heard.test", AllowLoopbackEndpoints: true, PollEvery: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c.Notifier, c.Escalator = svc, svc
	})
	runCtx, stopRun := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { svc.Run(runCtx); close(ran) }()
	t.Cleanup(func() { stopRun(); <-ran })

	bg := context.Background()
	sam, err := h.Store.StaffByEmail(bg, "sam@demo.heard")
	if err != nil {
		t.Fatal(err)
	}
	receiver := newCardsPushReceiver(t)
	if _, err := h.Store.SavePushSubscription(bg, store.PushSubscription{AreaID: sam.AreaID, Endpoint: receiver.srv.URL + "/push/sam",
		P256dh: base64.RawURLEncoding.EncodeToString(receiver.key.PublicKey().Bytes()), Auth: base64.RawURLEncoding.EncodeToString(receiver.auth),
		OwnerID: sam.ID, OwnerRole: sam.Role}); err != nil {
		t.Fatal(err)
	}
	jay := cardsYoungPerson(t, h, sam.AreaID, "Jay")

	// The young person's phone.
	yp := newBrowser(t, "en")
	cardsPhone(t, yp)
	cardsJoin(t, yp, h, "Jay")
	cardsRun(t, yp, "open the grid", chromedp.Click(`#fc-tile`, chromedp.ByQuery), chromedp.WaitVisible(`#fc-grid a[data-card="worried"]`, chromedp.ByQuery))
	cardsNoSideScroll(t, yp, "the grid")
	screenshot(t, yp, "cards-grid-en")

	// Offline: the card is kept on the phone.
	cardsRun(t, yp, "go offline and fill in a card", cardsSetOffline(true),
		chromedp.Click(`#fc-grid a[data-card="worried"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		cardsTap(`label[for="fc-amount-a_lot"]`),
		cardsTap(`label[for="fc-help-talk_later"]`),
		chromedp.SendKeys(`#fc-note`, "Maths test tomorrow", chromedp.ByQuery))
	cardsNoSideScroll(t, yp, "the sheet")
	cardsRun(t, yp, "scroll to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	screenshot(t, yp, "cards-sheet-en")
	cardsRun(t, yp, "send while offline",
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fc-sent[data-state="waiting"]`, chromedp.ByQuery),
		waitText(`#fc-sent-title`, "Saved on your phone"))
	screenshot(t, yp, "cards-waiting-en")
	cardsRun(t, yp, "my cards while offline",
		chromedp.Click(`#fc-see-mine`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-mine-items [data-state="waiting"]`, chromedp.ByQuery))
	if got := cardsOf(t, h, jay); len(got) != 0 {
		t.Fatalf("a card reached Heard while the phone was offline: %+v", got)
	}

	// Back online: the card goes by itself, exactly once.
	cardsRun(t, yp, "come back online", cardsSetOffline(false))
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
	cardsRun(t, yp, "the card shows as sent", waitText(`#fc-mine-items`, "Sent"))

	// The key worker's phone is told by Web Push.
	push := receiver.waitFor(t, "/#/inbox/"+card.ID)
	if push["type"] != "card" || strings.Contains(fmt.Sprint(push["title"], push["body"]), "Jay") || strings.Contains(fmt.Sprint(push["body"]), "orried") {
		t.Errorf("lock-screen push says too much or the wrong thing: %v", push)
	}

	// The key worker opens the inbox, then the card from the push, and replies.
	worker := newBrowser(t, "en")
	cardsSignIn(t, worker, h, "sam@demo.heard")
	cardsRun(t, worker, "the inbox lists the card", chromedp.WaitVisible(`#fc-inbox li[data-id="`+card.ID+`"]`, chromedp.ByQuery),
		waitText(`#fc-inbox-summary`, "1 new card"))
	screenshot(t, worker, "cards-inbox-en")
	cardsRun(t, worker, "acknowledge with a quick reply",
		chromedp.Navigate(h.URL+fmt.Sprint(push["url"])),
		chromedp.WaitVisible(`#fc-ack`, chromedp.ByQuery),
		waitText(`main`, "Maths test tomorrow"),
		cardsTap(`label[for="fc-quick-talk_at"]`),
		chromedp.WaitVisible(`#fc-ack-time`, chromedp.ByQuery),
		chromedp.SetValue(`#fc-ack-time`, "16:30", chromedp.ByQuery))
	screenshot(t, worker, "cards-detail-en")
	cardsRun(t, worker, "send the acknowledgement",
		chromedp.Click(`#fc-ack`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-acked`, chromedp.ByQuery),
		waitText(`#fc-acked`, "Let's talk at 16:30."))

	// The young person sees who saw it, and the reply.
	cardsRun(t, yp, "seen and the reply",
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
	cardsRun(t, yp, "send an urgent card",
		chromedp.Navigate(h.URL+"/#/cards/send/not_safe"),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-help-title`, chromedp.ByQuery),
		waitText(`main`, "We've told Sam and the duty worker."),
		chromedp.WaitVisible(`a[href="tel:08001111"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href^="sms:85258"]`, chromedp.ByQuery))
	cardsNoSideScroll(t, yp, "the help numbers")
	screenshot(t, yp, "cards-crisis-en")

	// Offline, the help numbers still show (kept on the phone), and the urgent
	// card waits to be sent.
	cardsRun(t, yp, "urgent card offline", cardsSetOffline(true),
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
	mia := cardsYoungPerson(t, h, sam.AreaID, "Mia")
	if err := h.Store.SetYoungPersonLanguage(bg, mia.AreaID, mia.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.SetStaffLanguage(bg, sam.AreaID, sam.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	ypAr := newBrowser(t, "ar")
	cardsPhone(t, ypAr)
	cardsJoin(t, ypAr, h, "Mia")
	cardsRun(t, ypAr, "the grid in Arabic", chromedp.Click(`#fc-tile`, chromedp.ByQuery), chromedp.WaitVisible(`#fc-grid`, chromedp.ByQuery),
		waitText(`main`, "كيف تشعر"))
	var dir string
	cardsRun(t, ypAr, "direction", chromedp.Evaluate(`document.documentElement.dir`, &dir))
	if dir != "rtl" {
		t.Errorf("Arabic page direction %q", dir)
	}
	cardsNoSideScroll(t, ypAr, "the Arabic grid")
	screenshot(t, ypAr, "cards-grid-ar")
	cardsRun(t, ypAr, "the sheet in Arabic",
		chromedp.Click(`#fc-grid a[data-card="sad"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		cardsTap(`label[for="fc-amount-quite"]`),
		cardsTap(`label[for="fc-help-sit_with_me"]`),
		chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	screenshot(t, ypAr, "cards-sheet-ar")
	cardsRun(t, ypAr, "send the Arabic card", chromedp.Click(`#fc-send`, chromedp.ByQuery), chromedp.WaitVisible(`#fc-sent-title`, chromedp.ByQuery))
	screenshot(t, ypAr, "cards-sent-ar")
	cardsRun(t, ypAr, "an urgent card in Arabic",
		chromedp.Navigate(h.URL+"/#/cards/send/unhappy_where_i_live"),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-help-title`, chromedp.ByQuery),
		waitText(`main`, "أبلغنا"))
	cardsNoSideScroll(t, ypAr, "the Arabic help numbers")
	screenshot(t, ypAr, "cards-crisis-ar")

	workerAr := newBrowser(t, "ar")
	cardsSignIn(t, workerAr, h, "sam@demo.heard")
	cardsRun(t, workerAr, "the inbox in Arabic", chromedp.WaitVisible(`#fc-inbox`, chromedp.ByQuery), waitText(`#fc-inbox-title`, "البطاقات"))
	screenshot(t, workerAr, "cards-inbox-ar")
}
