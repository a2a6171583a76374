package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"heard"
	"heard/store"
	"heard/testkit"
)

// TestEmbeddedWritesTakeTurns: on the embedded server at most
// EmbeddedWritesInFlight writes are sent at once, reads pass writes that
// wait, and a write whose caller gives up while it waits changes nothing.
// (Each writer inserts into a collection of its own: inserts into one
// collection are sent together, TestEmbeddedInsertsWaitingTogetherGoTogether.)
func TestEmbeddedWritesTakeTurns(t *testing.T) {
	st := testkit.Store(t, nil)
	if !st.Embedded() {
		t.Skip("the embedded server's bound on writes")
	}
	ctx := context.Background()
	col := st.Collection("write_turns")
	if _, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "seed"}}); err != nil {
		t.Fatal(err)
	}

	var now, most atomic.Int32
	hold := make(chan struct{})
	st.Faults = func(ctx context.Context, op, collection string) error {
		if !strings.HasPrefix(collection, "write_turns_") {
			return nil
		}
		n := now.Add(1)
		defer now.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-hold
		return nil
	}
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.Collection(fmt.Sprint("write_turns_", i)).InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("w", i)}})
			errs <- err
		}()
	}
	// Wait until the writers' places are all taken.
	for deadline := time.Now().Add(10 * time.Second); now.Load() < store.EmbeddedWritesInFlight; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes reached the server", now.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}

	// A read does not wait behind the queued writes.
	read, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := col.FindOne(read, bson.D{{Key: "_id", Value: "seed"}}).Err(); err != nil {
		t.Fatalf("a read while writes wait: %v", err)
	}

	// A write that runs out of time waiting for its turn is never sent.
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	late := st.Collection("write_turns_late")
	if _, err := late.InsertOne(short, bson.D{{Key: "_id", Value: "late"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write that could not get its turn: %v", err)
	}

	close(hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := most.Load(); got != store.EmbeddedWritesInFlight {
		t.Fatalf("%d writes were on the server at once, want %d", got, store.EmbeddedWritesInFlight)
	}
	st.Faults = nil
	for i := range writers {
		if n, err := st.Collection(fmt.Sprint("write_turns_", i)).CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
			t.Fatalf("writer %d: %d documents (%v), want its one", i, n, err)
		}
	}
	if n, err := late.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Fatalf("the late write: %d documents (%v), want none", n, err)
	}
}

// TestEmbeddedInsertsWaitingTogetherGoTogether: inserts into one collection
// that wait for a write turn together are sent as one command, and each
// caller gets its own answer: a duplicate _id fails only its own insert, and
// one whose caller gives up before it is sent is not stored.
func TestEmbeddedInsertsWaitingTogetherGoTogether(t *testing.T) {
	_, inst := countedInstance(t, nil, "group commit on the embedded server")
	st := inst.Store
	ctx := context.Background()
	col := st.Collection("grouped")
	if _, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "taken"}}); err != nil {
		t.Fatal(err)
	}
	// Hold the write turns with writes to another collection, so the inserts queue up.
	hold, holding := make(chan struct{}), make(chan struct{}, store.EmbeddedWritesInFlight)
	var sends atomic.Int32
	st.Faults = func(ctx context.Context, op, collection string) error {
		switch collection {
		case "holder":
			holding <- struct{}{}
			<-hold
		case "grouped":
			sends.Add(1) // once per insert, after the command that carried it
		}
		return nil
	}
	var holders sync.WaitGroup
	for i := range store.EmbeddedWritesInFlight {
		holders.Add(1)
		go func() {
			defer holders.Done()
			_, _ = st.Collection("holder").UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint(i)}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: i}}}})
		}()
	}
	for range store.EmbeddedWritesInFlight {
		<-holding
	}
	const n = 20
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	for i := range n + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint("doc", i)
			if i == n {
				id = "taken"
			}
			_, errs[i] = col.InsertOne(ctx, bson.D{{Key: "_id", Value: id}})
		}()
	}
	gaveUp, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := col.InsertOne(gaveUp, bson.D{{Key: "_id", Value: "gave-up"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an insert given up while it waited: %v", err)
	}
	close(hold)
	holders.Wait()
	wg.Wait()
	for i, err := range errs[:n] {
		if err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
	}
	if !mongo.IsDuplicateKeyError(errs[n]) {
		t.Fatalf("the insert of an _id already stored: %v, want a duplicate key error", errs[n])
	}
	st.Faults = nil
	if got, err := col.CountDocuments(ctx, bson.D{}); err != nil || got != n+1 {
		t.Fatalf("%d documents (%v), want %d", got, err, n+1)
	}
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: "gave-up"}}).Err(); !errors.Is(err, mongo.ErrNoDocuments) {
		t.Fatalf("the given-up insert: %v, want not stored", err)
	}
	if got := sends.Load(); got != n {
		t.Fatalf("%d inserts passed the store's faults, want %d (one each, the duplicate failing)", got, n)
	}
	commands := 0
	for _, w := range inst.Writes() {
		if w == "insert grouped" {
			commands++
		}
	}
	// The first insert, then the waiting ones in a command or two (one may
	// have started on its own before the others arrived).
	if commands < 2 || commands > 3 {
		t.Fatalf("%d insert commands for %d inserts, want the first one alone and the rest together: %v", commands, n+2, inst.Writes())
	}
}

