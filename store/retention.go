package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Retention: a young person who has left, and the removal of their records
// once their area's period has passed. Removal reads rarely and by filters
// (it runs in the background), and is safe to repeat: each step deletes what
// is left of one kind of record, and the young person's own document goes
// last, so a removal cut short is found and finished by the next pass.

// SetAreaRetention sets how many days an area keeps a young person's records after they leave.
func (s *Store) SetAreaRetention(ctx context.Context, id string, days int) error {
	res, err := s.c(colAreas).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "retentionDays", Value: days}}}})
	if err == nil && res.MatchedCount == 0 {
		return heard.ErrNotFound
	}
	return err
}

// MarkYoungPersonLeft notes when a young person left (one exact write; the
// first time counts) and returns them as they now are.
func (s *Store) MarkYoungPersonLeft(ctx context.Context, area, id string) (heard.YoungPerson, error) {
	now := s.now()
	d, _, err := update(ctx, s, colYoungPeople, area, id, func(d *youngPersonDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		if d.LeftAt != nil {
			return false, nil
		}
		d.LeftAt = &now
		return true, nil
	})
	return d.YoungPerson, err
}

// LeftYoungPeople lists an area's young people who have left.
func (s *Store) LeftYoungPeople(ctx context.Context, area string) ([]heard.YoungPerson, error) {
	return findAll[heard.YoungPerson](ctx, s.c(colYoungPeople), inArea(area, bson.E{Key: "leftAt", Value: bson.D{{Key: "$ne", Value: nil}}}),
		options.Find().SetSort(bson.D{{Key: "leftAt", Value: 1}}))
}

// youngPersonRecords are the filters that find a young person's records, one
// per collection, besides their own document. The audit log, the KPI
// counters (which name nobody) and the assignments kept for the consistency
// KPI (a pair of ids and dates) stay.
func youngPersonRecords(area, id string) []struct {
	col    string
	filter bson.D
} {
	of := func(field string) bson.D { return inArea(area, bson.E{Key: field, Value: id}) }
	return []struct {
		col    string
		filter bson.D
	}{
		{colCards, of("youngPersonId")},
		{colCardLists, bson.D{{Key: "_id", Value: youngPersonListID(area, id)}}},
		{colCardLists, inArea(area, bson.E{Key: "list", Value: youngPersonListID(area, id)})}, // its pages
		{colAlerts, of("youngPersonId")},
		{colEscalatedAccess, of("youngPersonId")},
		{colContacts, of("youngPersonId")},
		{colFeedbackRequests, of("youngPersonId")},
		{colFeedbackAnswers, inArea(area, bson.E{Key: "youngPersonId", Value: id}, bson.E{Key: "followUp", Value: false})},
		{colFollowUps, of("youngPersonId")},
		{colMoves, of("youngPersonId")},
		{colJoinCodes, of("youngPersonId")},
		{colDevices, of("youngPersonId")},
		{colRefreshTokens, of("subjectId")},
		{colPushSubscriptions, of("ownerId")},
	}
}

// CountYoungPersonRecords counts what removing a young person would remove,
// their own document included.
func (s *Store) CountYoungPersonRecords(ctx context.Context, area, id string) (int64, error) {
	answers, err := s.followUpAnswers(ctx, area, id)
	if err != nil {
		return 0, err
	}
	n, err := s.c(colFeedbackAnswers).CountDocuments(ctx, answers)
	if err != nil {
		return 0, err
	}
	n++ // their own document
	for _, r := range youngPersonRecords(area, id) {
		c, err := s.c(r.col).CountDocuments(ctx, r.filter)
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// followUpAnswers finds the answers a young person asked a manager to follow
// up: an answer kept to anonymous totals names nobody, but one with a
// follow-up is theirs by the follow-up's id.
func (s *Store) followUpAnswers(ctx context.Context, area, id string) (bson.D, error) {
	fus, err := findAll[heard.FollowUp](ctx, s.c(colFollowUps), inArea(area, bson.E{Key: "youngPersonId", Value: id}))
	ids := make([]string, 0, len(fus))
	for _, f := range fus {
		ids = append(ids, f.ID)
	}
	return inArea(area, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}), err
}

// RemoveYoungPerson removes every record of a young person, their own document last.
func (s *Store) RemoveYoungPerson(ctx context.Context, area, id string) error {
	answers, err := s.followUpAnswers(ctx, area, id)
	if err != nil {
		return err
	}
	if _, err := s.c(colFeedbackAnswers).DeleteMany(ctx, answers); err != nil {
		return err
	}
	for _, r := range youngPersonRecords(area, id) {
		if _, err := s.c(r.col).DeleteMany(ctx, r.filter); err != nil {
			return err
		}
	}
	_, err = s.c(colYoungPeople).DeleteOne(ctx, inArea(area, bson.E{Key: "_id", Value: id}))
	return err
}
