package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// "Was I listened to?": contacts, the feedback requests they make, answers and
// follow-ups. An answer the young person did not share with their worker is
// stored without their id, their worker's id or the request it answers; the only
// link back is the request's answerId, kept so a retried answer is recognised and
// a second one refused. The API never returns such an answer to staff.
const (
	colContacts         = "contacts"
	colFeedbackRequests = "feedback_requests"
	colFeedbackAnswers  = "feedback_answers"
	colFollowUps        = "feedback_follow_ups"
	colFeedbackClaims   = "feedback_claims"
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

// LogContact stores a contact and the feedback request it makes, and counts the
// request. Repeating it with the same contact id (a retry) returns the same
// request and counts nothing; a crash between the writes is completed by the retry.
func (s *Store) LogContact(ctx context.Context, c heard.Contact, placementType heard.PlacementType, timeZone string) (heard.FeedbackRequest, bool, error) {
	if _, err := s.c(colContacts).InsertOne(ctx, c); err != nil {
		if duplicate(err) != heard.ErrConflict {
			return heard.FeedbackRequest{}, false, err
		}
		// A retry: it must be the same young person's contact.
		old, err := findOne[heard.Contact](ctx, s.c(colContacts), inArea(c.AreaID, bson.E{Key: "_id", Value: c.ID}))
		if errors.Is(err, heard.ErrNotFound) { // the id is another area's
			return heard.FeedbackRequest{}, false, heard.ErrConflict
		}
		if err != nil {
			return heard.FeedbackRequest{}, false, err
		}
		if old.YoungPersonID != c.YoungPersonID {
			return heard.FeedbackRequest{}, false, heard.ErrConflict
		}
		c = old
	}
	existing, err := findOne[heard.FeedbackRequest](ctx, s.c(colFeedbackRequests), inArea(c.AreaID, bson.E{Key: "contactId", Value: c.ID}))
	if err == nil {
		return existing, false, nil
	}
	if !errors.Is(err, heard.ErrNotFound) {
		return heard.FeedbackRequest{}, false, err
	}
	r := heard.NewFeedbackRequest(c, placementType, s.now())
	if _, err := s.c(colFeedbackRequests).InsertOne(ctx, r); err != nil {
		if duplicate(err) == heard.ErrConflict { // a concurrent retry made it first
			r, err = findOne[heard.FeedbackRequest](ctx, s.c(colFeedbackRequests), inArea(c.AreaID, bson.E{Key: "contactId", Value: c.ID}))
			return r, false, err
		}
		return heard.FeedbackRequest{}, false, err
	}
	key := CounterKey{Area: r.AreaID, Metric: heard.KPIMetrics.FeedbackRequests, Day: heard.KPIDay(timeZone, r.CreatedAt),
		Service: string(r.Service), PlacementType: string(r.PlacementType), Dim: string(r.Kind)}
	return r, true, s.Bump(ctx, key, 1)
}

// FeedbackRequest returns one of a young person's requests.
func (s *Store) FeedbackRequest(ctx context.Context, area, youngPersonID, id string) (heard.FeedbackRequest, error) {
	return findOne[heard.FeedbackRequest](ctx, s.c(colFeedbackRequests), inArea(area, bson.E{Key: "_id", Value: id},
		bson.E{Key: "youngPersonId", Value: youngPersonID}))
}

// OpenFeedbackRequests lists a young person's unanswered, unexpired requests, newest first.
func (s *Store) OpenFeedbackRequests(ctx context.Context, area, youngPersonID string) ([]heard.FeedbackRequest, error) {
	return findAll[heard.FeedbackRequest](ctx, s.c(colFeedbackRequests), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID},
		bson.E{Key: "answerId", Value: nil}, bson.E{Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: s.now()}}}),
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
}

