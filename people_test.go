package heard

import (
	"strings"
	"testing"
	"time"
)

func TestWorkingAndNextWorking(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, london) }
	split := []Hours{{Weekday: time.Monday, Start: 9 * 60, End: 12 * 60}, {Weekday: time.Monday, Start: 13 * 60, End: 17 * 60}}
	sundays := []Hours{{Weekday: time.Sunday, Start: 9 * 60, End: 12 * 60}}
	for _, tc := range []struct {
		name    string
		hours   []Hours
		t       time.Time
		working bool
		next    time.Time // zero: none
	}{
		{"Monday mid-morning", DefaultHours(), at(2026, 11, 2, 10, 0), true, at(2026, 11, 2, 10, 0)},
		{"Monday 9:00 starts the day", DefaultHours(), at(2026, 11, 2, 9, 0), true, at(2026, 11, 2, 9, 0)},
		{"Monday 8:59", DefaultHours(), at(2026, 11, 2, 8, 59), false, at(2026, 11, 2, 9, 0)},
		{"Monday 17:00 is after work", DefaultHours(), at(2026, 11, 2, 17, 0), false, at(2026, 11, 3, 9, 0)},
		{"Monday 16:59", DefaultHours(), at(2026, 11, 2, 16, 59), true, at(2026, 11, 2, 16, 59)},
		{"Friday evening waits for Monday", DefaultHours(), at(2026, 11, 6, 17, 30), false, at(2026, 11, 9, 9, 0)},
		{"Saturday", DefaultHours(), at(2026, 11, 7, 12, 0), false, at(2026, 11, 9, 9, 0)},
		{"Sunday night", DefaultHours(), at(2026, 11, 8, 23, 59), false, at(2026, 11, 9, 9, 0)},
		{"lunch break", split, at(2026, 11, 2, 12, 30), false, at(2026, 11, 2, 13, 0)},
		{"after the only block waits a week", split, at(2026, 11, 2, 17, 0), false, at(2026, 11, 9, 9, 0)},
		{"no hours at all", nil, at(2026, 11, 2, 10, 0), false, time.Time{}},
		// The clocks change on Sundays: the next block is still 9:00 on the wall clock.
		{"clocks go back", sundays, at(2026, 10, 25, 7, 0), false, at(2026, 10, 25, 9, 0)},
		{"clocks go forward", sundays, at(2026, 3, 29, 7, 0), false, at(2026, 3, 29, 9, 0)},
		{"week before the clocks go back", sundays, at(2026, 10, 18, 12, 0), false, at(2026, 10, 25, 9, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Working(tc.hours, tc.t); got != tc.working {
				t.Errorf("Working = %v, want %v", got, tc.working)
			}
			next, ok := NextWorking(tc.hours, tc.t)
			if ok != !tc.next.IsZero() || ok && !next.Equal(tc.next) {
				t.Errorf("NextWorking = %v, %v; want %v", next, ok, tc.next)
			}
			if ok && !Working(tc.hours, next) {
				t.Errorf("NextWorking gave %v, which is not working time", next)
			}
		})
	}
}

func TestDefaultHours(t *testing.T) {
	h := DefaultHours()
	if len(h) != 5 || h[0].Weekday != time.Monday || h[4].Weekday != time.Friday || h[0].Start != 540 || h[0].End != 1020 {
		t.Fatalf("default hours should be Monday to Friday 9-5: %+v", h)
	}
}

func TestKeyWorkerChanges(t *testing.T) {
	a := func(n int) []Assignment {
		out := make([]Assignment, n)
		for i := range out {
			out[i] = Assignment{ID: NewID(), StaffID: NewID()}
		}
		return out
	}
	for _, tc := range []struct {
		history []Assignment
		want    int
	}{
		{nil, 0},
		{a(1), 0},
		{a(2), 1},
		{a(8), 7},
	} {
		if got := KeyWorkerChanges(tc.history); got != tc.want {
			t.Errorf("%d assignments: %d changes, want %d", len(tc.history), got, tc.want)
		}
	}
}

func TestNamesAndEmails(t *testing.T) {
	for in, want := range map[string]string{"Kim Worker": "Kim", "  Kim  Worker ": "Kim", "Kim": "Kim", "": ""} {
		if got := (Staff{Name: in}).FirstName(); got != want {
			t.Errorf("FirstName(%q) = %q, want %q", in, got, want)
		}
	}
	if (YoungPerson{FirstName: "Jonathan", PreferredName: "Jo"}).CalledName() != "Jo" || (YoungPerson{FirstName: "Jonathan"}).CalledName() != "Jonathan" {
		t.Error("a young person is called by the name they chose")
	}
	if NormaliseEmail("  Kim.Worker@Example.ORG ") != "kim.worker@example.org" {
		t.Error("emails are compared without case or spaces")
	}
	for _, tc := range []struct {
		email string
		ok    bool
	}{
		{"kim@example.org", true},
		{"kim.worker+heard@council.gov.uk", true},
		{"kim", false},
		{"kim@", false},
		{"@example.org", false},
		{"kim@localhost", false},
		{"kim worker@example.org", false},
		{"<kim@example.org>", false},
		{`"kim"@example.org`, false},
		{strings.Repeat("k", 250) + "@e.org", false},
	} {
		if got := ValidEmail(tc.email); got != tc.ok {
			t.Errorf("ValidEmail(%q) = %v, want %v", tc.email, got, tc.ok)
		}
	}
}

func TestCrisisContacts(t *testing.T) {
	for _, c := range DefaultCrisisContacts() {
		if errs := c.Validate(); len(errs) > 0 {
			t.Errorf("default contact %q fails its own rules: %v", c.Label, errs)
		}
	}
	for _, tc := range []struct {
		c     CrisisContact
		field string
	}{
		{CrisisContact{Label: "", Number: "999", Kind: "call"}, "label"},
		{CrisisContact{Label: strings.Repeat("x", 81), Number: "999", Kind: "call"}, "label"},
		{CrisisContact{Label: "Line", Number: "9", Kind: "call"}, "number"},
		{CrisisContact{Label: "Line", Number: "call me", Kind: "call"}, "number"},
		{CrisisContact{Label: "Line", Number: "javascript:alert(1)", Kind: "call"}, "number"},
		{CrisisContact{Label: "Line", Number: "0800 1111 0800 1111 0800", Kind: "call"}, "number"},
		{CrisisContact{Label: "Line", Number: "999", Kind: "email"}, "kind"},
		{CrisisContact{Label: "Shout", Number: "85258", Kind: "text", Text: strings.Repeat("S", 41)}, "text"},
		{CrisisContact{Label: "NHS", Number: "111", Kind: "call", Note: strings.Repeat("n", 81)}, "note"},
	} {
		if errs := tc.c.Validate(); errs[tc.field] == "" {
			t.Errorf("%+v: want a problem with %s, got %v", tc.c, tc.field, errs)
		}
	}
	esc := DefaultEscalation()
	if esc.UrgentToDuty != 15*time.Minute || esc.ConcerningAfter != 4*time.Hour {
		t.Errorf("default escalation should be 15 minutes and 4 hours: %+v", esc)
	}
}

func TestPlacementTypes(t *testing.T) {
	for _, p := range PlacementTypes {
		if !p.Valid() {
			t.Errorf("%s should be valid", p)
		}
	}
	if PlacementType("castle").Valid() || PlacementType("").Valid() {
		t.Error("unknown placement types must be refused")
	}
}
