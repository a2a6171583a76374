package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// The way of a notification: the outbox (push_outbox) until it is expanded into
// one delivery per browser of its recipient; each delivery in the queue
// (push_queue) while it waits or is being sent, taken under a lease (leases.go);
// then in the log (push_log) once its outcome is final.
const (
	colOutbox = "push_outbox"
	colQueue  = "push_queue"
	colLog    = "push_log"
	// colRetiredClaims held the claim documents that once arbitrated leases.
	colRetiredClaims = "push_claims"
)

func init() {
	registerIndexes(
		index{collection: colOutbox, keys: bson.D{{Key: "createdAt", Value: 1}}},
		index{collection: colQueue, keys: bson.D{{Key: "status", Value: 1}, {Key: "priority", Value: 1}, {Key: "nextAttemptAt", Value: 1}}},
		index{collection: colLog, keys: bson.D{{Key: "area", Value: 1}, {Key: "status", Value: 1}, {Key: "updatedAt", Value: -1}}},
		index{collection: colLog, keys: bson.D{{Key: "finishedAt", Value: 1}}},
	)
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // waiting for its (next) attempt
	DeliverySending   = "sending"   // an instance holds it and is sending
	DeliveryDelivered = "delivered" // the push service accepted it
	DeliveryFailed    = "failed"    // refused for good, or retried for too long
	DeliveryGone      = "gone"      // the subscription no longer exists
	// A notification that made no delivery is logged with why:
	DeliveryNoSubscription    = "no_subscription"
	DeliveryRecipientDisabled = "recipient_disabled"
	DeliveryRecipientUnknown  = "recipient_not_found"
)

// outstanding are the states of a delivery still to be sent.
var outstanding = []string{DeliveryPending, DeliverySending}

// QueueNotification writes a notification to the outbox. It reports false when
// the notification is already in the outbox (then nothing changes).
func (s *Store) QueueNotification(ctx context.Context, n heard.Notification) (bool, error) {
	_, err := s.c(colOutbox).InsertOne(ctx, n)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// PendingNotifications returns up to max notifications from the outbox, oldest
// first. Expanding them needs no lease: it is idempotent (each delivery's id is
// made from the notification and the subscription, a delivery already logged
// is not queued again, and one queued again anyway is dropped when taken), so
// two instances expanding the same notification only repeat each other's work,
// and a notification left in the outbox by a crash is expanded on the next pass.
func (s *Store) PendingNotifications(ctx context.Context, max int) ([]heard.Notification, error) {
	return findAll[heard.Notification](ctx, s.c(colOutbox), bson.D{},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}}).SetLimit(int64(max)))
}

// QueuedNotification returns a notification still in the outbox.
func (s *Store) QueuedNotification(ctx context.Context, id string) (heard.Notification, error) {
	return findOne[heard.Notification](ctx, s.c(colOutbox), idFilter(id))
}

// FinishExpansion takes expanded notifications out of the outbox.
func (s *Store) FinishExpansion(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.c(colOutbox).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return err
}

// PushDelivery is one notification on its way to one browser: in the queue
// while pending or being sent, then in the log.
type PushDelivery struct {
	// ID is the notification id and the subscription id, so expanding twice adds nothing.
	ID             string        `bson:"_id"`
	AreaID         string        `bson:"area"`
	NotificationID string        `bson:"notificationId"`
	SubscriptionID string        `bson:"subscriptionId"`
	RecipientID    string        `bson:"recipientId"`
	RecipientRole  heard.Role    `bson:"recipientRole"`
	Type           string        `bson:"type"`
	Link           string        `bson:"link"`
	Urgency        heard.Urgency `bson:"urgency"`
	SubjectID      string        `bson:"subjectId,omitempty"`
	// Lang is the recipient's language when the notification was expanded.
	Lang string `bson:"lang"`
	// Priority orders sending: urgent items (0) first.
	Priority      int `bson:"priority"`
	JobLease      `bson:",inline"`
	Status        string    `bson:"status"`
	Attempts      int       `bson:"attempts"`
	NextAttemptAt time.Time `bson:"nextAttemptAt"`
	// LastStatus is the push service's HTTP status on the last attempt (0: none reached).
	LastStatus int    `bson:"lastStatus"`
	LastError  string `bson:"lastError"`
	// EnqueuedAt is when the notification was written; ExpiresAt ends the retries.
	EnqueuedAt  time.Time  `bson:"enqueuedAt"`
	ExpiresAt   time.Time  `bson:"expiresAt"`
	UpdatedAt   time.Time  `bson:"updatedAt"`
	DeliveredAt *time.Time `bson:"deliveredAt,omitempty"`
	FinishedAt  *time.Time `bson:"finishedAt,omitempty"`
}

