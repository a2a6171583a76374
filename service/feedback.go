package service

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"heard"
)

// "Was I listened to?": a key worker logs a contact, which asks the young
// person for feedback; the young person answers (or gives feedback at any
// time), anonymously unless they choose otherwise; a manager follows up when
// asked. Both multi-write workflows (logging a contact, storing an answer) are
// recorded as intents and every write in them is keyed, so a retry by the
// phone or the background worker finishes them exactly once, counters included.

var _ heard.FeedbackService = (*Service)(nil)

// Intent kinds of the feedback workflows.
const (
	intentFeedbackContact = "feedback_contact"
	intentFeedbackAnswer  = "feedback_answer"
)

// LogContact stores a key worker's contact with a young person on their
// caseload, then (CompleteFeedbackContact) the request it makes, its count and
// the push that asks the young person.
func (s *Service) LogContact(ctx context.Context, p heard.Principal, youngPersonID string, n heard.NewContact) (heard.ContactLogged, bool, error) {
	if errs := n.Validate(); len(errs) > 0 {
		return heard.ContactLogged{}, false, heard.Invalid(errs)
	}
	y, err := s.feedbackYoungPerson(ctx, p, youngPersonID)
	if err != nil {
		return heard.ContactLogged{}, false, err
	}
	area, err := s.store.Area(ctx, y.AreaID)
	if err != nil {
		return heard.ContactLogged{}, false, err
	}
	now := s.now()
	date, ok := n.ContactDay(area.TimeZone, now)
	if !ok {
		return heard.ContactLogged{}, false, heard.Invalid(map[string]string{"date": "range"})
	}
	if n.ID == "" {
		n.ID = heard.NewID()
	}
	if n.Service == "" {
		n.Service = y.Service
	}
	pt, err := s.store.PlacementTypeOf(ctx, y)
	if err != nil {
		return heard.ContactLogged{}, false, err
	}
	contact := heard.Contact{ID: n.ID, AreaID: y.AreaID, YoungPersonID: y.ID, StaffID: p.ID, Kind: n.Kind, Service: n.Service,
		PlacementType: pt, Date: date, CreatedAt: now}
	stored, err := s.store.Contact(ctx, y.AreaID, contact.ID)
	created := false
	switch {
	case err == nil:
		// A retry: finish whatever the first attempt left undone.
	case errors.Is(err, heard.ErrNotFound):
		if err := s.store.AuditOnceFor(ctx, auditEntry(p, "contact_logged", y.ID), contact.ID); err != nil {
			return heard.ContactLogged{}, false, err
		}
		if err := s.store.BeginIntent(ctx, y.AreaID, intentFeedbackContact, contact.ID, s.instance, s.lease); err != nil {
			return heard.ContactLogged{}, false, err
		}
		if stored, created, err = s.store.InsertContact(ctx, contact); err != nil {
			return heard.ContactLogged{}, false, err
		}
	default:
		return heard.ContactLogged{}, false, err
	}
	if stored.YoungPersonID != y.ID || stored.StaffID != p.ID {
		return heard.ContactLogged{}, false, heard.ErrConflict // another's contact id
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	if err := s.CompleteFeedbackContact(fctx, stored.AreaID, stored.ID); err != nil {
		return heard.ContactLogged{}, false, err
	}
	r, err := s.store.FeedbackRequest(fctx, stored.AreaID, heard.FeedbackRequestID(stored.ID))
	if err != nil {
		return heard.ContactLogged{}, false, err
	}
	return heard.ContactLogged{Contact: stored, Request: heard.FeedbackRequestRef{ID: r.ID, ExpiresAt: r.ExpiresAt}}, created, nil
}

// CompleteFeedbackContact makes a logged contact's request, counts it and asks
// the young person by push: each step keyed by the request's id (made from the
// contact's), so running it again changes nothing; the intent is removed last.
func (s *Service) CompleteFeedbackContact(ctx context.Context, areaID, contactID string) error {
	c, err := s.store.Contact(ctx, areaID, contactID)
	if errors.Is(err, heard.ErrNotFound) {
		return s.store.EndIntent(ctx, intentFeedbackContact, contactID) // nothing was logged
	}
	if err != nil {
		return err
	}
	area, err := s.store.Area(ctx, areaID)
	if err != nil {
		return err
	}
	r, _, err := s.store.InsertFeedbackRequest(ctx, heard.NewFeedbackRequest(c, c.PlacementType, c.CreatedAt))
	if err != nil {
		return err
	}
	if err := s.store.CountFeedbackRequest(ctx, r, area.TimeZone); err != nil {
		return err
	}
	if s.notifier != nil {
		// The request is in the app's list whatever happens to the push.
		if err := s.notifier.Notify(ctx, heard.Notification{ID: r.ID, AreaID: r.AreaID, RecipientID: r.YoungPersonID, Type: "feedback_request",
			Link: "/#/feedback/" + r.ID, Urgency: heard.UrgencyOrdinary, SubjectID: r.ID, CreatedAt: r.CreatedAt}); err != nil {
			return err
		}
	}
	return s.store.EndIntent(ctx, intentFeedbackContact, contactID)
}

// MyFeedbackRequests lists a young person's open requests, newest first, each
// with the first name of the worker who logged the contact.
func (s *Service) MyFeedbackRequests(ctx context.Context, p heard.Principal) ([]heard.FeedbackRequestView, error) {
	reqs, err := s.store.OpenFeedbackRequests(ctx, p.AreaID, p.ID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]heard.FeedbackRequestView, 0, len(reqs))
	for _, r := range reqs {
		name, ok := names[r.StaffID]
		if !ok {
			if st, err := s.store.StaffMember(ctx, p.AreaID, r.StaffID); err == nil {
				name = st.FirstName()
			}
			names[r.StaffID] = name
		}
		out = append(out, heard.FeedbackRequestView{ID: r.ID, Kind: r.Kind, Service: r.Service, ContactDate: r.ContactDate, ExpiresAt: r.ExpiresAt, WorkerName: name})
	}
	return out, nil
}

