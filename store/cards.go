package store

import (
	"context"
	"errors"
	"hash/fnv"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
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
//
// Every read is by _id. The embedded database answers a lookup by _id from its
// primary key but scans the whole collection for any other filter (measured:
// about 0.4 s for one query over 4,000 cards, whatever the indexes), so lists are
// kept in "boxes": one document per young person holding their recent cards, and
// one per area holding its concerning and urgent cards of the last week (what
// can be escalated to duty workers and managers). The cards collection stays the
// record; a box is a copy that every write to a card brings up to date, and any
// later write repairs.
const (
	colCards     = "cards"
	colCardSteps = "card_steps"
	colCardBoxes = "card_boxes"
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

// InboxAcknowledgedLimit caps how many acknowledged cards an inbox shows; cards
// not yet acknowledged are always all shown.
const InboxAcknowledgedLimit = 100

// CardBoxKeep is how many acknowledged cards a young person's box keeps besides
// those not yet acknowledged, which it always keeps: what their "my cards" list,
// their picture of the last weeks and their key worker's inbox can show. (A
// variable so that tests can make it small.)
var CardBoxKeep = 200

// cardBox is a list of cards kept under a known _id. Cards are appended with
// $push (atomic on MongoDB; serialised by cardBoxLocks on the embedded database,
// which runs in this process only), so an entry is never lost to a concurrent
// write. A card may have several entries (sent, then acknowledged; a retry);
// readers keep the latest state of each. N counts the entries; compaction
// replaces the list only if N is unchanged, so it cannot drop an entry another
// Heard instance appended meanwhile.
type cardBox struct {
	ID     string       `bson:"_id"`
	AreaID string       `bson:"area"`
	N      int64        `bson:"n"`
	Cards  []heard.Card `bson:"cards"`
}

func youngPersonBoxID(area, youngPersonID string) string { return "yp/" + area + "/" + youngPersonID }
func escalatableBoxID(area string) string                { return "area/" + area }

var cardBoxLocks [64]sync.Mutex

func cardBoxLock(id string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(id))
	return &cardBoxLocks[h.Sum32()%uint32(len(cardBoxLocks))]
}

// latestCards keeps one entry per card, its acknowledged state when there is
// one (acknowledging is the only change a card sees, and the first one stands),
// newest first.
func latestCards(entries []heard.Card) []heard.Card {
	byID := map[string]int{}
	out := make([]heard.Card, 0, len(entries))
	for _, c := range entries {
		if i, ok := byID[c.ID]; ok {
			if out[i].AckAt == nil && c.AckAt != nil {
				out[i] = c
			}
			continue
		}
		byID[c.ID] = len(out)
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.After(out[j].ReceivedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (s *Store) cardBox(ctx context.Context, area, id string) (cardBox, error) {
	b, err := findByID[cardBox](ctx, s.c(colCardBoxes), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return cardBox{ID: id, AreaID: area}, nil
	}
	return b, err
}

// fileCard brings the card's boxes up to date with its current state.
func (s *Store) fileCard(ctx context.Context, c heard.Card) error {
	keepYP := func(cards []heard.Card) []heard.Card {
		var out []heard.Card
		kept := 0
		for _, c := range cards {
			if c.AckAt == nil || kept < CardBoxKeep {
				out = append(out, c)
				if c.AckAt != nil {
					kept++
				}
			}
		}
		return out
	}
	if err := s.boxPut(ctx, c.AreaID, youngPersonBoxID(c.AreaID, c.YoungPersonID), c, keepYP, 2*CardBoxKeep); err != nil {
		return err
	}
	if c.Urgency == heard.UrgencyOrdinary {
		return nil
	}
	since := s.now().Add(-EscalatedAccessFor)
	keepWeek := func(cards []heard.Card) []heard.Card {
		var out []heard.Card
		for _, c := range cards {
			if !c.ReceivedAt.Before(since) {
				out = append(out, c)
			}
		}
		return out
	}
	return s.boxPut(ctx, c.AreaID, escalatableBoxID(c.AreaID), c, keepWeek, 400)
}

// boxPut appends the card's current state to a box unless the box has it
// already, and compacts the box when it holds more than compactAt entries or
// entries that keep would drop.
func (s *Store) boxPut(ctx context.Context, area, id string, c heard.Card, keep func([]heard.Card) []heard.Card, compactAt int) error {
	mu := cardBoxLock(id)
	mu.Lock()
	defer mu.Unlock()
	box, err := s.cardBox(ctx, area, id)
	if err != nil {
		return err
	}
	for _, e := range box.Cards {
		if e.ID == c.ID && (e.AckAt != nil) == (c.AckAt != nil) {
			return nil
		}
	}
	update := bson.D{{Key: "$push", Value: bson.D{{Key: "cards", Value: c}}}, {Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "area", Value: area}}}}
	for try := 0; ; try++ {
		_, err = s.c(colCardBoxes).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update, options.UpdateOne().SetUpsert(true))
		// Two instances creating the same box: the loser's second try appends.
		if err == nil || try > 0 || !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return err
	}
	box.Cards = append(box.Cards, c)
	box.N++
	kept := keep(latestCards(box.Cards))
	if len(box.Cards) <= compactAt && len(kept) == len(latestCards(box.Cards)) {
		return nil
	}
	// Compaction is rare (once per many writes), so the filter on n, which the
	// embedded database answers by a scan, costs little.
	_, err = s.c(colCardBoxes).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "n", Value: box.N}},
		cardBox{ID: id, AreaID: area, N: int64(len(kept)), Cards: kept})
	return err
}

