package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/store"
	"heard/testkit"
)

// TestConcurrentAssignmentsLeaveOneKeyWorker changes one young person's key
// worker 20 times at once (to 5 workers in turn): one key worker is left, the
// history is one chain, and the assignments collection and every caseload
// agree with it.
func TestConcurrentAssignmentsLeaveOneKeyWorker(t *testing.T) {
	s, _, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	var staff []string
	for i := range 5 {
		staff = append(staff, storeStaff(t, s, a.ID, fmt.Sprintf("kw%d@a.test", i), heard.RoleKeyWorker, "").ID)
	}
	y := storeYoung(t, s, a.ID, "Yara", "")
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Assign(ctx, a.ID, y.ID, staff[i%len(staff)])
		}()
	}
	wg.Wait()
	storeCheck(t, errors.Join(errs...))
	history, err := s.AssignmentHistory(ctx, a.ID, y.ID)
	storeCheck(t, err)
	open := 0
	for _, h := range history {
		if h.End == nil {
			open++
		}
	}
	if open != 1 || history[len(history)-1].End != nil {
		t.Fatalf("%d open assignments (the last must be the one): %+v", open, history)
	}
	cur, err := s.CurrentAssignment(ctx, a.ID, y.ID)
	storeCheck(t, err)
	if cur.ID != history[len(history)-1].ID {
		t.Fatalf("the current assignment %+v is not the last of the history", cur)
	}
	storeCheck(t, s.CheckKeyWorkers(ctx, a.ID, y.ID, staff))
	// The assignments collection holds the same history, one open.
	n, err := s.DB.Collection("assignments").CountDocuments(ctx, bson.D{{Key: "youngPersonId", Value: y.ID}, {Key: "end", Value: nil}})
	storeCheck(t, err)
	if n != 1 {
		t.Fatalf("%d open assignments in the assignments collection", n)
	}
	holders := 0
	for _, st := range staff {
		ok, err := s.IsKeyWorker(ctx, a.ID, st, y.ID)
		storeCheck(t, err)
		if ok {
			holders++
		}
	}
	if holders != 1 {
		t.Fatalf("%d workers hold Yara", holders)
	}
}

// TestLateCaseloadWritesNeverUndoALaterChange holds back the writes of one
// change on a second instance (as a stalled instance would) until a later
// change has been written in full by the first: its late "Yara is on Kim's
// caseload" must not stand against the later "Yara has left it".
func TestLateCaseloadWritesNeverUndoALaterChange(t *testing.T) {
	s, clock, ctx := storeNew(t)
	other, err := store.Open(ctx, testkit.URI(t), s.DB.Name(), clock)
	storeCheck(t, err)
	t.Cleanup(func() { other.Close(context.Background()) })
	a := storeArea(t, s, "A")
	kim := storeStaff(t, s, a.ID, "kim@a.test", heard.RoleKeyWorker, "")
	kai := storeStaff(t, s, a.ID, "kai@a.test", heard.RoleKeyWorker, "")
	y := storeYoung(t, s, a.ID, "Yara", "")
	_, _, err = s.AssignKeyWorker(ctx, a.ID, y.ID, kim.ID, heard.NewID(), nil)
	storeCheck(t, err)

	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	other.Faults = func(ctx context.Context, op, collection string) error {
		if collection == "assignments" {
			once.Do(func() { close(held); <-release })
		}
		return nil
	}
	slow := make(chan error, 1)
	go func() { slow <- other.WriteKeyWorkers(ctx, a.ID, y.ID) }()
	<-held // the slow writer read "Kim, open" and wrote the assignment; its caseload write is to come
	_, err = s.Assign(ctx, a.ID, y.ID, kai.ID)
	storeCheck(t, err)
	close(release)
	storeCheck(t, <-slow)
	if load, _ := s.Caseload(ctx, a.ID, kim.ID); len(load) != 0 {
		t.Fatalf("a late write put Yara back on Kim's caseload: %v", load)
	}
	storeCheck(t, s.CheckKeyWorkers(ctx, a.ID, y.ID, []string{kim.ID, kai.ID}))
	// And back to Kim: a newer change puts her on again.
	_, err = s.Assign(ctx, a.ID, y.ID, kim.ID)
	storeCheck(t, err)
	storeCheck(t, s.CheckKeyWorkers(ctx, a.ID, y.ID, []string{kim.ID, kai.ID}))
}

