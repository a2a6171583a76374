package store

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"heard"
)

// Cards are the record; card_lists is the read model that lets an inbox be
// read by _id. Every read here is by _id: the embedded database answers a
// lookup by _id from an index (see Embedded.indexID) but reads the whole
// collection for any other filter, whatever the indexes. So each young person
// has a list document ("yp/<area>/<young person>") of their cards, newest
// first, and each duty worker or team manager one of the cards escalated to
// them in the last week ("esc/<area>/<staff>", written by AdvanceAlert).
// An entry is small (id, time, urgency, acknowledged); the cards themselves
// are read by _id. Lists change only through update, the store's one exact
// read-change-write, so no entry is ever lost to a concurrent write or kept
// twice.
//
// A list entry for a card that is not stored (the send failed before its
// insert) is never shown: readers show what the cards collection holds. The
// service writes the lists before the card, so a stored card is in every list
// that should show it, whatever moment a send fails.
const (
	colCards     = "cards"
	colCardLists = "card_lists"
)

// InboxAcknowledgedLimit caps how many acknowledged cards an inbox shows; cards
// not yet acknowledged are always all shown.
const InboxAcknowledgedLimit = 100

// CardBoxKeep is how many acknowledged cards a young person's list keeps
// besides those not yet acknowledged, which it always keeps: what their "my
// cards" list, their picture of the last weeks and their key worker's inbox can
// show. (A variable so that tests can make it small.)
var CardBoxKeep = 200

// cardEntry is one card in a list.
type cardEntry struct {
	ID         string        `bson:"id"`
	ReceivedAt time.Time     `bson:"at"`
	Urgency    heard.Urgency `bson:"urgency"`
	Acked      bool          `bson:"acked,omitempty"`
}

// cardList is a list of cards, or a page of a young person's list
// (cardpages.go). It is stored packed (cardlists.go).
type cardList struct {
	ID      string
	AreaID  string
	Entries []cardEntry
	// A young person's list: its pages, and the newest time any page's
	// entries were received.
	Pages       []string
	SpilledUpTo time.Time
	// A page: the young person's list it belongs to.
	List string
}

func youngPersonListID(area, youngPersonID string) string { return "yp/" + area + "/" + youngPersonID }
func escalatedListID(area, staffID string) string         { return "esc/" + area + "/" + staffID }

// ListCard puts a card (or its new state) in every list that should show it.
// Safe to repeat: a card is in a list once.
func (s *Store) ListCard(ctx context.Context, c heard.Card) error {
	entry := cardEntry{ID: c.ID, ReceivedAt: c.ReceivedAt.UTC().Truncate(time.Millisecond), Urgency: c.Urgency, Acked: c.AckAt != nil}
	return s.listPaged(ctx, c.AreaID, youngPersonListID(c.AreaID, c.YoungPersonID), entry)
}

// keepYoungPersons keeps a young person's entries not yet acknowledged and the
// newest CardBoxKeep acknowledged ones.
func keepYoungPersons(es []cardEntry) []cardEntry {
	out, kept := es[:0], 0
	for _, e := range es {
		if !e.Acked || kept < CardBoxKeep {
			out = append(out, e)
			if e.Acked {
				kept++
			}
		}
	}
	return out
}

// EscalatedListKeep bounds a staff member's list of escalated cards. The
// list is rewritten at every escalation to them and their inbox reads every
// card in it, so a burst of urgent cards (one young person sending one after
// another) made each escalation and each look at the inbox slower than the
// last. Every card stays in its key worker's inbox, and who may open it is
// decided by its alert (CardEscalatedTo), not by this list.
const EscalatedListKeep = 200

// listEscalated puts a card whose alert was escalated to a staff member in
// their list of escalated cards, which keeps the newest EscalatedListKeep of
// the last EscalatedAccessFor. Safe to repeat.
func (s *Store) listEscalated(ctx context.Context, a heard.Alert, staffID string) error {
	since := s.now().Add(-EscalatedAccessFor)
	if a.CreatedAt.Before(since) {
		return nil
	}
	entry := cardEntry{ID: a.ID, ReceivedAt: a.CreatedAt.UTC().Truncate(time.Millisecond), Urgency: a.Urgency}
	return s.putEntry(ctx, a.AreaID, escalatedListID(a.AreaID, staffID), entry, func(es []cardEntry) []cardEntry {
		es = keepSince(since)(es)
		return es[:min(len(es), EscalatedListKeep)]
	})
}

