package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Cards are written once (their insert) and then only to copy in the
// acknowledgement. Everything that must happen exactly once after that (count
// the card, keep the first acknowledgement, count the time to acknowledge) is
// decided by inserting a step document with a unique id "<card id>/<step>": a
// unique-key insert is atomic on the embedded database and on MongoDB alike,
// whereas a conditional update is not atomic on the embedded database (measured:
// concurrent conditional updates each reported a match). Steps also record what a
// crash may have left undone, so a retry of the same request finishes it.
const (
	colCards     = "cards"
	colCardSteps = "card_steps"
)

// Steps of a card's life, recorded in card_steps.
const (
	CardStepAlerted     = "alerted"      // the alert was raised
	CardStepCounted     = "counted"      // the card was added to the KPI counters
	CardStepAck         = "ack"          // the first acknowledgement (it holds who, when and the reply)
	CardStepAckCounted  = "ack_counted"  // the time to acknowledge was counted
	CardStepAckFollowed = "ack_followed" // the alert was stopped and the young person told
)

// cardStep is one step document. The "ack" step also holds the acknowledgement.
type cardStep struct {
	ID     string           `bson:"_id"`
	AreaID string           `bson:"area"`
	CardID string           `bson:"cardId"`
	At     time.Time        `bson:"at"`
	By     string           `bson:"by,omitempty"`
	ByName string           `bson:"byName,omitempty"`
	ByRole heard.Role       `bson:"byRole,omitempty"`
	Reply  *heard.CardReply `bson:"reply,omitempty"`
}

func init() {
	registerIndexes(
		index{collection: colCards, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "receivedAt", Value: -1}}},
		index{collection: colCards, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "ackAt", Value: 1}}},
		index{collection: colCardSteps, keys: bson.D{{Key: "area", Value: 1}, {Key: "cardId", Value: 1}}},
		// Duty workers' and managers' inboxes: the card alerts escalated to them.
		index{collection: colAlerts, keys: bson.D{{Key: "area", Value: 1}, {Key: "escalatedTo", Value: 1}, {Key: "createdAt", Value: -1}}},
	)
}

// InboxAcknowledgedLimit caps how many acknowledged cards an inbox shows; cards
// not yet acknowledged are always all shown.
const InboxAcknowledgedLimit = 100

// InsertCard stores a new card under the id the phone made. When a card with that
// id is already stored for the same young person, the phone is retrying: the
// stored card is returned unchanged with created false. The same id from anyone
// else is a conflict (and reveals nothing about the other card).
func (s *Store) InsertCard(ctx context.Context, c heard.Card) (heard.Card, bool, error) {
	_, err := s.c(colCards).InsertOne(ctx, c)
	if err == nil {
		return c, true, nil
	}
	if duplicate(err) != heard.ErrConflict {
		return c, false, err
	}
	existing, err := findOne[heard.Card](ctx, s.c(colCards), inArea(c.AreaID,
		bson.E{Key: "_id", Value: c.ID}, bson.E{Key: "youngPersonId", Value: c.YoungPersonID}))
	if err == heard.ErrNotFound {
		return c, false, heard.ErrConflict
	}
	return existing, false, err
}

// Card returns one card of the area.
func (s *Store) Card(ctx context.Context, area, id string) (heard.Card, error) {
	return findOne[heard.Card](ctx, s.c(colCards), inArea(area, bson.E{Key: "_id", Value: id}))
}

// CardsOf lists the cards of some young people received at or after since (all
// when since is zero), newest first, at most limit (no limit when 0).
func (s *Store) CardsOf(ctx context.Context, area string, youngPersonIDs []string, since time.Time, limit int64) ([]heard.Card, error) {
	if len(youngPersonIDs) == 0 {
		return []heard.Card{}, nil
	}
	f := inArea(area, bson.E{Key: "youngPersonId", Value: bson.D{{Key: "$in", Value: youngPersonIDs}}})
	if !since.IsZero() {
		f = append(f, bson.E{Key: "receivedAt", Value: bson.D{{Key: "$gte", Value: since}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "receivedAt", Value: -1}, {Key: "_id", Value: 1}})
	if limit > 0 {
		opts.SetLimit(limit)
	}
	return findAll[heard.Card](ctx, s.c(colCards), f, opts)
}

// CardsByID returns the cards of the area with the ids given.
func (s *Store) CardsByID(ctx context.Context, area string, ids []string) ([]heard.Card, error) {
	if len(ids) == 0 {
		return []heard.Card{}, nil
	}
	return findAll[heard.Card](ctx, s.c(colCards), inArea(area, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}))
}

