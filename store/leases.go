package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Leases. Background work (a delivery in push_queue, an alert's next step in
// alert_timers) is a job document that any Heard instance may take. A take is
// ONE conditional write: {_id, the job is due, leaseUntil <= now} → set
// leaseOwner, leaseUntil and a leaseId new to this take, together. There is no
// moment at which a job is claimed but not leased, so whatever crashes when, a
// job is free again at most one lease later. Leases are short; the holder
// renews its lease while it works, and every write it makes to the job is
// conditional on still holding it (owner and leaseId), so a holder whose lease
// ran out and was taken over, even by a restarted instance of the same name,
// writes nothing.
//
// On the embedded database each of these conditional writes runs under the
// store guard for its job (guard.go), which makes its read-then-write exact; on
// MongoDB each is atomic in the server. A take's filter is not on _id alone, so
// the embedded database reads the collection for it until it finds the job:
// job collections hold only pending work, oldest first, which keeps that short.

// JobLease is the part of every job document that leasing reads and writes.
type JobLease struct {
	LeaseOwner string    `bson:"leaseOwner"`
	LeaseUntil time.Time `bson:"leaseUntil"`
	// LeaseID names the take that leased the job; the holder's writes name it.
	LeaseID string `bson:"leaseId"`
}

// noLease is the lease of a job nobody holds: its time is long past.
var noLease = time.Unix(0, 0).UTC()

// ErrLeaseLost means the job's lease ran out and another take replaced it, so
// the caller's write was refused.
var ErrLeaseLost = errors.New("the job's lease ran out and was taken over")

// unheld selects the jobs nobody holds at now: their lease, if any, has ended
// (a lease holds until, not including, its leaseUntil).
func unheld(now time.Time) bson.E {
	return bson.E{Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: now}}}
}

// holding is what a job still held under lease l has, besides its _id.
func holding(l JobLease) bson.D {
	return bson.D{{Key: "leaseOwner", Value: l.LeaseOwner}, {Key: "leaseId", Value: l.LeaseID}}
}

// leaseMargin is far more than two instances' clocks differ by.
const leaseMargin = 10 * time.Second

// surelyHeld reports whether a lease the caller took is certainly still its
// own, so that a write that must hold it need not read the job first. Only
// its holder writes a held job, and a take needs the lease ended by the
// taker's clock, so a lease with more than leaseMargin still to run by this
// clock has not been taken over. (The caller's copy says when the lease ran
// to at the take; a renewal only makes it later.) The one other writer is an
// instance starting under the holder's name, which lets go of what its
// stopped predecessor held: names are unique among running instances, and a
// process frozen past its lease (a paused machine) finds it ended when it
// wakes. A delivery sent at once ends well inside its lease: this saved a
// read for each.
func surelyHeld(l JobLease, now time.Time) bool {
	return l.LeaseOwner != "" && l.LeaseID != "" && l.LeaseUntil.Sub(now) > leaseMargin
}

// letGo are the fields of a job nobody holds: it can be taken again at once.
func letGo() bson.D {
	return bson.D{{Key: "leaseOwner", Value: ""}, {Key: "leaseUntil", Value: noLease}, {Key: "leaseId", Value: ""}}
}

