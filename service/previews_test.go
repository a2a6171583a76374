package service_test

import (
	"fmt"
	"testing"
	"time"

	"heard"
)

// plannedMove stores a planned move of a young person of kim's to Oak, days ahead.
func (w *peopleWorld) plannedMove(y heard.YoungPerson, days int) heard.Move {
	w.t.Helper()
	m, err := w.svc.PlanMove(w.ctx, w.principal(w.kim), y.ID, heard.NewMove{PlacementID: w.oak.ID,
		Date: w.clock.Now().AddDate(0, 0, days).Format(time.DateOnly)})
	w.must(err)
	return m
}

// TestShareMoveUnderFaults fails sharing a move after each of its writes in
// turn; the key worker's second tap finishes it: the move is shared once, with
// one audit entry, counted once for the preparation KPI.
func TestShareMoveUnderFaults(t *testing.T) {
	for n := 1; ; n++ {
		w := newPeopleWorld(t)
		moveID := w.plannedMove(w.yara, 10).ID
		reached := w.failWrite(n)
		_, err := w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), moveID, heard.MoveChange{Status: heard.MoveShared})
		hit, which := reached()
		if !hit {
			if err != nil || n < 4 {
				t.Fatalf("without a fault: %v after %d writes", err, n-1)
			}
			return
		}
		after := fmt.Sprintf("after write %d (%s) failed", n, which)
		if _, err := w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), moveID, heard.MoveChange{Status: heard.MoveShared}); err != nil {
			t.Fatalf("%s: the second tap: %v", after, err)
		}
		m, err := w.st.Move(w.ctx, w.area.ID, moveID)
		w.must(err)
		if m.Status != heard.MoveShared || w.audited("move_shared") != 1 {
			t.Errorf("%s: %s with %d audit entries", after, m.Status, w.audited("move_shared"))
		}
		if got := w.kpiTotal(heard.TileMoveNotice); got != 1 {
			t.Errorf("%s: %d moves shared counted", after, got)
		}
	}
}

// kpiTotal is the exact n of a tile's period figure (the whole area, so not rounded).
func (w *peopleWorld) kpiTotal(tile string) int64 {
	w.t.Helper()
	r, err := w.svc.KPIs(w.ctx, w.admin, heard.KPIQuery{})
	if err != nil {
		commish := heard.Principal{ID: heard.NewID(), AreaID: w.area.ID, Role: heard.RoleCommissioner}
		r, err = w.svc.KPIs(w.ctx, commish, heard.KPIQuery{})
	}
	w.must(err)
	for _, tl := range r.Tiles {
		if tl.ID == tile {
			return val(tl.Total.N)
		}
	}
	w.t.Fatalf("no tile %s", tile)
	return 0
}

// TestPreparationKPI: twelve moves shared ten days ahead; nine previews opened
// five days before the move day, one the day before, two never; one move
// opened early is cancelled. The dashboard shows 8 of 11 (73 %) opened at
// least three days before, and a median notice of 10 days.
func TestPreparationKPI(t *testing.T) {
	w := newPeopleWorld(t)
	kim := w.principal(w.kim)
	var moves []heard.Move
	var people []heard.Principal
	for i := range 12 {
		y := heard.YoungPerson{ID: heard.NewID(), AreaID: w.area.ID, FirstName: fmt.Sprint("Young ", i), Language: "en", TeamID: w.team.ID,
			Service: heard.ServiceSocialCare, CreatedAt: w.clock.Now()}
		w.must(w.st.CreateYoungPerson(w.ctx, y))
		_, err := w.st.Assign(w.ctx, w.area.ID, y.ID, w.kim.ID)
		w.must(err)
		m := w.plannedMove(y, 10)
		_, err = w.svc.ChangeMoveStatus(w.ctx, kim, m.ID, heard.MoveChange{Status: heard.MoveShared})
		w.must(err)
		moves = append(moves, m)
		people = append(people, heard.Principal{ID: y.ID, AreaID: w.area.ID, Role: heard.RoleYoungPerson})
	}
	w.clock.Advance(5 * 24 * time.Hour) // five days before the move day
	for i := range 9 {
		_, err := w.svc.OpenPreview(w.ctx, people[i], moves[i].ID)
		w.must(err)
		_, err = w.svc.OpenPreview(w.ctx, people[i], moves[i].ID) // opening again counts nothing
		w.must(err)
	}
	w.clock.Advance(4 * 24 * time.Hour) // the day before
	_, err := w.svc.OpenPreview(w.ctx, people[9], moves[9].ID)
	w.must(err)
	_, err = w.svc.ChangeMoveStatus(w.ctx, kim, moves[0].ID, heard.MoveChange{Status: heard.MoveCancelled})
	w.must(err)
	w.clock.Advance(2 * time.Minute)
	w.must(w.st.FoldCounts(w.ctx))

	commish := heard.Principal{ID: heard.NewID(), AreaID: w.area.ID, Role: heard.RoleCommissioner}
	r, err := w.svc.KPIs(w.ctx, commish, heard.KPIQuery{})
	w.must(err)
	var opened, notice *heard.Tile
	for i := range r.Tiles {
		switch r.Tiles[i].ID {
		case heard.TilePreviewOpened:
			opened = &r.Tiles[i]
		case heard.TileMoveNotice:
			notice = &r.Tiles[i]
		}
	}
	if opened == nil || notice == nil {
		t.Fatalf("the dashboard has no preparation tiles: %+v", r.Tiles)
	}
	if f := opened.Total; f.Suppressed || val(f.N) != 11 || f.K == nil || val(*f.K) != 8 || f.Percent == nil || *f.Percent != 73 {
		t.Errorf("preview opened early: %+v (k %+v)", f, f.K)
	}
	if f := notice.Total; f.Suppressed || val(f.N) != 11 || f.MedianDays == nil || *f.MedianDays != 10 || f.P90Days == nil || *f.P90Days != 10 {
		t.Errorf("days of notice: %+v", f)
	}
	if r.Definitions[heard.TilePreviewOpened] == "" || r.Definitions[heard.TileMoveNotice] == "" {
		t.Errorf("the preparation tiles are not defined")
	}
}

// val is a published count's value (-1 when hidden).
func val(c heard.Count) int64 {
	if c.Value == nil {
		return -1
	}
	return *c.Value
}
