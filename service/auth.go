package service

import (
	"context"
	"errors"
	"time"

	"heard"
	"heard/store"
)

// Signing in and out. The service decides who is signed in and returns the
// facts (heard.SignedIn); the API mints the access token.
//
// Every "first one wins" and every counter is one exact write in the store: a
// join code is spent on one phone, a refresh token rotates once, each PIN try
// and each failed sign-in is counted.
//
// Joining writes three times, in an order where a failure leaves nothing
// anyone can see or use: the code is spent on a phone id; the phone's session
// is stored (there is no phone yet, so nobody can use it); then the phone,
// which is the join (the insert of its id decides between two phones with one
// code). A join that failed before the phone was stored finishes when tried
// again with the same code. Once the phone is stored the code is spent, even
// if the answer was lost on the way: the key worker sees a phone that was
// never used, can sign it out and gives a new code.
//
// A refresh is one write. An answer lost after it cannot be told from a stolen
// token, so presenting the old token again ends the session: the phone asks
// for its PIN, staff sign in again.

var (
	errInvalidCredentials = &heard.Problem{Kind: heard.ErrUnauthenticated, Code: "invalid_credentials",
		Message: "That email and password did not match an account."}
	errUnauthenticated = &heard.Problem{Kind: heard.ErrUnauthenticated, Code: "unauthenticated", Message: "Sign in to continue."}
	errSessionEnded    = &heard.Problem{Kind: heard.ErrUnauthenticated, Code: "session_expired",
		Message: "Your session has ended; please sign in again."}
	errPhoneSignedOut = &heard.Problem{Kind: heard.ErrUnauthenticated, Code: "device_revoked", Message: "This phone has been signed out."}
	errPhoneNeedsCode = &heard.Problem{Kind: heard.ErrUnauthenticated, Code: "device_revoked",
		Message: "This phone has been signed out. Ask your worker for a new code."}
	errJoinCodeInvalid = &heard.Problem{Kind: heard.ErrInvalid, Code: "join_code_invalid",
		Message: "This code does not work. It may have been used or be too old; ask your worker for a new one."}
	errRefreshTokenRequired = heard.Invalid(map[string]string{"refreshToken": "required"})
)

func errTooManyAttempts(wait time.Duration) error {
	return &heard.Problem{Kind: heard.ErrTooManyAttempts, Code: "too_many_attempts",
		Message: "Too many attempts; please wait and try again.", RetryAfter: wait}
}

func errPhoneLocked(wait time.Duration) error {
	return &heard.Problem{Kind: heard.ErrLocked, Code: "device_locked",
		Message: "Too many wrong PINs; the app is paused for a while.", RetryAfter: wait}
}

func errPINIncorrect(left int) error {
	return &heard.Problem{Kind: heard.ErrUnauthenticated, Code: "pin_incorrect", Message: "That PIN is not right.", AttemptsLeft: &left}
}

// SignIn signs a staff member in with email and password.
func (s *Service) SignIn(ctx context.Context, in heard.SignIn) (heard.SignedIn, error) {
	if errs := in.Validate(); len(errs) > 0 {
		return heard.SignedIn{}, heard.Invalid(errs)
	}
	account, address := heard.LoginAccountKey(in.Email), heard.LoginAddressKey(in.Address)
	for _, key := range []string{account, address} {
		if err := s.checkLoginPause(ctx, key); err != nil {
			return heard.SignedIn{}, err
		}
	}
	st, err := s.store.StaffByEmail(ctx, in.Email)
	if err != nil && !errors.Is(err, heard.ErrNotFound) {
		return heard.SignedIn{}, err
	}
	hash := st.PasswordHash
	if err != nil {
		// An unknown email takes as long as a wrong password.
		hash = heard.DummyPasswordHash
	}
	if !heard.CheckPassword(hash, in.Password) || st.Disabled {
		if err := s.countLoginFailure(ctx, account, heard.LoginLimitAccount); err != nil {
			return heard.SignedIn{}, err
		}
		if err := s.countLoginFailure(ctx, address, heard.LoginLimitAddress); err != nil {
			return heard.SignedIn{}, err
		}
		return heard.SignedIn{}, errInvalidCredentials
	}
	if err := s.store.ClearLoginFailures(ctx, account); err != nil {
		return heard.SignedIn{}, err
	}
	return s.startSession(ctx, staffPrincipal(st))
}

