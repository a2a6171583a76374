package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// The signed-in person (heard.MeService): their details and settings, their
// password, signing one of their phones out, and the crisis contacts.

type userView = heard.User

// personRef names a person in a view (feedback and young people's records use it too).
type personRef = heard.PersonRef

type passwordChange struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

type meUpdate struct {
	Language *string `json:"language"`
}

func (s *Server) meRoutes() {
	s.route(http.MethodGet, "/api/me", doc{Tag: "Me", Summary: "The signed-in person.", Response: userView{}}, s.me)
	s.route(http.MethodPatch, "/api/me", doc{Tag: "Me", Summary: "Change the signed-in person's settings (their language).", Request: meUpdate{}, Response: userView{}}, s.updateMe)
	s.route(http.MethodDelete, "/api/me/devices/:deviceId", doc{Tag: "Me", Roles: []heard.Role{heard.RoleYoungPerson}, Status: 204,
		Summary: "A young person signs one of their phones out of Heard (\"sign out of this phone\"): its PIN and sessions stop working, and it needs a new join code."},
		s.signOutPhone)
	s.app.Use("/api/me/password", s.authLimiter())
	s.route(http.MethodPut, "/api/me/password", doc{Tag: "Me", Roles: heard.StaffRoles, Status: 204, Request: passwordChange{},
		Summary: "A staff member changes their own password. A wrong current password counts as a failed sign-in, so guessing it pauses the account like sign-in does."},
		s.changePassword)
	s.route(http.MethodGet, "/api/me/data", doc{Tag: "Me", Roles: []heard.Role{heard.RoleYoungPerson}, Response: heard.MyData{},
		Summary: "A young person's own data: everything Heard holds about them (their record, key workers, cards and replies, the answers they shared, moves shown to them, phones), to read, print and keep. Each download is written to the audit log."},
		func(c *fiber.Ctx) error { return answer(c, 200, s.cfg.Services.MyData) })
	s.route(http.MethodGet, "/api/crisis-contacts", doc{Tag: "Me", Summary: "The area's crisis contacts, shown at once when a young person says they are not safe.",
		Response: list[heard.CrisisContact]{}}, s.crisisContacts)
	s.route(http.MethodGet, "/api/devices/:deviceId/crisis-contacts", doc{Tag: "Me", Public: true,
		Summary:  "The crisis contacts of the area a joined phone belongs to, for its lock screen: help is never behind the PIN. The numbers are public; the phone's id only picks the area.",
		Response: list[heard.CrisisContact]{}}, s.phoneCrisisContacts)
}

func (s *Server) phoneCrisisContacts(c *fiber.Ctx) error {
	id, err := pathID(c, "deviceId")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	contacts, err := s.cfg.Services.PhoneCrisisContacts(cx, id)
	if err != nil {
		return err
	}
	return c.JSON(list[heard.CrisisContact]{Items: contacts})
}

func (s *Server) me(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	u, err := s.cfg.Services.Me(cx, principal(c))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) updateMe(c *fiber.Ctx) error {
	var req meUpdate
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	u, err := s.cfg.Services.UpdateMe(cx, principal(c), heard.MeUpdate{Language: req.Language})
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Server) signOutPhone(c *fiber.Ctx) error {
	id, err := pathID(c, "deviceId")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.SignOutPhone(cx, principal(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	var req passwordChange
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.ChangePassword(cx, principal(c), heard.PasswordChange{Current: req.CurrentPassword, New: req.NewPassword}); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) crisisContacts(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	contacts, err := s.cfg.Services.CrisisContacts(cx, principal(c))
	if err != nil {
		return err
	}
	return c.JSON(list[heard.CrisisContact]{Items: contacts})
}
