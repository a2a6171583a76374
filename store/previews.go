package store

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// A move's questions are one document per move, found by the move's id: a
// young person asks a handful, and the placement reads them with the move.
const colMoveQuestions = "move_questions"

func init() {
	registerIndexes(index{collection: colMoveQuestions, keys: bson.D{{Key: "area", Value: 1}}})
}

type questionsDoc struct {
	MoveID        string           `bson:"_id"`
	AreaID        string           `bson:"area"`
	PlacementID   string           `bson:"placementId"`
	YoungPersonID string           `bson:"youngPersonId"`
	Questions     []heard.Question `bson:"questions"`
	Other         bson.M           `bson:",inline"`
}

// Move returns one move of the area by id.
func (s *Store) Move(ctx context.Context, area, id string) (heard.Move, error) {
	d, err := findByID[moveDoc](ctx, s.c(colMoves), area, id)
	return d.Move, err
}

// AddQuestion keeps a young person's question about a move; a question sent
// again (same id) is kept once. It reports whether this call added it.
func (s *Store) AddQuestion(ctx context.Context, m heard.Move, q heard.Question) (heard.Question, bool, error) {
	added := false
	_, _, err := update(ctx, s, colMoveQuestions, m.AreaID, m.ID, func(d *questionsDoc, exists bool) (bool, error) {
		if !exists {
			*d = questionsDoc{MoveID: m.ID, AreaID: m.AreaID, PlacementID: m.PlacementID, YoungPersonID: m.YoungPersonID}
		}
		if i := slices.IndexFunc(d.Questions, func(x heard.Question) bool { return x.ID == q.ID }); i >= 0 {
			q = d.Questions[i]
			return false, nil
		}
		if len(d.Questions) >= heard.QuestionsMax {
			return false, heard.Conflict("too_many_questions", "This move has as many questions as it can keep.")
		}
		d.Questions = append(d.Questions, q)
		added = true
		return true, nil
	})
	q.MoveID = m.ID
	return q, added, err
}

// Questions lists the questions about a move, oldest first.
func (s *Store) Questions(ctx context.Context, area, moveID string) ([]heard.Question, error) {
	d, err := findByID[questionsDoc](ctx, s.c(colMoveQuestions), area, moveID)
	if errors.Is(err, heard.ErrNotFound) {
		return []heard.Question{}, nil
	}
	for i := range d.Questions {
		d.Questions[i].MoveID = moveID
	}
	return d.Questions, err
}

// AnswerQuestion sets the answer of a question about a move; answer reports
// whether it changed the question.
func (s *Store) AnswerQuestion(ctx context.Context, area, moveID, questionID string, answer func(q *heard.Question) bool) (heard.Question, bool, error) {
	var out heard.Question
	_, changed, err := update(ctx, s, colMoveQuestions, area, moveID, func(d *questionsDoc, exists bool) (bool, error) {
		i := slices.IndexFunc(d.Questions, func(x heard.Question) bool { return x.ID == questionID })
		if !exists || i < 0 {
			return false, heard.ErrNotFound
		}
		ch := answer(&d.Questions[i])
		out = d.Questions[i]
		return ch, nil
	})
	out.MoveID = moveID
	return out, changed, err
}
