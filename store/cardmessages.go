package store

import (
	"context"
	"time"

	"heard"
)

// AddCardMessage adds a message to a card's conversation, once: a message
// whose id the card already holds is not added again. It reports whether this
// call added it. A full conversation (heard.CardMessagesMax) is a conflict.
func (s *Store) AddCardMessage(ctx context.Context, area, cardID string, m heard.CardMessage) (heard.Card, bool, error) {
	m.At = m.At.UTC().Truncate(time.Millisecond)
	return update(ctx, s, colCards, area, cardID, func(c *heard.Card, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		for _, old := range c.Messages {
			if old.ID == m.ID {
				return false, nil
			}
		}
		if len(c.Messages) >= heard.CardMessagesMax {
			return false, heard.Conflict("conversation_full", "This card's conversation is full; a new card starts a new one.")
		}
		c.Messages = append(c.Messages, m)
		return true, nil
	})
}

// LookedAtCard records when the young person last looked at their card's news.
func (s *Store) LookedAtCard(ctx context.Context, area, cardID string, at time.Time) error {
	at = at.UTC().Truncate(time.Millisecond)
	_, _, err := update(ctx, s, colCards, area, cardID, func(c *heard.Card, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		if c.LookedAt != nil && !at.After(*c.LookedAt) {
			return false, nil
		}
		c.LookedAt = &at
		return true, nil
	})
	return err
}
