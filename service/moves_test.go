package service_test

import (
	"errors"
	"testing"
	"time"

	"heard"
)

// TestPlanMoveUnderFaults fails planning a move after each of its writes in
// turn; once the background worker has finished what was left, the move is
// either not stored, or stored once with its one audit entry.
func TestPlanMoveUnderFaults(t *testing.T) {
	eachPeopleFault(t, 4, func(w *peopleWorld) error {
		m, err := w.svc.PlanMove(w.ctx, w.principal(w.kim), w.yara.ID, heard.NewMove{PlacementID: w.oak.ID, Date: "2026-11-20"})
		if err == nil && (m.Status != heard.MovePlanned || m.Date.Format(time.DateOnly) != "2026-11-20") {
			t.Fatalf("the move planned: %+v", m)
		}
		return err
	}, func(w *peopleWorld, after string) {
		w.afterLease()
		moves, err := w.st.MovesOf(w.ctx, w.area.ID, w.yara.ID)
		w.must(err)
		if len(moves) > 1 || w.audited("move_planned") != len(moves) {
			t.Errorf("%s: %d moves, %d audit entries", after, len(moves), w.audited("move_planned"))
		}
		if left := w.inProgress(); left != 0 {
			t.Errorf("%s: %d workflows still in progress", after, left)
		}
	})
}

// TestMoveDaysAreTheAreas: at 00:30 in London in summer (23:30 UTC the day
// before), yesterday's date is past and today's is not.
func TestMoveDaysAreTheAreas(t *testing.T) {
	w := newPeopleWorld(t)
	w.clock.Advance(time.Date(2027, 7, 1, 23, 30, 0, 0, time.UTC).Sub(w.clock.Now()))
	kim := w.principal(w.kim)
	_, err := w.svc.PlanMove(w.ctx, kim, w.yara.ID, heard.NewMove{PlacementID: w.oak.ID, Date: "2027-07-01"})
	var p *heard.Problem
	if !errors.As(err, &p) || p.Fields["date"] != "range" {
		t.Fatalf("a move on London's yesterday: %v", err)
	}
	if _, err := w.svc.PlanMove(w.ctx, kim, w.yara.ID, heard.NewMove{PlacementID: w.oak.ID, Date: "2027-07-02"}); err != nil {
		t.Fatalf("a move on London's today: %v", err)
	}
	if _, err := w.svc.PlanMove(w.ctx, w.principal(w.kai), w.yara.ID, heard.NewMove{PlacementID: w.oak.ID, Date: "2027-07-02"}); !errors.Is(err, heard.ErrForbidden) {
		t.Fatalf("another key worker plans Yara's move: %v", err)
	}
}
