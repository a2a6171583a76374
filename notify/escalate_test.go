package notify

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"heard"
	"heard/i18n"
	"heard/notify/pushtest"
	"heard/store"
)

// alertFor is an alert about the env's young person.
func (e *env) alertFor(urgency heard.Urgency, typ string) heard.Alert {
	card := heard.NewID()
	return heard.Alert{ID: card, AreaID: e.area.ID, YoungPersonID: e.yp.ID, KeyWorkerID: e.kw.ID, TeamID: e.team.ID,
		Urgency: urgency, Type: typ, Link: "/#/cards/" + card}
}

// phones subscribes one browser for each member of staff in the env.
type phones struct{ kw, duty, lateDuty, manager, otherManager *pushtest.Browser }

func (e *env) phones() phones {
	return phones{
		kw: e.subscribe(e.kw.ID, heard.RoleKeyWorker), duty: e.subscribe(e.duty.ID, heard.RoleDutyWorker),
		lateDuty: e.subscribe(e.lateDuty.ID, heard.RoleDutyWorker), manager: e.subscribe(e.manager.ID, heard.RoleTeamManager),
		otherManager: e.subscribe(e.otherManager.ID, heard.RoleTeamManager),
	}
}

// types lists the notification types a browser has been sent, in order.
func (e *env) types(b *pushtest.Browser) string {
	var out []string
	for _, m := range e.push.Accepted(b) {
		out = append(out, payloadOf(m).Type)
	}
	return strings.Join(out, ",")
}

// due runs the escalator, then the dispatcher, and returns the number of steps taken.
func (e *env) due(s *Service) int {
	e.t.Helper()
	n, err := s.RunDue(e.ctx)
	e.must(err)
	e.run(s)
	return n
}

func (e *env) alertRecord(id string) store.AlertRecord {
	e.t.Helper()
	a, err := e.store.Alert(e.ctx, e.area.ID, id)
	e.must(err)
	return a
}

func TestUrgentAlertGoesToDutyThenToTheTeamManager(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
	e.must(e.svc.Raise(e.ctx, a))
	e.run(e.svc)
	// At once: the key worker, and the duty worker on duty now.
	if e.types(p.kw) != "card_urgent" || e.types(p.duty) != typeDutyAlert || e.types(p.lateDuty) != "" || e.types(p.manager) != "" {
		t.Fatalf("at once: kw %q duty %q late %q manager %q", e.types(p.kw), e.types(p.duty), e.types(p.lateDuty), e.types(p.manager))
	}
	for _, m := range e.push.Accepted(nil) {
		if m.Urgency != "high" || bytes.Contains(m.Plaintext, []byte(e.yp.FirstName)) {
			t.Fatalf("urgent message: %s %s", m.Urgency, m.Plaintext)
		}
	}

	e.clock.Advance(15*time.Minute - time.Second)
	if e.due(e.svc) != 0 {
		t.Fatal("escalated before 15 minutes")
	}
	e.clock.Advance(time.Second)
	if e.due(e.svc) != 1 {
		t.Fatal("not escalated at 15 minutes")
	}
	// The duty worker who came on duty since is told; the one already told is not told again.
	if e.types(p.lateDuty) != typeEscalation || e.types(p.duty) != typeDutyAlert || e.types(p.manager) != "" {
		t.Fatalf("at 15 minutes: late %q duty %q manager %q", e.types(p.lateDuty), e.types(p.duty), e.types(p.manager))
	}
	if got := payloadOf(e.push.Accepted(p.lateDuty)[0]).Body; got != i18n.T("en", "push.escalation.body") {
		t.Fatalf("escalation wording %q", got)
	}

	e.clock.Advance(15*time.Minute - time.Second)
	if e.due(e.svc) != 0 {
		t.Fatal("went to the manager early")
	}
	e.clock.Advance(time.Second)
	e.due(e.svc)
	// The young person's team manager, not another team's.
	if e.types(p.manager) != typeEscalation || e.types(p.otherManager) != "" {
		t.Fatalf("at 30 minutes: manager %q other %q", e.types(p.manager), e.types(p.otherManager))
	}
	e.clock.Advance(24 * time.Hour)
	if e.due(e.svc) != 0 {
		t.Fatal("escalated beyond the manager")
	}

	rec := e.alertRecord(a.ID)
	want := []struct {
		step string
		at   time.Duration
		told []string
	}{
		{stepNotify, 0, []string{e.kw.ID, e.duty.ID}},
		{stepDuty, 15 * time.Minute, []string{e.lateDuty.ID}},
		{stepManager, 30 * time.Minute, []string{e.manager.ID}},
	}
	if len(rec.Steps()) != len(want) || rec.Status != store.AlertDone || rec.AcknowledgedAt != nil {
		t.Fatalf("record: %+v", rec)
	}
	for i, w := range want {
		s := rec.Steps()[i]
		if s.Step != w.step || !s.At.Equal(start.Add(w.at)) || strings.Join(s.Told, ",") != strings.Join(w.told, ",") {
			t.Errorf("step %d: %+v, want %+v", i, s, w)
		}
	}
	// Those it was escalated to may now read the young person's record; the other team's manager may not.
	for _, st := range []heard.Staff{e.duty, e.lateDuty, e.manager, e.otherManager} {
		rel, err := e.store.Relation(e.ctx, heard.Principal{ID: st.ID, AreaID: e.area.ID, Role: st.Role, TeamID: st.TeamID}, e.yp.ID)
		e.must(err)
		if rel.Escalated != (st.ID != e.otherManager.ID) {
			t.Errorf("%s: escalated %v", st.Name, rel.Escalated)
		}
	}
	if e.svc.metrics.escalations[stepDuty] != 1 || e.svc.metrics.escalations[stepManager] != 1 {
		t.Fatalf("metrics: %v", e.svc.metrics.escalations)
	}
	// The commissioners' escalations figure counts each step once.
	if got := e.escalationCounts(); got["duty"] != 1 || got["manager"] != 1 || len(got) != 2 {
		t.Fatalf("escalation counters: %v", got)
	}
}

