package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Sign-in's data: join codes, phones, sessions (refresh-token families) and
// failed sign-ins. Every "first one wins" and every counter here is one exact
// write through update (guard.go), or an insert against a unique _id: a code
// is spent on one phone, a refresh token rotates once, a PIN try and a failed
// sign-in are each counted, however many arrive at once.

var zeroSeconds int32

func init() {
	registerIndexes(
		index{collection: colJoinCodes, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
		index{collection: colDevices, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}}},
		index{collection: colRefreshTokens, keys: bson.D{{Key: "family", Value: 1}}},
		index{collection: colRefreshTokens, keys: bson.D{{Key: "deviceId", Value: 1}}},
		index{collection: colRefreshTokens, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
		index{collection: colLoginFailures, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
		index{collection: colPasswordResets, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds},
	)
}

// colLoginFailures holds one counter of failed sign-ins per account and per address.
const colLoginFailures = "login_failures"

// areaOf reads the area of a document found by _id alone: sign-in starts from
// a secret (a code, a token, a phone's id) before the area is known.
func areaOf(ctx context.Context, col collection, id string) (string, error) {
	raw, err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "area", Value: 1}})).Raw()
	if err != nil {
		return "", notFound(err)
	}
	area, ok := raw.Lookup("area").StringValueOK()
	if !ok {
		return "", heard.ErrNotFound
	}
	return area, nil
}

// ---- Join codes ----

