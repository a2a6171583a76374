package heard

import (
	"context"
	"strings"
	"time"
)

// A card is the start of a conversation, not one shot: after acknowledging it,
// an adult can write again, and the young person can answer back in a few
// words. Each message is kept on its card under an id made by the sender's
// app, so a retry is recognised and never adds it twice.

// CardMessage is one message after a card.
type CardMessage struct {
	ID string    `bson:"id" json:"id"`
	At time.Time `bson:"at" json:"at"`
	// FromRole is young_person for the young person's answers, else the adult's role.
	FromRole Role   `bson:"fromRole" json:"fromRole"`
	ByID     string `bson:"byId" json:"-"`
	// ByName is an adult's first name (empty for the young person).
	ByName string `bson:"byName,omitempty" json:"byName,omitempty"`
	// QuickReplyID and Clock are an adult's quick reply ("Let's talk at 16:30").
	QuickReplyID string `bson:"quickReplyId,omitempty" json:"quickReplyId,omitempty"`
	Clock        string `bson:"clock,omitempty" json:"clock,omitempty"`
	// Text is the sender's own words, shown as written.
	Text string `bson:"text,omitempty" json:"text,omitempty"`
}

// FromYoungPerson reports whether the young person wrote it.
func (m CardMessage) FromYoungPerson() bool { return m.FromRole == RoleYoungPerson }

// Limits on a card's conversation.
const (
	// CardAnswerMaxChars keeps a young person's answer to a few words.
	CardAnswerMaxChars = 280
	// CardMessagesMax bounds a card's conversation; past it, a new card starts a new one.
	CardMessagesMax = 50
)

// NewCardMessage is what an app sends to add a message to a card.
type NewCardMessage struct {
	ID         string
	QuickReply string
	At         string
	Text       string
}

// Validate checks a message. A young person's is their own words (up to
// CardAnswerMaxChars); an adult's is a quick reply, their own words, or both,
// like an acknowledgement.
func (n *NewCardMessage) Validate(young bool) map[string]string {
	errs := map[string]string{}
	n.Text = strings.TrimSpace(n.Text)
	if !ValidID(n.ID) {
		errs["id"] = "id_format"
	}
	if young {
		switch {
		case n.QuickReply != "" || n.At != "":
			errs["quickReply"] = "not_allowed"
		case n.Text == "":
			errs["text"] = "required"
		default:
			if p := checkCardText(n.Text, CardAnswerMaxChars); p != "" {
				errs["text"] = p
			}
		}
		return errs
	}
	ack := CardAck{QuickReply: n.QuickReply, At: n.At, Reply: n.Text}
	for k, v := range ack.Validate() {
		if k == "reply" {
			k = "text"
		}
		errs[k] = v
	}
	if n.QuickReply == "" && n.Text == "" {
		errs["text"] = "required"
	}
	return errs
}

// CardNews reports whether a young person has something new on a card they
// have not looked at yet: the card seen, or a message from an adult, since they
// last looked.
func CardNews(c Card) bool {
	last := c.AckAt
	for i := range c.Messages {
		if !c.Messages[i].FromYoungPerson() && (last == nil || !c.Messages[i].At.Before(*last)) {
			last = &c.Messages[i].At
		}
	}
	return last != nil && (c.LookedAt == nil || !last.Before(*c.LookedAt))
}

// CardConversationService is the conversation after a card.
type CardConversationService interface {
	// AddCardMessage adds a message to an acknowledged card: an adult who may
	// acknowledge it, or its young person. Sending the same id again returns
	// the card as it is, with created false.
	AddCardMessage(ctx context.Context, p Principal, cardID string, n NewCardMessage) (v CardView, created bool, err error)
	// LookedAtCard records that the young person has seen what is new on their card.
	LookedAtCard(ctx context.Context, p Principal, cardID string) error
}