// keepSince keeps the entries received at or after since.
func keepSince(since time.Time) func([]cardEntry) []cardEntry {
	return func(es []cardEntry) []cardEntry {
		out := es[:0]
		for _, e := range es {
			if !e.ReceivedAt.Before(since) {
				out = append(out, e)
			}
		}
		return out
	}
}

// putEntry adds or updates a card's entry in a list, newest first, and trims it.
func (s *Store) putEntry(ctx context.Context, area, id string, e cardEntry, keep func([]cardEntry) []cardEntry) error {
	_, err := changeDoc(ctx, s, colCardLists, area, id, func(l *cardList, exists bool) (bool, error) {
		if !exists {
			*l = cardList{ID: id, AreaID: area}
		}
		return putIn(l, e, keep), nil
	})
	return err
}

// putIn adds or updates an entry in a list, newest first, trims it with keep,
// and reports whether the list changed. An acknowledged entry stays so.
func putIn(l *cardList, e cardEntry, keep func([]cardEntry) []cardEntry) bool {
	for i, old := range l.Entries {
		if old.ID == e.ID {
			if old.Acked || old == e {
				return false // acknowledging is the only change, and it stays
			}
			l.Entries[i] = e
			l.Entries = keep(l.Entries)
			return true
		}
	}
	l.Entries = append(l.Entries, e)
	sortEntries(l.Entries)
	l.Entries = keep(l.Entries)
	return true
}

func (s *Store) cardList(ctx context.Context, area, id string) (cardList, error) {
	l, err := findByID[cardList](ctx, s.c(colCardLists), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return cardList{ID: id, AreaID: area}, nil
	}
	return l, err
}

// cardsByID reads cards by _id, a few at a time, in the order given. Entries
// whose card is not stored are left out.
func (s *Store) cardsByID(ctx context.Context, area string, ids []string) ([]heard.Card, error) {
	return forEachID(ctx, ids, func(ctx context.Context, id string) (heard.Card, error) { return s.Card(ctx, area, id) })
}

// InsertCard stores a new card under the id the phone made, listing it first
// (ListCard) so that once stored it is in every list that should show it. When
// a card with that id is already stored for the same young person, the phone
// is retrying: the stored card is listed again (should the first attempt have
// stopped short) and returned unchanged with created false. The same id from
// anyone else is a conflict (and reveals nothing about the other card).
func (s *Store) InsertCard(ctx context.Context, c heard.Card) (heard.Card, bool, error) {
	if err := s.ListCard(ctx, c); err != nil {
		return c, false, err
	}
	// The caller has just looked for the card, so it is inserted straight
	// away; the unique _id settles a race with a retry.
	_, err := s.c(colCards).InsertOne(ctx, c)
	if err == nil {
		return c, true, nil
	}
	if duplicate(err) != heard.ErrConflict {
		return c, false, err
	}
	// Another attempt with the same id stored it a moment ago.
	existing, err := s.Card(ctx, c.AreaID, c.ID)
	switch {
	case errors.Is(err, heard.ErrNotFound) || err == nil && existing.YoungPersonID != c.YoungPersonID:
		// Someone else's card: the entry just listed is taken back.
		if err := s.unlistPaged(ctx, c.AreaID, youngPersonListID(c.AreaID, c.YoungPersonID), cardEntry{ID: c.ID, ReceivedAt: c.ReceivedAt}); err != nil {
			return c, false, err
		}
		return c, false, heard.ErrConflict
	case err != nil:
		return c, false, err
	}
	// The stored card's entry, should this attempt's have replaced it.
	return existing, false, s.ListCard(ctx, existing)
}

// SentCard returns the card a phone is sending, should an earlier attempt
// have stored it; usually it has not (ErrNotFound), which is learnt cheaply.
func (s *Store) SentCard(ctx context.Context, area, id string) (heard.Card, error) {
	return findNewID[heard.Card](ctx, s.c(colCards), area, id)
}

// Card returns one card of the area.
func (s *Store) Card(ctx context.Context, area, id string) (heard.Card, error) {
	return findByID[heard.Card](ctx, s.c(colCards), area, id)
}

