package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Web Push: subscriptions, the notification outbox, the delivery queue and its
// log, alerts with their escalation timers, and the claims that make sure only
// one Heard instance works on a job at a time.
//
// Small queues, keyed records. The embedded database filters in Go after
// reading every document of a collection, except for a filter on _id alone, and
// its indexes do not change that. So work waiting to be done lives in small
// queue collections that only ever hold pending work (push_outbox, push_queue,
// alert_timers), and everything kept afterwards (push_log, alerts,
// escalated_access) is read by _id on the hot path.
//
// Leases. Jobs (deliveries to send, alert steps) are taken with a lease:
// leaseOwner and leaseUntil on the job. A crashed instance's lease runs out and
// another instance takes the job again. What decides between two instances
// taking the same job is not findOneAndUpdate: the embedded database carries it
// out as a read followed by an unconditional write, so two instances can both
// "win". Instead every take inserts a claim whose _id is the job and the job's
// next claim number; the unique _id lets exactly one insert succeed, on the
// embedded database and on MongoDB alike. Only the holder of a job's current
// claim writes to the job, so there are no concurrent writers to lose each
// other's updates.
//
// The dispatcher's queries (take, queue depth, sweep) span every area: it serves
// them all and never shows what it reads to a person; each job carries its area.
const (
	colPushSubscriptions = "push_subscriptions"
	colOutbox            = "push_outbox"
	colQueue             = "push_queue"
	colLog               = "push_log"
	colClaims            = "push_claims"
	colAlerts            = "alerts"
	colAlertTimers       = "alert_timers"
	colAlertAcks         = "alert_acks"
	colEscalatedAccess   = "escalated_access"
)

func init() {
	registerIndexes(
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "endpoint", Value: 1}}, unique: true},
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "area", Value: 1}, {Key: "ownerId", Value: 1}}},
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "deviceId", Value: 1}}},
		index{collection: colOutbox, keys: bson.D{{Key: "createdAt", Value: 1}}},
		index{collection: colQueue, keys: bson.D{{Key: "status", Value: 1}, {Key: "priority", Value: 1}, {Key: "nextAttemptAt", Value: 1}}},
		index{collection: colLog, keys: bson.D{{Key: "area", Value: 1}, {Key: "status", Value: 1}, {Key: "updatedAt", Value: -1}}},
		index{collection: colLog, keys: bson.D{{Key: "finishedAt", Value: 1}}},
		index{collection: colClaims, keys: bson.D{{Key: "at", Value: 1}}},
		index{collection: colAlertTimers, keys: bson.D{{Key: "dueAt", Value: 1}}},
		index{collection: colAlerts, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "createdAt", Value: -1}}},
		index{collection: colEscalatedAccess, keys: bson.D{{Key: "until", Value: 1}}},
	)
}

// MaxSubscriptionsPerPerson caps the browsers one person can register; the
// oldest registration goes first.
const MaxSubscriptionsPerPerson = 10

// PushSubscription is one browser's Web Push subscription for one person.
type PushSubscription struct {
	ID       string `bson:"_id"`
	AreaID   string `bson:"area"`
	Endpoint string `bson:"endpoint"`
	// P256dh and Auth are the browser's keys, URL-safe base64 as the browser gives them.
	P256dh    string     `bson:"p256dh"`
	Auth      string     `bson:"auth"`
	OwnerID   string     `bson:"ownerId"`
	OwnerRole heard.Role `bson:"ownerRole"`
	// DeviceID is a young person's joined phone, so signing the phone out removes it.
	DeviceID string `bson:"deviceId"`
	// SessionID is the sign-in session that registered it, so signing out removes it.
	SessionID string     `bson:"sessionId"`
	ExpiresAt *time.Time `bson:"expiresAt,omitempty"`
	CreatedAt time.Time  `bson:"createdAt"`
	UpdatedAt time.Time  `bson:"updatedAt"`
}

