package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// The conversation after a card: an adult writes again after acknowledging
// it; the young person answers back in a few words; each side is told by a
// lock-screen-safe push. The young person says when they have looked at
// what is new, so home stops showing it.

type newCardMessageRequest struct {
	// ID is made by the app when the message is written, and kept for every retry.
	ID string `json:"id"`
	// QuickReply and At: an adult's quick reply (as when acknowledging).
	QuickReply string `json:"quickReply"`
	At         string `json:"at"`
	// Text is the sender's own words (the young person's: up to 280 characters).
	Text string `json:"text"`
}

func (s *Server) cardMessagesRoutes() {
	s.route(http.MethodPost, "/api/cards/:id/messages", doc{Tag: "Cards", Roles: append([]heard.Role{heard.RoleYoungPerson}, cardReaders...), Status: 201,
		Summary: "Add a message to an acknowledged card: an adult who may acknowledge it (a quick reply, own words or both), or its young person (a few words). The other side gets a push that never shows a name or the words. The id is made by the app: sending it again returns the card with 200 and adds nothing. 409 not_acknowledged before anyone has acknowledged the card.",
		Request: newCardMessageRequest{}, Response: cardView{}}, s.addCardMessage)
	s.route(http.MethodPost, "/api/cards/:id/looked", doc{Tag: "Cards", Roles: []heard.Role{heard.RoleYoungPerson}, Status: 204,
		Summary: "The young person has looked at what is new on their card (seen, replies), so their home stops showing it."},
		s.lookedAtCard)
}

func (s *Server) addCardMessage(c *fiber.Ctx) error {
	var req newCardMessageRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, created, err := s.cfg.Services.AddCardMessage(cx, principal(c), id, heard.NewCardMessage{ID: req.ID, QuickReply: req.QuickReply, At: req.At, Text: req.Text})
	return answerMade(c, v, created, err)
}

func (s *Server) lookedAtCard(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.LookedAtCard(cx, principal(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