// checkLoginPause refuses while sign-in for key is paused.
func (s *Service) checkLoginPause(ctx context.Context, key string) error {
	until, err := s.store.LoginLockedUntil(ctx, key)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return errTooManyAttempts(until.Sub(s.clock.Now()))
	}
	return nil
}

func (s *Service) countLoginFailure(ctx context.Context, key string, l heard.LoginLimit) error {
	return s.store.RecordLoginFailure(ctx, key, l.Failures, l.Window, l.LockFor)
}

var errResetCodeInvalid = &heard.Problem{Kind: heard.ErrInvalid, Code: "reset_code_invalid",
	Message: "This reset code does not work. It may have been used, replaced or be too old; ask your administrator for a new one.",
	Fields:  map[string]string{"code": "reset_code_invalid"}}

// ChooseNewPassword sets a new password with a reset code and signs the staff
// member in. Wrong codes are counted against the address like failed sign-ins.
func (s *Service) ChooseNewPassword(ctx context.Context, in heard.NewPassword) (heard.SignedIn, error) {
	if errs := in.Validate(); len(errs) > 0 {
		return heard.SignedIn{}, heard.Invalid(errs)
	}
	address := heard.LoginAddressKey(in.Address)
	if err := s.checkLoginPause(ctx, address); err != nil {
		return heard.SignedIn{}, err
	}
	st, err := s.store.UsePasswordReset(ctx, in.Code, heard.HashPassword(in.Password))
	if errors.Is(err, heard.ErrNotFound) {
		if err := s.countLoginFailure(ctx, address, heard.LoginLimitAddress); err != nil {
			return heard.SignedIn{}, err
		}
		return heard.SignedIn{}, errResetCodeInvalid
	}
	if err != nil {
		return heard.SignedIn{}, err
	}
	if st.Disabled {
		return heard.SignedIn{}, errInvalidCredentials
	}
	if err := s.store.ClearLoginFailures(ctx, heard.LoginAccountKey(st.Email)); err != nil {
		return heard.SignedIn{}, err
	}
	return s.startSession(ctx, staffPrincipal(st))
}

// Join makes a young person's phone with a join code and signs it in (the
// order of its writes is explained at the top of this file).
func (s *Service) Join(ctx context.Context, in heard.Join) (heard.SignedIn, error) {
	if errs := in.Validate(); len(errs) > 0 {
		return heard.SignedIn{}, heard.Invalid(errs)
	}
	for _, key := range []string{heard.JoinAddressKey(in.Address), heard.JoinEverywhereKey} {
		if err := s.checkLoginPause(ctx, key); err != nil {
			return heard.SignedIn{}, err
		}
	}
	jc, err := s.store.RedeemJoinCode(ctx, in.Code)
	if errors.Is(err, heard.ErrNotFound) {
		return heard.SignedIn{}, s.wrongJoinCode(ctx, in.Address)
	}
	if err != nil {
		return heard.SignedIn{}, err
	}
	switch _, err := s.store.DeviceByID(ctx, jc.DeviceID); {
	case err == nil:
		return heard.SignedIn{}, s.wrongJoinCode(ctx, in.Address) // the code's phone exists: spent
	case !errors.Is(err, heard.ErrNotFound):
		return heard.SignedIn{}, err
	}
	y, err := s.store.YoungPerson(ctx, jc.AreaID, jc.YoungPersonID)
	if err != nil {
		return heard.SignedIn{}, err
	}
	pinHash := heard.HashPassword(in.PIN)
	signed, err := s.startSession(ctx, youngPrincipal(y, jc.DeviceID))
	if err != nil {
		return heard.SignedIn{}, err
	}
	secret, now := heard.NewSecret(), s.now()
	d := heard.Device{ID: jc.DeviceID, AreaID: y.AreaID, YoungPersonID: y.ID, Name: in.DeviceName, SecretHash: heard.HashSecret(secret),
		PINHash: pinHash, CreatedAt: now, LastSeenAt: now}
	if err := s.store.CreateDevice(ctx, d); err != nil {
		if errors.Is(err, heard.ErrConflict) {
			// Another phone finished this code's join first; this session was never handed out.
			_ = s.store.RevokeFamily(ctx, signed.Principal.SessionID)
			return heard.SignedIn{}, errJoinCodeInvalid
		}
		return heard.SignedIn{}, err
	}
	signed.DeviceID, signed.DeviceSecret = d.ID, secret
	return signed, nil
}

