package api

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// Moves: each handler decodes, calls one method of the moves service
// (heard.MoveService) and encodes what it returns.

func (s *Server) movesRoutes() {
	svc := func() heard.MoveService { return s.cfg.Services }
	s.route(http.MethodPost, "/api/young-people/:id/moves", doc{Tag: "Moves", Roles: []heard.Role{heard.RoleKeyWorker}, Status: 201,
		Summary: "The key worker plans a move to a placement on a date (a day of the area's calendar).", Request: heard.NewMove{}, Response: heard.Move{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerBody(c, 201, func(cx context.Context, p heard.Principal, n heard.NewMove) (heard.Move, error) {
				return svc().PlanMove(cx, p, id, n)
			})
		})
	s.route(http.MethodGet, "/api/young-people/:id/moves", doc{Tag: "Moves", Roles: staffWhoSeePeople,
		Summary: "A young person's planned and past moves (audit-logged).", Response: list[heard.Move]{}},
		func(c *fiber.Ctx) error { return answerList(c, ofPath(c, "id", svc().Moves)) })
	s.route(http.MethodGet, "/api/placement/moves", doc{Tag: "Moves", Roles: []heard.Role{heard.RolePlacementStaff},
		Summary: "Moves into the caller's placement: first name and date only until a move is confirmed.", Response: list[heard.IncomingMove]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().IncomingMoves) })
}