// SavePushSubscription registers a browser for a person. An endpoint belongs to
// one browser, so registering it again moves it to whoever registered it last
// (someone else signed in on a shared computer): it is looked up by endpoint
// alone, across areas, and its area and owner are replaced.
func (s *Store) SavePushSubscription(ctx context.Context, sub PushSubscription) (PushSubscription, error) {
	now := s.now()
	filter := bson.D{{Key: "endpoint", Value: sub.Endpoint}}
	set := bson.D{
		{Key: "area", Value: sub.AreaID}, {Key: "p256dh", Value: sub.P256dh}, {Key: "auth", Value: sub.Auth},
		{Key: "ownerId", Value: sub.OwnerID}, {Key: "ownerRole", Value: sub.OwnerRole}, {Key: "deviceId", Value: sub.DeviceID},
		{Key: "sessionId", Value: sub.SessionID},
		{Key: "expiresAt", Value: sub.ExpiresAt}, {Key: "updatedAt", Value: now},
	}
	update := bson.D{{Key: "$set", Value: set},
		{Key: "$setOnInsert", Value: bson.D{{Key: "_id", Value: heard.NewID()}, {Key: "createdAt", Value: now}}}}
	var err error
	for range 2 {
		// Two registrations of a new endpoint at once: one insert loses on the
		// unique index, and the second try updates the winner's document.
		_, err = s.c(colPushSubscriptions).UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return PushSubscription{}, err
	}
	saved, err := findOne[PushSubscription](ctx, s.c(colPushSubscriptions), filter)
	if err != nil {
		return saved, err
	}
	return saved, s.trimSubscriptions(ctx, sub.AreaID, sub.OwnerID)
}

func (s *Store) trimSubscriptions(ctx context.Context, area, owner string) error {
	extra, err := findAll[PushSubscription](ctx, s.c(colPushSubscriptions), inArea(area, bson.E{Key: "ownerId", Value: owner}),
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: -1}}).SetSkip(MaxSubscriptionsPerPerson))
	if err != nil || len(extra) == 0 {
		return err
	}
	ids := make([]string, 0, len(extra))
	for _, x := range extra {
		ids = append(ids, x.ID)
	}
	_, err = s.c(colPushSubscriptions).DeleteMany(ctx, inArea(area, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}))
	return err
}

// PushSubscriptionsOf lists a person's registered browsers.
func (s *Store) PushSubscriptionsOf(ctx context.Context, area, ownerID string) ([]PushSubscription, error) {
	return findAll[PushSubscription](ctx, s.c(colPushSubscriptions), inArea(area, bson.E{Key: "ownerId", Value: ownerID}),
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}}))
}

// PushSubscription returns one subscription by id (the dispatcher, any area).
func (s *Store) PushSubscription(ctx context.Context, id string) (PushSubscription, error) {
	return findOne[PushSubscription](ctx, s.c(colPushSubscriptions), bson.D{{Key: "_id", Value: id}})
}

// DeletePushSubscription removes the owner's subscription with this endpoint and
// reports whether there was one. Someone else's endpoint is left alone.
func (s *Store) DeletePushSubscription(ctx context.Context, area, ownerID, endpoint string) (bool, error) {
	res, err := s.c(colPushSubscriptions).DeleteOne(ctx, inArea(area, bson.E{Key: "ownerId", Value: ownerID}, bson.E{Key: "endpoint", Value: endpoint}))
	if err != nil {
		return false, err
	}
	return res.DeletedCount > 0, nil
}

// DeleteDeviceSubscriptions removes every subscription registered from a young
// person's phone (sign-out, revocation).
func (s *Store) DeleteDeviceSubscriptions(ctx context.Context, deviceID string) error {
	if deviceID == "" {
		return nil
	}
	_, err := s.c(colPushSubscriptions).DeleteMany(ctx, bson.D{{Key: "deviceId", Value: deviceID}})
	return err
}