// escalationCounts sums the area's escalation counters by step.
func (e *env) escalationCounts() map[string]int64 {
	cs, err := e.store.KPIBuckets(e.ctx, e.area.ID, []string{"2026-10", "2026-11", "2026-12"})
	e.must(err)
	out := map[string]int64{}
	for _, c := range cs {
		if c.Metric != heard.KPIMetrics.Escalations {
			continue
		}
		if c.Service != string(e.yp.Service) {
			e.t.Fatalf("escalation counted under service %q, the young person's is %q", c.Service, e.yp.Service)
		}
		out[c.Dim] += c.N
	}
	return out
}

func TestAcknowledgingStopsEscalationAtOnce(t *testing.T) {
	for name, ackAfter := range map[string]time.Duration{"before duty": 10 * time.Minute, "before manager": 20 * time.Minute} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			p := e.phones()
			a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
			e.must(e.svc.Raise(e.ctx, a))
			e.run(e.svc)
			for elapsed := time.Duration(0); elapsed < ackAfter; elapsed += time.Minute {
				e.clock.Advance(time.Minute)
				e.due(e.svc)
			}
			e.must(e.svc.Acknowledge(e.ctx, e.area.ID, a.ID, e.kw.ID))
			ackAt := e.clock.Now()
			e.clock.Advance(time.Minute)
			e.must(e.svc.Acknowledge(e.ctx, e.area.ID, a.ID, e.duty.ID)) // a second acknowledgement changes nothing
			for range 6 {
				e.clock.Advance(10 * time.Minute)
				e.due(e.svc)
			}
			if e.types(p.manager) != "" {
				t.Fatal("the manager was told after the alert was acknowledged")
			}
			if ackAfter < 15*time.Minute && e.types(p.lateDuty) != "" {
				t.Fatal("duty was told after the alert was acknowledged")
			}
			rec := e.alertRecord(a.ID)
			if rec.AcknowledgedBy != e.kw.ID || !rec.AcknowledgedAt.Equal(ackAt) || rec.Status != store.AlertDone {
				t.Fatalf("record: by %s at %v status %s", rec.AcknowledgedBy, rec.AcknowledgedAt, rec.Status)
			}
		})
	}
}

