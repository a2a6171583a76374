package heard

import (
	"testing"
	"time"
)

func TestNewMoveIsADayOfTheAreasCalendar(t *testing.T) {
	placement := NewID()
	london := Area{TimeZone: "Europe/London"}
	newYork := Area{TimeZone: "America/New_York"}
	auckland := Area{TimeZone: "Pacific/Auckland"}
	for _, tc := range []struct {
		name  string
		area  Area
		now   time.Time
		date  string
		field string // the problem, or "" when good
		code  string
	}{
		{"today", london, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), "2026-11-02", "", ""},
		{"yesterday", london, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), "2026-11-01", "date", "range"},
		{"the last day of two years", london, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), "2028-11-01", "", ""},
		{"two years ahead", london, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), "2028-11-02", "date", "range"},
		// 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time):
		// the UTC day would let a move "today" be yesterday's date.
		{"London after midnight in summer: 1 July is past", london, time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC), "2026-07-01", "date", "range"},
		{"London after midnight in summer: 2 July is today", london, time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC), "2026-07-02", "", ""},
		// 02:00 UTC on 2 July is still 1 July in New York: today is not refused as past.
		{"New York late in the evening: 1 July is today", newYork, time.Date(2026, 7, 2, 2, 0, 0, 0, time.UTC), "2026-07-01", "", ""},
		{"Auckland is a day ahead", auckland, time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC), "2026-11-02", "date", "range"},
		{"a time, not a day", london, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), "2026-11-20T10:00:00Z", "date", "date_format"},
		{"no date", london, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), "", "date", "date_format"},
		{"30 February", london, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), "2027-02-30", "date", "date_format"},
	} {
		day, errs := NewMove{PlacementID: placement, Date: tc.date}.Validate(tc.area, tc.now)
		if tc.field == "" && len(errs) > 0 || tc.field != "" && errs[tc.field] != tc.code {
			t.Errorf("%s: %v, want %s=%s", tc.name, errs, tc.field, tc.code)
			continue
		}
		if tc.field == "" && (day.Format(time.DateOnly) != tc.date || day.Location() != time.UTC || day.Hour() != 0) {
			t.Errorf("%s: the move day is kept as midnight UTC of the date: %s", tc.name, day)
		}
	}
	if _, errs := (NewMove{PlacementID: "oak", Date: "2026-11-20"}).Validate(london, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)); errs["placementId"] != "id_format" {
		t.Fatalf("a malformed placement: %v", errs)
	}
}

func TestPlacementsSeeOnlyAFirstNameUntilTheMoveIsConfirmed(t *testing.T) {
	y := YoungPerson{ID: "y", FirstName: "Sam", PreferredName: "Sammy"}
	for _, tc := range []struct {
		status MoveStatus
		sees   bool
	}{{MovePlanned, false}, {MoveShared, false}, {MoveConfirmed, true}, {MoveArrived, true}, {MoveCancelled, false}} {
		v := NewIncomingMove(Move{ID: "m", Status: tc.status}, y)
		if v.FirstName != "Sam" || (v.YoungPersonID != "") != tc.sees || tc.status.Confirmed() != tc.sees {
			t.Errorf("%s: %+v", tc.status, v)
		}
	}
}
