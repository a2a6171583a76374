package heard

import (
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
	RequestID     string    `bson:"requestId" json:"requestId"`
}
