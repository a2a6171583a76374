package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// "Was I listened to?": contacts, the feedback requests they make, answers and
// follow-ups: the queries and indexes, nothing about who may do what (the
// service decides) and nothing that joins an anonymous answer to a person (see
// heard.Answer and heard.FeedbackRequest).
const (
	colContacts         = "contacts"
	colFeedbackRequests = "feedback_requests"
	colFeedbackAnswers  = "feedback_answers"
	colFollowUps        = "feedback_follow_ups"
	// colFeedbackClaims held, before ForgetFeedbackLinks, which answer took
	// which request. Nothing writes it any more.
	colFeedbackClaims = "feedback_claims"
)

func init() {
	registerIndexes(
		index{collection: colContacts, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "date", Value: 1}}},
		index{collection: colFeedbackRequests, keys: bson.D{{Key: "area", Value: 1}, {Key: "contactId", Value: 1}}, unique: true},
		index{collection: colFeedbackRequests, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "expiresAt", Value: 1}}},
		index{collection: colFeedbackAnswers, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "staffId", Value: 1}}},
		index{collection: colFeedbackAnswers, keys: bson.D{{Key: "area", Value: 1}, {Key: "month", Value: 1}}},
		index{collection: colFollowUps, keys: bson.D{{Key: "area", Value: 1}, {Key: "teamId", Value: 1}, {Key: "createdAt", Value: 1}}},
	)
}

// InsertContact stores a contact under its id. The same id again returns the
// stored contact with created false; an id another area uses is a conflict.
func (s *Store) InsertContact(ctx context.Context, c heard.Contact) (stored heard.Contact, created bool, err error) {
	return insertOnce(ctx, s.c(colContacts), c.AreaID, c.ID, c)
}

// insertOnce stores doc under id. When the id is taken it returns the stored
// document with created false, or heard.ErrConflict when another area has it.
func insertOnce[T any](ctx context.Context, col collection, area, id string, doc T) (stored T, created bool, err error) {
	_, err = col.InsertOne(ctx, doc)
	if err == nil {
		return doc, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return doc, false, err
	}
	stored, err = findByID[T](ctx, col, area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return doc, false, heard.ErrConflict
	}
	return stored, false, err
}

// Contact returns one contact of the area (by _id).
func (s *Store) Contact(ctx context.Context, area, id string) (heard.Contact, error) {
	return findByID[heard.Contact](ctx, s.c(colContacts), area, id)
}

// storedRequest is a request as stored, with what requests answered before
// ForgetFeedbackLinks kept (the answer's id and time), so that those still
// count as answered.
type storedRequest struct {
	heard.FeedbackRequest `bson:",inline"`
	OldAnswerID           string     `bson:"answerId,omitempty"`
	OldAnsweredAt         *time.Time `bson:"answeredAt,omitempty"`
}

// answeredBefore stands for the key of a request answered before keys: no
// answer's key is ever this.
const answeredBefore = "answered"

func (r storedRequest) request() heard.FeedbackRequest {
	if r.OldAnswerID != "" && r.AnswerKey == "" {
		r.AnswerKey = answeredBefore
	}
	return r.FeedbackRequest
}

// InsertFeedbackRequest stores a request under its id; the same id again
// returns the stored request with created false.
func (s *Store) InsertFeedbackRequest(ctx context.Context, r heard.FeedbackRequest) (heard.FeedbackRequest, bool, error) {
	stored, created, err := insertOnce(ctx, s.c(colFeedbackRequests), r.AreaID, r.ID, storedRequest{FeedbackRequest: r})
	return stored.request(), created, err
}

// FeedbackRequest returns one request of the area (by _id).
func (s *Store) FeedbackRequest(ctx context.Context, area, id string) (heard.FeedbackRequest, error) {
	r, err := findByID[storedRequest](ctx, s.c(colFeedbackRequests), area, id)
	return r.request(), err
}

// OpenFeedbackRequests lists a young person's unanswered, unexpired requests, newest first.
func (s *Store) OpenFeedbackRequests(ctx context.Context, area, youngPersonID string) ([]heard.FeedbackRequest, error) {
	return findAll[heard.FeedbackRequest](ctx, s.c(colFeedbackRequests), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID},
		bson.E{Key: "answerKey", Value: nil}, bson.E{Key: "answerId", Value: nil}, bson.E{Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: s.now()}}}),
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
}

