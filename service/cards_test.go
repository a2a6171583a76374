package service_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"heard"
	"heard/service"
	"heard/store"
)

func (e *env) newCard(card string) heard.NewCard {
	return heard.NewCard{ID: heard.NewID(), CardID: card}
}

// monthCount reads a KPI counter as the dashboard does.
func (e *env) monthCount(metric, dim string) int64 {
	e.t.Helper()
	buckets, err := e.store.KPIBuckets(e.ctx, e.area.ID, []string{start.Format("2006-01")})
	e.must(err)
	var n int64
	for _, b := range buckets {
		if b.Metric == metric && b.Dim == dim {
			n += b.N
		}
	}
	return n
}

func countIn(views []heard.CardView, id string) int {
	n := 0
	for _, v := range views {
		if v.ID == id {
			n++
		}
	}
	return n
}

// checkCardSent checks that a card is either stored and everywhere it should
// be, exactly once — the young person's list, the key worker's inbox, the
// counters, one push to the key worker and (it is urgent) one to the duty
// worker — or not stored and nowhere at all.
func (e *env) checkCardSent(id string, mustBeStored bool, svcs ...*service.Service) {
	e.t.Helper()
	_, err := e.store.Card(e.ctx, e.area.ID, id)
	stored := err == nil
	if mustBeStored && !stored {
		e.t.Fatalf("the card is not stored: %v", err)
	}
	want := 0
	if stored {
		want = 1
	}
	for _, s := range svcs {
		mine, err := s.MyCards(e.ctx, e.youngPrinc)
		e.must(err)
		if got := countIn(mine, id); got != want {
			e.t.Errorf("young person's cards hold it %d times, want %d", got, want)
		}
		inbox, err := s.CardInbox(e.ctx, e.kwPrincipal, 0)
		e.must(err)
		if got := countIn(inbox.Items, id); got != want {
			e.t.Errorf("key worker's inbox holds it %d times, want %d", got, want)
		}
	}
	if got := e.monthCount("cards", "not_safe"); got != int64(want) {
		e.t.Errorf("cards counted %d times, want %d", got, want)
	}
	if got := e.monthCount("cards_urgent", ""); got != int64(want) {
		e.t.Errorf("urgent cards counted %d times, want %d", got, want)
	}
	if got, ids := e.pushesAbout(e.kwPhone, id); got != want {
		e.t.Errorf("key worker's phone got %d pushes about it (%v), want %d", got, ids, want)
	}
	if got, ids := e.pushesAbout(e.dutyPhone, id); got != want {
		e.t.Errorf("duty worker's phone got %d pushes about it (%v), want %d", got, ids, want)
	}
}

// writesOf counts the writes one clean run of a workflow makes.
func writesOf(t *testing.T, run func(e *env)) int {
	e := newEnv(t)
	seen := failAt(e.store, -1)
	run(e)
	return int(seen.Load())
}

// A card send that fails after any one of its writes — a timeout, a crash, a
// dropped connection — ends as if it ran once: when the phone sends it again,
// or when the background worker finishes it after the lease, without the phone.
func TestSendCardEndsAsIfOnceWhateverWriteFails(t *testing.T) {
	sendFailingAtEachWrite(t, "not_safe", func(e *env, n heard.NewCard, mustBeStored bool) {
		e.checkCardSent(n.ID, mustBeStored, e.svc)
	})
}

// sendFailingAtEachWrite sends a card failing after each of its writes in
// turn, then lets the phone send it again or the background worker finish
// it, and checks the outcome (the card must be stored when the send
// answered or the phone sent it again).
func sendFailingAtEachWrite(t *testing.T, card string, check func(e *env, n heard.NewCard, mustBeStored bool)) {
	writes := writesOf(t, func(e *env) {
		_, _, err := e.svc.SendCard(e.ctx, e.youngPrinc, e.newCard(card))
		e.must(err)
	})
	if writes < 4 {
		t.Fatalf("a card send made only %d writes", writes)
	}
	for i := 1; i <= writes; i++ {
		for _, finish := range []string{"phone retries", "worker finishes"} {
			t.Run(fmt.Sprintf("write %d, %s", i, finish), func(t *testing.T) {
				e := newEnv(t)
				n := e.newCard(card)
				failAt(e.store, int64(i))
				_, _, err := e.svc.SendCard(e.ctx, e.youngPrinc, n)
				e.store.Faults = nil
				answered := err == nil
				if finish == "phone retries" && !answered {
					if _, _, err := e.svc.SendCard(e.ctx, e.youngPrinc, n); err != nil {
						t.Fatalf("retry: %v", err)
					}
				}
				e.settle(e.svc)
				check(e, n, answered || finish == "phone retries")
			})
		}
	}
}

