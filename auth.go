package heard

import (
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

// ErrLocked is returned while sign-in or PIN entry is paused after too many tries.
var ErrLocked = errors.New("locked")

// Device is a young person's phone, signed in with a join code and unlocked by PIN.
type Device struct {
	ID            string     `bson:"_id" json:"id"`
	AreaID        string     `bson:"area" json:"-"`
	YoungPersonID string     `bson:"youngPersonId" json:"-"`
	Name          string     `bson:"name" json:"name"`
	SecretHash    string     `bson:"secretHash" json:"-"`
	PINHash       string     `bson:"pinHash" json:"-"`
	PINFailures   int        `bson:"pinFailures" json:"-"`
	LockedUntil   *time.Time `bson:"lockedUntil,omitempty" json:"-"`
	CreatedAt     time.Time  `bson:"createdAt" json:"createdAt"`
	LastSeenAt    time.Time  `bson:"lastSeenAt" json:"lastSeenAt"`
	RevokedAt     *time.Time `bson:"revokedAt,omitempty" json:"revokedAt,omitempty"`
	RevokedBy     string     `bson:"revokedBy,omitempty" json:"-"`
}
