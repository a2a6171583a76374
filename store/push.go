package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Web Push: subscriptions, the notification outbox, one delivery per
// notification and browser, alerts with their escalation timers, and the claims
// that make sure only one Heard instance works on a job at a time.
//
// Leases. Jobs (notifications to expand, deliveries to send, alert steps) are
// taken with a lease: leaseOwner and leaseUntil on the job. A crashed instance's
// lease runs out and another instance takes the job again. What decides between
// two instances taking the same job is not findOneAndUpdate: the embedded
// database carries it out as a read followed by an unconditional write, so two
// instances can both "win". Instead every take inserts a claim whose _id is the
// job and the job's next claim number; the unique _id lets exactly one insert
// succeed, on the embedded database and on MongoDB alike. Only the holder of a
// job's current claim writes to the job, so there are no concurrent writers to
// lose each other's updates.
//
// The dispatcher's queries (take, queue depth, sweep) span every area: it serves
// them all and never shows what it reads to a person; each job carries its area.
const (
	colPushSubscriptions = "push_subscriptions"
	colNotifications     = "notifications"
	colDeliveries        = "push_deliveries"
	colClaims            = "push_claims"
	colAlerts            = "alerts"
	colAlertAcks         = "alert_acks"
)

func init() {
	registerIndexes(
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "endpoint", Value: 1}}, unique: true},
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "area", Value: 1}, {Key: "ownerId", Value: 1}}},
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "deviceId", Value: 1}}},
		index{collection: colNotifications, keys: bson.D{{Key: "status", Value: 1}, {Key: "createdAt", Value: 1}}},
		index{collection: colDeliveries, keys: bson.D{{Key: "status", Value: 1}, {Key: "priority", Value: 1}, {Key: "nextAttemptAt", Value: 1}}},
		index{collection: colDeliveries, keys: bson.D{{Key: "area", Value: 1}, {Key: "updatedAt", Value: -1}}},
		index{collection: colDeliveries, keys: bson.D{{Key: "finishedAt", Value: 1}}},
		index{collection: colClaims, keys: bson.D{{Key: "at", Value: 1}}},
		index{collection: colAlerts, keys: bson.D{{Key: "status", Value: 1}, {Key: "dueAt", Value: 1}}},
		index{collection: colAlerts, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "createdAt", Value: -1}}},
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
	DeviceID  string     `bson:"deviceId"`
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

// DeleteSubscriptionByID removes a subscription the push service said is gone.
func (s *Store) DeleteSubscriptionByID(ctx context.Context, id string) error {
	_, err := s.c(colPushSubscriptions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

// Outbox and job states.
const (
	// Notifications: waiting to be expanded into deliveries, or expanded.
	NotificationPending  = "pending"
	NotificationExpanded = "expanded"

	DeliveryPending   = "pending"   // waiting for its (next) attempt
	DeliverySending   = "sending"   // an instance holds it and is sending
	DeliveryDelivered = "delivered" // the push service accepted it
	DeliveryFailed    = "failed"    // refused for good, or retried for too long
	DeliveryGone      = "gone"      // the subscription no longer exists

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

// OutboxNotification is a notification as the outbox keeps it.
type OutboxNotification struct {
	heard.Notification `bson:",inline"`
	JobLease           `bson:",inline"`
	Status             string     `bson:"status"`
	ExpandedAt         *time.Time `bson:"expandedAt,omitempty"`
	Deliveries         int        `bson:"deliveries"`
	// Note says why there were no deliveries (no subscription, account disabled).
	Note string `bson:"note,omitempty"`
}

// QueueNotification writes a notification to the outbox. Writing the same id
// again changes nothing and reports false.
func (s *Store) QueueNotification(ctx context.Context, n heard.Notification) (bool, error) {
	doc := OutboxNotification{Notification: n, JobLease: JobLease{LeaseUntil: noLease}, Status: NotificationPending}
	_, err := s.c(colNotifications).InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// OutboxNotificationByID returns one outbox entry (tests and administrators' tools).
func (s *Store) OutboxNotificationByID(ctx context.Context, id string) (OutboxNotification, error) {
	return findOne[OutboxNotification](ctx, s.c(colNotifications), bson.D{{Key: "_id", Value: id}})
}

// TakeNotifications leases up to max notifications waiting to be expanded.
func (s *Store) TakeNotifications(ctx context.Context, owner string, leaseFor time.Duration, max int) ([]OutboxNotification, error) {
	now := s.now()
	filter := bson.D{{Key: "status", Value: NotificationPending}, {Key: "leaseUntil", Value: bson.D{{Key: "$lt", Value: now}}}}
	ids, err := s.take(ctx, colNotifications, filter, bson.D{{Key: "createdAt", Value: 1}}, max, owner, now, leaseFor, nil)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return findAll[OutboxNotification](ctx, s.c(colNotifications), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}}))
}

// FinishExpansion marks a leased notification expanded into n deliveries.
func (s *Store) FinishExpansion(ctx context.Context, n OutboxNotification, owner string, deliveries int, note string) error {
	now := s.now()
	_, err := s.c(colNotifications).UpdateOne(ctx, bson.D{{Key: "_id", Value: n.ID}, {Key: "leaseOwner", Value: owner}, {Key: "claim", Value: n.Claim}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: NotificationExpanded}, {Key: "expandedAt", Value: now},
			{Key: "deliveries", Value: deliveries}, {Key: "note", Value: note}, {Key: "leaseOwner", Value: ""}, {Key: "leaseUntil", Value: noLease}}}})
	return err
}

