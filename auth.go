package heard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Join codes are short and readable aloud: four letters, a dash, four digits. The
// alphabet leaves out letters that sound or look alike (B/D/E/G/P/T/V, I/L/O/S/Z).
const (
	joinLetters = "ACFHJKMNRUWXY"
	joinDigits  = "23456789"
	// JoinCodeLifetime is how long a join code works.
	JoinCodeLifetime = 24 * time.Hour
)

// NewJoinCode returns a fresh code such as "KFRW-4829".
func NewJoinCode() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system random source never fails on supported platforms
	}
	var sb strings.Builder
	for i, x := range b {
		if i < 4 {
			sb.WriteByte(joinLetters[int(x)%len(joinLetters)])
			continue
		}
		if i == 4 {
			sb.WriteByte('-')
		}
		sb.WriteByte(joinDigits[int(x)%len(joinDigits)])
	}
	return sb.String()
}

// NormaliseJoinCode accepts what a person types ("kfrw 4829", "KFRW4829") and
// returns the canonical "KFRW-4829", or false when it cannot be a code.
func NormaliseJoinCode(s string) (string, bool) {
	var clean []byte
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
		case r < 128 && (strings.ContainsRune(joinLetters, r) || strings.ContainsRune(joinDigits, r)):
			clean = append(clean, byte(r))
		default:
			return "", false
		}
		if len(clean) > 8 {
			return "", false
		}
	}
	if len(clean) != 8 {
		return "", false
	}
	for i, c := range clean {
		if (i < 4) != strings.ContainsRune(joinLetters, rune(c)) {
			return "", false
		}
	}
	return string(clean[:4]) + "-" + string(clean[4:]), true
}

