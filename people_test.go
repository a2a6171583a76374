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

func TestWhoMayHoldACaseloadOrBeOnDuty(t *testing.T) {
	for _, tc := range []struct {
		role        Role
		disabled    bool
		keyWorker   bool
		canBeOnDuty bool
	}{
		{RoleKeyWorker, false, true, true},
		{RoleKeyWorker, true, false, false},
		{RoleDutyWorker, false, false, true},
		{RoleDutyWorker, true, false, false},
		{RoleTeamManager, false, false, true},
		{RoleAdministrator, false, false, false},
		{RolePlacementStaff, false, false, false},
		{RoleCommissioner, false, false, false},
		{RoleYoungPerson, false, false, false},
	} {
		st := Staff{Role: tc.role, Disabled: tc.disabled}
		if got := CanBeKeyWorker(st); got != tc.keyWorker {
			t.Errorf("CanBeKeyWorker(%s, disabled %v) = %v", tc.role, tc.disabled, got)
		}
		if got := CanBeOnDuty(st); got != tc.canBeOnDuty {
			t.Errorf("CanBeOnDuty(%s, disabled %v) = %v", tc.role, tc.disabled, got)
		}
	}
}

func TestHoursProblem(t *testing.T) {
	week := func(n int) []Hours {
		var h []Hours
		for i := 0; i < n; i++ {
			h = append(h, Hours{Weekday: time.Weekday(i % 7), Start: 60 * (i / 7), End: 60*(i/7) + 30})
		}
		return h
	}
	for _, tc := range []struct {
		name  string
		hours []Hours
		want  string
	}{
		{"no hours at all", nil, ""},
		{"the default week", DefaultHours(), ""},
		{"a whole day", []Hours{{Weekday: time.Sunday, Start: 0, End: 24 * 60}}, ""},
		{"three blocks a day", week(21), ""},
		{"more than three blocks a day", week(22), "too_many"},
		{"ends before it starts", []Hours{{Weekday: time.Monday, Start: 600, End: 540}}, "hours_range"},
		{"ends as it starts", []Hours{{Weekday: time.Monday, Start: 600, End: 600}}, "hours_range"},
		{"starts before midnight", []Hours{{Weekday: time.Monday, Start: -1, End: 600}}, "hours_range"},
		{"ends after midnight", []Hours{{Weekday: time.Monday, Start: 600, End: 24*60 + 1}}, "hours_range"},
		{"day 7", []Hours{{Weekday: 7, Start: 540, End: 600}}, "hours_range"},
		{"day -1", []Hours{{Weekday: -1, Start: 540, End: 600}}, "hours_range"},
	} {
		if got := HoursProblem(tc.hours); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNewYoungPerson(t *testing.T) {
	speaks := func(l string) bool { return l == "en" || l == "ar" }
	kw := Principal{ID: "kw-1", AreaID: "a", Role: RoleKeyWorker, TeamID: "team-1"}
	admin := Principal{ID: "ad-1", AreaID: "a", Role: RoleAdministrator}
	team, worker := NewID(), NewID()
	for _, tc := range []struct {
		name  string
		p     Principal
		n     NewYoungPerson
		want  NewYoungPerson
		field string // the problem expected, if any
		code  string
	}{
		{"a key worker adds to their own team and becomes the key worker", kw, NewYoungPerson{FirstName: "Sam"},
			NewYoungPerson{FirstName: "Sam", TeamID: "team-1", KeyWorkerID: "kw-1"}, "teamId", "id_format"},
		{"a key worker may choose the team", kw, NewYoungPerson{FirstName: "Sam", TeamID: team, Language: "en"},
			NewYoungPerson{FirstName: "Sam", TeamID: team, KeyWorkerID: "kw-1", Language: "en"}, "keyWorkerId", "id_format"},
		{"a key worker cannot name a colleague", kw, NewYoungPerson{FirstName: "Sam", KeyWorkerID: worker}, NewYoungPerson{}, "keyWorkerId", "not_allowed"},
		{"an administrator names anyone", admin, NewYoungPerson{FirstName: "Sam", TeamID: team, KeyWorkerID: worker, Language: "ar"},
			NewYoungPerson{FirstName: "Sam", TeamID: team, KeyWorkerID: worker, Language: "ar"}, "", ""},
		{"no name", admin, NewYoungPerson{FirstName: "   ", TeamID: team, Language: "en"}, NewYoungPerson{FirstName: "   ", TeamID: team, Language: "en"}, "firstName", "length"},
		{"41 letters", admin, NewYoungPerson{FirstName: strings.Repeat("ب", 41), TeamID: team, Language: "en"},
			NewYoungPerson{FirstName: strings.Repeat("ب", 41), TeamID: team, Language: "en"}, "firstName", "length"},
		{"40 letters", admin, NewYoungPerson{FirstName: strings.Repeat("ب", 40), TeamID: team, Language: "en"},
			NewYoungPerson{FirstName: strings.Repeat("ب", 40), TeamID: team, Language: "en"}, "", ""},
		{"a long preferred name", admin, NewYoungPerson{FirstName: "Sam", PreferredName: strings.Repeat("x", 41), TeamID: team, Language: "en"},
			NewYoungPerson{FirstName: "Sam", PreferredName: strings.Repeat("x", 41), TeamID: team, Language: "en"}, "preferredName", "length"},
		{"a language Heard does not speak", admin, NewYoungPerson{FirstName: "Sam", TeamID: team, Language: "xx"},
			NewYoungPerson{FirstName: "Sam", TeamID: team, Language: "xx"}, "language", "unsupported_language"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, errs := tc.n.For(tc.p)
			if errs == nil {
				if tc.want.Language == "" {
					n.Language = "en" // the service fills in the default language
					tc.want.Language = "en"
				}
				if n != tc.want {
					t.Fatalf("For gave %+v, want %+v", n, tc.want)
				}
				errs = n.Validate(speaks)
			}
			if tc.field == "" && len(errs) > 0 || tc.field != "" && errs[tc.field] != tc.code {
				t.Fatalf("problems %v, want %s=%s", errs, tc.field, tc.code)
			}
		})
	}
}

func TestNewYoungPersonView(t *testing.T) {
	y := YoungPerson{ID: "y", FirstName: "Sam", PreferredName: "Sammy", Language: "en", Service: ServiceCAMHS, TeamID: "t"}
	if v := NewYoungPersonView(y, nil); v.KeyWorker != nil || v.FirstName != "Sam" || v.PreferredName != "Sammy" {
		t.Fatalf("without a key worker: %+v", v)
	}
	v := NewYoungPersonView(y, &Staff{ID: "kw", Name: "Kim Worker"})
	if v.KeyWorker == nil || *v.KeyWorker != (PersonRef{ID: "kw", Name: "Kim Worker"}) {
		t.Fatalf("staff see the key worker's full name: %+v", v.KeyWorker)
	}
}

func TestNewAssignment(t *testing.T) {
	if errs := (NewAssignment{YoungPersonID: NewID(), StaffID: NewID()}).Validate(); len(errs) != 0 {
		t.Fatalf("good ids: %v", errs)
	}
	errs := NewAssignment{YoungPersonID: "x", StaffID: ""}.Validate()
	if errs["youngPersonId"] != "id_format" || errs["staffId"] != "id_format" {
		t.Fatalf("bad ids: %v", errs)
	}
}