func TestConcerningAlertGoesToDutyAfterFourHours(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	a := e.alertFor(heard.UrgencyConcerning, "card_concerning")
	e.must(e.svc.Raise(e.ctx, a))
	e.run(e.svc)
	if e.types(p.kw) != "card_concerning" || e.types(p.duty) != "" {
		t.Fatalf("at once: kw %q duty %q", e.types(p.kw), e.types(p.duty))
	}
	if m := e.push.Accepted(p.kw)[0]; m.Urgency != "normal" {
		t.Fatalf("concerning sent with Urgency %q", m.Urgency)
	}
	e.clock.Advance(4*time.Hour - time.Second)
	if e.due(e.svc) != 0 {
		t.Fatal("escalated early")
	}
	e.clock.Advance(time.Second)
	e.due(e.svc)
	if e.types(p.duty) != typeEscalationConcerning || e.types(p.lateDuty) != typeEscalationConcerning {
		t.Fatalf("at 4 hours: duty %q late %q", e.types(p.duty), e.types(p.lateDuty))
	}
	e.clock.Advance(24 * time.Hour)
	e.due(e.svc)
	if e.types(p.manager) != "" || e.alertRecord(a.ID).Status != store.AlertDone {
		t.Fatal("a concerning alert went on to the manager")
	}
	if got := e.escalationCounts(); got["concerning_duty"] != 1 || len(got) != 1 {
		t.Fatalf("escalation counters: %v", got)
	}
}

func TestOrdinaryAlertIsNotEscalatedAndRaiseIsIdempotent(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	a := e.alertFor(heard.UrgencyOrdinary, "card")
	e.must(e.svc.Raise(e.ctx, a))
	e.must(e.svc.Raise(e.ctx, a))
	e.run(e.svc)
	e.clock.Advance(48 * time.Hour)
	e.due(e.svc)
	if e.types(p.kw) != "card" || e.types(p.duty) != "" || e.types(p.manager) != "" {
		t.Fatalf("kw %q duty %q manager %q", e.types(p.kw), e.types(p.duty), e.types(p.manager))
	}
	rec := e.alertRecord(a.ID)
	if len(rec.Steps()) != 1 || rec.Status != store.AlertDone || len(rec.EscalatedTo) != 0 {
		t.Fatalf("record: %+v", rec)
	}
}

// Timers live in the database: a new instance (a restart) takes the steps due,
// including the first one when the raising instance died before taking it.
func TestTimersSurviveARestart(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
	e.must(e.svc.Raise(e.ctx, a))
	e.run(e.svc)

	// An alert stored by an instance that died before telling anyone.
	orphan := e.alertFor(heard.UrgencyUrgent, "card_urgent")
	orphan.CreatedAt = e.clock.Now()
	_, _, err := e.store.RaiseAlert(e.ctx, store.AlertTimer{Alert: orphan, Policy: heard.DefaultEscalation(), NextStep: stepNotify, DueAt: e.clock.Now()}, "", 0)
	e.must(err)

	e.svc = nil // the first instance stops
	e.clock.Advance(15 * time.Minute)
	restarted := e.service("restarted")
	if got := e.due(restarted); got != 3 {
		// the orphan's first step, its duty step (also due), and the first alert's duty step
		t.Fatalf("steps taken after the restart: %d", got)
	}
	if got := len(e.push.Accepted(p.kw)); got != 2 {
		t.Fatalf("key worker got %d messages", got)
	}
	// The late duty worker is on duty now: told of the orphan at once, and of the first alert's escalation.
	if got := e.types(p.lateDuty); got != typeEscalation+","+typeDutyAlert && got != typeDutyAlert+","+typeEscalation {
		t.Fatalf("late duty worker: %q", got)
	}
}

