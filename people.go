package heard

import (
	"context"
	"strings"
	"time"
)

// Staff is a staff account: key worker, duty worker, manager, placement staff,
// commissioner or administrator.
type Staff struct {
	ID           string    `bson:"_id" json:"id"`
	AreaID       string    `bson:"area" json:"-"`
	Email        string    `bson:"email" json:"email"`
	Name         string    `bson:"name" json:"name"`
	Role         Role      `bson:"role" json:"role"`
	TeamID       string    `bson:"teamId,omitempty" json:"teamId,omitempty"`
	PlacementID  string    `bson:"placementId,omitempty" json:"placementId,omitempty"`
	Language     string    `bson:"language" json:"language"`
	PasswordHash string    `bson:"passwordHash" json:"-"`
	Hours        []Hours   `bson:"hours" json:"hours"`
	Disabled     bool      `bson:"disabled" json:"disabled"`
	CreatedAt    time.Time `bson:"createdAt" json:"createdAt"`
	// Trust moves on whenever trust in the account changes (its password is
	// changed or reset, its role changes, it is turned off): every session
	// begun before then ends at once.
	Trust int `bson:"trust,omitempty" json:"-"`
	// PasswordReset is the hash of the one-time reset code an administrator
	// was last shown for the account, and when it stops working.
	PasswordReset *PasswordReset `bson:"passwordReset,omitempty" json:"-"`
}

// FirstName is what a young person is shown about their worker.
func (s Staff) FirstName() string {
	name, _, _ := strings.Cut(strings.TrimSpace(s.Name), " ")
	return name
}