// DeleteSessionSubscriptions removes what was registered in a sign-in session
// (its refresh-token family) and, when the session was a young person's phone,
// everything registered from that phone.
func (s *Store) DeleteSessionSubscriptions(ctx context.Context, session string) error {
	if session == "" {
		return nil
	}
	if _, err := s.c(colPushSubscriptions).DeleteMany(ctx, bson.D{{Key: "sessionId", Value: session}}); err != nil {
		return err
	}
	t, err := findOne[RefreshToken](ctx, s.c(colRefreshTokens), bson.D{{Key: "family", Value: session}})
	if errors.Is(err, heard.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.DeleteDeviceSubscriptions(ctx, t.DeviceID)
}

// DeleteSubscriptionByID removes a subscription the push service said is gone.
func (s *Store) DeleteSubscriptionByID(ctx context.Context, id string) error {
	_, err := s.c(colPushSubscriptions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

// Job states.
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

	AlertOpen = "open" // more escalation steps may follow
	AlertDone = "done" // no more steps: all taken, or acknowledged
)

// JobLease is the part of every job document that leasing reads and writes.
type JobLease struct {
	Claim      int       `bson:"claim"`
	LeaseOwner string    `bson:"leaseOwner"`
	LeaseUntil time.Time `bson:"leaseUntil"`
}

// noLease is the lease of a job nobody holds: its time is long past.
var noLease = time.Unix(0, 0).UTC()

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
// made from the notification and the subscription, and a delivery already
// logged is not queued again), so two instances expanding the same
// notification only repeat each other's work.
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

// AddDeliveries queues new deliveries, in one write. One already queued or
// already finished (in the log) is left alone, so expanding a notification
// again after a crash sends nothing twice.
func (s *Store) AddDeliveries(ctx context.Context, ds []PushDelivery) error {
	var docs []any
	for _, d := range ds {
		if logged, err := s.DeliveryLogged(ctx, d.ID); err != nil || logged {
			if err != nil {
				return err
			}
			continue
		}
		d.JobLease = JobLease{LeaseUntil: noLease}
		d.Status, d.UpdatedAt = DeliveryPending, s.now()
		docs = append(docs, d)
	}
	return s.insertNew(ctx, colQueue, docs)
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
	return append(queued, logged...), err
}

// TakeDeliveries leases up to max deliveries that are due: waiting and due now,
// or being sent by an instance whose lease has run out. Urgent ones come first.
// Each taken delivery counts an attempt.
func (s *Store) TakeDeliveries(ctx context.Context, owner string, leaseFor time.Duration, max int) ([]PushDelivery, error) {
	now := s.now()
	filter := bson.D{
		{Key: "nextAttemptAt", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lt", Value: now}}},
	}
	sort := bson.D{{Key: "priority", Value: 1}, {Key: "nextAttemptAt", Value: 1}}
	got, err := s.take(ctx, colQueue, filter, sort, max, owner, now, leaseFor,
		bson.D{{Key: "status", Value: DeliverySending}, {Key: "updatedAt", Value: now}}, bson.D{{Key: "attempts", Value: 1}})
	out := make([]PushDelivery, 0, len(got))
	for _, t := range got {
		var d PushDelivery
		if err := bson.Unmarshal(t.doc, &d); err != nil {
			return out, err
		}
		d.JobLease, d.Status, d.Attempts, d.UpdatedAt = t.lease, DeliverySending, d.Attempts+1, now
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b PushDelivery) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return a.NextAttemptAt.Compare(b.NextAttemptAt)
	})
	return out, err
}

// DeliveryOutcome is what happened to one attempt.
type DeliveryOutcome struct {
	Status        string // pending (retry), delivered, failed or gone
	NextAttemptAt time.Time
	LastStatus    int
	LastError     string
}

// RecordAttempt writes the outcome of an attempt and lets go of the lease: a
// retry stays in the queue; a final outcome moves the delivery to the log. It
// reports false when the lease was no longer the caller's (it ran out and
// another instance took the delivery), in which case nothing is written.
func (s *Store) RecordAttempt(ctx context.Context, d PushDelivery, owner string, o DeliveryOutcome) (bool, error) {
	now := s.now()
	if o.Status == DeliveryPending {
		res, err := s.c(colQueue).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "leaseOwner", Value: owner}, {Key: "claim", Value: d.Claim}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: DeliveryPending}, {Key: "nextAttemptAt", Value: o.NextAttemptAt},
				{Key: "lastStatus", Value: o.LastStatus}, {Key: "lastError", Value: o.LastError}, {Key: "updatedAt", Value: now},
				{Key: "leaseOwner", Value: ""}, {Key: "leaseUntil", Value: noLease}}}})
		if err != nil {
			return false, err
		}
		return res.MatchedCount > 0, nil
	}
	current, err := findOne[PushDelivery](ctx, s.c(colQueue), idFilter(d.ID))
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if current.LeaseOwner != owner || current.Claim != d.Claim {
		return false, nil
	}
	current.Status, current.LastStatus, current.LastError, current.UpdatedAt, current.FinishedAt = o.Status, o.LastStatus, o.LastError, now, &now
	current.JobLease = JobLease{Claim: current.Claim, LeaseUntil: noLease}
	if o.Status == DeliveryDelivered {
		current.DeliveredAt = &now
	}
	// Log first, then leave the queue: a crash in between leaves the delivery
	// queued, and AddDeliveries or the next take finds it already logged.
	if _, err := s.c(colLog).InsertOne(ctx, current); err != nil && !mongo.IsDuplicateKeyError(err) {
		return false, err
	}
	_, err = s.c(colQueue).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}})
	return err == nil, err
}

