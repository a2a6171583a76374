package heard

import (
	"errors"
	"testing"
	"time"
)

// TestMoveStatusNext: a move goes planned, shared, confirmed, arrived, and
// can be cancelled until arrival; asking for the status it has changes nothing.
func TestMoveStatusNext(t *testing.T) {
	all := []MoveStatus{MovePlanned, MoveShared, MoveConfirmed, MoveArrived, MoveCancelled}
	allowed := map[[2]MoveStatus]bool{
		{MovePlanned, MoveShared}: true, {MoveShared, MoveConfirmed}: true, {MoveConfirmed, MoveArrived}: true,
		{MovePlanned, MoveCancelled}: true, {MoveShared, MoveCancelled}: true, {MoveConfirmed, MoveCancelled}: true,
	}
	for _, from := range all {
		for _, to := range all {
			next, err := from.Next(to)
			switch {
			case from == to:
				if err != nil || next != from {
					t.Errorf("%s → %s again: %v %v", from, to, next, err)
				}
			case to == MovePlanned, allowed[[2]MoveStatus{from, to}] == false:
				if !errors.Is(err, ErrConflict) && !(to == MovePlanned && errors.Is(err, ErrInvalid)) {
					t.Errorf("%s → %s allowed: %v %v", from, to, next, err)
				}
			default:
				if err != nil || next != to {
					t.Errorf("%s → %s refused: %v", from, to, err)
				}
			}
		}
	}
	if _, err := MovePlanned.Next("gone"); !errors.Is(err, ErrInvalid) {
		t.Errorf("an unknown status: %v", err)
	}
}

// TestWhoSeesTheNewHome: at each state of a move, who may see the placement's
// page and photos, and who keeps it.
func TestWhoSeesTheNewHome(t *testing.T) {
	day := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	now := day.AddDate(0, 0, -10)
	for _, c := range []struct {
		status MoveStatus
		at     time.Time
		open   bool
	}{
		{MovePlanned, now, false}, {MoveShared, now, true}, {MoveConfirmed, now, true}, {MoveArrived, day.AddDate(0, 0, 29), true},
		{MoveArrived, day.AddDate(0, 0, 30), false}, {MoveCancelled, now, false}, {MoveShared, day.AddDate(0, 1, 1), false},
	} {
		if got := PreviewOpen(Move{Status: c.status, Date: day}, c.at); got != c.open {
			t.Errorf("%s at %s: preview open %v, want %v", c.status, c.at.Format(time.DateOnly), got, c.open)
		}
	}
	oak := Placement{ID: NewID(), AreaID: "A"}
	elm := Placement{ID: NewID(), AreaID: "A"}
	other := Placement{ID: NewID(), AreaID: "B"}
	staffOf := func(pl Placement) Principal {
		return Principal{ID: NewID(), AreaID: "A", Role: RolePlacementStaff, PlacementID: pl.ID}
	}
	for _, c := range []struct {
		who    string
		p      Principal
		pl     Placement
		moving bool
		sees   bool
		keeps  bool
	}{
		{"its own staff", staffOf(oak), oak, false, true, true},
		{"another placement's staff", staffOf(elm), oak, false, false, false},
		{"the young person moving there", Principal{AreaID: "A", Role: RoleYoungPerson}, oak, true, true, false},
		{"another young person", Principal{AreaID: "A", Role: RoleYoungPerson}, oak, false, false, false},
		{"a key worker", Principal{AreaID: "A", Role: RoleKeyWorker}, oak, false, true, false},
		{"a team manager", Principal{AreaID: "A", Role: RoleTeamManager}, oak, false, true, false},
		{"an administrator", Principal{AreaID: "A", Role: RoleAdministrator}, oak, false, true, false},
		{"a duty worker", Principal{AreaID: "A", Role: RoleDutyWorker}, oak, false, false, false},
		{"a commissioner", Principal{AreaID: "A", Role: RoleCommissioner}, oak, false, false, false},
		{"a key worker of another area", Principal{AreaID: "A", Role: RoleKeyWorker}, other, false, false, false},
		{"staff with the same id in another area", Principal{AreaID: "B", Role: RolePlacementStaff, PlacementID: oak.ID}, oak, false, false, false},
	} {
		if got := SeesPlacement(c.p, c.pl, c.moving); got != c.sees {
			t.Errorf("%s sees: %v, want %v", c.who, got, c.sees)
		}
		if got := KeepsPlacement(c.p, c.pl); got != c.keeps {
			t.Errorf("%s keeps: %v, want %v", c.who, got, c.keeps)
		}
	}
}

// TestPlacementFields: the limits of a profile, a photo and a move's day.
func TestPlacementFields(t *testing.T) {
	long := func(n int) string {
		b := make([]rune, n)
		for i := range b {
			b[i] = 'ب'
		}
		return string(b)
	}
	ph := []Photo{{ID: NewID()}}
	good := PlacementProfileText{Welcome: "Hello", People: []ProfilePerson{{Name: "Sam", About: "Cooks", PhotoID: ph[0].ID}}}
	if errs := good.Validate(ph); len(errs) > 0 {
		t.Errorf("a good profile: %v", errs)
	}
	for name, c := range map[string]struct {
		text  PlacementProfileText
		field string
	}{
		"no welcome":      {PlacementProfileText{}, "welcome"},
		"a long welcome":  {PlacementProfileText{Welcome: long(1001)}, "welcome"},
		"long rules":      {PlacementProfileText{Welcome: "Hi", Rules: long(1001)}, "rules"},
		"a nameless one":  {PlacementProfileText{Welcome: "Hi", People: []ProfilePerson{{About: "x"}}}, "people.name"},
		"a photo unknown": {PlacementProfileText{Welcome: "Hi", People: []ProfilePerson{{Name: "Sam", PhotoID: NewID()}}}, "people.photoId"},
	} {
		if errs := c.text.Validate(ph); errs[c.field] == "" {
			t.Errorf("%s: %v", name, errs)
		}
	}
	if errs := (MoveDay{LeaveAt: "25:00"}).Validate(); errs["leaveAt"] != "time_format" {
		t.Errorf("leaving at 25:00: %v", errs)
	}
	if errs := (MoveDay{LeaveAt: "09:30", TakenBy: "Kim"}).Validate(); len(errs) > 0 {
		t.Errorf("a good day: %v", errs)
	}
	if errs := (NewPhoto{Kind: "selfie"}).Validate(); errs["kind"] != "one_of" {
		t.Errorf("an unknown kind: %v", errs)
	}
	a, b := Photo{ID: "a"}, Photo{ID: "b"}
	if out, errs := (PhotoOrder{IDs: []string{"b"}}).Reorder([]Photo{a, b}); len(errs) > 0 || out[0].ID != "b" || out[1].ID != "a" {
		t.Errorf("reorder: %v %v", out, errs)
	}
	if _, errs := (PhotoOrder{IDs: []string{"b", "b"}}).Reorder([]Photo{a, b}); errs["ids"] != "unknown" {
		t.Errorf("an id twice: %v", errs)
	}
	if w := (Photo{Widths: []int{320, 720, 1280}}).RenditionWidth(500); w != 720 {
		t.Errorf("500 wide is served from %d", w)
	}
}
