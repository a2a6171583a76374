package service

import (
	"context"
	"errors"

	"heard"
	"heard/i18n"
)

// Me is the signed-in person, as the app shows them.
func (s *Service) Me(ctx context.Context, p heard.Principal) (heard.User, error) {
	area, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return heard.User{}, err
	}
	u := heard.User{ID: p.ID, Role: p.Role, AreaName: area.Name, AreaTimeZone: area.Location().String(), AreaLanguages: area.Languages}
	if p.Role == heard.RoleYoungPerson {
		y, err := s.store.YoungPerson(ctx, p.AreaID, p.ID)
		if err != nil {
			return heard.User{}, err
		}
		u.Name, u.FirstName, u.Language = y.CalledName(), y.CalledName(), y.Language
		a, err := s.store.CurrentAssignment(ctx, p.AreaID, p.ID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return heard.User{}, err
		}
		if err == nil {
			st, err := s.store.StaffMember(ctx, p.AreaID, a.StaffID)
			if err != nil && !errors.Is(err, heard.ErrNotFound) {
				return heard.User{}, err
			}
			if err == nil {
				u.KeyWorker = &heard.PersonRef{ID: st.ID, Name: st.FirstName()}
			}
		}
		return u, nil
	}
	st, err := s.store.StaffMember(ctx, p.AreaID, p.ID)
	if err != nil {
		return heard.User{}, err
	}
	u.Name, u.FirstName, u.Language = st.Name, st.FirstName(), st.Language
	if st.Role == heard.RolePlacementStaff {
		u.PlacementID = p.PlacementID // the placement this session may keep
	}
	return u, nil
}

// UpdateMe changes the signed-in person's language.
func (s *Service) UpdateMe(ctx context.Context, p heard.Principal, in heard.MeUpdate) (heard.User, error) {
	if errs := in.Validate(i18n.Supported); len(errs) > 0 {
		return heard.User{}, heard.Invalid(errs)
	}
	var err error
	if p.Role == heard.RoleYoungPerson {
		err = s.store.SetYoungPersonLanguage(ctx, p.AreaID, p.ID, *in.Language)
	} else {
		err = s.store.SetStaffLanguage(ctx, p.AreaID, p.ID, *in.Language)
	}
	if err != nil {
		return heard.User{}, err
	}
	return s.Me(ctx, p)
}

var errCurrentPasswordWrong = &heard.Problem{Kind: heard.ErrInvalid, Code: "current_password_wrong",
	Message: "The current password is not right.", Fields: map[string]string{"currentPassword": "wrong"}}

// ChangePassword changes a staff member's own password. Guessing the current
// one pauses the account as failed sign-ins do.
func (s *Service) ChangePassword(ctx context.Context, p heard.Principal, c heard.PasswordChange) error {
	if !p.Role.IsStaff() {
		return heard.ErrForbidden
	}
	if errs := c.Validate(); len(errs) > 0 {
		return heard.Invalid(errs)
	}
	st, err := s.store.StaffMember(ctx, p.AreaID, p.ID)
	if err != nil {
		return err
	}
	account := heard.LoginAccountKey(st.Email)
	if err := s.checkLoginPause(ctx, account); err != nil {
		return err
	}
	if !heard.CheckPassword(st.PasswordHash, c.Current) {
		if err := s.countLoginFailure(ctx, account, heard.LoginLimitAccount); err != nil {
			return err
		}
		return errCurrentPasswordWrong
	}
	changed, err := s.store.SetStaffPassword(ctx, p.AreaID, p.ID, heard.HashPassword(c.New))
	if err != nil {
		return err
	}
	// Every other session of the account has ended with the change; this one
	// goes on. Should this write fail, this session ends too: safe, and the
	// new password signs in.
	if err := s.store.SetSessionTrust(ctx, p.AreaID, p.SessionID, p.ID, changed.Trust); err != nil {
		return err
	}
	return s.store.DeleteOwnerSubscriptions(ctx, p.AreaID, p.ID, p.SessionID)
}

// SignOutPhone signs one of a young person's own phones out for good.
// Another young person's phone is "not found".
func (s *Service) SignOutPhone(ctx context.Context, p heard.Principal, deviceID string) error {
	if p.Role != heard.RoleYoungPerson {
		return heard.ErrForbidden
	}
	if !heard.ValidID(deviceID) {
		return heard.ErrNotFound
	}
	if _, err := s.store.Device(ctx, p.AreaID, p.ID, deviceID); err != nil {
		return err
	}
	return s.revokeDevice(ctx, p.AreaID, p.ID, deviceID, p.ID)
}

// PhoneCrisisContacts are the crisis contacts of a phone's area, for its lock
// screen. A phone signed out by its key worker still gets them.
func (s *Service) PhoneCrisisContacts(ctx context.Context, deviceID string) ([]heard.CrisisContact, error) {
	if !heard.ValidID(deviceID) {
		return nil, heard.ErrNotFound
	}
	d, err := s.store.DeviceByID(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	a, err := s.store.Area(ctx, d.AreaID)
	if err != nil {
		return nil, err
	}
	return a.CrisisContacts, nil
}

// CrisisContacts are the area's crisis contacts.
func (s *Service) CrisisContacts(ctx context.Context, p heard.Principal) ([]heard.CrisisContact, error) {
	a, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return nil, err
	}
	return a.CrisisContacts, nil
}
