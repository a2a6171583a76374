// Package heard is the domain of Heard: the people, their relationships and the
// pure rules that decide who may see what. It imports no framework and none of
// Heard's adapters; store/, api/, notify/ and i18n/ depend on it, never the reverse.
package heard

import (
	"crypto/sha256"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Role is what a signed-in person does in Heard. A person has exactly one.
type Role string

const (
	RoleAdministrator  Role = "administrator"
	RoleKeyWorker      Role = "key_worker"
	RoleDutyWorker     Role = "duty_worker"
	RoleTeamManager    Role = "team_manager"
	RolePlacementStaff Role = "placement_staff"
	RoleCommissioner   Role = "commissioner"
	RoleYoungPerson    Role = "young_person"
)

// StaffRoles are the roles an administrator can give a staff account.
var StaffRoles = []Role{RoleAdministrator, RoleKeyWorker, RoleDutyWorker, RoleTeamManager, RolePlacementStaff, RoleCommissioner}

// Valid reports whether r is one of Heard's roles.
func (r Role) Valid() bool {
	for _, s := range StaffRoles {
		if r == s {
			return true
		}
	}
	return r == RoleYoungPerson
}

// IsStaff reports whether r is a staff role.
func (r Role) IsStaff() bool { return r.Valid() && r != RoleYoungPerson }

// Service is the kind of service a team provides; KPIs are broken down by it.
type Service string

const (
	ServiceCAMHS      Service = "camhs"
	ServiceSocialCare Service = "social_care"
	ServicePlacement  Service = "placement"
	ServiceOther      Service = "other"
)

// Services lists every service in display order.
var Services = []Service{ServiceCAMHS, ServiceSocialCare, ServicePlacement, ServiceOther}

// Valid reports whether s is a known service.
func (s Service) Valid() bool {
	for _, v := range Services {
		if s == v {
			return true
		}
	}
	return false
}

// NewID returns a fresh random identifier (UUIDv4). IDs are made in Go rather than by
// the database so that a client can retry a write with the same id.
func NewID() string { return uuid.NewString() }

// idFrom makes an id in NewID's form from a name: the same name, the same id.
func idFrom(name string) string {
	sum := sha256.Sum256([]byte("heard:id:" + name))
	var u uuid.UUID
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x40 // version 4, as ValidID asks
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// ValidID reports whether s looks like an id Heard made, so malformed ids from a
// request are rejected before they reach a query.
func ValidID(s string) bool {
	u, err := uuid.Parse(s)
	// One written form only (lower case, with dashes), so one id is never
	// stored or looked up under two spellings.
	return err == nil && u.String() == s && u.Version() == 4 && u.Variant() == uuid.RFC4122
}

// Clock tells the time; tests replace it to move time on.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// Errors the domain and its adapters share, so the API can map them to one status.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
)