// CountFeedbackRequest counts a request once, on the day it was made.
func (s *Store) CountFeedbackRequest(ctx context.Context, r heard.FeedbackRequest, timeZone string) error {
	return s.Count(ctx, "feedback_request/"+r.ID, CounterAdd{Key: CounterKey{Area: r.AreaID, Metric: heard.KPIMetrics.FeedbackRequests,
		Day: heard.KPIDay(timeZone, r.CreatedAt), Service: string(r.Service), PlacementType: string(r.PlacementType), Dim: string(r.Kind)}, N: 1})
}

// ClaimFeedbackRequest gives a request to the answer with this key: one exact
// write decides between answers sent at once. The same key again is a retry and
// changes nothing; another key gets heard.ErrAlreadyAnswered. (Whether the
// request was still open when the answer arrived is the service's to check.)
func (s *Store) ClaimFeedbackRequest(ctx context.Context, area, id, key string) (heard.FeedbackRequest, error) {
	r, _, err := update(ctx, s, colFeedbackRequests, area, id, func(r *storedRequest, exists bool) (bool, error) {
		switch {
		case !exists:
			return false, heard.ErrNotFound
		case r.request().AnswerKey == key:
			return false, nil
		case r.request().AnswerKey != "":
			return false, heard.ErrAlreadyAnswered
		}
		r.AnswerKey = key
		return true, nil
	})
	return r.request(), err
}

// InsertFeedbackAnswer stores an answer under its id; created is false when it
// was stored already (a retry).
func (s *Store) InsertFeedbackAnswer(ctx context.Context, a heard.Answer) (created bool, err error) {
	_, err = s.c(colFeedbackAnswers).InsertOne(ctx, a)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// FeedbackAnswer returns one stored answer of the area (by _id; the service
// decides who may read it).
func (s *Store) FeedbackAnswer(ctx context.Context, area, id string) (heard.Answer, error) {
	return findByID[heard.Answer](ctx, s.c(colFeedbackAnswers), area, id)
}

// FinishFeedbackAnswer removes what was left to do (heard.AnswerPending) from
// a stored answer once it is all done.
func (s *Store) FinishFeedbackAnswer(ctx context.Context, area, id string) error {
	_, _, err := update(ctx, s, colFeedbackAnswers, area, id, func(a *heard.Answer, exists bool) (bool, error) {
		if !exists || a.Pending == nil {
			return false, nil
		}
		a.Pending = nil
		return true, nil
	})
	return err
}

// DeleteFeedbackAnswer removes an answer that lost its request to another
// before it was counted.
func (s *Store) DeleteFeedbackAnswer(ctx context.Context, area, id string) error {
	if _, err := s.FeedbackAnswer(ctx, area, id); err != nil {
		if errors.Is(err, heard.ErrNotFound) {
			return nil
		}
		return err
	}
	_, err := s.c(colFeedbackAnswers).DeleteOne(ctx, idFilter(id))
	return err
}

// FeedbackAnswerCounts are the amounts one answer adds, in its month: the
// answer and each of its four items by what was answered.
func FeedbackAnswerCounts(a heard.Answer) []CounterAdd {
	key := CounterKey{Area: a.AreaID, Day: a.Month + "-01", Service: string(a.Service), PlacementType: string(a.PlacementType)}
	var adds []CounterAdd
	for _, m := range []struct{ metric, dim string }{
		{heard.KPIMetrics.FeedbackAnswers, ""},
		{heard.KPIMetrics.ESQListened, string(a.Listened)},
		{heard.KPIMetrics.ESQSerious, string(a.Serious)},
		{heard.KPIMetrics.HadSay, string(a.HadSay)},
		{heard.KPIMetrics.FFT, string(a.Experience)},
	} {
		key.Metric, key.Dim = m.metric, m.dim
		adds = append(adds, CounterAdd{Key: key, N: 1})
	}
	return adds
}

// CountFeedbackAnswer counts an answer exactly once for event (an id kept only
// with the answer while it is being stored: heard.AnswerPending.CountEvent):
// in its month, and, for an answer to a request, one response in the request's
// bucket on the day the request was made, so that responses over requests for
// any period is a true response rate. Either month document takes its amounts
// and the event together, so a retry after a failure anywhere completes it.
func (s *Store) CountFeedbackAnswer(ctx context.Context, a heard.Answer, req *heard.FeedbackRequest, timeZone, event string) error {
	if len(a.Month) != len("2006-01") {
		return fmt.Errorf("answer month %q", a.Month)
	}
	adds := FeedbackAnswerCounts(a)
	if req != nil {
		response := CounterAdd{Key: CounterKey{Area: req.AreaID, Metric: heard.KPIMetrics.FeedbackResponses, Day: heard.KPIDay(timeZone, req.CreatedAt),
			Service: string(req.Service), PlacementType: string(req.PlacementType), Dim: string(req.Kind)}, N: 1}
		if response.Key.Day[:7] == a.Month {
			adds = append(adds, response)
		} else if err := s.Count(ctx, event+"/response", response); err != nil {
			return err
		}
	}
	return s.Count(ctx, event, adds...)
}

// SaveAnswer stores an answer given at any time and counts it, exactly once
// for its id, as the service does for such an answer (for seeding the demo; it
// takes no request, req must be nil). An anonymous answer keeps only what
// heard.Answer says it keeps.
func (s *Store) SaveAnswer(ctx context.Context, a heard.Answer, req *heard.FeedbackRequest, timeZone string) (bool, error) {
	if req != nil {
		return false, errors.New("answers to requests are stored by the service")
	}
	if !a.ShareWithWorker && !a.FollowUp {
		a.Kind, a.Day, a.CreatedAt = "", "", time.Time{}
	}
	a.Pending = &heard.AnswerPending{CountEvent: heard.NewID()}
	created, err := s.InsertFeedbackAnswer(ctx, a)
	if err != nil {
		return false, err
	}
	if !created {
		if a, err = s.FeedbackAnswer(ctx, a.AreaID, a.ID); err != nil || a.Pending == nil {
			return false, err
		}
	}
	if err := s.CountFeedbackAnswer(ctx, a, nil, timeZone, a.Pending.CountEvent); err != nil {
		return created, err
	}
	return created, s.FinishFeedbackAnswer(ctx, a.AreaID, a.ID)
}

// SharedAnswers lists the answers a young person shared with one worker, newest first.
func (s *Store) SharedAnswers(ctx context.Context, area, youngPersonID, staffID string) ([]heard.Answer, error) {
	return findAll[heard.Answer](ctx, s.c(colFeedbackAnswers), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID},
		bson.E{Key: "staffId", Value: staffID}, bson.E{Key: "shareWithWorker", Value: true}),
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
}