// DeliveryLogged reports whether a delivery has finished (a crash may have left
// a copy in the queue).
func (s *Store) DeliveryLogged(ctx context.Context, id string) (bool, error) {
	_, err := findOne[PushDelivery](ctx, s.c(colLog), idFilter(id))
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// DropQueued removes a delivery from the queue that is already in the log.
func (s *Store) DropQueued(ctx context.Context, id string) error {
	_, err := s.c(colQueue).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

// DeliveryProblems lists an area's most recent deliveries that met a problem,
// newest first: those that failed for good, and those waiting to retry after
// an error.
func (s *Store) DeliveryProblems(ctx context.Context, area string, limit int64) ([]PushDelivery, error) {
	retrying, err := findAll[PushDelivery](ctx, s.c(colQueue), inArea(area, bson.E{Key: "lastError", Value: bson.D{{Key: "$gt", Value: ""}}}),
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: -1}}).SetLimit(limit))
	if err != nil {
		return nil, err
	}
	failed, err := findAll[PushDelivery](ctx, s.c(colLog), inArea(area, bson.E{Key: "status", Value: DeliveryFailed}),
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: -1}}).SetLimit(limit))
	if err != nil {
		return nil, err
	}
	all := append(retrying, failed...)
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
	deliveries, err = s.c(colQueue).CountDocuments(ctx, bson.D{})
	return notifications, deliveries, err
}

// claimsKeptFor: a claim only matters while an instance may still hold a copy of
// its job read before the claim was made, which is seconds at most.
const claimsKeptFor = 24 * time.Hour

