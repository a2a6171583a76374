package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// Intents are workflows in progress. A workflow that makes several writes
// (sending a card: its lists, the card, its alert, its counters) first records
// an intent, leased to the instance doing it, and removes it after its last
// write. Every step is safe to repeat, so when a request fails or a process
// dies part way, whoever takes the intent once its lease has run out (the
// background worker of any instance) does the whole workflow again and it
// completes exactly once. The collection holds only work in progress, so
// reading it whole stays cheap on the embedded database.
const colIntents = "intents"

// Intent is one workflow in progress.
type Intent struct {
	ID         string    `bson:"_id"`
	AreaID     string    `bson:"area"`
	Kind       string    `bson:"kind"`
	SubjectID  string    `bson:"subject"`
	LeaseOwner string    `bson:"leaseOwner"`
	LeaseUntil time.Time `bson:"leaseUntil"`
	CreatedAt  time.Time `bson:"createdAt"`
}

func intentID(kind, subject string) string { return kind + "/" + subject }

// BeginIntent records that owner is doing a workflow, for lease. Beginning it
// again (a retry) takes the lease again.
func (s *Store) BeginIntent(ctx context.Context, area, kind, subject, owner string, lease time.Duration) error {
	id := intentID(kind, subject)
	now := s.now()
	_, _, err := updateMostlyNew(ctx, s, colIntents, area, id, func(in *Intent, exists bool) (bool, error) {
		if !exists {
			*in = Intent{ID: id, AreaID: area, Kind: kind, SubjectID: subject, CreatedAt: now}
		}
		in.LeaseOwner, in.LeaseUntil = owner, now.Add(lease)
		return true, nil
	})
	return err
}

// EndIntent removes a finished workflow's intent.
func (s *Store) EndIntent(ctx context.Context, kind, subject string) error {
	return s.c(colIntents).deleteID(ctx, intentID(kind, subject))
}

// TakeIntents leases up to max intents whose lease has run out to owner: each
// take is one conditional write, so two instances never take the same one and
// a crash leaves nothing taken for longer than one lease.
func (s *Store) TakeIntents(ctx context.Context, owner string, lease time.Duration, max int) ([]Intent, error) {
	now := s.now()
	due, err := findAll[Intent](ctx, s.c(colIntents), bson.D{{Key: "leaseUntil", Value: bson.D{{Key: "$lt", Value: now}}}})
	if err != nil {
		return nil, err
	}
	var taken []Intent
	for _, d := range due {
		if len(taken) == max {
			break
		}
		in, won, err := update(ctx, s, colIntents, d.AreaID, d.ID, func(in *Intent, exists bool) (bool, error) {
			if !exists || !in.LeaseUntil.Before(now) {
				return false, nil
			}
			in.LeaseOwner, in.LeaseUntil = owner, now.Add(lease)
			return true, nil
		})
		if err != nil && err != heard.ErrNotFound {
			return taken, err
		}
		if won {
			taken = append(taken, in)
		}
	}
	return taken, nil
}

// InProgress reports whether a workflow's intent is still there: the
// workflow has not finished. A workflow whose intent is gone is complete.
func (s *Store) InProgress(ctx context.Context, area, kind, subject string) (bool, error) {
	_, err := findByID[Intent](ctx, s.c(colIntents), area, intentID(kind, subject))
	if err == heard.ErrNotFound {
		return false, nil
	}
	return err == nil, err
}
