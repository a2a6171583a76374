package api

import (
	"crypto/subtle"
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"heard"
	"heard/store"
)

// Refresh token lifetimes. A young person's session is short because the phone
// may be shared: after half an hour unused, the PIN is needed again.
const (
	StaffSessionLifetime       = 12 * time.Hour
	YoungPersonSessionLifetime = 30 * time.Minute
)

const principalKey = "heard.principal"

// principal is the signed-in person; set by authenticate.
func principal(c *fiber.Ctx) heard.Principal {
	p, _ := c.Locals(principalKey).(heard.Principal)
	p.RequestID = requestID(c)
	return p
}

// authenticate checks the bearer token and that its holder may still use Heard:
// a staff account not disabled, a young person's phone not signed out.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return errUnauthenticated()
	}
	claims, err := s.tokens.Parse(token)
	if errors.Is(err, errExpired) {
		return errTokenExpired()
	}
	if err != nil {
		return errUnauthenticated()
	}
	cx, cancel := ctx(c)
	active, err := s.store.SessionActive(cx, claims.Session)
	cancel()
	if err != nil {
		return err
	}
	if !active {
		// Signed out, or the session's refresh token was stolen and reused.
		return errSessionEnded()
	}
	p, err := s.loadPrincipal(c, claims.Subject, claims.Area, claims.Role, claims.Device)
	if err != nil {
		return err
	}
	p.SessionID = claims.Session
	c.Locals(principalKey, p)
	return c.Next()
}

func errSessionEnded() *Error {
	return apiError(401, "session_expired", "Your session has ended; please sign in again.")
}

// loadPrincipal reads the current account so that role changes, disabling and
// device sign-out take effect at once rather than when a token expires.
func (s *Server) loadPrincipal(c *fiber.Ctx, id, area string, role heard.Role, device string) (heard.Principal, error) {
	cx, cancel := ctx(c)
	defer cancel()
	if role == heard.RoleYoungPerson {
		d, err := s.store.Device(cx, area, id, device)
		if errors.Is(err, heard.ErrNotFound) || err == nil && d.RevokedAt != nil {
			return heard.Principal{}, apiError(401, "device_revoked", "This phone has been signed out.")
		}
		if err != nil {
			return heard.Principal{}, err
		}
		y, err := s.store.YoungPerson(cx, area, id)
		if err != nil {
			return heard.Principal{}, unauthenticatedIfMissing(err)
		}
		return heard.Principal{ID: y.ID, AreaID: y.AreaID, Role: heard.RoleYoungPerson, Name: y.CalledName(), TeamID: y.TeamID, DeviceID: d.ID}, nil
	}
	st, err := s.store.StaffMember(cx, area, id)
	if err != nil {
		return heard.Principal{}, unauthenticatedIfMissing(err)
	}
	if st.Disabled {
		return heard.Principal{}, errUnauthenticated()
	}
	return heard.Principal{ID: st.ID, AreaID: st.AreaID, Role: st.Role, Name: st.Name, TeamID: st.TeamID, PlacementID: st.PlacementID}, nil
}

