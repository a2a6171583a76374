package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Idempotency keys. A create request sent with an Idempotency-Key is claimed
// here before it runs and its answer kept after, so the same request again (a
// double tap, a retry after a timeout) gets the first answer instead of doing
// the action twice. One document per caller and key, read and written by _id.
const colIdempotency = "idempotency_keys"

// Idempotency key states.
const (
	IdempotencyPending = "pending" // the first request is running (or died holding its lease)
	IdempotencyDone    = "done"    // the first answer is kept in the record
)

// IdempotencyKeep is how long a first answer is kept for retries.
const IdempotencyKeep = 24 * time.Hour

func init() {
	registerIndexes(index{collection: colIdempotency, keys: bson.D{{Key: "expiresAt", Value: 1}}})
}

// IdempotencyRecord is one key's claim and, once done, the first answer.
type IdempotencyRecord struct {
	ID     string `bson:"_id"`
	AreaID string `bson:"area"`
	// Fingerprint identifies the request (method, route, body), so the same
	// key sent with another request is told apart from a retry.
	Fingerprint string    `bson:"fingerprint"`
	State       string    `bson:"state"`
	LeaseUntil  time.Time `bson:"leaseUntil"`
	Status      int       `bson:"status,omitempty"`
	ContentType string    `bson:"contentType,omitempty"`
	Body        []byte    `bson:"body,omitempty"`
	ExpiresAt   time.Time `bson:"expiresAt"`
}

// ClaimIdempotencyKey claims a key for a request about to run. It reports
// claimed true when the caller should run the request: the key is new, its
// record has expired, or the request holding it died and its lease ran out.
// Otherwise it returns the record as it is (pending, or done with the answer).
func (s *Store) ClaimIdempotencyKey(ctx context.Context, area, id, fingerprint string, lease time.Duration) (IdempotencyRecord, bool, error) {
	now := s.now()
	claimed := false
	rec, _, err := update(ctx, s, colIdempotency, area, id, func(r *IdempotencyRecord, exists bool) (bool, error) {
		claimed = false
		stale := exists && (now.After(r.ExpiresAt) || (r.State == IdempotencyPending && now.After(r.LeaseUntil) && r.Fingerprint == fingerprint))
		if exists && !stale {
			return false, nil
		}
		*r = IdempotencyRecord{ID: id, AreaID: area, Fingerprint: fingerprint, State: IdempotencyPending,
			LeaseUntil: now.Add(lease), ExpiresAt: now.Add(IdempotencyKeep)}
		claimed = true
		return true, nil
	})
	return rec, claimed, err
}

// FinishIdempotencyKey keeps the first answer of a claimed key.
func (s *Store) FinishIdempotencyKey(ctx context.Context, area, id string, status int, contentType string, body []byte) error {
	_, _, err := update(ctx, s, colIdempotency, area, id, func(r *IdempotencyRecord, exists bool) (bool, error) {
		if !exists || r.State != IdempotencyPending {
			return false, nil
		}
		r.State, r.Status, r.ContentType, r.Body = IdempotencyDone, status, contentType, body
		return true, nil
	})
	return err
}

// ReleaseIdempotencyKey lets a claimed key go (the request did nothing that
// must not be done again: it was refused or failed), so a retry runs afresh.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, area, id string) error {
	defer s.guard(colIdempotency, id)()
	r, err := findByID[IdempotencyRecord](ctx, s.c(colIdempotency), area, id)
	if err != nil || r.State != IdempotencyPending {
		return nil // gone already, or done: nothing to let go
	}
	// By _id alone on the embedded server (the guard makes it exact there, and
	// any other filter reads the whole collection); conditional on MongoDB.
	filter := idFilter(id)
	if s.embedded == nil {
		filter = append(filter, bson.E{Key: "state", Value: IdempotencyPending})
	}
	_, err = s.c(colIdempotency).DeleteOne(ctx, filter)
	return err
}
