package store_test

import (
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

func TestAreaSettings(t *testing.T) {
	s, _, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	esc := heard.EscalationPolicy{UrgentToDuty: 5 * time.Minute, DutyToManager: 10 * time.Minute, ConcerningAfter: time.Hour}
	contacts := []heard.CrisisContact{{Label: "Childline", Number: "0800 1111", Kind: "call"}}
	storeCheck(t, s.UpdateAreaSettings(ctx, a.ID, "", esc, contacts, []string{"en", "ar"}))
	got, err := s.Area(ctx, a.ID)
	storeCheck(t, err)
	if got.Escalation != esc || len(got.CrisisContacts) != 1 || got.CrisisContacts[0] != contacts[0] || len(got.Languages) != 2 || got.Name != "A" {
		t.Fatalf("area after the change: %+v", got)
	}
	if err := s.UpdateAreaSettings(ctx, heard.NewID(), "X", esc, contacts, []string{"en"}); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("changing an unknown area: %v", err)
	}
	storeCheck(t, s.UpdateAreaSettings(ctx, a.ID, "Riverside", esc, contacts, []string{"en"}))
	if got, _ := s.Area(ctx, a.ID); got.Name != "Riverside" {
		t.Fatalf("the area was not renamed: %+v", got)
	}
}

func TestTeamsAndPlacementsStayInTheirArea(t *testing.T) {
	s, _, ctx := storeNew(t)
	a, b := storeArea(t, s, "A"), storeArea(t, s, "B")
	team := heard.Team{ID: heard.NewID(), AreaID: a.ID, Name: "Social", Service: heard.ServiceSocialCare}
	storeCheck(t, s.CreateTeam(ctx, team))
	// Another area may use the same name; the same area may not.
	storeCheck(t, s.CreateTeam(ctx, heard.Team{ID: heard.NewID(), AreaID: b.ID, Name: "Social", Service: heard.ServiceSocialCare}))
	if err := s.CreateTeam(ctx, heard.Team{ID: heard.NewID(), AreaID: a.ID, Name: "Social", Service: heard.ServiceCAMHS}); !errors.Is(err, heard.ErrConflict) {
		t.Fatalf("a second team called Social in area A: %v", err)
	}
	storeCheck(t, s.CreateTeam(ctx, heard.Team{ID: heard.NewID(), AreaID: a.ID, Name: "CAMHS", Service: heard.ServiceCAMHS}))
	teams, err := s.Teams(ctx, a.ID)
	storeCheck(t, err)
	if len(teams) != 2 || teams[0].Name != "CAMHS" || teams[1].Name != "Social" {
		t.Fatalf("area A's teams by name: %+v", teams)
	}
	if _, err := s.Team(ctx, b.ID, team.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("area A's team through area B: %v", err)
	}
	pl := heard.Placement{ID: heard.NewID(), AreaID: a.ID, Name: "Oak", Type: heard.PlacementChildrensHome}
	storeCheck(t, s.CreatePlacement(ctx, pl))
	if _, err := s.Placement(ctx, b.ID, pl.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("area A's placement through area B: %v", err)
	}
	if got, _ := s.Placements(ctx, b.ID); len(got) != 0 {
		t.Fatalf("area B lists area A's placements: %+v", got)
	}
	if got, err := s.Placement(ctx, a.ID, pl.ID); err != nil || got.Name != "Oak" {
		t.Fatalf("placement read back: %+v %v", got, err)
	}
}