// An area's own limits are used.
func TestAreaPolicyIsUsed(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	e.must(e.store.UpdateAreaSettings(e.ctx, e.area.ID, e.area.Name, heard.EscalationPolicy{UrgentToDuty: 5 * time.Minute, DutyToManager: 2 * time.Minute}, nil, []string{"en"}))
	a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
	e.must(e.svc.Raise(e.ctx, a))
	e.clock.Advance(5 * time.Minute)
	e.due(e.svc)
	e.clock.Advance(2 * time.Minute)
	e.due(e.svc)
	if e.types(p.manager) != typeEscalation {
		t.Fatalf("manager after 7 minutes: %q", e.types(p.manager))
	}
	if rec := e.alertRecord(a.ID); rec.Policy.ConcerningAfter != 4*time.Hour {
		t.Fatalf("an unset limit was not defaulted: %+v", rec.Policy)
	}
}

// Two instances running the timers take each step once.
func TestTwoEscalatorsTakeEachStepOnce(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	var ids []string
	for range 10 {
		a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
		e.must(e.svc.Raise(e.ctx, a))
		ids = append(ids, a.ID)
	}
	other := e.service("other")
	e.clock.Advance(15 * time.Minute)
	done := make(chan int, 2)
	for _, s := range []*Service{e.svc, other} {
		go func() { n, _ := s.RunDue(e.ctx); done <- n }()
	}
	if total := <-done + <-done; total != 10 {
		t.Fatalf("took %d steps for 10 alerts", total)
	}
	for _, id := range ids {
		if rec := e.alertRecord(id); len(rec.Steps()) != 2 || rec.NextStep != stepManager {
			t.Fatalf("alert %s: %d steps, next %s", id, len(rec.Steps()), rec.NextStep)
		}
	}
	e.run(e.svc)
	if got := len(e.push.Accepted(p.lateDuty)); got != 10 {
		t.Fatalf("late duty worker got %d messages for 10 alerts", got)
	}
}