// CreateFollowUp stores a follow-up once; created is false when it already existed.
func (s *Store) CreateFollowUp(ctx context.Context, f heard.FollowUp) (bool, error) {
	_, err := s.c(colFollowUps).InsertOne(ctx, f)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// FollowUps lists an area's follow-ups, newest first: of one team when teamID is
// set, never those about notAbout (the caller's own work).
func (s *Store) FollowUps(ctx context.Context, area, teamID, notAbout string) ([]heard.FollowUp, error) {
	f := inArea(area, bson.E{Key: "aboutStaffId", Value: bson.D{{Key: "$ne", Value: notAbout}}})
	if teamID != "" {
		f = append(f, bson.E{Key: "teamId", Value: teamID})
	}
	return findAll[heard.FollowUp](ctx, s.c(colFollowUps), f, options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}).SetLimit(200))
}

// FollowUp returns one follow-up of the area (by _id).
func (s *Store) FollowUp(ctx context.Context, area, id string) (heard.FollowUp, error) {
	return findByID[heard.FollowUp](ctx, s.c(colFollowUps), area, id)
}

// MarkFollowUpDone records who followed it up; the first record stands.
func (s *Store) MarkFollowUpDone(ctx context.Context, area, id, by string) (heard.FollowUp, error) {
	now := s.now()
	f, _, err := update(ctx, s, colFollowUps, area, id, func(f *heard.FollowUp, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		if f.DoneAt != nil {
			return false, nil
		}
		f.DoneAt, f.DoneBy = &now, by
		return true, nil
	})
	return f, err
}

