package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"heard"
	"heard/api"
)

// stallingEscalator raises alerts at once, except those of one young person,
// which it holds until release is closed: a slow request that keeps Heard's
// only place busy, so that everything else is answered 503 busy for real.
type stallingEscalator struct {
	holdFor atomic.Pointer[string]
	holding chan struct{}
	once    sync.Once
	release chan struct{}
}

func (e *stallingEscalator) Raise(ctx context.Context, a heard.Alert) error {
	if id := e.holdFor.Load(); id != nil && *id == a.YoungPersonID {
		e.once.Do(func() { close(e.holding) })
		<-e.release
	}
	return nil
}

func (e *stallingEscalator) Acknowledge(context.Context, string, string, string) error { return nil }

// overloadCardPost is one POST /api/cards the phone made: the card id it sent
// and the status it got (0 while unanswered).
type overloadCardPost struct {
	id     string
	status int64
	at     time.Time
}

// overloadWatchCardPosts records every card the page sends and what it got.
func overloadWatchCardPosts(ctx context.Context) func() []overloadCardPost {
	var mu sync.Mutex
	byRequest := map[network.RequestID]*overloadCardPost{}
	var order []*overloadCardPost
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.Request.Method != "POST" || !strings.HasSuffix(e.Request.URL, "/api/cards") {
				return
			}
			var raw []byte
			for _, part := range e.Request.PostDataEntries {
				b, _ := base64.StdEncoding.DecodeString(part.Bytes)
				raw = append(raw, b...)
			}
			var body struct{ ID string }
			_ = json.Unmarshal(raw, &body)
			p := &overloadCardPost{id: body.ID, at: time.Now()}
			byRequest[e.RequestID] = p
			order = append(order, p)
		case *network.EventResponseReceived:
			if p := byRequest[e.RequestID]; p != nil {
				p.status = e.Response.Status
			}
		}
	})
	return func() []overloadCardPost {
		mu.Lock()
		defer mu.Unlock()
		out := make([]overloadCardPost, len(order))
		for i, p := range order {
			out[i] = *p
		}
		return out
	}
}

// A young person sends a card while Heard is past capacity: Heard answers 503
// busy with Retry-After; the phone keeps the card, says Heard is busy (not
// that it failed), sends it again after Retry-After with the same id, and once
// Heard has room the card arrives exactly once.
func TestCardQueuedThroughBusyArrivesOnce(t *testing.T) {
	chromiumPath(t)
	esc := &stallingEscalator{holding: make(chan struct{}), release: make(chan struct{})}
	released := false
	releaseHolder := func() {
		if !released {
			released = true
			close(esc.release)
		}
	}
	t.Cleanup(releaseHolder)
	h := startHeard(t, func(c *api.Config) {
		c.MaxInFlight = 1
		c.QueueWait = 200 * time.Millisecond
		c.Escalator = esc
	})
	sam := h.staffMember(t, "sam@demo.heard")
	jay := youngPerson(t, h, sam.AreaID, "Jay")
	mia := youngPerson(t, h, sam.AreaID, "Mia")

	yp := newBrowser(t, "en")
	cardsPhone(t, yp)
	join(t, yp, h, "Jay")
	posts := overloadWatchCardPosts(yp)
	run(t, yp, "fill in a card", network.Enable(),
		chromedp.Click(`#fc-tile`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-grid a[data-card="worried"]`, chromedp.ByQuery),
		chromedp.Click(`#fc-grid a[data-card="worried"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-send`, chromedp.ByQuery),
		chromedp.SendKeys(`#fc-note`, "Busy day", chromedp.ByQuery))

	// Mia's phone sends a card whose alert is slow: it holds Heard's only place.
	var joined struct{ AccessToken string }
	if status := h.postJSON(t, "/api/auth/join", "", map[string]string{"code": h.joinCode(t, "Mia"), "pin": "5827", "deviceName": "Mia's phone"}, &joined); status != 201 {
		t.Fatalf("Mia joins: %d", status)
	}
	esc.holdFor.Store(&mia.ID)
	miaDone := make(chan int, 1)
	go func() {
		miaDone <- h.postJSON(t, "/api/cards", joined.AccessToken, map[string]string{"id": heard.NewID(), "card": "happy"}, nil)
	}()
	select {
	case <-esc.holding:
	case <-time.After(10 * time.Second):
		t.Fatal("Mia's card did not reach its alert")
	}

	// Jay sends: Heard is busy. The card waits on the phone, and the phone says why.
	run(t, yp, "send while Heard is busy",
		chromedp.Click(`#fc-send`, chromedp.ByQuery),
		chromedp.WaitVisible(`.fc-sent[data-state="waiting"]`, chromedp.ByQuery),
		waitText(`#fc-sent-title`, "Saved on your phone"),
		waitText(`.fc-sent .lead`, "Heard is very busy just now"))
	screenshot(t, yp, "cards-waiting-busy-en")
	// It tries again after Retry-After (3 s, plus jitter), and is told busy again.
	deadline := time.Now().Add(20 * time.Second)
	for len(posts()) < 2 || posts()[1].status == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the phone did not try again while Heard was busy: %+v", posts())
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := posts()
	if got[0].status != 503 || got[1].status != 503 {
		t.Fatalf("while Heard is busy the phone should be told 503: %+v", got)
	}
	if gap := got[1].at.Sub(got[0].at); gap < 3*time.Second || gap > 6*time.Second {
		t.Errorf("tried again after %v; Retry-After said 3 s (plus up to half again)", gap)
	}
	run(t, yp, "my cards while Heard is busy",
		chromedp.Click(`#fc-see-mine`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fc-mine-items [data-state="waiting"]`, chromedp.ByQuery))
	if n := countNodes(t, yp, `[data-state="failed"]`); n != 0 {
		t.Fatal("a card Heard was too busy for shows as failed")
	}
	if cards := cardsOf(t, h, jay); len(cards) != 0 {
		t.Fatalf("a card stored while Heard answered busy: %+v", cards)
	}

	// Heard has room again: the card arrives, once, by itself.
	releaseHolder()
	if status := <-miaDone; status != 201 {
		t.Fatalf("Mia's card: %d", status)
	}
	var cards []heard.Card
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if cards = cardsOf(t, h, jay); len(cards) > 0 {
			break
		}
	}
	run(t, yp, "the card shows as sent", waitText(`#fc-mine-items`, "Sent"))
	time.Sleep(2 * time.Second) // a stray resend would land by now
	cards = cardsOf(t, h, jay)
	if len(cards) != 1 || cards[0].CardID != "worried" || cards[0].Note != "Busy day" {
		t.Fatalf("want exactly one card after Heard had room, got %+v", cards)
	}
	got = posts()
	last := got[len(got)-1]
	if last.status != 201 {
		t.Errorf("the last send: %+v", last)
	}
	for _, p := range got {
		if p.id != cards[0].ID {
			t.Errorf("a send carried id %q, the card is %q: every try must carry the same id", p.id, cards[0].ID)
		}
		if p.status != 503 && p != last {
			t.Errorf("a send before the last answered %d", p.status)
		}
	}
	t.Logf("the card went %d times: %d answered 503 busy, then %d", len(got), len(got)-1, last.status)
}