// SaveAnswer stores an answer exactly once and counts it. For an answer to a
// request (req not nil) the request is claimed first, so only one answer is ever
// stored for it: a retry with the same answer id goes through again harmlessly,
// a different answer gets heard.ErrAlreadyAnswered, a late one
// heard.ErrRequestExpired. created is false when the answer was already stored
// (a retry), in which case nothing is counted again.
func (s *Store) SaveAnswer(ctx context.Context, a heard.Answer, req *heard.FeedbackRequest, timeZone string) (bool, error) {
	if req != nil {
		if err := s.claimRequest(ctx, a.AreaID, req.YoungPersonID, req.ID, a.ID); err != nil {
			return false, err
		}
	}
	if _, err := s.c(colFeedbackAnswers).InsertOne(ctx, a); err != nil {
		if duplicate(err) == heard.ErrConflict {
			return false, nil
		}
		return false, err
	}
	key := CounterKey{Area: a.AreaID, Day: a.Day, Service: string(a.Service), PlacementType: string(a.PlacementType)}
	for _, m := range []struct{ metric, dim string }{
		{heard.KPIMetrics.FeedbackAnswers, ""},
		{heard.KPIMetrics.ESQListened, string(a.Listened)},
		{heard.KPIMetrics.ESQSerious, string(a.Serious)},
		{heard.KPIMetrics.HadSay, string(a.HadSay)},
		{heard.KPIMetrics.FFT, string(a.Experience)},
	} {
		key.Metric, key.Dim = m.metric, m.dim
		if err := s.Bump(ctx, key, 1); err != nil {
			return true, err
		}
	}
	if req != nil {
		// Responses are counted on the request's day and in its bucket, so that
		// responses over requests for any period is a true response rate.
		key := CounterKey{Area: req.AreaID, Metric: heard.KPIMetrics.FeedbackResponses, Day: heard.KPIDay(timeZone, req.CreatedAt),
			Service: string(req.Service), PlacementType: string(req.PlacementType), Dim: string(req.Kind)}
		if err := s.Bump(ctx, key, 1); err != nil {
			return true, err
		}
	}
	return true, nil
}

// requestClaim records which answer a request took. Its _id is the request's id,
// so the database's unique key decides between answers sent at the same moment
// (a conditional update alone is not atomic on every server Heard runs on).
type requestClaim struct {
	ID       string `bson:"_id"`
	AreaID   string `bson:"area"`
	AnswerID string `bson:"answerId"`
}

func (s *Store) claimRequest(ctx context.Context, area, youngPersonID, requestID, answerID string) error {
	now := s.now()
	current, err := s.FeedbackRequest(ctx, area, youngPersonID, requestID)
	if err != nil {
		return err
	}
	if err := current.CheckAnswerable(answerID, now); err != nil {
		return err
	}
	if _, err := s.c(colFeedbackClaims).InsertOne(ctx, requestClaim{ID: requestID, AreaID: area, AnswerID: answerID}); err != nil {
		if duplicate(err) != heard.ErrConflict {
			return err
		}
		won, err := findOne[requestClaim](ctx, s.c(colFeedbackClaims), inArea(area, bson.E{Key: "_id", Value: requestID}))
		if err != nil {
			return err
		}
		if won.AnswerID != answerID {
			return heard.ErrAlreadyAnswered
		}
	}
	// Copy the winner into the request (for the list of open requests); repeating it is harmless.
	_, err = s.c(colFeedbackRequests).UpdateOne(ctx, inArea(area, bson.E{Key: "_id", Value: requestID}, bson.E{Key: "answerId", Value: nil}),
		bson.D{{Key: "$set", Value: bson.D{{Key: "answerId", Value: answerID}, {Key: "answeredAt", Value: now}}}})
	return err
}

// FeedbackAnswer returns one answer (for a follow-up or a shared answer; the API
// decides who may read it).
func (s *Store) FeedbackAnswer(ctx context.Context, area, id string) (heard.Answer, error) {
	return findOne[heard.Answer](ctx, s.c(colFeedbackAnswers), inArea(area, bson.E{Key: "_id", Value: id}))
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
	if duplicate(err) == heard.ErrConflict {
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

// FollowUp returns one follow-up of the area.
func (s *Store) FollowUp(ctx context.Context, area, id string) (heard.FollowUp, error) {
	return findOne[heard.FollowUp](ctx, s.c(colFollowUps), inArea(area, bson.E{Key: "_id", Value: id}))
}

// MarkFollowUpDone records who followed it up; once recorded, later calls leave it as it is.
func (s *Store) MarkFollowUpDone(ctx context.Context, area, id, by string) (heard.FollowUp, error) {
	_, err := s.c(colFollowUps).UpdateOne(ctx, inArea(area, bson.E{Key: "_id", Value: id}, bson.E{Key: "doneAt", Value: nil}),
		bson.D{{Key: "$set", Value: bson.D{{Key: "doneAt", Value: s.now()}, {Key: "doneBy", Value: by}}}})
	if err != nil {
		return heard.FollowUp{}, err
	}
	return s.FollowUp(ctx, area, id)
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