// PlacementTypeOf is the type of a young person's current placement ("" for none).
func (s *Store) PlacementTypeOf(ctx context.Context, y heard.YoungPerson) (heard.PlacementType, error) {
	if y.PlacementID == "" {
		return "", nil
	}
	p, err := s.Placement(ctx, y.AreaID, y.PlacementID)
	if errors.Is(err, heard.ErrNotFound) {
		return "", nil
	}
	return p.Type, err
}

// feedbackAuditNamespace makes the id of the one audit entry of an action
// (logging a contact), so that a retry does not write it again.
var feedbackAuditNamespace = uuid.MustParse("3c1d9f4e-2b7a-4f0e-9a55-8e6d1b2c4f70")

// AuditOnceFor writes an audit entry once for a subject: the same action on
// the same subject again (a retry) writes nothing.
func (s *Store) AuditOnceFor(ctx context.Context, e heard.AuditEntry, subject string) error {
	e.ID = uuid.NewSHA1(feedbackAuditNamespace, []byte(e.AreaID+"/"+e.Action+"/"+subject)).String()
	if e.At.IsZero() {
		e.At = s.now()
	}
	_, err := s.c(colAudit).InsertOne(ctx, e)
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return err
}

// feedbackAnswerMetrics are the counters an answer adds to.
var feedbackAnswerMetrics = []string{heard.KPIMetrics.FeedbackAnswers, heard.KPIMetrics.FeedbackResponses, heard.KPIMetrics.ESQListened,
	heard.KPIMetrics.ESQSerious, heard.KPIMetrics.HadSay, heard.KPIMetrics.FFT}

// ForgetFeedbackLinks removes from a database written before answers were
// unlinkable everything that joins an answer to the young person who gave it:
// the claim documents (which request each answer took), the answer's id and
// time on each answered request (which now keeps only a key no answer leads
// to), the contact kind, day and time on anonymous answers (which keep their
// month), and the answer counters by day (the dashboard reads the month
// documents, which hold the same totals). Run it at start: once it has
// finished it leaves a mark and later runs read only that. It returns how many
// documents it changed.
func (s *Store) ForgetFeedbackLinks(ctx context.Context) (int, error) {
	return s.once(ctx, "feedback-links-forgotten", s.forgetFeedbackLinks)
}

func (s *Store) forgetFeedbackLinks(ctx context.Context) (int, error) {
	changed := 0
	if err := s.c(colFeedbackClaims).Drop(ctx); err != nil {
		return changed, err
	}
	answered, err := findAll[storedRequest](ctx, s.c(colFeedbackRequests), bson.D{{Key: "answerId", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return changed, err
	}
	for _, r := range answered {
		_, did, err := update(ctx, s, colFeedbackRequests, r.AreaID, r.ID, func(r *storedRequest, exists bool) (bool, error) {
			if !exists || r.OldAnswerID == "" && r.OldAnsweredAt == nil {
				return false, nil
			}
			if r.AnswerKey == "" {
				r.AnswerKey = answeredBefore
			}
			r.OldAnswerID, r.OldAnsweredAt = "", nil
			return true, nil
		})
		if err != nil {
			return changed, err
		}
		if did {
			changed++
		}
	}
	anonymous, err := findAll[heard.Answer](ctx, s.c(colFeedbackAnswers), bson.D{{Key: "shareWithWorker", Value: false}, {Key: "followUp", Value: false},
		{Key: "$or", Value: bson.A{bson.D{{Key: "createdAt", Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "day", Value: bson.D{{Key: "$exists", Value: true}}}}, bson.D{{Key: "kind", Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "requestId", Value: bson.D{{Key: "$exists", Value: true}}}}, bson.D{{Key: "youngPersonId", Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "staffId", Value: bson.D{{Key: "$exists", Value: true}}}}}}})
	if err != nil {
		return changed, err
	}
	for _, a := range anonymous {
		a.Kind, a.Day, a.CreatedAt, a.RequestID, a.YoungPersonID, a.StaffID = "", "", time.Time{}, "", "", ""
		if _, err := s.c(colFeedbackAnswers).ReplaceOne(ctx, idFilter(a.ID), a); err != nil {
			return changed, err
		}
		changed++
	}
	res, err := s.c(colCounters).DeleteMany(ctx, bson.D{{Key: "metric", Value: bson.D{{Key: "$in", Value: feedbackAnswerMetrics}}}})
	if err != nil {
		return changed, err
	}
	return changed + int(res.DeletedCount), nil
}
