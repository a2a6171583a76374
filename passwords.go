package heard

import (
	"crypto/rand"
	"crypto/subtle"
	"strings"
	"time"
)

// Password resets: an administrator resets a staff member's password and is
// shown a one-time code (and a link holding it) to pass on. From that moment
// the old password and every session of the account stop working; the staff
// member chooses a new password with the code, which signs them in.

// Reset codes are 16 characters of the join codes' alphabet (letters that do
// not sound alike and digits 2-9: 21 symbols), in four groups: 16 × log2(21)
// ≈ 70 bits, so guessing one within its day is out of reach even without the
// limits on sign-in attempts.
const (
	resetAlphabet = joinLetters + joinDigits
	resetChars    = 16
	// PasswordResetLifetime is how long a reset code works.
	PasswordResetLifetime = 24 * time.Hour
)

// PasswordReset is the stored form of an account's reset code.
type PasswordReset struct {
	Hash      string    `bson:"hash"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// NewPasswordResetCode returns a fresh code such as "KF3R-W482-9HMA-C7XU".
func NewPasswordResetCode() string {
	b := make([]byte, resetChars)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		// 252 = 12 × 21: bytes past it would favour the first symbols.
		for x >= 252 {
			var one [1]byte
			if _, err := rand.Read(one[:]); err != nil {
				panic(err)
			}
			x = one[0]
		}
		sb.WriteByte(resetAlphabet[int(x)%len(resetAlphabet)])
	}
	return sb.String()
}

// NormalisePasswordResetCode accepts what a person types or pastes (any case,
// spaces and dashes anywhere) and returns the canonical code, or false.
func NormalisePasswordResetCode(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	var clean []byte
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
		case r < 128 && strings.ContainsRune(resetAlphabet, r):
			clean = append(clean, byte(r))
		default:
			return "", false
		}
	}
	if len(clean) != resetChars {
		return "", false
	}
	var sb strings.Builder
	for i, c := range clean {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(c)
	}
	return sb.String(), true
}

// Matches reports whether a code (canonical) is this reset's, and still works at now.
func (r *PasswordReset) Matches(code string, now time.Time) bool {
	return r != nil && now.Before(r.ExpiresAt) && subtle.ConstantTimeCompare([]byte(r.Hash), []byte(HashSecret(code))) == 1
}

// ResetPassword makes st's password unusable until the code is used, and ends
// every session of the account (its trust moves on).
func (st *Staff) ResetPassword(code string, now time.Time) {
	st.PasswordHash = ""
	st.PasswordReset = &PasswordReset{Hash: HashSecret(code), ExpiresAt: now.Add(PasswordResetLifetime)}
	st.Trust++
}

// SetPassword gives st a new password: the reset code (if any) stops working
// and every session begun before ends.
func (st *Staff) SetPassword(hash string) {
	st.PasswordHash, st.PasswordReset = hash, nil
	st.Trust++
}

// PasswordResetIssued is what an administrator is shown after a reset: the
// code to pass on, and until when it works.
type PasswordResetIssued struct {
	StaffID   string    `json:"staffId"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// NewPassword is a staff member choosing a new password with a reset code.
type NewPassword struct {
	Code, Password, Address string
}

// Validate puts the code in its canonical form and checks the fields.
func (n *NewPassword) Validate() map[string]string {
	f := problems{}
	code, ok := NormalisePasswordResetCode(n.Code)
	f.check(ok, "code", "code_format")
	n.Code = code
	f.check(len(n.Password) >= MinPasswordLength && len(n.Password) <= maxPasswordBytes, "newPassword", "password_length")
	return f
}