// SweepPush deletes logged deliveries older than keep, failed ones older than
// keepFailed (administrators look at those), old claims, and escalated access
// that has ended. Alerts are kept: they record who was told and who acknowledged.
func (s *Store) SweepPush(ctx context.Context, keep, keepFailed time.Duration) error {
	now := s.now()
	if _, err := s.c(colLog).DeleteMany(ctx, bson.D{
		{Key: "status", Value: bson.D{{Key: "$ne", Value: DeliveryFailed}}},
		{Key: "finishedAt", Value: bson.D{{Key: "$lt", Value: now.Add(-keep)}}}}); err != nil {
		return err
	}
	if _, err := s.c(colLog).DeleteMany(ctx, bson.D{{Key: "status", Value: DeliveryFailed},
		{Key: "finishedAt", Value: bson.D{{Key: "$lt", Value: now.Add(-keepFailed)}}}}); err != nil {
		return err
	}
	if _, err := s.c(colClaims).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-claimsKeptFor)}}}}); err != nil {
		return err
	}
	_, err := s.c(colEscalatedAccess).DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}})
	return err
}

// claimDoc makes one instance the holder of one claim number of one job.
type claimDoc struct {
	ID    string    `bson:"_id"`
	Owner string    `bson:"owner"`
	At    time.Time `bson:"at"`
}

// taken is a job document as read when it was taken, and the lease now held on it.
type taken struct {
	doc   bson.Raw
	lease JobLease
}

// take leases up to max documents of col matching filter for owner. For each
// candidate it inserts the claim "<col>/<id>/<claim+1>" (all in one unordered
// insert); the unique _id lets only one instance have each. The winner then
// moves each job's claim on and writes its lease (with set and inc), so anyone
// still holding an older copy of a job loses its own claim insert.
func (s *Store) take(ctx context.Context, col string, filter, sort bson.D, max int, owner string, now time.Time,
	leaseFor time.Duration, set, inc bson.D) ([]taken, error) {
	cur, err := s.c(col).Find(ctx, filter, options.Find().SetSort(sort).SetLimit(int64(max)))
	if err != nil {
		return nil, err
	}
	var candidates []bson.Raw
	if err := cur.All(ctx, &candidates); err != nil || len(candidates) == 0 {
		return nil, err
	}
	ids := make([]string, len(candidates))
	claims := make([]int, len(candidates))
	docs := make([]any, len(candidates))
	for i, doc := range candidates {
		ids[i], _ = doc.Lookup("_id").StringValueOK()
		c, _ := doc.Lookup("claim").AsInt64OK()
		claims[i] = int(c)
		docs[i] = claimDoc{ID: col + "/" + ids[i] + "/" + strconv.Itoa(claims[i]+1), Owner: owner, At: now}
	}
	lostClaim := map[int]bool{}
	_, err = s.c(colClaims).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we.WriteError) {
				return nil, err
			}
			lostClaim[we.Index] = true // another instance has it
		}
	default:
		return nil, err
	}
	// Write the leases, one update per old claim number (usually one for all).
	byClaim := map[int][]int{}
	for i := range candidates {
		if !lostClaim[i] && ids[i] != "" {
			byClaim[claims[i]] = append(byClaim[claims[i]], i)
		}
	}
	until := now.Add(leaseFor)
	var out []taken
	for claim, idx := range byClaim {
		won := make([]string, len(idx))
		for k, i := range idx {
			won[k] = ids[i]
		}
		update := bson.D{{Key: "$set", Value: append(bson.D{{Key: "claim", Value: claim + 1}, {Key: "leaseOwner", Value: owner},
			{Key: "leaseUntil", Value: until}}, set...)}}
		if len(inc) > 0 {
			update = append(update, bson.E{Key: "$inc", Value: inc})
		}
		res, err := s.c(col).UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: won}}}, {Key: "claim", Value: claim}}, update)
		if err != nil {
			return out, err
		}
		held := map[string]bool{}
		if int(res.MatchedCount) != len(won) {
			// A job changed between our read and our claim, which only a lease
			// running out can cause: keep only the jobs that now carry our lease.
			now, err := findAll[bson.Raw](ctx, s.c(col), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: won}}},
				{Key: "claim", Value: claim + 1}, {Key: "leaseOwner", Value: owner}})
			if err != nil {
				return out, err
			}
			for _, d := range now {
				id, _ := d.Lookup("_id").StringValueOK()
				held[id] = true
			}
		}
		for _, i := range idx {
			if int(res.MatchedCount) == len(won) || held[ids[i]] {
				out = append(out, taken{doc: candidates[i], lease: JobLease{Claim: claim + 1, LeaseOwner: owner, LeaseUntil: until}})
			}
		}
	}
	return out, nil
}

