package service_test

import (
	"errors"
	"sync"
	"testing"

	"heard"
)

// TestAssignKeyWorkerUnderFaults changes Yara's key worker from Kim to Kai
// and fails the change after each of its writes in turn; then the
// administrator tries again, or the background worker finishes what was left
// once the lease has run out. Either way the end is as if it ran once: one key
// worker, one history, the caseloads and the assignments collection agreeing,
// one audit entry, no workflow left in progress.
func TestAssignKeyWorkerUnderFaults(t *testing.T) {
	for _, then := range []string{"retry", "after the lease"} {
		t.Run(then, func(t *testing.T) {
			assign := func(w *peopleWorld) error {
				a, err := w.svc.AssignKeyWorker(w.ctx, w.admin, heard.NewAssignment{YoungPersonID: w.yara.ID, StaffID: w.kai.ID})
				if err == nil && a.StaffID != w.kai.ID {
					t.Fatalf("the assignment made: %+v", a)
				}
				return err
			}
			eachPeopleFault(t, 8, assign, func(w *peopleWorld, after string) {
				changed := true
				if then == "retry" {
					if err := assign(w); err != nil {
						t.Fatalf("%s, the retry: %v", after, err)
					}
				} else {
					cur, err := w.st.CurrentAssignment(w.ctx, w.area.ID, w.yara.ID)
					w.must(err)
					changed = cur.StaffID == w.kai.ID // the change was made, or never was
				}
				w.afterLease()
				if err := w.st.CheckKeyWorkers(w.ctx, w.area.ID, w.yara.ID, w.workers()); err != nil {
					t.Errorf("%s: %v", after, err)
				}
				history, err := w.st.AssignmentHistory(w.ctx, w.area.ID, w.yara.ID)
				w.must(err)
				want := map[bool]int{true: 2, false: 1}[changed]
				if len(history) != want || changed && history[1].StaffID != w.kai.ID {
					t.Errorf("%s: history %+v", after, history)
				}
				if got := w.audited("key_worker_assigned"); got != want-1 {
					t.Errorf("%s: %d audit entries, want %d", after, got, want-1)
				}
				if left := w.inProgress(); left != 0 {
					t.Errorf("%s: %d workflows still in progress", after, left)
				}
			})
		})
	}
}

// TestConcurrentAssignKeyWorker: 20 administrators' changes of one young
// person's key worker at once leave exactly one key worker, one history,
// caseloads that agree, and one audit entry per change made.
func TestConcurrentAssignKeyWorker(t *testing.T) {
	w := newPeopleWorld(t)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			staff := w.workers()[i%3]
			_, errs[i] = w.svc.AssignKeyWorker(w.ctx, w.admin, heard.NewAssignment{YoungPersonID: w.yara.ID, StaffID: staff})
		}()
	}
	wg.Wait()
	w.must(errors.Join(errs...))
	w.must(w.st.CheckKeyWorkers(w.ctx, w.area.ID, w.yara.ID, w.workers()))
	history, err := w.st.AssignmentHistory(w.ctx, w.area.ID, w.yara.ID)
	w.must(err)
	holders := 0
	for _, id := range w.workers() {
		if ok, _ := w.st.IsKeyWorker(w.ctx, w.area.ID, id, w.yara.ID); ok {
			holders++
		}
	}
	if holders != 1 {
		t.Fatalf("%d key workers hold Yara; history %+v", holders, history)
	}
	if got := w.audited("key_worker_assigned"); got != len(history)-1 {
		t.Fatalf("%d audit entries for %d changes", got, len(history)-1)
	}
	if left := w.inProgress(); left != 0 {
		t.Fatalf("%d workflows still in progress", left)
	}
}

// TestChangeStaffChecksTheAccountAsItIsWritten: placement staff need a
// placement. Kim is a key worker placed at Oak; at once, one change makes her
// placement staff (fine: she has a placement) and another takes her placement
// away (fine: a key worker needs none). Whichever is written second must be
// refused, as each is checked against the account as it is when it is written.
func TestChangeStaffChecksTheAccountAsItIsWritten(t *testing.T) {
	w := newPeopleWorld(t)
	keyWorker, placementStaff, oak, none := heard.RoleKeyWorker, heard.RolePlacementStaff, w.oak.ID, ""
	for round := range 20 {
		_, err := w.svc.ChangeStaff(w.ctx, w.admin, w.kim.ID, heard.StaffChange{Role: &keyWorker, PlacementID: &oak})
		w.must(err)
		var wg sync.WaitGroup
		refused := 0
		var mu sync.Mutex
		for _, c := range []heard.StaffChange{{Role: &placementStaff}, {PlacementID: &none}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.svc.ChangeStaff(w.ctx, w.admin, w.kim.ID, c)
				var p *heard.Problem
				switch {
				case errors.As(err, &p) && p.Fields["placementId"] == "required":
					mu.Lock()
					refused++
					mu.Unlock()
				case err != nil:
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
		kim, err := w.st.StaffMember(w.ctx, w.area.ID, w.kim.ID)
		w.must(err)
		if kim.Role == heard.RolePlacementStaff && kim.PlacementID == "" {
			t.Fatalf("round %d: placement staff without a placement: %+v", round, kim)
		}
		if refused != 1 {
			t.Fatalf("round %d: %d of the two changes refused", round, refused)
		}
	}
}

// TestOnlyAdministratorsAdminister calls every administrator's action as a key worker.
func TestOnlyAdministratorsAdminister(t *testing.T) {
	w := newPeopleWorld(t)
	kim := w.principal(w.kim)
	_, e1 := w.svc.Teams(w.ctx, kim)
	_, e2 := w.svc.AddTeam(w.ctx, kim, heard.NewTeam{Name: "T", Service: heard.ServiceCAMHS})
	_, e3 := w.svc.StaffAccounts(w.ctx, kim)
	_, e4 := w.svc.ChangeStaff(w.ctx, kim, w.kim.ID, heard.StaffChange{Role: new(heard.RoleAdministrator)})
	_, e5 := w.svc.AssignKeyWorker(w.ctx, kim, heard.NewAssignment{YoungPersonID: w.yara.ID, StaffID: w.kim.ID})
	_, e6 := w.svc.DutyRota(w.ctx, kim, "", "")
	e7 := w.svc.RemoveDutyShift(w.ctx, kim, heard.NewID())
	_, e8 := w.svc.ChangeAreaSettings(w.ctx, kim, heard.AreaSettings{})
	_, e9 := w.svc.AuditLog(w.ctx, kim)
	_, e10 := w.svc.AddPlacement(w.ctx, kim, heard.NewPlacement{Name: "P", Type: heard.PlacementFoster})
	for i, err := range []error{e1, e2, e3, e4, e5, e6, e7, e8, e9, e10} {
		if !errors.Is(err, heard.ErrForbidden) {
			t.Errorf("action %d as a key worker: %v", i+1, err)
		}
	}
}