func TestStaffAccounts(t *testing.T) {
	s, _, ctx := storeNew(t)
	a, b := storeArea(t, s, "A"), storeArea(t, s, "B")
	kim := storeStaff(t, s, a.ID, "kim@a.test", heard.RoleKeyWorker, "")
	storeStaff(t, s, a.ID, "ada@a.test", heard.RoleAdministrator, "")
	storeStaff(t, s, b.ID, "bob@b.test", heard.RoleKeyWorker, "")
	got, err := s.StaffByEmail(ctx, "kim@a.test")
	storeCheck(t, err)
	if got.ID != kim.ID || got.AreaID != a.ID {
		t.Fatalf("sign-in lookup found %+v", got)
	}
	if _, err := s.StaffByEmail(ctx, "nobody@a.test"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
	if _, err := s.StaffMember(ctx, b.ID, kim.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("area A's staff through area B: %v", err)
	}
	all, err := s.StaffList(ctx, a.ID)
	storeCheck(t, err)
	if len(all) != 2 || all[0].Email != "ada@a.test" {
		t.Fatalf("area A's staff by name: %+v", all)
	}
	kws, err := s.StaffList(ctx, a.ID, heard.RoleKeyWorker)
	storeCheck(t, err)
	if len(kws) != 1 || kws[0].ID != kim.ID {
		t.Fatalf("area A's key workers: %+v", kws)
	}
	if err := s.UpdateStaff(ctx, b.ID, kim.ID, bson.D{{Key: "disabled", Value: true}}); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("disabling through another area: %v", err)
	}
	if got, _ := s.StaffMember(ctx, a.ID, kim.ID); got.Disabled {
		t.Fatal("a refused change was made")
	}
	storeCheck(t, s.UpdateStaff(ctx, a.ID, kim.ID, bson.D{{Key: "disabled", Value: true}}))
	storeCheck(t, s.SetStaffLanguage(ctx, a.ID, kim.ID, "ar"))
	if got, _ := s.StaffMember(ctx, a.ID, kim.ID); !got.Disabled || got.Language != "ar" {
		t.Fatalf("after the changes: %+v", got)
	}
	if err := s.SetStaffLanguage(ctx, b.ID, kim.ID, "en"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("language through another area: %v", err)
	}
}

func TestYoungPeopleStayInTheirArea(t *testing.T) {
	s, _, ctx := storeNew(t)
	a, b := storeArea(t, s, "A"), storeArea(t, s, "B")
	zed := storeYoung(t, s, a.ID, "Zed", "social")
	amy := storeYoung(t, s, a.ID, "Amy", "social")
	cal := storeYoung(t, s, a.ID, "Cal", "camhs")
	bea := storeYoung(t, s, b.ID, "Bea", "social")
	if _, err := s.YoungPerson(ctx, b.ID, zed.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("area A's young person through area B: %v", err)
	}
	some, err := s.YoungPeople(ctx, a.ID, []string{zed.ID, amy.ID, bea.ID})
	storeCheck(t, err)
	if len(some) != 2 || some[0].FirstName != "Amy" || some[1].FirstName != "Zed" {
		t.Fatalf("asking area A for three ids (one from B): %+v", some)
	}
	none, err := s.YoungPeople(ctx, a.ID, []string{})
	storeCheck(t, err)
	if len(none) != 0 {
		t.Fatalf("an empty caseload lists %+v", none)
	}
	team, err := s.YoungPeopleInTeam(ctx, a.ID, "social")
	storeCheck(t, err)
	if len(team) != 2 {
		t.Fatalf("area A's social team: %+v", team)
	}
	noTeam, err := s.YoungPeopleInTeam(ctx, a.ID, "")
	storeCheck(t, err)
	if len(noTeam) != 0 {
		t.Fatalf("a manager without a team sees %+v", noTeam)
	}
	all, err := s.YoungPeopleInArea(ctx, a.ID)
	storeCheck(t, err)
	if len(all) != 3 || all[1].ID != cal.ID {
		t.Fatalf("area A by first name: %+v", all)
	}
	if err := s.SetYoungPersonLanguage(ctx, b.ID, zed.ID, "ar"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("language through another area: %v", err)
	}
	storeCheck(t, s.SetYoungPersonLanguage(ctx, a.ID, zed.ID, "ar"))
	if got, _ := s.YoungPerson(ctx, a.ID, zed.ID); got.Language != "ar" {
		t.Fatalf("language not saved: %+v", got)
	}
}