// TestAnOlderAreaIsBroughtUpToDate writes an area as an older Heard left it
// (its key-worker history in the assignments collection only, with the two
// open assignments two reassignments at once could leave) and reads it.
func TestAnOlderAreaIsBroughtUpToDate(t *testing.T) {
	s, _, ctx := storeNew(t)
	area := heard.Area{ID: heard.NewID(), Name: "Old", TimeZone: "Europe/London", Languages: []string{"en"}, CreatedAt: storeStart}
	_, err := s.DB.Collection("areas").InsertOne(ctx, area)
	storeCheck(t, err)
	kim := storeStaff(t, s, area.ID, "kim@a.test", heard.RoleKeyWorker, "")
	kai := storeStaff(t, s, area.ID, "kai@a.test", heard.RoleKeyWorker, "")
	kit := storeStaff(t, s, area.ID, "kit@a.test", heard.RoleKeyWorker, "")
	yara := heard.YoungPerson{ID: heard.NewID(), AreaID: area.ID, FirstName: "Yara", Language: "en", CreatedAt: storeStart}
	yan := heard.YoungPerson{ID: heard.NewID(), AreaID: area.ID, FirstName: "Yan", Language: "en", CreatedAt: storeStart}
	_, err = s.DB.Collection("young_people").InsertMany(ctx, []any{yara, yan})
	storeCheck(t, err)
	at := func(h int) time.Time { return storeStart.Add(time.Duration(h) * time.Hour) }
	end := at(1)
	old := []any{
		heard.Assignment{ID: heard.NewID(), AreaID: area.ID, YoungPersonID: yara.ID, StaffID: kim.ID, Start: at(0), End: &end},
		heard.Assignment{ID: heard.NewID(), AreaID: area.ID, YoungPersonID: yara.ID, StaffID: kai.ID, Start: at(1)}, // left open by mistake
		heard.Assignment{ID: heard.NewID(), AreaID: area.ID, YoungPersonID: yara.ID, StaffID: kit.ID, Start: at(2)},
		heard.Assignment{ID: heard.NewID(), AreaID: area.ID, YoungPersonID: yan.ID, StaffID: kai.ID, Start: at(0)},
	}
	_, err = s.DB.Collection("assignments").InsertMany(ctx, old)
	storeCheck(t, err)

	cur, err := s.CurrentAssignment(ctx, area.ID, yara.ID)
	storeCheck(t, err)
	if cur.StaffID != kit.ID {
		t.Fatalf("Yara's key worker is the last one given: %+v", cur)
	}
	history, err := s.AssignmentHistory(ctx, area.ID, yara.ID)
	storeCheck(t, err)
	if len(history) != 3 || history[1].End == nil || !history[1].End.Equal(at(2)) {
		t.Fatalf("the assignment left open ends when the next began: %+v", history)
	}
	staff := []string{kim.ID, kai.ID, kit.ID}
	storeCheck(t, s.CheckKeyWorkers(ctx, area.ID, yara.ID, staff))
	storeCheck(t, s.CheckKeyWorkers(ctx, area.ID, yan.ID, staff))
	if load, _ := s.Caseload(ctx, area.ID, kai.ID); len(load) != 1 || load[0] != yan.ID {
		t.Fatalf("Kai's caseload is Yan alone: %v", load)
	}
	var marked bson.M
	storeCheck(t, s.DB.Collection("areas").FindOne(ctx, bson.D{{Key: "_id", Value: area.ID}}).Decode(&marked))
	if marked["keyWorkersVersion"] == nil {
		t.Fatalf("the area is not marked up to date: %v", marked)
	}
	// A change after it carries on the same history.
	_, err = s.Assign(ctx, area.ID, yan.ID, kim.ID)
	storeCheck(t, err)
	storeCheck(t, s.CheckKeyWorkers(ctx, area.ID, yan.ID, staff))
	if h, _ := s.AssignmentHistory(ctx, area.ID, yan.ID); len(h) != 2 || heard.KeyWorkerChanges(h) != 1 {
		t.Fatalf("Yan's history: %+v", h)
	}
}

// TestChangesOfAnAccountKeepEachOther: an exact change of an account and a
// plain one (a new password) at once both stand, and the fields the store
// keeps beside the account survive a change.
func TestChangesOfAnAccountKeepEachOther(t *testing.T) {
	s, _, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	kim := storeStaff(t, s, a.ID, "kim@a.test", heard.RoleKeyWorker, "")
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				_, errs[i] = s.SetStaffPassword(ctx, a.ID, kim.ID, fmt.Sprint("hash-", i))
			case 1:
				_, errs[i] = s.ChangeStaff(ctx, a.ID, kim.ID, func(st *heard.Staff) error {
					st.Hours = append(st.Hours, heard.Hours{Weekday: time.Saturday, Start: i, End: i + 1})
					return nil
				})
			default:
				errs[i] = s.SetStaffLanguage(ctx, a.ID, kim.ID, "ar")
			}
		}()
	}
	wg.Wait()
	storeCheck(t, errors.Join(errs...))
	got, err := s.StaffMember(ctx, a.ID, kim.ID)
	storeCheck(t, err)
	if len(got.Hours) != 5+7 || got.Language != "ar" || got.PasswordHash == "x" {
		t.Fatalf("a change was lost: %d blocks of hours, language %s, hash %s", len(got.Hours), got.Language, got.PasswordHash)
	}
	var raw bson.M
	storeCheck(t, s.DB.Collection("staff").FindOne(ctx, bson.D{{Key: "_id", Value: kim.ID}}).Decode(&raw))
	if raw["passwordChangedAt"] == nil {
		t.Fatalf("a change of the account dropped when the password changed: %v", raw)
	}
	refused := errors.New("refused")
	if _, err := s.ChangeStaff(ctx, a.ID, kim.ID, func(st *heard.Staff) error { st.Disabled = true; return refused }); !errors.Is(err, refused) {
		t.Fatalf("a refused change: %v", err)
	}
	if got, _ := s.StaffMember(ctx, a.ID, kim.ID); got.Disabled {
		t.Fatal("a refused change was written")
	}
	if _, err := s.ChangeStaff(ctx, heard.NewID(), kim.ID, func(*heard.Staff) error { return nil }); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("a change through another area: %v", err)
	}
}
