package api

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// "Was I listened to?": key workers log contacts, young people answer, managers
// follow up. Anonymous answers are never returned to anyone: they only count in
// the KPI totals (api/kpis.go).

type newContact struct {
	// ID is optional: the app makes one so a retried request is recognised.
	ID   string            `json:"id"`
	Kind heard.ContactKind `json:"kind"`
	// Service defaults to the young person's service.
	Service heard.Service `json:"service"`
	// Date is the day of the contact, YYYY-MM-DD (default today); at most 30 days ago.
	Date string `json:"date"`
}

type contactLogged = heard.ContactLogged

// feedbackRequestView is a request as the young person sees it.
type feedbackRequestView = heard.FeedbackRequestView

type newAnswer struct {
	// ID is optional: the app makes one so a retried answer is stored once.
	ID string `json:"id"`
	// RequestID answers a request; without it, Service says which service the feedback is about.
	RequestID string        `json:"requestId"`
	Service   heard.Service `json:"service"`
	// Listened: "I feel that the people who saw me listened to me" (yes, a_bit, no, not_sure).
	Listened heard.ESQAnswer `json:"listened"`
	// Serious: "My views and worries were taken seriously" (yes, a_bit, no, not_sure).
	Serious heard.ESQAnswer `json:"serious"`
	// HadSay: "Did you have a say in what happens next?" (yes, a_bit, no, not_sure).
	HadSay heard.ESQAnswer `json:"hadSay"`
	// Experience: "Overall, how was your experience of our service?" (very_good, good, neither, poor, very_poor, dont_know).
	Experience heard.FFTAnswer `json:"experience"`
	// Words are optional, at most 500 characters.
	Words string `json:"words"`
	// ShareWithWorker lets the worker see this answer; by default it counts only in anonymous totals.
	ShareWithWorker bool `json:"shareWithWorker"`
	// FollowUp (only after listened = "no") asks a manager, never the worker it is about, to get in touch.
	FollowUp bool `json:"followUp"`
}

// answerStored is all the app is told back: never the stored answer itself.
type answerStored = heard.AnswerReceipt

// sharedAnswerView is an answer a young person chose to share with this worker.
type sharedAnswerView = heard.SharedAnswerView

// followUpView is a follow-up as a manager or administrator sees it: the young
// person asked for it, so it names them and shows their answer.
type followUpView = heard.FollowUpView

var followUpRoles = []heard.Role{heard.RoleTeamManager, heard.RoleAdministrator}

func (s *Server) feedbackRoutes() {
	s.route(http.MethodPost, "/api/young-people/:id/contacts", doc{Tag: "Feedback", Roles: []heard.Role{heard.RoleKeyWorker}, Status: 201, Request: newContact{}, Response: contactLogged{},
		Summary: "The young person's key worker logs a meeting, review, visit or appointment. This asks the young person for feedback " +
			"(a push and in the app); the request takes one answer and expires after 14 days. Repeating with the same id returns 200 and the same request."},
		s.logContact)
	s.route(http.MethodGet, "/api/me/feedback-requests", doc{Tag: "Feedback", Roles: []heard.Role{heard.RoleYoungPerson}, Response: list[feedbackRequestView]{},
		Summary: "The young person's feedback requests still waiting for an answer, newest first."}, s.myFeedbackRequests)
	s.route(http.MethodPost, "/api/feedback", doc{Tag: "Feedback", Roles: []heard.Role{heard.RoleYoungPerson}, Status: 201, Request: newAnswer{}, Response: answerStored{},
		Summary: "A young person answers a feedback request, or gives feedback about a service at any time. Unless shareWithWorker or followUp is true the answer " +
			"only counts in anonymous totals, and is stored with nothing that says who gave it or when (only the month). 409 already_answered, " +
			"410 request_expired, 409 id_in_use (the id was used for another answer). Repeating with the same id returns 200 and stores nothing new."},
		s.answerFeedback)
	s.route(http.MethodGet, "/api/young-people/:id/feedback", doc{Tag: "Feedback", Roles: []heard.Role{heard.RoleKeyWorker}, Response: list[sharedAnswerView]{},
		Summary: "The answers this young person chose to share with the calling key worker (audit-logged). Anonymous answers are never listed."},
		s.sharedFeedback)
	s.route(http.MethodGet, "/api/feedback/follow-ups", doc{Tag: "Feedback", Roles: followUpRoles, Response: list[followUpView]{},
		Summary: "Young people who said they were not listened to and asked for someone to follow it up: a team manager's team, or the whole " +
			"area for administrators; never those about the caller's own work (audit-logged)."}, s.listFollowUps)
	s.route(http.MethodPost, "/api/feedback/follow-ups/:id/done", doc{Tag: "Feedback", Roles: followUpRoles, Response: followUpView{},
		Summary: "Record that a follow-up was done."}, s.followUpDone)
}

func (s *Server) logContact(c *fiber.Ctx) error {
	var req newContact
	if err := decode(c, &req); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, created, err := s.cfg.Services.LogContact(cx, principal(c), id, heard.NewContact{ID: req.ID, Kind: req.Kind, Service: req.Service, Date: req.Date})
	return answerMade(c, v, created, err)
}

func (s *Server) myFeedbackRequests(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	items, err := s.cfg.Services.MyFeedbackRequests(cx, principal(c))
	if err != nil {
		return err
	}
	return c.JSON(list[feedbackRequestView]{Items: items})
}

func (s *Server) answerFeedback(c *fiber.Ctx) error {
	var req newAnswer
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, created, err := s.cfg.Services.AnswerFeedback(cx, principal(c), heard.NewAnswer{ID: req.ID, RequestID: req.RequestID, Service: req.Service,
		Listened: req.Listened, Serious: req.Serious, HadSay: req.HadSay, Experience: req.Experience, Words: req.Words,
		ShareWithWorker: req.ShareWithWorker, FollowUp: req.FollowUp})
	if errors.Is(err, heard.ErrRequestExpired) {
		return apiError(fiber.StatusGone, "request_expired", "This request has closed; feedback can still be given at any time.")
	}
	return answerMade(c, v, created, err)
}

func (s *Server) sharedFeedback(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	items, err := s.cfg.Services.SharedFeedback(cx, principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(list[sharedAnswerView]{Items: items})
}

func (s *Server) listFollowUps(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	items, err := s.cfg.Services.FollowUps(cx, principal(c))
	if err != nil {
		return err
	}
	return c.JSON(list[followUpView]{Items: items})
}

func (s *Server) followUpDone(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, err := s.cfg.Services.FollowUpDone(cx, principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}