// CreateJoinCode stores a new join code for a young person and returns the code
// itself, which is never stored.
func (s *Store) CreateJoinCode(ctx context.Context, area, youngPersonID, createdBy string) (string, time.Time, error) {
	now := s.now()
	for range 5 {
		code := heard.NewJoinCode()
		jc := heard.JoinCode{Hash: heard.HashSecret(code), AreaID: area, YoungPersonID: youngPersonID, CreatedBy: createdBy,
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

// RedeemJoinCode spends a join code, the first time, on a new phone id (one
// exact write), and returns the code with the id of the phone it makes.
// Redeeming it again returns the same id: whether that phone exists yet
// decides whether a join may still finish. An unknown or expired code is "not found".
func (s *Store) RedeemJoinCode(ctx context.Context, code string) (heard.JoinCode, error) {
	hash := heard.HashSecret(code)
	area, err := areaOf(ctx, s.c(colJoinCodes), hash)
	if err != nil {
		return heard.JoinCode{}, err
	}
	now, device := s.now(), heard.NewID()
	jc, _, err := update(ctx, s, colJoinCodes, area, hash, func(jc *heard.JoinCode, exists bool) (bool, error) {
		if !exists || !jc.Usable(now) {
			return false, heard.ErrNotFound
		}
		return jc.Spend(device, now), nil
	})
	return jc, err
}

// ---- Phones ----

// CreateDevice stores a young person's newly joined phone. Its id is taken
// once: a second phone with the same id is a conflict.
func (s *Store) CreateDevice(ctx context.Context, d heard.Device) error {
	_, err := s.c(colDevices).InsertOne(ctx, d)
	return duplicate(err)
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

// StartPINTry counts a PIN try on a phone before its PIN is compared (one
// exact write, heard.Device.StartPINTry) and returns the phone as it now is,
// with whether the try may go ahead.
func (s *Store) StartPINTry(ctx context.Context, area, id string) (heard.Device, heard.PINTry, error) {
	now := s.now()
	var try heard.PINTry
	d, _, err := update(ctx, s, colDevices, area, id, func(d *heard.Device, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		try = d.StartPINTry(now)
		return try == heard.PINTryAllowed, nil
	})
	return d, try, err
}

// PINRight starts a phone's count of PIN tries again after the right PIN and
// notes when it was seen. A phone signed out meanwhile stays signed out: the
// returned phone says so.
func (s *Store) PINRight(ctx context.Context, area, id string) (heard.Device, error) {
	now := s.now()
	d, _, err := update(ctx, s, colDevices, area, id, func(d *heard.Device, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		if d.RevokedAt != nil {
			return false, nil
		}
		d.PINRight(now)
		return true, nil
	})
	return d, err
}

// RevokeDevice signs a phone out for good: the phone first (one exact write;
// from then on it is refused), then every session it holds and its
// notifications. Revoking it again repeats the last two, so a revocation that
// failed part way is finished by doing it again.
func (s *Store) RevokeDevice(ctx context.Context, area, youngPersonID, id, by string) error {
	now := s.now()
	_, _, err := update(ctx, s, colDevices, area, id, func(d *heard.Device, exists bool) (bool, error) {
		if !exists || d.YoungPersonID != youngPersonID {
			return false, heard.ErrNotFound
		}
		return d.Revoke(by, now), nil
	})
	if err != nil {
		return err
	}
	if err := s.endDeviceSessions(ctx, area, id); err != nil {
		return err
	}
	return s.DeleteDeviceSubscriptions(ctx, id)
}

// ---- Sessions ----

// RefreshToken is how a session is stored: one document per refresh-token
// family, holding the hash of its newest token and of those spent.
type RefreshToken = heard.Session

// IssueRefreshToken starts a session (t.Family, or a new one when empty) and
// returns its first refresh token.
func (s *Store) IssueRefreshToken(ctx context.Context, t RefreshToken, lifetime time.Duration) (string, error) {
	if t.Family == "" {
		t.Family = heard.NewID()
	}
	token, hash := heard.NewRefreshToken(t.Family)
	now := s.now()
	t.ID, t.TokenHash, t.Spent, t.EndedAt, t.Token = t.Family, hash, nil, nil, ""
	t.Start(now, lifetime)
	if _, err := s.c(colRefreshTokens).InsertOne(ctx, t); err != nil {
		return "", duplicate(err)
	}
	return token, nil
}

// ErrTokenReused means a refresh token was presented a second time: someone
// has a copy, so the whole session has ended.
var ErrTokenReused = errors.New("refresh token reused")

// UseRefreshToken spends a refresh token (one exact write, heard.Session.Rotate)
// and returns the session with its next token in Token. Presenting a spent
// token ends the session and returns ErrTokenReused with the session, so the
// caller can say whose it was; an unknown, expired or ended one is "not found".
func (s *Store) UseRefreshToken(ctx context.Context, token string) (RefreshToken, error) {
	family, hash, ok := heard.ParseRefreshToken(token)
	if !ok {
		return RefreshToken{}, heard.ErrNotFound
	}
	area, err := areaOf(ctx, s.c(colRefreshTokens), family)
	if err != nil {
		return RefreshToken{}, err
	}
	next, nextHash := heard.NewRefreshToken(family)
	now := s.now()
	var use heard.SessionUse
	t, _, err := update(ctx, s, colRefreshTokens, area, family, func(t *heard.Session, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		use = t.Rotate(hash, nextHash, now)
		return use != heard.SessionUnknown, nil
	})
	switch {
	case err != nil:
		return RefreshToken{}, err
	case use == heard.SessionReused:
		return t, ErrTokenReused
	case use != heard.SessionRotated:
		return RefreshToken{}, heard.ErrNotFound
	}
	t.Token = next
	return t, nil
}

// SessionOf finds the session a refresh token is or was one of (for signing out).
func (s *Store) SessionOf(ctx context.Context, token string) (RefreshToken, error) {
	family, hash, ok := heard.ParseRefreshToken(token)
	if !ok {
		return RefreshToken{}, heard.ErrNotFound
	}
	t, err := findOne[RefreshToken](ctx, s.c(colRefreshTokens), bson.D{{Key: "_id", Value: family}})
	if err == nil && !t.Holds(hash) {
		return RefreshToken{}, heard.ErrNotFound
	}
	return t, err
}

// Session reads a session of an area by its id.
func (s *Store) Session(ctx context.Context, area, id string) (RefreshToken, error) {
	return findByID[RefreshToken](ctx, s.c(colRefreshTokens), area, id)
}

// RevokeFamily ends a session (one exact write, so a refresh at the same
// moment cannot bring it back). Ending an unknown or ended one does nothing.
func (s *Store) RevokeFamily(ctx context.Context, family string) error {
	area, err := areaOf(ctx, s.c(colRefreshTokens), family)
	if errors.Is(err, heard.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.endSession(ctx, area, family)
}

func (s *Store) endSession(ctx context.Context, area, family string) error {
	now := s.now()
	_, _, err := update(ctx, s, colRefreshTokens, area, family, func(t *heard.Session, exists bool) (bool, error) {
		return exists && t.End(now), nil
	})
	return err
}

// endDeviceSessions ends every session a phone holds.
func (s *Store) endDeviceSessions(ctx context.Context, area, deviceID string) error {
	sessions, err := findAll[RefreshToken](ctx, s.c(colRefreshTokens), bson.D{{Key: "deviceId", Value: deviceID}, {Key: "revokedAt", Value: nil}})
	if err != nil {
		return err
	}
	for _, t := range sessions {
		if err := s.endSession(ctx, area, t.ID); err != nil {
			return err
		}
	}
	return nil
}

// SessionState reads what decides whether a session's access tokens still
// work (heard.Session.Admits), without its spent tokens. A session never
// issued, or no longer stored (it ran out, and so did its access tokens, which
// live shorter), is "not found".
func (s *Store) SessionState(ctx context.Context, family string) (heard.Session, error) {
	var t heard.Session
	if s.embedded != nil {
		// Every request reads it: on the embedded server the whole document
		// comes from the read cache (readcache.go); its tokens are left out here.
		t, err := findOne[heard.Session](ctx, s.c(colRefreshTokens), bson.D{{Key: "_id", Value: family}})
		t.Spent, t.TokenHash = nil, ""
		return t, err
	}
	err := s.c(colRefreshTokens).FindOne(ctx, bson.D{{Key: "_id", Value: family}},
		options.FindOne().SetProjection(bson.D{{Key: "spent", Value: 0}, {Key: "tokenHash", Value: 0}})).Decode(&t)
	return t, notFound(err)
}

// SetSessionTrust carries a session over to its account's new trust version:
// the session that changed its own password goes on while the others end.
func (s *Store) SetSessionTrust(ctx context.Context, area, family, subjectID string, trust int) error {
	_, _, err := update(ctx, s, colRefreshTokens, area, family, func(t *heard.Session, exists bool) (bool, error) {
		if !exists || t.SubjectID != subjectID || t.EndedAt != nil || t.Trust == trust {
			return false, nil
		}
		t.Trust = trust
		return true, nil
	})
	return err
}

// ---- Password resets ----

// colPasswordResets finds the account of a reset code by the code's hash
// (_id): choosing a new password comes before anyone's area is known. The
// account itself holds the code that counts (heard.Staff.PasswordReset).
const colPasswordResets = "password_resets"

type passwordResetDoc struct {
	Hash      string    `bson:"_id"`
	AreaID    string    `bson:"area"`
	StaffID   string    `bson:"staffId"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// ResetStaffPassword gives an account a new reset code in one exact write
// (heard.Staff.ResetPassword: the old password and every session stop), after
// storing the code's way back to the account. An earlier code stops working.
func (s *Store) ResetStaffPassword(ctx context.Context, area, id, code string) (heard.Staff, error) {
	now := s.now()
	doc := passwordResetDoc{Hash: heard.HashSecret(code), AreaID: area, StaffID: id, ExpiresAt: now.Add(heard.PasswordResetLifetime)}
	if _, err := s.c(colPasswordResets).InsertOne(ctx, doc); err != nil {
		return heard.Staff{}, duplicate(err)
	}
	d, _, err := update(ctx, s, colStaff, area, id, func(d *staffDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		d.ResetPassword(code, now)
		return true, nil
	})
	return d.Staff, err
}

// UsePasswordReset sets a new password with a reset code, once (one exact
// write of the account, heard.PasswordReset.Matches then SetPassword), and
// returns the account as changed. An unknown, used, replaced or expired code
// is "not found".
func (s *Store) UsePasswordReset(ctx context.Context, code, hash string) (heard.Staff, error) {
	r, err := findOne[passwordResetDoc](ctx, s.c(colPasswordResets), bson.D{{Key: "_id", Value: heard.HashSecret(code)}})
	if err != nil {
		return heard.Staff{}, err
	}
	now := s.now().Truncate(time.Millisecond)
	d, _, err := update(ctx, s, colStaff, r.AreaID, r.StaffID, func(d *staffDoc, exists bool) (bool, error) {
		if !exists || !d.PasswordReset.Matches(code, now) {
			return false, heard.ErrNotFound
		}
		d.SetPassword(hash)
		d.noteOther("passwordChangedAt", now)
		return true, nil
	})
	if err != nil {
		return heard.Staff{}, err
	}
	_, err = s.c(colPasswordResets).DeleteOne(ctx, bson.D{{Key: "_id", Value: r.Hash}})
	return d.Staff, err
}

// ---- Failed sign-ins ----

// loginCounter is the failed sign-ins of one key ("account:<email>" or
// "address:<ip>"), counted by one exact write each.
type loginCounter struct {
	Key string `bson:"_id"`
	// AreaID is always empty: sign-in comes before anyone's area is known.
	AreaID             string `bson:"area"`
	heard.LoginCounter `bson:",inline"`
	ExpiresAt          time.Time `bson:"expiresAt"`
}

// LoginLockedUntil returns when the key's pause ends, or zero when it is not paused.
func (s *Store) LoginLockedUntil(ctx context.Context, key string) (time.Time, error) {
	c, err := findOne[loginCounter](ctx, s.c(colLoginFailures), bson.D{{Key: "_id", Value: key}})
	if errors.Is(err, heard.ErrNotFound) {
		return time.Time{}, nil
	}
	now := s.now()
	if err != nil || c.LockedFor(now) == 0 {
		return time.Time{}, err
	}
	return *c.LockedUntil, nil
}

// RecordLoginFailure counts a failure for key; after limit failures within the
// window (not counting those before the last pause) the key is paused for lockFor.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, limit int, window, lockFor time.Duration) error {
	_, err := s.CountFailure(ctx, key, heard.LoginLimit{Failures: limit, Window: window, LockFor: lockFor})
	return err
}

// CountFailure counts a failure for key under l (one exact write, so every
// instance counts into the same counter) and reports whether this failure
// started a pause.
func (s *Store) CountFailure(ctx context.Context, key string, l heard.LoginLimit) (paused bool, err error) {
	now := s.now()
	_, _, err = update(ctx, s, colLoginFailures, "", key, func(c *loginCounter, exists bool) (bool, error) {
		c.Key = key
		was := c.LockedFor(now) > 0
		c.Fail(now, l)
		paused = !was && c.LockedFor(now) > 0
		c.ExpiresAt = c.ForgetAt(l)
		return true, nil
	})
	return paused, err
}

// ClearLoginFailures forgets the failures of key after a successful sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.c(colLoginFailures).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return err
}

// Sweep deletes expired join codes, sessions, sign-in counters and kept
// idempotent answers. TTL indexes
// do this on MongoDB; the embedded server has none, so Heard sweeps as well.
func (s *Store) Sweep(ctx context.Context) error {
	past := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: s.now()}}}}
	for _, col := range []string{colJoinCodes, colRefreshTokens, colLoginFailures, colIdempotency, colPasswordResets, colRateLimits} {
		if _, err := s.c(col).DeleteMany(ctx, past); err != nil {
			return err
		}
	}
	return nil
}

// ---- The audit log ----

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

// AuditOnce writes an audit entry whose id is fixed by what it records, once
// however often a retried workflow writes it (a removal repeated after a
// crash keeps its first count).
func (s *Store) AuditOnce(ctx context.Context, e heard.AuditEntry) error {
	if err := s.Audit(ctx, e); duplicate(err) != heard.ErrConflict {
		return err
	}
	return nil
}

// Audited reports whether the audit entry with this id is written.
func (s *Store) Audited(ctx context.Context, area, id string) (bool, error) {
	_, err := findByID[heard.AuditEntry](ctx, s.c(colAudit), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// AuditLog lists an area's most recent audit entries, newest first.
func (s *Store) AuditLog(ctx context.Context, area string, limit int64) ([]heard.AuditEntry, error) {
	return findAll[heard.AuditEntry](ctx, s.c(colAudit), inArea(area),
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(limit))
}

func init() {
	registerIndexes(index{collection: colAudit, keys: bson.D{{Key: "area", Value: 1}, {Key: "at", Value: -1}}})
}

// ---- Request rates ----

// colRateLimits holds the request counters of the per-address rate limits on
// sign-in routes, so that every Heard instance counts into the same ones.
const colRateLimits = "rate_limits"

type rateDoc struct {
	Key       string    `bson:"_id"`
	AreaID    string    `bson:"area"` // always empty: counted before anyone is known
	Value     []byte    `bson:"value"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// RateGet reads a rate counter (nil when there is none or it has run out).
func (s *Store) RateGet(ctx context.Context, key string) ([]byte, error) {
	d, err := findOne[rateDoc](ctx, s.c(colRateLimits), bson.D{{Key: "_id", Value: key}})
	if errors.Is(err, heard.ErrNotFound) || err == nil && !d.ExpiresAt.IsZero() && !s.now().Before(d.ExpiresAt) {
		return nil, nil
	}
	return d.Value, err
}

// RateSet writes a rate counter that runs out after exp (never when 0).
func (s *Store) RateSet(ctx context.Context, key string, value []byte, exp time.Duration) error {
	d := rateDoc{Key: key, Value: value}
	if exp > 0 {
		d.ExpiresAt = s.now().Add(exp)
	} else {
		d.ExpiresAt = s.now().Add(24 * time.Hour)
	}
	_, err := s.c(colRateLimits).ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}}, d, options.Replace().SetUpsert(true))
	return err
}

// RateDelete removes a rate counter.
func (s *Store) RateDelete(ctx context.Context, key string) error {
	_, err := s.c(colRateLimits).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return err
}

func init() {
	registerIndexes(index{collection: colRateLimits, keys: bson.D{{Key: "expiresAt", Value: 1}}, expireAfter: &zeroSeconds})
}