// TestEmbeddedJobDeletesWaitingTogetherGoTogether: deletes by _id from a job
// collection that wait for a write turn together are sent as one command,
// and each caller's document is gone.
func TestEmbeddedJobDeletesWaitingTogetherGoTogether(t *testing.T) {
	_, inst := countedInstance(t, nil, "group commit on the embedded server")
	st := inst.Store
	ctx := context.Background()
	col := st.Collection("intents")
	const n = 12
	// Ids that JSON escapes. Jobs 0 to n-1 are deleted, job n is deleted but
	// was never there, job n+1 stays.
	jobID := func(i int) string { return fmt.Sprintf(`job "%d" \ é`, i) }
	stored := []int{n + 1}
	for i := range n {
		stored = append(stored, i)
	}
	for _, i := range stored {
		if _, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: jobID(i)}, {Key: "area", Value: "a"}}); err != nil {
			t.Fatal(err)
		}
	}
	before := len(inst.Writes())
	release := st.HoldWriteTurns()
	var wg sync.WaitGroup
	errs := make([]error, n+1)
	for i := range n + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = col.DeleteID(ctx, jobID(i))
		}()
	}
	time.Sleep(200 * time.Millisecond) // the deletes queue up behind the held turns
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
	}
	var left []bson.M
	cur, err := col.Find(ctx, bson.D{})
	if err == nil {
		err = cur.All(ctx, &left)
	}
	if err != nil || len(left) != 1 || left[0]["_id"] != jobID(n+1) {
		t.Fatalf("jobs left %v (%v), want only the one not deleted", left, err)
	}
	if w := inst.Writes()[before:]; len(w) != 1 || w[0] != "delete intents" {
		t.Fatalf("commands for %d deletes waiting together: %v, want one delete", n+1, w)
	}
}

// commandsSince counts an instance's commands of one kind ("find card_lists")
// after the first before of them.
func commandsSince(inst *testkit.Instance, before int, what string) int {
	n := 0
	for _, c := range inst.Commands()[before:] {
		if c == what {
			n++
		}
	}
	return n
}

