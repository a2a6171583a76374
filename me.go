package heard

import "context"

// User is what the app knows about the signed-in person.
type User struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	FirstName string `json:"firstName"`
	Role      Role   `json:"role"`
	Language  string `json:"language"`
	AreaName  string `json:"areaName"`
	// PlacementID is placement staff's placement.
	PlacementID string `json:"placementId,omitempty"`
	// AreaTimeZone is the area's IANA time zone: the app shows times in it.
	AreaTimeZone string `json:"areaTimeZone"`
	// AreaLanguages are the languages the area offers first; anyone may still
	// choose any language Heard speaks.
	AreaLanguages []string `json:"areaLanguages"`
	// KeyWorker is a young person's current key worker, by first name only.
	KeyWorker *PersonRef `json:"keyWorker,omitempty"`
}

// MeUpdate changes the signed-in person's settings.
type MeUpdate struct {
	Language *string
}

// Validate checks the update; supported tells which languages Heard speaks.
func (u MeUpdate) Validate(supported func(lang string) bool) map[string]string {
	if u.Language == nil || !supported(*u.Language) {
		return map[string]string{"language": "unsupported_language"}
	}
	return nil
}

// MeService is what a signed-in person does about themselves.
type MeService interface {
	// Me is the signed-in person.
	Me(ctx context.Context, p Principal) (User, error)
	// UpdateMe changes their settings (their language).
	UpdateMe(ctx context.Context, p Principal, u MeUpdate) (User, error)
	// ChangePassword changes a staff member's own password. A wrong current
	// password counts as a failed sign-in of the account.
	ChangePassword(ctx context.Context, p Principal, c PasswordChange) error
	// SignOutPhone signs one of a young person's own phones out for good: its
	// PIN, sessions and notifications stop, and it needs a new join code.
	SignOutPhone(ctx context.Context, p Principal, deviceID string) error
	// CrisisContacts are the area's crisis contacts.
	CrisisContacts(ctx context.Context, p Principal) ([]CrisisContact, error)
	// PhoneCrisisContacts are the crisis contacts of the area a joined phone
	// belongs to, without a PIN: help is never behind the lock. The numbers are
	// public; the phone's id only says which area's to give.
	PhoneCrisisContacts(ctx context.Context, deviceID string) ([]CrisisContact, error)
}