// NormaliseEmail makes sign-in case- and space-insensitive.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidEmail is a deliberately loose check: one @, something either side, a dot after it.
func ValidEmail(email string) bool {
	local, domain, ok := strings.Cut(email, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(email, " <>\"") && len(email) <= 254
}

// YoungPerson is a young person using Heard. They never have an email or password.
type YoungPerson struct {
	ID            string    `bson:"_id" json:"id"`
	AreaID        string    `bson:"area" json:"-"`
	FirstName     string    `bson:"firstName" json:"firstName"`
	PreferredName string    `bson:"preferredName,omitempty" json:"preferredName,omitempty"`
	Language      string    `bson:"language" json:"language"`
	TeamID        string    `bson:"teamId,omitempty" json:"teamId,omitempty"`
	Service       Service   `bson:"service" json:"service"`
	PlacementID   string    `bson:"placementId,omitempty" json:"placementId,omitempty"`
	CreatedAt     time.Time `bson:"createdAt" json:"createdAt"`
	// LeftAt is when the young person left Heard; their records are removed
	// after the area's retention period (retention.go).
	LeftAt *time.Time `bson:"leftAt,omitempty" json:"leftAt,omitempty"`
}

// CalledName is the name the young person asked to be called by.
func (y YoungPerson) CalledName() string {
	if y.PreferredName != "" {
		return y.PreferredName
	}
	return y.FirstName
}

// Assignment records that a staff member was a young person's key worker from
// Start until End (open while End is nil). The history is kept for the
// consistency KPI: key-worker changes per young person per year.
type Assignment struct {
	ID            string     `bson:"_id" json:"id"`
	AreaID        string     `bson:"area" json:"-"`
	YoungPersonID string     `bson:"youngPersonId" json:"youngPersonId"`
	StaffID       string     `bson:"staffId" json:"staffId"`
	Start         time.Time  `bson:"start" json:"start"`
	End           *time.Time `bson:"end,omitempty" json:"end,omitempty"`
}

// KeyWorkerChanges counts the changes of key worker in a history: every assignment
// after the first one is one change.
func KeyWorkerChanges(history []Assignment) int {
	if len(history) <= 1 {
		return 0
	}
	return len(history) - 1
}

// Hours is one block of a staff member's working week, in the area's time zone.
type Hours struct {
	Weekday time.Weekday `bson:"weekday" json:"weekday"`
	// Start and End are minutes after midnight.
	Start int `bson:"start" json:"start"`
	End   int `bson:"end" json:"end"`
}

// DefaultHours is Monday to Friday, 9 to 5.
func DefaultHours() []Hours {
	var h []Hours
	for d := time.Monday; d <= time.Friday; d++ {
		h = append(h, Hours{Weekday: d, Start: 9 * 60, End: 17 * 60})
	}
	return h
}

// Working reports whether t (already in the area's zone) falls in one of the blocks.
func Working(hours []Hours, t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	for _, h := range hours {
		if h.Weekday == t.Weekday() && m >= h.Start && m < h.End {
			return true
		}
	}
	return false
}

// NextWorking returns the start of the next working block at or after t, and false
// when the hours are empty.
func NextWorking(hours []Hours, t time.Time) (time.Time, bool) {
	if Working(hours, t) {
		return t, true
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for i := 0; i < 8; i++ {
		d := day.AddDate(0, 0, i)
		best := -1
		for _, h := range hours {
			if h.Weekday != d.Weekday() {
				continue
			}
			// Wall-clock time on that day: adding minutes to midnight would be an hour
			// out on the days the clocks change.
			start := time.Date(d.Year(), d.Month(), d.Day(), h.Start/60, h.Start%60, 0, 0, d.Location())
			if !start.Before(t) && (best < 0 || h.Start < best) {
				best = h.Start
			}
		}
		if best >= 0 {
			return time.Date(d.Year(), d.Month(), d.Day(), best/60, best%60, 0, 0, d.Location()), true
		}
	}
	return time.Time{}, false
}

// DutyShift puts a staff member on duty for the area from Start to End.
type DutyShift struct {
	ID      string    `bson:"_id" json:"id"`
	AreaID  string    `bson:"area" json:"-"`
	StaffID string    `bson:"staffId" json:"staffId"`
	Start   time.Time `bson:"start" json:"start"`
	End     time.Time `bson:"end" json:"end"`
}

// MoveStatus is how far a planned move has got.
type MoveStatus string

const (
	MovePlanned   MoveStatus = "planned"   // chosen by the key worker, not yet shown to the young person
	MoveShared    MoveStatus = "shared"    // the young person can preview the placement
	MoveConfirmed MoveStatus = "confirmed" // the placement sees the young person's details
	MoveArrived   MoveStatus = "arrived"
	MoveCancelled MoveStatus = "cancelled"
)

// Move is a planned move of a young person to a placement.
type Move struct {
	ID            string     `bson:"_id" json:"id"`
	AreaID        string     `bson:"area" json:"-"`
	YoungPersonID string     `bson:"youngPersonId" json:"youngPersonId"`
	PlacementID   string     `bson:"placementId" json:"placementId"`
	Date          time.Time  `bson:"date" json:"date"`
	Status        MoveStatus `bson:"status" json:"status"`
	CreatedBy     string     `bson:"createdBy" json:"createdBy"`
	CreatedAt     time.Time  `bson:"createdAt" json:"createdAt"`
	SharedAt      *time.Time `bson:"sharedAt,omitempty" json:"sharedAt,omitempty"`
	// Day is the day itself, as the key worker tells it.
	Day *MoveDay `bson:"day,omitempty" json:"day,omitempty"`
	// OpenedAt is when the young person first opened the preview.
	OpenedAt *time.Time `bson:"openedAt,omitempty" json:"openedAt,omitempty"`
	// VisitAskedAt is when the young person asked to visit first.
	VisitAskedAt *time.Time `bson:"visitAskedAt,omitempty" json:"visitAskedAt,omitempty"`
	// Bring is the young person's "things I want to bring", when they chose to share it.
	Bring     []string   `bson:"bring,omitempty" json:"bring,omitempty"`
	ChangedAt *time.Time `bson:"changedAt,omitempty" json:"changedAt,omitempty"`
}

// AuditEntry records a staff read or change of a young person's record.
type AuditEntry struct {
	ID            string    `bson:"_id" json:"id"`
	AreaID        string    `bson:"area" json:"-"`
	At            time.Time `bson:"at" json:"at"`
	ActorID       string    `bson:"actorId" json:"actorId"`
	ActorName     string    `bson:"actorName" json:"actorName"`
	ActorRole     Role      `bson:"actorRole" json:"actorRole"`
	Action        string    `bson:"action" json:"action"`
	YoungPersonID string    `bson:"youngPersonId,omitempty" json:"youngPersonId,omitempty"`
	// StaffID is the staff account acted on (a password reset).
	StaffID string `bson:"staffId,omitempty" json:"staffId,omitempty"`
	// Count is how many records an action removed (the retention sweeper).
	Count     int64  `bson:"count,omitempty" json:"count,omitempty"`
	RequestID string `bson:"requestId" json:"requestId"`
}

// problems collects the problems of a request's fields: the first one found
// for a field is the one reported.
type problems map[string]string

func (p problems) check(ok bool, field, problem string) {
	if !ok {
		if _, seen := p[field]; !seen {
			p[field] = problem
		}
	}
}

// textFits reports whether a text, trimmed, is between min and max characters.
func textFits(s string, min, max int) bool {
	n := len([]rune(strings.TrimSpace(s)))
	return n >= min && n <= max
}

// CanBeKeyWorker reports whether a staff account may hold a caseload: an
// active key worker's account.
func CanBeKeyWorker(st Staff) bool { return st.Role == RoleKeyWorker && !st.Disabled }

// CanBeOnDuty reports whether a staff account may be put on the duty rota:
// an active duty worker's, key worker's or team manager's account. The others
// (administrators, placements, commissioners) never take an escalated alert.
func CanBeOnDuty(st Staff) bool {
	return !st.Disabled && Can(st.Role, RoleDutyWorker, RoleKeyWorker, RoleTeamManager)
}

// MaxHoursBlocks bounds a working week: three blocks a day.
const MaxHoursBlocks = 21

// Valid reports whether a block of working hours is a real part of one day:
// a weekday, and a start before its end within the day.
func (h Hours) Valid() bool {
	return h.Weekday >= time.Sunday && h.Weekday <= time.Saturday && h.Start >= 0 && h.End <= 24*60 && h.Start < h.End
}

// HoursProblem names what is wrong with a working week ("" when nothing).
func HoursProblem(hours []Hours) string {
	if len(hours) > MaxHoursBlocks {
		return "too_many"
	}
	for _, h := range hours {
		if !h.Valid() {
			return "hours_range"
		}
	}
	return ""
}

// Young people's names are short: a first name, and the name they go by.
const (
	FirstNameMaxChars     = 40
	PreferredNameMaxChars = 40
)

// NewYoungPerson is a young person a key worker or an administrator adds.
type NewYoungPerson struct {
	FirstName     string `json:"firstName"`
	PreferredName string `json:"preferredName"`
	Language      string `json:"language"`
	TeamID        string `json:"teamId"`
	// KeyWorkerID is set by administrators; a key worker who adds a young person becomes theirs.
	KeyWorkerID string `json:"keyWorkerId"`
}

// For applies who is adding the young person: a key worker adds them to their
// own team unless they name another, and becomes their key worker; naming a
// colleague as key worker is not theirs to do.
func (n NewYoungPerson) For(p Principal) (NewYoungPerson, map[string]string) {
	if p.Role != RoleKeyWorker {
		return n, nil
	}
	if n.TeamID == "" {
		n.TeamID = p.TeamID
	}
	if n.KeyWorkerID != "" && n.KeyWorkerID != p.ID {
		return n, map[string]string{"keyWorkerId": "not_allowed"}
	}
	n.KeyWorkerID = p.ID
	return n, nil
}

// Validate checks the fields; language reports whether Heard speaks a language.
func (n NewYoungPerson) Validate(language func(string) bool) map[string]string {
	f := problems{}
	f.name("firstName", n.FirstName, 1, FirstNameMaxChars)
	f.name("preferredName", n.PreferredName, 0, PreferredNameMaxChars)
	f.check(language(n.Language), "language", "unsupported_language")
	f.check(ValidID(n.TeamID), "teamId", "id_format")
	f.check(n.KeyWorkerID == "" || ValidID(n.KeyWorkerID), "keyWorkerId", "id_format")
	return f
}

// YoungPersonView is a young person as staff see them in lists and records.
type YoungPersonView struct {
	ID            string     `json:"id"`
	FirstName     string     `json:"firstName"`
	PreferredName string     `json:"preferredName,omitempty"`
	Language      string     `json:"language"`
	Service       Service    `json:"service"`
	TeamID        string     `json:"teamId,omitempty"`
	KeyWorker     *PersonRef `json:"keyWorker,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	LeftAt        *time.Time `json:"leftAt,omitempty"`
}

// NewYoungPersonView shows a young person with their key worker (nil when none).
func NewYoungPersonView(y YoungPerson, keyWorker *Staff) YoungPersonView {
	v := YoungPersonView{ID: y.ID, FirstName: y.FirstName, PreferredName: y.PreferredName, Language: y.Language,
		Service: y.Service, TeamID: y.TeamID, CreatedAt: y.CreatedAt, LeftAt: y.LeftAt}
	if keyWorker != nil {
		v.KeyWorker = &PersonRef{ID: keyWorker.ID, Name: keyWorker.Name}
	}
	return v
}

// KeyWorkerSpell is one key worker of a young person's history, as staff see it.
type KeyWorkerSpell struct {
	StaffID   string     `json:"staffId"`
	StaffName string     `json:"staffName"`
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end,omitempty"`
}

// NewAssignment makes a key worker responsible for a young person from now.
type NewAssignment struct {
	YoungPersonID string `json:"youngPersonId"`
	StaffID       string `json:"staffId"`
}

// Validate checks the ids.
func (n NewAssignment) Validate() map[string]string {
	f := problems{}
	f.check(ValidID(n.YoungPersonID), "youngPersonId", "id_format")
	f.check(ValidID(n.StaffID), "staffId", "id_format")
	return f
}

// JoinCodeView is a fresh one-time code as the key worker who made it sees it.
type JoinCodeView struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// DeviceView is a young person's phone as their key worker sees it.
type DeviceView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastSeenAt time.Time  `json:"lastSeenAt"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// PeopleService is every action on young people's records, one method per
// thing a person does. Reads of a record by staff are audit-logged.
type PeopleService interface {
	// YoungPeople lists the young people the caller works with: a key worker's
	// caseload, a team manager's team, an administrator's area.
	YoungPeople(ctx context.Context, p Principal) ([]YoungPersonView, error)
	// AddYoungPerson adds a young person; a key worker who adds one becomes their key worker.
	AddYoungPerson(ctx context.Context, p Principal, n NewYoungPerson) (YoungPersonView, error)
	// YoungPerson shows one young person's record.
	YoungPerson(ctx context.Context, p Principal, id string) (YoungPersonView, error)
	// KeyWorkerHistory lists who has been the young person's key worker, and when.
	KeyWorkerHistory(ctx context.Context, p Principal, id string) ([]KeyWorkerSpell, error)
	// CreateJoinCode makes a one-time join code for a phone (the key worker only).
	CreateJoinCode(ctx context.Context, p Principal, id string) (JoinCodeView, error)
	// Devices lists the phones the young person has joined with (the key worker only).
	Devices(ctx context.Context, p Principal, id string) ([]DeviceView, error)
	// SignOutDevice signs one of the young person's phones out (the key worker only).
	SignOutDevice(ctx context.Context, p Principal, id, deviceID string) error
	// CompleteKeyWorkers finishes what a change of a young person's key worker
	// left undone (the history, the caseloads, the audit log); the background
	// worker calls it for work a failed request left behind.
	CompleteKeyWorkers(ctx context.Context, areaID, youngPersonID string) error
}