// wrongJoinCode counts a code that did not work against the address and
// against every address together; when that starts a pause of all joining,
// the administrators of every area are told. It returns the answer to give.
func (s *Service) wrongJoinCode(ctx context.Context, address string) error {
	if _, err := s.store.CountFailure(ctx, heard.JoinAddressKey(address), heard.JoinLimitAddress); err != nil {
		return err
	}
	paused, err := s.store.CountFailure(ctx, heard.JoinEverywhereKey, heard.JoinLimitEverywhere)
	if err != nil {
		return err
	}
	if paused {
		s.log.Warn("joining paused: too many wrong join codes from every address together",
			"failures", heard.JoinLimitEverywhere.Failures, "window", heard.JoinLimitEverywhere.Window.String())
		if err := s.alertJoinPause(ctx); err != nil {
			return err
		}
	}
	return errJoinCodeInvalid
}

// alertJoinPause, while all joining is paused, writes the pause to every
// area's audit log and tells its administrators by a notification
// (lock-screen words: "join_guessing"), once for each pause: the entries and
// notifications have ids made from when the pause ends. The request that
// started the pause does it at once; the background worker (RunOnce) does it
// too, so a pause whose request died before telling anyone is told.
func (s *Service) alertJoinPause(ctx context.Context) error {
	until, err := s.store.LoginLockedUntil(ctx, heard.JoinEverywhereKey)
	if err != nil || until.IsZero() {
		return err
	}
	pause := until.UTC().Format(time.RFC3339Nano)
	areas, err := s.store.AreaIDs(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for _, area := range areas {
		// The audit entry is written last, so it says the area was told.
		entry := heard.AuditEntry{ID: auditID("join_codes_paused", area+"/"+pause), AreaID: area, At: now, ActorName: "Heard", Action: "join_codes_paused"}
		if told, err := s.store.Audited(ctx, area, entry.ID); err != nil || told {
			if err != nil {
				return err
			}
			continue
		}
		admins, err := s.store.StaffList(ctx, area, heard.RoleAdministrator)
		if err != nil {
			return err
		}
		for _, a := range admins {
			if a.Disabled || s.notifier == nil {
				continue
			}
			if err := s.notifier.Notify(ctx, heard.Notification{ID: auditID("join_guessing", a.ID+"/"+pause), AreaID: area, RecipientID: a.ID, Type: "join_guessing",
				Link: "/#/admin/audit", Urgency: heard.UrgencyConcerning, CreatedAt: now}); err != nil {
				return err
			}
		}
		if err := s.store.AuditOnce(ctx, entry); err != nil {
			return err
		}
	}
	return nil
}

// Unlock opens a session on a joined phone with its PIN. Each try is counted
// before its PIN is compared, so however many arrive at once, no more are
// compared than the phone allows before its pause.
func (s *Service) Unlock(ctx context.Context, in heard.Unlock) (heard.SignedIn, error) {
	if errs := in.Validate(); len(errs) > 0 {
		return heard.SignedIn{}, heard.Invalid(errs)
	}
	d, err := s.store.DeviceByID(ctx, in.DeviceID)
	if errors.Is(err, heard.ErrNotFound) {
		return heard.SignedIn{}, errPhoneNeedsCode
	}
	if err != nil {
		return heard.SignedIn{}, err
	}
	if !d.SecretMatches(in.DeviceSecret) || d.RevokedAt != nil {
		return heard.SignedIn{}, errPhoneNeedsCode
	}
	d, try, err := s.store.StartPINTry(ctx, d.AreaID, d.ID)
	if err != nil {
		return heard.SignedIn{}, err
	}
	now := s.clock.Now()
	switch try {
	case heard.PINTryRevoked:
		return heard.SignedIn{}, errPhoneNeedsCode
	case heard.PINTryLocked:
		return heard.SignedIn{}, errPhoneLocked(d.LockedFor(now))
	}
	if !heard.CheckPassword(d.PINHash, in.PIN) {
		switch {
		case d.PINWrongSignsOut():
			if err := s.revokeDevice(ctx, d.AreaID, d.YoungPersonID, d.ID, "pin_failures"); err != nil {
				return heard.SignedIn{}, err
			}
			return heard.SignedIn{}, errPhoneNeedsCode
		case d.LockedFor(now) > 0:
			return heard.SignedIn{}, errPhoneLocked(d.LockedFor(now))
		}
		return heard.SignedIn{}, errPINIncorrect(d.PINAttemptsLeft())
	}
	if d, err = s.store.PINRight(ctx, d.AreaID, d.ID); err != nil {
		return heard.SignedIn{}, err
	}
	if d.RevokedAt != nil {
		return heard.SignedIn{}, errPhoneNeedsCode
	}
	y, err := s.store.YoungPerson(ctx, d.AreaID, d.YoungPersonID)
	if err != nil {
		return heard.SignedIn{}, err
	}
	return s.startSession(ctx, youngPrincipal(y, d.ID))
}

// Refresh swaps a refresh token for the next one, for a person who may still
// use Heard.
func (s *Service) Refresh(ctx context.Context, token string) (heard.SignedIn, error) {
	if token == "" || len(token) > heard.MaxRefreshTokenLength {
		return heard.SignedIn{}, errRefreshTokenRequired
	}
	t, err := s.store.UseRefreshToken(ctx, token)
	if errors.Is(err, store.ErrTokenReused) {
		s.log.Warn("refresh token reused; session revoked", "subject", t.SubjectID, "role", string(t.Role))
		return heard.SignedIn{}, errSessionEnded
	}
	if errors.Is(err, heard.ErrNotFound) {
		return heard.SignedIn{}, errSessionEnded
	}
	if err != nil {
		return heard.SignedIn{}, err
	}
	p, err := s.principal(ctx, heard.Principal{ID: t.SubjectID, AreaID: t.AreaID, Role: t.Role, DeviceID: t.DeviceID})
	if errors.Is(err, heard.ErrUnauthenticated) {
		return heard.SignedIn{}, errSessionEnded
	}
	if err != nil {
		return heard.SignedIn{}, err
	}
	if t.Trust != p.Trust {
		// Begun before the account's password, role or state changed.
		if err := s.store.RevokeFamily(ctx, t.ID); err != nil {
			return heard.SignedIn{}, err
		}
		return heard.SignedIn{}, errSessionEnded
	}
	p.SessionID = t.ID
	return heard.SignedIn{Principal: p, RefreshToken: t.Token}, nil
}

// SignOut ends a session and stops the notifications it registered (a
// phone's session: all of the phone's). It records an intent first, so if it
// fails after ending the session, the notifications are stopped by a retry or
// by the background worker.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" || len(token) > heard.MaxRefreshTokenLength {
		return errRefreshTokenRequired
	}
	t, err := s.store.SessionOf(ctx, token)
	if errors.Is(err, heard.ErrNotFound) {
		return nil // signing out twice, or with an old token, is still signed out
	}
	if err != nil {
		return err
	}
	if err := s.store.BeginIntent(ctx, t.AreaID, intentSignOut, t.ID, s.instance, s.lease); err != nil {
		return err
	}
	if err := s.store.RevokeFamily(ctx, t.ID); err != nil {
		return err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return s.CompleteSignOut(fctx, t.AreaID, t.ID)
}

