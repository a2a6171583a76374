package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"heard"
	"heard/store"
	"heard/testkit"
)

func TestAlertsAcknowledgementAndEscalatedAccess(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	area := heard.NewID()
	yp, kw, duty, manager := heard.NewID(), heard.NewID(), heard.NewID(), heard.NewID()
	a := store.AlertTimer{Alert: heard.Alert{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, KeyWorkerID: kw, Urgency: heard.UrgencyUrgent,
		Type: "card_urgent", CreatedAt: clock.Now()}, Policy: heard.DefaultEscalation(), NextStep: "notify", DueAt: clock.Now()}
	_, created, err := st.RaiseAlert(ctx, a, "", 0)
	if err != nil || !created {
		t.Fatalf("raise: %v %v", created, err)
	}
	if _, created, _ := st.RaiseAlert(ctx, a, "", 0); created {
		t.Fatal("the same alert was raised twice")
	}
	taken, err := st.TakeAlerts(ctx, "me", a.ID, time.Minute, 1)
	if err != nil || len(taken) != 1 {
		t.Fatalf("take: %v %d", err, len(taken))
	}
	step := store.AlertStep{Step: "notify", At: clock.Now(), Told: []string{kw, duty}}
	pushMust(t, st.AdvanceAlert(ctx, taken[0], "me", &step, []string{duty}, "duty", clock.Now().Add(15*time.Minute)))
	// Taking the step again (a crash before the timer moved on) records it once.
	if _, created, _ := st.RaiseAlert(ctx, a, "", 0); created {
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

// An alert's timer is held by one instance at a time; a holder whose lease ran
// out cannot move it on, and one that lets go lets anyone take the step at once.
func TestAlertTimerLeases(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	a := store.AlertTimer{Alert: heard.Alert{ID: heard.NewID(), AreaID: "area", YoungPersonID: "yp", Urgency: heard.UrgencyUrgent,
		Type: "card_urgent", CreatedAt: clock.Now()}, Policy: heard.DefaultEscalation(), NextStep: "notify", DueAt: clock.Now()}
	_, _, err := st.RaiseAlert(ctx, a, "", 0)
	pushMust(t, err)
	other := testkit.NewInstance(t, st).Store
	take := func(st *store.Store, owner string) (store.AlertTimer, bool) {
		t.Helper()
		got, err := st.TakeAlerts(ctx, owner, "", 30*time.Second, 10)
		pushMust(t, err)
		if len(got) > 1 {
			t.Fatalf("took %d", len(got))
		}
		if len(got) == 0 {
			return store.AlertTimer{}, false
		}
		return got[0], true
	}
	first, ok := take(st, "a")
	if !ok || first.LeaseOwner != "a" || first.LeaseID == "" {
		t.Fatalf("take: %v %+v", ok, first.JobLease)
	}
	if _, ok := take(other, "b"); ok {
		t.Fatal("a held timer was taken")
	}
	// Letting go (a request ended before its step was taken): anyone takes it now.
	pushMust(t, st.ReleaseAlert(ctx, first))
	second, ok := take(other, "b")
	if !ok {
		t.Fatal("not taken after it was let go")
	}
	clock.Advance(20 * time.Second)
	if ok, err := other.RenewAlert(ctx, second, 30*time.Second); !ok || err != nil {
		t.Fatalf("renew: %v %v", ok, err)
	}
	clock.Advance(20 * time.Second)
	if _, ok := take(st, "a"); ok {
		t.Fatal("a renewed lease was taken over")
	}
	// The first holder's copy of its lease cannot move the alert on.
	err = st.AdvanceAlert(ctx, first, "a", &store.AlertStep{Step: "notify", At: clock.Now()}, nil, "duty", clock.Now().Add(time.Minute))
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("a lost lease advanced the alert: %v", err)
	}
	pushMust(t, other.AdvanceAlert(ctx, second, "b", &store.AlertStep{Step: "notify", At: clock.Now()}, nil, "duty", clock.Now().Add(time.Minute)))
	if rec, err := st.Alert(ctx, "area", a.ID); err != nil || rec.NextStep != "duty" || len(rec.Steps()) != 1 {
		t.Fatalf("record: %v %+v", err, rec)
	}
}

// An alert raised under an instance's lease is that instance's to step first;
// should it die, another instance takes the step once the lease has ended.
func TestAlertRaisedHeldIsTakenOverAfterItsLease(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	a := store.AlertTimer{Alert: heard.Alert{ID: heard.NewID(), AreaID: "area", YoungPersonID: "yp", Urgency: heard.UrgencyUrgent,
		Type: heard.AlertCardUrgent, CreatedAt: clock.Now()}, Policy: heard.DefaultEscalation(), NextStep: "notify", DueAt: clock.Now()}
	held, created, err := st.RaiseAlert(ctx, a, "heard-1", 30*time.Second)
	pushMust(t, err)
	if !created || held.LeaseOwner != "heard-1" || held.LeaseID == "" {
		t.Fatalf("raised %v with lease %+v", created, held.JobLease)
	}
	if got, _ := st.TakeAlerts(ctx, "heard-2", "", 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("another instance took a held alert: %d", len(got))
	}
	clock.Advance(31 * time.Second)
	got, err := st.TakeAlerts(ctx, "heard-2", "", 30*time.Second, 10)
	pushMust(t, err)
	if len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("after the lease another instance took %d alerts", len(got))
	}
}