// AnswerFeedback stores a young person's answer, then (CompleteFeedbackAnswer)
// takes its request, counts it and makes its follow-up.
//
// The answer is written first, with what is left to do (heard.AnswerPending),
// so that once it is stored nothing depends on the phone coming back: the
// background worker finishes it from the answer alone. Its id is made from the
// young person's and the phone's (heard.StoredAnswerID), so the phone's retry
// finds it, and another young person's retry with the same id finds nothing.
func (s *Service) AnswerFeedback(ctx context.Context, p heard.Principal, n heard.NewAnswer) (heard.AnswerReceipt, bool, error) {
	if errs := n.CheckIDs(); len(errs) > 0 {
		return heard.AnswerReceipt{}, false, heard.Invalid(errs)
	}
	about := heard.AnswerAbout{AreaID: p.AreaID, YoungPersonID: p.ID, Now: s.now()}
	if n.RequestID != "" {
		r, err := s.store.FeedbackRequest(ctx, p.AreaID, n.RequestID)
		if err != nil {
			return heard.AnswerReceipt{}, false, err
		}
		if r.YoungPersonID != p.ID {
			return heard.AnswerReceipt{}, false, heard.ErrNotFound
		}
		about.Request, about.WorkerID = &r, r.StaffID
	} else {
		a, err := s.store.CurrentAssignment(ctx, p.AreaID, p.ID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return heard.AnswerReceipt{}, false, err
		}
		about.WorkerID = a.StaffID
	}
	if n.ID == "" {
		n.ID = heard.NewID()
	}
	y, err := s.store.YoungPerson(ctx, p.AreaID, p.ID)
	if err != nil {
		return heard.AnswerReceipt{}, false, err
	}
	area, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return heard.AnswerReceipt{}, false, err
	}
	if about.PlacementType, err = s.store.PlacementTypeOf(ctx, y); err != nil {
		return heard.AnswerReceipt{}, false, err
	}
	about.TimeZone = area.TimeZone
	answer, problems := n.Answer(about)
	if len(problems) > 0 {
		return heard.AnswerReceipt{}, false, heard.Invalid(problems)
	}
	key := heard.FeedbackAnswerKey(n.ID)
	_, err = s.store.FeedbackAnswer(ctx, p.AreaID, answer.ID)
	created := false
	switch {
	case err == nil:
		// The phone is retrying: finish whatever the first attempt left undone.
	case errors.Is(err, heard.ErrNotFound):
		if r := about.Request; r != nil {
			// The request's key is this answer's only once the answer is stored,
			// so a key here is another answer's (or this id's with other choices).
			if r.AnswerKey != "" {
				return heard.AnswerReceipt{}, false, heard.ErrAlreadyAnswered
			}
			if r.Expired(about.Now) {
				return heard.AnswerReceipt{}, false, heard.ErrRequestExpired
			}
		}
		if answer.Pending, err = s.feedbackPending(ctx, n, answer, y, about, key); err != nil {
			return heard.AnswerReceipt{}, false, err
		}
		if err := s.store.BeginIntent(ctx, p.AreaID, intentFeedbackAnswer, answer.ID, s.instance, s.lease); err != nil {
			return heard.AnswerReceipt{}, false, err
		}
		if created, err = s.store.InsertFeedbackAnswer(ctx, answer); err != nil {
			return heard.AnswerReceipt{}, false, err
		}
	default:
		return heard.AnswerReceipt{}, false, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	if err := s.CompleteFeedbackAnswer(fctx, p.AreaID, answer.ID); err != nil {
		return heard.AnswerReceipt{}, false, err
	}
	stored, err := s.store.FeedbackAnswer(fctx, p.AreaID, answer.ID)
	if errors.Is(err, heard.ErrNotFound) {
		return heard.AnswerReceipt{}, false, heard.ErrAlreadyAnswered // another answer took the request first
	}
	if err != nil {
		return heard.AnswerReceipt{}, false, err
	}
	out := heard.AnswerReceipt{ID: n.ID, SharedWithWorker: stored.ShareWithWorker, FollowUp: stored.FollowUp}
	if r := about.Request; r != nil {
		now, err := s.store.FeedbackRequest(fctx, p.AreaID, r.ID)
		if err != nil {
			return heard.AnswerReceipt{}, false, err
		}
		if now.AnswerKey != key {
			return heard.AnswerReceipt{}, false, heard.ErrAnswerIDInUse // this id answered something else
		}
		out.RequestID = r.ID
	}
	if stored.ShareWithWorker {
		if st, err := s.store.StaffMember(fctx, p.AreaID, stored.StaffID); err == nil {
			out.WorkerName = st.FirstName()
		}
	}
	return out, created, nil
}

