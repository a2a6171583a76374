package service

import (
	"context"

	"github.com/google/uuid"

	"heard"
)

var _ heard.CardConversationService = (*Service)(nil)

var (
	errNotAcknowledgedYet = heard.Conflict("not_acknowledged", "Nobody has acknowledged this card yet; acknowledge it first.")
	errNoOneHasSeenItYet  = heard.Conflict("not_acknowledged", "Nobody has seen this card yet; an answer can follow once someone has.")
)

// AddCardMessage adds a message to a card's conversation and tells the other
// side with a lock-screen-safe push. The message is stored under the app's id
// and its push under an id made from it, so a retry after any failure
// finishes the same message exactly once.
func (s *Service) AddCardMessage(ctx context.Context, p heard.Principal, cardID string, n heard.NewCardMessage) (heard.CardView, bool, error) {
	young := p.Role == heard.RoleYoungPerson
	if errs := n.Validate(young); len(errs) > 0 {
		return heard.CardView{}, false, heard.Invalid(errs)
	}
	card, canAck, err := s.cardFor(ctx, p, cardID)
	if err != nil {
		return heard.CardView{}, false, err
	}
	if !young && !canAck {
		return heard.CardView{}, false, heard.ErrForbidden
	}
	if card.AckAt == nil {
		if young {
			return heard.CardView{}, false, errNoOneHasSeenItYet
		}
		return heard.CardView{}, false, errNotAcknowledgedYet
	}
	m := heard.CardMessage{ID: n.ID, At: s.now(), FromRole: p.Role, ByID: p.ID, QuickReplyID: n.QuickReply, Clock: n.At, Text: n.Text}
	if !young {
		me, err := s.store.StaffMember(ctx, p.AreaID, p.ID)
		if err != nil {
			return heard.CardView{}, false, err
		}
		m.ByName = me.FirstName()
	}
	updated, added, err := s.store.AddCardMessage(ctx, p.AreaID, card.ID, m)
	if err != nil {
		return heard.CardView{}, false, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	// Queued on every try (the same id does nothing the second time), so a
	// retry after a failed push finishes it.
	if err := s.tellAboutMessage(fctx, updated, n.ID); err != nil {
		return heard.CardView{}, false, err
	}
	if young {
		return heard.NewCardView(updated, nil), added, nil
	}
	if added {
		if err := s.store.Audit(fctx, auditEntry(p, "card_message", card.YoungPersonID)); err != nil {
			return heard.CardView{}, false, err
		}
	}
	v, err := s.acknowledgedView(fctx, updated)
	return v, added, err
}

// tellAboutMessage pushes a message to the other side: an adult's to the young
// person, the young person's to the adult who acknowledged the card and their
// key worker. The words are the push catalogue's, never the message's.
func (s *Service) tellAboutMessage(ctx context.Context, card heard.Card, messageID string) error {
	if s.notifier == nil {
		return nil
	}
	var m heard.CardMessage
	for _, x := range card.Messages {
		if x.ID == messageID {
			m = x
		}
	}
	notify := func(to, typ, link string) error {
		id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("heard:card-message:"+messageID+":"+to)).String()
		return s.notifier.Notify(ctx, heard.Notification{ID: id, AreaID: card.AreaID, RecipientID: to, Type: typ, Link: link,
			Urgency: heard.UrgencyOrdinary, SubjectID: card.ID, CreatedAt: m.At})
	}
	if !m.FromYoungPerson() {
		return notify(card.YoungPersonID, "reply", "/#/cards/card/"+card.ID)
	}
	told := map[string]bool{}
	for _, to := range []string{card.AckBy, card.KeyWorkerID} {
		if to == "" || told[to] {
			continue
		}
		told[to] = true
		if err := notify(to, "card_answer", "/#/inbox/"+card.ID); err != nil {
			return err
		}
	}
	return nil
}

// LookedAtCard records that the young person has seen what is new on their card.
func (s *Service) LookedAtCard(ctx context.Context, p heard.Principal, cardID string) error {
	if p.Role != heard.RoleYoungPerson {
		return heard.ErrForbidden
	}
	card, _, err := s.cardFor(ctx, p, cardID)
	if err != nil {
		return err
	}
	return s.store.LookedAtCard(ctx, p.AreaID, card.ID, s.now())
}
