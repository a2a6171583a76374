package store_test

import (
	"fmt"
	"sync"
	"testing"

	"heard"
	"heard/store"
)

// The dashboard reads the events not yet folded from the embedded server's
// mirror of them; what it reads is what the database holds, through every
// store handle on the server, while events are counted on one handle, read
// on another and folded on both.
func TestPendingCountsReadThroughEveryHandle(t *testing.T) {
	a, clock, ctx := storeNew(t)
	b, err := a.Reopen(ctx)
	storeCheck(t, err)
	area := heard.NewID()
	day := storeStart.Format("2006-01-02")
	key := store.CounterKey{Area: area, Metric: "cards", Day: day, Service: "camhs", Dim: "sad"}
	month := storeStart.Format("2006-01") + "/camhs//sad"
	read := func(s *store.Store) int64 {
		t.Helper()
		buckets, err := s.KPIBuckets(ctx, area, []string{storeStart.Format("2006-01")})
		storeCheck(t, err)
		var n int64
		for _, bk := range buckets {
			if bk.Metric == "cards" && bk.Month+"/"+bk.Service+"/"+bk.PlacementType+"/"+bk.Dim == month {
				n += bk.N
			}
		}
		return n
	}
	if got := read(b); got != 0 {
		t.Fatalf("before counting: %d", got)
	}
	const events = 40
	var wg sync.WaitGroup
	for i := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			storeCheck(t, a.Count(ctx, fmt.Sprintf("card/%d", i), store.CounterAdd{Key: key, N: 1}))
			read(b) // readers fill and use the mirror while others count
		}()
	}
	wg.Wait()
	if got := read(b); got != events {
		t.Fatalf("counted on one handle, read on the other: %d, want %d", got, events)
	}
	clock.Advance(store.FoldAfter + 1)
	storeCheck(t, b.FoldCounts(ctx))
	if got := read(a); got != events {
		t.Fatalf("after folding on the other handle: %d, want %d", got, events)
	}
	storeCheck(t, b.Count(ctx, "card/late", store.CounterAdd{Key: key, N: 1}))
	storeCheck(t, a.Count(ctx, "card/late", store.CounterAdd{Key: key, N: 1})) // the same event again
	if got := read(a); got != events+1 {
		t.Fatalf("one more event, counted twice on two handles: %d, want %d", got, events+1)
	}
	clock.Advance(store.FoldAfter + 1)
	storeCheck(t, a.FoldCounts(ctx))
	storeCheck(t, b.FoldCounts(ctx))
	if got, again := read(a), read(b); got != events+1 || again != events+1 {
		t.Fatalf("all folded: %d and %d, want %d", got, again, events+1)
	}
}