// feedbackPending is what is left to do once the answer is stored: take the
// request, count the answer (under a random event id kept nowhere else), and
// make the follow-up the young person asked for.
func (s *Service) feedbackPending(ctx context.Context, n heard.NewAnswer, a heard.Answer, y heard.YoungPerson, about heard.AnswerAbout, key string) (*heard.AnswerPending, error) {
	pending := &heard.AnswerPending{CountEvent: heard.NewID()}
	if about.Request != nil {
		pending.RequestID, pending.Key = about.Request.ID, key
	}
	if n.FollowUp {
		staff, err := s.store.StaffList(ctx, a.AreaID, heard.RoleTeamManager, heard.RoleAdministrator)
		if err != nil {
			return nil, err
		}
		pending.FollowUp = &heard.FollowUp{ID: a.ID, AreaID: a.AreaID, YoungPersonID: y.ID, TeamID: y.TeamID, AboutStaffID: about.WorkerID,
			RecipientIDs: heard.FollowUpRecipients(y.TeamID, about.WorkerID, staff), CreatedAt: about.Now}
	}
	return pending, nil
}

// followUpNamespace makes one stable notification id per follow-up and recipient.
var followUpNamespace = uuid.MustParse("5b0d2f7e-8f0c-4a55-9c61-2f1f4c1f6a10")

