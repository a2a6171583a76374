package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"heard"
	"heard/store"
	"heard/testkit"
)

func pushMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func pushSub(area, owner, endpoint string) store.PushSubscription {
	return store.PushSubscription{AreaID: area, Endpoint: endpoint, P256dh: "key", Auth: "auth", OwnerID: owner, OwnerRole: heard.RoleKeyWorker}
}

func TestPushSubscriptionsMoveBetweenPeopleAndAreCapped(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	areaA, areaB := heard.NewID(), heard.NewID()
	kim, ola := heard.NewID(), heard.NewID()

	first, err := st.SavePushSubscription(ctx, pushSub(areaA, kim, "https://push.example/1"))
	pushMust(t, err)
	again, err := st.SavePushSubscription(ctx, pushSub(areaA, kim, "https://push.example/1"))
	pushMust(t, err)
	if again.ID != first.ID {
		t.Fatalf("registering the same endpoint again made a new subscription")
	}
	// Someone in another area signs in on the same browser and registers it: it is theirs now.
	moved, err := st.SavePushSubscription(ctx, pushSub(areaB, ola, "https://push.example/1"))
	pushMust(t, err)
	if moved.OwnerID != ola || moved.AreaID != areaB {
		t.Fatalf("endpoint did not move: %+v", moved)
	}
	if subs, _ := st.PushSubscriptionsOf(ctx, areaA, kim); len(subs) != 0 {
		t.Fatalf("the previous owner still has the browser: %+v", subs)
	}

	// Kim cannot delete Ola's browser.
	if ok, err := st.DeletePushSubscription(ctx, areaA, kim, "https://push.example/1"); err != nil || ok {
		t.Fatalf("deleted someone else's subscription: %v %v", ok, err)
	}
	// At most MaxSubscriptionsPerPerson per person: the oldest goes.
	for i := range store.MaxSubscriptionsPerPerson + 2 {
		clock.Advance(time.Second)
		_, err := st.SavePushSubscription(ctx, pushSub(areaA, kim, fmt.Sprintf("https://push.example/kim/%d", i)))
		pushMust(t, err)
	}
	subs, err := st.PushSubscriptionsOf(ctx, areaA, kim)
	pushMust(t, err)
	if len(subs) != store.MaxSubscriptionsPerPerson || subs[0].Endpoint != "https://push.example/kim/2" {
		t.Fatalf("want the newest %d, got %d starting %s", store.MaxSubscriptionsPerPerson, len(subs), subs[0].Endpoint)
	}
	if ok, err := st.DeletePushSubscription(ctx, areaA, kim, "https://push.example/kim/5"); err != nil || !ok {
		t.Fatalf("delete own: %v %v", ok, err)
	}
}

func TestRevokingAPhoneRemovesItsSubscriptions(t *testing.T) {
	ctx := context.Background()
	st := testkit.Store(t, nil)
	area, yp := heard.NewID(), heard.NewID()
	d := heard.Device{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, Name: "Phone"}
	pushMust(t, st.CreateDevice(ctx, d))
	sub := pushSub(area, yp, "https://push.example/phone")
	sub.OwnerRole, sub.DeviceID = heard.RoleYoungPerson, d.ID
	_, err := st.SavePushSubscription(ctx, sub)
	pushMust(t, err)
	other := pushSub(area, yp, "https://push.example/tablet")
	other.OwnerRole, other.DeviceID = heard.RoleYoungPerson, heard.NewID()
	_, err = st.SavePushSubscription(ctx, other)
	pushMust(t, err)

	pushMust(t, st.RevokeDevice(ctx, area, yp, d.ID, "kw"))
	subs, err := st.PushSubscriptionsOf(ctx, area, yp)
	pushMust(t, err)
	if len(subs) != 1 || subs[0].Endpoint != "https://push.example/tablet" {
		t.Fatalf("want only the other phone's subscription left, got %+v", subs)
	}
}

