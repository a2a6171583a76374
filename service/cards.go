package service

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"heard"
	"heard/store"
)

// SendCard stores a young person's card and alerts the adults who should see it.
//
// The order of writes makes "sent" true whatever moment a request fails: the
// intent first (so the background worker finishes what a failed request left),
// then the card (the store lists it before storing it, so once stored it is in
// every inbox that should show it), then its alert and its counters, each
// keyed by the card's id so a retry adds nothing twice.
func (s *Service) SendCard(ctx context.Context, p heard.Principal, n heard.NewCard) (heard.CardView, bool, error) {
	if errs := n.Validate(); len(errs) > 0 {
		return heard.CardView{}, false, heard.Invalid(errs)
	}
	existing, err := s.store.SentCard(ctx, p.AreaID, n.ID)
	switch {
	case err == nil && existing.YoungPersonID != p.ID:
		return heard.CardView{}, false, errCardIDInUse
	case err == nil:
		// The phone is retrying: finish whatever the first attempt left undone.
		if err := s.completeIfInProgress(ctx, existing); err != nil {
			return heard.CardView{}, false, err
		}
		return heard.NewCardView(existing, nil), false, nil
	case !errors.Is(err, heard.ErrNotFound):
		return heard.CardView{}, false, err
	}
	card, area, err := s.newCard(ctx, p, n)
	if err != nil {
		return heard.CardView{}, false, err
	}
	if err := s.store.BeginIntent(ctx, card.AreaID, intentCard, card.ID, s.instance, s.lease); err != nil {
		return heard.CardView{}, false, err
	}
	stored, created, err := s.store.InsertCard(ctx, card)
	if errors.Is(err, heard.ErrConflict) {
		return heard.CardView{}, false, errCardIDInUse
	}
	if err != nil {
		return heard.CardView{}, false, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	if err := s.finishCard(fctx, stored, &area.Escalation, created); err != nil {
		return heard.CardView{}, false, err
	}
	return heard.NewCardView(stored, nil), created, nil
}

// completeIfInProgress finishes a card's workflow if it has not finished. A
// finished workflow is never run again (its counters may have been folded).
func (s *Service) completeIfInProgress(ctx context.Context, card heard.Card) error {
	busy, err := s.store.InProgress(ctx, card.AreaID, intentCard, card.ID)
	if err != nil || !busy {
		return err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return s.CompleteCard(fctx, card.AreaID, card.ID)
}

var errCardIDInUse = heard.Conflict("id_in_use", "This card id is already in use; make a new id for a new card.")

// newCard builds the card to store: its urgency, the key worker now, the facts
// for KPI counters, and the automatic reply when the key worker is not working.
func (s *Service) newCard(ctx context.Context, p heard.Principal, n heard.NewCard) (heard.Card, heard.Area, error) {
	y, a, err := s.store.YoungPersonAndKeyWorker(ctx, p.AreaID, p.ID)
	if err != nil {
		return heard.Card{}, heard.Area{}, err
	}
	area, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return heard.Card{}, heard.Area{}, err
	}
	var keyWorker *heard.Staff
	if a != nil {
		st, err := s.store.StaffMember(ctx, p.AreaID, a.StaffID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return heard.Card{}, heard.Area{}, err
		}
		if err == nil && !st.Disabled {
			keyWorker = &st
		}
	}
	placementType := ""
	if y.PlacementID != "" {
		pl, err := s.store.Placement(ctx, p.AreaID, y.PlacementID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return heard.Card{}, heard.Area{}, err
		}
		placementType = string(pl.Type)
	}
	kind, _ := heard.CardKindByID(n.CardID)
	urgency := heard.CardUrgency(kind, n.Amount, n.Help)
	now := s.now()
	card := heard.Card{ID: n.ID, AreaID: p.AreaID, YoungPersonID: y.ID, TeamID: y.TeamID, Service: y.Service, PlacementType: placementType,
		CardID: n.CardID, Amount: n.Amount, Help: n.Help, Note: n.Note, Urgency: urgency, SentAt: heard.CardSentAt(n.SentAt, now),
		ReceivedAt: now, Day: heard.CardDay(area.TimeZone, now), AutoReply: heard.CardAutoReply(keyWorker, area, urgency, now)}
	if keyWorker != nil {
		card.KeyWorkerID = keyWorker.ID
	}
	if urgency == heard.UrgencyUrgent {
		card.CrisisShown = area.CrisisContacts
	}
	return card, area, nil
}

// CompleteCard brings everything that follows from a card's state about:
// it is in its lists; its alert is raised (every card: the escalator escalates
// only concerning and urgent ones) and counted; once acknowledged, the alert is
// stopped, the young person told and the time to acknowledge counted. Each
// step is keyed by the card's id, so running it again changes nothing; the
// intent is removed last.
func (s *Service) CompleteCard(ctx context.Context, areaID, cardID string) error {
	card, err := s.store.Card(ctx, areaID, cardID)
	if errors.Is(err, heard.ErrNotFound) {
		// The send failed before the card was stored: nothing was sent.
		return s.store.EndIntent(ctx, intentCard, cardID)
	}
	if err != nil {
		return err
	}
	if err := s.store.ListCard(ctx, card); err != nil {
		return err
	}
	return s.finishCard(ctx, card, nil, false)
}

// finishCard is CompleteCard for a card the caller has just stored (or
// acknowledged) and so listed: the steps after the lists. policy is the
// area's escalation policy when the caller has just read it, or nil; created
// says the caller's own insert stored the card just now (not a retry's).
func (s *Service) finishCard(ctx context.Context, card heard.Card, policy *heard.EscalationPolicy, created bool) error {
	if card.AckAt == nil && s.escalator != nil {
		kind := heard.AlertCard
		if card.Urgency == heard.UrgencyUrgent {
			kind = heard.AlertCardUrgent
		}
		if err := s.escalator.Raise(ctx, heard.Alert{ID: card.ID, AreaID: card.AreaID, YoungPersonID: card.YoungPersonID,
			KeyWorkerID: card.KeyWorkerID, TeamID: card.TeamID, Urgency: card.Urgency, Type: kind, Link: "/#/inbox/" + card.ID,
			CreatedAt: card.ReceivedAt, Policy: policy, New: created}); err != nil {
			return err
		}
	}
	if err := s.store.CountCardReceived(ctx, card); err != nil {
		return err
	}
	if card.AckAt != nil {
		if err := s.cardAcknowledged(ctx, card); err != nil {
			return err
		}
	}
	return s.store.EndIntent(ctx, intentCard, card.ID)
}

// cardAcknowledged stops the card's escalation, tells the young person (by push
// and, through their list of cards, in the app) and counts the time to
// acknowledge against the limit the alert was raised with.
func (s *Service) cardAcknowledged(ctx context.Context, card heard.Card) error {
	if s.escalator != nil {
		if err := s.escalator.Acknowledge(ctx, card.AreaID, card.ID, card.AckBy); err != nil {
			return err
		}
	}
	if s.notifier != nil {
		// The id is made from the card's, so a retry queues the same notification.
		id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("heard:card-reply:"+card.ID)).String()
		if err := s.notifier.Notify(ctx, heard.Notification{ID: id, AreaID: card.AreaID, RecipientID: card.YoungPersonID,
			Type: "reply", Link: "/#/cards/card/" + card.ID, Urgency: heard.UrgencyOrdinary, SubjectID: card.ID, CreatedAt: *card.AckAt}); err != nil {
			return err
		}
	}
	limit, err := s.urgentLimit(ctx, card)
	if err != nil {
		return err
	}
	return s.store.CountCardAcknowledged(ctx, card, limit)
}

