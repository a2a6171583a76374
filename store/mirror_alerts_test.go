package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"heard"
	"heard/store"
	"heard/testkit"
)

// The escalator finds due timers in the embedded server's mirror of them:
// timers raised at once on two instances are each taken once, when due and
// not before, and a timer moved on to a later step (updated in place) waits
// for that step.
func TestDueTimersFoundOnceWhenDue(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	other := testkit.NewInstance(t, st).Store
	handles := []*store.Store{st, other}
	start := clock.Now()
	const timers = 30
	due := map[string]time.Time{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	// At most a few at once on each handle: an instance opens only a few
	// connections before its test, and a busy machine can miss the short time
	// it has to open another.
	raising := make(chan struct{}, 6)
	for i := range timers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raising <- struct{}{}
			defer func() { <-raising }()
			at := start.Add(time.Duration(i+1) * time.Minute)
			a := store.AlertTimer{Alert: heard.Alert{ID: heard.NewID(), AreaID: "area", YoungPersonID: "yp", Urgency: heard.UrgencyUrgent,
				Type: heard.AlertCardUrgent, CreatedAt: start}, Policy: heard.DefaultEscalation(), NextStep: "notify", DueAt: at}
			_, _, err := handles[i%2].RaiseAlert(ctx, a, "", 0)
			pushMust(t, err)
			mu.Lock()
			due[a.ID] = at
			mu.Unlock()
		}()
	}
	wg.Wait()
	taken := map[string]int{}
	for step := 0; step <= timers+1; step++ {
		h := handles[step%2]
		got, err := h.TakeAlerts(ctx, "escalator", "", 30*time.Second, 10)
		pushMust(t, err)
		for _, tm := range got {
			taken[tm.ID]++
			if due[tm.ID].After(clock.Now()) {
				t.Errorf("timer due at %s taken at %s", due[tm.ID].Format(time.TimeOnly), clock.Now().Format(time.TimeOnly))
			}
			// Moved on to the next step, a day later: not due again in this test.
			pushMust(t, h.AdvanceAlert(ctx, tm, "escalator", &store.AlertStep{Step: "notify", At: clock.Now()}, nil, "duty", clock.Now().Add(24*time.Hour)))
		}
		clock.Advance(time.Minute)
	}
	for id := range due {
		if taken[id] != 1 {
			t.Errorf("timer %s taken %d times, want once", id, taken[id])
		}
	}
}
