package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

func init() {
	registerIndexes(
		index{collection: colMoves, keys: bson.D{{Key: "area", Value: 1}, {Key: "placementId", Value: 1}, {Key: "date", Value: 1}}},
		index{collection: colMoves, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}}},
	)
}

// CreateMove stores a planned move.
func (s *Store) CreateMove(ctx context.Context, m heard.Move) error {
	_, err := s.c(colMoves).InsertOne(ctx, m)
	return duplicate(err)
}

// MovesToPlacement lists the moves into a placement that are not cancelled.
func (s *Store) MovesToPlacement(ctx context.Context, area, placementID string) ([]heard.Move, error) {
	return findAll[heard.Move](ctx, s.c(colMoves), inArea(area, bson.E{Key: "placementId", Value: placementID},
		bson.E{Key: "status", Value: bson.D{{Key: "$ne", Value: heard.MoveCancelled}}}), options.Find().SetSort(bson.D{{Key: "date", Value: 1}}))
}

// MovesOf lists a young person's moves.
func (s *Store) MovesOf(ctx context.Context, area, youngPersonID string) ([]heard.Move, error) {
	return findAll[heard.Move](ctx, s.c(colMoves), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID}),
		options.Find().SetSort(bson.D{{Key: "date", Value: 1}}))
}

// moveRelation says whether a young person has a move, not cancelled, to the
// placement of p, and whether it is confirmed.
func (s *Store) moveRelation(ctx context.Context, p heard.Principal, youngPersonID string) (incoming, confirmed bool, err error) {
	if p.PlacementID == "" {
		return false, false, nil
	}
	moves, err := findAll[heard.Move](ctx, s.c(colMoves), inArea(p.AreaID, bson.E{Key: "youngPersonId", Value: youngPersonID},
		bson.E{Key: "placementId", Value: p.PlacementID}, bson.E{Key: "status", Value: bson.D{{Key: "$ne", Value: heard.MoveCancelled}}}))
	for _, m := range moves {
		incoming = true
		confirmed = confirmed || m.Status.Confirmed()
	}
	return incoming, confirmed, err
}

// moveDoc is a move's document as stored: the move, and the audit entries its
// planning still owes.
type moveDoc struct {
	heard.Move `bson:",inline"`
	Audit      []pendingAudit `bson:"auditOwed,omitempty"`
	Other      bson.M         `bson:",inline"`
}

// InsertMove stores a planned move with the audit entries planning it owes;
// WriteMove writes them. Storing the same move again is a conflict.
func (s *Store) InsertMove(ctx context.Context, m heard.Move, audit ...heard.AuditEntry) error {
	d := moveDoc{Move: m}
	for _, e := range audit {
		d.Audit = append(d.Audit, toPending(e, s.now()))
	}
	_, err := s.c(colMoves).InsertOne(ctx, d)
	return duplicate(err)
}

// WriteMove writes what a stored move owes the audit log; safe to repeat.
// It returns the move, or heard.ErrNotFound when it was never stored.
func (s *Store) WriteMove(ctx context.Context, area, id string) (heard.Move, error) {
	d, err := findByID[moveDoc](ctx, s.c(colMoves), area, id)
	if err != nil || len(d.Audit) == 0 {
		return d.Move, err
	}
	written, err := s.writeOwedAudit(ctx, area, d.YoungPersonID, d.Audit)
	if err != nil {
		return d.Move, err
	}
	_, _, err = update(ctx, s, colMoves, area, id, func(d *moveDoc, exists bool) (bool, error) {
		owed := stillOwed(d.Audit, written)
		changed := exists && len(owed) != len(d.Audit)
		d.Audit = owed
		return changed, nil
	})
	return d.Move, err
}

// ChangeMove changes a stored move in one read-change-write (a status, when it
// was shared); change reports whether it changed it.
func (s *Store) ChangeMove(ctx context.Context, area, id string, change func(m *heard.Move) (bool, error)) (heard.Move, error) {
	d, _, err := update(ctx, s, colMoves, area, id, func(d *moveDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		return change(&d.Move)
	})
	return d.Move, err
}
