package service_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"heard"
	"heard/i18n"
)

// ackedCard sends a card and has the key worker acknowledge it with a quick
// reply and their own words.
func (e *env) ackedCard() heard.NewCard {
	e.t.Helper()
	n := e.newCard("worried")
	_, _, err := e.svc.SendCard(e.ctx, e.youngPrinc, n)
	e.must(err)
	_, err = e.svc.AcknowledgeCard(e.ctx, e.kwPrincipal, n.ID, heard.CardAck{QuickReply: "here_for_you", Reply: "I'll come by after school."})
	e.must(err)
	e.settle(e.svc)
	return n
}

// Replying is a conversation: the key worker's quick reply and own words are
// both kept; after acknowledging, they write again and the young person is
// told (lock-screen safe); home shows it until the young person has looked;
// the young person answers back and the adults are told; no one can write
// before anyone has acknowledged the card.
func TestCardConversation(t *testing.T) {
	e := newEnv(t)
	ypPhone := e.subscribe(e.yp.ID, heard.RoleYoungPerson)

	early := e.newCard("sad")
	_, _, err := e.svc.SendCard(e.ctx, e.youngPrinc, early)
	e.must(err)
	_, _, err = e.svc.AddCardMessage(e.ctx, e.youngPrinc, early.ID, heard.NewCardMessage{ID: heard.NewID(), Text: "hello?"})
	if !errors.Is(err, heard.ErrConflict) {
		t.Fatalf("an answer before anyone saw the card: %v, want a conflict", err)
	}
	_, _, err = e.svc.AddCardMessage(e.ctx, e.kwPrincipal, early.ID, heard.NewCardMessage{ID: heard.NewID(), Text: "hi"})
	if !errors.Is(err, heard.ErrConflict) {
		t.Fatalf("a message before acknowledging: %v, want a conflict", err)
	}

	n := e.ackedCard()
	v, err := e.svc.Card(e.ctx, e.youngPrinc, n.ID)
	e.must(err)
	if v.Reply == nil || v.Reply.QuickReplyID != "here_for_you" || v.Reply.Text != "I'll come by after school." {
		t.Fatalf("the acknowledgement's reply: %+v, want the quick reply and the words", v.Reply)
	}
	if !heard.CardNews(v.Card) {
		t.Fatalf("a seen card is not news for the young person")
	}
	e.must(e.svc.LookedAtCard(e.ctx, e.youngPrinc, n.ID))
	v, err = e.svc.Card(e.ctx, e.youngPrinc, n.ID)
	e.must(err)
	if heard.CardNews(v.Card) {
		t.Fatalf("still news after the young person looked")
	}

	// The key worker writes again.
	msg := heard.NewCardMessage{ID: heard.NewID(), QuickReply: "talk_at", At: "16:30", Text: "In the kitchen."}
	_, created, err := e.svc.AddCardMessage(e.ctx, e.kwPrincipal, n.ID, msg)
	e.must(err)
	if !created {
		t.Fatal("the message was not added")
	}
	_, created, err = e.svc.AddCardMessage(e.ctx, e.kwPrincipal, n.ID, msg) // the app's retry
	e.must(err)
	if created {
		t.Fatal("a retry added the message again")
	}
	e.settle(e.svc)
	v, err = e.svc.Card(e.ctx, e.youngPrinc, n.ID)
	e.must(err)
	if len(v.Messages) != 1 || v.Messages[0].ByName != "Kim" || v.Messages[0].Clock != "16:30" || v.Messages[0].Text != "In the kitchen." {
		t.Fatalf("messages: %+v", v.Messages)
	}
	if !heard.CardNews(v.Card) {
		t.Fatalf("a new reply is not news for the young person")
	}
	pushes := e.push.Accepted(ypPhone)
	got := 0
	for _, m := range pushes {
		if url, _ := m.Payload["url"].(string); strings.Contains(url, "/cards/card/"+n.ID) {
			got++
			if body, _ := m.Payload["body"].(string); body != i18n.T("en", "push.reply.body") || strings.Contains(body, "Kim") || strings.Contains(body, "kitchen") {
				t.Errorf("the young person's push says %q", body)
			}
		}
	}
	if got != 2 { // the acknowledgement's and the message's
		t.Errorf("the young person got %d pushes about the card, want 2", got)
	}

	// The young person answers back; the key worker is told.
	answer := heard.NewCardMessage{ID: heard.NewID(), Text: "ok see you then"}
	_, _, err = e.svc.AddCardMessage(e.ctx, e.youngPrinc, n.ID, answer)
	e.must(err)
	e.settle(e.svc)
	kwGot := 0
	for _, m := range e.push.Accepted(e.kwPhone) {
		if url, _ := m.Payload["url"].(string); strings.Contains(url, "/inbox/"+n.ID) && m.Payload["body"] == i18n.T("en", "push.card_answer.body") {
			kwGot++
		}
	}
	if kwGot != 1 {
		t.Errorf("the key worker got %d pushes about the answer, want 1", kwGot)
	}
	v, err = e.svc.Card(e.ctx, e.kwPrincipal, n.ID)
	e.must(err)
	if len(v.Messages) != 2 || !v.Messages[1].FromYoungPerson() || v.Messages[1].Text != "ok see you then" {
		t.Fatalf("the key worker sees %+v", v.Messages)
	}
	// Another key worker's young person is not theirs to write to.
	other := heard.Principal{ID: heard.NewID(), AreaID: e.area.ID, Role: heard.RoleKeyWorker}
	if _, _, err := e.svc.AddCardMessage(e.ctx, other, n.ID, heard.NewCardMessage{ID: heard.NewID(), Text: "hi"}); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("another key worker wrote: %v", err)
	}
}

// A message that fails after any one of its writes ends as if sent once when
// the app sends it again: stored once, pushed once.
func TestCardMessageEndsAsIfOnceWhateverWriteFails(t *testing.T) {
	for i := 1; i <= 4; i++ {
		t.Run(fmt.Sprint("write ", i), func(t *testing.T) {
			e := newEnv(t)
			n := e.ackedCard()
			ypPhone := e.subscribe(e.yp.ID, heard.RoleYoungPerson)
			msg := heard.NewCardMessage{ID: heard.NewID(), Text: "Still here."}
			failAt(e.store, int64(i))
			_, _, err := e.svc.AddCardMessage(e.ctx, e.kwPrincipal, n.ID, msg)
			e.store.Faults = nil
			if err != nil {
				_, _, err = e.svc.AddCardMessage(e.ctx, e.kwPrincipal, n.ID, msg)
				e.must(err)
			}
			e.settle(e.svc)
			v, err := e.svc.Card(e.ctx, e.youngPrinc, n.ID)
			e.must(err)
			if len(v.Messages) != 1 {
				t.Errorf("%d messages stored, want 1", len(v.Messages))
			}
			if got, ids := e.pushesAbout(ypPhone, "cards/card/"+n.ID); got != 1 {
				t.Errorf("the young person was told %d times (%v), want 1", got, ids)
			}
		})
	}
}
