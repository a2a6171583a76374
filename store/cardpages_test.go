package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/store"
	"heard/testkit"
)

// smallPages makes a young person's list move cards into pages of n.
func smallPages(t *testing.T, n int) {
	old := store.CardPageSize
	store.CardPageSize = n
	t.Cleanup(func() { store.CardPageSize = old })
}

// pagedList is a young person's list as the database holds it: the cards in
// the list document itself, the pages it names, and every page written for it.
type pagedList struct {
	own     []string // "id" or "id a" (acknowledged), newest first
	named   []string
	written map[string][]string
}

func readPagedList(t *testing.T, st *store.Store, area, yp string) pagedList {
	t.Helper()
	ctx := context.Background()
	id := "yp/" + area + "/" + yp
	lines := func(raw bson.Raw) []string {
		var out []string
		for line := range strings.Lines(raw.Lookup("cards").StringValue()) {
			f := strings.Fields(line)
			out = append(out, strings.Join(append([]string{f[0]}, f[3:]...), " "))
		}
		return out
	}
	var l pagedList
	raw, err := st.DB.Collection("card_lists").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	l.own = lines(raw)
	if v, err := raw.LookupErr("pageNames"); err == nil {
		l.named = strings.Fields(v.StringValue())
	}
	cur, err := st.DB.Collection("card_lists").Find(ctx, bson.D{{Key: "area", Value: area}, {Key: "list", Value: id}})
	if err != nil {
		t.Fatal(err)
	}
	var pages []bson.Raw
	if err := cur.All(ctx, &pages); err != nil {
		t.Fatal(err)
	}
	l.written = map[string][]string{}
	for _, p := range pages {
		// A page's _id is the list's and the key the list names it by.
		l.written[strings.TrimPrefix(p.Lookup("_id").StringValue(), id+"/")] = lines(p)
	}
	return l
}

// checkPaged checks what every reader relies on: the list document keeps at
// most twice a page of cards waiting, every page it names is there and holds
// at most a page, and a card is in one place.
func checkPaged(t *testing.T, l pagedList, pageSize int) {
	t.Helper()
	open := 0
	seen := map[string]bool{}
	note := func(where string, entries []string) {
		for _, e := range entries {
			id, acked := strings.CutSuffix(e, " a")
			if !acked && where == "list" {
				open++
			}
			if seen[id] {
				t.Errorf("card %s listed twice (again in %s)", id, where)
			}
			seen[id] = true
		}
	}
	note("list", l.own)
	for _, p := range l.named {
		entries, ok := l.written[p]
		if !ok {
			t.Errorf("page %s named but not there", p)
		}
		if len(entries) > pageSize {
			t.Errorf("page %s holds %d cards", p, len(entries))
		}
		note(p, entries)
	}
	if open > 2*pageSize {
		t.Errorf("the list document keeps %d cards waiting, more than %d", open, 2*pageSize)
	}
}

// waitingAndAcknowledged reads a young person's entries as their key worker's
// inbox does.
func waitingAndAcknowledged(t *testing.T, st *store.Store, area, yp string) (waiting, acked []string) {
	t.Helper()
	es, err := st.InboxEntries(context.Background(), area, []string{yp})
	cardsMust(t, err)
	for _, e := range es {
		if e.Acknowledged {
			acked = append(acked, e.ID)
		} else {
			waiting = append(waiting, e.ID)
		}
	}
	return waiting, acked
}