// Inbox returns a key worker's inbox: every card of the young people given that
// nobody has acknowledged, and the most recent acknowledged ones, in inbox order
// (heard.SortInbox: not yet acknowledged first, urgent on top, then newest). The
// order is computed here rather than by the database, which cannot sort by a
// computed rank.
func (s *Store) Inbox(ctx context.Context, area string, youngPersonIDs []string) ([]heard.Card, error) {
	if len(youngPersonIDs) == 0 {
		return []heard.Card{}, nil
	}
	inCaseload := bson.E{Key: "youngPersonId", Value: bson.D{{Key: "$in", Value: youngPersonIDs}}}
	open, err := findAll[heard.Card](ctx, s.c(colCards), inArea(area, inCaseload, bson.E{Key: "ackAt", Value: nil}))
	if err != nil {
		return nil, err
	}
	done, err := findAll[heard.Card](ctx, s.c(colCards), inArea(area, inCaseload, bson.E{Key: "ackAt", Value: bson.D{{Key: "$ne", Value: nil}}}),
		options.Find().SetSort(bson.D{{Key: "receivedAt", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(InboxAcknowledgedLimit))
	if err != nil {
		return nil, err
	}
	cards := append(open, done...)
	heard.SortInbox(cards)
	return cards, nil
}

// CardsEscalatedTo returns the cards whose alert was escalated to a duty worker
// or team manager within store.EscalatedAccessFor, in inbox order. (A card's
// alert has the card's id.)
func (s *Store) CardsEscalatedTo(ctx context.Context, area, staffID string) ([]heard.Card, error) {
	alerts, err := findAll[heard.Alert](ctx, s.c(colAlerts), inArea(area, bson.E{Key: "escalatedTo", Value: staffID},
		bson.E{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: s.now().Add(-EscalatedAccessFor)}}}),
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(alerts))
	for _, a := range alerts {
		ids = append(ids, a.ID)
	}
	cards, err := s.CardsByID(ctx, area, ids)
	if err != nil {
		return nil, err
	}
	heard.SortInbox(cards)
	return cards, nil
}

// CardEscalatedTo reports whether a card's alert was escalated to the staff
// member within store.EscalatedAccessFor.
func (s *Store) CardEscalatedTo(ctx context.Context, area, cardID, staffID string) (bool, error) {
	n, err := s.c(colAlerts).CountDocuments(ctx, inArea(area, bson.E{Key: "_id", Value: cardID}, bson.E{Key: "escalatedTo", Value: staffID},
		bson.E{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: s.now().Add(-EscalatedAccessFor)}}}))
	return n > 0, err
}

// insertStep records a step; it reports false when the step was already recorded.
func (s *Store) insertStep(ctx context.Context, st cardStep) (bool, error) {
	st.ID = st.CardID + "/" + st.ID
	if st.At.IsZero() {
		st.At = s.now()
	}
	_, err := s.c(colCardSteps).InsertOne(ctx, st)
	if err == nil {
		return true, nil
	}
	if duplicate(err) == heard.ErrConflict {
		return false, nil
	}
	return false, err
}

// MarkCardStep records that a step of a card is done (again is fine).
func (s *Store) MarkCardStep(ctx context.Context, area, cardID, step string) error {
	_, err := s.insertStep(ctx, cardStep{ID: step, AreaID: area, CardID: cardID})
	return err
}

// CardStepDone reports whether a step of a card is done.
func (s *Store) CardStepDone(ctx context.Context, area, cardID, step string) (bool, error) {
	n, err := s.c(colCardSteps).CountDocuments(ctx, inArea(area, bson.E{Key: "_id", Value: cardID + "/" + step}))
	return n > 0, err
}

// CountCardReceived adds a card to the KPI counters ("cards" by card, and
// "cards_urgent") exactly once, however often it is called: the "counted" step is
// recorded first and only the call that records it counts. (A crash between the
// two writes would lose one count, never add one.)
func (s *Store) CountCardReceived(ctx context.Context, c heard.Card) error {
	first, err := s.insertStep(ctx, cardStep{ID: CardStepCounted, AreaID: c.AreaID, CardID: c.ID})
	if err != nil || !first {
		return err
	}
	key := CounterKey{Area: c.AreaID, Metric: "cards", Day: c.Day, Service: string(c.Service), PlacementType: c.PlacementType, Dim: c.CardID}
	if err := s.bumpCardCounter(ctx, key); err != nil {
		return err
	}
	if c.Urgency == heard.UrgencyUrgent {
		key.Metric, key.Dim = "cards_urgent", ""
		return s.bumpCardCounter(ctx, key)
	}
	return nil
}