// urgentLimit is the time an urgent card had to be acknowledged: the limit
// stored with its alert when it was raised, not the area's limit today.
func (s *Service) urgentLimit(ctx context.Context, card heard.Card) (time.Duration, error) {
	a, err := s.store.Alert(ctx, card.AreaID, card.ID)
	if err == nil && a.Policy.UrgentToDuty > 0 {
		return a.Policy.UrgentToDuty, nil
	}
	if err != nil && !errors.Is(err, heard.ErrNotFound) {
		return 0, err
	}
	area, err := s.store.Area(ctx, card.AreaID)
	if err != nil {
		return 0, err
	}
	if area.Escalation.UrgentToDuty > 0 {
		return area.Escalation.UrgentToDuty, nil
	}
	return heard.DefaultEscalation().UrgentToDuty, nil
}

// MyCards lists a young person's own cards, newest first.
func (s *Service) MyCards(ctx context.Context, p heard.Principal) ([]heard.CardView, error) {
	cards, err := s.store.CardsOf(ctx, p.AreaID, []string{p.ID}, time.Time{}, 200)
	if err != nil {
		return nil, err
	}
	out := make([]heard.CardView, 0, len(cards))
	for _, c := range cards {
		out = append(out, heard.NewCardView(c, nil))
	}
	return out, nil
}

