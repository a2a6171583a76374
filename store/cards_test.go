package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"heard"
	"heard/store"
	"heard/testkit"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func cardsTestCard(area, yp, card string, urgency heard.Urgency, at time.Time) heard.Card {
	return heard.Card{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, CardID: card, Urgency: urgency, Service: heard.ServiceCAMHS,
		PlacementType: "foster", ReceivedAt: at, Day: heard.CardDay("Europe/London", at)}
}

// cardsCounter reads a metric as the dashboard does, from the month documents,
// keyed "month/service/placement type/dim".
func cardsCounter(t *testing.T, st *store.Store, area, metric string) map[string]int64 {
	t.Helper()
	buckets, err := st.KPIBuckets(context.Background(), area, []string{"2026-10", "2026-11", "2026-12"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range buckets {
		if b.Metric == metric {
			out[b.Month+"/"+b.Service+"/"+b.PlacementType+"/"+b.Dim] += b.N
		}
	}
	return out
}

func TestInsertCardIsIdempotent(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, other := heard.NewID(), heard.NewID()
	yp := heard.NewID()

	c := cardsTestCard(area, yp, "sad", heard.UrgencyOrdinary, now)
	c.Note = "first"
	got, created, err := st.InsertCard(ctx, c)
	if err != nil || !created || got.ID != c.ID {
		t.Fatalf("insert: %v %v %+v", err, created, got)
	}
	// The phone retries with a different note (say, edited offline): nothing changes.
	retry := c
	retry.Note = "second"
	retry.ReceivedAt = now.Add(time.Minute)
	got, created, err = st.InsertCard(ctx, retry)
	if err != nil || created || got.Note != "first" || !got.ReceivedAt.Equal(now) {
		t.Fatalf("retry: %v %v %+v", err, created, got)
	}
	// Someone else using the same id, in the same area or another: a conflict, and
	// the stored card is not returned.
	thiefYP := heard.NewID()
	for _, thief := range []heard.Card{
		{ID: c.ID, AreaID: area, YoungPersonID: thiefYP, CardID: "happy", ReceivedAt: now},
		{ID: c.ID, AreaID: other, YoungPersonID: yp, CardID: "happy"},
	} {
		got, _, err := st.InsertCard(ctx, thief)
		if !errors.Is(err, heard.ErrConflict) || got.Note == "first" {
			t.Errorf("same id from %s/%s: %v %+v", thief.AreaID, thief.YoungPersonID, err, got)
		}
	}
	if _, err := st.Card(ctx, other, c.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("card visible from another area: %v", err)
	}
	// The young person's list shows the card once, as first stored; nobody
	// else's list keeps it.
	mine, err := st.CardsOf(ctx, area, []string{yp}, time.Time{}, 0)
	if err != nil || len(mine) != 1 || mine[0].Note != "first" || !mine[0].ReceivedAt.Equal(now) {
		t.Errorf("the young person's cards after a retry and two thieves: %v %+v", err, mine)
	}
	entries, err := st.InboxEntries(ctx, area, []string{thiefYP})
	if err != nil || len(entries) != 0 {
		t.Errorf("the list of the young person who used the id too: %v %+v", err, entries)
	}
}

func TestCardCountersCountOnce(t *testing.T) {
	now := time.Date(2026, 11, 2, 23, 30, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	c := cardsTestCard(area, yp, "not_safe", heard.UrgencyUrgent, now)
	if _, _, err := st.InsertCard(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Ten retries at the same moment still count the card once.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.CountCardReceived(ctx, c); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := cardsCounter(t, st, area, "cards"); len(got) != 1 || got["2026-11/camhs/foster/not_safe"] != 1 {
		t.Errorf("cards counter %v", got)
	}
	if got := cardsCounter(t, st, area, "cards_urgent"); got["2026-11/camhs/foster/"] != 1 {
		t.Errorf("cards_urgent counter %v", got)
	}
	ordinary := cardsTestCard(area, yp, "happy", heard.UrgencyOrdinary, now)
	if _, _, err := st.InsertCard(ctx, ordinary); err != nil {
		t.Fatal(err)
	}
	cardsMust(t, st.CountCardReceived(ctx, ordinary))
	if got := cardsCounter(t, st, area, "cards_urgent"); got["2026-11/camhs/foster/"] != 1 {
		t.Errorf("an ordinary card counted as urgent: %v", got)
	}
}

func TestAcknowledgeCardFirstWins(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	c := cardsTestCard(area, yp, "not_safe", heard.UrgencyUrgent, now)
	if _, _, err := st.InsertCard(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Five adults tap "seen" at once: exactly one acknowledgement is kept.
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			by := heard.NewID()
			got, first, err := st.AcknowledgeCard(ctx, area, c.ID, store.CardAcknowledgement{At: now.Add(time.Duration(i+1) * time.Minute),
				By: by, ByName: "Sam", ByRole: heard.RoleKeyWorker, Reply: &heard.CardReply{QuickReplyID: "thank_you"}})
			if err != nil {
				t.Error(err)
				return
			}
			if got.AckAt == nil || got.Reply == nil || got.Reply.QuickReplyID != "thank_you" {
				t.Errorf("acknowledged card: %+v", got)
			}
			if first != (got.AckBy == by) {
				t.Errorf("first=%v but card acknowledged by %s, not %s", first, got.AckBy, by)
			}
			mu.Lock()
			if first {
				winners++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if winners != 1 {
		t.Fatalf("%d acknowledgements won", winners)
	}
	if _, _, err := st.AcknowledgeCard(ctx, heard.NewID(), c.ID, store.CardAcknowledgement{At: now, By: "x"}); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("acknowledged from another area: %v", err)
	}

	// The time to acknowledge is counted once, in its bucket, on the card's day.
	acked, err := st.Card(ctx, area, c.ID)
	cardsMust(t, err)
	for range 3 {
		cardsMust(t, st.CountCardAcknowledged(ctx, acked, 15*time.Minute))
	}
	hist := cardsCounter(t, st, area, "card_ack")
	wait := acked.AckAt.Sub(acked.ReceivedAt)
	if len(hist) != 1 || hist["2026-11/camhs/foster/"+heard.CardAckBucket(wait)] != 1 {
		t.Errorf("card_ack %v (wait %v)", hist, wait)
	}
	if got := cardsCounter(t, st, area, "urgent_ack_within_limit"); got["2026-11/camhs/foster/"] != 1 {
		t.Errorf("urgent_ack_within_limit %v", got)
	}
}

func TestUrgentAckOutsideLimitNotCounted(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area := heard.NewID()
	c := cardsTestCard(area, heard.NewID(), "might_hurt_myself", heard.UrgencyUrgent, now)
	if _, _, err := st.InsertCard(ctx, c); err != nil {
		t.Fatal(err)
	}
	acked, _, err := st.AcknowledgeCard(ctx, area, c.ID, store.CardAcknowledgement{At: now.Add(20 * time.Minute), By: "duty", ByName: "Dee"})
	cardsMust(t, err)
	cardsMust(t, st.CountCardAcknowledged(ctx, acked, 15*time.Minute))
	if got := cardsCounter(t, st, area, "card_ack"); got["2026-11/camhs/foster/1200"] != 1 {
		t.Errorf("card_ack %v", got)
	}
	if got := cardsCounter(t, st, area, "urgent_ack_within_limit"); len(got) != 0 {
		t.Errorf("counted within limit after 20 minutes: %v", got)
	}
}

func TestInboxOrderAndScope(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, other := heard.NewID(), heard.NewID()
	mine1, mine2, theirs := heard.NewID(), heard.NewID(), heard.NewID()
	insert := func(c heard.Card) heard.Card {
		_, _, err := st.InsertCard(ctx, c)
		cardsMust(t, err)
		return c
	}
	oldOrdinary := insert(cardsTestCard(area, mine1, "happy", heard.UrgencyOrdinary, now.Add(-3*time.Hour)))
	urgent := insert(cardsTestCard(area, mine2, "not_safe", heard.UrgencyUrgent, now.Add(-2*time.Hour)))
	newConcerning := insert(cardsTestCard(area, mine1, "lonely", heard.UrgencyConcerning, now.Add(-time.Hour)))
	acked := insert(cardsTestCard(area, mine2, "sad", heard.UrgencyOrdinary, now.Add(-time.Minute)))
	_, _, err := st.AcknowledgeCard(ctx, area, acked.ID, store.CardAcknowledgement{At: now, By: "kw", ByName: "Kim"})
	cardsMust(t, err)
	insert(cardsTestCard(area, theirs, "scared", heard.UrgencyConcerning, now))
	insert(cardsTestCard(other, mine1, "angry", heard.UrgencyOrdinary, now)) // the same id string in another area

	inbox, err := inboxOf(ctx, st, area, []string{mine1, mine2})
	cardsMust(t, err)
	var got []string
	for _, c := range inbox {
		got = append(got, c.ID)
	}
	want := []string{urgent.ID, newConcerning.ID, oldOrdinary.ID, acked.ID}
	if len(got) != len(want) {
		t.Fatalf("inbox has %d cards, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("inbox order %v, want %v", got, want)
		}
	}
	if inbox, err := inboxOf(ctx, st, area, nil); err != nil || len(inbox) != 0 {
		t.Errorf("empty caseload: %v %d", err, len(inbox))
	}
	since, err := st.CardsOf(ctx, area, []string{mine1}, now.Add(-90*time.Minute), 0)
	cardsMust(t, err)
	if len(since) != 1 || since[0].ID != newConcerning.ID {
		t.Errorf("cards since: %+v", since)
	}
	if _, err := st.Card(ctx, other, urgent.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("a card read by id from another area: %v", err)
	}
	elsewhere, err := st.CardsOf(ctx, other, []string{mine1, mine2}, time.Time{}, 0)
	cardsMust(t, err)
	if len(elsewhere) != 1 || elsewhere[0].CardID != "angry" {
		t.Errorf("another area's cards of the same ids: %+v", elsewhere)
	}
}

// inboxOf reads a key worker's whole inbox, as every page would show it.
func inboxOf(ctx context.Context, st *store.Store, area string, caseload []string) ([]heard.Card, error) {
	es, err := st.InboxEntries(ctx, area, caseload)
	if err != nil {
		return nil, err
	}
	return st.InboxCards(ctx, area, es)
}

func cardsMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCardsEscalatedTo(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(now)
	st := testkit.Store(t, clock)
	area, duty, other := heard.NewID(), heard.NewID(), heard.NewID()
	escalated := cardsTestCard(area, heard.NewID(), "not_safe", heard.UrgencyUrgent, now)
	notEscalated := cardsTestCard(area, heard.NewID(), "scared", heard.UrgencyConcerning, now)
	for _, c := range []heard.Card{escalated, notEscalated} {
		_, _, err := st.InsertCard(ctx, c)
		cardsMust(t, err)
	}
	alert := func(c heard.Card, to []string) {
		_, err := st.CreateAlert(ctx, store.AlertRecord{Alert: heard.Alert{ID: c.ID, AreaID: area, YoungPersonID: c.YoungPersonID,
			Urgency: c.Urgency, Type: "card", CreatedAt: now}, EscalatedTo: to})
		cardsMust(t, err)
	}
	alert(escalated, []string{duty})
	alert(notEscalated, []string{other})

	cards, err := st.CardsEscalatedTo(ctx, area, duty)
	cardsMust(t, err)
	if len(cards) != 1 || cards[0].ID != escalated.ID {
		t.Fatalf("escalated cards: %+v", cards)
	}
	if ok, _ := st.CardEscalatedTo(ctx, area, escalated.ID, duty); !ok {
		t.Error("escalated card not seen as escalated")
	}
	if ok, _ := st.CardEscalatedTo(ctx, area, notEscalated.ID, duty); ok {
		t.Error("someone else's escalation counted")
	}
	if cards, _ := st.CardsEscalatedTo(ctx, heard.NewID(), duty); len(cards) != 0 {
		t.Error("escalations visible from another area")
	}
	// Escalation gives access for a limited time.
	clock.Advance(store.EscalatedAccessFor + time.Minute)
	if cards, _ := st.CardsEscalatedTo(ctx, area, duty); len(cards) != 0 {
		t.Error("escalated access did not run out")
	}
	if ok, _ := st.CardEscalatedTo(ctx, area, escalated.ID, duty); ok {
		t.Error("escalated access to the card did not run out")
	}
}

// A duty worker sent a burst of urgent escalations keeps the newest
// EscalatedListKeep in their list, newest first; the older ones can still be
// opened by them (their alert says so).
func TestEscalatedListKeepsTheNewest(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	st := testkit.Store(t, testkit.NewClock(now))
	area, duty, yp := heard.NewID(), heard.NewID(), heard.NewID()
	var sent []heard.Card
	for i := range store.EscalatedListKeep + 5 {
		c := cardsTestCard(area, yp, "not_safe", heard.UrgencyUrgent, now.Add(time.Duration(i-300)*time.Second))
		_, _, err := st.InsertCard(ctx, c)
		cardsMust(t, err)
		_, err = st.CreateAlert(ctx, store.AlertRecord{Alert: heard.Alert{ID: c.ID, AreaID: area, YoungPersonID: yp,
			Urgency: c.Urgency, Type: "card", CreatedAt: c.ReceivedAt}, EscalatedTo: []string{duty}})
		cardsMust(t, err)
		sent = append(sent, c)
	}
	cards, err := st.CardsEscalatedTo(ctx, area, duty)
	cardsMust(t, err)
	if len(cards) != store.EscalatedListKeep {
		t.Fatalf("the duty worker's list holds %d cards, want the newest %d", len(cards), store.EscalatedListKeep)
	}
	oldest := sent[len(sent)-store.EscalatedListKeep]
	if !slices.ContainsFunc(cards, func(c heard.Card) bool { return c.ID == oldest.ID }) ||
		slices.ContainsFunc(cards, func(c heard.Card) bool { return c.ID == sent[4].ID }) {
		t.Error("the list did not keep the newest escalations")
	}
	if ok, _ := st.CardEscalatedTo(ctx, area, sent[0].ID, duty); !ok {
		t.Error("an escalated card gone from the list can no longer be opened by the duty worker")
	}
}

// A duty worker's escalated cards kept by an earlier version in the area's
// list still show after the move to their own list, which is done once.
func TestMoveEscalatedLists(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	st := testkit.Store(t, testkit.NewClock(now))
	area, duty := heard.NewID(), heard.NewID()
	card := cardsTestCard(area, heard.NewID(), "not_safe", heard.UrgencyUrgent, now.Add(-time.Hour))
	_, err := st.Collection("cards").InsertOne(ctx, card)
	cardsMust(t, err)
	_, err = st.Collection("alerts").InsertOne(ctx, store.AlertRecord{Alert: heard.Alert{ID: card.ID, AreaID: area,
		YoungPersonID: card.YoungPersonID, Urgency: card.Urgency, Type: heard.AlertCardUrgent, CreatedAt: card.ReceivedAt},
		Status: store.AlertDone, EscalatedTo: []string{duty}, Told: []string{duty}})
	cardsMust(t, err)
	_, err = st.Collection("card_lists").InsertOne(ctx, bson.D{{Key: "_id", Value: "area/" + area}, {Key: "area", Value: area},
		{Key: "entries", Value: bson.A{bson.D{{Key: "id", Value: card.ID}, {Key: "at", Value: card.ReceivedAt}, {Key: "urgency", Value: card.Urgency}}}}})
	cardsMust(t, err)
	if cards, _ := st.CardsEscalatedTo(ctx, area, duty); len(cards) != 0 {
		t.Fatalf("before the move the duty worker's own list is empty, got %d", len(cards))
	}
	moved, err := st.MoveEscalatedLists(ctx)
	cardsMust(t, err)
	if moved != 1 {
		t.Errorf("moved %d entries, want 1", moved)
	}
	cards, err := st.CardsEscalatedTo(ctx, area, duty)
	cardsMust(t, err)
	if len(cards) != 1 || cards[0].ID != card.ID {
		t.Fatalf("after the move the duty worker sees %+v", cards)
	}
	if n, _ := st.Collection("card_lists").CountDocuments(ctx, bson.D{{Key: "_id", Value: "area/" + area}}); n != 0 {
		t.Error("the area's old list is still there")
	}
	if moved, err := st.MoveEscalatedLists(ctx); err != nil || moved != 0 {
		t.Errorf("second run moved %d (%v), want nothing", moved, err)
	}
}

// Many different cards counted at the same moment: none is lost.
func TestCardCountersUnderConcurrency(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area := heard.NewID()
	const n = 24
	cards := make([]heard.Card, n)
	for i := range cards {
		cards[i] = cardsTestCard(area, heard.NewID(), "tired", heard.UrgencyOrdinary, now)
		_, _, err := st.InsertCard(ctx, cards[i])
		cardsMust(t, err)
	}
	var wg sync.WaitGroup
	for _, c := range cards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.CountCardReceived(ctx, c); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := cardsCounter(t, st, area, "cards"); got["2026-11/camhs/foster/tired"] != n {
		t.Errorf("counted %v, want %d", got, n)
	}
}

// BenchmarkCardInbox measures a key worker's inbox (15 young people) in an
// area holding 2,000 cards of 200 young people, a fifth of them not yet
// acknowledged: "boxes" is the inbox as served (15 boxes read by _id);
// "query" is the plain query it replaced (young person in the caseload, over the
// cards collection), which the embedded database answers by scanning.
func BenchmarkCardInbox(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	st := testkit.Store(b, testkit.NewClock(now))
	area := heard.NewID()
	people := make([]string, 200)
	for i := range people {
		people[i] = heard.NewID()
	}
	for i := range 2000 {
		c := cardsTestCard(area, people[i%len(people)], "okay", heard.UrgencyOrdinary, now.Add(-time.Duration(i)*time.Minute))
		if i%5 != 0 {
			at := c.ReceivedAt.Add(time.Minute)
			c.AckAt, c.AckBy = &at, "kw"
		}
		if _, _, err := st.InsertCard(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	caseload := people[:15]
	b.Run("boxes", func(b *testing.B) {
		for b.Loop() {
			cards, err := inboxOf(ctx, st, area, caseload)
			if err != nil || len(cards) != 30+store.InboxAcknowledgedLimit {
				b.Fatalf("inbox: %d cards, %v", len(cards), err)
			}
		}
	})
	b.Run("query", func(b *testing.B) {
		for b.Loop() {
			cur, err := st.DB.Collection("cards").Find(ctx, map[string]any{"area": area, "youngPersonId": map[string]any{"$in": caseload}})
			if err != nil {
				b.Fatal(err)
			}
			var cards []heard.Card
			if err := cur.All(ctx, &cards); err != nil || len(cards) != 150 {
				b.Fatalf("query: %d cards, %v", len(cards), err)
			}
		}
	})
}

// Boxes keep every card not yet acknowledged and the newest acknowledged ones,
// and lose nothing to cards arriving at the same moment.
func TestCardBoxes(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	old := store.CardBoxKeep
	store.CardBoxKeep = 3
	t.Cleanup(func() { store.CardBoxKeep = old })

	// Twenty cards at once.
	var wg sync.WaitGroup
	cards := make([]heard.Card, 20)
	for i := range cards {
		cards[i] = cardsTestCard(area, yp, "okay", heard.UrgencyOrdinary, now.Add(time.Duration(i)*time.Minute))
	}
	for _, c := range cards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := st.InsertCard(ctx, c); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := st.CardsOf(ctx, area, []string{yp}, time.Time{}, 0)
	cardsMust(t, err)
	if len(got) != 20 {
		t.Fatalf("box holds %d of 20 cards", len(got))
	}
	// Acknowledge the ten oldest: the box keeps the ten open ones and the newest
	// three acknowledged.
	for _, c := range cards[:10] {
		_, _, err := st.AcknowledgeCard(ctx, area, c.ID, store.CardAcknowledgement{At: now.Add(time.Hour), By: "kw", ByName: "Kim"})
		cardsMust(t, err)
	}
	got, err = st.CardsOf(ctx, area, []string{yp}, time.Time{}, 0)
	cardsMust(t, err)
	open, acked := 0, 0
	for _, c := range got {
		if c.AckAt == nil {
			open++
		} else {
			acked++
		}
	}
	if open != 10 || acked != 3 {
		t.Errorf("after compaction: %d open, %d acknowledged; want 10 and 3", open, acked)
	}
	// The cards themselves are all still there.
	if n, err := st.DB.Collection("cards").CountDocuments(ctx, map[string]any{"youngPersonId": yp}); err != nil || n != 20 {
		t.Errorf("cards collection: %d, %v", n, err)
	}
}

// A card stored but not filed (the process stopped in between) is filed when
// the phone sends it again.
func TestCardBoxRepairedByRetry(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	c := cardsTestCard(area, yp, "sad", heard.UrgencyConcerning, now)
	_, err := st.DB.Collection("cards").InsertOne(ctx, c)
	cardsMust(t, err)
	if got, _ := st.CardsOf(ctx, area, []string{yp}, time.Time{}, 0); len(got) != 0 {
		t.Fatalf("unfiled card listed: %+v", got)
	}
	_, created, err := st.InsertCard(ctx, c)
	if err != nil || created {
		t.Fatalf("retry: %v %v", created, err)
	}
	if got, _ := st.CardsOf(ctx, area, []string{yp}, time.Time{}, 0); len(got) != 1 {
		t.Errorf("retry did not file the card: %+v", got)
	}
}

// A card being sent is looked for by its id, usually in vain: SentCard finds
// what is stored, in the card's own area only, and what another instance
// stored a moment ago, and nothing where nothing is (before any card is
// stored, and once a card is removed).
func TestSentCardFindsWhatIsStored(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	mustBeMissing := func(st *store.Store, area, id string) {
		t.Helper()
		if c, err := st.SentCard(ctx, area, id); !errors.Is(err, heard.ErrNotFound) {
			t.Fatalf("card %s in %s: %+v %v, want none", id, area, c, err)
		}
	}
	c := cardsTestCard(area, yp, "sad", heard.UrgencyOrdinary, now)
	mustBeMissing(st, area, c.ID) // no card stored yet at all
	if _, _, err := st.InsertCard(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := st.SentCard(ctx, area, c.ID)
	if err != nil || got.ID != c.ID || got.YoungPersonID != yp || got.CardID != "sad" {
		t.Fatalf("stored card: %+v %v", got, err)
	}
	mustBeMissing(st, heard.NewID(), c.ID)
	mustBeMissing(st, area, heard.NewID())

	other, err := st.Reopen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close(context.Background()) })
	// Ids are the phone's (the service takes only UUIDs, and lists need them
	// without spaces): whatever JSON must escape, a store finds as given.
	for _, id := range []string{heard.NewID(), `"quoted"`, "ünïcödé-id", `back\slash`} {
		c := cardsTestCard(area, yp, "happy", heard.UrgencyOrdinary, now)
		c.ID = id
		mustBeMissing(st, area, id)
		if _, _, err := other.InsertCard(ctx, c); err != nil {
			t.Fatal(err)
		}
		if got, err := st.SentCard(ctx, area, id); err != nil || got.ID != id {
			t.Fatalf("card %q stored by the other instance: %+v %v", id, got, err)
		}
	}
	if err := st.RemoveYoungPerson(ctx, area, yp); err != nil {
		t.Fatal(err)
	}
	mustBeMissing(st, area, c.ID)
}
