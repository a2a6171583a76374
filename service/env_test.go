package service_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"heard"
	"heard/notify"
	"heard/notify/pushtest"
	"heard/service"
	"heard/store"
	"heard/testkit"
)

// start is a Monday, 10:00, in working hours.
var start = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// env is one area with a key worker and a duty worker who have phones, a young
// person on the key worker's caseload, the real notifier and a loopback push
// service that decrypts, on a fresh database and a clock the test moves.
type env struct {
	t      testing.TB
	ctx    context.Context
	clock  *testkit.Clock
	store  *store.Store
	push   *pushtest.Service
	notify *notify.Service
	svc    *service.Service

	area         heard.Area
	team         heard.Team
	kw, duty     heard.Staff
	yp           heard.YoungPerson
	kwPhone      *pushtest.Browser
	dutyPhone    *pushtest.Browser
	youngPrinc   heard.Principal
	kwPrincipal  heard.Principal
	dutyPrincipl heard.Principal
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: testkit.NewClock(start)}
	e.store = testkit.Store(t, e.clock)
	pub, _ := testkit.VAPID(t)
	e.push = pushtest.New(t, pub)
	e.notify = e.notifier("instance-a")
	e.svc = e.service("instance-a")
	now := e.clock.Now()
	e.area = heard.Area{ID: heard.NewID(), Name: "Riverside", TimeZone: "Europe/London", Languages: []string{"en"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: now}
	e.must(e.store.CreateArea(e.ctx, e.area))
	e.team = heard.Team{ID: heard.NewID(), AreaID: e.area.ID, Name: "Social care", Service: heard.ServiceSocialCare, CreatedAt: now}
	e.must(e.store.CreateTeam(e.ctx, e.team))
	e.kw = e.staff("Kim Worker", heard.RoleKeyWorker)
	e.duty = e.staff("Dee Duty", heard.RoleDutyWorker)
	e.must(e.store.AddDutyShift(e.ctx, heard.DutyShift{ID: heard.NewID(), AreaID: e.area.ID, StaffID: e.duty.ID, Start: now.Add(-time.Hour), End: now.Add(48 * time.Hour)}))
	e.yp = heard.YoungPerson{ID: heard.NewID(), AreaID: e.area.ID, FirstName: "Zainab", Language: "en", TeamID: e.team.ID,
		Service: heard.ServiceSocialCare, CreatedAt: now}
	e.must(e.store.CreateYoungPerson(e.ctx, e.yp))
	_, err := e.store.Assign(e.ctx, e.area.ID, e.yp.ID, e.kw.ID)
	e.must(err)
	e.kwPhone = e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	e.dutyPhone = e.subscribe(e.duty.ID, heard.RoleDutyWorker)
	e.youngPrinc = heard.Principal{ID: e.yp.ID, AreaID: e.area.ID, Role: heard.RoleYoungPerson}
	e.kwPrincipal = heard.Principal{ID: e.kw.ID, AreaID: e.area.ID, Role: heard.RoleKeyWorker, Name: e.kw.Name}
	e.dutyPrincipl = heard.Principal{ID: e.duty.ID, AreaID: e.area.ID, Role: heard.RoleDutyWorker, Name: e.duty.Name}
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) staff(name string, role heard.Role) heard.Staff {
	st := heard.Staff{ID: heard.NewID(), AreaID: e.area.ID, Email: strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@riverside.test",
		Name: name, Role: role, TeamID: e.team.ID, Language: "en", Hours: heard.DefaultHours(), CreatedAt: e.clock.Now()}
	e.must(e.store.CreateStaff(e.ctx, st))
	return st
}

func (e *env) subscribe(ownerID string, role heard.Role) *pushtest.Browser {
	b := e.push.NewBrowser()
	_, err := e.store.SavePushSubscription(e.ctx, store.PushSubscription{AreaID: e.area.ID, Endpoint: b.Endpoint,
		P256dh: b.P256dh(), Auth: b.Auth(), OwnerID: ownerID, OwnerRole: role})
	e.must(err)
	return b
}

// notifier is the real notify service on the env's database, as an instance of Heard runs it.
func (e *env) notifier(instance string) *notify.Service {
	pub, priv := testkit.VAPID(e.t)
	n, err := notify.New(notify.Config{Store: e.store, Log: testkit.Quiet(), Clock: e.clock, VAPIDPublicKey: pub, VAPIDPrivateKey: priv,
		Subject: "safeguarding@riverside.test", Instance: instance, AllowLoopbackEndpoints: true, Workers: 4})
	e.must(err)
	return n
}

// service is the workflows as one instance of Heard runs them.
func (e *env) service(instance string) *service.Service {
	return service.New(service.Config{Store: e.store, Notifier: e.notify, Escalator: e.notify, Clock: e.clock,
		Log: testkit.Quiet(), Instance: instance})
}

// settle lets every instance's background work run as time passes: finish
// left-behind workflows once their lease is over, send pushes, take due
// escalation steps.
func (e *env) settle(svcs ...*service.Service) {
	e.t.Helper()
	e.clock.Advance(31 * time.Second)
	for _, s := range svcs {
		if _, err := s.RunOnce(e.ctx); err != nil {
			e.t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := e.notify.RunDue(e.ctx); err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.notify.RunOnce(e.ctx); err != nil {
			e.t.Fatal(err)
		}
	}
}

// pushesAbout counts the messages a phone received whose link names a subject.
func (e *env) pushesAbout(b *pushtest.Browser, subject string) (messages int, ids map[string]int) {
	ids = map[string]int{}
	for _, m := range e.push.Accepted(b) {
		if url, _ := m.Payload["url"].(string); strings.Contains(url, subject) {
			messages++
			id, _ := m.Payload["id"].(string)
			ids[id]++
		}
	}
	return messages, ids
}

// failAt makes the n-th write from now fail (after it took effect), as a
// crash or a timeout at that moment would; it returns the count of writes seen.
func failAt(st *store.Store, n int64) *atomic.Int64 {
	var seen atomic.Int64
	st.Faults = func(ctx context.Context, op, collection string) error {
		if seen.Add(1) == n {
			return context.DeadlineExceeded
		}
		return nil
	}
	return &seen
}