// An ordinary card's alert is raised with no timer (its one step is taken
// at once), so its send leans on the card's intent alone: failing after any
// of its writes, it still ends as if it ran once, with the key worker told
// once and the duty worker not at all.
func TestSendOrdinaryCardEndsAsIfOnceWhateverWriteFails(t *testing.T) {
	sendFailingAtEachWrite(t, "happy", func(e *env, n heard.NewCard, mustBeStored bool) {
		_, err := e.store.Card(e.ctx, e.area.ID, n.ID)
		if err != nil {
			if mustBeStored {
				e.t.Fatalf("the card is not stored: %v", err)
			}
			return // failed before the card was stored, and not sent again
		}
		inbox, err := e.svc.CardInbox(e.ctx, e.kwPrincipal, 0)
		e.must(err)
		if got := countIn(inbox.Items, n.ID); got != 1 {
			e.t.Errorf("key worker's inbox holds it %d times, want 1", got)
		}
		if got := e.monthCount("cards", "happy"); got != 1 {
			e.t.Errorf("cards counted %d times, want 1", got)
		}
		if got, ids := e.pushesAbout(e.kwPhone, n.ID); got != 1 {
			e.t.Errorf("key worker's phone got %d pushes about it (%v), want 1", got, ids)
		}
		if got, _ := e.pushesAbout(e.dutyPhone, n.ID); got != 0 {
			e.t.Errorf("duty worker's phone got %d pushes about an ordinary card", got)
		}
		if rec, err := e.store.Alert(e.ctx, e.area.ID, n.ID); err != nil || rec.Status != store.AlertDone || len(rec.Steps()) != 1 {
			e.t.Errorf("alert record %+v (%v): want done after its one step", rec, err)
		}
	})
}

// An acknowledgement that fails after any one of its writes ends as if it ran
// once: the first acknowledgement stands, the young person is told once, the
// time to acknowledge is counted once.
func TestAcknowledgeCardEndsAsIfOnceWhateverWriteFails(t *testing.T) {
	sendOne := func(e *env) heard.NewCard {
		n := e.newCard("not_safe")
		_, _, err := e.svc.SendCard(e.ctx, e.youngPrinc, n)
		e.must(err)
		e.settle(e.svc)
		return n
	}
	var writes int64
	writesOf(t, func(e *env) {
		n := sendOne(e)
		seen := failAt(e.store, -1)
		_, err := e.svc.AcknowledgeCard(e.ctx, e.kwPrincipal, n.ID, heard.CardAck{QuickReply: "here_for_you"})
		e.must(err)
		writes = seen.Load()
	})
	for i := 1; i <= int(writes); i++ {
		for _, finish := range []string{"adult retries", "worker finishes"} {
			t.Run(fmt.Sprintf("write %d, %s", i, finish), func(t *testing.T) {
				e := newEnv(t)
				ypPhone := e.subscribe(e.yp.ID, heard.RoleYoungPerson)
				n := sendOne(e)
				failAt(e.store, int64(i))
				_, ackErr := e.svc.AcknowledgeCard(e.ctx, e.kwPrincipal, n.ID, heard.CardAck{QuickReply: "here_for_you"})
				e.store.Faults = nil
				if finish == "adult retries" && ackErr != nil {
					if _, err := e.svc.AcknowledgeCard(e.ctx, e.kwPrincipal, n.ID, heard.CardAck{QuickReply: "here_for_you"}); err != nil {
						t.Fatalf("retry: %v", err)
					}
				}
				e.settle(e.svc)
				c, err := e.store.Card(e.ctx, e.area.ID, n.ID)
				e.must(err)
				if c.AckAt == nil || c.AckBy != e.kw.ID {
					if finish == "adult retries" || ackErr == nil {
						t.Fatalf("not acknowledged by the key worker: %+v", c)
					}
					return // the acknowledgement itself never happened: nothing follows
				}
				mine, err := e.svc.MyCards(e.ctx, e.youngPrinc)
				e.must(err)
				if len(mine) != 1 || mine[0].State != "seen" {
					t.Errorf("the young person sees %+v", mine)
				}
				if got, ids := e.pushesAbout(ypPhone, "cards/card/"); got != 1 {
					t.Errorf("the young person was told %d times (%v)", got, ids)
				}
				var acks int64
				for _, b := range heard.CardAckBuckets {
					acks += e.monthCount("card_ack", fmt.Sprint(b))
				}
				acks += e.monthCount("card_ack", "inf")
				if acks != 1 {
					t.Errorf("time to acknowledge counted %d times", acks)
				}
			})
		}
	}
}

