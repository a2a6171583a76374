package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// FirstAdministrator is the account made on a first start, so a new Heard can
// be signed in to and set up.
type FirstAdministrator struct {
	AreaName string
	Email    string
	// Password is shown once, at the start that made it.
	Password string
}

// SetUpFirstArea makes an area and its first administrator when Heard has no
// staff accounts at all, and reports false when there are some already.
func (s *Store) SetUpFirstArea(ctx context.Context, areaName, email string) (FirstAdministrator, bool, error) {
	n, err := s.c(colStaff).CountDocuments(ctx, bson.D{}, options.Count().SetLimit(1))
	if err != nil || n > 0 {
		return FirstAdministrator{}, false, err
	}
	now := s.now()
	area := heard.Area{ID: heard.NewID(), Name: areaName, TimeZone: "Europe/London", Languages: []string{"en", "ar"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: now}
	if err := s.CreateArea(ctx, area); err != nil {
		return FirstAdministrator{}, false, err
	}
	password := heard.NewSecret()[:16]
	admin := heard.Staff{ID: heard.NewID(), AreaID: area.ID, Email: heard.NormaliseEmail(email), Name: "Administrator",
		Role: heard.RoleAdministrator, Language: "en", PasswordHash: heard.HashPassword(password), Hours: heard.DefaultHours(), CreatedAt: now}
	if err := s.CreateStaff(ctx, admin); err != nil {
		return FirstAdministrator{}, false, err
	}
	return FirstAdministrator{AreaName: area.Name, Email: admin.Email, Password: password}, true, nil
}

// SetStaffPassword replaces a staff member's password hash and notes when
// (one exact write, heard.Staff.SetPassword): every session begun before
// ends. It returns the account as changed.
func (s *Store) SetStaffPassword(ctx context.Context, area, id, hash string) (heard.Staff, error) {
	now := s.now().Truncate(time.Millisecond)
	d, _, err := update(ctx, s, colStaff, area, id, func(d *staffDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		d.SetPassword(hash)
		d.noteOther("passwordChangedAt", now)
		return true, nil
	})
	return d.Staff, err
}