// bumpCardCounter adds one to a day bucket under the lock of its area's month
// (see kpiLocks): the embedded database's $inc is a read and a write, so two
// cards counted at the same moment could otherwise lose one.
func (s *Store) bumpCardCounter(ctx context.Context, k CounterKey) error {
	if len(k.Day) < 7 {
		return fmt.Errorf("counter day %q", k.Day)
	}
	mu := kpiLock(kpiMonthID(k.Area, k.Day[:7]))
	mu.Lock()
	defer mu.Unlock()
	return s.Bump(ctx, k, 1)
}

// CardAcknowledgement is who acknowledged a card, when, and what they replied.
type CardAcknowledgement struct {
	At     time.Time
	By     string
	ByName string
	ByRole heard.Role
	Reply  *heard.CardReply
}

// AcknowledgeCard keeps the first acknowledgement of a card: when several adults
// tap at once, exactly one wins. It returns the card as acknowledged and
// first=true when this call's acknowledgement is the one kept.
func (s *Store) AcknowledgeCard(ctx context.Context, area, id string, a CardAcknowledgement) (heard.Card, bool, error) {
	c, err := s.Card(ctx, area, id)
	if err != nil || c.AckAt != nil {
		return c, false, err
	}
	first, err := s.insertStep(ctx, cardStep{ID: CardStepAck, AreaID: area, CardID: id, At: a.At.UTC().Truncate(time.Millisecond),
		By: a.By, ByName: a.ByName, ByRole: a.ByRole, Reply: a.Reply})
	if err != nil {
		return c, false, err
	}
	// The step holds the winner. Copy it into the card (for the inbox's "not yet
	// acknowledged" query); a loser copies the same values, so this is safe to repeat.
	won, err := findOne[cardStep](ctx, s.c(colCardSteps), inArea(area, bson.E{Key: "_id", Value: id + "/" + CardStepAck}))
	if err != nil {
		return c, false, err
	}
	set := bson.D{{Key: "ackAt", Value: won.At}, {Key: "ackBy", Value: won.By}, {Key: "ackByName", Value: won.ByName}, {Key: "ackByRole", Value: won.ByRole}}
	if won.Reply != nil {
		set = append(set, bson.E{Key: "reply", Value: won.Reply})
	}
	if _, err := s.c(colCards).UpdateOne(ctx, inArea(area, bson.E{Key: "_id", Value: id}), bson.D{{Key: "$set", Value: set}}); err != nil {
		return c, false, err
	}
	at := won.At
	c.AckAt, c.AckBy, c.AckByName, c.AckByRole, c.Reply = &at, won.By, won.ByName, won.ByRole, won.Reply
	return c, first, nil
}

// CountCardAcknowledged adds a card's time to acknowledge to the KPI counters
// exactly once ("card_ack" by histogram bucket and, for urgent cards answered
// within urgentLimit, "urgent_ack_within_limit"). The time counts from when Heard
// received the card, and is counted on the card's day.
func (s *Store) CountCardAcknowledged(ctx context.Context, c heard.Card, urgentLimit time.Duration) error {
	if c.AckAt == nil {
		return nil
	}
	first, err := s.insertStep(ctx, cardStep{ID: CardStepAckCounted, AreaID: c.AreaID, CardID: c.ID})
	if err != nil || !first {
		return err
	}
	wait := c.AckAt.Sub(c.ReceivedAt)
	key := CounterKey{Area: c.AreaID, Metric: "card_ack", Day: c.Day, Service: string(c.Service), PlacementType: c.PlacementType, Dim: heard.CardAckBucket(wait)}
	if err := s.bumpCardCounter(ctx, key); err != nil {
		return err
	}
	if c.Urgency == heard.UrgencyUrgent && wait <= urgentLimit {
		key.Metric, key.Dim = "urgent_ack_within_limit", ""
		return s.bumpCardCounter(ctx, key)
	}
	return nil
}