func cardIDs(cs []heard.Card) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// A young person who sends card after card with nobody acknowledging them:
// their list document keeps the newest and the rest go to pages, so each
// send writes a document of the same size. Every reader still sees every
// card once, in order; acknowledging an old card changes it in its page, and
// a page whose cards are all acknowledged goes back into the list.
func TestYoungPersonsListKeepsItsNewestCardsAndPagesTheRest(t *testing.T) {
	smallPages(t, 3)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	var sent []heard.Card // oldest first
	for i := range 20 {
		c := cardsTestCard(area, yp, "worried", heard.UrgencyOrdinary, now.Add(time.Duration(i)*time.Minute))
		_, _, err := st.InsertCard(ctx, c)
		cardsMust(t, err)
		sent = append(sent, c)
		checkPaged(t, readPagedList(t, st, area, yp), 3)
	}
	l := readPagedList(t, st, area, yp)
	if len(l.named) < 4 || len(l.own) > 6 {
		t.Fatalf("after 20 cards: %d in the list document, %d pages", len(l.own), len(l.named))
	}
	newestFirst := cardIDs(sent)
	slices.Reverse(newestFirst)
	got, err := st.CardsOf(ctx, area, []string{yp}, time.Time{}, 0)
	cardsMust(t, err)
	if !slices.Equal(cardIDs(got), newestFirst) {
		t.Fatalf("their cards: %d, not the 20 sent newest first", len(got))
	}
	if got, _ := st.CardsOf(ctx, area, []string{yp}, now.Add(15*time.Minute), 3); !slices.Equal(cardIDs(got), newestFirst[:3]) {
		t.Errorf("the newest three since a time: %v", cardIDs(got))
	}

	// Acknowledging the three oldest (the first page) and one more in a page.
	for _, c := range append(slices.Clone(sent[:3]), sent[5]) {
		_, _, err := st.AcknowledgeCard(ctx, area, c.ID, store.CardAcknowledgement{At: now.Add(time.Hour), By: "kw", ByName: "Kim"})
		cardsMust(t, err)
	}
	waiting, acked := waitingAndAcknowledged(t, st, area, yp)
	if len(waiting) != 16 || len(acked) != 4 || !slices.Contains(acked, sent[5].ID) || !slices.Contains(acked, sent[0].ID) {
		t.Fatalf("inbox: %d waiting, %d acknowledged %v", len(waiting), len(acked), acked)
	}
	after := readPagedList(t, st, area, yp)
	checkPaged(t, after, 3)
	if len(after.named) != len(l.named)-1 || len(after.written) != len(after.named) {
		t.Errorf("pages before %d, after %d named and %d written: the settled page was not folded", len(l.named), len(after.named), len(after.written))
	}
	if !slices.Contains(after.own, sent[0].ID+" a") {
		t.Errorf("the folded page's cards are not back in the list document: %v", after.own)
	}

	// Acknowledging is kept: listing the card again as waiting changes nothing.
	cardsMust(t, st.ListCard(ctx, sent[5]))
	if _, acked := waitingAndAcknowledged(t, st, area, yp); !slices.Contains(acked, sent[5].ID) {
		t.Error("an acknowledgement in a page was undone")
	}
}

// Cards listed but never stored (their sends failed and were not tried
// again) are taken out of the list once old, from the pages too.
func TestCardsNeverStoredLeaveThePagesToo(t *testing.T) {
	smallPages(t, 2)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(now)
	ctx, st := context.Background(), testkit.Store(t, clock)
	area, yp := heard.NewID(), heard.NewID()
	var lost, kept []string
	for i := range 12 {
		c := cardsTestCard(area, yp, "angry", heard.UrgencyOrdinary, now.Add(time.Duration(i)*time.Second))
		if i%3 == 0 {
			cardsMust(t, st.ListCard(ctx, c)) // a send that stopped after listing it
			lost = append(lost, c.ID)
			continue
		}
		_, _, err := st.InsertCard(ctx, c)
		cardsMust(t, err)
		kept = append(kept, c.ID)
	}
	if l := readPagedList(t, st, area, yp); len(l.named) == 0 {
		t.Fatal("no pages")
	}
	clock.Advance(5 * time.Minute)
	es, err := st.InboxEntries(ctx, area, []string{yp})
	cardsMust(t, err)
	cards, err := st.InboxCards(ctx, area, es)
	cardsMust(t, err)
	if len(cards) != len(kept) {
		t.Fatalf("inbox shows %d cards, want %d", len(cards), len(kept))
	}
	waiting, _ := waitingAndAcknowledged(t, st, area, yp)
	slices.Sort(waiting)
	slices.Sort(kept)
	if !slices.Equal(waiting, kept) {
		t.Errorf("after the inbox was read, the list holds %d entries, want the %d stored cards", len(waiting), len(kept))
	}
	checkPaged(t, readPagedList(t, st, area, yp), 2)
}