func TestAssignmentsKeepTheHistory(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a, b := storeArea(t, s, "A"), storeArea(t, s, "B")
	kim := storeStaff(t, s, a.ID, "kim@a.test", heard.RoleKeyWorker, "")
	kai := storeStaff(t, s, a.ID, "kai@a.test", heard.RoleKeyWorker, "")
	y := storeYoung(t, s, a.ID, "Yara", "")

	if _, err := s.CurrentAssignment(ctx, a.ID, y.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("nobody assigned yet: %v", err)
	}
	first, err := s.Assign(ctx, a.ID, y.ID, kim.ID)
	storeCheck(t, err)
	clock.Advance(time.Hour)
	again, err := s.Assign(ctx, a.ID, y.ID, kim.ID)
	storeCheck(t, err)
	if again.ID != first.ID {
		t.Fatal("assigning the same worker again made a change of worker")
	}
	clock.Advance(time.Hour)
	second, err := s.Assign(ctx, a.ID, y.ID, kai.ID)
	storeCheck(t, err)
	clock.Advance(time.Hour)
	third, err := s.Assign(ctx, a.ID, y.ID, kim.ID)
	storeCheck(t, err)

	history, err := s.AssignmentHistory(ctx, a.ID, y.ID)
	storeCheck(t, err)
	if len(history) != 3 || history[0].ID != first.ID || history[1].ID != second.ID || history[2].ID != third.ID {
		t.Fatalf("history oldest first: %+v", history)
	}
	if history[0].End == nil || !history[0].End.Equal(second.Start) || history[1].End == nil || history[2].End != nil {
		t.Fatalf("each assignment ends when the next starts; the last is open: %+v", history)
	}
	if heard.KeyWorkerChanges(history) != 2 {
		t.Fatalf("Kim, Kai, Kim is two changes, got %d", heard.KeyWorkerChanges(history))
	}
	cur, err := s.CurrentAssignment(ctx, a.ID, y.ID)
	storeCheck(t, err)
	if cur.ID != third.ID {
		t.Fatalf("current assignment %+v", cur)
	}
	for _, tc := range []struct {
		staff string
		want  bool
	}{{kim.ID, true}, {kai.ID, false}} {
		ok, err := s.IsKeyWorker(ctx, a.ID, tc.staff, y.ID)
		storeCheck(t, err)
		if ok != tc.want {
			t.Errorf("IsKeyWorker(%s) = %v, want %v", tc.staff, ok, tc.want)
		}
		load, err := s.Caseload(ctx, a.ID, tc.staff)
		storeCheck(t, err)
		if (len(load) == 1) != tc.want {
			t.Errorf("caseload of %s: %v", tc.staff, load)
		}
	}
	if ok, _ := s.IsKeyWorker(ctx, b.ID, kim.ID, y.ID); ok {
		t.Fatal("the assignment counts in another area")
	}
	if h, _ := s.AssignmentHistory(ctx, b.ID, y.ID); len(h) != 0 {
		t.Fatalf("another area reads the history: %+v", h)
	}
}

