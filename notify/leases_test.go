package notify

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"heard"
	"heard/notify/pushtest"
	"heard/store"
	"heard/testkit"
)

// mortal is another Heard instance on the env's database, with its own store
// handle and push client, that the test can kill (see testkit.Instance).
func (e *env) mortal(name string, opts ...func(*Config)) (*Service, *testkit.Instance) {
	inst := testkit.NewInstance(e.t, e.store)
	own := func(c *Config) {
		c.Store = inst.Store
		c.HTTPClient = &http.Client{Transport: inst.Transport(), Timeout: 10 * time.Second}
	}
	return e.service(name, append([]func(*Config){own}, opts...)...), inst
}

// dead reports whether the instance has been killed.
func dead(i *testkit.Instance) bool {
	select {
	case <-i.Dead():
		return true
	default:
		return false
	}
}

// timesReceived counts, by notification id, the messages a browser accepted.
func (e *env) timesReceived(b *pushtest.Browser) map[string]int {
	out := map[string]int{}
	for _, m := range e.push.Accepted(b) {
		out[payloadOf(m).ID]++
	}
	return out
}

// queuesEmpty fails the test when work is left in the outbox or the queue.
func (e *env) queuesEmpty(when string) {
	e.t.Helper()
	nq, dq, err := e.store.PushQueueDepth(e.ctx)
	e.must(err)
	if nq+dq != 0 {
		e.t.Fatalf("%s: %d notifications and %d deliveries left", when, nq, dq)
	}
}

func TestLeasesAreShortAndOutlastASend(t *testing.T) {
	e := newEnv(t)
	if c := e.svc.cfg; c.Lease > 30*time.Second || c.SendTimeout >= c.Lease/2 || c.RenewEvery >= c.Lease/2 {
		t.Fatalf("lease %v, send timeout %v, renewed every %v", c.Lease, c.SendTimeout, c.RenewEvery)
	}
}

// A dispatcher dies after each of its writes in turn (queuing the delivery,
// taking the notification out of the outbox, taking the delivery, recording
// the outcome, copying it to the log, taking it out of the queue), and once
// right after the push service accepted its push. Another instance starts:
// the feedback request reaches the phone within one lease, and is sent twice
// only when the dead dispatcher's push got through before its outcome was
// recorded, with the same id both times.
func TestAPushSurvivesACrashAfterEachWrite(t *testing.T) {
	crash := func(t *testing.T, plan func(*testkit.Instance)) (died bool) {
		e := newEnv(t)
		phone := e.subscribe(e.yp.ID, heard.RoleYoungPerson)
		n := e.notify(e.yp.ID, "feedback_request", heard.UrgencyOrdinary)
		dying, inst := e.mortal("dying")
		plan(inst)
		_, _ = dying.RunOnce(e.ctx)
		writes := inst.Writes()
		if !dead(inst) {
			t.Logf("the dispatcher ran to the end in %d writes: %v", len(writes), writes)
			return false
		}
		sentBeforeDying := len(e.push.Accepted(phone))

		restart := e.clock.Now()
		restarted := e.service("restarted")
		e.run(restarted)
		e.clock.Advance(restarted.cfg.Lease)
		e.run(restarted)

		got := e.timesReceived(phone)
		if len(got) != 1 || got[n.ID] == 0 {
			t.Fatalf("after %v the phone got %v", writes, got)
		}
		if got[n.ID] != 1 && !(sentBeforeDying == 1 && got[n.ID] == 2) {
			t.Fatalf("after %v: sent %d times (%d before the crash)", writes, got[n.ID], sentBeforeDying)
		}
		d := e.only(n)
		if d.Status != store.DeliveryDelivered || d.DeliveredAt == nil || d.DeliveredAt.After(restart.Add(restarted.cfg.Lease)) {
			t.Fatalf("after %v: %+v (restarted at %v)", writes, d, restart)
		}
		e.queuesEmpty(fmt.Sprint("after ", writes))
		return true
	}
	testkit.AfterEachWrite(t, func(t *testing.T, k int) bool {
		return crash(t, func(i *testkit.Instance) { i.DieAfterWrites(k) })
	})
	t.Run("dies once its push is accepted", func(t *testing.T) {
		if !crash(t, func(i *testkit.Instance) { i.DieAfterSends(1) }) {
			t.Fatal("the dispatcher did not die after its send")
		}
	})
}