// DeliveryID is the id of a notification's delivery to one subscription.
func DeliveryID(notificationID, subscriptionID string) string {
	return notificationID + "/" + subscriptionID
}

// AddDeliveries queues new deliveries, in one write, and returns them as
// queued. One already queued or already finished (in the log) is left alone,
// so expanding a notification again after a crash sends nothing twice.
func (s *Store) AddDeliveries(ctx context.Context, ds []PushDelivery) ([]PushDelivery, error) {
	var queued []PushDelivery
	var docs []any
	for _, d := range ds {
		if logged, err := s.deliveryLogged(ctx, d.ID); err != nil || logged {
			if err != nil {
				return nil, err
			}
			continue
		}
		d.JobLease = JobLease{LeaseUntil: noLease}
		d.Status, d.UpdatedAt = DeliveryPending, s.now()
		queued = append(queued, d)
		docs = append(docs, d)
	}
	return queued, s.insertNew(ctx, colQueue, docs)
}

// AddTakenDeliveries queues new deliveries already taken by owner for their
// first attempt, and returns those it queued: the instance that queues a
// notification sends it at once, so queuing is the take (TakeDelivery's one
// conditional write is not needed). One already queued is another instance's
// to send; one already logged (checked after the insert, so a copy moving
// to the log at that moment is seen) is taken out again, unless the caller
// says the notification is new (unsent): nothing of it can be in the log. A
// crash leaves the queued ones to be taken over when their lease ends.
func (s *Store) AddTakenDeliveries(ctx context.Context, ds []PushDelivery, owner string, leaseFor time.Duration, unsent bool) ([]PushDelivery, error) {
	now := s.now()
	var taken []PushDelivery
	for _, d := range ds {
		d.JobLease = JobLease{LeaseOwner: owner, LeaseUntil: now.Add(leaseFor), LeaseID: heard.NewID()}
		d.Status, d.Attempts, d.UpdatedAt = DeliverySending, 1, now
		_, err := s.c(colQueue).InsertOne(ctx, d)
		if mongo.IsDuplicateKeyError(err) {
			continue
		}
		if err != nil {
			return taken, err
		}
		logged := false
		if !unsent {
			logged, err = s.deliveryLogged(ctx, d.ID)
		}
		if err == nil && logged {
			_, err = s.deleteHeld(ctx, colQueue, d.ID, d.JobLease)
		}
		if err != nil {
			return taken, err
		}
		if !logged {
			taken = append(taken, d)
		}
	}
	return taken, nil
}

// insertNew inserts documents in one unordered write, skipping those whose _id exists.
func (s *Store) insertNew(ctx context.Context, col string, docs []any) error {
	if len(docs) == 0 {
		return nil
	}
	_, err := s.c(col).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we.WriteError) {
				return err
			}
		}
		return nil
	}
	return err
}

// Undelivered is a notification that made no delivery, and why.
type Undelivered struct {
	Notification heard.Notification
	Why          string
}

// LogUndelivered records notifications that made no delivery, and why.
func (s *Store) LogUndelivered(ctx context.Context, us []Undelivered) error {
	now := s.now()
	docs := make([]any, 0, len(us))
	for _, u := range us {
		n := u.Notification
		docs = append(docs, PushDelivery{ID: DeliveryID(n.ID, "-"), AreaID: n.AreaID, NotificationID: n.ID,
			RecipientID: n.RecipientID, Type: n.Type, Urgency: n.Urgency, JobLease: JobLease{LeaseUntil: noLease}, Status: u.Why,
			EnqueuedAt: n.CreatedAt, UpdatedAt: now, FinishedAt: &now})
	}
	return s.insertNew(ctx, colLog, docs)
}

// Delivery returns one delivery, queued or finished.
func (s *Store) Delivery(ctx context.Context, id string) (PushDelivery, error) {
	d, err := findOne[PushDelivery](ctx, s.c(colQueue), idFilter(id))
	if errors.Is(err, heard.ErrNotFound) {
		return findOne[PushDelivery](ctx, s.c(colLog), idFilter(id))
	}
	return d, err
}