// PushDelivery is one notification on its way to one browser.
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

// AddDeliveries stores new deliveries; ones already there are left as they are,
// so expanding a notification again after a crash adds nothing.
func (s *Store) AddDeliveries(ctx context.Context, ds []PushDelivery) error {
	for _, d := range ds {
		d.JobLease = JobLease{LeaseUntil: noLease}
		d.Status, d.UpdatedAt = DeliveryPending, s.now()
		if _, err := s.c(colDeliveries).InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
			return err
		}
	}
	return nil
}

// Delivery returns one delivery (tests and the dispatcher).
func (s *Store) Delivery(ctx context.Context, id string) (PushDelivery, error) {
	return findOne[PushDelivery](ctx, s.c(colDeliveries), bson.D{{Key: "_id", Value: id}})
}

// DeliveriesOf lists a notification's deliveries.
func (s *Store) DeliveriesOf(ctx context.Context, notificationID string) ([]PushDelivery, error) {
	return findAll[PushDelivery](ctx, s.c(colDeliveries), bson.D{{Key: "notificationId", Value: notificationID}})
}

// TakeDeliveries leases up to max deliveries that are due: waiting and due now,
// or being sent by an instance whose lease has run out. Urgent ones come first.
// Each taken delivery counts an attempt.
func (s *Store) TakeDeliveries(ctx context.Context, owner string, leaseFor time.Duration, max int) ([]PushDelivery, error) {
	now := s.now()
	filter := bson.D{
		{Key: "status", Value: bson.D{{Key: "$in", Value: []string{DeliveryPending, DeliverySending}}}},
		{Key: "nextAttemptAt", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lt", Value: now}}},
	}
	sort := bson.D{{Key: "priority", Value: 1}, {Key: "nextAttemptAt", Value: 1}}
	ids, err := s.take(ctx, colDeliveries, filter, sort, max, owner, now, leaseFor, func(doc bson.Raw) bson.D {
		attempts, _ := doc.Lookup("attempts").AsInt64OK()
		return bson.D{{Key: "status", Value: DeliverySending}, {Key: "attempts", Value: attempts + 1}, {Key: "updatedAt", Value: now}}
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return findAll[PushDelivery](ctx, s.c(colDeliveries), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find().SetSort(sort))
}

// DeliveryOutcome is what happened to one attempt.
type DeliveryOutcome struct {
	Status        string // pending (retry), delivered, failed or gone
	NextAttemptAt time.Time
	LastStatus    int
	LastError     string
}

// RecordAttempt writes the outcome of an attempt and lets go of the lease. It
// reports false when the lease was no longer the caller's (it ran out and
// another instance took the delivery), in which case nothing is written.
func (s *Store) RecordAttempt(ctx context.Context, d PushDelivery, owner string, o DeliveryOutcome) (bool, error) {
	now := s.now()
	set := bson.D{{Key: "status", Value: o.Status}, {Key: "lastStatus", Value: o.LastStatus}, {Key: "lastError", Value: o.LastError},
		{Key: "updatedAt", Value: now}, {Key: "leaseOwner", Value: ""}, {Key: "leaseUntil", Value: noLease}}
	switch o.Status {
	case DeliveryPending:
		set = append(set, bson.E{Key: "nextAttemptAt", Value: o.NextAttemptAt})
	case DeliveryDelivered:
		set = append(set, bson.E{Key: "deliveredAt", Value: now}, bson.E{Key: "finishedAt", Value: now})
	default:
		set = append(set, bson.E{Key: "finishedAt", Value: now})
	}
	res, err := s.c(colDeliveries).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "leaseOwner", Value: owner}, {Key: "claim", Value: d.Claim}},
		bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return false, err
	}
	return res.MatchedCount > 0, nil
}

// DeliveryProblems lists an area's most recent deliveries that met a problem
// (failed for good, gone, or retrying after an error), newest first.
func (s *Store) DeliveryProblems(ctx context.Context, area string, limit int64) ([]PushDelivery, error) {
	return findAll[PushDelivery](ctx, s.c(colDeliveries), inArea(area, bson.E{Key: "lastError", Value: bson.D{{Key: "$gt", Value: ""}}}),
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: -1}}).SetLimit(limit))
}

