package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"heard"
	"heard/notify/pushtest"
	"heard/store"
	"heard/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is one area with a key worker, two duty workers (the second starts his
// shift ten minutes in), a team manager, a young person on the key worker's
// caseload, a push service and a notify service, on a fresh database and a
// clock the test moves.
type env struct {
	t     testing.TB
	ctx   context.Context
	clock *testkit.Clock
	store *store.Store
	push  *pushtest.Service
	svc   *Service

	area                        heard.Area
	team                        heard.Team
	kw, duty, lateDuty, manager heard.Staff
	otherManager                heard.Staff
	yp                          heard.YoungPerson
}

// start is a Monday, 10:00.
var start = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: testkit.NewClock(start)}
	e.store = testkit.Store(t, e.clock)
	pub, _ := testkit.VAPID(t)
	e.push = pushtest.New(t, pub)
	e.svc = e.service("instance-a")

	now := e.clock.Now()
	e.area = heard.Area{ID: heard.NewID(), Name: "Riverside", TimeZone: "Europe/London", Languages: []string{"en", "ar"},
		Escalation: heard.DefaultEscalation(), CreatedAt: now}
	e.must(e.store.CreateArea(e.ctx, e.area))
	e.team = heard.Team{ID: heard.NewID(), AreaID: e.area.ID, Name: "Social care", Service: heard.ServiceSocialCare, CreatedAt: now}
	e.must(e.store.CreateTeam(e.ctx, e.team))
	other := heard.Team{ID: heard.NewID(), AreaID: e.area.ID, Name: "CAMHS", Service: heard.ServiceCAMHS, CreatedAt: now}
	e.must(e.store.CreateTeam(e.ctx, other))
	e.kw = e.staff("Kim Worker", heard.RoleKeyWorker, e.team.ID)
	e.duty = e.staff("Dee Duty", heard.RoleDutyWorker, e.team.ID)
	e.lateDuty = e.staff("Dan Later", heard.RoleDutyWorker, e.team.ID)
	e.manager = e.staff("Max Manager", heard.RoleTeamManager, e.team.ID)
	e.otherManager = e.staff("Mo Othermanager", heard.RoleTeamManager, other.ID)
	e.must(e.store.AddDutyShift(e.ctx, heard.DutyShift{ID: heard.NewID(), AreaID: e.area.ID, StaffID: e.duty.ID, Start: now.Add(-time.Hour), End: now.Add(12 * time.Hour)}))
	e.must(e.store.AddDutyShift(e.ctx, heard.DutyShift{ID: heard.NewID(), AreaID: e.area.ID, StaffID: e.lateDuty.ID, Start: now.Add(10 * time.Minute), End: now.Add(12 * time.Hour)}))
	e.yp = heard.YoungPerson{ID: heard.NewID(), AreaID: e.area.ID, FirstName: "Zainab", PreferredName: "Zee", Language: "en",
		TeamID: e.team.ID, Service: heard.ServiceSocialCare, CreatedAt: now}
	e.must(e.store.CreateYoungPerson(e.ctx, e.yp))
	_, err := e.store.Assign(e.ctx, e.area.ID, e.yp.ID, e.kw.ID)
	e.must(err)
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) staff(name string, role heard.Role, team string) heard.Staff {
	st := heard.Staff{ID: heard.NewID(), AreaID: e.area.ID, Email: strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@riverside.test",
		Name: name, Role: role, TeamID: team, Language: "en", Hours: heard.DefaultHours(), CreatedAt: e.clock.Now()}
	e.must(e.store.CreateStaff(e.ctx, st))
	return st
}

// service is a notify service on the env's database, as another Heard instance would have.
func (e *env) service(instance string, opts ...func(*Config)) *Service {
	pub, priv := testkit.VAPID(e.t)
	cfg := Config{Store: e.store, Log: testkit.Quiet(), Clock: e.clock, VAPIDPublicKey: pub, VAPIDPrivateKey: priv,
		Subject: "safeguarding@riverside.test", Instance: instance, AllowLoopbackEndpoints: true, Workers: 8}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := New(cfg)
	e.must(err)
	return s
}

// subscribe registers a new browser for a person, as POST /api/push/subscriptions does.
func (e *env) subscribe(ownerID string, role heard.Role) *pushtest.Browser {
	b := e.push.NewBrowser()
	_, err := e.store.SavePushSubscription(e.ctx, store.PushSubscription{AreaID: e.area.ID, Endpoint: b.Endpoint,
		P256dh: b.P256dh(), Auth: b.Auth(), OwnerID: ownerID, OwnerRole: role})
	e.must(err)
	return b
}

// notify queues a notification for a person about a card.
func (e *env) notify(recipient, typ string, urgency heard.Urgency) heard.Notification {
	card := heard.NewID()
	n := heard.Notification{ID: heard.NewID(), AreaID: e.area.ID, RecipientID: recipient, Type: typ,
		Link: "/#/cards/" + card, Urgency: urgency, SubjectID: card, CreatedAt: e.clock.Now().Truncate(time.Millisecond)}
	e.must(e.svc.Notify(e.ctx, n))
	return n
}

// run drives the dispatcher once and returns the number of attempts.
func (e *env) run(s *Service) int {
	e.t.Helper()
	n, err := s.RunOnce(e.ctx)
	e.must(err)
	return n
}

// deliveries returns a notification's deliveries (one per browser).
func (e *env) deliveries(n heard.Notification) []store.PushDelivery {
	e.t.Helper()
	ds, err := e.store.DeliveriesOf(e.ctx, n.ID)
	e.must(err)
	return ds
}

// only returns the single delivery of a notification.
func (e *env) only(n heard.Notification) store.PushDelivery {
	e.t.Helper()
	ds := e.deliveries(n)
	if len(ds) != 1 {
		e.t.Fatalf("want one delivery of %s, have %d", n.Type, len(ds))
	}
	return ds[0]
}

// payloadOf reads a message the push service decrypted as Heard's payload (the
// push service has already reported a message that is not JSON).
func payloadOf(m pushtest.Message) Payload {
	var p Payload
	_ = json.Unmarshal(m.Plaintext, &p)
	return p
}
