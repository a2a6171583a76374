package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

var zeroSeconds int32

func init() {
	registerIndexes(
		index{collection: colJoinCodes, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
		index{collection: colJoinCodes, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}}},
		index{collection: colDevices, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}}},
		index{collection: colRefreshTokens, keys: bson.D{{Key: "family", Value: 1}}},
		index{collection: colRefreshTokens, keys: bson.D{{Key: "deviceId", Value: 1}}},
		index{collection: colRefreshTokens, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
		index{collection: colLoginAttempts, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
		index{collection: colLoginFailures, keys: bson.D{{Key: "key", Value: 1}, {Key: "at", Value: 1}}},
		index{collection: colLoginFailures, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
		index{collection: colSignInClaims, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
	)
}

// Collections of the sign-in machinery that only this file uses.
const (
	colSignInClaims  = "signin_claims"
	colLoginFailures = "login_failures"
)

// signInClaim marks that something happened once (a join code used, a refresh token
// spent, a session ended) or holds a short lease.
type signInClaim struct {
	ID        string    `bson:"_id"`
	Owner     string    `bson:"owner,omitempty"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// claimOnce records key and reports whether this caller was first. Inserting a
// fixed _id is the one write that is atomic on both MongoDB and the embedded
// server: the embedded server's conditional updates (findOneAndUpdate, $inc)
// read and then write, so two requests can both "win" them.
func (s *Store) claimOnce(ctx context.Context, key string, expires time.Time) (bool, error) {
	_, err := s.c(colSignInClaims).InsertOne(ctx, signInClaim{ID: key, ExpiresAt: expires})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

func (s *Store) claimed(ctx context.Context, key string) (bool, error) {
	n, err := s.c(colSignInClaims).CountDocuments(ctx, bson.D{{Key: "_id", Value: key}})
	return n > 0, err
}

// JoinCode is stored only as the hash of the code a key worker reads out.
type JoinCode struct {
	Hash          string     `bson:"_id"`
	AreaID        string     `bson:"area"`
	YoungPersonID string     `bson:"youngPersonId"`
	CreatedBy     string     `bson:"createdBy"`
	CreatedAt     time.Time  `bson:"createdAt"`
	ExpiresAt     time.Time  `bson:"expiresAt"`
	UsedAt        *time.Time `bson:"usedAt,omitempty"`
}

// CreateJoinCode stores a new join code for a young person and returns the code
// itself, which is never stored.
func (s *Store) CreateJoinCode(ctx context.Context, area, youngPersonID, createdBy string) (string, time.Time, error) {
	now := s.now()
	for range 5 {
		code := heard.NewJoinCode()
		jc := JoinCode{Hash: heard.HashSecret(code), AreaID: area, YoungPersonID: youngPersonID, CreatedBy: createdBy,
			CreatedAt: now, ExpiresAt: now.Add(heard.JoinCodeLifetime)}
		_, err := s.c(colJoinCodes).InsertOne(ctx, jc)
		if err == nil {
			return code, jc.ExpiresAt, nil
		}
		if duplicate(err) != heard.ErrConflict {
			return "", time.Time{}, err
		}
	}
	return "", time.Time{}, errors.New("could not make a unique join code")
}

// RedeemJoinCode marks a code used and returns it; a code works once and only
// before it expires. The use is claimed with a unique insert, so two phones
// cannot both join with one code.
func (s *Store) RedeemJoinCode(ctx context.Context, code string) (JoinCode, error) {
	now := s.now()
	hash := heard.HashSecret(code)
	jc, err := findOne[JoinCode](ctx, s.c(colJoinCodes),
		bson.D{{Key: "_id", Value: hash}, {Key: "usedAt", Value: nil}, {Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}}})
	if err != nil {
		return JoinCode{}, err
	}
	first, err := s.claimOnce(ctx, "join:"+hash, jc.ExpiresAt)
	if err != nil {
		return JoinCode{}, err
	}
	if !first {
		return JoinCode{}, heard.ErrNotFound
	}
	if _, err := s.c(colJoinCodes).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}}, bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: now}}}}); err != nil {
		return JoinCode{}, err
	}
	jc.UsedAt = &now
	return jc, nil
}

// CreateDevice stores a young person's newly joined phone.
func (s *Store) CreateDevice(ctx context.Context, d heard.Device) error {
	_, err := s.c(colDevices).InsertOne(ctx, d)
	return err
}

// DeviceByID finds a device by id alone: unlocking happens before the area is known.
func (s *Store) DeviceByID(ctx context.Context, id string) (heard.Device, error) {
	return findOne[heard.Device](ctx, s.c(colDevices), bson.D{{Key: "_id", Value: id}})
}

// Device returns one device of a young person.
func (s *Store) Device(ctx context.Context, area, youngPersonID, id string) (heard.Device, error) {
	d, err := findByID[heard.Device](ctx, s.c(colDevices), area, id)
	if err == nil && d.YoungPersonID != youngPersonID {
		return heard.Device{}, heard.ErrNotFound
	}
	return d, err
}

// Devices lists a young person's phones, newest first.
func (s *Store) Devices(ctx context.Context, area, youngPersonID string) ([]heard.Device, error) {
	return findAll[heard.Device](ctx, s.c(colDevices), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID}),
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
}

// ErrBusy means another request holds the lease.
var ErrBusy = errors.New("busy")

// pinLease is how long one PIN check may hold a device; a crashed request's
// lease runs out by itself.
const pinLease = 10 * time.Second

// LeaseDevice lets one PIN check at a time run for a device, so a burst of
// guesses cannot all be checked before the first wrong one is counted. It
// returns ErrBusy while another check runs; call release when done.
func (s *Store) LeaseDevice(ctx context.Context, deviceID string) (release func(), err error) {
	key, owner := "pin:"+deviceID, heard.NewID()
	now := s.now()
	for range 2 {
		_, err = s.c(colSignInClaims).InsertOne(ctx, signInClaim{ID: key, Owner: owner, ExpiresAt: now.Add(pinLease)})
		if err == nil {
			return func() {
				_, _ = s.c(colSignInClaims).DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: key}, {Key: "owner", Value: owner}})
			}, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, err
		}
		// Clear a lease left by a request that never finished, then try once more.
		if _, err := s.c(colSignInClaims).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}}}); err != nil {
			return nil, err
		}
	}
	return nil, ErrBusy
}

// RecordPINFailure counts a wrong PIN and applies the lock or revoke rule.
// It returns the device as it now is. Call it under LeaseDevice: the embedded
// server's $inc is not atomic.
func (s *Store) RecordPINFailure(ctx context.Context, d heard.Device) (heard.Device, error) {
	now := s.now()
	var after heard.Device
	err := s.c(colDevices).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: d.ID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "pinFailures", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&after)
	if err != nil {
		return d, notFound(err)
	}
	lockedUntil, revoke := heard.PINFailure(after.PINFailures, now)
	set := bson.D{}
	if revoke {
		set = append(set, bson.E{Key: "revokedAt", Value: now}, bson.E{Key: "revokedBy", Value: "pin_failures"})
		after.RevokedAt = &now
	} else if !lockedUntil.IsZero() {
		set = append(set, bson.E{Key: "lockedUntil", Value: lockedUntil})
		after.LockedUntil = &lockedUntil
	}
	if len(set) > 0 {
		if _, err := s.c(colDevices).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return after, err
		}
	}
	if revoke {
		return after, s.RevokeDeviceTokens(ctx, d.ID)
	}
	return after, nil
}

// RecordPINSuccess clears the failure count and notes the device was seen.
func (s *Store) RecordPINSuccess(ctx context.Context, id string) error {
	_, err := s.c(colDevices).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "pinFailures", Value: 0}, {Key: "lastSeenAt", Value: s.now()}}},
		{Key: "$unset", Value: bson.D{{Key: "lockedUntil", Value: ""}}},
	})
	return err
}

// RevokeDevice signs a phone out for good: its device secret and every session
// it holds stop working.
func (s *Store) RevokeDevice(ctx context.Context, area, youngPersonID, id, by string) error {
	res, err := s.c(colDevices).UpdateOne(ctx, inArea(area, bson.E{Key: "_id", Value: id}, bson.E{Key: "youngPersonId", Value: youngPersonID}),
		bson.D{{Key: "$set", Value: bson.D{{Key: "revokedAt", Value: s.now()}, {Key: "revokedBy", Value: by}}}})
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return heard.ErrNotFound
	}
	return s.RevokeDeviceTokens(ctx, id)
}

// RevokeDeviceTokens ends every session of a device, and stops its notifications.
func (s *Store) RevokeDeviceTokens(ctx context.Context, deviceID string) error {
	_, err := s.c(colRefreshTokens).UpdateMany(ctx, bson.D{{Key: "deviceId", Value: deviceID}, {Key: "revokedAt", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revokedAt", Value: s.now()}}}})
	if err != nil {
		return err
	}
	return s.DeleteDeviceSubscriptions(ctx, deviceID)
}

// RefreshToken is one link in a family of rotating refresh tokens; only its hash is stored.
type RefreshToken struct {
	Hash      string     `bson:"_id"`
	Family    string     `bson:"family"`
	SubjectID string     `bson:"subjectId"`
	Role      heard.Role `bson:"role"`
	AreaID    string     `bson:"area"`
	DeviceID  string     `bson:"deviceId,omitempty"`
	CreatedAt time.Time  `bson:"createdAt"`
	ExpiresAt time.Time  `bson:"expiresAt"`
	UsedAt    *time.Time `bson:"usedAt,omitempty"`
	RevokedAt *time.Time `bson:"revokedAt,omitempty"`
}

// ErrTokenReused means a refresh token was presented a second time: someone has
// a copy, so the whole family has been revoked.
var ErrTokenReused = errors.New("refresh token reused")

// IssueRefreshToken stores a new token of family (a new family when empty) and returns the token.
func (s *Store) IssueRefreshToken(ctx context.Context, t RefreshToken, lifetime time.Duration) (string, error) {
	token := heard.NewSecret()
	now := s.now()
	t.Hash = heard.HashSecret(token)
	if t.Family == "" {
		t.Family = heard.NewID()
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt, t.RevokedAt = now, now.Add(lifetime), nil, nil
	_, err := s.c(colRefreshTokens).InsertOne(ctx, t)
	return token, err
}

// UseRefreshToken spends a refresh token once. Presenting a spent token (or
// presenting one token twice at the same moment) ends its session and returns
// ErrTokenReused with the spent token, so the caller can say whose it was.
func (s *Store) UseRefreshToken(ctx context.Context, token string) (RefreshToken, error) {
	now := s.now()
	hash := heard.HashSecret(token)
	t, err := findOne[RefreshToken](ctx, s.c(colRefreshTokens), bson.D{{Key: "_id", Value: hash}})
	if err != nil {
		return RefreshToken{}, err
	}
	if t.UsedAt == nil && t.RevokedAt == nil && t.ExpiresAt.After(now) {
		ended, err := s.claimed(ctx, "ended:"+t.Family)
		if err != nil || ended {
			return RefreshToken{}, notFoundUnless(err)
		}
		first, err := s.claimOnce(ctx, "refresh:"+hash, t.ExpiresAt)
		if err != nil {
			return RefreshToken{}, err
		}
		if first {
			_, err := s.c(colRefreshTokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}}, bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: now}}}})
			t.UsedAt = &now
			return t, err
		}
	} else if t.UsedAt == nil {
		return RefreshToken{}, heard.ErrNotFound // expired or signed out
	}
	// Someone else has a copy of this token: end the whole session.
	if err := s.RevokeFamily(ctx, t.Family); err != nil {
		return RefreshToken{}, err
	}
	return t, ErrTokenReused
}

func notFoundUnless(err error) error {
	if err != nil {
		return err
	}
	return heard.ErrNotFound
}

// endedFor is how long the mark of an ended session is kept: far longer than
// any refresh token of it can live.
const endedFor = 30 * 24 * time.Hour

// RevokeFamily ends a session: every token of the family stops working, and so
// does any token a racing refresh adds to it afterwards.
func (s *Store) RevokeFamily(ctx context.Context, family string) error {
	if _, err := s.claimOnce(ctx, "ended:"+family, s.now().Add(endedFor)); err != nil {
		return err
	}
	_, err := s.c(colRefreshTokens).UpdateMany(ctx, bson.D{{Key: "family", Value: family}, {Key: "revokedAt", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revokedAt", Value: s.now()}}}})
	return err
}

// SessionActive reports whether a session (a refresh-token family) has not been
// ended by signing out or by a reused token. Access tokens carry their session,
// so they stop working at once too.
func (s *Store) SessionActive(ctx context.Context, family string) (bool, error) {
	ended, err := s.claimed(ctx, "ended:"+family)
	return !ended, err
}

// RefreshTokenFamily finds the family of a token, used or not (for sign-out).
func (s *Store) RefreshTokenFamily(ctx context.Context, token string) (string, error) {
	t, err := findOne[RefreshToken](ctx, s.c(colRefreshTokens), bson.D{{Key: "_id", Value: heard.HashSecret(token)}})
	return t.Family, err
}

// loginLock is a sign-in key ("account:<email>" or "address:<ip>") paused after
// too many failures.
type loginLock struct {
	Key         string    `bson:"_id"`
	LockedAt    time.Time `bson:"lockedAt"`
	LockedUntil time.Time `bson:"lockedUntil"`
	ExpiresAt   time.Time `bson:"expiresAt"`
}

// loginFailure is one failed sign-in. Each failure is its own document, because
// an insert is never lost when many arrive at once, where an $inc on the
// embedded server can be.
type loginFailure struct {
	ID        string    `bson:"_id"`
	Key       string    `bson:"key"`
	At        time.Time `bson:"at"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// LoginLockedUntil returns when the key's lock ends, or zero when it is not locked.
func (s *Store) LoginLockedUntil(ctx context.Context, key string) (time.Time, error) {
	l, err := findOne[loginLock](ctx, s.c(colLoginAttempts), bson.D{{Key: "_id", Value: key}})
	if errors.Is(err, heard.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil || !l.LockedUntil.After(s.now()) {
		return time.Time{}, err
	}
	return l.LockedUntil, nil
}

// RecordLoginFailure counts a failure for key; after limit failures within the
// window (not counting those before the last lock) the key is locked for lockFor.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, limit int, window, lockFor time.Duration) error {
	now := s.now()
	if _, err := s.c(colLoginFailures).InsertOne(ctx, loginFailure{ID: heard.NewID(), Key: key, At: now, ExpiresAt: now.Add(window)}); err != nil {
		return err
	}
	since := now.Add(-window)
	l, err := findOne[loginLock](ctx, s.c(colLoginAttempts), bson.D{{Key: "_id", Value: key}})
	switch {
	case err == nil && !l.LockedAt.Before(since):
		since = l.LockedAt
	case err != nil && !errors.Is(err, heard.ErrNotFound):
		return err
	}
	n, err := s.c(colLoginFailures).CountDocuments(ctx, bson.D{{Key: "key", Value: key}, {Key: "at", Value: bson.D{{Key: "$gt", Value: since}}}})
	if err != nil || n < int64(limit) {
		return err
	}
	_, err = s.c(colLoginAttempts).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lockedAt", Value: now}, {Key: "lockedUntil", Value: now.Add(lockFor)}, {Key: "expiresAt", Value: now.Add(lockFor + window)}}}},
		options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return nil // a failure arriving at the same moment set the lock
	}
	return err
}

// ClearLoginFailures forgets the failures of key after a successful sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := s.c(colLoginFailures).DeleteMany(ctx, bson.D{{Key: "key", Value: key}}); err != nil {
		return err
	}
	_, err := s.c(colLoginAttempts).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return err
}

// Sweep deletes expired join codes, refresh tokens, sign-in counters and claims. TTL indexes
// do this on MongoDB; the embedded server has none, so Heard sweeps as well.
func (s *Store) Sweep(ctx context.Context) error {
	past := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: s.now()}}}}
	for _, col := range []string{colJoinCodes, colRefreshTokens, colLoginAttempts, colLoginFailures, colSignInClaims} {
		if _, err := s.c(col).DeleteMany(ctx, past); err != nil {
			return err
		}
	}
	return nil
}

// Audit writes an audit entry.
func (s *Store) Audit(ctx context.Context, e heard.AuditEntry) error {
	if e.ID == "" {
		e.ID = heard.NewID()
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	_, err := s.c(colAudit).InsertOne(ctx, e)
	return err
}

// AuditLog lists an area's most recent audit entries, newest first.
func (s *Store) AuditLog(ctx context.Context, area string, limit int64) ([]heard.AuditEntry, error) {
	return findAll[heard.AuditEntry](ctx, s.c(colAudit), inArea(area),
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(limit))
}

func init() {
	registerIndexes(index{collection: colAudit, keys: bson.D{{Key: "area", Value: 1}, {Key: "at", Value: -1}}})
}