// CardHistory counts a young person's cards per day over the last days, by
// the day they made each card (which may be before it arrived).
func (s *Service) CardHistory(ctx context.Context, p heard.Principal, days int) (heard.CardHistory, error) {
	if days == 0 {
		days = heard.CardHistoryDefaultDays
	}
	if days < heard.CardHistoryMinDays || days > heard.CardHistoryMaxDays {
		return heard.CardHistory{}, heard.Invalid(map[string]string{"days": "range"})
	}
	area, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return heard.CardHistory{}, err
	}
	loc := heard.CardLocation(area.TimeZone)
	now := s.clock.Now().In(loc)
	first := time.Date(now.Year(), now.Month(), now.Day()-(days-1), 0, 0, 0, 0, loc)
	cards, err := s.store.CardsOf(ctx, p.AreaID, []string{p.ID}, first, 0)
	if err != nil {
		return heard.CardHistory{}, err
	}
	h := heard.CardHistory{From: first.Format(time.DateOnly), To: now.Format(time.DateOnly), TimeZone: loc.String(), Days: make([]heard.CardHistoryDay, days)}
	index := map[string]int{}
	for i := range h.Days {
		d := time.Date(first.Year(), first.Month(), first.Day()+i, 0, 0, 0, 0, loc).Format(time.DateOnly)
		h.Days[i] = heard.CardHistoryDay{Day: d, Counts: map[string]int{}}
		index[d] = i
	}
	for _, card := range cards {
		at := card.ReceivedAt
		if card.SentAt != nil {
			at = *card.SentAt
		}
		if i, ok := index[at.In(loc).Format(time.DateOnly)]; ok {
			h.Days[i].Counts[card.CardID]++
			h.Total++
		}
	}
	return h, nil
}

// CardInbox lists one page of a key worker's caseload's cards, or of the
// cards escalated to a duty worker or team manager (whose reading is
// audit-logged, once an hour per young person), with the counts of the whole
// inbox. A key worker's inbox is counted and ordered from the young people's
// lists, so only the page's cards are read; escalated cards are few (the
// last week's escalations to this one person) and are read whole.
func (s *Service) CardInbox(ctx context.Context, p heard.Principal, page int) (heard.CardInbox, error) {
	if page < 0 {
		return heard.CardInbox{}, heard.Invalid(map[string]string{"page": "range"})
	}
	var (
		entries []heard.InboxEntry
		cards   []heard.Card
		more    bool
	)
	if p.Role == heard.RoleKeyWorker {
		ids, err := s.store.Caseload(ctx, p.AreaID, p.ID)
		if err != nil {
			return heard.CardInbox{}, err
		}
		if entries, err = s.store.InboxEntries(ctx, p.AreaID, ids); err != nil {
			return heard.CardInbox{}, err
		}
		var onPage []heard.InboxEntry
		onPage, more = heard.InboxPageOf(entries, page)
		if cards, err = s.store.InboxCards(ctx, p.AreaID, onPage); err != nil {
			return heard.CardInbox{}, err
		}
	} else {
		all, err := s.store.CardsEscalatedTo(ctx, p.AreaID, p.ID)
		if err != nil {
			return heard.CardInbox{}, err
		}
		for _, c := range all {
			entries = append(entries, heard.InboxEntry{ID: c.ID, YoungPersonID: c.YoungPersonID, Urgency: c.Urgency,
				ReceivedAt: c.ReceivedAt, Acknowledged: c.AckAt != nil})
		}
		from := min(page*heard.CardInboxPage, len(all))
		_, more = heard.InboxPageOf(entries, page)
		cards = all[from:min(from+heard.CardInboxPage, len(all))]
	}
	var ids []string
	seen := map[string]bool{}
	for _, card := range cards {
		if !seen[card.YoungPersonID] {
			seen[card.YoungPersonID] = true
			ids = append(ids, card.YoungPersonID)
		}
	}
	names := map[string]*heard.PersonRef{}
	for _, id := range ids {
		ref, err := s.personRef(ctx, p.AreaID, id)
		if err != nil {
			return heard.CardInbox{}, err
		}
		names[id] = ref
	}
	if p.Role != heard.RoleKeyWorker {
		for _, id := range ids {
			if err := s.store.AuditEscalatedCardsRead(ctx, auditEntry(p, "cards_escalated_read", id)); err != nil {
				return heard.CardInbox{}, err
			}
		}
	}
	v := heard.CardInbox{Items: make([]heard.CardView, 0, len(cards)), More: more}
	v.Unacknowledged, v.UrgentUnacknowledged, v.ByYoungPerson = heard.InboxCounts(entries)
	for _, card := range cards {
		v.Items = append(v.Items, heard.NewCardView(card, names[card.YoungPersonID]))
	}
	return v, nil
}

// personRef names a young person by _id (a lookup, never a scan).
func (s *Service) personRef(ctx context.Context, area, id string) (*heard.PersonRef, error) {
	y, err := s.store.YoungPerson(ctx, area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return &heard.PersonRef{ID: id}, nil
	}
	if err != nil {
		return nil, err
	}
	return &heard.PersonRef{ID: y.ID, Name: y.CalledName()}, nil
}