// AlertStep records one escalation step: who was told, and when.
type AlertStep struct {
	Step string    `bson:"step" json:"step"`
	At   time.Time `bson:"at" json:"at"`
	Told []string  `bson:"told" json:"told"`
}

// AlertTimer is an alert's escalation timer: its next step and when it is due.
// It carries the alert, so a step can be taken from the timer alone, and is
// deleted when no step is left.
type AlertTimer struct {
	heard.Alert `bson:",inline"`
	JobLease    `bson:",inline"`
	// Policy is the area's escalation policy when the alert was raised.
	Policy   heard.EscalationPolicy `bson:"policy"`
	NextStep string                 `bson:"nextStep"`
	DueAt    time.Time              `bson:"dueAt"`
	// Told is everyone told so far, so a step does not tell them again.
	Told []string `bson:"told"`
}

// AlertRecord is what is kept about an alert: each step taken (who was told,
// when), who it was escalated to, and who acknowledged it when.
type AlertRecord struct {
	heard.Alert `bson:",inline"`
	Policy      heard.EscalationPolicy `bson:"policy"`
	Status      string                 `bson:"status"`
	// NextStep and DueAt are the timer's, while one is set.
	NextStep string    `bson:"nextStep"`
	DueAt    time.Time `bson:"dueAt"`
	// StepsTaken is keyed by step name, so taking a step again after a crash
	// records it once.
	StepsTaken  map[string]AlertStep `bson:"steps"`
	Told        []string             `bson:"told"`
	EscalatedTo []string             `bson:"escalatedTo"`
	UpdatedAt   time.Time            `bson:"updatedAt"`
	// Acknowledgement, read from its own collection (see AcknowledgeAlert).
	AcknowledgedAt *time.Time `bson:"-"`
	AcknowledgedBy string     `bson:"-"`
}

// Steps lists the steps taken, in order.
func (a AlertRecord) Steps() []AlertStep {
	out := make([]AlertStep, 0, len(a.StepsTaken))
	for _, s := range a.StepsTaken {
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y AlertStep) int { return x.At.Compare(y.At) })
	return out
}

// alertAck records the first acknowledgement of an alert. It is a document of its
// own, never a field written onto the alert, because the alert is written by
// whichever instance holds its timer; keeping the two apart means neither write
// can undo the other.
type alertAck struct {
	AlertID string    `bson:"_id"`
	AreaID  string    `bson:"area"`
	By      string    `bson:"by"`
	At      time.Time `bson:"at"`
}