func unauthenticatedIfMissing(err error) error {
	if errors.Is(err, heard.ErrNotFound) {
		return errUnauthenticated()
	}
	return err
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type joinRequest struct {
	Code       string `json:"code"`
	PIN        string `json:"pin"`
	DeviceName string `json:"deviceName"`
}

type unlockRequest struct {
	DeviceID     string `json:"deviceId"`
	DeviceSecret string `json:"deviceSecret"`
	PIN          string `json:"pin"`
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

// session is what sign-in, join, unlock and refresh return.
type session struct {
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken"`
	ExpiresIn    int       `json:"expiresIn"`
	DeviceID     string    `json:"deviceId,omitempty"`
	DeviceSecret string    `json:"deviceSecret,omitempty"`
	User         *userView `json:"user,omitempty"`
}

func (s *Server) authRoutes() {
	limit := s.authLimiter()
	s.app.Use("/api/auth/login", limit)
	s.app.Use("/api/auth/join", limit)
	s.app.Use("/api/auth/unlock", limit)
	s.route(http.MethodPost, "/api/auth/login", doc{Tag: "Sign-in", Public: true, Summary: "Staff sign in with email and password. Failures are counted per account and per address; after too many, sign-in pauses for a while. The error never says whether the account exists.",
		Request: loginRequest{}, Response: session{}}, s.login)
	s.route(http.MethodPost, "/api/auth/join", doc{Tag: "Sign-in", Public: true, Status: 201, Summary: "A young person joins on their phone with a one-time code from their key worker and chooses a PIN. Returns the device credentials kept on the phone.",
		Request: joinRequest{}, Response: session{}}, s.join)
	s.route(http.MethodPost, "/api/auth/unlock", doc{Tag: "Sign-in", Public: true, Summary: "A young person unlocks the app on a joined phone with their PIN. Wrong PINs pause the phone and, after many, sign it out.",
		Request: unlockRequest{}, Response: session{}}, s.unlock)
	s.route(http.MethodPost, "/api/auth/refresh", doc{Tag: "Sign-in", Public: true, Summary: "Swap a refresh token for a new access token and a new refresh token. A refresh token works once; using one twice ends the whole session.",
		Request: refreshRequest{}, Response: session{}}, s.refresh)
	s.route(http.MethodPost, "/api/auth/logout", doc{Tag: "Sign-in", Public: true, Status: 204, Summary: "Sign out: the session's refresh tokens stop working.",
		Request: refreshRequest{}}, s.logout)
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	email := heard.NormaliseEmail(req.Email)
	f := fields{}
	f.check(heard.ValidEmail(email), "email", "email_format")
	f.check(req.Password != "" && len(req.Password) <= 256, "password", "required")
	if err := f.err(); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	accountKey, addressKey := "account:"+email, "address:"+c.IP()
	for _, key := range []string{accountKey, addressKey} {
		until, err := s.store.LoginLockedUntil(cx, key)
		if err != nil {
			return err
		}
		if !until.IsZero() {
			return tooManyAttempts(until.Sub(s.clock.Now()))
		}
	}
	st, err := s.store.StaffByEmail(cx, email)
	if err != nil && !errors.Is(err, heard.ErrNotFound) {
		return err
	}
	hash := st.PasswordHash
	if err != nil {
		hash = heard.DummyPasswordHash
	}
	if !heard.CheckPassword(hash, req.Password) || st.Disabled {
		if err := s.store.RecordLoginFailure(cx, accountKey, heard.LoginFailuresAccount, heard.LoginWindow, heard.LoginLockFor); err != nil {
			return err
		}
		if err := s.store.RecordLoginFailure(cx, addressKey, heard.LoginFailuresAddress, heard.LoginWindow, heard.LoginLockFor); err != nil {
			return err
		}
		return apiError(401, "invalid_credentials", "That email and password did not match an account.")
	}
	if err := s.store.ClearLoginFailures(cx, accountKey); err != nil {
		return err
	}
	p := heard.Principal{ID: st.ID, AreaID: st.AreaID, Role: st.Role, Name: st.Name, TeamID: st.TeamID, PlacementID: st.PlacementID}
	sess, err := s.newSession(c, p, "")
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

func tooManyAttempts(wait time.Duration) *Error {
	return &Error{Status: 429, Code: "too_many_attempts", Message: "Too many attempts; please wait and try again.",
		RetryAfter: max(1, int(math.Ceil(wait.Seconds())))}
}

func (s *Server) join(c *fiber.Ctx) error {
	var req joinRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	code, ok := heard.NormaliseJoinCode(req.Code)
	f := fields{}
	f.check(ok, "code", "code_format")
	f.check(heard.ValidPIN(req.PIN), "pin", "pin_format")
	f.check(len([]rune(req.DeviceName)) <= 60, "deviceName", "too_long")
	if err := f.err(); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	jc, err := s.store.RedeemJoinCode(cx, code)
	if errors.Is(err, heard.ErrNotFound) {
		return apiError(400, "join_code_invalid", "This code does not work. It may have been used or be too old; ask your worker for a new one.")
	}
	if err != nil {
		return err
	}
	y, err := s.store.YoungPerson(cx, jc.AreaID, jc.YoungPersonID)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(req.DeviceName)
	if name == "" {
		name = "Phone"
	}
	secret := heard.NewSecret()
	now := s.clock.Now()
	d := heard.Device{ID: heard.NewID(), AreaID: y.AreaID, YoungPersonID: y.ID, Name: name, SecretHash: heard.HashSecret(secret),
		PINHash: heard.HashPassword(req.PIN), CreatedAt: now, LastSeenAt: now}
	if err := s.store.CreateDevice(cx, d); err != nil {
		return err
	}
	p := heard.Principal{ID: y.ID, AreaID: y.AreaID, Role: heard.RoleYoungPerson, Name: y.CalledName(), TeamID: y.TeamID, DeviceID: d.ID}
	sess, err := s.newSession(c, p, "")
	if err != nil {
		return err
	}
	sess.DeviceID, sess.DeviceSecret = d.ID, secret
	return c.Status(201).JSON(sess)
}

func (s *Server) unlock(c *fiber.Ctx) error {
	var req unlockRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	f := fields{}
	f.check(heard.ValidID(req.DeviceID), "deviceId", "id_format")
	f.check(req.DeviceSecret != "" && len(req.DeviceSecret) <= 100, "deviceSecret", "required")
	f.check(heard.ValidPIN(req.PIN), "pin", "pin_format")
	if err := f.err(); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	signedOut := apiError(401, "device_revoked", "This phone has been signed out. Ask your worker for a new code.")
	d, err := s.store.DeviceByID(cx, req.DeviceID)
	if errors.Is(err, heard.ErrNotFound) {
		return signedOut
	}
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(d.SecretHash), []byte(heard.HashSecret(req.DeviceSecret))) != 1 || d.RevokedAt != nil {
		return signedOut
	}
	// One PIN check at a time per phone, so a burst of guesses is counted guess by guess.
	release, err := s.store.LeaseDevice(cx, d.ID)
	if errors.Is(err, store.ErrBusy) {
		return &Error{Status: 429, Code: "too_many_attempts", Message: "Another try is being checked; wait a moment.", RetryAfter: 1}
	}
	if err != nil {
		return err
	}
	defer release()
	if d, err = s.store.DeviceByID(cx, d.ID); err != nil {
		return err
	}
	if d.RevokedAt != nil {
		return signedOut
	}
	now := s.clock.Now()
	if d.LockedUntil != nil && d.LockedUntil.After(now) {
		return deviceLocked(d.LockedUntil.Sub(now))
	}
	if !heard.CheckPassword(d.PINHash, req.PIN) {
		after, err := s.store.RecordPINFailure(cx, d)
		if err != nil {
			return err
		}
		if after.RevokedAt != nil {
			return signedOut
		}
		if after.LockedUntil != nil && after.LockedUntil.After(now) {
			return deviceLocked(after.LockedUntil.Sub(now))
		}
		left := heard.PINTriesBeforeLock - after.PINFailures%heard.PINTriesBeforeLock
		return &Error{Status: 401, Code: "pin_incorrect", Message: "That PIN is not right.", AttemptsLeft: &left}
	}
	if err := s.store.RecordPINSuccess(cx, d.ID); err != nil {
		return err
	}
	y, err := s.store.YoungPerson(cx, d.AreaID, d.YoungPersonID)
	if err != nil {
		return err
	}
	p := heard.Principal{ID: y.ID, AreaID: y.AreaID, Role: heard.RoleYoungPerson, Name: y.CalledName(), TeamID: y.TeamID, DeviceID: d.ID}
	sess, err := s.newSession(c, p, "")
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

func deviceLocked(wait time.Duration) *Error {
	return &Error{Status: 423, Code: "device_locked", Message: "Too many wrong PINs; the app is paused for a while.",
		RetryAfter: max(1, int(math.Ceil(wait.Seconds())))}
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" || len(req.RefreshToken) > 200 {
		return errValidation(map[string]string{"refreshToken": "required"})
	}
	cx, cancel := ctx(c)
	defer cancel()
	expired := errSessionEnded()
	t, err := s.store.UseRefreshToken(cx, req.RefreshToken)
	if errors.Is(err, heard.ErrNotFound) || errors.Is(err, store.ErrTokenReused) {
		if errors.Is(err, store.ErrTokenReused) {
			s.log.Warn("refresh token reused; session revoked", "requestId", requestID(c), "subject", t.SubjectID)
		}
		return expired
	}
	if err != nil {
		return err
	}
	p, err := s.loadPrincipal(c, t.SubjectID, t.AreaID, t.Role, t.DeviceID)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == 401 {
			return expired
		}
		return err
	}
	sess, err := s.newSession(c, p, t.Family)
	if err != nil {
		return err
	}
	sess.User = nil
	return c.JSON(sess)
}

func (s *Server) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" || len(req.RefreshToken) > 200 {
		return errValidation(map[string]string{"refreshToken": "required"})
	}
	cx, cancel := ctx(c)
	defer cancel()
	family, err := s.store.RefreshTokenFamily(cx, req.RefreshToken)
	if err == nil {
		err = s.store.RevokeFamily(cx, family)
	}
	if err == nil {
		// Notifications stop too: what this session registered, and a phone's.
		err = s.store.DeleteSessionSubscriptions(cx, family)
	}
	if err != nil && !errors.Is(err, heard.ErrNotFound) {
		return err
	}
	// Signing out twice, or with an old token, is still signed out.
	return c.SendStatus(204)
}

// newSession issues an access token and the next refresh token of family (a new
// family when empty), plus the user's details.
func (s *Server) newSession(c *fiber.Ctx, p heard.Principal, family string) (session, error) {
	cx, cancel := ctx(c)
	defer cancel()
	if family == "" {
		family = heard.NewID()
	}
	p.SessionID = family
	access, err := s.tokens.Issue(p)
	if err != nil {
		return session{}, err
	}
	lifetime := StaffSessionLifetime
	if p.Role == heard.RoleYoungPerson {
		lifetime = YoungPersonSessionLifetime
	}
	refresh, err := s.store.IssueRefreshToken(cx, store.RefreshToken{Family: family, SubjectID: p.ID, Role: p.Role, AreaID: p.AreaID, DeviceID: p.DeviceID}, lifetime)
	if err != nil {
		return session{}, err
	}
	user, err := s.userView(c, p)
	if err != nil {
		return session{}, err
	}
	return session{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(AccessLifetime.Seconds()), User: &user}, nil
}