// PushQueueDepth counts notifications waiting to be expanded and deliveries
// waiting to be sent (including those waiting for a retry).
func (s *Store) PushQueueDepth(ctx context.Context) (notifications, deliveries int64, err error) {
	notifications, err = s.c(colNotifications).CountDocuments(ctx, bson.D{{Key: "status", Value: NotificationPending}})
	if err != nil {
		return 0, 0, err
	}
	deliveries, err = s.c(colDeliveries).CountDocuments(ctx, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: []string{DeliveryPending, DeliverySending}}}}})
	return notifications, deliveries, err
}

// SweepPush deletes finished deliveries and expanded notifications older than
// keep, failed deliveries older than keepFailed (administrators look at those),
// and claims older than keep. Alerts are kept: they record who was told and who
// acknowledged.
func (s *Store) SweepPush(ctx context.Context, keep, keepFailed time.Duration) error {
	now := s.now()
	if _, err := s.c(colDeliveries).DeleteMany(ctx, bson.D{
		{Key: "status", Value: bson.D{{Key: "$in", Value: []string{DeliveryDelivered, DeliveryGone}}}},
		{Key: "finishedAt", Value: bson.D{{Key: "$lt", Value: now.Add(-keep)}}}}); err != nil {
		return err
	}
	if _, err := s.c(colDeliveries).DeleteMany(ctx, bson.D{{Key: "status", Value: DeliveryFailed},
		{Key: "finishedAt", Value: bson.D{{Key: "$lt", Value: now.Add(-keepFailed)}}}}); err != nil {
		return err
	}
	if _, err := s.c(colNotifications).DeleteMany(ctx, bson.D{{Key: "status", Value: NotificationExpanded},
		{Key: "expandedAt", Value: bson.D{{Key: "$lt", Value: now.Add(-keep)}}}}); err != nil {
		return err
	}
	// A claim only matters while someone may still hold a stale copy of its job:
	// minutes at most. Jobs older than keep are finished.
	_, err := s.c(colClaims).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-keep)}}}})
	return err
}

// claimDoc makes one instance the holder of one claim number of one job.
type claimDoc struct {
	ID    string    `bson:"_id"`
	Owner string    `bson:"owner"`
	At    time.Time `bson:"at"`
}

