package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"heard"
	"heard/store"
	"heard/testkit"
)

// Events counted with retries (each reporting a failure after it took
// effect) and then folded by several folders at once, with their writes
// failing at random moments, end in exact month counters; the dashboard's read
// includes what is not folded yet.
func TestCountExactUnderConcurrentFoldsAndFaults(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(now)
	ctx, st := context.Background(), testkit.Store(t, clock)
	area := heard.NewID()
	var failing atomic.Bool
	rnd := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	st.Faults = func(ctx context.Context, op, collection string) error {
		mu.Lock()
		defer mu.Unlock()
		if failing.Load() && rnd.IntN(4) == 0 {
			return errors.New("injected failure")
		}
		return nil
	}
	failing.Store(true)
	const events = 60
	key := store.CounterKey{Area: area, Metric: "cards", Day: "2026-11-02", Service: "camhs", Dim: "sad"}
	var wg sync.WaitGroup
	for i := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A workflow retries until its count is recorded, and sometimes once more.
			for range 1 + i%2 {
				for st.Count(ctx, fmt.Sprintf("card/%d", i), store.CounterAdd{Key: key, N: 1}) != nil {
				}
			}
		}()
	}
	wg.Wait()
	if got := cardsCounter(t, st, area, "cards"); got["2026-11/camhs//sad"] != events {
		t.Errorf("before folding the dashboard reads %v, want %d", got, events)
	}
	clock.Advance(store.FoldAfter + 16*time.Second)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				_ = st.FoldCounts(ctx) // a failure is finished by the next fold
			}
		}()
	}
	wg.Wait()
	failing.Store(false)
	cardsMust(t, st.FoldCounts(ctx))
	if got := cardsCounter(t, st, area, "cards"); got["2026-11/camhs//sad"] != events {
		t.Errorf("counted %v, want %d", got, events)
	}
	if n, err := st.DB.Collection("kpi_events").CountDocuments(ctx, map[string]any{}); err != nil || n != 0 {
		t.Errorf("events left after folding: %d %v", n, err)
	}
}