// The instance holding an urgent alert's timer dies at the escalation limit
// after each write of the duty step in turn (taking the step, queuing the duty
// worker's notification, recording the step, granting access, moving the
// timer on, counting it). Another instance escalates once the dead one's lease
// has run out: the duty worker who came on duty is told once, at most one lease
// after the limit, the step is recorded once and never counted twice.
func TestEscalationIsOnTimeWhenTheInstanceHoldingItsTimerDies(t *testing.T) {
	testkit.AfterEachWrite(t, func(t *testing.T, k int) bool {
		e := newEnv(t)
		p := e.phones()
		a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
		e.must(e.svc.Raise(e.ctx, a))
		e.run(e.svc)
		e.clock.Advance(15 * time.Minute)
		limit := e.clock.Now()

		dying, inst := e.mortal("dying")
		inst.DieAfterWrites(k)
		_, _ = dying.RunDue(e.ctx)
		writes := inst.Writes()
		if !dead(inst) {
			t.Logf("the step ran to the end in %d writes: %v", len(writes), writes)
			return false
		}
		e.due(e.svc)
		e.clock.Advance(e.svc.cfg.Lease)
		e.due(e.svc)

		if got := e.timesReceived(p.lateDuty); len(got) != 1 || e.types(p.lateDuty) != typeEscalation {
			t.Fatalf("after %v the duty worker got %v (%s)", writes, got, e.types(p.lateDuty))
		}
		rec := e.alertRecord(a.ID)
		steps := rec.Steps()
		if len(steps) != 2 || steps[1].Step != stepDuty || steps[1].At.After(limit.Add(e.svc.cfg.Lease)) ||
			rec.NextStep != stepManager {
			t.Fatalf("after %v: steps %+v, next %s", writes, steps, rec.NextStep)
		}
		timerMoved := slices.Contains(writes, "update alert_timers")
		if got := e.escalationCounts()["duty"]; got > 1 || got == 0 && !timerMoved {
			t.Fatalf("after %v the duty step was counted %d times", writes, got)
		}
		return true
	})
}

// A card's request raises an urgent alert and ends (it timed out, the young
// person's phone went away) part way through its first step, after telling
// the key worker was queued. What is left of the step is not held up: a timer
// due now is written all the same, and another instance takes the step
// straight away, with no lease to wait for.
func TestAnAlertWhoseRequestEndsPartWayIsNotHeldUp(t *testing.T) {
	e := newEnv(t)
	p := e.phones()
	api, inst := e.mortal("api")
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	inst.AfterWrites(1, cancel) // the key worker's notification
	a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
	e.must(api.Raise(ctx, a))
	if w := inst.Writes(); len(w) != 2 || w[1] != "insert alert_timers" {
		t.Fatalf("writes %v: want the notification, then the timer due now", w)
	}
	if got := e.due(e.svc); got != 1 {
		t.Fatalf("another instance took %d steps at once", got)
	}
	if e.types(p.kw) != "card_urgent" || e.types(p.duty) != typeDutyAlert {
		t.Fatalf("key worker %q, duty %q", e.types(p.kw), e.types(p.duty))
	}
}

// A send that takes long keeps its lease: the dispatcher renews it while the
// send is in flight, so another instance does not send the push again however
// long it takes, and the outcome is recorded by the one that sent it.
func TestALongSendKeepsItsLease(t *testing.T) {
	e := newEnv(t)
	phone := e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	release := make(chan struct{})
	slow := e.service("slow", func(c *Config) {
		c.HTTPClient = &http.Client{Transport: freezeAfter{release: release}}
		c.RenewEvery = 5 * time.Millisecond
	})
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	done := make(chan struct{})
	go func() { defer close(done); _, _ = slow.RunOnce(e.ctx) }()
	waitFor(t, func() bool { return len(e.push.Accepted(phone)) == 1 })

	other := e.service("other")
	for range 5 {
		e.clock.Advance(slow.cfg.Lease * 2 / 3)
		time.Sleep(50 * time.Millisecond) // several renewals
		if got := e.run(other); got != 0 {
			t.Fatalf("another instance sent a push whose send is in flight (after %v)", e.clock.Now().Sub(start))
		}
	}
	close(release)
	<-done
	if d := e.only(n); d.Status != store.DeliveryDelivered || d.Attempts != 1 || len(e.push.Accepted(phone)) != 1 {
		t.Fatalf("delivery %+v, %d sent", d, len(e.push.Accepted(phone)))
	}
}

