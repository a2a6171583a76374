package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
	"heard/store"
	"heard/testkit"
)

// TestEmbeddedRecoversAfterCancelledCalls is issue 8's "stuck after overload":
// many calls at once whose contexts end at random moments (a request's
// deadline, a phone that gives up), then calls with fresh contexts must work
// within a few seconds. Before store.collection, the embedded server went on
// with every abandoned command while the driver opened new connections, until
// updates that hold one SQLite connection while waiting for a second took all
// 100 and every later call waited for ever; and a deadline that reached a
// SQLite query at the wrong moment left its connection answering
// "interrupted (9)" or "database is locked (517)" to every later call.
func TestEmbeddedRecoversAfterCancelledCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("hammers the database for several seconds")
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	st := testkit.Store(t, testkit.NewClock(now))
	area := heard.NewID()
	youngPerson := func(i int) string { return fmt.Sprintf("%s-yp%d", area, i%20) }
	var (
		mu      sync.Mutex
		cards   []string
		calls   atomic.Int64
		ended   atomic.Int64
		failure = map[string]int{}
	)
	// Besides store methods, updates and finds of a few documents by _id
	// through the store's one path to the database (the hot, contended shape).
	col := st.Collection("overload")
	inc := bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}
	call := func(ctx context.Context) error {
		yp := youngPerson(rand.IntN(20))
		id := fmt.Sprint(rand.IntN(50))
		switch rand.IntN(8) {
		case 4:
			_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, inc, options.UpdateOne().SetUpsert(true))
			return err
		case 5:
			return found(col.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, inc, options.FindOneAndUpdate().SetUpsert(true)).Err())
		case 6:
			return found(col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err())
		case 7:
			return found(col.FindOne(ctx, bson.D{{Key: "n", Value: -1}}).Err())
		case 0, 1:
			c := overloadCard(area, yp, now)
			_, _, err := st.InsertCard(ctx, c)
			if err == nil {
				mu.Lock()
				cards = append(cards, c.ID)
				mu.Unlock()
			}
			return err
		case 2:
			return st.Bump(ctx, store.CounterKey{Area: area, Metric: "cards", Day: "2026-11-02", Dim: fmt.Sprint(rand.IntN(3))}, 1)
		default:
			_, err := st.CardsOf(ctx, area, []string{yp}, time.Time{}, 0)
			return err
		}
	}
	// Every context ends at a random moment within 30 ms: by deadline or by cancel.
	randomContext := func() (context.Context, context.CancelFunc) {
		wait := time.Duration(rand.IntN(30_000)) * time.Microsecond
		if rand.IntN(2) == 0 {
			return context.WithTimeout(context.Background(), wait)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(wait, cancel)
		return ctx, cancel
	}
	stop := time.Now().Add(8 * time.Second)
	var wg sync.WaitGroup
	for range 128 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				ctx, cancel := randomContext()
				err := call(ctx)
				cancel()
				calls.Add(1)
				if err != nil {
					ended.Add(1)
					mu.Lock()
					failure[overloadErrorKind(err)]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	t.Logf("hammer: %d calls in 8 s, %d ended by their context or failed: %v", calls.Load(), ended.Load(), failure)

	// Fresh contexts: every card is stored, counted and read back within a few
	// seconds (each call has 5). Three rounds of 64 at once reach most of the embedded server's
	// connections, where a broken one would hide.
	const rounds, width = 3, 64
	start := time.Now()
	latencies := make([]time.Duration, rounds*width)
	errs := make([]error, rounds*width)
	for round := range rounds {
		for i := round * width; i < (round+1)*width; i++ {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				began := time.Now()
				c := overloadCard(area, youngPerson(i), now)
				_, created, err := st.InsertCard(ctx, c)
				if err == nil && !created {
					err = fmt.Errorf("card %s was not new", c.ID)
				}
				if err == nil {
					err = st.Bump(ctx, store.CounterKey{Area: area, Metric: "fresh", Day: "2026-11-02"}, 1)
				}
				if err == nil {
					_, err = st.CardsOf(ctx, area, []string{c.YoungPersonID}, time.Time{}, 0)
				}
				latencies[i], errs[i] = time.Since(began), err
			})
		}
		wg.Wait()
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	t.Logf("after the hammer: %d sends, %d at once, in %v (median %v, slowest %v)", rounds*width, width, time.Since(start).Round(time.Millisecond),
		latencies[len(latencies)/2].Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a call with a fresh context failed after the hammer: %v", err)
		}
	}
	got := counterSums(t, st, area, "fresh", func(store.Counter) string { return "" })
	if got[""] != rounds*width {
		t.Fatalf("%d fresh counts, %d counted", rounds*width, got[""])
	}
	// A sample of what the hammer stored reads back.
	ctx := context.Background()
	for _, id := range cards[:min(len(cards), 20)] {
		if _, err := st.Card(ctx, area, id); err != nil {
			t.Fatalf("card %s stored during the hammer: %v", id, err)
		}
	}
}

func overloadCard(area, yp string, at time.Time) heard.Card {
	return heard.Card{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, CardID: "sad", Urgency: heard.UrgencyOrdinary,
		Service: heard.ServiceCAMHS, ReceivedAt: at, Day: heard.CardDay("Europe/London", at)}
}

// found treats "no document" as an answer.
func found(err error) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	return err
}

// overloadErrorKind names an error without its addresses and numbers, to count kinds.
func overloadErrorKind(err error) string {
	s := err.Error()
	for _, kind := range []string{"context deadline exceeded", "context canceled", "interrupted", "duplicate key"} {
		if strings.Contains(s, kind) {
			return kind
		}
	}
	return s[:min(len(s), 80)]
}