func TestRaiseRefusesBadAlerts(t *testing.T) {
	e := newEnv(t)
	good := e.alertFor(heard.UrgencyUrgent, "card_urgent")
	for name, change := range map[string]func(*heard.Alert){
		"no id":         func(a *heard.Alert) { a.ID = "" },
		"unknown area":  func(a *heard.Alert) { a.AreaID = heard.NewID() },
		"no young":      func(a *heard.Alert) { a.YoungPersonID = "" },
		"bad urgency":   func(a *heard.Alert) { a.Urgency = "meh" },
		"outside link":  func(a *heard.Alert) { a.Link = "https://elsewhere.example" },
		"bad type name": func(a *heard.Alert) { a.Type = "Card!" },
	} {
		a := good
		change(&a)
		if err := e.svc.Raise(e.ctx, a); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := e.svc.Acknowledge(e.ctx, e.area.ID, heard.NewID(), e.kw.ID); err != heard.ErrNotFound {
		t.Fatalf("acknowledging an unknown alert: %v", err)
	}
}

// An ordinary alert's first step is its last: it is taken and recorded with
// no timer written. Should telling the key worker fail, a timer due now
// leaves the step to the timer loop, which tells them once.
func TestOrdinaryAlertIsRaisedWithoutATimer(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	svc, inst := e.mortal("raiser")
	a := e.alertFor(heard.UrgencyOrdinary, "card")
	e.must(svc.Raise(e.ctx, a))
	for _, w := range inst.Writes() {
		if strings.HasSuffix(w, " alert_timers") {
			t.Fatalf("an ordinary alert wrote its timer: %v", inst.Writes())
		}
	}
	e.run(svc)
	if rec := e.alertRecord(a.ID); rec.Status != store.AlertDone || len(rec.Steps()) != 1 || !slices.Equal(rec.Told, []string{e.kw.ID}) {
		t.Fatalf("record: %+v", rec)
	}
	if e.types(p.kw) != "card" {
		t.Fatalf("key worker got %q", e.types(p.kw))
	}

	// Telling fails (the push queue cannot be written): the step waits for the timer loop.
	b := e.alertFor(heard.UrgencyOrdinary, "card")
	e.store.Faults = func(ctx context.Context, op, collection string) error {
		if collection == "push_queue" || collection == "push_outbox" {
			return errors.New("the push queue is not there")
		}
		return nil
	}
	e.must(e.svc.Raise(e.ctx, b))
	e.store.Faults = nil
	if _, err := e.store.Alert(e.ctx, e.area.ID, b.ID); err != nil {
		t.Fatalf("the alert whose step failed is not stored: %v", err)
	}
	if got := e.due(e.svc); got != 1 {
		t.Fatalf("the timer loop took %d steps, want the failed one", got)
	}
	if rec := e.alertRecord(b.ID); rec.Status != store.AlertDone || len(rec.Steps()) != 1 {
		t.Fatalf("record after the timer loop: %+v", rec)
	}
	if got := e.timesReceived(p.kw); len(got) != 2 {
		t.Fatalf("key worker messages by id: %v, want one for each alert", got)
	}
}

// A concerning alert's first step is taken before its timer exists: the
// timer is written once, already at the duty step and held by nobody, with
// no lease to take and no update to move it on. The step is recorded, and
// the duty step still comes on time.
func TestConcerningAlertStartsItsTimerAtTheNextStep(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	svc, inst := e.mortal("raiser")
	a := e.alertFor(heard.UrgencyConcerning, "card_concerning")
	e.must(svc.Raise(e.ctx, a))
	var timerWrites []string
	for _, w := range inst.Writes() {
		if strings.HasSuffix(w, " alert_timers") {
			timerWrites = append(timerWrites, w)
		}
	}
	if !slices.Equal(timerWrites, []string{"insert alert_timers"}) {
		t.Fatalf("timer writes %v, want one insert (all writes %v)", timerWrites, inst.Writes())
	}
	rec := e.alertRecord(a.ID)
	if rec.Status != store.AlertOpen || rec.NextStep != stepDuty || len(rec.Steps()) != 1 || !slices.Equal(rec.Told, []string{e.kw.ID}) {
		t.Fatalf("record: %+v", rec)
	}
	e.run(svc)
	if e.types(p.kw) != "card_concerning" {
		t.Fatalf("key worker got %q", e.types(p.kw))
	}
	// Raising it again (the card's workflow run again) starts nothing twice.
	e.must(e.svc.Raise(e.ctx, a))
	e.clock.Advance(4 * time.Hour)
	if got := e.due(e.svc); got != 1 {
		t.Fatalf("took %d steps at four hours, want the duty step", got)
	}
	if e.types(p.duty) != typeEscalationConcerning || e.types(p.kw) != "card_concerning" {
		t.Fatalf("duty %q, key worker %q", e.types(p.duty), e.types(p.kw))
	}
	if rec := e.alertRecord(a.ID); len(rec.Steps()) != 2 || rec.Status != store.AlertDone {
		t.Fatalf("record after the duty step: %+v", rec)
	}
}

// A new card's alert (New: its card was stored for the first time a moment
// ago) looks for no earlier raise, acknowledgement or delivery: none can
// exist. Raised again as a retry would, it reads them all and tells nobody
// twice.
func TestANewAlertLooksForNothingEarlier(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	svc, inst := e.mortal("raiser", func(c *Config) { c.SendAtOnce = 4 })
	a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
	a.New = true
	e.must(svc.Raise(e.ctx, a))
	for _, c := range inst.Commands() {
		if c == "find alerts" || c == "find alert_acks" || c == "find push_log" {
			t.Fatalf("raising a new alert read %q: %v", c, inst.Commands())
		}
	}
	if w := inst.Writes(); slices.Contains(w, "insert push_outbox") || !slices.Contains(w, "insert push_queue") {
		t.Fatalf("writes %v: want the pushes queued to send at once", w)
	}
	svc.sending.Wait() // the pushes sent at once have gone
	before := len(inst.Commands())
	a.New = false
	e.must(svc.Raise(e.ctx, a))
	if c := inst.Commands()[before:]; !slices.Contains(c, "find alerts") {
		t.Fatalf("a retry's raise did not look for the earlier one: %v", c)
	}
	e.run(svc)
	e.run(e.svc)
	if e.types(p.kw) != "card_urgent" || e.types(p.duty) != typeDutyAlert {
		t.Fatalf("key worker %q, duty %q", e.types(p.kw), e.types(p.duty))
	}
}