// InsertCard stores a new card under the id the phone made. When a card with that
// id is already stored for the same young person, the phone is retrying: the
// stored card is returned unchanged with created false. The same id from anyone
// else is a conflict (and reveals nothing about the other card).
func (s *Store) InsertCard(ctx context.Context, c heard.Card) (heard.Card, bool, error) {
	_, err := s.c(colCards).InsertOne(ctx, c)
	if err == nil {
		return c, true, s.fileCard(ctx, c)
	}
	if duplicate(err) != heard.ErrConflict {
		return c, false, err
	}
	existing, err := s.Card(ctx, c.AreaID, c.ID)
	if errors.Is(err, heard.ErrNotFound) || err == nil && existing.YoungPersonID != c.YoungPersonID {
		return c, false, heard.ErrConflict
	}
	if err != nil {
		return c, false, err
	}
	// A retry also files the card, in case the first attempt stopped before it did.
	return existing, false, s.fileCard(ctx, existing)
}

// Card returns one card of the area.
func (s *Store) Card(ctx context.Context, area, id string) (heard.Card, error) {
	return findByID[heard.Card](ctx, s.c(colCards), area, id)
}

// CardsOf lists the cards of some young people received at or after since (all
// when since is zero), newest first, at most limit (no limit when 0). It reads
// their boxes: at most CardBoxKeep acknowledged cards each, and every card not
// yet acknowledged.
func (s *Store) CardsOf(ctx context.Context, area string, youngPersonIDs []string, since time.Time, limit int) ([]heard.Card, error) {
	out := []heard.Card{}
	for _, yp := range youngPersonIDs {
		box, err := s.cardBox(ctx, area, youngPersonBoxID(area, yp))
		if err != nil {
			return nil, err
		}
		for _, c := range latestCards(box.Cards) {
			if c.AreaID == area && c.YoungPersonID == yp && !c.ReceivedAt.Before(since) {
				out = append(out, c)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.After(out[j].ReceivedAt)
		}
		return out[i].ID < out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Inbox returns a key worker's inbox: every card of the young people given that
// nobody has acknowledged, and the most recent InboxAcknowledgedLimit
// acknowledged ones, in inbox order (heard.SortInbox: not yet acknowledged
// first, urgent on top, then newest).
func (s *Store) Inbox(ctx context.Context, area string, youngPersonIDs []string) ([]heard.Card, error) {
	all, err := s.CardsOf(ctx, area, youngPersonIDs, time.Time{}, 0)
	if err != nil {
		return nil, err
	}
	var open, done []heard.Card
	for _, c := range all {
		if c.AckAt == nil {
			open = append(open, c)
		} else if len(done) < InboxAcknowledgedLimit {
			done = append(done, c)
		}
	}
	cards := append(open, done...)
	heard.SortInbox(cards)
	return cards, nil
}

// CardsEscalatedTo returns the cards whose alert was escalated to a duty worker
// or team manager within EscalatedAccessFor, in inbox order. Only concerning
// and urgent cards are ever escalated; the area's box holds those of the last
// week. (A card's alert has the card's id.)
func (s *Store) CardsEscalatedTo(ctx context.Context, area, staffID string) ([]heard.Card, error) {
	box, err := s.cardBox(ctx, area, escalatableBoxID(area))
	if err != nil {
		return nil, err
	}
	out := []heard.Card{}
	for _, c := range latestCards(box.Cards) {
		ok, err := s.CardEscalatedTo(ctx, area, c.ID, staffID)
		if err != nil {
			return nil, err
		}
		if ok && c.AreaID == area {
			out = append(out, c)
		}
	}
	heard.SortInbox(out)
	return out, nil
}

// CardEscalatedTo reports whether a card's alert was escalated to the staff
// member within EscalatedAccessFor.
func (s *Store) CardEscalatedTo(ctx context.Context, area, cardID, staffID string) (bool, error) {
	a, err := findByID[AlertRecord](ctx, s.c(colAlerts), area, cardID)
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(a.EscalatedTo, staffID) && !a.CreatedAt.Before(s.now().Add(-EscalatedAccessFor)), nil
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
	_, err := findByID[cardStep](ctx, s.c(colCardSteps), area, cardID+"/"+step)
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
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
	if err := s.Bump(ctx, key, 1); err != nil {
		return err
	}
	if c.Urgency == heard.UrgencyUrgent {
		key.Metric, key.Dim = "cards_urgent", ""
		return s.Bump(ctx, key, 1)
	}
	return nil
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
	if err != nil {
		return c, false, err
	}
	if c.AckAt != nil {
		// Also repairs the boxes, should an earlier acknowledgement have stopped short.
		return c, false, s.fileCard(ctx, c)
	}
	first, err := s.insertStep(ctx, cardStep{ID: CardStepAck, AreaID: area, CardID: id, At: a.At.UTC().Truncate(time.Millisecond),
		By: a.By, ByName: a.ByName, ByRole: a.ByRole, Reply: a.Reply})
	if err != nil {
		return c, false, err
	}
	// The step holds the winner. Copy it into the card (for the inbox's "not yet
	// acknowledged" query); a loser copies the same values, so this is safe to repeat.
	won, err := findByID[cardStep](ctx, s.c(colCardSteps), area, id+"/"+CardStepAck)
	if err != nil {
		return c, false, err
	}
	set := bson.D{{Key: "ackAt", Value: won.At}, {Key: "ackBy", Value: won.By}, {Key: "ackByName", Value: won.ByName}, {Key: "ackByRole", Value: won.ByRole}}
	if won.Reply != nil {
		set = append(set, bson.E{Key: "reply", Value: won.Reply})
	}
	// By _id alone (the card's area was checked above): a lookup, not a scan.
	if _, err := s.c(colCards).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		return c, false, err
	}
	at := won.At
	c.AckAt, c.AckBy, c.AckByName, c.AckByRole, c.Reply = &at, won.By, won.ByName, won.ByRole, won.Reply
	return c, first, s.fileCard(ctx, c)
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
	if err := s.Bump(ctx, key, 1); err != nil {
		return err
	}
	if c.Urgency == heard.UrgencyUrgent && wait <= urgentLimit {
		key.Metric, key.Dim = "urgent_ack_within_limit", ""
		return s.Bump(ctx, key, 1)
	}
	return nil
}

// auditHourNamespace makes audit ids from (area, reader, young person, hour).
var auditHourNamespace = uuid.MustParse("6f0c2a52-8a4e-4c61-9d7e-5a0f2f3c9b17")

// AuditEscalatedCardsRead records that a duty worker or team manager read a
// young person's escalated cards, at most once an hour for each reader and young
// person: their inbox reloads every few seconds, and one line an hour says the
// same without burying the rest of the log.
func (s *Store) AuditEscalatedCardsRead(ctx context.Context, e heard.AuditEntry) error {
	e.At = s.now()
	hour := e.At.Truncate(time.Hour).Format(time.RFC3339)
	e.ID = uuid.NewSHA1(auditHourNamespace, []byte(e.AreaID+"/"+e.ActorID+"/"+e.YoungPersonID+"/"+e.Action+"/"+hour)).String()
	_, err := s.c(colAudit).InsertOne(ctx, e)
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return err
}