// CompleteFeedbackAnswer finishes storing an answer from what it says is left
// to do: its request is taken (an answer that lost the request to another is
// removed, uncounted), it is counted, its follow-up is made and the managers
// told. Each step is keyed (the request by the answer's key, the counters by
// its count event, the follow-up and its notifications by the answer's id), so
// running it again changes nothing; what was left to do, the only link between
// an anonymous answer and its request, is removed last, then the intent.
func (s *Service) CompleteFeedbackAnswer(ctx context.Context, areaID, id string) error {
	a, err := s.store.FeedbackAnswer(ctx, areaID, id)
	if errors.Is(err, heard.ErrNotFound) {
		return s.store.EndIntent(ctx, intentFeedbackAnswer, id) // not stored, or removed after losing
	}
	if err != nil {
		return err
	}
	pending := a.Pending
	if pending == nil {
		return s.store.EndIntent(ctx, intentFeedbackAnswer, id)
	}
	var req *heard.FeedbackRequest
	if pending.RequestID != "" {
		r, err := s.store.ClaimFeedbackRequest(ctx, areaID, pending.RequestID, pending.Key)
		if errors.Is(err, heard.ErrAlreadyAnswered) || errors.Is(err, heard.ErrNotFound) {
			if err := s.store.DeleteFeedbackAnswer(ctx, areaID, id); err != nil {
				return err
			}
			return s.store.EndIntent(ctx, intentFeedbackAnswer, id)
		}
		if err != nil {
			return err
		}
		req = &r
	}
	area, err := s.store.Area(ctx, areaID)
	if err != nil {
		return err
	}
	if err := s.store.CountFeedbackAnswer(ctx, a, req, area.TimeZone, pending.CountEvent); err != nil {
		return err
	}
	if fu := pending.FollowUp; fu != nil {
		if _, err := s.store.CreateFollowUp(ctx, *fu); err != nil {
			return err
		}
		if s.notifier != nil {
			for _, r := range fu.RecipientIDs {
				id := uuid.NewSHA1(followUpNamespace, []byte(fu.ID+"/"+r)).String()
				if err := s.notifier.Notify(ctx, heard.Notification{ID: id, AreaID: fu.AreaID, RecipientID: r, Type: "feedback_follow_up",
					Link: "/#/follow-ups/" + fu.ID, Urgency: heard.UrgencyConcerning, SubjectID: fu.ID, CreatedAt: fu.CreatedAt}); err != nil {
					return err
				}
			}
		}
	}
	if err := s.store.FinishFeedbackAnswer(ctx, areaID, id); err != nil {
		return err
	}
	return s.store.EndIntent(ctx, intentFeedbackAnswer, id)
}

// SharedFeedback lists the answers a young person shared with the calling key
// worker, newest first; reading them is audit-logged.
func (s *Service) SharedFeedback(ctx context.Context, p heard.Principal, youngPersonID string) ([]heard.SharedAnswerView, error) {
	y, err := s.feedbackYoungPerson(ctx, p, youngPersonID)
	if err != nil {
		return nil, err
	}
	if err := s.store.Audit(ctx, auditEntry(p, "shared_feedback_read", y.ID)); err != nil {
		return nil, err
	}
	answers, err := s.store.SharedAnswers(ctx, y.AreaID, y.ID, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]heard.SharedAnswerView, 0, len(answers))
	for _, a := range answers {
		out = append(out, heard.NewSharedAnswerView(a))
	}
	return out, nil
}