// TestEmbeddedReadChangeWriteKeepsWhatItWrote: a document written whole by
// the store's read-change-write is kept in the read cache, so changing it
// again reads nothing from the database, and what is kept is what the
// database holds.
func TestEmbeddedReadChangeWriteKeepsWhatItWrote(t *testing.T) {
	base, inst := countedInstance(t, nil, "the embedded server's read cache")
	st := inst.Store
	ctx := context.Background()
	area, yp, now := heard.NewID(), heard.NewID(), time.Now().UTC().Truncate(time.Millisecond)
	card := func(i int) heard.Card {
		return heard.Card{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, Urgency: heard.UrgencyOrdinary, ReceivedAt: now.Add(time.Duration(i) * time.Second)}
	}
	if err := st.ListCard(ctx, card(0)); err != nil {
		t.Fatal(err)
	}
	before := len(inst.Commands())
	for i := 1; i <= 3; i++ {
		if err := st.ListCard(ctx, card(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := commandsSince(inst, before, "find card_lists"); n != 0 {
		t.Fatalf("changing a list it had just written read it %d times from the database", n)
	}
	// The database has all four entries (read past the store and its cache).
	if got := listedInDatabase(t, base, "yp/"+area+"/"+yp); len(got) != 4 {
		t.Fatalf("the database holds %d entries, want 4", len(got))
	}
}

// TestEmbeddedMirroredJobsAreReadFromTheMirror: a conditional write to an
// alert timer checks its condition against the mirror of the timers, not a
// read from the database, and still refuses a holder whose lease was lost.
func TestEmbeddedMirroredJobsAreReadFromTheMirror(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	base, inst := countedInstance(t, clock, "the embedded server's mirror")
	st := inst.Store
	ctx := context.Background()
	a := store.AlertTimer{Alert: heard.Alert{ID: heard.NewID(), AreaID: heard.NewID(), YoungPersonID: heard.NewID(), Urgency: heard.UrgencyUrgent,
		Type: "card_urgent", CreatedAt: clock.Now()}, Policy: heard.DefaultEscalation(), NextStep: "notify", DueAt: clock.Now()}
	if _, _, err := st.RaiseAlert(ctx, a, "", 0); err != nil {
		t.Fatal(err)
	}
	taken, err := st.TakeAlerts(ctx, "first", "", time.Minute, 10) // reads the timers whole, filling the mirror
	if err != nil || len(taken) != 1 {
		t.Fatalf("take: %d %v", len(taken), err)
	}
	clock.Advance(2 * time.Minute)
	retaken, err := st.TakeAlerts(ctx, "second", "", time.Minute, 10)
	if err != nil || len(retaken) != 1 {
		t.Fatalf("take after the lease: %d %v", len(retaken), err)
	}
	before := len(inst.Commands())
	if err := st.AdvanceAlert(ctx, taken[0], "first", nil, nil, "", time.Time{}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("the first holder's late step: %v, want its lease lost", err)
	}
	if err := st.AdvanceAlert(ctx, retaken[0], "second", nil, nil, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := commandsSince(inst, before, "find alert_timers"); n != 0 {
		t.Fatalf("the timer was read %d times from the database, want none (its mirror is whole)", n)
	}
	if n, err := base.DB.Collection("alert_timers").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Fatalf("%d timers left (%v), want none once the alert is done", n, err)
	}
}

// countedInstance is a store on the embedded server (the test is skipped on
// MongoDB, with why) and an instance on it whose commands are counted.
func countedInstance(t *testing.T, clock heard.Clock, why string) (*store.Store, *testkit.Instance) {
	t.Helper()
	base := testkit.Store(t, clock)
	if !base.Embedded() {
		t.Skip(why)
	}
	return base, testkit.NewInstance(t, base)
}

// TestEmbeddedChangesToOneDocumentWaitingTogetherGoTogether: cards sent at
// once by one young person all go into their list, which is written a few
// times rather than once for each, and a caller that gave up before its turn
// changes nothing.
func TestEmbeddedChangesToOneDocumentWaitingTogetherGoTogether(t *testing.T) {
	base, inst := countedInstance(t, nil, "changes going together on the embedded server")
	st := inst.Store
	ctx := context.Background()
	area, yp, now := heard.NewID(), heard.NewID(), time.Now().UTC().Truncate(time.Millisecond)
	card := func(i int) heard.Card {
		return heard.Card{ID: fmt.Sprintf("card-%02d", i), AreaID: area, YoungPersonID: yp, Urgency: heard.UrgencyOrdinary,
			ReceivedAt: now.Add(time.Duration(i) * time.Second)}
	}
	if err := st.ListCard(ctx, card(0)); err != nil {
		t.Fatal(err)
	}
	const n = 20
	before := len(inst.Writes())
	release := st.HoldWriteTurns()
	gaveUp, giveUp := context.WithCancel(ctx)
	errs := make([]error, n+2)
	var wg sync.WaitGroup
	send := func(i int, c context.Context) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.ListCard(c, card(i))
		}()
	}
	for i := 1; i <= n; i++ {
		send(i, ctx)
	}
	time.Sleep(200 * time.Millisecond) // the changes queue up behind the held turns
	send(n+1, gaveUp)
	time.Sleep(100 * time.Millisecond)
	giveUp()
	release()
	wg.Wait()
	for i := 1; i <= n; i++ {
		if errs[i] != nil {
			t.Fatalf("card %d: %v", i, errs[i])
		}
	}
	w := inst.Writes()[before:]
	if len(w) > 3 {
		t.Fatalf("%d changes to one list waiting together were written %d times: %v", n+1, len(w), w)
	}
	stored := listedInDatabase(t, base, "yp/"+area+"/"+yp)
	if !errors.Is(errs[n+1], context.Canceled) || len(stored) != n+1 {
		t.Fatalf("the list holds %d entries, want %d; the change that gave up: %v", len(stored), n+1, errs[n+1])
	}
	if !slices.IsSortedFunc(stored, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatalf("entries out of order: %v", stored)
	}
}

// listedInDatabase reads a list of cards past the store and its cache, and
// returns the card ids in it, in order.
func listedInDatabase(t *testing.T, st *store.Store, id string) []string {
	t.Helper()
	var stored struct {
		Cards string `bson:"cards"`
	}
	if err := st.DB.Collection("card_lists").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for line := range strings.Lines(stored.Cards) {
		ids = append(ids, strings.Fields(line)[0])
	}
	return ids
}