// CardsOf lists the cards of some young people received at or after since (all
// when since is zero), newest first, at most limit (no limit when 0). It reads
// their lists: at most CardBoxKeep acknowledged cards each, and every card not
// yet acknowledged.
func (s *Store) CardsOf(ctx context.Context, area string, youngPersonIDs []string, since time.Time, limit int) ([]heard.Card, error) {
	var entries []cardEntry
	for _, yp := range youngPersonIDs {
		es, err := s.youngPersonsEntries(ctx, area, yp)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if !e.ReceivedAt.Before(since) {
				entries = append(entries, e)
			}
		}
	}
	sortEntries(entries)
	if limit > 0 && len(entries) > limit {
		entries = entries[:limit]
	}
	return s.cardsOfEntries(ctx, area, entries, func(c heard.Card) bool { return slices.Contains(youngPersonIDs, c.YoungPersonID) })
}

func sortEntries(es []cardEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		if !es[i].ReceivedAt.Equal(es[j].ReceivedAt) {
			return es[i].ReceivedAt.After(es[j].ReceivedAt)
		}
		return es[i].ID < es[j].ID
	})
}

func (s *Store) cardsOfEntries(ctx context.Context, area string, entries []cardEntry, keep func(heard.Card) bool) ([]heard.Card, error) {
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.ID)
	}
	cards, err := s.cardsByID(ctx, area, ids)
	if err != nil {
		return nil, err
	}
	out := cards[:0]
	for _, c := range cards {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// InboxEntries lists a key worker's inbox in inbox order (heard.SortInbox): an
// entry for every card of the young people given that nobody has acknowledged,
// and for the most recent InboxAcknowledgedLimit acknowledged ones. It reads
// one list by _id per young person and no card.
func (s *Store) InboxEntries(ctx context.Context, area string, youngPersonIDs []string) ([]heard.InboxEntry, error) {
	var entries []cardEntry
	owner := map[string]string{}
	for _, yp := range youngPersonIDs {
		es, err := s.youngPersonsEntries(ctx, area, yp)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			owner[e.ID] = yp
		}
		entries = append(entries, es...)
	}
	sortEntries(entries)
	out := make([]heard.InboxEntry, 0, len(entries))
	done := 0
	for _, e := range entries {
		if e.Acked {
			if done == InboxAcknowledgedLimit {
				continue
			}
			done++
		}
		out = append(out, heard.InboxEntry{ID: e.ID, YoungPersonID: owner[e.ID], Urgency: e.Urgency, ReceivedAt: e.ReceivedAt, Acknowledged: e.Acked})
	}
	heard.SortInboxEntries(out)
	return out, nil
}

// unlistAfter is how long after a send began a list entry whose card is not
// stored is taken out: the send failed before storing it and was not tried
// again. (Well past the longest a send's writes can take, OperationTimeout.)
const unlistAfter = 2 * time.Minute

