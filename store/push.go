package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Web Push. This file keeps the browsers registered for push; pushqueue.go the
// outbox, the delivery queue and its log; alerts.go alerts and their
// escalation timers; leases.go how instances share that work.
//
// Small queues, keyed records. The embedded database filters in Go after
// reading every document of a collection, except for a filter on _id alone, and
// its indexes do not change that. So work waiting to be done lives in small
// queue collections that only ever hold pending work (push_outbox, push_queue,
// alert_timers), and everything kept afterwards (push_log, alerts,
// escalated_access) is read by _id on the hot path.
//
// The dispatcher's queries (due work, queue depth, sweep) span every area: it
// serves them all and never shows what it reads to a person; each job carries
// its area.
const (
	colPushSubscriptions     = "push_subscriptions"
	colPushSubscriptionLists = "push_subscription_lists"
)

func init() {
	registerIndexes(
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "endpoint", Value: 1}}, unique: true},
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "area", Value: 1}, {Key: "ownerId", Value: 1}}},
		index{collection: colPushSubscriptions, keys: bson.D{{Key: "deviceId", Value: 1}}},
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
//
// A person's browsers are found through their list of subscription ids
// (subscriptionListID), read by _id when a push goes out; the id goes on the
// list before the subscription is written, so a subscription is never stored
// without being on its owner's list. (A new endpoint's id is made from the
// endpoint, so two registrations at once agree on it.)
func (s *Store) SavePushSubscription(ctx context.Context, sub PushSubscription) (PushSubscription, error) {
	now := s.now()
	filter := bson.D{{Key: "endpoint", Value: sub.Endpoint}}
	id := subscriptionIDFor(sub.Endpoint)
	existing, err := findOne[PushSubscription](ctx, s.c(colPushSubscriptions), filter)
	switch {
	case err == nil:
		id = existing.ID
	case !errors.Is(err, heard.ErrNotFound):
		return PushSubscription{}, err
	}
	if err := s.listSubscription(ctx, sub.AreaID, sub.OwnerID, id); err != nil {
		return PushSubscription{}, err
	}
	set := bson.D{
		{Key: "area", Value: sub.AreaID}, {Key: "p256dh", Value: sub.P256dh}, {Key: "auth", Value: sub.Auth},
		{Key: "ownerId", Value: sub.OwnerID}, {Key: "ownerRole", Value: sub.OwnerRole}, {Key: "deviceId", Value: sub.DeviceID},
		{Key: "sessionId", Value: sub.SessionID},
		{Key: "expiresAt", Value: sub.ExpiresAt}, {Key: "updatedAt", Value: now},
	}
	update := bson.D{{Key: "$set", Value: set},
		{Key: "$setOnInsert", Value: bson.D{{Key: "_id", Value: id}, {Key: "createdAt", Value: now}}}}
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

// subscriptionIDFor is the id a new endpoint's subscription is stored under.
func subscriptionIDFor(endpoint string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("heard:push-subscription:"+endpoint)).String()
}

// subscriptionList is a person's list of subscription ids, the most recently
// registered last. Nothing is taken off it when a subscription is deleted or
// moved to someone else (the subscriptions themselves are the truth, and a
// read leaves those out); it keeps the last subscriptionListKeep registered,
// which holds every subscription trimSubscriptions keeps.
type subscriptionList struct {
	ID     string   `bson:"_id"`
	AreaID string   `bson:"area"`
	IDs    []string `bson:"ids"`
}

const subscriptionListKeep = 2 * MaxSubscriptionsPerPerson

func subscriptionListID(area, owner string) string { return "subs/" + area + "/" + owner }

// listSubscription puts a subscription id last on its owner's list (ids
// none given: the list is made, empty, if it is not there).
func (s *Store) listSubscription(ctx context.Context, area, owner string, ids ...string) error {
	_, _, err := update(ctx, s, colPushSubscriptionLists, area, subscriptionListID(area, owner), func(l *subscriptionList, exists bool) (bool, error) {
		if !exists {
			*l = subscriptionList{ID: subscriptionListID(area, owner), AreaID: area, IDs: []string{}}
		}
		if exists && len(ids) == 0 || len(ids) == 1 && len(l.IDs) > 0 && l.IDs[len(l.IDs)-1] == ids[0] {
			return false, nil
		}
		for _, id := range ids {
			l.IDs = append(slices.DeleteFunc(l.IDs, func(old string) bool { return old == id }), id)
		}
		if extra := len(l.IDs) - subscriptionListKeep; extra > 0 {
			l.IDs = l.IDs[extra:]
		}
		return true, nil
	})
	return err
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

// PushSubscriptionsOf lists a person's registered browsers, oldest first:
// their list of ids, then each subscription by _id (a lookup; a filter on the
// owner would read every subscription on the embedded server, once for each
// push), leaving out those no longer theirs. A person whose list was never
// written (registered before lists) is found by the filter once, and their
// list written.
func (s *Store) PushSubscriptionsOf(ctx context.Context, area, ownerID string) ([]PushSubscription, error) {
	l, err := findByID[subscriptionList](ctx, s.c(colPushSubscriptionLists), area, subscriptionListID(area, ownerID))
	if errors.Is(err, heard.ErrNotFound) {
		return s.listSubscriptionsOf(ctx, area, ownerID)
	}
	if err != nil {
		return nil, err
	}
	subs, err := forEachID(ctx, l.IDs, func(ctx context.Context, id string) (PushSubscription, error) {
		return findByID[PushSubscription](ctx, s.c(colPushSubscriptions), area, id)
	})
	if err != nil {
		return nil, err
	}
	mine := slices.DeleteFunc(subs, func(sub PushSubscription) bool { return sub.OwnerID != ownerID })
	slices.SortStableFunc(mine, func(a, b PushSubscription) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return mine, nil
}

// listSubscriptionsOf finds a person's subscriptions by filter and writes
// their list.
func (s *Store) listSubscriptionsOf(ctx context.Context, area, ownerID string) ([]PushSubscription, error) {
	subs, err := findAll[PushSubscription](ctx, s.c(colPushSubscriptions), inArea(area, bson.E{Key: "ownerId", Value: ownerID}),
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: 1}}))
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(subs))
	for _, sub := range subs {
		ids = append(ids, sub.ID)
	}
	if err := s.listSubscription(ctx, area, ownerID, ids...); err != nil {
		return nil, err
	}
	slices.SortStableFunc(subs, func(a, b PushSubscription) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return subs, nil
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

// DeleteOwnerSubscriptions removes what a staff member registered for
// notifications in every session but keep (none when keep is empty): when
// trust in the account changes, the sessions it ended are told nothing more.
func (s *Store) DeleteOwnerSubscriptions(ctx context.Context, area, ownerID, keep string) error {
	f := inArea(area, bson.E{Key: "ownerId", Value: ownerID})
	if keep != "" {
		f = append(f, bson.E{Key: "sessionId", Value: bson.D{{Key: "$ne", Value: keep}}})
	}
	_, err := s.c(colPushSubscriptions).DeleteMany(ctx, f)
	return err
}