// An alert's first step writes its whole record in one insert (which goes
// with other inserts waiting for a write turn); each later step updates it.
// Either way the record holds every step, everyone told and everyone it
// was escalated to, once.
func TestAlertRecordIsInsertedAtItsFirstStepAndUpdatedAfter(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	base := testkit.Store(t, clock)
	inst := testkit.NewInstance(t, base)
	st := inst.Store
	area, yp, kw, duty := heard.NewID(), heard.NewID(), heard.NewID(), heard.NewID()
	a := store.AlertTimer{Alert: heard.Alert{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, KeyWorkerID: kw, Urgency: heard.UrgencyUrgent,
		Type: "card_urgent", Link: "/#/inbox/x", CreatedAt: clock.Now()}, Policy: heard.DefaultEscalation(), NextStep: "notify", DueAt: clock.Now()}
	raised, created, err := st.RaiseAlert(ctx, a, "me", time.Minute)
	if err != nil || !created {
		t.Fatalf("raise: %v %v", created, err)
	}
	before := len(inst.Writes())
	first := store.AlertStep{Step: "notify", At: clock.Now(), Told: []string{kw, duty, kw}}
	pushMust(t, st.AdvanceAlert(ctx, raised, "me", &first, []string{duty}, "duty", clock.Now().Add(15*time.Minute)))
	if w := inst.Writes()[before:]; !slices.Contains(w, "insert alerts") || slices.Contains(w, "update alerts") {
		t.Fatalf("the first step's writes %v: want the record inserted", w)
	}
	clock.Advance(15 * time.Minute)
	taken, err := st.TakeAlerts(ctx, "me", "", time.Minute, 10)
	if err != nil || len(taken) != 1 || !taken[0].Recorded {
		t.Fatalf("take the duty step: %+v %v", taken, err)
	}
	before = len(inst.Writes())
	second := store.AlertStep{Step: "duty", At: clock.Now(), Told: []string{duty}}
	pushMust(t, st.AdvanceAlert(ctx, taken[0], "me", &second, []string{duty}, "", time.Time{}))
	if w := inst.Writes()[before:]; !slices.Contains(w, "update alerts") || slices.Contains(w, "insert alerts") {
		t.Fatalf("the second step's writes %v: want the record updated", w)
	}
	rec, err := st.Alert(ctx, area, a.ID)
	pushMust(t, err)
	if rec.YoungPersonID != yp || rec.KeyWorkerID != kw || rec.Link != a.Link || rec.Status != store.AlertDone || rec.Policy != a.Policy ||
		len(rec.Steps()) != 2 || !slices.Equal(rec.Told, []string{kw, duty}) || !slices.Equal(rec.EscalatedTo, []string{duty}) {
		t.Fatalf("record: %+v", rec)
	}
	if ok, _ := st.EscalatedTo(ctx, area, duty, yp); !ok {
		t.Fatal("the duty worker it was escalated to cannot read the young person's record")
	}
}
