package service_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/service"
	"heard/store"
	"heard/testkit"
)

// peopleWorld is an area with a team, a placement, an administrator, three
// key workers and a young person whose key worker is Kim, served by a Service.
type peopleWorld struct {
	t             testing.TB
	ctx           context.Context
	clock         *testkit.Clock
	st            *store.Store
	svc           *service.Service
	area          heard.Area
	team          heard.Team
	oak           heard.Placement
	admin         heard.Principal
	kim, kai, kit heard.Staff
	yara          heard.YoungPerson
}

func newPeopleWorld(t testing.TB) *peopleWorld {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	w := &peopleWorld{t: t, ctx: context.Background(), clock: clock, st: st,
		svc: service.New(service.Config{Store: st, Clock: clock, Log: testkit.Quiet(), Instance: "test"})}
	now := clock.Now()
	w.area = heard.Area{ID: heard.NewID(), Name: "A", TimeZone: "Europe/London", Languages: []string{"en"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: now}
	w.must(st.CreateArea(w.ctx, w.area))
	w.team = heard.Team{ID: heard.NewID(), AreaID: w.area.ID, Name: "Social", Service: heard.ServiceSocialCare, CreatedAt: now}
	w.must(st.CreateTeam(w.ctx, w.team))
	w.oak = heard.Placement{ID: heard.NewID(), AreaID: w.area.ID, Name: "Oak", Type: heard.PlacementChildrensHome, CreatedAt: now}
	w.must(st.CreatePlacement(w.ctx, w.oak))
	staff := func(name string, role heard.Role) heard.Staff {
		s := heard.Staff{ID: heard.NewID(), AreaID: w.area.ID, Name: name, Email: fmt.Sprintf("%s@a.test", name), Role: role,
			TeamID: w.team.ID, Language: "en", PasswordHash: "x", Hours: heard.DefaultHours(), CreatedAt: now}
		w.must(st.CreateStaff(w.ctx, s))
		return s
	}
	admin := staff("ada", heard.RoleAdministrator)
	w.admin = w.principal(admin)
	w.kim, w.kai, w.kit = staff("kim", heard.RoleKeyWorker), staff("kai", heard.RoleKeyWorker), staff("kit", heard.RoleKeyWorker)
	w.yara = heard.YoungPerson{ID: heard.NewID(), AreaID: w.area.ID, FirstName: "Yara", Language: "en", TeamID: w.team.ID,
		Service: w.team.Service, CreatedAt: now}
	w.must(st.CreateYoungPerson(w.ctx, w.yara))
	_, err := st.Assign(w.ctx, w.area.ID, w.yara.ID, w.kim.ID)
	w.must(err)
	return w
}

func (w *peopleWorld) principal(s heard.Staff) heard.Principal {
	return heard.Principal{ID: s.ID, AreaID: s.AreaID, Role: s.Role, Name: s.Name, TeamID: s.TeamID, PlacementID: s.PlacementID, RequestID: heard.NewID()}
}

func (w *peopleWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *peopleWorld) workers() []string { return []string{w.kim.ID, w.kai.ID, w.kit.ID} }

// audited counts the area's audit entries of an action.
func (w *peopleWorld) audited(action string) int {
	w.t.Helper()
	log, err := w.st.AuditLog(w.ctx, w.area.ID, 1000)
	w.must(err)
	n := 0
	for _, e := range log {
		if e.Action == action {
			n++
		}
	}
	return n
}

// inProgress counts the workflows still recorded as in progress.
func (w *peopleWorld) inProgress() int64 {
	w.t.Helper()
	n, err := w.st.DB.Collection("intents").CountDocuments(w.ctx, bson.D{})
	w.must(err)
	return n
}

// afterLease lets the intents' lease run out and finishes what was left, as
// the background worker of any instance would.
func (w *peopleWorld) afterLease() {
	w.t.Helper()
	w.clock.Advance(31 * time.Second)
	_, err := w.svc.RunOnce(w.ctx)
	w.must(err)
}

var errPeopleFault = errors.New("injected: the connection dropped after this write")

// failWrite makes the n-th write from now fail after it took effect (as a
// crash, a timeout or a dropped connection would), and reports whether it was
// reached and which write it was.
func (w *peopleWorld) failWrite(n int) (reached func() (bool, string)) {
	count, which := 0, ""
	w.st.Faults = func(ctx context.Context, op, collection string) error {
		count++
		if count == n {
			which = op + " " + collection
			return errPeopleFault
		}
		return nil
	}
	return func() (bool, string) { w.st.Faults = nil; return count >= n, which }
}

// eachPeopleFault runs a workflow on a fresh world once for each of its writes,
// failing that write, and checks with then what follows (after names the
// write). The run without a fault must succeed and make at least minWrites.
func eachPeopleFault(t *testing.T, minWrites int, run func(w *peopleWorld) error, then func(w *peopleWorld, after string)) {
	t.Helper()
	for n := 1; ; n++ {
		w := newPeopleWorld(t)
		reached := w.failWrite(n)
		err := run(w)
		hit, which := reached()
		if !hit {
			if err != nil {
				t.Fatalf("without a fault: %v", err)
			}
			if n-1 < minWrites {
				t.Fatalf("the workflow made only %d writes", n-1)
			}
			t.Logf("failed after each of %d writes", n-1)
			return
		}
		after := fmt.Sprintf("after write %d (%s) failed", n, which)
		if !errors.Is(err, errPeopleFault) {
			t.Fatalf("%s, the workflow answered %v", after, err)
		}
		then(w, after)
	}
}

// TestAddYoungPersonUnderFaults fails adding a young person with a key worker
// after each of its writes in turn; once the background worker has finished
// what was left, the young person either was never stored or is stored with
// their key worker on the caseload, the history and one audit entry.
func TestAddYoungPersonUnderFaults(t *testing.T) {
	eachPeopleFault(t, 5, func(w *peopleWorld) error {
		v, err := w.svc.AddYoungPerson(w.ctx, w.admin, heard.NewYoungPerson{FirstName: "Sam", TeamID: w.team.ID, KeyWorkerID: w.kai.ID})
		if err == nil && (v.KeyWorker == nil || v.KeyWorker.ID != w.kai.ID) {
			t.Fatalf("Sam is added without Kai: %+v", v)
		}
		return err
	}, func(w *peopleWorld, after string) {
		w.afterLease()
		people, err := w.st.YoungPeopleInArea(w.ctx, w.area.ID)
		w.must(err)
		var sam *heard.YoungPerson
		for _, y := range people {
			if y.FirstName == "Sam" {
				sam = &y
			}
		}
		switch {
		case sam == nil && w.audited("young_person_added") == 0:
			// Never stored: nothing was added.
		case sam != nil:
			if err := w.st.CheckKeyWorkers(w.ctx, w.area.ID, sam.ID, w.workers()); err != nil {
				t.Errorf("%s: %v", after, err)
			}
			if ok, _ := w.st.IsKeyWorker(w.ctx, w.area.ID, w.kai.ID, sam.ID); !ok {
				t.Errorf("%s: Kai is not Sam's key worker", after)
			}
			if got := w.audited("young_person_added"); got != 1 {
				t.Errorf("%s: %d audit entries", after, got)
			}
		default:
			t.Errorf("%s: an audit entry for someone never stored", after)
		}
		if left := w.inProgress(); left != 0 {
			t.Errorf("%s: %d workflows still in progress", after, left)
		}
	})
}

// TestYoungPeopleReadsFollowTheRules reads records as the people who may and
// may not, without HTTP: only staff reads with a purpose are audit-logged.
func TestYoungPeopleReadsFollowTheRules(t *testing.T) {
	w := newPeopleWorld(t)
	kim, kai := w.principal(w.kim), w.principal(w.kai)
	v, err := w.svc.YoungPerson(w.ctx, kim, w.yara.ID)
	w.must(err)
	if v.KeyWorker == nil || v.KeyWorker.ID != w.kim.ID {
		t.Fatalf("Yara's record shows her key worker: %+v", v)
	}
	if _, err := w.svc.YoungPerson(w.ctx, kai, w.yara.ID); !errors.Is(err, heard.ErrForbidden) {
		t.Fatalf("another key worker reads Yara: %v", err)
	}
	other := kim
	other.AreaID = heard.NewID()
	if _, err := w.svc.YoungPerson(w.ctx, other, w.yara.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("another area reads Yara: %v", err)
	}
	if got := w.audited("record_read"); got != 1 {
		t.Fatalf("%d record reads audited, want the one allowed", got)
	}
	list, err := w.svc.YoungPeople(w.ctx, kim)
	w.must(err)
	if len(list) != 1 || list[0].ID != w.yara.ID {
		t.Fatalf("Kim's caseload: %+v", list)
	}
	if list, _ := w.svc.YoungPeople(w.ctx, kai); len(list) != 0 {
		t.Fatalf("Kai's caseload: %+v", list)
	}
	commissioner := kim
	commissioner.Role = heard.RoleCommissioner
	if _, err := w.svc.YoungPeople(w.ctx, commissioner); !errors.Is(err, heard.ErrForbidden) {
		t.Fatalf("a commissioner lists young people: %v", err)
	}
	if _, err := w.svc.CreateJoinCode(w.ctx, w.admin, w.yara.ID); !errors.Is(err, heard.ErrForbidden) {
		t.Fatalf("only the key worker makes a join code: %v", err)
	}
	if got := w.audited("join_code_created"); got != 0 {
		t.Fatalf("a refused join code was audited")
	}
}
