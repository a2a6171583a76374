package heard

import (
	"strings"
	"testing"
	"time"
)

func TestStaffChangeApply(t *testing.T) {
	admin := Principal{ID: "ad-1", AreaID: "a", Role: RoleAdministrator}
	team, placement := NewID(), NewID()
	kim := Staff{ID: "kim", Role: RoleKeyWorker, TeamID: team, Hours: DefaultHours()}
	me := Staff{ID: admin.ID, Role: RoleAdministrator}
	role := func(r Role) *Role { return &r }
	text := func(s string) *string { return &s }
	yes, no := true, false
	tuesday := []Hours{{Weekday: time.Tuesday, Start: 480, End: 960}}
	for _, tc := range []struct {
		name    string
		st      Staff
		change  StaffChange
		field   string // the problem, or "" when allowed
		problem string
		check   func(Staff) bool
	}{
		{"nothing to change", kim, StaffChange{}, "body", "nothing_to_change", nil},
		{"a new role", kim, StaffChange{Role: role(RoleTeamManager)}, "", "", func(s Staff) bool { return s.Role == RoleTeamManager }},
		{"a young person's role", kim, StaffChange{Role: role(RoleYoungPerson)}, "role", "one_of", nil},
		{"an unknown role", kim, StaffChange{Role: role("captain")}, "role", "one_of", nil},
		{"giving up one's own administration", me, StaffChange{Role: role(RoleKeyWorker)}, "role", "own_role", nil},
		{"keeping one's own administration", me, StaffChange{Role: role(RoleAdministrator)}, "", "", nil},
		{"disabling one's own account", me, StaffChange{Disabled: &yes}, "disabled", "own_account", nil},
		{"enabling one's own account", me, StaffChange{Disabled: &no}, "", "", nil},
		{"disabling another's account", kim, StaffChange{Disabled: &yes}, "", "", func(s Staff) bool { return s.Disabled }},
		{"a new team", kim, StaffChange{TeamID: text(NewID())}, "", "", func(s Staff) bool { return s.TeamID != team }},
		{"no team", kim, StaffChange{TeamID: text("")}, "", "", func(s Staff) bool { return s.TeamID == "" }},
		{"a malformed team", kim, StaffChange{TeamID: text("t-1")}, "teamId", "id_format", nil},
		{"a placement", kim, StaffChange{PlacementID: text(placement)}, "", "", func(s Staff) bool { return s.PlacementID == placement }},
		{"a malformed placement", kim, StaffChange{PlacementID: text("oak")}, "placementId", "id_format", nil},
		{"new hours", kim, StaffChange{Hours: &tuesday}, "", "", func(s Staff) bool { return len(s.Hours) == 1 && s.Hours[0] == tuesday[0] }},
		{"no hours at all", kim, StaffChange{Hours: &[]Hours{}}, "", "", func(s Staff) bool { return len(s.Hours) == 0 }},
		{"hours that end before they start", kim, StaffChange{Hours: &[]Hours{{Weekday: time.Monday, Start: 600, End: 540}}}, "hours", "hours_range", nil},
	} {
		st := tc.st
		errs := tc.change.Apply(admin, &st)
		if tc.field == "" && len(errs) > 0 || tc.field != "" && errs[tc.field] != tc.problem {
			t.Errorf("%s: %v, want %s=%s", tc.name, errs, tc.field, tc.problem)
			continue
		}
		if tc.check != nil && !tc.check(st) {
			t.Errorf("%s: the account after the change: %+v", tc.name, st)
		}
	}
}

