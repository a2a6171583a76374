package api

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// My new home: the key worker moves a move on and tells the day; the young
// person previews it, asks questions and to visit; the placement answers.

var youngPersonOnly = []heard.Role{heard.RoleYoungPerson}
var keyWorkerOnly = []heard.Role{heard.RoleKeyWorker}

func (s *Server) previewsRoutes() {
	svc := func() heard.PreviewService { return s.cfg.Services }
	s.route(http.MethodPut, "/api/moves/:id/status", doc{Tag: "Moves", Roles: keyWorkerOnly,
		Summary: "The young person's key worker shares (the young person is told and may preview), confirms (the placement sees who is coming), marks arrived or cancels a move (the preview is withdrawn at once).",
		Request: heard.MoveChange{}, Response: heard.Move{}},
		func(c *fiber.Ctx) error { return bodyAtPath(c, "id", svc().ChangeMoveStatus) })
	s.route(http.MethodPut, "/api/moves/:id/day", doc{Tag: "Moves", Roles: keyWorkerOnly,
		Summary: "The key worker tells the day itself: who takes the young person, when they leave (HH:MM), how long the journey is, who meets them.",
		Request: heard.MoveDay{}, Response: heard.Move{}},
		func(c *fiber.Ctx) error { return bodyAtPath(c, "id", svc().SetMoveDay) })
	s.route(http.MethodGet, "/api/me/moves", doc{Tag: "My new home", Roles: youngPersonOnly,
		Summary: "The previews open to the young person: the move, the day itself, the placement's page and photos.", Response: list[heard.Preview]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().MyPreviews) })
	s.route(http.MethodPost, "/api/me/moves/:id/opened", doc{Tag: "My new home", Roles: youngPersonOnly,
		Summary: "The young person opened the preview (the first time is counted).", Response: heard.PreviewMove{}},
		func(c *fiber.Ctx) error { return answer(c, 200, ofPath(c, "id", svc().OpenPreview)) })
	s.route(http.MethodPost, "/api/me/moves/:id/visit", doc{Tag: "My new home", Roles: youngPersonOnly,
		Summary: "The young person would like to visit first: their key worker is told.", Response: heard.PreviewMove{}},
		func(c *fiber.Ctx) error { return answer(c, 200, ofPath(c, "id", svc().AskVisit)) })
	s.route(http.MethodPut, "/api/me/moves/:id/bring", doc{Tag: "My new home", Roles: youngPersonOnly,
		Summary: "The young person shares their \"things I want to bring\" with their key worker.", Request: heard.BringList{}, Response: heard.BringList{}},
		func(c *fiber.Ctx) error { return bodyAtPath(c, "id", svc().ShareBringList) })
	s.route(http.MethodPost, "/api/me/moves/:id/questions", doc{Tag: "My new home", Roles: youngPersonOnly, Status: 201,
		Summary: "The young person asks the placement a question (id chosen by the phone, so a resend is kept once); its staff are told.",
		Request: heard.NewQuestion{}, Response: heard.Question{}},
		func(c *fiber.Ctx) error { return bodyAtPath(c, "id", svc().AskQuestion, 201) })
	s.route(http.MethodGet, "/api/me/moves/:id/questions", doc{Tag: "My new home", Roles: youngPersonOnly,
		Summary: "The young person's questions about a move, with the placement's answers.", Response: list[heard.Question]{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerList(c, func(cx context.Context, p heard.Principal) ([]heard.Question, error) {
				return svc().MyQuestions(cx, p, id)
			})
		})
	s.route(http.MethodGet, "/api/placement/questions", doc{Tag: "My new home", Roles: placementStaffOnly,
		Summary: "Questions from young people moving to the caller's placement (first name only), unanswered first.", Response: list[heard.Question]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().PlacementQuestions) })
	s.route(http.MethodPut, "/api/placement/moves/:moveId/questions/:id/answer", doc{Tag: "My new home", Roles: placementStaffOnly,
		Summary: "The placement answers a question; the young person is told.", Request: heard.QuestionAnswer{}, Response: heard.Question{}},
		func(c *fiber.Ctx) error {
			moveID, err := pathID(c, "moveId")
			if err != nil {
				return err
			}
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerBody(c, 200, func(cx context.Context, p heard.Principal, n heard.QuestionAnswer) (heard.Question, error) {
				return svc().AnswerQuestion(cx, p, moveID, id, n)
			})
		})
}

// bodyAtPath answers a method that takes the id at param and the decoded body.
func bodyAtPath[B, T any](c *fiber.Ctx, param string, call func(context.Context, heard.Principal, string, B) (T, error), status ...int) error {
	id, err := pathID(c, param)
	if err != nil {
		return err
	}
	ok := 200
	if len(status) > 0 {
		ok = status[0]
	}
	return answerBody(c, ok, func(cx context.Context, p heard.Principal, b B) (T, error) { return call(cx, p, id, b) })
}