// take leases up to max documents of col matching filter for owner, and returns
// their ids. For each candidate it inserts the claim "<col>/<id>/<claim+1>";
// the unique _id lets only one instance have it. The winner then moves the job's
// claim on and writes its lease (and what extra adds), so anyone still holding
// an older copy of the job loses its own claim insert.
func (s *Store) take(ctx context.Context, col string, filter, sort bson.D, max int, owner string, now time.Time,
	leaseFor time.Duration, extra func(bson.Raw) bson.D) ([]string, error) {
	cur, err := s.c(col).Find(ctx, filter, options.Find().SetSort(sort).SetLimit(int64(max)))
	if err != nil {
		return nil, err
	}
	var candidates []bson.Raw
	if err := cur.All(ctx, &candidates); err != nil {
		return nil, err
	}
	var ids []string
	for _, doc := range candidates {
		id, ok := doc.Lookup("_id").StringValueOK()
		if !ok {
			continue
		}
		claim, _ := doc.Lookup("claim").AsInt64OK()
		next := int(claim) + 1
		_, err := s.c(colClaims).InsertOne(ctx, claimDoc{ID: col + "/" + id + "/" + strconv.Itoa(next), Owner: owner, At: now})
		if mongo.IsDuplicateKeyError(err) {
			continue // another instance has it
		}
		if err != nil {
			return ids, err
		}
		set := bson.D{{Key: "claim", Value: next}, {Key: "leaseOwner", Value: owner}, {Key: "leaseUntil", Value: now.Add(leaseFor)}}
		if extra != nil {
			set = append(set, extra(doc)...)
		}
		res, err := s.c(col).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "claim", Value: claim}}, bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return ids, err
		}
		if res.MatchedCount == 1 {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// AlertStep records one escalation step: who was told, and when.
type AlertStep struct {
	Step string    `bson:"step" json:"step"`
	At   time.Time `bson:"at" json:"at"`
	Told []string  `bson:"told" json:"told"`
}

// AlertRecord is an alert with its escalation state. Its timer is the pair
// (NextStep, DueAt), taken with a lease like any job.
type AlertRecord struct {
	heard.Alert `bson:",inline"`
	JobLease    `bson:",inline"`
	// Policy is the area's escalation policy when the alert was raised.
	Policy   heard.EscalationPolicy `bson:"policy"`
	Status   string                 `bson:"status"`
	NextStep string                 `bson:"nextStep"`
	DueAt    time.Time              `bson:"dueAt"`
	Steps    []AlertStep            `bson:"steps"`
	// Told is everyone told so far; EscalatedTo those told beyond the key worker,
	// who may read the young person's record because of it.
	Told        []string `bson:"told"`
	EscalatedTo []string `bson:"escalatedTo"`
	// Acknowledgement, read from its own collection (see AcknowledgeAlert).
	AcknowledgedAt *time.Time `bson:"-"`
	AcknowledgedBy string     `bson:"-"`
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

// CreateAlert stores a new alert with its first step due at once. It reports
// false when the alert already exists.
func (s *Store) CreateAlert(ctx context.Context, a AlertRecord) (bool, error) {
	a.JobLease = JobLease{LeaseUntil: noLease}
	if a.Steps == nil {
		a.Steps = []AlertStep{}
	}
	if a.Told == nil {
		a.Told = []string{}
	}
	if a.EscalatedTo == nil {
		a.EscalatedTo = []string{}
	}
	_, err := s.c(colAlerts).InsertOne(ctx, a)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// TakeAlerts leases up to max alerts whose next step is due. When id is given
// only that alert is considered.
func (s *Store) TakeAlerts(ctx context.Context, owner, id string, leaseFor time.Duration, max int) ([]AlertRecord, error) {
	now := s.now()
	filter := bson.D{{Key: "status", Value: AlertOpen}, {Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lt", Value: now}}}}
	if id != "" {
		filter = append(filter, bson.E{Key: "_id", Value: id})
	}
	ids, err := s.take(ctx, colAlerts, filter, bson.D{{Key: "dueAt", Value: 1}}, max, owner, now, leaseFor, nil)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return findAll[AlertRecord](ctx, s.c(colAlerts), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}}))
}

// AdvanceAlert records a step taken by the holder of the alert's lease, sets the
// next step (none when next is ""), and lets go of the lease. escalated lists
// those told who are not the key worker.
func (s *Store) AdvanceAlert(ctx context.Context, a AlertRecord, owner string, step *AlertStep, escalated []string, next string, dueAt time.Time) error {
	status := AlertOpen
	if next == "" {
		status, dueAt = AlertDone, a.DueAt
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "nextStep", Value: next}, {Key: "dueAt", Value: dueAt},
		{Key: "leaseOwner", Value: ""}, {Key: "leaseUntil", Value: noLease}}}}
	if step != nil {
		if step.Told == nil {
			step.Told = []string{}
		}
		if escalated == nil {
			escalated = []string{}
		}
		update = append(update,
			bson.E{Key: "$push", Value: bson.D{{Key: "steps", Value: step}}},
			bson.E{Key: "$addToSet", Value: bson.D{
				{Key: "told", Value: bson.D{{Key: "$each", Value: step.Told}}},
				{Key: "escalatedTo", Value: bson.D{{Key: "$each", Value: escalated}}},
			}})
	}
	res, err := s.c(colAlerts).UpdateOne(ctx, bson.D{{Key: "_id", Value: a.ID}, {Key: "leaseOwner", Value: owner}, {Key: "claim", Value: a.Claim}}, update)
	if err == nil && res.MatchedCount == 0 {
		return fmt.Errorf("alert %s: lease lost before its step was recorded", a.ID)
	}
	return err
}

// AcknowledgeAlert records that a staff member acknowledged an alert. The first
// acknowledgement stands; it reports whether this one was the first.
func (s *Store) AcknowledgeAlert(ctx context.Context, area, id, by string) (bool, error) {
	if _, err := findOne[AlertRecord](ctx, s.c(colAlerts), inArea(area, bson.E{Key: "_id", Value: id})); err != nil {
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
	n, err := s.c(colAlertAcks).CountDocuments(ctx, inArea(area, bson.E{Key: "_id", Value: id}))
	return n > 0, err
}

// Alert returns an alert with its escalation record and acknowledgement.
func (s *Store) Alert(ctx context.Context, area, id string) (AlertRecord, error) {
	a, err := findOne[AlertRecord](ctx, s.c(colAlerts), inArea(area, bson.E{Key: "_id", Value: id}))
	if err != nil {
		return a, err
	}
	ack, err := findOne[alertAck](ctx, s.c(colAlertAcks), inArea(area, bson.E{Key: "_id", Value: id}))
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

// EscalatedTo reports whether an alert about the young person was escalated to
// the staff member within EscalatedAccessFor.
func (s *Store) EscalatedTo(ctx context.Context, area, staffID, youngPersonID string) (bool, error) {
	n, err := s.c(colAlerts).CountDocuments(ctx, inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID},
		bson.E{Key: "escalatedTo", Value: staffID}, bson.E{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: s.now().Add(-EscalatedAccessFor)}}}),
		options.Count().SetLimit(1))
	return n > 0, err
}
