package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard"
	"heard/i18n"
)

// userView is what the PWA knows about the signed-in person.
type userView struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	FirstName string     `json:"firstName"`
	Role      heard.Role `json:"role"`
	Language  string     `json:"language"`
	AreaName  string     `json:"areaName"`
	// KeyWorker is a young person's current key worker, by first name only.
	KeyWorker *personRef `json:"keyWorker,omitempty"`
}

type personRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type passwordChange struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

type meUpdate struct {
	Language *string `json:"language"`
}

func (s *Server) meRoutes() {
	s.route(http.MethodGet, "/api/me", doc{Tag: "Me", Summary: "The signed-in person.", Response: userView{}}, func(c *fiber.Ctx) error {
		u, err := s.userView(c, principal(c))
		if err != nil {
			return err
		}
		return c.JSON(u)
	})
	s.route(http.MethodPatch, "/api/me", doc{Tag: "Me", Summary: "Change the signed-in person's settings (their language).", Request: meUpdate{}, Response: userView{}}, s.updateMe)
	s.route(http.MethodDelete, "/api/me/devices/:deviceId", doc{Tag: "Me", Roles: []heard.Role{heard.RoleYoungPerson}, Status: 204,
		Summary: "A young person signs one of their phones out of Heard (\"sign out of this phone\"): its PIN and sessions stop working, and it needs a new join code."},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "deviceId")
			if err != nil {
				return err
			}
			p := principal(c)
			cx, cancel := ctx(c)
			defer cancel()
			if err := s.store.RevokeDevice(cx, p.AreaID, p.ID, id, p.ID); err != nil {
				return err
			}
			return c.SendStatus(204)
		})
	s.app.Use("/api/me/password", s.authLimiter())
	s.route(http.MethodPut, "/api/me/password", doc{Tag: "Me", Roles: heard.StaffRoles, Status: 204, Request: passwordChange{},
		Summary: "A staff member changes their own password. A wrong current password counts as a failed sign-in, so guessing it pauses the account like sign-in does."},
		s.changePassword)
	s.route(http.MethodGet, "/api/crisis-contacts", doc{Tag: "Me", Summary: "The area's crisis contacts, shown at once when a young person says they are not safe.",
		Response: list[heard.CrisisContact]{}}, func(c *fiber.Ctx) error {
		cx, cancel := ctx(c)
		defer cancel()
		a, err := s.store.Area(cx, principal(c).AreaID)
		if err != nil {
			return err
		}
		return c.JSON(list[heard.CrisisContact]{Items: a.CrisisContacts})
	})
}

func (s *Server) updateMe(c *fiber.Ctx) error {
	var req meUpdate
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Language == nil || !i18n.Supported(*req.Language) {
		return errValidation(map[string]string{"language": "unsupported_language"})
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	var err error
	if p.Role == heard.RoleYoungPerson {
		err = s.store.SetYoungPersonLanguage(cx, p.AreaID, p.ID, *req.Language)
	} else {
		err = s.store.SetStaffLanguage(cx, p.AreaID, p.ID, *req.Language)
	}
	if err != nil {
		return err
	}
	u, err := s.userView(c, p)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) userView(c *fiber.Ctx, p heard.Principal) (userView, error) {
	cx, cancel := ctx(c)
	defer cancel()
	area, err := s.store.Area(cx, p.AreaID)
	if err != nil {
		return userView{}, err
	}
	u := userView{ID: p.ID, Role: p.Role, AreaName: area.Name}
	if p.Role == heard.RoleYoungPerson {
		y, err := s.store.YoungPerson(cx, p.AreaID, p.ID)
		if err != nil {
			return userView{}, err
		}
		u.Name, u.FirstName, u.Language = y.CalledName(), y.CalledName(), y.Language
		if a, err := s.store.CurrentAssignment(cx, p.AreaID, p.ID); err == nil {
			if st, err := s.store.StaffMember(cx, p.AreaID, a.StaffID); err == nil {
				u.KeyWorker = &personRef{ID: st.ID, Name: st.FirstName()}
			}
		}
		return u, nil
	}
	st, err := s.store.StaffMember(cx, p.AreaID, p.ID)
	if err != nil {
		return userView{}, err
	}
	u.Name, u.FirstName, u.Language = st.Name, st.FirstName(), st.Language
	return u, nil
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	var req passwordChange
	if err := decode(c, &req); err != nil {
		return err
	}
	f := fields{}
	f.check(req.CurrentPassword != "" && len(req.CurrentPassword) <= 256, "currentPassword", "required")
	f.check(len(req.NewPassword) >= heard.MinPasswordLength && len(req.NewPassword) <= 256, "newPassword", "password_length")
	f.check(req.NewPassword != req.CurrentPassword, "newPassword", "same_as_current")
	if err := f.err(); err != nil {
		return err
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	st, err := s.store.StaffMember(cx, p.AreaID, p.ID)
	if err != nil {
		return err
	}
	accountKey := "account:" + st.Email
	until, err := s.store.LoginLockedUntil(cx, accountKey)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return tooManyAttempts(until.Sub(s.clock.Now()))
	}
	if !heard.CheckPassword(st.PasswordHash, req.CurrentPassword) {
		if err := s.store.RecordLoginFailure(cx, accountKey, heard.LoginFailuresAccount, heard.LoginWindow, heard.LoginLockFor); err != nil {
			return err
		}
		return &Error{Status: 400, Code: "current_password_wrong", Message: "The current password is not right.",
			Fields: map[string]string{"currentPassword": "wrong"}}
	}
	if err := s.store.SetStaffPassword(cx, p.AreaID, p.ID, heard.HashPassword(req.NewPassword)); err != nil {
		return err
	}
	return c.SendStatus(204)
}