// takeJob leases the job id of col for owner when nobody holds it and it is
// still due (due adds to the filter), setting set and adding inc in the same
// write, and decodes the job as it now is into out. It reports false when the
// job was not there to take (another instance took it first).
func (s *Store) takeJob(ctx context.Context, col, id string, due bson.D, owner string, leaseFor time.Duration,
	set, inc bson.D, out any) (bool, error) {
	now := s.now()
	filter := append(bson.D{{Key: "_id", Value: id}, unheld(now)}, due...)
	update := bson.D{{Key: "$set", Value: append(bson.D{{Key: "leaseOwner", Value: owner},
		{Key: "leaseUntil", Value: now.Add(leaseFor)}, {Key: "leaseId", Value: heard.NewID()}}, set...)}}
	if len(inc) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: inc})
	}
	unlock := s.guard(col, id)
	defer unlock()
	if s.embedded != nil {
		// That server reads the whole collection for any filter but _id
		// alone: check the conditions here, under the guard, and write by _id.
		raw, err := s.c(col).FindOne(ctx, idFilter(id)).Raw()
		if errors.Is(err, mongo.ErrNoDocuments) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if ok, err := matchesFilter(raw, filter[1:]); err != nil || !ok {
			return false, err
		}
		filter = idFilter(id)
	}
	err := s.c(col).FindOneAndUpdate(s.guarded(ctx), filter, update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// updateHeld applies update to a job while lease l still holds it, and
// reports whether it did.
func (s *Store) updateHeld(ctx context.Context, col, id string, l JobLease, update bson.D) (bool, error) {
	unlock := s.guard(col, id)
	defer unlock()
	return s.updateIf(ctx, col, id, holding(l), update)
}

// deleteHeld deletes a job while lease l still holds it.
func (s *Store) deleteHeld(ctx context.Context, col, id string, l JobLease) (bool, error) {
	unlock := s.guard(col, id)
	defer unlock()
	return s.deleteIf(ctx, col, id, holding(l))
}

// renewJob moves the end of a held lease to leaseFor from now.
func (s *Store) renewJob(ctx context.Context, col, id string, l JobLease, leaseFor time.Duration) (bool, error) {
	return s.updateHeld(ctx, col, id, l, bson.D{{Key: "$set", Value: bson.D{{Key: "leaseUntil", Value: s.now().Add(leaseFor)}}}})
}

// releaseJob lets go of a held lease, so the job can be taken again at once.
func (s *Store) releaseJob(ctx context.Context, col, id string, l JobLease) (bool, error) {
	return s.updateHeld(ctx, col, id, l, bson.D{{Key: "$set", Value: letGo()}})
}

// ReleaseLeasesOf lets go of every lease still held under owner's name, and
// returns how many. An instance calls it as it starts: a previous process of
// the same name is gone, so its jobs need not wait for their leases to run
// out. Instance names must therefore be unique among running instances.
func (s *Store) ReleaseLeasesOf(ctx context.Context, owner string) (int, error) {
	released := 0
	for _, col := range []string{colQueue, colAlertTimers, colBuddyJobs} {
		held, err := findAll[struct {
			ID       string `bson:"_id"`
			JobLease `bson:",inline"`
		}](ctx, s.c(col), bson.D{{Key: "leaseOwner", Value: owner}, {Key: "leaseUntil", Value: bson.D{{Key: "$gt", Value: s.now()}}}},
			options.Find().SetProjection(bson.D{{Key: "leaseOwner", Value: 1}, {Key: "leaseId", Value: 1}}))
		if err != nil {
			return released, err
		}
		for _, job := range held {
			ok, err := s.releaseJob(ctx, col, job.ID, job.JobLease)
			if err != nil {
				return released, err
			}
			if ok {
				released++
			}
		}
	}
	return released, nil
}

// idsOf lists the _id of each document.
func idsOf[T any](docs []T, id func(T) string) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = id(d)
	}
	return out
}

// matchesFilter evaluates, in Go, the few conditions the store's conditional
// writes use on the embedded server: equality with a string, $in of strings,
// and $lt/$lte/$gt/$gte of a time.
func matchesFilter(raw bson.Raw, filter bson.D) (bool, error) {
	for _, e := range filter {
		v := raw.Lookup(e.Key)
		switch cond := e.Value.(type) {
		case string:
			if got, ok := v.StringValueOK(); !ok || got != cond {
				return false, nil
			}
		case bson.D:
			for _, op := range cond {
				ok, err := matchesOp(v, op)
				if err != nil || !ok {
					return false, err
				}
			}
		default:
			return false, fmt.Errorf("store: condition on %s of type %T", e.Key, e.Value)
		}
	}
	return true, nil
}

func matchesOp(v bson.RawValue, op bson.E) (bool, error) {
	switch op.Key {
	case "$in":
		got, ok := v.StringValueOK()
		if !ok {
			return false, nil
		}
		switch list := op.Value.(type) {
		case []string:
			return slices.Contains(list, got), nil
		case bson.A:
			return slices.Contains(list, any(got)), nil
		}
		return false, fmt.Errorf("store: $in of %T", op.Value)
	case "$lt", "$lte", "$gt", "$gte":
		limit, ok := op.Value.(time.Time)
		if !ok {
			return false, fmt.Errorf("store: %s of %T", op.Key, op.Value)
		}
		dt, ok := v.DateTimeOK()
		if !ok {
			return false, nil
		}
		got, lim := dt, limit.UnixMilli()
		switch op.Key {
		case "$lt":
			return got < lim, nil
		case "$lte":
			return got <= lim, nil
		case "$gt":
			return got > lim, nil
		default:
			return got >= lim, nil
		}
	}
	return false, fmt.Errorf("store: operator %s", op.Key)
}