func TestNewStaffValidate(t *testing.T) {
	speaks := func(l string) bool { return l == "en" }
	good := NewStaff{Name: "Kim Worker", Email: " Kim@Example.org ", Password: "a long first password", Role: RoleKeyWorker, Language: "en"}
	if errs := good.Validate(speaks); len(errs) != 0 {
		t.Fatalf("a good account: %v", errs)
	}
	st := good.Staff("id", "area", time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	if st.Email != "kim@example.org" || st.Name != "Kim Worker" || st.PasswordHash == "" || st.PasswordHash == good.Password || len(st.Hours) != 5 {
		t.Fatalf("the account to store: %+v", st)
	}
	for _, tc := range []struct {
		name, field, problem string
		change               func(*NewStaff)
	}{
		{"no name", "name", "length", func(n *NewStaff) { n.Name = " " }},
		{"not an email", "email", "email_format", func(n *NewStaff) { n.Email = "kim" }},
		{"a short password", "password", "password_length", func(n *NewStaff) { n.Password = "short" }},
		{"a huge password", "password", "password_length", func(n *NewStaff) { n.Password = strings.Repeat("x", 257) }},
		{"a young person's role", "role", "one_of", func(n *NewStaff) { n.Role = RoleYoungPerson }},
		{"a malformed team", "teamId", "id_format", func(n *NewStaff) { n.TeamID = "x" }},
		{"a malformed placement", "placementId", "id_format", func(n *NewStaff) { n.PlacementID = "x" }},
		{"a language Heard does not speak", "language", "unsupported_language", func(n *NewStaff) { n.Language = "xx" }},
	} {
		n := good
		tc.change(&n)
		if errs := n.Validate(speaks); errs[tc.field] != tc.problem {
			t.Errorf("%s: %v, want %s=%s", tc.name, errs, tc.field, tc.problem)
		}
	}
	if !PlacementRequired(RolePlacementStaff) || PlacementRequired(RoleKeyWorker) {
		t.Fatal("only placement staff need a placement")
	}
}

func TestDutyShiftsAndRota(t *testing.T) {
	start := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, field, problem string
		shift                NewDutyShift
	}{
		{"a day", "", "", NewDutyShift{StaffID: NewID(), Start: start, End: start.Add(8 * time.Hour)}},
		{"a week", "", "", NewDutyShift{StaffID: NewID(), Start: start, End: start.Add(7 * 24 * time.Hour)}},
		{"more than a week", "end", "range", NewDutyShift{StaffID: NewID(), Start: start, End: start.Add(7*24*time.Hour + time.Minute)}},
		{"ends as it starts", "end", "range", NewDutyShift{StaffID: NewID(), Start: start, End: start}},
		{"no start", "start", "required", NewDutyShift{StaffID: NewID(), End: start}},
		{"a malformed staff id", "staffId", "id_format", NewDutyShift{StaffID: "dee", Start: start, End: start.Add(time.Hour)}},
	} {
		errs := tc.shift.Validate()
		if tc.field == "" && len(errs) > 0 || tc.field != "" && errs[tc.field] != tc.problem {
			t.Errorf("%s: %v, want %s=%s", tc.name, errs, tc.field, tc.problem)
		}
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from, to string
		field    string
		wantFrom time.Time
		wantTo   time.Time
	}{
		{"", "", "", now, now.Add(7 * 24 * time.Hour)},
		{"2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z", "", time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)},
		{"2026-11-10T00:00:00Z", "", "", time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)},
		{"yesterday", "", "from", time.Time{}, time.Time{}},
		{"", "2026-13-01T00:00:00Z", "to", time.Time{}, time.Time{}},
		{"2026-11-10T00:00:00Z", "2026-11-01T00:00:00Z", "to", time.Time{}, time.Time{}},
		{"2026-01-01T00:00:00Z", "2027-01-02T00:00:00Z", "", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z", "to", time.Time{}, time.Time{}},
	} {
		from, to, errs := DutyRotaWindow(tc.from, tc.to, now)
		if tc.field != "" {
			if errs[tc.field] == "" {
				t.Errorf("%q to %q: want a problem with %s, got %v", tc.from, tc.to, tc.field, errs)
			}
			continue
		}
		if len(errs) > 0 || !from.Equal(tc.wantFrom) || !to.Equal(tc.wantTo) {
			t.Errorf("%q to %q: %s to %s %v", tc.from, tc.to, from, to, errs)
		}
	}
}

func TestOnlyAdministratorsAdminister(t *testing.T) {
	for _, r := range append(StaffRoles, RoleYoungPerson) {
		if got := CanAdminister(Principal{ID: "x", AreaID: "a", Role: r}); got != (r == RoleAdministrator) {
			t.Errorf("CanAdminister(%s) = %v", r, got)
		}
	}
	if CanAdminister(Principal{ID: "x", Role: RoleAdministrator}) {
		t.Error("an administrator of no area administers nothing")
	}
}
