package heard

import (
	"strings"
	"testing"
	"time"
)

func TestAreaSettingsValidate(t *testing.T) {
	speaks := func(l string) bool { return l == "en" || l == "ar" }
	good := func(change func(*AreaSettings)) AreaSettings {
		s := AreaSettings{UrgentToDutyMinutes: 15, DutyToManagerMinutes: 15, ConcerningAfterMinutes: 240,
			CrisisContacts: DefaultCrisisContacts(), Languages: []string{"en"}}
		change(&s)
		return s
	}
	contacts := func(n int) []CrisisContact {
		var out []CrisisContact
		for i := 0; i < n; i++ {
			out = append(out, CrisisContact{Label: "Line", Number: "0800 1111", Kind: "call"})
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		settings AreaSettings
		field    string // "" when good
		problem  string
	}{
		{"the defaults", good(func(*AreaSettings) {}), "", ""},
		{"a new name", good(func(s *AreaSettings) { s.Name = "Riverside" }), "", ""},
		{"a name of spaces", good(func(s *AreaSettings) { s.Name = "   " }), "name", "length"},
		{"a name of 81 letters", good(func(s *AreaSettings) { s.Name = strings.Repeat("x", 81) }), "name", "length"},
		{"urgent to duty at once", good(func(s *AreaSettings) { s.UrgentToDutyMinutes = 0 }), "urgentToDutyMinutes", "range"},
		{"urgent to duty after 1 minute", good(func(s *AreaSettings) { s.UrgentToDutyMinutes = 1 }), "", ""},
		{"urgent to duty after 2 hours", good(func(s *AreaSettings) { s.UrgentToDutyMinutes = 120 }), "", ""},
		{"urgent to duty after 121 minutes", good(func(s *AreaSettings) { s.UrgentToDutyMinutes = 121 }), "urgentToDutyMinutes", "range"},
		{"duty to manager at once", good(func(s *AreaSettings) { s.DutyToManagerMinutes = 0 }), "dutyToManagerMinutes", "range"},
		{"duty to manager after 121 minutes", good(func(s *AreaSettings) { s.DutyToManagerMinutes = 121 }), "dutyToManagerMinutes", "range"},
		{"concerning after 4 minutes", good(func(s *AreaSettings) { s.ConcerningAfterMinutes = 4 }), "concerningAfterMinutes", "range"},
		{"concerning after 5 minutes", good(func(s *AreaSettings) { s.ConcerningAfterMinutes = 5 }), "", ""},
		{"concerning after a day", good(func(s *AreaSettings) { s.ConcerningAfterMinutes = 24 * 60 }), "", ""},
		{"concerning after a day and a minute", good(func(s *AreaSettings) { s.ConcerningAfterMinutes = 24*60 + 1 }), "concerningAfterMinutes", "range"},
		{"no crisis contacts", good(func(s *AreaSettings) { s.CrisisContacts = nil }), "crisisContacts", "count"},
		{"12 crisis contacts", good(func(s *AreaSettings) { s.CrisisContacts = contacts(12) }), "", ""},
		{"13 crisis contacts", good(func(s *AreaSettings) { s.CrisisContacts = contacts(13) }), "crisisContacts", "count"},
		{"a number with letters", good(func(s *AreaSettings) {
			s.CrisisContacts = []CrisisContact{{Label: "Line", Number: "call us", Kind: "call"}}
		}), "crisisContacts.number", "phone_format"},
		{"no languages", good(func(s *AreaSettings) { s.Languages = nil }), "languages", "required"},
		{"a language Heard does not speak", good(func(s *AreaSettings) { s.Languages = []string{"en", "xx"} }), "languages", "unsupported_language"},
	} {
		errs := tc.settings.Validate(speaks)
		if tc.field == "" && len(errs) > 0 || tc.field != "" && errs[tc.field] != tc.problem {
			t.Errorf("%s: %v, want %s=%s", tc.name, errs, tc.field, tc.problem)
		}
	}
}

func TestAreaSettingsShowTheEscalationPolicy(t *testing.T) {
	a := Area{Name: "A", Escalation: EscalationPolicy{UrgentToDuty: 10 * time.Minute, DutyToManager: 20 * time.Minute, ConcerningAfter: 3 * time.Hour},
		CrisisContacts: DefaultCrisisContacts(), Languages: []string{"en"}}
	s := NewAreaSettings(a)
	if s.UrgentToDutyMinutes != 10 || s.DutyToManagerMinutes != 20 || s.ConcerningAfterMinutes != 180 || s.Name != "A" {
		t.Fatalf("settings of %+v: %+v", a.Escalation, s)
	}
	if s.Escalation() != a.Escalation {
		t.Fatalf("the policy back from the settings: %+v", s.Escalation())
	}
	if DefaultEscalation() != (EscalationPolicy{UrgentToDuty: 15 * time.Minute, DutyToManager: 15 * time.Minute, ConcerningAfter: 4 * time.Hour}) {
		t.Fatal("SPEC.md's defaults are 15 minutes, a further 15, and 4 hours")
	}
}

func TestAreaToday(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		name string
		tz   string
		now  time.Time
		want time.Time
	}{
		{"London in winter is UTC", "Europe/London", time.Date(2026, 11, 2, 23, 30, 0, 0, time.UTC), day("2026-11-02")},
		{"London in summer, after 23:00 UTC, is the next day", "Europe/London", time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC), day("2026-07-02")},
		{"New York, early in the UTC day, is the day before", "America/New_York", time.Date(2026, 7, 2, 2, 0, 0, 0, time.UTC), day("2026-07-01")},
		{"Auckland is ahead", "Pacific/Auckland", time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC), day("2026-11-03")},
		{"no time zone is London's", "", time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC), day("2026-07-02")},
		{"an unknown time zone is London's", "Mars/Olympus", time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC), day("2026-07-02")},
	} {
		if got := (Area{TimeZone: tc.tz}).Today(tc.now); !got.Equal(tc.want) {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestNewTeamAndPlacement(t *testing.T) {
	if errs := (NewTeam{Name: "CAMHS North", Service: ServiceCAMHS}).Validate(); len(errs) != 0 {
		t.Fatalf("a good team: %v", errs)
	}
	if errs := (NewTeam{Name: " ", Service: "castle"}).Validate(); errs["name"] != "length" || errs["service"] != "one_of" {
		t.Fatalf("a bad team: %v", errs)
	}
	if errs := (NewPlacement{Name: "Oak House", Type: PlacementChildrensHome}).Validate(); len(errs) != 0 {
		t.Fatalf("a good placement: %v", errs)
	}
	if errs := (NewPlacement{Name: strings.Repeat("x", 81), Type: "castle"}).Validate(); errs["name"] != "length" || errs["type"] != "one_of" {
		t.Fatalf("a bad placement: %v", errs)
	}
}
