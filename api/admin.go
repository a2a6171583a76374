package api

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// Area administration: each handler decodes, calls one method of the
// administrator's service (heard.AdminService) and encodes what it returns.

var adminOnly = []heard.Role{heard.RoleAdministrator}

func (s *Server) adminRoutes() {
	svc := func() heard.AdminService { return s.cfg.Services }
	s.route(http.MethodGet, "/api/admin/teams", doc{Tag: "Administration", Roles: adminOnly, Summary: "The area's teams and services.", Response: list[heard.Team]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().Teams) })
	s.route(http.MethodPost, "/api/admin/teams", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Add a team.", Request: heard.NewTeam{}, Response: heard.Team{}},
		func(c *fiber.Ctx) error { return answerBody(c, 201, svc().AddTeam) })
	s.route(http.MethodGet, "/api/admin/staff", doc{Tag: "Administration", Roles: adminOnly, Summary: "The area's staff accounts.", Response: list[heard.StaffView]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().StaffAccounts) })
	s.route(http.MethodPost, "/api/admin/staff", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Add a staff account with a first password.", Request: heard.NewStaff{}, Response: heard.StaffView{}},
		func(c *fiber.Ctx) error { return answerBody(c, 201, svc().AddStaff) })
	s.route(http.MethodPatch, "/api/admin/staff/:id", doc{Tag: "Administration", Roles: adminOnly, Summary: "Change a staff account's role, team, placement, working hours, or disable it.", Request: heard.StaffChange{}, Response: heard.StaffView{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerBody(c, 200, func(cx context.Context, p heard.Principal, change heard.StaffChange) (heard.StaffView, error) {
				return svc().ChangeStaff(cx, p, id, change)
			})
		})
	s.route(http.MethodPost, "/api/admin/staff/:id/password-reset", doc{Tag: "Administration", Roles: adminOnly, Status: 201, OptionalBody: true,
		Summary:  "Reset another staff member's password: the answer holds a one-time code (shown once) to pass on. The old password and every session of the account stop at once; the code chooses a new password (POST /api/auth/password).",
		Response: heard.PasswordResetIssued{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answer(c, 201, func(cx context.Context, p heard.Principal) (heard.PasswordResetIssued, error) {
				return svc().ResetStaffPassword(cx, p, id)
			})
		})
	s.route(http.MethodPost, "/api/admin/assignments", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Make a key worker responsible for a young person from now; the previous assignment ends.", Request: heard.NewAssignment{}, Response: heard.Assignment{}},
		func(c *fiber.Ctx) error { return answerBody(c, 201, svc().AssignKeyWorker) })
	s.route(http.MethodGet, "/api/admin/duty-rota", doc{Tag: "Administration", Roles: adminOnly, Summary: "Duty shifts overlapping [from, to) (RFC 3339; from now when from is not given, for 7 days when to is not).", Query: []string{"from", "to"}, Response: list[heard.DutyShift]{}},
		func(c *fiber.Ctx) error {
			from, to := c.Query("from"), c.Query("to")
			return answerList(c, func(cx context.Context, p heard.Principal) ([]heard.DutyShift, error) {
				return svc().DutyRota(cx, p, from, to)
			})
		})
	s.route(http.MethodPost, "/api/admin/duty-rota", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Put someone on duty.", Request: heard.NewDutyShift{}, Response: heard.DutyShift{}},
		func(c *fiber.Ctx) error { return answerBody(c, 201, svc().AddDutyShift) })
	s.route(http.MethodDelete, "/api/admin/duty-rota/:id", doc{Tag: "Administration", Roles: adminOnly, Status: 204, Summary: "Remove a duty shift."},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerNone(c, func(cx context.Context, p heard.Principal) error { return svc().RemoveDutyShift(cx, p, id) })
		})
	s.route(http.MethodGet, "/api/admin/area", doc{Tag: "Administration", Roles: adminOnly, Summary: "The area's escalation limits, crisis contacts and languages.", Response: heard.AreaSettings{}},
		func(c *fiber.Ctx) error { return answer(c, 200, svc().AreaSettings) })
	s.route(http.MethodPut, "/api/admin/area", doc{Tag: "Administration", Roles: adminOnly, Summary: "Change the area's escalation limits, crisis contacts and languages.", Request: heard.AreaSettings{}, Response: heard.AreaSettings{}},
		func(c *fiber.Ctx) error { return answerBody(c, 200, svc().ChangeAreaSettings) })
	s.route(http.MethodGet, "/api/admin/audit", doc{Tag: "Administration", Roles: adminOnly, Summary: "The latest 200 audit entries: staff reads and changes of young people's records.", Response: list[heard.AuditView]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().AuditLog) })
	s.route(http.MethodGet, "/api/admin/placements", doc{Tag: "Administration", Roles: adminOnly, Summary: "The area's placements.", Response: list[heard.Placement]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().Placements) })
	s.route(http.MethodPost, "/api/admin/placements", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Add a placement.", Request: heard.NewPlacement{}, Response: heard.Placement{}},
		func(c *fiber.Ctx) error { return answerBody(c, 201, svc().AddPlacement) })
}

// answer calls one service method for the caller, with the request's
// deadline, and encodes what it returns with status.
func answer[T any](c *fiber.Ctx, status int, call func(context.Context, heard.Principal) (T, error)) error {
	cx, cancel := ctx(c)
	defer cancel()
	v, err := call(cx, principal(c))
	if err != nil {
		return err
	}
	return c.Status(status).JSON(v)
}

// answerList is answer for a method that returns a list.
func answerList[T any](c *fiber.Ctx, call func(context.Context, heard.Principal) ([]T, error)) error {
	return answer(c, 200, func(cx context.Context, p heard.Principal) (list[T], error) {
		items, err := call(cx, p)
		if items == nil {
			items = []T{}
		}
		return list[T]{Items: items}, err
	})
}

// answerBody decodes the request's body and answers a method that takes it.
func answerBody[B, T any](c *fiber.Ctx, status int, call func(context.Context, heard.Principal, B) (T, error)) error {
	var body B
	if err := decode(c, &body); err != nil {
		return err
	}
	return answer(c, status, func(cx context.Context, p heard.Principal) (T, error) { return call(cx, p, body) })
}

// answerNone answers a method that returns nothing with 204.
func answerNone(c *fiber.Ctx, call func(context.Context, heard.Principal) error) error {
	cx, cancel := ctx(c)
	defer cancel()
	if err := call(cx, principal(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