func TestDutyRota(t *testing.T) {
	s, _, ctx := storeNew(t)
	a, b := storeArea(t, s, "A"), storeArea(t, s, "B")
	at := func(h int) time.Time { return storeStart.Add(time.Duration(h) * time.Hour) }
	day := heard.DutyShift{ID: heard.NewID(), AreaID: a.ID, StaffID: "dee", Start: at(0), End: at(8)}
	night := heard.DutyShift{ID: heard.NewID(), AreaID: a.ID, StaffID: "nia", Start: at(8), End: at(16)}
	storeCheck(t, s.AddDutyShift(ctx, day))
	storeCheck(t, s.AddDutyShift(ctx, night))
	storeCheck(t, s.AddDutyShift(ctx, heard.DutyShift{ID: heard.NewID(), AreaID: b.ID, StaffID: "bob", Start: at(0), End: at(16)}))
	for _, tc := range []struct {
		at   time.Time
		want []string
	}{
		{at(-1), nil},
		{at(0), []string{"dee"}},
		{at(7), []string{"dee"}},
		{at(8), []string{"nia"}}, // a shift's end is not on duty: [start, end)
		{at(16), nil},
	} {
		got, err := s.OnDuty(ctx, a.ID, tc.at)
		storeCheck(t, err)
		if len(got) != len(tc.want) || len(got) == 1 && got[0] != tc.want[0] {
			t.Errorf("on duty at %v: %v, want %v", tc.at, got, tc.want)
		}
	}
	rota, err := s.DutyRota(ctx, a.ID, at(4), at(12))
	storeCheck(t, err)
	if len(rota) != 2 || rota[0].ID != day.ID {
		t.Fatalf("shifts overlapping 4h-12h, in order: %+v", rota)
	}
	if err := s.DeleteDutyShift(ctx, b.ID, day.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("deleting through another area: %v", err)
	}
	storeCheck(t, s.DeleteDutyShift(ctx, a.ID, day.ID))
	if err := s.DeleteDutyShift(ctx, a.ID, day.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	if got, _ := s.OnDuty(ctx, a.ID, at(1)); len(got) != 0 {
		t.Fatalf("a deleted shift is still on duty: %v", got)
	}
}

func TestMovesAndPlacementRelation(t *testing.T) {
	s, _, ctx := storeNew(t)
	a, b := storeArea(t, s, "A"), storeArea(t, s, "B")
	oak := heard.Placement{ID: heard.NewID(), AreaID: a.ID, Name: "Oak", Type: heard.PlacementChildrensHome}
	storeCheck(t, s.CreatePlacement(ctx, oak))
	willow := heard.Placement{ID: heard.NewID(), AreaID: a.ID, Name: "Willow", Type: heard.PlacementFoster}
	storeCheck(t, s.CreatePlacement(ctx, willow))
	planned, confirmed, cancelled, elsewhere := storeYoung(t, s, a.ID, "Pat", ""), storeYoung(t, s, a.ID, "Cy", ""), storeYoung(t, s, a.ID, "Cal", ""), storeYoung(t, s, a.ID, "Eli", "")
	move := func(y heard.YoungPerson, pl heard.Placement, status heard.MoveStatus, day int) heard.Move {
		m := heard.Move{ID: heard.NewID(), AreaID: a.ID, YoungPersonID: y.ID, PlacementID: pl.ID, Date: storeStart.AddDate(0, 0, day), Status: status}
		storeCheck(t, s.CreateMove(ctx, m))
		return m
	}
	move(confirmed, oak, heard.MoveConfirmed, 3)
	move(planned, oak, heard.MovePlanned, 5)
	move(cancelled, oak, heard.MoveCancelled, 1)
	move(elsewhere, willow, heard.MoveConfirmed, 2)

	incoming, err := s.MovesToPlacement(ctx, a.ID, oak.ID)
	storeCheck(t, err)
	if len(incoming) != 2 || incoming[0].YoungPersonID != confirmed.ID || incoming[1].YoungPersonID != planned.ID {
		t.Fatalf("Oak's moves by date, without the cancelled one: %+v", incoming)
	}
	if got, _ := s.MovesToPlacement(ctx, b.ID, oak.ID); len(got) != 0 {
		t.Fatalf("another area lists Oak's moves: %+v", got)
	}
	if got, _ := s.MovesOf(ctx, a.ID, cancelled.ID); len(got) != 1 {
		t.Fatalf("a young person's own moves include cancelled ones: %+v", got)
	}

	oakStaff := heard.Principal{ID: "olu", AreaID: a.ID, Role: heard.RolePlacementStaff, PlacementID: oak.ID}
	for _, tc := range []struct {
		name string
		p    heard.Principal
		y    heard.YoungPerson
		want heard.Relation
	}{
		{"confirmed move", oakStaff, confirmed, heard.Relation{IncomingMove: true, MoveConfirmed: true}},
		{"planned move", oakStaff, planned, heard.Relation{IncomingMove: true}},
		{"cancelled move", oakStaff, cancelled, heard.Relation{}},
		{"move to another placement", oakStaff, elsewhere, heard.Relation{}},
		{"staff without a placement", heard.Principal{ID: "x", AreaID: a.ID, Role: heard.RolePlacementStaff}, confirmed, heard.Relation{}},
		{"another area's placement staff", heard.Principal{ID: "x", AreaID: b.ID, Role: heard.RolePlacementStaff, PlacementID: oak.ID}, confirmed, heard.Relation{}},
		{"a key worker with no caseload", heard.Principal{ID: "kim", AreaID: a.ID, Role: heard.RoleKeyWorker}, confirmed, heard.Relation{}},
		{"a commissioner", heard.Principal{ID: "cat", AreaID: a.ID, Role: heard.RoleCommissioner}, confirmed, heard.Relation{}},
	} {
		got, err := s.Relation(ctx, tc.p, tc.y.ID)
		storeCheck(t, err)
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestKeyWorkerRelationFollowsTheCurrentAssignment(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	kim := storeStaff(t, s, a.ID, "kim@a.test", heard.RoleKeyWorker, "")
	kai := storeStaff(t, s, a.ID, "kai@a.test", heard.RoleKeyWorker, "")
	y := storeYoung(t, s, a.ID, "Yara", "")
	_, err := s.Assign(ctx, a.ID, y.ID, kim.ID)
	storeCheck(t, err)
	asKim := heard.Principal{ID: kim.ID, AreaID: a.ID, Role: heard.RoleKeyWorker}
	if r, _ := s.Relation(ctx, asKim, y.ID); !r.CurrentKeyWorker {
		t.Fatal("Kim is Yara's key worker")
	}
	clock.Advance(time.Hour)
	_, err = s.Assign(ctx, a.ID, y.ID, kai.ID)
	storeCheck(t, err)
	if r, _ := s.Relation(ctx, asKim, y.ID); r.CurrentKeyWorker {
		t.Fatal("a former key worker keeps access")
	}
}
