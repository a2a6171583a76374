package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"heard"
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

type cardView = heard.CardView

type inboxView = heard.CardInbox

type historyView = heard.CardHistory

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
	s.route(http.MethodGet, "/api/cards/inbox", doc{Tag: "Cards", Roles: cardReaders, Query: []string{"page"},
		Summary:  "Cards to look at: a key worker's are their caseload's; a duty worker's or team manager's are the cards escalated to them. Not yet acknowledged first, urgent on top, then newest, 50 a page (page from 0; more says another follows); with counts of the whole inbox's unacknowledged cards.",
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
	if req.SentAt != "" {
		t, err := time.Parse(time.RFC3339Nano, req.SentAt)
		if err != nil {
			errs := n.Validate()
			errs["sentAt"] = "time_format"
			return errValidation(errs)
		}
		n.SentAt = &t
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, created, err := s.cfg.Services.SendCard(cx, principal(c), n)
	return answerMade(c, v, created, err)
}

func (s *Server) myCards(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	items, err := s.cfg.Services.MyCards(cx, principal(c))
	if err != nil {
		return err
	}
	return c.JSON(list[cardView]{Items: items})
}

// queryInt reads a whole-number query parameter (0 when absent).
func queryInt(c *fiber.Ctx, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errValidation(map[string]string{name: "range"})
	}
	return n, nil
}

func (s *Server) cardHistory(c *fiber.Ctx) error {
	days, err := queryInt(c, "days")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	h, err := s.cfg.Services.CardHistory(cx, principal(c), days)
	if err != nil {
		return err
	}
	return c.JSON(h)
}

func (s *Server) cardInbox(c *fiber.Ctx) error {
	page, err := queryInt(c, "page")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, err := s.cfg.Services.CardInbox(cx, principal(c), page)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) getCard(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, err := s.cfg.Services.Card(cx, principal(c), id)
	if err != nil {
		return err
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
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, err := s.cfg.Services.AcknowledgeCard(cx, principal(c), id, heard.CardAck{QuickReply: req.QuickReply, At: req.At, Reply: req.Reply})
	if err != nil {
		return err
	}
	return c.JSON(v)
}