// DeliveriesOf lists a notification's deliveries, queued and finished (tests and tools).
func (s *Store) DeliveriesOf(ctx context.Context, notificationID string) ([]PushDelivery, error) {
	f := bson.D{{Key: "notificationId", Value: notificationID}}
	queued, err := findAll[PushDelivery](ctx, s.c(colQueue), f)
	if err != nil {
		return nil, err
	}
	logged, err := findAll[PushDelivery](ctx, s.c(colLog), f)
	return inQueueOrLog(queued, logged), err
}

// inQueueOrLog joins deliveries read from the queue and from the log: one
// moving to the log can be in both for a moment, and counts once.
func inQueueOrLog(queued, logged []PushDelivery) []PushDelivery {
	out := queued
	for _, d := range logged {
		if !slices.ContainsFunc(queued, func(q PushDelivery) bool { return q.ID == d.ID }) {
			out = append(out, d)
		}
	}
	return out
}

// deliveryLogged reports whether a delivery has finished.
func (s *Store) deliveryLogged(ctx context.Context, id string) (bool, error) {
	_, err := findOne[PushDelivery](ctx, s.c(colLog), idFilter(id))
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// DueDeliveries lists up to max deliveries nobody holds that are due, urgent
// ones first, without taking them: the dispatcher takes each (TakeDelivery)
// as a worker is free for it, so no delivery is held while it waits.
func (s *Store) DueDeliveries(ctx context.Context, max int) ([]PushDelivery, error) {
	now := s.now()
	return findAll[PushDelivery](ctx, s.c(colQueue), bson.D{
		{Key: "nextAttemptAt", Value: bson.D{{Key: "$lte", Value: now}}}, unheld(now),
	}, options.Find().SetSort(bson.D{{Key: "priority", Value: 1}, {Key: "nextAttemptAt", Value: 1}}).SetLimit(int64(max)))
}

// TakeDelivery leases a delivery DueDeliveries listed, for owner, in one
// conditional write that also counts an attempt, and returns it to send. It
// reports false when there is nothing to send: another instance took it first,
// or a crashed holder left it half done, which the take completes: its outcome
// was recorded but it had not moved to the log yet (it is moved), or it was
// logged already (expanding a notification again can queue a delivery a
// moment after another instance logged it; it is dropped).
func (s *Store) TakeDelivery(ctx context.Context, due PushDelivery, owner string, leaseFor time.Duration) (PushDelivery, bool, error) {
	if !slices.Contains(outstanding, due.Status) {
		return due, false, s.moveToLog(ctx, due)
	}
	now := s.now()
	var d PushDelivery
	ok, err := s.takeJob(ctx, colQueue, due.ID, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: outstanding}}},
		{Key: "nextAttemptAt", Value: bson.D{{Key: "$lte", Value: now}}}}, owner, leaseFor,
		bson.D{{Key: "status", Value: DeliverySending}, {Key: "updatedAt", Value: now}}, bson.D{{Key: "attempts", Value: 1}}, &d)
	if err != nil || !ok {
		return d, false, err
	}
	logged, err := s.deliveryLogged(ctx, d.ID)
	if err == nil && logged {
		_, err = s.deleteHeld(ctx, colQueue, d.ID, d.JobLease)
	}
	return d, err == nil && !logged, err
}

// TakeDeliveries takes up to max due deliveries for owner at once (tools and
// tests; the dispatcher takes each as a worker is free for it).
func (s *Store) TakeDeliveries(ctx context.Context, owner string, leaseFor time.Duration, max int) ([]PushDelivery, error) {
	due, err := s.DueDeliveries(ctx, max)
	if err != nil {
		return nil, err
	}
	var out []PushDelivery
	for _, d := range due {
		taken, ok, err := s.TakeDelivery(ctx, d, owner, leaseFor)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, taken)
		}
	}
	return out, nil
}

// RenewDelivery extends the lease on a delivery being sent to leaseFor from
// now. It reports false when the lease was lost.
func (s *Store) RenewDelivery(ctx context.Context, d PushDelivery, leaseFor time.Duration) (bool, error) {
	return s.renewJob(ctx, colQueue, d.ID, d.JobLease, leaseFor)
}

// DeliveryOutcome is what happened to one attempt.
type DeliveryOutcome struct {
	Status        string // pending (retry), delivered, failed or gone
	NextAttemptAt time.Time
	LastStatus    int
	LastError     string
}