// A dispatcher holding leases on many deliveries is abandoned mid-flight (its
// process killed once a few pushes got through: no cleanup, its leases left in
// the database). A new instance starts: every push arrives within 30 s of the
// restart, a resent one with the same id. A restart under the same instance
// name takes its jobs back at once.
func TestADispatcherAbandonedMidFlightIsTakenOverWithinALease(t *testing.T) {
	for _, sameName := range []bool{false, true} {
		t.Run(map[bool]string{false: "new name", true: "same name"}[sameName], func(t *testing.T) {
			e := newEnv(t)
			phones := []*pushtest.Browser{e.subscribe(e.kw.ID, heard.RoleKeyWorker), e.subscribe(e.duty.ID, heard.RoleDutyWorker)}
			var ids []string
			for i := range 20 {
				to, typ := e.kw.ID, "card"
				if i%2 == 1 {
					to, typ = e.duty.ID, "card_urgent"
				}
				ids = append(ids, e.notify(to, typ, heard.UrgencyOrdinary).ID)
			}
			dying, inst := e.mortal("heard-1", func(c *Config) { c.Workers = 4 })
			inst.DieAfterSends(3)
			ctx, cancel := context.WithCancel(e.ctx)
			_, _ = dying.RunOnce(ctx)
			cancel()
			if !dead(inst) {
				t.Fatal("the dispatcher did not die")
			}
			// Sends in flight when it died may have got through too.
			sentBeforeDying := len(e.push.Accepted(nil))

			restart := e.clock.Now()
			name := "heard-2"
			if sameName {
				name = "heard-1"
			}
			restarted := e.service(name, func(c *Config) { c.PollEvery = 10 * time.Millisecond })
			runCtx, stop := context.WithCancel(e.ctx)
			running := make(chan struct{})
			go func() { defer close(running); restarted.Run(runCtx) }()
			defer func() { stop(); <-running }()
			all := func() bool {
				for _, b := range phones {
					if len(e.timesReceived(b)) != 10 {
						return false
					}
				}
				_, queued, err := e.store.PushQueueDepth(e.ctx)
				return err == nil && queued == 0
			}
			if sameName {
				waitFor(t, all) // taken back at once, with no lease to wait for
			} else {
				time.Sleep(200 * time.Millisecond)
				e.clock.Advance(restarted.cfg.Lease)
				restarted.Wake()
				waitFor(t, all)
			}
			for _, id := range ids {
				d, err := e.store.DeliveriesOf(e.ctx, id)
				e.must(err)
				if len(d) != 1 || d[0].DeliveredAt == nil || d[0].DeliveredAt.After(restart.Add(30*time.Second)) {
					t.Fatalf("delivery %+v (restart at %v)", d, restart)
				}
			}
			resent := 0
			for _, b := range phones {
				for id, times := range e.timesReceived(b) {
					if times > 2 {
						t.Fatalf("%s arrived %d times", id, times)
					}
					resent += times - 1
				}
			}
			if resent > sentBeforeDying {
				t.Fatalf("%d pushes sent again; only the %d the dead dispatcher sent may be", resent, sentBeforeDying)
			}
			t.Logf("%d of the dead dispatcher's %d pushes sent again", resent, sentBeforeDying)
		})
	}
}

