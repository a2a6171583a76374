package heard

import (
	"context"
	"strings"
	"time"
)

// Area administration: an administrator manages their area's teams, staff
// accounts and roles, caseload assignments, duty rota, escalation limits,
// crisis contacts, languages and placements, and reads the audit log. This
// file holds what an administrator may set and change; the service checks
// what needs the database (an id that must exist in the area).

// StaffNameMaxChars bounds a staff member's name; MaxPasswordLength a password.
const (
	StaffNameMaxChars = 80
	MaxPasswordLength = 256
)

// NewStaff is a staff account an administrator adds, with a first password.
type NewStaff struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	Role        Role   `json:"role"`
	TeamID      string `json:"teamId"`
	PlacementID string `json:"placementId"`
	Language    string `json:"language"`
}

// Validate checks the fields (the email as NormaliseEmail leaves it); language
// reports whether Heard speaks a language.
func (n NewStaff) Validate(language func(string) bool) map[string]string {
	f := problems{}
	f.name("name", n.Name, 1, StaffNameMaxChars)
	f.check(ValidEmail(NormaliseEmail(n.Email)), "email", "email_format")
	f.check(len(n.Password) >= MinPasswordLength && len(n.Password) <= MaxPasswordLength, "password", "password_length")
	f.check(n.Role.IsStaff(), "role", "one_of")
	f.check(n.TeamID == "" || ValidID(n.TeamID), "teamId", "id_format")
	f.check(n.PlacementID == "" || ValidID(n.PlacementID), "placementId", "id_format")
	f.check(language(n.Language), "language", "unsupported_language")
	return f
}

// Staff makes the account to store, working the default hours.
func (n NewStaff) Staff(id, area string, now time.Time) Staff {
	return Staff{ID: id, AreaID: area, Email: NormaliseEmail(n.Email), Name: strings.TrimSpace(n.Name), Role: n.Role,
		TeamID: n.TeamID, PlacementID: n.PlacementID, Language: n.Language, PasswordHash: HashPassword(n.Password),
		Hours: DefaultHours(), CreatedAt: now}
}

// PlacementRequired reports whether a role works at a placement, and so needs one.
func PlacementRequired(role Role) bool { return role == RolePlacementStaff }

// StaffChange is what an administrator changes in a staff account; nil
// fields stay as they are.
type StaffChange struct {
	Role        *Role    `json:"role"`
	TeamID      *string  `json:"teamId"`
	PlacementID *string  `json:"placementId"`
	Disabled    *bool    `json:"disabled"`
	Hours       *[]Hours `json:"hours"`
}

// Apply makes the change to st as the administrator p, and reports what is
// wrong with it. An administrator cannot lock the area out of its own
// administration: they can neither give up their own role nor disable their
// own account.
func (c StaffChange) Apply(p Principal, st *Staff) map[string]string {
	f := problems{}
	own := st.ID == p.ID
	changed := false
	wasRole, wasDisabled := st.Role, st.Disabled
	defer func() {
		// A new role or an account turned off ends the sessions begun before.
		if st.Role != wasRole || st.Disabled && !wasDisabled {
			st.Trust++
		}
	}()
	if c.Role != nil {
		f.check(c.Role.IsStaff(), "role", "one_of")
		f.check(!own || *c.Role == RoleAdministrator, "role", "own_role")
		st.Role, changed = *c.Role, true
	}
	if c.TeamID != nil {
		f.check(*c.TeamID == "" || ValidID(*c.TeamID), "teamId", "id_format")
		st.TeamID, changed = *c.TeamID, true
	}
	if c.PlacementID != nil {
		f.check(*c.PlacementID == "" || ValidID(*c.PlacementID), "placementId", "id_format")
		st.PlacementID, changed = *c.PlacementID, true
	}
	if c.Disabled != nil {
		f.check(!own || !*c.Disabled, "disabled", "own_account")
		st.Disabled, changed = *c.Disabled, true
	}
	if c.Hours != nil {
		problem := HoursProblem(*c.Hours)
		f.check(problem == "", "hours", problem)
		st.Hours, changed = append([]Hours{}, *c.Hours...), true
	}
	f.check(changed, "body", "nothing_to_change")
	return f
}

// StaffView is a staff account as administrators see it.
type StaffView struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Email       string  `json:"email"`
	Role        Role    `json:"role"`
	TeamID      string  `json:"teamId,omitempty"`
	TeamName    string  `json:"teamName,omitempty"`
	PlacementID string  `json:"placementId,omitempty"`
	Language    string  `json:"language"`
	Hours       []Hours `json:"hours"`
	Disabled    bool    `json:"disabled"`
}

// NewStaffView shows a staff account, with its team's name when known.
func NewStaffView(st Staff, teamName string) StaffView {
	return StaffView{ID: st.ID, Name: st.Name, Email: st.Email, Role: st.Role, TeamID: st.TeamID, TeamName: teamName,
		PlacementID: st.PlacementID, Language: st.Language, Hours: st.Hours, Disabled: st.Disabled}
}