// CompleteSignOut stops the notifications of an ended session; for a session
// still going (its sign-out failed before ending it) there is nothing to do.
func (s *Service) CompleteSignOut(ctx context.Context, areaID, session string) error {
	t, err := s.store.Session(ctx, areaID, session)
	switch {
	case err == nil && t.EndedAt != nil:
		if err := s.store.DeleteSessionSubscriptions(ctx, session); err != nil {
			return err
		}
		if err := s.store.DeleteDeviceSubscriptions(ctx, t.DeviceID); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, heard.ErrNotFound):
		return err
	}
	return s.store.EndIntent(ctx, intentSignOut, session)
}

// Authenticate checks that what an access token says still holds: the
// account or phone first (a signed-out phone says so), then the session: one
// that was issued, to this person, not ended, not past its fixed end, and
// begun under the account's present trust (a password, role or account
// change since ends it).
func (s *Service) Authenticate(ctx context.Context, claims heard.Principal) (heard.Principal, error) {
	p, err := s.principal(ctx, claims)
	if err != nil {
		return heard.Principal{}, err
	}
	t, err := s.store.SessionState(ctx, claims.SessionID)
	if errors.Is(err, heard.ErrNotFound) {
		return heard.Principal{}, errSessionEnded
	}
	if err != nil {
		return heard.Principal{}, err
	}
	if !t.Admits(p, s.clock.Now()) {
		return heard.Principal{}, errSessionEnded
	}
	p.SessionID = claims.SessionID
	return p, nil
}

