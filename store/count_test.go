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

// A dashboard read at any moment of a fold counts every event once: after the
// month document has taken the events but before they are deleted, after they
// are deleted, and after the month document has forgotten them.
func TestKPIBucketsExactAtEveryMomentOfAFold(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(now)
	ctx, st := context.Background(), testkit.Store(t, clock)
	area := heard.NewID()
	const events = 5
	key := store.CounterKey{Area: area, Metric: "cards", Day: "2026-11-02", Service: "camhs", Dim: "sad"}
	for i := range events {
		cardsMust(t, st.Count(ctx, fmt.Sprintf("card/%d", i), store.CounterAdd{Key: key, N: 1}))
	}
	clock.Advance(store.FoldAfter + 16*time.Second)
	var seen []string
	st.Faults = func(ctx context.Context, op, collection string) error {
		if collection == "kpi_months" || collection == "kpi_events" {
			got := cardsCounter(t, st, area, "cards")["2026-11/camhs//sad"]
			seen = append(seen, fmt.Sprintf("after %s %s: %d", op, collection, got))
			if got != events {
				t.Errorf("the dashboard read %d while folding (after %s of %s), want %d", got, op, collection, events)
			}
		}
		return nil
	}
	cardsMust(t, st.FoldCounts(ctx))
	st.Faults = nil
	if len(seen) < 3 {
		t.Fatalf("the fold's writes were not all seen: %v", seen)
	}
	if got := cardsCounter(t, st, area, "cards")["2026-11/camhs//sad"]; got != events {
		t.Errorf("after the fold the dashboard reads %d, want %d", got, events)
	}
}

// Dashboard reads running while events are counted and folded by two
// folders at once each count every event once: never fewer than were
// counted before the read began, never more than had begun counting when it
// ended.
func TestKPIBucketsExactWhileFoldsRun(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(now)
	ctx, st := context.Background(), testkit.Store(t, clock)
	area := heard.NewID()
	key := store.CounterKey{Area: area, Metric: "cards", Day: "2026-11-02", Service: "camhs", Dim: "sad"}
	var begun, counted atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // counting in rounds, each round foldable once the next begins
		defer wg.Done()
		defer stop.Store(true)
		for round := range 8 {
			for i := range 25 {
				begun.Add(1)
				if err := st.Count(ctx, fmt.Sprintf("card/%d/%d", round, i), store.CounterAdd{Key: key, N: 1}); err != nil {
					t.Error(err)
					return
				}
				counted.Add(1)
			}
			clock.Advance(store.FoldAfter + 16*time.Second)
		}
	}()
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if err := st.FoldCounts(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	reads := 0
	for !stop.Load() {
		lo := counted.Load()
		got := cardsCounter(t, st, area, "cards")["2026-11/camhs//sad"]
		hi := begun.Load()
		if got < lo || got > hi {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("a dashboard read during folds counted %d cards; between %d and %d were counted", got, lo, hi)
		}
		reads++
	}
	wg.Wait()
	cardsMust(t, st.FoldCounts(ctx))
	if got := cardsCounter(t, st, area, "cards")["2026-11/camhs//sad"]; got != 200 {
		t.Errorf("after the last fold the dashboard reads %d, want 200", got)
	}
	t.Logf("%d reads during the folds", reads)
}
