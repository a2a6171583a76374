package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"heard"
)

// Access tokens are short-lived JWTs. The algorithm, issuer and audience are
// pinned when parsing, so a token signed any other way, or for another service,
// is refused.
const (
	tokenIssuer    = "heard"
	tokenAudience  = "heard-api"
	AccessLifetime = 15 * time.Minute
)

// Claims are what an access token says about its holder.
type Claims struct {
	jwt.RegisteredClaims
	Area   string     `json:"area"`
	Role   heard.Role `json:"role"`
	Device string     `json:"dev,omitempty"`
	// Session is the sign-in session; a token from an ended session is refused.
	Session string `json:"sid,omitempty"`
}

// Tokens signs and checks access tokens with one HMAC key.
type Tokens struct {
	key   []byte
	clock heard.Clock
}

// NewTokens uses key (at least 32 bytes) to sign access tokens.
func NewTokens(key []byte, clock heard.Clock) (*Tokens, error) {
	if len(key) < 32 {
		return nil, errors.New("token key must be at least 32 bytes")
	}
	return &Tokens{key: key, clock: clock}, nil
}

// Issue returns a signed access token for a principal.
func (t *Tokens) Issue(p heard.Principal) (string, error) {
	now := t.clock.Now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: tokenIssuer, Audience: jwt.ClaimStrings{tokenAudience}, Subject: p.ID,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(AccessLifetime)), ID: heard.NewID(),
		},
		Area: p.AreaID, Role: p.Role, Device: p.DeviceID, Session: p.SessionID,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.key)
}

// errExpired is returned for a well-signed token past its time.
var errExpired = errors.New("token expired")

// Parse checks a token and returns its claims.
func (t *Tokens) Parse(token string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer), jwt.WithAudience(tokenAudience),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(t.clock.Now), jwt.WithLeeway(5*time.Second))
	if errors.Is(err, jwt.ErrTokenExpired) {
		return c, errExpired
	}
	if err != nil {
		return c, err
	}
	// Every token Heard issues belongs to a session, so signing out can end it.
	if c.Subject == "" || c.Area == "" || !c.Role.Valid() || !heard.ValidID(c.Session) {
		return c, errors.New("token is missing claims")
	}
	// The times are whole seconds written as JSON numbers, and a token lives
	// no longer than Heard makes them live: the JWT library also reads "exp"
	// given as a string, a fraction or an exponent.
	if !timesWellFormed(token) || c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > AccessLifetime {
		return c, errors.New("token times are malformed")
	}
	return c, nil
}

// timesWellFormed reports whether the token's "exp", "iat" and "nbf" claims,
// where present, are plain whole numbers of seconds.
func timesWellFormed(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		return false
	}
	for _, name := range []string{"exp", "iat", "nbf"} {
		raw, ok := claims[name]
		if !ok {
			continue
		}
		if len(raw) == 0 || len(raw) > 12 || strings.Trim(string(raw), "0123456789") != "" {
			return false
		}
	}
	return true
}