// principal reads the account as it is now, so that role changes, disabling
// and signing a phone out take effect at once rather than when a token expires.
func (s *Service) principal(ctx context.Context, claims heard.Principal) (heard.Principal, error) {
	if claims.Role == heard.RoleYoungPerson {
		d, err := s.store.Device(ctx, claims.AreaID, claims.ID, claims.DeviceID)
		if errors.Is(err, heard.ErrNotFound) || err == nil && d.RevokedAt != nil {
			return heard.Principal{}, errPhoneSignedOut
		}
		if err != nil {
			return heard.Principal{}, err
		}
		y, err := s.store.YoungPerson(ctx, claims.AreaID, claims.ID)
		if err != nil {
			return heard.Principal{}, unauthenticatedIfMissing(err)
		}
		return youngPrincipal(y, d.ID), nil
	}
	st, err := s.store.StaffMember(ctx, claims.AreaID, claims.ID)
	if err != nil {
		return heard.Principal{}, unauthenticatedIfMissing(err)
	}
	if st.Disabled {
		return heard.Principal{}, errUnauthenticated
	}
	return staffPrincipal(st), nil
}

func unauthenticatedIfMissing(err error) error {
	if errors.Is(err, heard.ErrNotFound) {
		return errUnauthenticated
	}
	return err
}

func staffPrincipal(st heard.Staff) heard.Principal {
	return heard.Principal{ID: st.ID, AreaID: st.AreaID, Role: st.Role, Name: st.Name, TeamID: st.TeamID, PlacementID: st.PlacementID, Trust: st.Trust}
}

func youngPrincipal(y heard.YoungPerson, deviceID string) heard.Principal {
	return heard.Principal{ID: y.ID, AreaID: y.AreaID, Role: heard.RoleYoungPerson, Name: y.CalledName(), TeamID: y.TeamID, DeviceID: deviceID}
}

// startSession stores a new session for p and returns it with p's details.
func (s *Service) startSession(ctx context.Context, p heard.Principal) (heard.SignedIn, error) {
	p.SessionID = heard.NewID()
	token, err := s.store.IssueRefreshToken(ctx, store.RefreshToken{Family: p.SessionID, SubjectID: p.ID, Role: p.Role, AreaID: p.AreaID,
		DeviceID: p.DeviceID, Trust: p.Trust}, heard.SessionLifetime(p.Role))
	if err != nil {
		return heard.SignedIn{}, err
	}
	u, err := s.Me(ctx, p)
	if err != nil {
		return heard.SignedIn{}, err
	}
	return heard.SignedIn{Principal: p, RefreshToken: token, User: &u}, nil
}

// revokeDevice signs a phone out for good: the phone, its sessions and its
// notifications, under an intent so that a failure part way is finished by a
// retry or the background worker.
func (s *Service) revokeDevice(ctx context.Context, areaID, youngPersonID, deviceID, by string) error {
	if err := s.store.BeginIntent(ctx, areaID, intentDeviceRevoke, deviceID, s.instance, s.lease); err != nil {
		return err
	}
	if err := s.store.RevokeDevice(ctx, areaID, youngPersonID, deviceID, by); err != nil {
		return err
	}
	return s.store.EndIntent(ctx, intentDeviceRevoke, deviceID)
}

// CompleteDeviceRevoke finishes signing a phone out (its sessions and
// notifications) when it was signed out; when the sign-out never happened,
// there is nothing to do.
func (s *Service) CompleteDeviceRevoke(ctx context.Context, areaID, deviceID string) error {
	d, err := s.store.DeviceByID(ctx, deviceID)
	switch {
	case err == nil && d.AreaID == areaID && d.RevokedAt != nil:
		if err := s.store.RevokeDevice(ctx, areaID, d.YoungPersonID, d.ID, d.RevokedBy); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, heard.ErrNotFound):
		return err
	}
	return s.store.EndIntent(ctx, intentDeviceRevoke, deviceID)
}
