package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// A young person's own data is read rarely (a download), so by filters rather
// than through read models; cards get no index for it, which would cost every
// card sent.

// AllCardsOf lists every card a young person has sent, newest first.
func (s *Store) AllCardsOf(ctx context.Context, area, youngPersonID string) ([]heard.Card, error) {
	return findAll[heard.Card](ctx, s.c(colCards), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID}),
		options.Find().SetSort(bson.D{{Key: "receivedAt", Value: -1}}))
}

// AnswersOf lists the answers a young person shared (only those name them), newest first.
func (s *Store) AnswersOf(ctx context.Context, area, youngPersonID string) ([]heard.Answer, error) {
	return findAll[heard.Answer](ctx, s.c(colFeedbackAnswers), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID}),
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
}