// Many instances taking the same deliveries at once: each delivery is taken by
// exactly one of them, on the embedded database as on MongoDB.
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
	pushMust(t, st.AddDeliveries(ctx, ds))
	pushMust(t, st.AddDeliveries(ctx, ds)) // expanding twice adds nothing

	var mu sync.Mutex
	taken := map[string]string{}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("instance-%d", w)
			for {
				got, err := st.TakeDeliveries(ctx, owner, time.Minute, 8)
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
						t.Errorf("%s taken by %s and %s", d.ID, prev, owner)
					}
					taken[d.ID] = owner
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
	if ok, _ := st.RecordAttempt(ctx, store.PushDelivery{ID: got[0].ID, JobLease: store.JobLease{Claim: 1}}, taken[got[0].ID],
		store.DeliveryOutcome{Status: store.DeliveryDelivered}); ok {
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

func TestAlertsAcknowledgementAndEscalatedAccess(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	area := heard.NewID()
	yp, kw, duty, manager := heard.NewID(), heard.NewID(), heard.NewID(), heard.NewID()
	a := store.AlertTimer{Alert: heard.Alert{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, KeyWorkerID: kw, Urgency: heard.UrgencyUrgent,
		Type: "card_urgent", CreatedAt: clock.Now()}, Policy: heard.DefaultEscalation(), NextStep: "notify", DueAt: clock.Now()}
	created, err := st.RaiseAlert(ctx, a)
	if err != nil || !created {
		t.Fatalf("raise: %v %v", created, err)
	}
	if created, _ := st.RaiseAlert(ctx, a); created {
		t.Fatal("the same alert was raised twice")
	}
	taken, err := st.TakeAlerts(ctx, "me", a.ID, time.Minute, 1)
	if err != nil || len(taken) != 1 {
		t.Fatalf("take: %v %d", err, len(taken))
	}
	step := store.AlertStep{Step: "notify", At: clock.Now(), Told: []string{kw, duty}}
	pushMust(t, st.AdvanceAlert(ctx, taken[0], "me", &step, []string{duty}, "duty", clock.Now().Add(15*time.Minute)))
	// Taking the step again (a crash before the timer moved on) records it once.
	if created, _ := st.RaiseAlert(ctx, a); created {
		t.Fatal("an alert with a record was raised again")
	}

	for _, c := range []struct {
		p    heard.Principal
		want bool
	}{
		{heard.Principal{ID: duty, AreaID: area, Role: heard.RoleDutyWorker}, true},
		{heard.Principal{ID: heard.NewID(), AreaID: area, Role: heard.RoleDutyWorker}, false},
		{heard.Principal{ID: manager, AreaID: area, Role: heard.RoleTeamManager}, false},
		{heard.Principal{ID: duty, AreaID: heard.NewID(), Role: heard.RoleDutyWorker}, false},
	} {
		rel, err := st.Relation(ctx, c.p, yp)
		pushMust(t, err)
		if rel.Escalated != c.want {
			t.Errorf("%s %s: escalated %v, want %v", c.p.Role, c.p.ID, rel.Escalated, c.want)
		}
	}

	if _, err := st.AcknowledgeAlert(ctx, heard.NewID(), a.ID, kw); err != heard.ErrNotFound {
		t.Fatalf("acknowledged from another area: %v", err)
	}
	clock.Advance(time.Minute)
	first, err := st.AcknowledgeAlert(ctx, area, a.ID, kw)
	if err != nil || !first {
		t.Fatalf("ack: %v %v", first, err)
	}
	if first, _ := st.AcknowledgeAlert(ctx, area, a.ID, duty); first {
		t.Fatal("a second acknowledgement replaced the first")
	}
	got, err := st.Alert(ctx, area, a.ID)
	pushMust(t, err)
	if got.AcknowledgedBy != kw || got.AcknowledgedAt == nil || len(got.Steps()) != 1 || got.NextStep != "duty" ||
		got.Type != "card_urgent" || len(got.Told) != 2 || len(got.EscalatedTo) != 1 {
		t.Fatalf("alert record: %+v", got)
	}

	// Access from an escalation lasts EscalatedAccessFor.
	clock.Advance(store.EscalatedAccessFor)
	if ok, _ := st.EscalatedTo(ctx, area, duty, yp); ok {
		t.Fatal("escalated access did not end")
	}
}

func TestSweepPushKeepsWhatIsStillNeeded(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	area, now := heard.NewID(), clock.Now()
	finish := func(id, status string) {
		pushMust(t, st.AddDeliveries(ctx, []store.PushDelivery{{ID: id, AreaID: area, NotificationID: id, Type: "card",
			NextAttemptAt: clock.Now(), EnqueuedAt: clock.Now(), ExpiresAt: clock.Now().Add(24 * time.Hour)}}))
		got, err := st.TakeDeliveries(ctx, "me", time.Minute, 10)
		pushMust(t, err)
		if len(got) != 1 {
			t.Fatalf("took %d", len(got))
		}
		if ok, err := st.RecordAttempt(ctx, got[0], "me", store.DeliveryOutcome{Status: status, LastError: "x"}); !ok || err != nil {
			t.Fatalf("record: %v %v", ok, err)
		}
	}
	finish("old-delivered", store.DeliveryDelivered)
	finish("old-failed", store.DeliveryFailed)
	_, err := st.CreateAlert(ctx, store.AlertRecord{Alert: heard.Alert{ID: heard.NewID(), AreaID: area, YoungPersonID: "yp", CreatedAt: now},
		EscalatedTo: []string{"duty"}})
	pushMust(t, err)
	clock.Advance(8 * 24 * time.Hour)
	finish("new-delivered", store.DeliveryDelivered)
	pending := store.PushDelivery{ID: "pending", AreaID: area, NextAttemptAt: clock.Now().Add(time.Hour), EnqueuedAt: clock.Now(), ExpiresAt: clock.Now().Add(24 * time.Hour)}
	pushMust(t, st.AddDeliveries(ctx, []store.PushDelivery{pending}))

	pushMust(t, st.SweepPush(ctx, 7*24*time.Hour, 30*24*time.Hour))
	for id, want := range map[string]bool{"old-delivered": false, "old-failed": true, "new-delivered": true, "pending": true} {
		_, err := st.Delivery(ctx, id)
		if (err == nil) != want {
			t.Errorf("%s kept %v, want %v (%v)", id, err == nil, want, err)
		}
	}
	if ok, _ := st.EscalatedTo(ctx, area, "duty", "yp"); ok {
		t.Error("escalated access outlived its week")
	}
	// Claims of finished jobs go after a day; the job's own record stays.
	n, err := st.DB.Collection("push_claims").CountDocuments(ctx, map[string]any{})
	pushMust(t, err)
	if n != 1 { // the new delivery's claim, less than a day old
		t.Errorf("%d claims left", n)
	}
}
