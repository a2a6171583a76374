package api

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// Placements: each handler decodes, calls one method of the placements
// service (heard.PlacementService) and encodes what it returns.

// seePlacement are the roles that may ask for a placement's profile; the
// service checks which placement (its own staff; a young person only while a
// move there is shared with them).
var seePlacement = []heard.Role{heard.RolePlacementStaff, heard.RoleAdministrator, heard.RoleKeyWorker, heard.RoleTeamManager, heard.RoleYoungPerson}

var placementStaffOnly = []heard.Role{heard.RolePlacementStaff}

func (s *Server) placementsRoutes() {
	svc := func() heard.PlacementService { return s.cfg.Services }
	s.route(http.MethodGet, "/api/placements", doc{Tag: "Placements", Roles: []heard.Role{heard.RoleKeyWorker, heard.RoleTeamManager, heard.RoleAdministrator},
		Summary: "The area's placements, to choose where a move goes.", Response: list[heard.Placement]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().PlacementsToChoose) })
	s.route(http.MethodGet, "/api/placements/:id", doc{Tag: "Placements", Roles: seePlacement,
		Summary:  "A placement's profile and the list of its photos: to its own staff, the area's administrators, key workers and team managers, and a young person while a move there is shared with them.",
		Response: heard.PlacementProfile{}},
		func(c *fiber.Ctx) error { return answer(c, 200, ofPath(c, "id", svc().PlacementProfile)) })
	s.route(http.MethodPut, "/api/placements/:id/profile", doc{Tag: "Placements", Roles: placementStaffOnly,
		Summary: "The placement's own staff write its profile: who lives and works there, pets, a day, food, house rules, what is nearby, a welcome.",
		Request: heard.PlacementProfileText{}, Response: heard.PlacementProfile{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerBody(c, 200, func(cx context.Context, p heard.Principal, t heard.PlacementProfileText) (heard.PlacementProfile, error) {
				return svc().ChangePlacementProfile(cx, p, id, t)
			})
		})
	s.route(http.MethodPatch, "/api/admin/placements/:id", doc{Tag: "Administration", Roles: adminOnly,
		Summary: "Change a placement's name or type.", Request: heard.PlacementChange{}, Response: heard.Placement{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerBody(c, 200, func(cx context.Context, p heard.Principal, ch heard.PlacementChange) (heard.Placement, error) {
				return svc().ChangePlacement(cx, p, id, ch)
			})
		})
}
