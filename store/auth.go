package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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
	)
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
// before it expires. The update is conditional, so two phones cannot both use it.
func (s *Store) RedeemJoinCode(ctx context.Context, code string) (JoinCode, error) {
	now := s.now()
	var jc JoinCode
	err := s.c(colJoinCodes).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: heard.HashSecret(code)}, {Key: "usedAt", Value: nil}, {Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: now}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&jc)
	return jc, notFound(err)
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
	return findOne[heard.Device](ctx, s.c(colDevices), inArea(area, bson.E{Key: "_id", Value: id}, bson.E{Key: "youngPersonId", Value: youngPersonID}))
}

// Devices lists a young person's phones, newest first.
func (s *Store) Devices(ctx context.Context, area, youngPersonID string) ([]heard.Device, error) {
	return findAll[heard.Device](ctx, s.c(colDevices), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID}),
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
}

// RecordPINFailure counts a wrong PIN and applies the lock or revoke rule.
// It returns the device as it now is.
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

// UseRefreshToken spends a refresh token once. Presenting a spent token revokes
// its family and returns ErrTokenReused.
func (s *Store) UseRefreshToken(ctx context.Context, token string) (RefreshToken, error) {
	now := s.now()
	hash := heard.HashSecret(token)
	var t RefreshToken
	err := s.c(colRefreshTokens).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "usedAt", Value: nil}, {Key: "revokedAt", Value: nil}, {Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: now}}}}).Decode(&t)
	if err == nil {
		return t, nil
	}
	if notFound(err) != heard.ErrNotFound {
		return t, err
	}
	old, err := findOne[RefreshToken](ctx, s.c(colRefreshTokens), bson.D{{Key: "_id", Value: hash}})
	if err != nil {
		return t, err
	}
	if old.UsedAt != nil {
		if err := s.RevokeFamily(ctx, old.Family); err != nil {
			return t, err
		}
		return t, ErrTokenReused
	}
	return t, heard.ErrNotFound
}

// RevokeFamily ends a session: every token of the family stops working.
func (s *Store) RevokeFamily(ctx context.Context, family string) error {
	_, err := s.c(colRefreshTokens).UpdateMany(ctx, bson.D{{Key: "family", Value: family}, {Key: "revokedAt", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revokedAt", Value: s.now()}}}})
	return err
}

// RefreshTokenFamily finds the family of a token, used or not (for sign-out).
func (s *Store) RefreshTokenFamily(ctx context.Context, token string) (string, error) {
	t, err := findOne[RefreshToken](ctx, s.c(colRefreshTokens), bson.D{{Key: "_id", Value: heard.HashSecret(token)}})
	return t.Family, err
}

// loginAttempts counts failed sign-ins for one key ("account:<email>" or "address:<ip>").
type loginAttempts struct {
	Key         string     `bson:"_id"`
	Failures    int        `bson:"failures"`
	WindowStart time.Time  `bson:"windowStart"`
	LockedUntil *time.Time `bson:"lockedUntil,omitempty"`
	ExpiresAt   time.Time  `bson:"expiresAt"`
}

// LoginLockedUntil returns when the key's lock ends, or zero when it is not locked.
func (s *Store) LoginLockedUntil(ctx context.Context, key string) (time.Time, error) {
	a, err := findOne[loginAttempts](ctx, s.c(colLoginAttempts), bson.D{{Key: "_id", Value: key}})
	if err == heard.ErrNotFound {
		return time.Time{}, nil
	}
	if err != nil || a.LockedUntil == nil || !a.LockedUntil.After(s.now()) {
		return time.Time{}, err
	}
	return *a.LockedUntil, nil
}

// RecordLoginFailure counts a failure for key; after limit failures within the
// window the key is locked for lockFor.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, limit int, window, lockFor time.Duration) error {
	now := s.now()
	var a loginAttempts
	err := s.c(colLoginAttempts).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}},
			{Key: "$set", Value: bson.D{{Key: "expiresAt", Value: now.Add(window + lockFor)}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "windowStart", Value: now}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&a)
	if err != nil {
		return err
	}
	if now.Sub(a.WindowStart) > window {
		// An old window: start counting again from this failure.
		_, err = s.c(colLoginAttempts).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: 1}, {Key: "windowStart", Value: now}}}})
		return err
	}
	if a.Failures >= limit {
		_, err = s.c(colLoginAttempts).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: 0}, {Key: "windowStart", Value: now}, {Key: "lockedUntil", Value: now.Add(lockFor)}}}})
	}
	return err
}

// ClearLoginFailures forgets the failures of key after a successful sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.c(colLoginAttempts).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return err
}

// Sweep deletes expired join codes, refresh tokens and sign-in counters. TTL indexes
// do this on MongoDB; the embedded server has none, so Heard sweeps as well.
func (s *Store) Sweep(ctx context.Context) error {
	past := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: s.now()}}}}
	for _, col := range []string{colJoinCodes, colRefreshTokens, colLoginAttempts} {
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