// feedbackYoungPerson loads a young person for their key worker: another
// area's or an unknown id is "not found"; anyone but their key worker now is
// "forbidden".
func (s *Service) feedbackYoungPerson(ctx context.Context, p heard.Principal, id string) (heard.YoungPerson, error) {
	if !heard.ValidID(id) {
		return heard.YoungPerson{}, heard.ErrNotFound
	}
	y, err := s.store.YoungPerson(ctx, p.AreaID, id)
	if err != nil {
		return y, err
	}
	rel, err := s.store.Relation(ctx, p, y.ID)
	if err != nil {
		return y, err
	}
	if p.Role != heard.RoleKeyWorker || !rel.CurrentKeyWorker || heard.YoungPersonAccess(p, y, rel) < heard.AccessRecord {
		return y, heard.ErrForbidden
	}
	return y, nil
}

// FollowUps lists the follow-ups a team manager (their team's) or an
// administrator (the area's) may see, never those about their own work; each
// young person named is audit-logged.
func (s *Service) FollowUps(ctx context.Context, p heard.Principal) ([]heard.FollowUpView, error) {
	var fus []heard.FollowUp
	var err error
	switch p.Role {
	case heard.RoleTeamManager:
		if p.TeamID != "" {
			fus, err = s.store.FollowUps(ctx, p.AreaID, p.TeamID, p.ID)
		}
	case heard.RoleAdministrator:
		fus, err = s.store.FollowUps(ctx, p.AreaID, "", p.ID)
	default:
		return nil, heard.ErrForbidden
	}
	if err != nil {
		return nil, err
	}
	out := make([]heard.FollowUpView, 0, len(fus))
	audited := map[string]bool{}
	for _, f := range fus {
		v, err := s.followUpView(ctx, f)
		if err != nil {
			return nil, err
		}
		if !audited[f.YoungPersonID] {
			audited[f.YoungPersonID] = true
			if err := s.store.Audit(ctx, auditEntry(p, "follow_up_read", f.YoungPersonID)); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// FollowUpDone records that a follow-up was done (heard.CanCloseFollowUp says who may).
func (s *Service) FollowUpDone(ctx context.Context, p heard.Principal, id string) (heard.FollowUpView, error) {
	if !heard.ValidID(id) {
		return heard.FollowUpView{}, heard.ErrNotFound
	}
	f, err := s.store.FollowUp(ctx, p.AreaID, id)
	if err != nil {
		return heard.FollowUpView{}, err
	}
	if !heard.CanCloseFollowUp(p, f) {
		return heard.FollowUpView{}, heard.ErrForbidden
	}
	if f, err = s.store.MarkFollowUpDone(ctx, p.AreaID, id, p.ID); err != nil {
		return heard.FollowUpView{}, err
	}
	if err := s.store.Audit(ctx, auditEntry(p, "follow_up_done", f.YoungPersonID)); err != nil {
		return heard.FollowUpView{}, err
	}
	return s.followUpView(ctx, f)
}

// followUpView names the young person, the worker it is about and who followed
// it up, and shows the answer.
func (s *Service) followUpView(ctx context.Context, f heard.FollowUp) (heard.FollowUpView, error) {
	v := heard.FollowUpView{ID: f.ID, YoungPerson: heard.PersonRef{ID: f.YoungPersonID}, CreatedAt: f.CreatedAt, DoneAt: f.DoneAt}
	if y, err := s.store.YoungPerson(ctx, f.AreaID, f.YoungPersonID); err == nil {
		v.YoungPerson.Name = y.CalledName()
	} else if !errors.Is(err, heard.ErrNotFound) {
		return v, err
	}
	if f.AboutStaffID != "" {
		if st, err := s.store.StaffMember(ctx, f.AreaID, f.AboutStaffID); err == nil {
			v.AboutWorker = &heard.PersonRef{ID: st.ID, Name: st.Name}
		}
	}
	if f.DoneBy != "" {
		if st, err := s.store.StaffMember(ctx, f.AreaID, f.DoneBy); err == nil {
			v.DoneByName = st.Name
		}
	}
	a, err := s.store.FeedbackAnswer(ctx, f.AreaID, f.ID)
	if err == nil {
		sv := heard.NewSharedAnswerView(a)
		v.Answer = &sv
	} else if !errors.Is(err, heard.ErrNotFound) {
		return v, err
	}
	return v, nil
}