// MaxDutyShift is the longest shift an administrator can put someone on duty for.
const MaxDutyShift = 7 * 24 * time.Hour

// NewDutyShift puts a staff member on duty from Start to End.
type NewDutyShift struct {
	StaffID string    `json:"staffId"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// Validate checks the fields (who may be on duty is CanBeOnDuty).
func (n NewDutyShift) Validate() map[string]string {
	f := problems{}
	f.check(ValidID(n.StaffID), "staffId", "id_format")
	f.check(!n.Start.IsZero(), "start", "required")
	f.check(n.End.After(n.Start) && n.End.Sub(n.Start) <= MaxDutyShift, "end", "range")
	return f
}

// DutyShiftsCovering cuts [start, start+span) into back-to-back shifts of at
// most MaxDutyShift, each one the rota's form would accept.
func DutyShiftsCovering(start time.Time, span time.Duration) []NewDutyShift {
	var out []NewDutyShift
	for at, end := start, start.Add(span); at.Before(end); at = at.Add(MaxDutyShift) {
		next := at.Add(MaxDutyShift)
		if next.After(end) {
			next = end
		}
		out = append(out, NewDutyShift{Start: at, End: next})
	}
	return out
}

// Duty rota windows: a week by default, at most a year and a day.
const (
	DutyRotaDefaultWindow = 7 * 24 * time.Hour
	DutyRotaMaxWindow     = 366 * 24 * time.Hour
)

// DutyRotaWindow reads the window [from, to) of a duty rota query, in RFC
// 3339 times: from now when from is empty, for a week when to is.
func DutyRotaWindow(from, to string, now time.Time) (time.Time, time.Time, map[string]string) {
	f := problems{}
	start := now
	if from != "" {
		t, err := time.Parse(time.RFC3339, from)
		f.check(err == nil, "from", "time_format")
		start = t
	}
	end := start.Add(DutyRotaDefaultWindow)
	if to != "" {
		t, err := time.Parse(time.RFC3339, to)
		f.check(err == nil, "to", "time_format")
		end = t
	}
	f.check(end.After(start) && end.Sub(start) <= DutyRotaMaxWindow, "to", "range")
	return start, end, f
}

// AuditView is one audit-log entry, naming the young person for administrators.
type AuditView struct {
	AuditEntry
	YoungPersonName string `json:"youngPersonName,omitempty"`
	// StaffName names the staff account acted on (a password reset, a new role).
	StaffName string `json:"staffName,omitempty"`
}

// AuditLogLength is how many of the latest entries the audit log shows.
const AuditLogLength = 200

// CanAdminister reports whether p administers their area.
func CanAdminister(p Principal) bool { return p.AreaID != "" && p.Role == RoleAdministrator }

// AdminService is every action of an area's administrator, one method per
// thing they do, always in their own area.
type AdminService interface {
	Teams(ctx context.Context, p Principal) ([]Team, error)
	AddTeam(ctx context.Context, p Principal, n NewTeam) (Team, error)
	StaffAccounts(ctx context.Context, p Principal) ([]StaffView, error)
	// AddStaff adds an account with a first password; an email already in use is a conflict.
	AddStaff(ctx context.Context, p Principal, n NewStaff) (StaffView, error)
	// ChangeStaff changes an account's role, team, placement, working hours, or disables it.
	ChangeStaff(ctx context.Context, p Principal, id string, c StaffChange) (StaffView, error)
	// ResetStaffPassword gives another staff account a one-time reset code,
	// shown once to the administrator: the old password and every session of
	// the account stop at once, and the code chooses a new password.
	ResetStaffPassword(ctx context.Context, p Principal, id string) (PasswordResetIssued, error)
	// AssignKeyWorker makes a key worker responsible for a young person from
	// now; the previous assignment ends. Assigning the current key worker again
	// changes nothing.
	AssignKeyWorker(ctx context.Context, p Principal, n NewAssignment) (Assignment, error)
	// DutyRota lists the duty shifts overlapping [from, to) (RFC 3339; from now, for a week, when empty).
	DutyRota(ctx context.Context, p Principal, from, to string) ([]DutyShift, error)
	AddDutyShift(ctx context.Context, p Principal, n NewDutyShift) (DutyShift, error)
	RemoveDutyShift(ctx context.Context, p Principal, id string) error
	AreaSettings(ctx context.Context, p Principal) (AreaSettings, error)
	ChangeAreaSettings(ctx context.Context, p Principal, s AreaSettings) (AreaSettings, error)
	// AuditLog lists the latest AuditLogLength entries, newest first.
	AuditLog(ctx context.Context, p Principal) ([]AuditView, error)
	Placements(ctx context.Context, p Principal) ([]Placement, error)
	AddPlacement(ctx context.Context, p Principal, n NewPlacement) (Placement, error)
}