// Two instances of Heard on one database, with the phone's retries landing on
// either: nothing doubled, lost or stalled.
func TestCardsOnTwoInstances(t *testing.T) {
	e := newEnv(t)
	a, b := e.svc, e.service("instance-b")
	const cards = 12
	ns := make([]heard.NewCard, cards)
	var wg sync.WaitGroup
	for i := range ns {
		ns[i] = e.newCard("not_safe")
		for _, s := range []*service.Service{a, b, a} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := s.SendCard(e.ctx, e.youngPrinc, ns[i]); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	e.settle(a, b)
	for _, n := range ns {
		_, err := e.store.Card(e.ctx, e.area.ID, n.ID)
		e.must(err)
	}
	inbox, err := b.CardInbox(e.ctx, e.kwPrincipal, 0)
	e.must(err)
	if inbox.Unacknowledged != cards || len(inbox.Items) != cards {
		t.Fatalf("inbox: %d items, %d unacknowledged; want %d", len(inbox.Items), inbox.Unacknowledged, cards)
	}
	if got := e.monthCount("cards", "not_safe"); got != cards {
		t.Errorf("counted %d, want %d", got, cards)
	}
	for _, n := range ns {
		if got, _ := e.pushesAbout(e.kwPhone, n.ID); got != 1 {
			t.Errorf("card %s pushed %d times to the key worker", n.ID, got)
		}
	}
	// The key worker and the duty worker acknowledge at once on different
	// instances: one acknowledgement stands for each card.
	for _, n := range ns {
		wins := make(chan string, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := a.AcknowledgeCard(e.ctx, e.kwPrincipal, n.ID, heard.CardAck{}); err == nil {
				wins <- "kw"
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := b.AcknowledgeCard(e.ctx, e.kwPrincipal, n.ID, heard.CardAck{Reply: "I'm here"}); err == nil {
				wins <- "kw again"
			}
		}()
		wg.Wait()
		close(wins)
		if len(wins) == 0 {
			t.Fatalf("nobody's acknowledgement stood")
		}
	}
	e.settle(a, b)
	var acks int64
	for _, bucket := range heard.CardAckBuckets {
		acks += e.monthCount("card_ack", fmt.Sprint(bucket))
	}
	if acks != cards {
		t.Errorf("times to acknowledge counted %d, want %d", acks, cards)
	}
}

// A key worker's inbox comes a page at a time, counted whole; a card whose
// send failed before it was stored is never shown, and stops being counted
// once it is clearly never coming.
func TestCardInboxPages(t *testing.T) {
	e := newEnv(t)
	for range heard.CardInboxPage + 9 {
		_, _, err := e.svc.SendCard(e.ctx, e.youngPrinc, e.newCard("happy"))
		e.must(err)
	}
	lost := heard.Card{ID: heard.NewID(), AreaID: e.area.ID, YoungPersonID: e.yp.ID, CardID: "sad", Urgency: heard.UrgencyOrdinary,
		ReceivedAt: e.clock.Now().Add(time.Second)} // the newest, so on the first page
	e.must(e.store.ListCard(e.ctx, lost)) // listed, then the send failed and was never tried again
	first, err := e.svc.CardInbox(e.ctx, e.kwPrincipal, 0)
	e.must(err)
	if len(first.Items) != heard.CardInboxPage-1 || !first.More || first.Unacknowledged != heard.CardInboxPage+10 {
		t.Fatalf("first page: %d items, more %v, %d waiting", len(first.Items), first.More, first.Unacknowledged)
	}
	second, err := e.svc.CardInbox(e.ctx, e.kwPrincipal, 1)
	e.must(err)
	if len(second.Items) != 10 || second.More {
		t.Fatalf("second page: %d items, more %v", len(second.Items), second.More)
	}
	seen := map[string]bool{}
	for _, v := range append(first.Items, second.Items...) {
		if seen[v.ID] || v.ID == lost.ID {
			t.Fatalf("card %s shown twice or the lost card shown", v.ID)
		}
		seen[v.ID] = true
	}
	if _, err := e.svc.CardInbox(e.ctx, e.kwPrincipal, -1); !errors.Is(err, heard.ErrInvalid) {
		t.Fatalf("page -1: %v", err)
	}
	e.clock.Advance(5 * time.Minute)
	_, err = e.svc.CardInbox(e.ctx, e.kwPrincipal, 0)
	e.must(err)
	after, err := e.svc.CardInbox(e.ctx, e.kwPrincipal, 0)
	e.must(err)
	if after.Unacknowledged != heard.CardInboxPage+9 {
		t.Fatalf("the lost card is still counted: %d waiting", after.Unacknowledged)
	}
}