// CreateAlert stores an alert record as given, with no timer (seeding, tools and
// tests; Heard raises alerts with RaiseAlert). Those it lists as escalated to get
// access to the young person's record. It reports false when the alert exists.
func (s *Store) CreateAlert(ctx context.Context, a AlertRecord) (bool, error) {
	if a.Status == "" {
		a.Status = AlertDone
	}
	for _, list := range []*[]string{&a.Told, &a.EscalatedTo} {
		if *list == nil {
			*list = []string{}
		}
	}
	a.UpdatedAt = s.now()
	_, err := s.c(colAlerts).InsertOne(ctx, a)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, staffID := range a.EscalatedTo {
		if err := s.grantEscalatedAccess(ctx, a.AreaID, staffID, a.YoungPersonID, a.CreatedAt.Add(EscalatedAccessFor)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// RaiseAlert starts an alert's timer with its first step due at dueAt. It
// reports false when the alert was raised before (its timer or its record
// exists), and then changes nothing.
func (s *Store) RaiseAlert(ctx context.Context, t AlertTimer) (bool, error) {
	if _, err := findOne[AlertRecord](ctx, s.c(colAlerts), idFilter(t.ID)); err == nil {
		return false, nil
	} else if !errors.Is(err, heard.ErrNotFound) {
		return false, err
	}
	t.JobLease = JobLease{LeaseUntil: noLease}
	if t.Told == nil {
		t.Told = []string{}
	}
	_, err := s.c(colAlertTimers).InsertOne(ctx, t)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// TakeAlerts leases up to max alert timers that are due. When id is given only
// that alert is considered.
func (s *Store) TakeAlerts(ctx context.Context, owner, id string, leaseFor time.Duration, max int) ([]AlertTimer, error) {
	now := s.now()
	filter := bson.D{{Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}}, {Key: "leaseUntil", Value: bson.D{{Key: "$lt", Value: now}}}}
	if id != "" {
		filter = append(filter, bson.E{Key: "_id", Value: id})
	}
	got, err := s.take(ctx, colAlertTimers, filter, bson.D{{Key: "dueAt", Value: 1}}, max, owner, now, leaseFor, nil, nil)
	out := make([]AlertTimer, 0, len(got))
	for _, t := range got {
		var a AlertTimer
		if err := bson.Unmarshal(t.doc, &a); err != nil {
			return out, err
		}
		a.JobLease = t.lease
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b AlertTimer) int { return a.DueAt.Compare(b.DueAt) })
	return out, err
}

// AdvanceAlert records a step taken by the holder of the alert's timer (none
// when step is nil: the alert was acknowledged), gives those it was escalated
// to access to the young person's record, and sets the next step, or deletes the
// timer when next is "".
func (s *Store) AdvanceAlert(ctx context.Context, t AlertTimer, owner string, step *AlertStep, escalated []string, next string, dueAt time.Time) error {
	now := s.now()
	status := AlertOpen
	if next == "" {
		status, dueAt = AlertDone, time.Time{}
	}
	told := []string{}
	if step != nil && step.Told != nil {
		told = step.Told
	}
	if escalated == nil {
		escalated = []string{}
	}
	set := bson.D{{Key: "status", Value: status}, {Key: "nextStep", Value: next}, {Key: "dueAt", Value: dueAt}, {Key: "updatedAt", Value: now}}
	if step != nil {
		step.Told = told
		set = append(set, bson.E{Key: "steps." + step.Step, Value: step})
	}
	a := t.Alert
	_, err := s.c(colAlerts).UpdateOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, bson.D{
		{Key: "$setOnInsert", Value: bson.D{{Key: "area", Value: a.AreaID}, {Key: "youngPersonId", Value: a.YoungPersonID},
			{Key: "keyWorkerId", Value: a.KeyWorkerID}, {Key: "teamId", Value: a.TeamID}, {Key: "urgency", Value: a.Urgency},
			{Key: "type", Value: a.Type}, {Key: "link", Value: a.Link}, {Key: "createdAt", Value: a.CreatedAt}, {Key: "policy", Value: t.Policy}}},
		{Key: "$set", Value: set},
		{Key: "$addToSet", Value: bson.D{{Key: "told", Value: bson.D{{Key: "$each", Value: told}}},
			{Key: "escalatedTo", Value: bson.D{{Key: "$each", Value: escalated}}}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return err
	}
	for _, staffID := range escalated {
		if err := s.grantEscalatedAccess(ctx, a.AreaID, staffID, a.YoungPersonID, a.CreatedAt.Add(EscalatedAccessFor)); err != nil {
			return err
		}
	}
	if next == "" {
		_, err = s.c(colAlertTimers).DeleteOne(ctx, bson.D{{Key: "_id", Value: a.ID}})
		return err
	}
	res, err := s.c(colAlertTimers).UpdateOne(ctx, bson.D{{Key: "_id", Value: a.ID}, {Key: "leaseOwner", Value: owner}, {Key: "claim", Value: t.Claim}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "nextStep", Value: next}, {Key: "dueAt", Value: dueAt},
			{Key: "leaseOwner", Value: ""}, {Key: "leaseUntil", Value: noLease}}},
			{Key: "$addToSet", Value: bson.D{{Key: "told", Value: bson.D{{Key: "$each", Value: told}}}}}})
	if err == nil && res.MatchedCount == 0 {
		return fmt.Errorf("alert %s: lease lost before its step was recorded", a.ID)
	}
	return err
}

// AcknowledgeAlert records that a staff member acknowledged an alert. The first
// acknowledgement stands; it reports whether this one was the first.
func (s *Store) AcknowledgeAlert(ctx context.Context, area, id, by string) (bool, error) {
	if _, err := s.Alert(ctx, area, id); err != nil {
		return false, err
	}
	_, err := s.c(colAlertAcks).InsertOne(ctx, alertAck{AlertID: id, AreaID: area, By: by, At: s.now()})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// AlertAcknowledged reports whether an alert has been acknowledged.
func (s *Store) AlertAcknowledged(ctx context.Context, area, id string) (bool, error) {
	_, err := findByID[alertAck](ctx, s.c(colAlertAcks), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Alert returns an alert with its escalation record and acknowledgement. An
// alert raised whose first step has not been taken yet is read from its timer.
func (s *Store) Alert(ctx context.Context, area, id string) (AlertRecord, error) {
	a, err := findByID[AlertRecord](ctx, s.c(colAlerts), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		t, terr := findByID[AlertTimer](ctx, s.c(colAlertTimers), area, id)
		if terr != nil {
			return a, terr
		}
		a = AlertRecord{Alert: t.Alert, Policy: t.Policy, Status: AlertOpen, NextStep: t.NextStep, DueAt: t.DueAt, Told: t.Told}
	} else if err != nil {
		return a, err
	}
	ack, err := findByID[alertAck](ctx, s.c(colAlertAcks), area, id)
	switch {
	case err == nil:
		a.AcknowledgedAt, a.AcknowledgedBy = &ack.At, ack.By
	case !errors.Is(err, heard.ErrNotFound):
		return a, err
	}
	return a, nil
}

// EscalatedAccessFor is how long being told about an alert lets a duty worker or
// team manager read that young person's record: long enough to respond and
// follow up, not for ever.
const EscalatedAccessFor = 7 * 24 * time.Hour

// escalatedAccess says a staff member may read a young person's record until a
// time because an alert about them was escalated to that staff member. Its _id
// is area, staff and young person, so checking it is one direct lookup.
type escalatedAccess struct {
	ID            string    `bson:"_id"`
	AreaID        string    `bson:"area"`
	StaffID       string    `bson:"staffId"`
	YoungPersonID string    `bson:"youngPersonId"`
	Until         time.Time `bson:"until"`
}

func escalatedAccessID(area, staffID, youngPersonID string) string {
	return area + "/" + staffID + "/" + youngPersonID
}

func (s *Store) grantEscalatedAccess(ctx context.Context, area, staffID, youngPersonID string, until time.Time) error {
	_, err := s.c(colEscalatedAccess).UpdateOne(ctx, bson.D{{Key: "_id", Value: escalatedAccessID(area, staffID, youngPersonID)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "area", Value: area}, {Key: "staffId", Value: staffID}, {Key: "youngPersonId", Value: youngPersonID}}},
			{Key: "$max", Value: bson.D{{Key: "until", Value: until}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// EscalatedTo reports whether an alert about the young person was escalated to
// the staff member within EscalatedAccessFor.
func (s *Store) EscalatedTo(ctx context.Context, area, staffID, youngPersonID string) (bool, error) {
	a, err := findByID[escalatedAccess](ctx, s.c(colEscalatedAccess), area, escalatedAccessID(area, staffID, youngPersonID))
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil && a.Until.After(s.now()), err
}