// InboxCards reads the cards of inbox entries by _id, in their order. An entry
// whose card is not stored (a send that failed before storing it) is left out,
// and once it is older than unlistAfter it is taken out of its list too, so
// that the inbox's counts stop counting it.
func (s *Store) InboxCards(ctx context.Context, area string, es []heard.InboxEntry) ([]heard.Card, error) {
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	cards, err := s.cardsByID(ctx, area, ids)
	if err != nil {
		return nil, err
	}
	owner := make(map[string]string, len(es))
	for _, e := range es {
		owner[e.ID] = e.YoungPersonID
	}
	stored := make(map[string]bool, len(cards))
	out := cards[:0]
	for _, c := range cards {
		stored[c.ID] = true
		if c.YoungPersonID == owner[c.ID] {
			out = append(out, c)
		}
	}
	for _, e := range es {
		if !stored[e.ID] && e.ReceivedAt.Before(s.now().Add(-unlistAfter)) {
			if err := s.unlistPaged(ctx, area, youngPersonListID(area, e.YoungPersonID), cardEntry{ID: e.ID, ReceivedAt: e.ReceivedAt}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// unlist takes a card's entry out of a list, and reports whether the list
// had it.
func unlist(l *cardList, cardID string) bool {
	before := len(l.Entries)
	l.Entries = slices.DeleteFunc(l.Entries, func(e cardEntry) bool { return e.ID == cardID })
	return len(l.Entries) != before
}

// CardsEscalatedTo returns the cards whose alert was escalated to a duty worker
// or team manager within EscalatedAccessFor, in inbox order: their list of
// escalated cards, then each card by _id.
func (s *Store) CardsEscalatedTo(ctx context.Context, area, staffID string) ([]heard.Card, error) {
	l, err := s.cardList(ctx, area, escalatedListID(area, staffID))
	if err != nil {
		return nil, err
	}
	mine := keepSince(s.now().Add(-EscalatedAccessFor))(l.Entries)
	cards, err := s.cardsOfEntries(ctx, area, mine, func(heard.Card) bool { return true })
	if err != nil {
		return nil, err
	}
	heard.SortInbox(cards)
	return cards, nil
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

// CardCounts are the KPI counters a received card adds: "cards" by card, and
// "cards_urgent" for urgent ones. The event id is the card's.
func CardCounts(c heard.Card) []CounterAdd {
	key := CounterKey{Area: c.AreaID, Metric: "cards", Day: c.Day, Service: string(c.Service), PlacementType: c.PlacementType, Dim: c.CardID}
	adds := []CounterAdd{{Key: key, N: 1}}
	if c.Urgency == heard.UrgencyUrgent {
		key.Metric, key.Dim = "cards_urgent", ""
		adds = append(adds, CounterAdd{Key: key, N: 1})
	}
	return adds
}

// CountCardReceived adds a card to the KPI counters exactly once, however
// often it is called (Count).
func (s *Store) CountCardReceived(ctx context.Context, c heard.Card) error {
	return s.Count(ctx, "card/"+c.ID, CardCounts(c)...)
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
// first=true when this call's acknowledgement is the one kept, and brings the
// card's lists up to date (again, for a retry).
func (s *Store) AcknowledgeCard(ctx context.Context, area, id string, a CardAcknowledgement) (heard.Card, bool, error) {
	c, first, err := update(ctx, s, colCards, area, id, func(c *heard.Card, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		if c.AckAt != nil {
			return false, nil
		}
		at := a.At.UTC().Truncate(time.Millisecond)
		c.AckAt, c.AckBy, c.AckByName, c.AckByRole, c.Reply = &at, a.By, a.ByName, a.ByRole, a.Reply
		return true, nil
	})
	if err != nil {
		return c, false, err
	}
	return c, first, s.ListCard(ctx, c)
}

// CountCardAcknowledged adds a card's time to acknowledge to the KPI counters
// exactly once ("card_ack" by histogram bucket and, for urgent cards answered
// within urgentLimit, "urgent_ack_within_limit"). The time counts from when Heard
// received the card, and is counted on the card's day.
func (s *Store) CountCardAcknowledged(ctx context.Context, c heard.Card, urgentLimit time.Duration) error {
	if c.AckAt == nil {
		return nil
	}
	wait := c.AckAt.Sub(c.ReceivedAt)
	key := CounterKey{Area: c.AreaID, Metric: "card_ack", Day: c.Day, Service: string(c.Service), PlacementType: c.PlacementType, Dim: heard.CardAckBucket(wait)}
	adds := []CounterAdd{{Key: key, N: 1}}
	if c.Urgency == heard.UrgencyUrgent && wait <= urgentLimit {
		key.Metric, key.Dim = "urgent_ack_within_limit", ""
		adds = append(adds, CounterAdd{Key: key, N: 1})
	}
	return s.Count(ctx, "card-ack/"+c.ID, adds...)
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

// MoveEscalatedLists turns the area-wide lists of concerning and urgent cards
// that earlier versions kept ("area/<area>") into the lists of escalated cards
// of those each card was escalated to, then deletes them. Run at start (once).
func (s *Store) MoveEscalatedLists(ctx context.Context) (int, error) {
	return s.once(ctx, "escalated-lists-moved", s.moveEscalatedLists)
}

func (s *Store) moveEscalatedLists(ctx context.Context) (moved int, err error) {
	old, err := findAll[cardList](ctx, s.c(colCardLists), bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^area/"}}}})
	if err != nil {
		return 0, err
	}
	for _, l := range old {
		for _, e := range l.Entries {
			a, err := findByID[AlertRecord](ctx, s.c(colAlerts), l.AreaID, e.ID)
			if errors.Is(err, heard.ErrNotFound) {
				continue
			}
			if err != nil {
				return moved, err
			}
			for _, staffID := range a.EscalatedTo {
				if err := s.listEscalated(ctx, a.Alert, staffID); err != nil {
					return moved, err
				}
			}
			moved++
		}
		if _, err := s.c(colCardLists).DeleteOne(ctx, idFilter(l.ID)); err != nil {
			return moved, err
		}
	}
	return moved, nil
}
