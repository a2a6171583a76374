package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

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

type contactLogged struct {
	Contact heard.Contact      `json:"contact"`
	Request feedbackRequestRef `json:"request"`
}

type feedbackRequestRef struct {
	ID        string    `json:"id"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// feedbackRequestView is a request as the young person sees it.
type feedbackRequestView struct {
	ID          string            `json:"id"`
	Kind        heard.ContactKind `json:"kind"`
	Service     heard.Service     `json:"service"`
	ContactDate time.Time         `json:"contactDate"`
	ExpiresAt   time.Time         `json:"expiresAt"`
	// WorkerName is the first name of the worker who logged the contact.
	WorkerName string `json:"workerName,omitempty"`
}

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
type answerStored struct {
	ID               string `json:"id"`
	RequestID        string `json:"requestId,omitempty"`
	SharedWithWorker bool   `json:"sharedWithWorker"`
	// WorkerName is who can see a shared answer.
	WorkerName string `json:"workerName,omitempty"`
	FollowUp   bool   `json:"followUp"`
}

// sharedAnswerView is an answer a young person chose to share with this worker.
type sharedAnswerView struct {
	ID         string          `json:"id"`
	Kind       string          `json:"kind"`
	Service    heard.Service   `json:"service"`
	Listened   heard.ESQAnswer `json:"listened"`
	Serious    heard.ESQAnswer `json:"serious"`
	HadSay     heard.ESQAnswer `json:"hadSay"`
	Experience heard.FFTAnswer `json:"experience"`
	Words      string          `json:"words,omitempty"`
	FollowUp   bool            `json:"followUp"`
	CreatedAt  time.Time       `json:"createdAt"`
}

// followUpView is a follow-up as a manager or administrator sees it: the young
// person asked for it, so it names them and shows their answer.
type followUpView struct {
	ID          string            `json:"id"`
	YoungPerson personRef         `json:"youngPerson"`
	AboutWorker *personRef        `json:"aboutWorker,omitempty"`
	Answer      *sharedAnswerView `json:"answer,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	DoneAt      *time.Time        `json:"doneAt,omitempty"`
	DoneByName  string            `json:"doneByName,omitempty"`
}

var followUpRoles = []heard.Role{heard.RoleTeamManager, heard.RoleAdministrator}