// Two Heard instances, each with its own store handle on one database, run
// their dispatchers and escalation timers side by side on the same stream of
// cards, replies, feedback requests and urgent alerts, raised by either of
// them. Nothing is doubled, lost or late: each push arrives once, each alert's
// steps are taken once and on time, and nothing is left over.
func TestTwoInstancesOnOneStreamDoubleLoseAndStallNothing(t *testing.T) {
	e := newEnv(t)
	e.must(e.store.UpdateAreaSettings(e.ctx, e.area.ID, e.area.Name,
		heard.EscalationPolicy{UrgentToDuty: 2 * time.Minute, DutyToManager: time.Minute}, nil, []string{"en"}))
	p := e.phones()
	ypPhone := e.subscribe(e.yp.ID, heard.RoleYoungPerson)
	second := testkit.NewInstance(t, e.store).Store
	// Renewing often keeps a lease alive while the test moves the clock on.
	fast := func(c *Config) { c.RenewEvery = 5 * time.Millisecond; c.Batch = 8 }
	instances := []*Service{e.service("a", fast), e.service("b", fast, func(c *Config) { c.Store = second })}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(stop); wg.Wait() })
	for _, s := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// As Run does: a pass that fails (the embedded database can
				// answer "database is locked" under load) is tried again.
				if _, err := s.RunDue(e.ctx); err != nil {
					t.Log(err)
				}
				if _, err := s.RunOnce(e.ctx); err != nil {
					t.Log(err)
				}
				time.Sleep(5 * time.Millisecond) // Run waits for a wake-up or a tick
			}
		}()
	}
	// Like the app's outbox, a request that fails is sent again (both are idempotent).
	again := func(f func() error) {
		t.Helper()
		for try := 0; ; try++ {
			err := f()
			if err == nil {
				return
			}
			if try == 20 {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	var alerts []heard.Alert
	want := map[*pushtest.Browser][]string{}
	for tick := range 50 { // four minutes in steps of five seconds
		by := instances[rand.N(2)]
		if tick < 8 && tick%2 == 0 {
			a := e.alertFor(heard.UrgencyUrgent, "card_urgent")
			again(func() error { return by.Raise(e.ctx, a) })
			alerts = append(alerts, a)
		}
		if tick < 16 {
			for _, n := range []struct {
				to  *pushtest.Browser
				id  string
				typ string
			}{{p.kw, e.kw.ID, "card"}, {ypPhone, e.yp.ID, "reply"}, {ypPhone, e.yp.ID, "feedback_request"}} {
				note := heard.Notification{ID: heard.NewID(), AreaID: e.area.ID, RecipientID: n.id, Type: n.typ, Link: "/#/home"}
				again(func() error { return by.Notify(e.ctx, note) })
				want[n.to] = append(want[n.to], note.ID)
			}
		}
		// Both instances run freely; the clock moves on once what is due now
		// has been done, so a step late by more than a tick is a stall.
		waitFor(t, func() bool {
			if nq, dq, err := e.store.PushQueueDepth(e.ctx); err != nil || nq+dq > 0 {
				return false
			}
			for _, a := range alerts {
				if rec := e.alertRecord(a.ID); rec.Status != store.AlertDone && !rec.DueAt.After(e.clock.Now()) {
					return false
				}
			}
			return true
		})
		e.clock.Advance(5 * time.Second)
	}
	// Let both finish what is due, then stop them.
	waitFor(t, func() bool {
		nq, dq, _ := e.store.PushQueueDepth(e.ctx)
		due := 0
		for _, a := range alerts {
			if e.alertRecord(a.ID).Status != store.AlertDone {
				due++
			}
		}
		return nq+dq == 0 && due == 0
	})
	for b, ids := range want {
		got := e.timesReceived(b)
		for _, id := range ids {
			if got[id] != 1 {
				t.Errorf("browser %s got %s %d times", b.ID, id, got[id])
			}
		}
	}
	for _, a := range alerts {
		rec := e.alertRecord(a.ID)
		steps := rec.Steps()
		if len(steps) != 3 {
			t.Fatalf("alert %s: steps %+v", a.ID, steps)
		}
		for i, limit := range []time.Duration{0, 2 * time.Minute, 3 * time.Minute} {
			late := steps[i].At.Sub(rec.CreatedAt.Add(limit))
			if late < 0 || late >= 5*time.Second {
				t.Errorf("alert %s step %s taken %v after its time", a.ID, steps[i].Step, late)
			}
		}
	}
	perAlert := map[*pushtest.Browser]string{p.kw: "card_urgent", p.duty: typeDutyAlert, p.manager: typeEscalation}
	for b, typ := range perAlert {
		if got := strings.Count(e.types(b), typ); got != len(alerts) {
			t.Errorf("%s got %d %s for %d alerts", b.ID, got, typ, len(alerts))
		}
	}
	if got := e.escalationCounts(); got["duty"] != int64(len(alerts)) || got["manager"] != int64(len(alerts)) {
		t.Errorf("escalations counted %v for %d alerts", got, len(alerts))
	}
	e.queuesEmpty("after the stream")
}