// HashSecret is the stored form of a high-entropy secret (join code, refresh token,
// device secret): a plain SHA-256 is enough because the secret cannot be guessed.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewSecret returns 32 random bytes, URL-safe base64 encoded.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidPIN reports whether a PIN is 4 to 6 digits.
func ValidPIN(pin string) bool {
	if len(pin) < 4 || len(pin) > 6 {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// PIN limits: a few tries, then a pause; many wrong PINs sign the phone out so a
// 4-digit PIN cannot be worked through.
const (
	PINTriesBeforeLock   = 5
	PINLockFor           = 15 * time.Minute
	PINTriesBeforeRevoke = 15
)

// PINFailure says what happens after the n-th consecutive wrong PIN.
func PINFailure(n int, now time.Time) (lockedUntil time.Time, revoke bool) {
	if n >= PINTriesBeforeRevoke {
		return time.Time{}, true
	}
	if n > 0 && n%PINTriesBeforeLock == 0 {
		return now.Add(PINLockFor), false
	}
	return time.Time{}, false
}

// Sign-in limits for staff, per account and per network address.
const (
	LoginWindow          = 15 * time.Minute
	LoginFailuresAccount = 5
	LoginFailuresAddress = 20
	LoginLockFor         = 15 * time.Minute
)

// MinPasswordLength is the shortest staff password accepted.
const MinPasswordLength = 10

// argon2id parameters (OWASP's 19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword compares a password with a PHC argon2id hash in constant time.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	// argon2 panics on zero passes or lanes, and a damaged hash must not make a
	// sign-in allocate gigabytes: refuse parameters Heard would never have written.
	if t < 1 || t > 10 || p < 1 || p > 16 || m < 8*uint32(p) || m > 256*1024 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// DummyPasswordHash is checked against when an account does not exist, so a wrong
// email takes as long as a wrong password and does not reveal which accounts exist.
var DummyPasswordHash = HashPassword("not a real password, never matches")

// Kinds of Problem that sign-in has besides those of problem.go.
var (
	// ErrUnauthenticated: the person is not (or no longer) signed in.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrLocked: PIN entry on a phone is paused after too many wrong PINs.
	ErrLocked = errors.New("locked")
	// ErrTooManyAttempts: sign-in is paused after too many failures.
	ErrTooManyAttempts = errors.New("too many attempts")
)

// ---- What people send to sign in, and its checks ----

// SignIn is a staff member's sign-in: email, password, and the network address
// it came from (failures are counted per account and per address).
type SignIn struct {
	Email, Password, Address string
}

// Validate normalises the email and checks the fields.
func (in *SignIn) Validate() map[string]string {
	in.Email = NormaliseEmail(in.Email)
	errs := map[string]string{}
	if !ValidEmail(in.Email) {
		errs["email"] = "email_format"
	}
	if in.Password == "" || len(in.Password) > maxPasswordBytes {
		errs["password"] = "required"
	}
	return errs
}

// maxPasswordBytes bounds what argon2 is given to hash.
const maxPasswordBytes = 256

// DefaultDeviceName names a phone whose young person gave it no name.
const DefaultDeviceName = "Phone"

// MaxDeviceNameChars bounds a phone's name.
const MaxDeviceNameChars = 60

// Join is a young person joining on a phone with a code from their key worker
// and the PIN they choose, from a network address (wrong codes are counted).
type Join struct {
	Code, PIN, DeviceName, Address string
}

// Validate puts the code in its canonical form, names the phone and checks the fields.
func (j *Join) Validate() map[string]string {
	errs := map[string]string{}
	code, ok := NormaliseJoinCode(j.Code)
	if !ok {
		errs["code"] = "code_format"
	}
	j.Code = code
	if !ValidPIN(j.PIN) {
		errs["pin"] = "pin_format"
	}
	switch problem := nameProblem(j.DeviceName, 0, MaxDeviceNameChars); problem {
	case "":
	case "length":
		errs["deviceName"] = "too_long"
	default:
		errs["deviceName"] = problem
	}
	if j.DeviceName = strings.TrimSpace(j.DeviceName); j.DeviceName == "" {
		j.DeviceName = DefaultDeviceName
	}
	return errs
}

// Unlock is a young person opening the app on a joined phone with their PIN.
type Unlock struct {
	DeviceID, DeviceSecret, PIN string
}

// Validate checks the fields.
func (u Unlock) Validate() map[string]string {
	errs := map[string]string{}
	if !ValidID(u.DeviceID) {
		errs["deviceId"] = "id_format"
	}
	if u.DeviceSecret == "" || len(u.DeviceSecret) > 100 {
		errs["deviceSecret"] = "required"
	}
	if !ValidPIN(u.PIN) {
		errs["pin"] = "pin_format"
	}
	return errs
}

// PasswordChange is a staff member changing their own password.
type PasswordChange struct {
	Current, New string
}

// Validate checks the new password's length and that it is new.
func (c PasswordChange) Validate() map[string]string {
	errs := map[string]string{}
	if c.Current == "" || len(c.Current) > maxPasswordBytes {
		errs["currentPassword"] = "required"
	}
	switch {
	case len(c.New) < MinPasswordLength || len(c.New) > maxPasswordBytes:
		errs["newPassword"] = "password_length"
	case c.New == c.Current:
		errs["newPassword"] = "same_as_current"
	}
	return errs
}

// ---- Counting failed sign-ins ----

// LoginLimit is how many failures within a window pause sign-in, and for how long.
type LoginLimit struct {
	Failures        int
	Window, LockFor time.Duration
}

// The limits per account and per network address.
var (
	LoginLimitAccount = LoginLimit{Failures: LoginFailuresAccount, Window: LoginWindow, LockFor: LoginLockFor}
	LoginLimitAddress = LoginLimit{Failures: LoginFailuresAddress, Window: LoginWindow, LockFor: LoginLockFor}
)

// Join codes are short enough to read aloud, so guessing one is held back by
// limits kept in the database (so they hold across every Heard instance):
// wrong codes from one address pause joining from it, and wrong codes from
// every address together pause all joining and alert the administrators.
// README.md ("Join codes against guessing") works out what this allows.
var (
	JoinLimitAddress    = LoginLimit{Failures: 10, Window: time.Hour, LockFor: time.Hour}
	JoinLimitEverywhere = LoginLimit{Failures: 20, Window: time.Hour, LockFor: time.Hour}
)

// JoinCodeSpace is how many join codes there are: four letters of 13, four digits of 8.
var JoinCodeSpace = pow(len(joinLetters), 4) * pow(len(joinDigits), 4)

func pow(b, e int) int {
	n := 1
	for range e {
		n *= b
	}
	return n
}

// JoinGuessingYears is how long, on average, guessing at the limit across
// every address would take to hit one of live codes live at once.
func JoinGuessingYears(live int) float64 {
	perHour := float64(JoinLimitEverywhere.Failures) / JoinLimitEverywhere.Window.Hours()
	return float64(JoinCodeSpace) / float64(live) / perHour / (365.25 * 24)
}

// JoinAddressKey and JoinEverywhereKey name the counters of wrong join codes.
func JoinAddressKey(address string) string { return "join-address:" + address }

// JoinEverywhereKey names the one counter of wrong join codes from every address.
const JoinEverywhereKey = "join-everywhere"

// LoginAccountKey and LoginAddressKey name the counters of an account and an address.
func LoginAccountKey(email string) string { return "account:" + email }

// LoginAddressKey names the failure counter of a network address.
func LoginAddressKey(address string) string { return "address:" + address }

// LoginCounter is the failed sign-ins of one account or address: the times of
// the failures since the last pause (or success), and the pause.
type LoginCounter struct {
	Failures    []time.Time `bson:"failures"`
	LockedUntil *time.Time  `bson:"lockedUntil,omitempty"`
}

// LockedFor is how long sign-in stays paused from now (0: not paused).
func (c LoginCounter) LockedFor(now time.Time) time.Duration {
	if c.LockedUntil == nil || !c.LockedUntil.After(now) {
		return 0
	}
	return c.LockedUntil.Sub(now)
}

// Fail counts one failure: failures older than the window are forgotten, and
// reaching the limit pauses sign-in and starts the count again.
func (c *LoginCounter) Fail(now time.Time, l LoginLimit) {
	since := now.Add(-l.Window)
	kept := c.Failures[:0]
	for _, t := range c.Failures {
		if t.After(since) {
			kept = append(kept, t)
		}
	}
	c.Failures = append(kept, now)
	if len(c.Failures) >= l.Failures {
		until := now.Add(l.LockFor)
		c.LockedUntil, c.Failures = &until, nil
	}
}

// ForgetAt is when the counter no longer matters: its pause is over and its
// last failure has left the window.
func (c LoginCounter) ForgetAt(l LoginLimit) time.Time {
	var at time.Time
	if n := len(c.Failures); n > 0 {
		at = c.Failures[n-1].Add(l.Window)
	}
	if c.LockedUntil != nil && c.LockedUntil.After(at) {
		at = *c.LockedUntil
	}
	return at
}

// ---- Phones and PINs ----

// Device is a young person's phone, signed in with a join code and unlocked by PIN.
type Device struct {
	ID            string `bson:"_id" json:"id"`
	AreaID        string `bson:"area" json:"-"`
	YoungPersonID string `bson:"youngPersonId" json:"-"`
	Name          string `bson:"name" json:"name"`
	SecretHash    string `bson:"secretHash" json:"-"`
	PINHash       string `bson:"pinHash" json:"-"`
	// PINFailures counts PIN tries since the last right PIN. A try is counted
	// before its PIN is compared (StartPINTry), so a burst of guesses cannot
	// all be compared before the first wrong one is counted.
	PINFailures int        `bson:"pinFailures" json:"-"`
	LockedUntil *time.Time `bson:"lockedUntil,omitempty" json:"-"`
	CreatedAt   time.Time  `bson:"createdAt" json:"createdAt"`
	LastSeenAt  time.Time  `bson:"lastSeenAt" json:"lastSeenAt"`
	RevokedAt   *time.Time `bson:"revokedAt,omitempty" json:"revokedAt,omitempty"`
	RevokedBy   string     `bson:"revokedBy,omitempty" json:"-"`
}

// SecretMatches compares a phone's secret with the stored hash in constant time.
func (d Device) SecretMatches(secret string) bool {
	return subtle.ConstantTimeCompare([]byte(d.SecretHash), []byte(HashSecret(secret))) == 1
}

// PINTry is whether a phone may try a PIN now.
type PINTry int

const (
	PINTryAllowed PINTry = iota
	PINTryLocked
	PINTryRevoked
)

// StartPINTry counts a PIN try before its PIN is compared and applies what it
// would mean if the PIN were wrong: the try that reaches a pause sets it (so
// no other try runs meanwhile), and so does the one that would sign the phone
// out. A right PIN undoes this (PINRight).
func (d *Device) StartPINTry(now time.Time) PINTry {
	switch {
	case d.RevokedAt != nil:
		return PINTryRevoked
	case d.LockedFor(now) > 0:
		return PINTryLocked
	}
	d.PINFailures, d.LockedUntil = d.PINFailures+1, nil
	lockedUntil, revoke := PINFailure(d.PINFailures, now)
	if revoke {
		lockedUntil = now.Add(PINLockFor)
	}
	if !lockedUntil.IsZero() {
		d.LockedUntil = &lockedUntil
	}
	return PINTryAllowed
}

// PINWrongSignsOut reports whether the counted try, its PIN wrong, signs the phone out.
func (d Device) PINWrongSignsOut() bool { return d.PINFailures >= PINTriesBeforeRevoke }

// PINAttemptsLeft is how many tries remain before the next pause.
func (d Device) PINAttemptsLeft() int {
	return PINTriesBeforeLock - d.PINFailures%PINTriesBeforeLock
}

// PINRight starts the count again after the right PIN.
func (d *Device) PINRight(now time.Time) {
	d.PINFailures, d.LockedUntil, d.LastSeenAt = 0, nil, now
}

// LockedFor is how long PIN entry stays paused from now (0: not paused).
func (d Device) LockedFor(now time.Time) time.Duration {
	if d.LockedUntil == nil || !d.LockedUntil.After(now) {
		return 0
	}
	return d.LockedUntil.Sub(now)
}

// Revoke signs the phone out for good; it reports false when it already was.
func (d *Device) Revoke(by string, now time.Time) bool {
	if d.RevokedAt != nil {
		return false
	}
	d.RevokedAt, d.RevokedBy = &now, by
	return true
}

// ---- Join codes ----

// JoinCode is a one-time code a key worker gives a young person to join on a
// phone. Only its hash is stored.
type JoinCode struct {
	Hash          string     `bson:"_id"`
	AreaID        string     `bson:"area"`
	YoungPersonID string     `bson:"youngPersonId"`
	CreatedBy     string     `bson:"createdBy"`
	CreatedAt     time.Time  `bson:"createdAt"`
	ExpiresAt     time.Time  `bson:"expiresAt"`
	UsedAt        *time.Time `bson:"usedAt,omitempty"`
	// DeviceID is the phone the code makes, chosen when it is first used.
	DeviceID string `bson:"deviceId,omitempty"`
}

// Usable reports whether the code still works at now (it works for 24 hours).
func (j JoinCode) Usable(now time.Time) bool { return now.Before(j.ExpiresAt) }

// Spend records, the first time the code is used, the phone it makes; it
// reports false when the code was already spent (on j.DeviceID).
func (j *JoinCode) Spend(deviceID string, now time.Time) bool {
	if j.UsedAt != nil {
		return false
	}
	j.UsedAt, j.DeviceID = &now, deviceID
	return true
}

// ---- The sign-in service ----

// SignedIn is a new session: who is signed in, its refresh token and, for a
// phone that has just joined, the phone's credentials. The API adds the access token.
type SignedIn struct {
	// Principal is the signed-in person, with the session's id.
	Principal    Principal
	RefreshToken string
	// DeviceID and DeviceSecret are given once, when a phone joins.
	DeviceID, DeviceSecret string
	// User is the person's details for the app (not on a refresh).
	User *User
}

// AuthService is signing in and out, one method per thing a person does, and
// the check every signed-in request passes.
type AuthService interface {
	// SignIn signs a staff member in with email and password. Failures are
	// counted per account and per address and pause sign-in after too many;
	// the answer never says whether an account exists.
	SignIn(ctx context.Context, in SignIn) (SignedIn, error)
	// Join makes a young person's phone with a one-time join code and the PIN
	// they chose, and signs it in. A join that failed before the phone was
	// stored can be tried again with the same code; once stored, the code is spent.
	Join(ctx context.Context, in Join) (SignedIn, error)
	// Unlock opens a session on a joined phone with its PIN. Wrong PINs pause
	// the phone and, after many, sign it out.
	Unlock(ctx context.Context, in Unlock) (SignedIn, error)
	// Refresh swaps the session's newest refresh token for the next one. A
	// refresh token works once: presenting it again ends the whole session.
	Refresh(ctx context.Context, refreshToken string) (SignedIn, error)
	// ChooseNewPassword sets a staff member's new password with the one-time
	// code an administrator was shown, and signs them in. A wrong code counts
	// as a failed sign-in of the address.
	ChooseNewPassword(ctx context.Context, in NewPassword) (SignedIn, error)
	// SignOut ends the session of a refresh token, and what it registered for
	// notifications (a phone's, all of the phone's). Signing out again is no error.
	SignOut(ctx context.Context, refreshToken string) error
	// Authenticate turns what an access token says (who, area, role, phone,
	// session) into the person as they are now: a disabled account, a
	// signed-out phone or an ended session is refused at once.
	Authenticate(ctx context.Context, claims Principal) (Principal, error)
}