// RecordAttempt writes the outcome of an attempt made under d's lease, taken
// by owner, while that lease still holds it: only the current holder records
// an outcome. It reports false, writing nothing, when the lease was lost (it
// ran out and another take replaced it). A retry lets go of the lease and
// waits in the queue for its next attempt, in one conditional write. A final
// outcome goes straight to the log, and the delivery then leaves the queue: a
// crash before the log write leaves it for whoever takes it after the lease,
// who sends it again (the phone shows each notification id once); a crash
// after it leaves it to be taken and dropped, unsent.
func (s *Store) RecordAttempt(ctx context.Context, d PushDelivery, owner string, o DeliveryOutcome) (bool, error) {
	now := s.now()
	lease := d.JobLease
	lease.LeaseOwner = owner
	if o.Status == DeliveryPending {
		set := bson.D{{Key: "status", Value: o.Status}, {Key: "lastStatus", Value: o.LastStatus}, {Key: "lastError", Value: o.LastError},
			{Key: "updatedAt", Value: now}, {Key: "nextAttemptAt", Value: o.NextAttemptAt}}
		return s.updateHeld(ctx, colQueue, d.ID, lease, bson.D{{Key: "$set", Value: append(set, letGo()...)}})
	}
	if !surelyHeld(lease, now) {
		if held, err := s.matches(ctx, colQueue, d.ID, holding(lease)); err != nil || !held {
			return false, err
		}
	}
	d.Status, d.LastStatus, d.LastError, d.UpdatedAt, d.FinishedAt = o.Status, o.LastStatus, o.LastError, now, &now
	if o.Status == DeliveryDelivered {
		d.DeliveredAt = &now
	}
	return true, s.moveToLog(ctx, d)
}

// moveToLog copies a delivery whose outcome is final into the log (a copy
// already there stays) and then takes it out of the queue. A finished
// delivery never changes again, and one queued again is dropped when taken
// (the log is read after the take), so no condition is needed.
func (s *Store) moveToLog(ctx context.Context, d PushDelivery) error {
	d.JobLease = JobLease{LeaseUntil: noLease}
	if _, err := s.c(colLog).InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
		return err
	}
	// Nobody else writes a finished delivery, and a copy can be queued again
	// only once this one is gone.
	return s.c(colQueue).deleteID(ctx, d.ID)
}

// DeliveryProblems lists an area's most recent deliveries that met a problem,
// newest first: those that failed for good, and those waiting to retry after
// an error.
func (s *Store) DeliveryProblems(ctx context.Context, area string, limit int64) ([]PushDelivery, error) {
	// In the queue: waiting to retry after an error, or failed and not yet moved to the log.
	queued, err := findAll[PushDelivery](ctx, s.c(colQueue), inArea(area, bson.E{Key: "lastError", Value: bson.D{{Key: "$gt", Value: ""}}},
		bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: append([]string{DeliveryFailed}, outstanding...)}}}),
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: -1}}).SetLimit(limit))
	if err != nil {
		return nil, err
	}
	failed, err := findAll[PushDelivery](ctx, s.c(colLog), inArea(area, bson.E{Key: "status", Value: DeliveryFailed}),
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: -1}}).SetLimit(limit))
	if err != nil {
		return nil, err
	}
	all := inQueueOrLog(queued, failed)
	slices.SortStableFunc(all, func(a, b PushDelivery) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	return all[:min(len(all), int(limit))], nil
}

// PushQueueDepth counts notifications waiting to be expanded and deliveries
// waiting to be sent (including those waiting for a retry).
func (s *Store) PushQueueDepth(ctx context.Context) (notifications, deliveries int64, err error) {
	notifications, err = s.c(colOutbox).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, 0, err
	}
	deliveries, err = s.c(colQueue).CountDocuments(ctx, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: outstanding}}}})
	return notifications, deliveries, err
}

// SweepPush deletes logged deliveries older than keep, failed ones older than
// keepFailed (administrators look at those), and escalated access that has
// ended. Alerts are kept: they record who was told and who acknowledged. It
// also drops the claims collection of earlier versions of Heard.
func (s *Store) SweepPush(ctx context.Context, keep, keepFailed time.Duration) error {
	now := s.now()
	failed := fieldIs{field: "status", value: DeliveryFailed}
	notFailed := fieldIs{field: "status", value: DeliveryFailed, not: true}
	if err := s.deleteBefore(ctx, colLog, "finishedAt", now.Add(-keep), notFailed); err != nil {
		return err
	}
	if err := s.deleteBefore(ctx, colLog, "finishedAt", now.Add(-keepFailed), failed); err != nil {
		return err
	}
	if err := s.DB.Collection(colRetiredClaims).Drop(ctx); err != nil {
		return err
	}
	return s.deleteBefore(ctx, colEscalatedAccess, "until", now)
}
