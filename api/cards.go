package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"heard"
	"heard/store"
)

// Feeling cards: a young person sends a card (maybe from a queue kept while the
// phone was offline); their key worker sees it in an inbox, acknowledges it with
// one tap and perhaps a quick reply; the young person sees "seen" and the reply.

// cardReaders are the staff roles that can ever see a card: the key worker
// (their caseload) and duty workers and team managers (cards escalated to them).
var cardReaders = []heard.Role{heard.RoleKeyWorker, heard.RoleDutyWorker, heard.RoleTeamManager}

type catalogueView struct {
	Cards   []heard.CardKind   `json:"cards"`
	Amounts []heard.CardAmount `json:"amounts"`
	Helps   []heard.CardHelp   `json:"helps"`
}

type newCardRequest struct {
	// ID is made by the phone (UUIDv4) when the card is made, and kept for every retry.
	ID     string           `json:"id"`
	Card   string           `json:"card"`
	Amount heard.CardAmount `json:"amount"`
	Help   heard.CardHelp   `json:"help"`
	Note   string           `json:"note"`
	// SentAt is when the young person made the card on the phone (RFC 3339).
	SentAt string `json:"sentAt"`
}

type ackRequest struct {
	// QuickReply is the id of a quick reply (see /api/cards/quick-replies).
	QuickReply string `json:"quickReply"`
	// At is the time (HH:MM) a quick reply such as "Let's talk at …" names.
	At string `json:"at"`
	// Reply is the adult's own words, instead of a quick reply.
	Reply string `json:"reply"`
}

// cardView is a card as its reader sees it. State is "sent" or "seen".
type cardView struct {
	heard.Card
	State string `json:"state"`
	// YoungPerson is given to staff: the young person's id and the name they go by.
	YoungPerson *personRef `json:"youngPerson,omitempty"`
}

type inboxView struct {
	Items []cardView `json:"items"`
	// Unacknowledged counts the cards nobody has acknowledged yet, urgent ones
	// separately, and per young person.
	Unacknowledged       int            `json:"unacknowledged"`
	UrgentUnacknowledged int            `json:"urgentUnacknowledged"`
	ByYoungPerson        map[string]int `json:"unacknowledgedByYoungPerson"`
}

type historyDay struct {
	Day    string         `json:"day"`
	Counts map[string]int `json:"counts"`
}

// historyView is the young person's cards per day, for their picture of cards over time.
type historyView struct {
	From     string       `json:"from"`
	To       string       `json:"to"`
	TimeZone string       `json:"timeZone"`
	Total    int          `json:"total"`
	Days     []historyDay `json:"days"`
}

func (s *Server) cardsRoutes() {
	s.route(http.MethodGet, "/api/cards/catalogue", doc{Tag: "Cards", Summary: "The feeling cards (id, urgency, group, picture), how much, and what would help. Words are in the i18n catalogue under cards.*.",
		Response: catalogueView{}}, s.cardCatalogue)
	s.route(http.MethodGet, "/api/cards/quick-replies", doc{Tag: "Cards", Roles: cardReaders, Summary: "The quick replies an adult can send when acknowledging a card (words under cards.quick.*).",
		Response: list[heard.QuickReply]{}}, func(c *fiber.Ctx) error {
		return c.JSON(list[heard.QuickReply]{Items: heard.QuickReplies()})
	})
	s.route(http.MethodPost, "/api/cards", doc{Tag: "Cards", Roles: []heard.Role{heard.RoleYoungPerson}, Status: 201,
		Summary: "A young person sends a feeling card. The id is made by the phone: sending the same id again (a retry after a lost connection) returns the stored card with 200 and changes nothing. The key worker is alerted (urgent cards also alert the duty workers). The answer says when the key worker is not working: autoReply.",
		Request: newCardRequest{}, Response: cardView{}}, s.sendCard)
	s.route(http.MethodGet, "/api/me/cards", doc{Tag: "Cards", Roles: []heard.Role{heard.RoleYoungPerson},
		Summary:  "The young person's own cards, newest first, each with its state (sent or seen), who saw it and when, and the reply.",
		Response: list[cardView]{}}, s.myCards)
	s.route(http.MethodGet, "/api/cards/history", doc{Tag: "Cards", Roles: []heard.Role{heard.RoleYoungPerson}, Query: []string{"days"},
		Summary:  "The young person's cards per day over the last days (7 to 91, default 28), for their picture of cards over time.",
		Response: historyView{}}, s.cardHistory)
	s.route(http.MethodGet, "/api/cards/inbox", doc{Tag: "Cards", Roles: cardReaders,
		Summary:  "Cards to look at: a key worker's are their caseload's; a duty worker's or team manager's are the cards escalated to them. Not yet acknowledged first, urgent on top, then newest; with counts of unacknowledged cards.",
		Response: inboxView{}}, s.cardInbox)
	s.route(http.MethodGet, "/api/cards/:id", doc{Tag: "Cards", Roles: append([]heard.Role{heard.RoleYoungPerson}, cardReaders...),
		Summary: "One card: the young person's own, or (audit-logged) one the caller may see.", Response: cardView{}}, s.getCard)
	s.route(http.MethodPost, "/api/cards/:id/ack", doc{Tag: "Cards", Roles: cardReaders, OptionalBody: true,
		Summary: "Acknowledge a card, optionally with a quick reply or own words; the body may be empty. The young person is told. The first acknowledgement stands: the same person again gets 200 with it unchanged; anyone else gets 409 already_acknowledged.",
		Request: ackRequest{}, Response: cardView{}}, s.acknowledgeCard)
}

