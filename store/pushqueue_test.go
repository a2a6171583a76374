package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"heard"
	"heard/store"
	"heard/testkit"
)

// Many instances taking the same deliveries at once, through two store handles
// (as two Heard processes would): each delivery is taken by exactly one of
// them, on the embedded database as on MongoDB.
func TestTakeDeliveriesIsExclusive(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	area, now := heard.NewID(), clock.Now()
	const n = 40
	var ds []store.PushDelivery
	for i := range n {
		ds = append(ds, store.PushDelivery{ID: fmt.Sprintf("n%d/s", i), AreaID: area, NotificationID: fmt.Sprintf("n%d", i),
			Type: "card", Priority: 1, NextAttemptAt: now, EnqueuedAt: now, ExpiresAt: now.Add(24 * time.Hour)})
	}
	pushMust(t, errOf(st.AddDeliveries(ctx, ds)))
	pushMust(t, errOf(st.AddDeliveries(ctx, ds))) // expanding twice adds nothing

	other := testkit.NewInstance(t, st).Store
	var mu sync.Mutex
	taken := map[string]store.PushDelivery{}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner, handle := fmt.Sprintf("instance-%d", w), st
			if w%2 == 1 {
				handle = other
			}
			for {
				got, err := handle.TakeDeliveries(ctx, owner, time.Minute, 8)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					if prev, dup := taken[d.ID]; dup {
						t.Errorf("%s taken by %s and %s", d.ID, prev.LeaseOwner, owner)
					}
					taken[d.ID] = d
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(taken) != n {
		t.Fatalf("took %d of %d", len(taken), n)
	}
	// Nothing is due again until the leases run out; then each is taken again, once.
	if got, _ := st.TakeDeliveries(ctx, "late", time.Minute, n); len(got) != 0 {
		t.Fatalf("took %d deliveries still leased", len(got))
	}
	clock.Advance(time.Minute + time.Second)
	got, err := st.TakeDeliveries(ctx, "late", time.Minute, n)
	pushMust(t, err)
	if len(got) != n || got[0].Attempts != 2 || got[0].Status != store.DeliverySending {
		t.Fatalf("after the leases ran out: %d taken, first %+v", len(got), got[0])
	}
	// The first holder's late write is refused; the new holder's is kept.
	first := taken[got[0].ID]
	if ok, _ := st.RecordAttempt(ctx, first, first.LeaseOwner, store.DeliveryOutcome{Status: store.DeliveryDelivered}); ok {
		t.Fatal("a lease that ran out was still honoured")
	}
	ok, err := st.RecordAttempt(ctx, got[0], "late", store.DeliveryOutcome{Status: store.DeliveryDelivered, LastStatus: 201})
	if err != nil || !ok {
		t.Fatalf("record: %v %v", ok, err)
	}
	d, _ := st.Delivery(ctx, got[0].ID)
	if d.Status != store.DeliveryDelivered || d.DeliveredAt == nil || d.LeaseOwner != "" {
		t.Fatalf("recorded delivery: %+v", d)
	}
}

func TestSweepPushKeepsWhatIsStillNeeded(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	area, now := heard.NewID(), clock.Now()
	finish := func(id, status string) {
		pushMust(t, errOf(st.AddDeliveries(ctx, []store.PushDelivery{{ID: id, AreaID: area, NotificationID: id, Type: "card",
			NextAttemptAt: clock.Now(), EnqueuedAt: clock.Now(), ExpiresAt: clock.Now().Add(24 * time.Hour)}})))
		got, err := st.TakeDeliveries(ctx, "me", time.Minute, 10)
		pushMust(t, err)
		if len(got) != 1 {
			t.Fatalf("took %d", len(got))
		}
		if ok, err := st.RecordAttempt(ctx, got[0], "me", store.DeliveryOutcome{Status: status, LastError: "x"}); !ok || err != nil {
			t.Fatalf("record: %v %v", ok, err)
		}
	}
	finish("ancient-failed", store.DeliveryFailed)
	finish("ancient-gone", store.DeliveryGone)
	clock.Advance(23 * 24 * time.Hour)
	now = clock.Now()
	finish("old-delivered", store.DeliveryDelivered)
	finish("old-failed", store.DeliveryFailed)
	_, err := st.CreateAlert(ctx, store.AlertRecord{Alert: heard.Alert{ID: heard.NewID(), AreaID: area, YoungPersonID: "yp", CreatedAt: now},
		EscalatedTo: []string{"duty"}})
	pushMust(t, err)
	clock.Advance(8 * 24 * time.Hour)
	finish("new-delivered", store.DeliveryDelivered)
	pending := store.PushDelivery{ID: "pending", AreaID: area, NextAttemptAt: clock.Now().Add(time.Hour), EnqueuedAt: clock.Now(), ExpiresAt: clock.Now().Add(24 * time.Hour)}
	pushMust(t, errOf(st.AddDeliveries(ctx, []store.PushDelivery{pending})))

	// A claim document left by an earlier version of Heard.
	_, err = st.DB.Collection("push_claims").InsertOne(ctx, map[string]any{"_id": "push_queue/x/1", "at": now})
	pushMust(t, err)

	pushMust(t, st.SweepPush(ctx, 7*24*time.Hour, 30*24*time.Hour))
	for id, want := range map[string]bool{"ancient-failed": false, "ancient-gone": false, "old-delivered": false, "old-failed": true,
		"new-delivered": true, "pending": true} {
		_, err := st.Delivery(ctx, id)
		if (err == nil) != want {
			t.Errorf("%s kept %v, want %v (%v)", id, err == nil, want, err)
		}
	}
	if ok, _ := st.EscalatedTo(ctx, area, "duty", "yp"); ok {
		t.Error("escalated access outlived its week")
	}
	// Leases need no claim documents: those of earlier versions go.
	n, err := st.DB.Collection("push_claims").CountDocuments(ctx, map[string]any{})
	pushMust(t, err)
	if n != 0 {
		t.Errorf("%d claims left", n)
	}
}

// leaseStore is a fresh store whose clock the test moves.
func leaseStore(t *testing.T) (context.Context, *testkit.Clock, *store.Store) {
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	return context.Background(), clock, testkit.Store(t, clock)
}

// takeOne takes the one due delivery for owner.
func takeOne(t *testing.T, st *store.Store, owner string) store.PushDelivery {
	t.Helper()
	got, err := st.TakeDeliveries(context.Background(), owner, lease, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("take: %v %d", err, len(got))
	}
	return got[0]
}

// queued adds one delivery due now and returns it.
func queued(t *testing.T, st *store.Store, clock *testkit.Clock, id string) store.PushDelivery {
	t.Helper()
	now := clock.Now()
	d := store.PushDelivery{ID: id, AreaID: "area", NotificationID: id, Type: "card", Priority: 1,
		NextAttemptAt: now, EnqueuedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	pushMust(t, errOf(st.AddDeliveries(context.Background(), []store.PushDelivery{d})))
	return d
}

const lease = 30 * time.Second

// An instance takes a delivery and records it delivered (the take, the
// outcome, the copy to the log, the removal from the queue), and dies after
// each of those writes in turn. Whatever it managed, once its lease
// has run out another instance finishes the delivery: sent again only if no
// outcome was recorded, and logged exactly once.
func TestRecordingADeliverySurvivesACrashAfterEachWrite(t *testing.T) {
	testkit.AfterEachWrite(t, func(t *testing.T, k int) bool {
		ctx, clock, st := leaseStore(t)
		d := queued(t, st, clock, "n/s")
		dying := testkit.NewInstance(t, st)
		dying.DieAfterWrites(k)
		got, err := dying.Store.TakeDeliveries(ctx, "dying", lease, 1)
		if err == nil && len(got) == 1 {
			_, _ = dying.Store.RecordAttempt(ctx, got[0], "dying", store.DeliveryOutcome{Status: store.DeliveryDelivered, LastStatus: 201})
		}
		writes := dying.Writes()
		select {
		case <-dying.Dead():
		default:
			t.Logf("the whole sequence ran in %d writes: %v", len(writes), writes)
			return false
		}
		recorded := len(writes) >= 2 // the take, then the outcome

		clock.Advance(lease - time.Second)
		if got, _ := st.TakeDeliveries(ctx, "live", lease, 1); len(got) != 0 && !recorded {
			t.Fatalf("taken while the dead instance's lease held (after %v)", writes)
		}
		clock.Advance(time.Second)
		got, err = st.TakeDeliveries(ctx, "live", lease, 1)
		pushMust(t, err)
		if recorded != (len(got) == 0) {
			t.Fatalf("after %v: %d to send again", writes, len(got))
		}
		if len(got) == 1 {
			if got[0].Attempts != 2 {
				t.Fatalf("attempts %d", got[0].Attempts)
			}
			ok, err := st.RecordAttempt(ctx, got[0], "live", store.DeliveryOutcome{Status: store.DeliveryDelivered, LastStatus: 201})
			if err != nil || !ok {
				t.Fatalf("record: %v %v", ok, err)
			}
		}
		ds, err := st.DeliveriesOf(ctx, d.NotificationID)
		pushMust(t, err)
		if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered || ds[0].DeliveredAt == nil || ds[0].LeaseOwner != "" {
			t.Fatalf("after %v: %+v", writes, ds)
		}
		if n, _ := st.DB.Collection("push_queue").CountDocuments(ctx, map[string]any{}); n != 0 {
			t.Fatalf("after %v: %d left in the queue", writes, n)
		}
		return true
	})
}

// A holder renews its lease while it works, so a long send is not taken over;
// once it stops renewing, the lease runs out and its writes are refused.
func TestARenewedLeaseHoldsAndALostOneRefusesWrites(t *testing.T) {
	ctx, clock, st := leaseStore(t)
	queued(t, st, clock, "n/s")
	held := takeOne(t, st, "a")
	for range 4 {
		clock.Advance(lease * 2 / 3)
		if ok, err := st.RenewDelivery(ctx, held, lease); err != nil || !ok {
			t.Fatalf("renew: %v %v", ok, err)
		}
		if got, _ := st.TakeDeliveries(ctx, "b", lease, 1); len(got) != 0 {
			t.Fatal("a renewed lease was taken over")
		}
	}
	clock.Advance(lease)
	takeOne(t, st, "b")
	if ok, _ := st.RenewDelivery(ctx, held, lease); ok {
		t.Fatal("a lost lease was renewed")
	}
	if ok, _ := st.RecordAttempt(ctx, held, "a", store.DeliveryOutcome{Status: store.DeliveryFailed}); ok {
		t.Fatal("a lost lease recorded an outcome")
	}
	if d, _ := st.Delivery(ctx, held.ID); d.Status != store.DeliverySending || d.LeaseOwner != "b" || d.Attempts != 2 {
		t.Fatalf("delivery: %+v", d)
	}
}

// An instance starting under the name of one that stopped takes its jobs back
// at once; a lease under another name stays. The old process writes nothing
// more: it has stopped (names are unique among running instances), or, frozen
// past its lease and woken, finds its copy of the lease ended.
func TestAnInstanceTakesBackItsOwnLeasesAsItStarts(t *testing.T) {
	ctx, clock, st := leaseStore(t)
	queued(t, st, clock, "mine/s")
	before := takeOne(t, st, "heard-1")
	queued(t, st, clock, "theirs/s")
	takeOne(t, st, "heard-2")
	a := store.AlertTimer{Alert: heard.Alert{ID: heard.NewID(), AreaID: "area", YoungPersonID: "yp", Urgency: heard.UrgencyUrgent,
		CreatedAt: clock.Now()}, NextStep: "notify", DueAt: clock.Now()}
	_, _, err := st.RaiseAlert(ctx, a, "", 0)
	pushMust(t, err)
	if got, _ := st.TakeAlerts(ctx, "heard-1", a.ID, lease, 1); len(got) != 1 {
		t.Fatal("alert not taken")
	}

	n, err := st.ReleaseLeasesOf(ctx, "heard-1")
	if err != nil || n != 2 {
		t.Fatalf("released %d: %v", n, err)
	}
	got, err := st.TakeDeliveries(ctx, "heard-1", lease, 5)
	if err != nil || len(got) != 1 || got[0].ID != "mine/s" {
		t.Fatalf("taken back: %v %+v", err, got)
	}
	if got, _ := st.TakeAlerts(ctx, "heard-1", a.ID, lease, 1); len(got) != 1 {
		t.Fatal("alert not taken back")
	}
	clock.Advance(lease)
	if ok, _ := st.RecordAttempt(ctx, before, "heard-1", store.DeliveryOutcome{Status: store.DeliveryDelivered}); ok {
		t.Fatal("the previous process's lease still wrote")
	}
}

// Expanding a notification again can queue a delivery a moment after another
// instance logged it: taking it drops it instead of sending it again.
func TestADeliveryQueuedAgainAfterItWasLoggedIsNotSent(t *testing.T) {
	ctx, clock, st := leaseStore(t)
	d := queued(t, st, clock, "n/s")
	if ok, err := st.RecordAttempt(ctx, takeOne(t, st, "a"), "a", store.DeliveryOutcome{Status: store.DeliveryDelivered}); !ok || err != nil {
		t.Fatalf("record: %v %v", ok, err)
	}
	pushMust(t, errOf(st.AddDeliveries(ctx, []store.PushDelivery{d}))) // what is logged is not queued again
	// … unless the expansion read the log just before the delivery was logged.
	d.LeaseUntil, d.Status = time.Unix(0, 0), store.DeliveryPending
	_, err := st.DB.Collection("push_queue").InsertOne(ctx, d)
	pushMust(t, err)
	if got, err := st.TakeDeliveries(ctx, "b", lease, 1); err != nil || len(got) != 0 {
		t.Fatalf("a logged delivery was taken to send again: %v %d", err, len(got))
	}
	if n, _ := st.DB.Collection("push_queue").CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Fatalf("%d left in the queue", n)
	}
}

// A delivery queued already taken (the instance that queues a notification
// sends it at once) is sent by its queuer alone, once: queuing it again adds
// nothing to send, and one already logged is not queued. Its final outcome
// goes straight to the log, and a holder whose lease ran out records nothing.
func TestADeliveryQueuedTakenIsSentOnceByItsQueuer(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	base := testkit.Store(t, clock)
	inst := testkit.NewInstance(t, base)
	st := inst.Store
	ctx, now := context.Background(), clock.Now()
	d := store.PushDelivery{ID: "n/s", AreaID: "area", NotificationID: "n", Type: "card", Priority: 1,
		NextAttemptAt: now, EnqueuedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	taken, err := st.AddTakenDeliveries(ctx, []store.PushDelivery{d}, "a", lease, false)
	if err != nil || len(taken) != 1 || taken[0].LeaseOwner != "a" || taken[0].Attempts != 1 || taken[0].Status != store.DeliverySending {
		t.Fatalf("queued taken: %+v %v", taken, err)
	}
	if again, err := st.AddTakenDeliveries(ctx, []store.PushDelivery{d}, "b", lease, false); err != nil || len(again) != 0 {
		t.Fatalf("queued again by another instance: %d to send (%v), want none", len(again), err)
	}
	if got, _ := st.TakeDeliveries(ctx, "c", lease, 10); len(got) != 0 {
		t.Fatal("a delivery its queuer holds was taken by the dispatcher")
	}
	before, commandsBefore := len(inst.Writes()), len(inst.Commands())
	if ok, err := st.RecordAttempt(ctx, taken[0], "a", store.DeliveryOutcome{Status: store.DeliveryDelivered, LastStatus: 201}); !ok || err != nil {
		t.Fatalf("record: %v %v", ok, err)
	}
	if w := inst.Writes()[before:]; !slices.Equal(w, []string{"insert push_log", "delete push_queue"}) {
		t.Fatalf("recording the outcome wrote %v: want it logged, then taken out of the queue", w)
	}
	// Its lease had most of its time to run, so nobody could have taken it over: not read first.
	if c := inst.Commands()[commandsBefore:]; slices.Contains(c, "find push_queue") {
		t.Fatalf("recording the outcome of a fresh lease read the queue: %v", c)
	}
	if got, err := st.Delivery(ctx, d.ID); err != nil || got.Status != store.DeliveryDelivered || got.DeliveredAt == nil {
		t.Fatalf("logged: %+v %v", got, err)
	}
	if again, err := st.AddTakenDeliveries(ctx, []store.PushDelivery{d}, "b", lease, false); err != nil || len(again) != 0 {
		t.Fatalf("a logged delivery was queued to send again: %d (%v)", len(again), err)
	}
	if n, _ := st.DB.Collection("push_queue").CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Fatalf("%d left in the queue", n)
	}

	// A holder near the end of its lease is checked before its outcome is recorded.
	late := store.PushDelivery{ID: "l/s", AreaID: "area", NotificationID: "l", Type: "card", Priority: 1,
		NextAttemptAt: now, EnqueuedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	lateTaken, err := st.AddTakenDeliveries(ctx, []store.PushDelivery{late}, "a", lease, false)
	if err != nil || len(lateTaken) != 1 {
		t.Fatalf("queued taken: %d %v", len(lateTaken), err)
	}
	clock.Advance(lease - 5*time.Second)
	commandsBefore = len(inst.Commands())
	if ok, err := st.RecordAttempt(ctx, lateTaken[0], "a", store.DeliveryOutcome{Status: store.DeliveryDelivered}); !ok || err != nil {
		t.Fatalf("the late holder's outcome: %v %v", ok, err)
	}
	if c := inst.Commands()[commandsBefore:]; !slices.Contains(c, "find push_queue") {
		t.Fatalf("the outcome of a lease about to end was recorded unchecked: %v", c)
	}
	now = clock.Now()

	// A holder whose lease ran out, and was taken over, records nothing.
	e := store.PushDelivery{ID: "m/s", AreaID: "area", NotificationID: "m", Type: "card", Priority: 1,
		NextAttemptAt: now, EnqueuedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	first, err := st.AddTakenDeliveries(ctx, []store.PushDelivery{e}, "a", lease, false)
	if err != nil || len(first) != 1 {
		t.Fatalf("queued taken: %d %v", len(first), err)
	}
	clock.Advance(lease + time.Second)
	second := takeOne(t, st, "b")
	if ok, err := st.RecordAttempt(ctx, first[0], "a", store.DeliveryOutcome{Status: store.DeliveryFailed}); ok || err != nil {
		t.Fatalf("the late holder's outcome: %v %v, want refused", ok, err)
	}
	if ok, err := st.RecordAttempt(ctx, second, "b", store.DeliveryOutcome{Status: store.DeliveryDelivered}); !ok || err != nil {
		t.Fatalf("the holder's outcome: %v %v", ok, err)
	}
	if got, _ := st.Delivery(ctx, e.ID); got.Status != store.DeliveryDelivered || got.Attempts != 2 {
		t.Fatalf("after the takeover: %+v", got)
	}
}