// Many cards sent at once by one young person through two instances, then
// all acknowledged at once: every card is listed once and, at the end,
// every page has gone back into the list.
func TestCardsSentAtOnceFromTwoInstancesAreEachPagedOnce(t *testing.T) {
	smallPages(t, 3)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(now)
	ctx, st := context.Background(), testkit.Store(t, clock)
	other, err := st.Reopen(ctx)
	cardsMust(t, err)
	t.Cleanup(func() { other.Close(context.Background()) })
	area, yp := heard.NewID(), heard.NewID()

	cards := make([]heard.Card, 60)
	for i := range cards {
		cards[i] = cardsTestCard(area, yp, "okay", heard.UrgencyOrdinary, now.Add(time.Duration(i)*time.Second))
	}
	all := func(do func(st *store.Store, c heard.Card) error) {
		var wg sync.WaitGroup
		for i, c := range cards {
			wg.Go(func() {
				if err := do([]*store.Store{st, other}[i%2], c); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	all(func(st *store.Store, c heard.Card) error { _, _, err := st.InsertCard(ctx, c); return err })
	l := readPagedList(t, st, area, yp)
	checkPaged(t, l, 3)
	if len(l.named) == 0 {
		t.Fatal("60 cards waiting and no pages")
	}
	waiting, _ := waitingAndAcknowledged(t, st, area, yp)
	if len(waiting) != 60 {
		t.Fatalf("%d of 60 cards listed", len(waiting))
	}
	all(func(st *store.Store, c heard.Card) error {
		_, _, err := st.AcknowledgeCard(ctx, area, c.ID, store.CardAcknowledgement{At: now.Add(time.Hour), By: "kw", ByName: "Kim"})
		return err
	})
	waiting, acked := waitingAndAcknowledged(t, st, area, yp)
	if len(waiting) != 0 || len(acked) != 60 {
		t.Fatalf("after acknowledging all: %d waiting, %d acknowledged", len(waiting), len(acked))
	}
	if l := readPagedList(t, st, area, yp); len(l.named) != 0 || len(l.written) != 0 || len(l.own) != 60 {
		t.Errorf("every card acknowledged, yet %d pages named and %d written, %d in the list document", len(l.named), len(l.written), len(l.own))
	}
}

// Moving cards into pages or folding a page back, stopped after any one of
// its writes (a crash, a timeout): no card is lost or listed twice, a page
// written but not named is never read, and the next sends finish the work.
func TestPagingStoppedAtAnyWriteLosesNothing(t *testing.T) {
	smallPages(t, 2)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	errStopped := errors.New("stopped")
	for k := 1; ; k++ {
		area, yp := heard.NewID(), heard.NewID()
		var sent []heard.Card
		send := func(i int) {
			c := cardsTestCard(area, yp, "sad", heard.UrgencyOrdinary, now.Add(time.Duration(i)*time.Second))
			if _, _, err := st.InsertCard(ctx, c); errors.Is(err, errStopped) {
				_, _, err = st.InsertCard(ctx, c) // the phone sends it again
				cardsMust(t, err)
			} else {
				cardsMust(t, err)
			}
			sent = append(sent, c)
		}
		for i := range 4 {
			send(i)
		}
		// The fifth card moves three cards into two pages: the list's own
		// write, two page inserts and the list's write naming them. Then the
		// first page's cards are acknowledged and it folds back: two writes
		// to the page, the list's write and the page's delete.
		writes := 0
		st.Faults = func(_ context.Context, _, collection string) error {
			if collection == "card_lists" {
				if writes++; writes == k {
					return errStopped
				}
			}
			return nil
		}
		send(4)
		for _, c := range sent[:2] {
			_, _, err := st.AcknowledgeCard(ctx, area, c.ID, store.CardAcknowledgement{At: now.Add(time.Hour), By: "kw", ByName: "Kim"})
			if errors.Is(err, errStopped) {
				_, _, err = st.AcknowledgeCard(ctx, area, c.ID, store.CardAcknowledgement{At: now.Add(time.Hour), By: "kw", ByName: "Kim"})
			}
			cardsMust(t, err)
		}
		st.Faults = nil
		for i := 5; i < 9; i++ {
			send(i)
		}
		l := readPagedList(t, st, area, yp)
		checkPaged(t, l, 2)
		waiting, acked := waitingAndAcknowledged(t, st, area, yp)
		if len(waiting) != 7 || len(acked) != 2 {
			t.Errorf("stopped after write %d: %d waiting and %d acknowledged, want 7 and 2", k, len(waiting), len(acked))
		}
		got, err := st.CardsOf(ctx, area, []string{yp}, time.Time{}, 0)
		cardsMust(t, err)
		newestFirst := cardIDs(sent)
		slices.Reverse(newestFirst)
		if !slices.Equal(cardIDs(got), newestFirst) {
			t.Errorf("stopped after write %d: their cards %d, not the 9 sent in order", k, len(got))
		}
		if writes < k {
			if k < 7 {
				t.Fatalf("only %d writes to the lists; the pages were not used", writes)
			}
			return
		}
	}
}