func (s *Server) cardCatalogue(c *fiber.Ctx) error {
	return c.JSON(catalogueView{Cards: heard.CardCatalogue(), Amounts: heard.CardAmounts, Helps: heard.CardHelps})
}

func (s *Server) sendCard(c *fiber.Ctx) error {
	var req newCardRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	n := heard.NewCard{ID: req.ID, CardID: req.Card, Amount: req.Amount, Help: req.Help, Note: req.Note}
	errs := n.Validate()
	if req.SentAt != "" {
		t, err := time.Parse(time.RFC3339Nano, req.SentAt)
		if err != nil {
			errs["sentAt"] = "time_format"
		}
		n.SentAt = &t
	}
	if len(errs) > 0 {
		return errValidation(errs)
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	card, err := s.newCard(cx, p, n)
	if err != nil {
		return err
	}
	stored, created, err := s.store.InsertCard(cx, card)
	if errors.Is(err, heard.ErrConflict) {
		return apiError(409, "id_in_use", "This card id is already in use; make a new id for a new card.")
	}
	if err != nil {
		return err
	}
	// A retry also finishes whatever an earlier attempt left undone.
	if err := s.cardArrived(cx, stored); err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(cardView{Card: stored, State: stored.State()})
}

// newCard builds the card to store: its urgency, the key worker now, the facts
// for KPI counters, and the automatic reply when the key worker is not working.
func (s *Server) newCard(cx context.Context, p heard.Principal, n heard.NewCard) (heard.Card, error) {
	y, err := s.store.YoungPerson(cx, p.AreaID, p.ID)
	if err != nil {
		return heard.Card{}, err
	}
	area, err := s.store.Area(cx, p.AreaID)
	if err != nil {
		return heard.Card{}, err
	}
	var keyWorker *heard.Staff
	a, err := s.store.CurrentAssignment(cx, p.AreaID, y.ID)
	switch {
	case err == nil:
		st, err := s.store.StaffMember(cx, p.AreaID, a.StaffID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return heard.Card{}, err
		}
		if err == nil && !st.Disabled {
			keyWorker = &st
		}
	case !errors.Is(err, heard.ErrNotFound):
		return heard.Card{}, err
	}
	placementType := ""
	if y.PlacementID != "" {
		pl, err := s.store.Placement(cx, p.AreaID, y.PlacementID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return heard.Card{}, err
		}
		placementType = string(pl.Type)
	}
	kind, _ := heard.CardKindByID(n.CardID)
	urgency := heard.CardUrgency(kind, n.Amount, n.Help)
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	card := heard.Card{ID: n.ID, AreaID: p.AreaID, YoungPersonID: y.ID, TeamID: y.TeamID, Service: y.Service, PlacementType: placementType,
		CardID: n.CardID, Amount: n.Amount, Help: n.Help, Note: n.Note, Urgency: urgency, SentAt: heard.CardSentAt(n.SentAt, now),
		ReceivedAt: now, Day: heard.CardDay(area.TimeZone, now), AutoReply: heard.CardAutoReply(keyWorker, area, urgency, now)}
	if keyWorker != nil {
		card.KeyWorkerID = keyWorker.ID
	}
	return card, nil
}

// cardArrived raises the card's alert (every card: the escalator escalates only
// concerning and urgent ones) and counts it, each once.
func (s *Server) cardArrived(cx context.Context, card heard.Card) error {
	alerted, err := s.store.CardStepDone(cx, card.AreaID, card.ID, store.CardStepAlerted)
	if err != nil {
		return err
	}
	if !alerted && s.cfg.Escalator != nil {
		kind := "card"
		if card.Urgency == heard.UrgencyUrgent {
			kind = "card_urgent"
		}
		if err := s.cfg.Escalator.Raise(cx, heard.Alert{ID: card.ID, AreaID: card.AreaID, YoungPersonID: card.YoungPersonID,
			KeyWorkerID: card.KeyWorkerID, TeamID: card.TeamID, Urgency: card.Urgency, Type: kind, Link: "/#/inbox/" + card.ID,
			CreatedAt: card.ReceivedAt}); err != nil {
			return err
		}
		if err := s.store.MarkCardStep(cx, card.AreaID, card.ID, store.CardStepAlerted); err != nil {
			return err
		}
	}
	return s.store.CountCardReceived(cx, card)
}

func (s *Server) myCards(c *fiber.Ctx) error {
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	cards, err := s.store.CardsOf(cx, p.AreaID, []string{p.ID}, time.Time{}, 200)
	if err != nil {
		return err
	}
	out := make([]cardView, 0, len(cards))
	for _, card := range cards {
		out = append(out, cardView{Card: card, State: card.State()})
	}
	return c.JSON(list[cardView]{Items: out})
}

func (s *Server) cardHistory(c *fiber.Ctx) error {
	days := 28
	if v := c.Query("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 7 || n > 91 {
			return errValidation(map[string]string{"days": "range"})
		}
		days = n
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	area, err := s.store.Area(cx, p.AreaID)
	if err != nil {
		return err
	}
	loc := heard.CardLocation(area.TimeZone)
	now := s.clock.Now().In(loc)
	first := time.Date(now.Year(), now.Month(), now.Day()-(days-1), 0, 0, 0, 0, loc)
	cards, err := s.store.CardsOf(cx, p.AreaID, []string{p.ID}, first, 0)
	if err != nil {
		return err
	}
	h := historyView{From: first.Format(time.DateOnly), To: now.Format(time.DateOnly), TimeZone: loc.String(), Days: make([]historyDay, days)}
	index := map[string]int{}
	for i := range h.Days {
		d := time.Date(first.Year(), first.Month(), first.Day()+i, 0, 0, 0, 0, loc).Format(time.DateOnly)
		h.Days[i] = historyDay{Day: d, Counts: map[string]int{}}
		index[d] = i
	}
	for _, card := range cards {
		// The young person's day is when they made the card, which may be before it arrived.
		at := card.ReceivedAt
		if card.SentAt != nil {
			at = *card.SentAt
		}
		if i, ok := index[at.In(loc).Format(time.DateOnly)]; ok {
			h.Days[i].Counts[card.CardID]++
			h.Total++
		}
	}
	return c.JSON(h)
}

func (s *Server) cardInbox(c *fiber.Ctx) error {
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	var cards []heard.Card
	var err error
	if p.Role == heard.RoleKeyWorker {
		var ids []string
		if ids, err = s.store.Caseload(cx, p.AreaID, p.ID); err == nil {
			cards, err = s.store.Inbox(cx, p.AreaID, ids)
		}
	} else {
		cards, err = s.store.CardsEscalatedTo(cx, p.AreaID, p.ID)
	}
	if err != nil {
		return err
	}
	// One read for every name, rather than one per young person.
	var ids []string
	seen := map[string]bool{}
	for _, card := range cards {
		if !seen[card.YoungPersonID] {
			seen[card.YoungPersonID] = true
			ids = append(ids, card.YoungPersonID)
		}
	}
	names := map[string]*personRef{}
	if len(ids) > 0 {
		people, err := s.store.YoungPeople(cx, p.AreaID, ids)
		if err != nil {
			return err
		}
		for _, y := range people {
			names[y.ID] = &personRef{ID: y.ID, Name: y.CalledName()}
		}
	}
	// Duty workers and managers read these young people's words only because
	// of an escalation: the audit log says so (once an hour per young person).
	if p.Role != heard.RoleKeyWorker {
		for _, id := range ids {
			if err := s.store.AuditEscalatedCardsRead(cx, heard.AuditEntry{AreaID: p.AreaID, ActorID: p.ID, ActorName: p.Name,
				ActorRole: p.Role, Action: "cards_escalated_read", YoungPersonID: id, RequestID: requestID(c)}); err != nil {
				return err
			}
		}
	}
	v := inboxView{Items: make([]cardView, 0, len(cards)), ByYoungPerson: map[string]int{}}
	for _, card := range cards {
		ref := names[card.YoungPersonID]
		if ref == nil {
			ref = &personRef{ID: card.YoungPersonID}
		}
		if card.AckAt == nil {
			v.Unacknowledged++
			v.ByYoungPerson[card.YoungPersonID]++
			if card.Urgency == heard.UrgencyUrgent {
				v.UrgentUnacknowledged++
			}
		}
		v.Items = append(v.Items, cardView{Card: card, State: card.State(), YoungPerson: ref})
	}
	return c.JSON(v)
}

func (s *Server) youngPersonRef(cx context.Context, card heard.Card) (*personRef, error) {
	y, err := s.store.YoungPerson(cx, card.AreaID, card.YoungPersonID)
	if errors.Is(err, heard.ErrNotFound) {
		return &personRef{ID: card.YoungPersonID}, nil
	}
	if err != nil {
		return nil, err
	}
	return &personRef{ID: y.ID, Name: y.CalledName()}, nil
}

// cardFor loads a card and applies heard.CardAccess: another area's or an
// unknown id is "not found", a card the caller may not read is "forbidden".
func (s *Server) cardFor(c *fiber.Ctx) (card heard.Card, canAck bool, err error) {
	id, err := pathID(c, "id")
	if err != nil {
		return card, false, err
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	card, err = s.store.Card(cx, p.AreaID, id)
	if err != nil {
		return card, false, err
	}
	var keyWorker, escalated bool
	switch p.Role {
	case heard.RoleKeyWorker:
		keyWorker, err = s.store.IsKeyWorker(cx, p.AreaID, p.ID, card.YoungPersonID)
	case heard.RoleDutyWorker, heard.RoleTeamManager:
		escalated, err = s.store.CardEscalatedTo(cx, p.AreaID, card.ID, p.ID)
	}
	if err != nil {
		return card, false, err
	}
	read, ack := heard.CardAccess(p, card, keyWorker, escalated)
	if !read {
		return card, false, errForbidden()
	}
	return card, ack, nil
}

func (s *Server) getCard(c *fiber.Ctx) error {
	card, _, err := s.cardFor(c)
	if err != nil {
		return err
	}
	v := cardView{Card: card, State: card.State()}
	if principal(c).Role.IsStaff() {
		if err := s.audit(c, "card_read", card.YoungPersonID); err != nil {
			return err
		}
		cx, cancel := ctx(c)
		defer cancel()
		if v.YoungPerson, err = s.youngPersonRef(cx, card); err != nil {
			return err
		}
	}
	return c.JSON(v)
}

func (s *Server) acknowledgeCard(c *fiber.Ctx) error {
	var req ackRequest
	// A plain "seen" needs no body at all.
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	ack := heard.CardAck{QuickReply: req.QuickReply, At: req.At, Reply: req.Reply}
	if errs := ack.Validate(); len(errs) > 0 {
		return errValidation(errs)
	}
	card, canAck, err := s.cardFor(c)
	if err != nil {
		return err
	}
	if !canAck {
		return errForbidden()
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	me, err := s.store.StaffMember(cx, p.AreaID, p.ID)
	if err != nil {
		return err
	}
	acked, first, err := s.store.AcknowledgeCard(cx, p.AreaID, card.ID, store.CardAcknowledgement{At: s.clock.Now(), By: p.ID,
		ByName: me.FirstName(), ByRole: p.Role, Reply: ack.CardReply()})
	if err != nil {
		return err
	}
	if !first && acked.AckBy != p.ID {
		return &Error{Status: 409, Code: "already_acknowledged", Message: "Someone has already acknowledged this card."}
	}
	// The same person again is a retry: it finishes what an earlier attempt left undone.
	if err := s.cardAcknowledged(cx, acked); err != nil {
		return err
	}
	if first {
		if err := s.audit(c, "card_acknowledged", card.YoungPersonID); err != nil {
			return err
		}
	}
	v := cardView{Card: acked, State: acked.State()}
	if v.YoungPerson, err = s.youngPersonRef(cx, acked); err != nil {
		return err
	}
	return c.JSON(v)
}

// cardAcknowledged stops the card's escalation, tells the young person (by push
// and, through /api/me/cards, in the app) and counts the time to acknowledge.
func (s *Server) cardAcknowledged(cx context.Context, card heard.Card) error {
	done, err := s.store.CardStepDone(cx, card.AreaID, card.ID, store.CardStepAckFollowed)
	if err != nil {
		return err
	}
	if !done {
		if s.cfg.Escalator != nil {
			if err := s.cfg.Escalator.Acknowledge(cx, card.AreaID, card.ID, card.AckBy); err != nil {
				return err
			}
		}
		if s.cfg.Notifier != nil {
			// The id is made from the card's, so a retry queues the same notification.
			id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("heard:card-reply:"+card.ID)).String()
			if err := s.cfg.Notifier.Notify(cx, heard.Notification{ID: id, AreaID: card.AreaID, RecipientID: card.YoungPersonID,
				Type: "reply", Link: "/#/cards/mine", Urgency: heard.UrgencyOrdinary, SubjectID: card.ID, CreatedAt: s.clock.Now()}); err != nil {
				return err
			}
		}
		if err := s.store.MarkCardStep(cx, card.AreaID, card.ID, store.CardStepAckFollowed); err != nil {
			return err
		}
	}
	area, err := s.store.Area(cx, card.AreaID)
	if err != nil {
		return err
	}
	return s.store.CountCardAcknowledged(cx, card, area.Escalation.UrgentToDuty)
}