func auditEntry(p heard.Principal, action, youngPersonID string) heard.AuditEntry {
	return heard.AuditEntry{AreaID: p.AreaID, ActorID: p.ID, ActorName: p.Name, ActorRole: p.Role, Action: action,
		YoungPersonID: youngPersonID, RequestID: p.RequestID}
}

// cardFor loads a card and applies heard.CardAccess: another area's or an
// unknown id is "not found", a card the caller may not read is "forbidden".
func (s *Service) cardFor(ctx context.Context, p heard.Principal, id string) (card heard.Card, canAck bool, err error) {
	if !heard.ValidID(id) {
		return card, false, heard.ErrNotFound
	}
	card, err = s.store.Card(ctx, p.AreaID, id)
	if err != nil {
		return card, false, err
	}
	var keyWorker, escalated bool
	switch p.Role {
	case heard.RoleKeyWorker:
		keyWorker, err = s.store.IsKeyWorker(ctx, p.AreaID, p.ID, card.YoungPersonID)
	case heard.RoleDutyWorker, heard.RoleTeamManager:
		escalated, err = s.store.CardEscalatedTo(ctx, p.AreaID, card.ID, p.ID)
	}
	if err != nil {
		return card, false, err
	}
	read, ack := heard.CardAccess(p, card, keyWorker, escalated)
	if !read {
		return card, false, heard.ErrForbidden
	}
	return card, ack, nil
}

// Card shows one card: the young person's own, or (audit-logged) one a staff
// member may see.
func (s *Service) Card(ctx context.Context, p heard.Principal, id string) (heard.CardView, error) {
	card, _, err := s.cardFor(ctx, p, id)
	if err != nil {
		return heard.CardView{}, err
	}
	if !p.Role.IsStaff() {
		return heard.NewCardView(card, nil), nil
	}
	if err := s.store.Audit(ctx, auditEntry(p, "card_read", card.YoungPersonID)); err != nil {
		return heard.CardView{}, err
	}
	who, err := s.personRef(ctx, card.AreaID, card.YoungPersonID)
	if err != nil {
		return heard.CardView{}, err
	}
	v := heard.NewCardView(card, who)
	if v.Alert, err = s.cardAlert(ctx, card); err != nil {
		return heard.CardView{}, err
	}
	return v, nil
}

var errAlreadyAcknowledged = heard.Conflict("already_acknowledged", "Someone has already acknowledged this card.")

// AcknowledgeCard keeps the first acknowledgement of a card: one exact write
// decides it. The same adult again is a retry and finishes what an earlier
// attempt left undone; anyone else is told someone already has.
func (s *Service) AcknowledgeCard(ctx context.Context, p heard.Principal, id string, ack heard.CardAck) (heard.CardView, error) {
	if errs := ack.Validate(); len(errs) > 0 {
		return heard.CardView{}, heard.Invalid(errs)
	}
	card, canAck, err := s.cardFor(ctx, p, id)
	if err != nil {
		return heard.CardView{}, err
	}
	if !canAck {
		return heard.CardView{}, heard.ErrForbidden
	}
	if card.AckAt != nil {
		// Acknowledged already: by this adult, a retry that finishes what the
		// first attempt left undone; by anyone else, a conflict.
		if card.AckBy != p.ID {
			return heard.CardView{}, errAlreadyAcknowledged
		}
		if err := s.completeIfInProgress(ctx, card); err != nil {
			return heard.CardView{}, err
		}
		return s.acknowledgedView(ctx, card)
	}
	me, err := s.store.StaffMember(ctx, p.AreaID, p.ID)
	if err != nil {
		return heard.CardView{}, err
	}
	if err := s.store.BeginIntent(ctx, card.AreaID, intentCard, card.ID, s.instance, s.lease); err != nil {
		return heard.CardView{}, err
	}
	acked, first, err := s.store.AcknowledgeCard(ctx, p.AreaID, card.ID, store.CardAcknowledgement{At: s.now(), By: p.ID,
		ByName: me.FirstName(), ByRole: p.Role, Reply: ack.CardReply()})
	if err != nil {
		return heard.CardView{}, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	if err := s.finishCard(fctx, acked, nil, false); err != nil {
		return heard.CardView{}, err
	}
	if !first && acked.AckBy != p.ID {
		return heard.CardView{}, errAlreadyAcknowledged
	}
	if first {
		if err := s.store.Audit(fctx, auditEntry(p, "card_acknowledged", card.YoungPersonID)); err != nil {
			return heard.CardView{}, err
		}
	}
	return s.acknowledgedView(fctx, acked)
}

func (s *Service) acknowledgedView(ctx context.Context, card heard.Card) (heard.CardView, error) {
	who, err := s.personRef(ctx, card.AreaID, card.YoungPersonID)
	if err != nil {
		return heard.CardView{}, err
	}
	return heard.NewCardView(card, who), nil
}
