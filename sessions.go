package heard

import (
	"strings"
	"time"
)

// Session lifetimes: how long a session lasts unused. A young person's is short
// because the phone may be shared: after half an hour unused, the PIN is needed again.
const (
	StaffSessionLifetime       = 12 * time.Hour
	YoungPersonSessionLifetime = 30 * time.Minute
)

// Sessions also end at a fixed age however often they are used, so a copied
// refresh token cannot be kept alive for ever: staff sign in again after a
// week, and a young person's phone asks for its PIN at least twice a day.
const (
	StaffSessionMaxAge       = 7 * 24 * time.Hour
	YoungPersonSessionMaxAge = 12 * time.Hour
)

// SessionMaxAge is the longest a session of role lasts, used or not.
func SessionMaxAge(r Role) time.Duration {
	if r == RoleYoungPerson {
		return YoungPersonSessionMaxAge
	}
	return StaffSessionMaxAge
}

// SessionLifetime is how long a session of role lasts unused.
func SessionLifetime(r Role) time.Duration {
	if r == RoleYoungPerson {
		return YoungPersonSessionLifetime
	}
	return StaffSessionLifetime
}

// SessionSpentKept is how many spent refresh tokens a session remembers, to
// recognise one presented again (older ones are simply not known).
const SessionSpentKept = 32

// Session is one sign-in: a family of rotating refresh tokens, of which only
// the newest works, stored as hashes. Presenting a spent one means someone
// else has a copy, and ends the session.
type Session struct {
	// ID (the family) is also the first part of every refresh token of the session.
	ID     string `bson:"_id"`
	Family string `bson:"family"` // the same as ID, for lookups by family
	AreaID string `bson:"area"`

	SubjectID string `bson:"subjectId"`
	Role      Role   `bson:"role"`
	DeviceID  string `bson:"deviceId,omitempty"`

	TokenHash string        `bson:"tokenHash"`
	Spent     []string      `bson:"spent,omitempty"`
	Lifetime  time.Duration `bson:"lifetime"`
	CreatedAt time.Time     `bson:"createdAt"`
	ExpiresAt time.Time     `bson:"expiresAt"`
	EndedAt   *time.Time    `bson:"revokedAt,omitempty"`
	// Trust is the account's trust version when the session began (Staff.Trust):
	// changing a password, a role or turning the account off moves the
	// account's on, and every session begun before stops at once.
	Trust int `bson:"trust,omitempty"`

	// Token is the newest refresh token itself, only in the answer to the
	// write that made it; it is never stored.
	Token string `bson:"-"`
}

// SessionUse is what presenting a refresh token did.
type SessionUse int

const (
	// SessionUnknown: no such token (or the session has ended or run out).
	SessionUnknown SessionUse = iota
	// SessionRotated: the token was the newest; a new one replaces it.
	SessionRotated
	// SessionReused: the token was spent already; the session has ended.
	SessionReused
)

// Rotate spends the newest token (its hash) for the next (nextHash), or ends
// the session when a spent one is presented again.
func (s *Session) Rotate(hash, nextHash string, now time.Time) SessionUse {
	switch {
	case s.EndedAt != nil:
		return SessionUnknown
	case hash == s.TokenHash && now.Before(s.ExpiresAt) && now.Before(s.EndsBy()):
		s.Spent = append(s.Spent, hash)
		if n := len(s.Spent); n > SessionSpentKept {
			s.Spent = s.Spent[n-SessionSpentKept:]
		}
		s.TokenHash, s.ExpiresAt = nextHash, s.expiry(now)
		return SessionRotated
	case containsString(s.Spent, hash):
		s.EndedAt = &now
		return SessionReused
	}
	return SessionUnknown
}

// EndsBy is when the session ends however often it is used.
func (s Session) EndsBy() time.Time { return s.CreatedAt.Add(SessionMaxAge(s.Role)) }

// expiry is when the session ends if unused from now: its sliding lifetime,
// never past its fixed end.
func (s Session) expiry(now time.Time) time.Time {
	if at := now.Add(s.Lifetime); at.Before(s.EndsBy()) {
		return at
	}
	return s.EndsBy()
}

// Start sets the times of a session begun at now, lasting lifetime unused.
func (s *Session) Start(now time.Time, lifetime time.Duration) {
	s.CreatedAt, s.Lifetime = now, lifetime
	s.ExpiresAt = s.expiry(now)
}

// Admits reports whether an access token of p, naming this session, may still
// be used at now: the session is p's (person and phone), not ended, not past
// its fixed end, and begun under the account's present trust (p.Trust).
func (s Session) Admits(p Principal, now time.Time) bool {
	return s.EndedAt == nil && s.SubjectID == p.ID && s.AreaID == p.AreaID && s.DeviceID == p.DeviceID &&
		s.Trust == p.Trust && now.Before(s.EndsBy())
}

// Holds reports whether a refresh token (its hash) is or was one of the session's.
func (s Session) Holds(hash string) bool { return hash == s.TokenHash || containsString(s.Spent, hash) }

// End ends the session; it reports false when it already had.
func (s *Session) End(now time.Time) bool {
	if s.EndedAt != nil {
		return false
	}
	s.EndedAt = &now
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// NewRefreshToken makes a refresh token of a session: the session's id, a dot
// and a secret. It returns the token and the hash to store.
func NewRefreshToken(session string) (token, hash string) {
	token = session + "." + NewSecret()
	return token, HashSecret(token)
}

// ParseRefreshToken returns the session a refresh token belongs to and the
// token's hash, or false when it cannot be one of Heard's.
func ParseRefreshToken(token string) (session, hash string, ok bool) {
	session, secret, found := strings.Cut(token, ".")
	if !found || !ValidID(session) || len(secret) < 32 || len(token) > MaxRefreshTokenLength {
		return "", "", false
	}
	return session, HashSecret(token), true
}

// MaxRefreshTokenLength bounds a refresh token in a request.
const MaxRefreshTokenLength = 200