func (s *Server) feedbackRoutes() {
	s.route(http.MethodPost, "/api/young-people/:id/contacts", doc{Tag: "Feedback", Roles: []heard.Role{heard.RoleKeyWorker}, Status: 201, Request: newContact{}, Response: contactLogged{},
		Summary: "The young person's key worker logs a meeting, review, visit or appointment. This asks the young person for feedback " +
			"(a push and in the app); the request takes one answer and expires after 14 days. Repeating with the same id returns 200 and the same request."},
		s.logContact)
	s.route(http.MethodGet, "/api/me/feedback-requests", doc{Tag: "Feedback", Roles: []heard.Role{heard.RoleYoungPerson}, Response: list[feedbackRequestView]{},
		Summary: "The young person's feedback requests still waiting for an answer, newest first."}, s.myFeedbackRequests)
	s.route(http.MethodPost, "/api/feedback", doc{Tag: "Feedback", Roles: []heard.Role{heard.RoleYoungPerson}, Status: 201, Request: newAnswer{}, Response: answerStored{},
		Summary: "A young person answers a feedback request, or gives feedback about a service at any time. Unless shareWithWorker is true the answer " +
			"only counts in anonymous totals. 409 already_answered, 410 request_expired. Repeating with the same id returns 200 and stores nothing new."},
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
	var date time.Time
	f := fields{}
	f.check(req.ID == "" || heard.ValidID(req.ID), "id", "id_format")
	f.check(req.Kind.Valid(), "kind", "one_of")
	f.check(req.Service == "" || req.Service.Valid(), "service", "one_of")
	if req.Date != "" {
		d, err := time.Parse(time.DateOnly, req.Date)
		f.check(err == nil, "date", "date_format")
		date = d
	}
	if err := f.err(); err != nil {
		return err
	}
	// Access first without the audit entry, so that a refused or invalid
	// request leaves nothing behind; the entry is written once all is checked.
	y, err := s.youngPersonFor(c, "id", heard.AccessRecord, "")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	p := principal(c)
	if ok, err := s.store.IsKeyWorker(cx, p.AreaID, p.ID, y.ID); err != nil {
		return err
	} else if !ok {
		return errForbidden()
	}
	area, err := s.store.Area(cx, y.AreaID)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	today, _ := time.Parse(time.DateOnly, heard.KPIDay(area.TimeZone, now))
	if req.Date == "" {
		date = today
	} else if date.After(today) || date.Before(today.Add(-heard.ContactMaxAge)) {
		return errValidation(map[string]string{"date": "range"})
	}
	if err := s.audit(c, "contact_logged", y.ID); err != nil {
		return err
	}
	if req.ID == "" {
		req.ID = heard.NewID()
	}
	if req.Service == "" {
		req.Service = y.Service
	}
	pt, err := s.store.PlacementTypeOf(cx, y)
	if err != nil {
		return err
	}
	contact := heard.Contact{ID: req.ID, AreaID: y.AreaID, YoungPersonID: y.ID, StaffID: principal(c).ID, Kind: req.Kind, Service: req.Service,
		Date: date, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	r, created, err := s.store.LogContact(cx, contact, pt, area.TimeZone)
	if err != nil {
		return err
	}
	if r.StaffID != principal(c).ID {
		return heard.ErrConflict // another worker's contact id
	}
	// Asked once, when the request is made; a retry does not push again (the
	// request is in the app's list whatever happens to the push).
	if created && s.cfg.Notifier != nil {
		if err := s.cfg.Notifier.Notify(cx, heard.Notification{ID: r.ID, AreaID: r.AreaID, RecipientID: r.YoungPersonID, Type: "feedback_request",
			Link: "/#/feedback/" + r.ID, Urgency: heard.UrgencyOrdinary, SubjectID: r.ID}); err != nil {
			return err
		}
	}
	contact.Date, contact.Kind, contact.Service = r.ContactDate, r.Kind, r.Service
	status := 200
	if created {
		status = 201
	}
	return c.Status(status).JSON(contactLogged{Contact: contact, Request: feedbackRequestRef{ID: r.ID, ExpiresAt: r.ExpiresAt}})
}

func (s *Server) myFeedbackRequests(c *fiber.Ctx) error {
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	reqs, err := s.store.OpenFeedbackRequests(cx, p.AreaID, p.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	out := make([]feedbackRequestView, 0, len(reqs))
	for _, r := range reqs {
		name, ok := names[r.StaffID]
		if !ok {
			if st, err := s.store.StaffMember(cx, p.AreaID, r.StaffID); err == nil {
				name = st.FirstName()
			}
			names[r.StaffID] = name
		}
		out = append(out, feedbackRequestView{ID: r.ID, Kind: r.Kind, Service: r.Service, ContactDate: r.ContactDate, ExpiresAt: r.ExpiresAt, WorkerName: name})
	}
	return c.JSON(list[feedbackRequestView]{Items: out})
}

func (s *Server) answerFeedback(c *fiber.Ctx) error {
	var req newAnswer
	if err := decode(c, &req); err != nil {
		return err
	}
	p := principal(c)
	f := fields{}
	f.check(req.ID == "" || heard.ValidID(req.ID), "id", "id_format")
	f.check(req.RequestID == "" || heard.ValidID(req.RequestID), "requestId", "id_format")
	if err := f.err(); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	var fr *heard.FeedbackRequest
	kind, workerID := heard.AnyTimeKind, ""
	if req.RequestID != "" {
		r, err := s.store.FeedbackRequest(cx, p.AreaID, p.ID, req.RequestID)
		if err != nil {
			return err
		}
		if req.Service != "" && req.Service != r.Service {
			return errValidation(map[string]string{"service": "not_the_request_service"})
		}
		fr, kind, workerID, req.Service = &r, string(r.Kind), r.StaffID, r.Service
	} else {
		a, err := s.store.CurrentAssignment(cx, p.AreaID, p.ID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return err
		}
		workerID = a.StaffID
	}
	if req.ID == "" {
		req.ID = heard.NewID()
	}
	y, err := s.store.YoungPerson(cx, p.AreaID, p.ID)
	if err != nil {
		return err
	}
	area, err := s.store.Area(cx, p.AreaID)
	if err != nil {
		return err
	}
	pt, err := s.store.PlacementTypeOf(cx, y)
	if err != nil {
		return err
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	day := heard.KPIDay(area.TimeZone, now)
	a := heard.Answer{ID: req.ID, AreaID: p.AreaID, Kind: kind, Service: req.Service, PlacementType: pt, Day: day, Month: day[:7],
		Listened: req.Listened, Serious: req.Serious, HadSay: req.HadSay, Experience: req.Experience, Words: heard.CleanWords(req.Words),
		ShareWithWorker: req.ShareWithWorker, FollowUp: req.FollowUp, CreatedAt: now}
	problems := a.Validate()
	if req.Service == "" {
		problems["service"] = "required"
	}
	if a.ShareWithWorker && workerID == "" {
		problems["shareWithWorker"] = "no_worker"
	}
	if len(problems) > 0 {
		return errValidation(problems)
	}
	if a.ShareWithWorker {
		a.YoungPersonID, a.StaffID = y.ID, workerID
		if fr != nil {
			a.RequestID = fr.ID
		}
	}
	created, err := s.store.SaveAnswer(cx, a, fr, area.TimeZone)
	switch {
	case errors.Is(err, heard.ErrAlreadyAnswered):
		return apiError(409, "already_answered", "This request already has an answer.")
	case errors.Is(err, heard.ErrRequestExpired):
		return apiError(410, "request_expired", "This request has closed; feedback can still be given at any time.")
	case err != nil:
		return err
	}
	if a.FollowUp {
		if err := s.followUp(cx, a, y, workerID, created); err != nil {
			return err
		}
	}
	out := answerStored{ID: a.ID, SharedWithWorker: a.ShareWithWorker, FollowUp: a.FollowUp}
	if fr != nil {
		out.RequestID = fr.ID
	}
	if a.ShareWithWorker {
		if st, err := s.store.StaffMember(cx, p.AreaID, workerID); err == nil {
			out.WorkerName = st.FirstName()
		}
	}
	status := 200
	if created {
		status = 201
	}
	return c.Status(status).JSON(out)
}

// followUpNamespace makes one stable notification id per follow-up and recipient.
var followUpNamespace = uuid.MustParse("5b0d2f7e-8f0c-4a55-9c61-2f1f4c1f6a10")

// followUp records the young person's request for a follow-up and tells the
// team's managers (or the area's administrators), never the worker the answer
// is about, once: when the follow-up is first stored. On a retry of an answer
// already stored it completes what a crash may have left undone, once it has
// checked that the stored answer is this one.
func (s *Server) followUp(cx context.Context, a heard.Answer, y heard.YoungPerson, aboutStaffID string, created bool) error {
	if !created {
		stored, err := s.store.FeedbackAnswer(cx, a.AreaID, a.ID)
		if err != nil {
			return err
		}
		if !stored.FollowUp || stored.Words != a.Words || stored.Listened != a.Listened || stored.Service != a.Service {
			return nil
		}
	}
	staff, err := s.store.StaffList(cx, a.AreaID, heard.RoleTeamManager, heard.RoleAdministrator)
	if err != nil {
		return err
	}
	recipients := heard.FollowUpRecipients(y.TeamID, aboutStaffID, staff)
	fu := heard.FollowUp{ID: a.ID, AreaID: a.AreaID, YoungPersonID: y.ID, TeamID: y.TeamID, AboutStaffID: aboutStaffID,
		RecipientIDs: recipients, CreatedAt: a.CreatedAt}
	first, err := s.store.CreateFollowUp(cx, fu)
	if err != nil || !first || s.cfg.Notifier == nil {
		return err
	}
	for _, r := range recipients {
		id := uuid.NewSHA1(followUpNamespace, []byte(fu.ID+"/"+r)).String()
		if err := s.cfg.Notifier.Notify(cx, heard.Notification{ID: id, AreaID: a.AreaID, RecipientID: r, Type: "feedback_follow_up",
			Link: "/#/follow-ups/" + fu.ID, Urgency: heard.UrgencyConcerning, SubjectID: fu.ID}); err != nil {
			return err
		}
	}
	return nil
}

func sharedView(a heard.Answer) sharedAnswerView {
	return sharedAnswerView{ID: a.ID, Kind: a.Kind, Service: a.Service, Listened: a.Listened, Serious: a.Serious, HadSay: a.HadSay,
		Experience: a.Experience, Words: a.Words, FollowUp: a.FollowUp, CreatedAt: a.CreatedAt}
}

func (s *Server) sharedFeedback(c *fiber.Ctx) error {
	y, err := s.currentKeyWorkerOnly(c, "shared_feedback_read")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	answers, err := s.store.SharedAnswers(cx, y.AreaID, y.ID, principal(c).ID)
	if err != nil {
		return err
	}
	out := make([]sharedAnswerView, 0, len(answers))
	for _, a := range answers {
		out = append(out, sharedView(a))
	}
	return c.JSON(list[sharedAnswerView]{Items: out})
}

// followUpsVisible lists the follow-ups the caller may see.
func (s *Server) followUpsVisible(cx context.Context, p heard.Principal) ([]heard.FollowUp, error) {
	if p.Role == heard.RoleTeamManager {
		if p.TeamID == "" {
			return nil, nil
		}
		return s.store.FollowUps(cx, p.AreaID, p.TeamID, p.ID)
	}
	return s.store.FollowUps(cx, p.AreaID, "", p.ID)
}

func (s *Server) followUpView(cx context.Context, f heard.FollowUp) (followUpView, error) {
	v := followUpView{ID: f.ID, YoungPerson: personRef{ID: f.YoungPersonID}, CreatedAt: f.CreatedAt, DoneAt: f.DoneAt}
	if y, err := s.store.YoungPerson(cx, f.AreaID, f.YoungPersonID); err == nil {
		v.YoungPerson.Name = y.CalledName()
	} else if !errors.Is(err, heard.ErrNotFound) {
		return v, err
	}
	if f.AboutStaffID != "" {
		if st, err := s.store.StaffMember(cx, f.AreaID, f.AboutStaffID); err == nil {
			v.AboutWorker = &personRef{ID: st.ID, Name: st.Name}
		}
	}
	if f.DoneBy != "" {
		if st, err := s.store.StaffMember(cx, f.AreaID, f.DoneBy); err == nil {
			v.DoneByName = st.Name
		}
	}
	a, err := s.store.FeedbackAnswer(cx, f.AreaID, f.ID)
	if err == nil {
		sv := sharedView(a)
		v.Answer = &sv
	} else if !errors.Is(err, heard.ErrNotFound) {
		return v, err
	}
	return v, nil
}

func (s *Server) listFollowUps(c *fiber.Ctx) error {
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	fus, err := s.followUpsVisible(cx, p)
	if err != nil {
		return err
	}
	out := make([]followUpView, 0, len(fus))
	audited := map[string]bool{}
	for _, f := range fus {
		v, err := s.followUpView(cx, f)
		if err != nil {
			return err
		}
		if !audited[f.YoungPersonID] {
			audited[f.YoungPersonID] = true
			if err := s.audit(c, "follow_up_read", f.YoungPersonID); err != nil {
				return err
			}
		}
		out = append(out, v)
	}
	return c.JSON(list[followUpView]{Items: out})
}

func (s *Server) followUpDone(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	f, err := s.store.FollowUp(cx, p.AreaID, id)
	if err != nil {
		return err
	}
	if f.AboutStaffID == p.ID || p.Role == heard.RoleTeamManager && (p.TeamID == "" || f.TeamID != p.TeamID) {
		return errForbidden()
	}
	if f, err = s.store.MarkFollowUpDone(cx, p.AreaID, id, p.ID); err != nil {
		return err
	}
	if err := s.audit(c, "follow_up_done", f.YoungPersonID); err != nil {
		return err
	}
	v, err := s.followUpView(cx, f)
	if err != nil {
		return err
	}
	return c.JSON(v)
}
