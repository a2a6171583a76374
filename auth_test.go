package heard

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var joinCodeShape = regexp.MustCompile(`^[ACFHJKMNRUWXY]{4}-[2-9]{4}$`)

func TestNewJoinCode(t *testing.T) {
	seen := map[string]bool{}
	letters := map[byte]bool{}
	for range 2000 {
		code := NewJoinCode()
		if !joinCodeShape.MatchString(code) {
			t.Fatalf("code %q is not four letters, a dash and four digits from the readable alphabet", code)
		}
		if got, ok := NormaliseJoinCode(code); !ok || got != code {
			t.Fatalf("NormaliseJoinCode(%q) = %q, %v; want the code back", code, got, ok)
		}
		seen[code] = true
		for i := 0; i < 4; i++ {
			letters[code[i]] = true
		}
	}
	// 117 million codes: 2000 draws should almost never collide more than a couple of times.
	if len(seen) < 1990 {
		t.Fatalf("only %d distinct codes in 2000", len(seen))
	}
	if len(letters) != len(joinLetters) {
		t.Fatalf("codes used %d of the %d letters", len(letters), len(joinLetters))
	}
}

func TestNormaliseJoinCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"KFRW-4829", "KFRW-4829"},
		{"kfrw-4829", "KFRW-4829"},
		{"kfrw 4829", "KFRW-4829"},
		{"KFRW4829", "KFRW-4829"},
		{"  k f r w - 4 8 2 9  ", "KFRW-4829"},
		{"KF-RW-48-29", "KFRW-4829"},
		{"AAAA-2222", "AAAA-2222"},
		{"yyyy9999", "YYYY-9999"},
	} {
		got, ok := NormaliseJoinCode(tc.in)
		if !ok || got != tc.want {
			t.Errorf("NormaliseJoinCode(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{
		"",
		"KFRW",
		"KFRW-482",       // too short
		"KFRW-48299",     // too long
		"KFRWX-4829",     // five letters
		"4829-KFRW",      // digits first
		"KFR4-W829",      // mixed
		"KFRO-4829",      // O is not in the alphabet (looks like 0)
		"KFRB-4829",      // B sounds like D, E, P...
		"KFRW-4819",      // 1 is not used (looks like I)
		"KFRW-4809",      // 0 is not used
		"KFRW_4829",      // underscore
		"KFRW.4829",      // dot
		"ＫFRW-4829",      // full-width K
		"KFRW-４829",      // full-width 4
		"\u212aFRW-4829", // Kelvin sign
		"KFRW-4829\x00",
		"KFRW-4829\n",
		strings.Repeat("K", 10000),
	} {
		if got, ok := NormaliseJoinCode(in); ok {
			t.Errorf("NormaliseJoinCode(%q) accepted it as %q", in, got)
		}
	}
}

func FuzzNormaliseJoinCode(f *testing.F) {
	for _, s := range []string{"KFRW-4829", "kfrw 4829", "KFRW4829", "", "ſfrw4829", "KFRW-4819", "ııııı2222"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := NormaliseJoinCode(in)
		if !ok {
			if got != "" {
				t.Fatalf("refused %q but returned %q", in, got)
			}
			return
		}
		if !joinCodeShape.MatchString(got) {
			t.Fatalf("NormaliseJoinCode(%q) = %q, not a code", in, got)
		}
		again, ok := NormaliseJoinCode(got)
		if !ok || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, got, again)
		}
		// Only spaces, dashes and case may change: no character is invented or dropped.
		typed := strings.NewReplacer(" ", "", "-", "").Replace(strings.ToUpper(in))
		if typed != strings.ReplaceAll(got, "-", "") {
			t.Fatalf("NormaliseJoinCode(%q) = %q changed more than spacing and case", in, got)
		}
	})
}

func TestSecrets(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b || len(a) != 43 {
		t.Fatalf("secrets should be 43 characters of URL-safe base64 and differ: %q %q", a, b)
	}
	if strings.ContainsAny(a+b, "+/=") {
		t.Fatalf("secrets must be URL-safe: %q %q", a, b)
	}
	if HashSecret(a) != HashSecret(a) || HashSecret(a) == HashSecret(b) {
		t.Fatal("HashSecret must be stable and tell secrets apart")
	}
	if h := HashSecret(a); len(h) != 64 || strings.Contains(h, a) {
		t.Fatalf("hash %q should be 64 hex characters and not hold the secret", h)
	}
}

func TestValidPIN(t *testing.T) {
	for _, tc := range []struct {
		pin  string
		want bool
	}{
		{"1234", true},
		{"0000", true},
		{"12345", true},
		{"123456", true},
		{"", false},
		{"123", false},
		{"1234567", false},
		{"12a4", false},
		{"12 34", false},
		{" 1234", false},
		{"-123", false},
		{"١٢٣٤", false}, // Arabic-Indic digits: the app sends ASCII digits
		{"１２３４", false}, // full-width digits
		{"12.4", false},
	} {
		if got := ValidPIN(tc.pin); got != tc.want {
			t.Errorf("ValidPIN(%q) = %v, want %v", tc.pin, got, tc.want)
		}
	}
}

func TestPINFailure(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for n := 0; n <= 20; n++ {
		lockedUntil, revoke := PINFailure(n, now)
		wantRevoke := n >= PINTriesBeforeRevoke
		wantLock := !wantRevoke && (n == 5 || n == 10)
		if revoke != wantRevoke {
			t.Errorf("after %d wrong PINs: revoke = %v, want %v", n, revoke, wantRevoke)
		}
		if wantLock && !lockedUntil.Equal(now.Add(15*time.Minute)) {
			t.Errorf("after %d wrong PINs: locked until %v, want 15 minutes", n, lockedUntil)
		}
		if !wantLock && !lockedUntil.IsZero() {
			t.Errorf("after %d wrong PINs: locked until %v, want no lock", n, lockedUntil)
		}
	}
}

func TestPasswords(t *testing.T) {
	const pw = "correct horse battery"
	h := HashPassword(pw)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with OWASP parameters in PHC format", h)
	}
	if strings.Contains(h, pw) {
		t.Fatal("the hash holds the password")
	}
	if !CheckPassword(h, pw) {
		t.Fatal("the right password was refused")
	}
	if h2 := HashPassword(pw); h2 == h || !CheckPassword(h2, pw) {
		t.Fatal("each hash must have its own salt and still check")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery", pw + " ", pw + "\x00"} {
		if CheckPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	if CheckPassword(DummyPasswordHash, "") || CheckPassword(DummyPasswordHash, pw) {
		t.Error("the dummy hash must never match")
	}
	parts := strings.Split(h, "$")
	damaged := []string{
		"",
		"$argon2id$",
		"argon2id",
		strings.Replace(h, "argon2id", "argon2i", 1),
		strings.Replace(h, "t=2", "t=0", 1),              // argon2 would panic
		strings.Replace(h, "p=1", "p=0", 1),              // argon2 would panic
		strings.Replace(h, "m=19456", "m=0", 1),          // too little memory
		strings.Replace(h, "m=19456", "m=4294967295", 1), // would allocate terabytes
		strings.Replace(h, "t=2", "t=4000000000", 1),
		strings.Replace(h, "m=19456,t=2,p=1", "m=x,t=2,p=1", 1),
		"$" + parts[1] + "$" + parts[2] + "$" + parts[3] + "$!!!$" + parts[5],
		"$" + parts[1] + "$" + parts[2] + "$" + parts[3] + "$" + parts[4] + "$",
		"$2a$10$abcdefghijklmnopqrstuv", // a bcrypt hash
	}
	for _, d := range damaged {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("CheckPassword(%q) panicked: %v", d, r)
				}
			}()
			if CheckPassword(d, pw) {
				t.Errorf("damaged hash %q accepted", d)
			}
		}()
	}
}

func TestSignInLimits(t *testing.T) {
	// The numbers SPEC.md and the API rely on; a change here changes what people see.
	if LoginFailuresAccount != 5 || LoginFailuresAddress <= LoginFailuresAccount || LoginLockFor < 5*time.Minute {
		t.Fatalf("sign-in limits: account %d, address %d, lock %s", LoginFailuresAccount, LoginFailuresAddress, LoginLockFor)
	}
	if JoinCodeLifetime != 24*time.Hour || MinPasswordLength < 10 {
		t.Fatalf("join codes last %s; passwords at least %d", JoinCodeLifetime, MinPasswordLength)
	}
}

func TestSignInValidate(t *testing.T) {
	for _, tc := range []struct {
		in        SignIn
		wantEmail string
		want      map[string]string
	}{
		{SignIn{Email: "  Kim@Example.ORG ", Password: "x"}, "kim@example.org", map[string]string{}},
		{SignIn{Email: "kim", Password: "x"}, "kim", map[string]string{"email": "email_format"}},
		{SignIn{Email: "kim@example.org"}, "kim@example.org", map[string]string{"password": "required"}},
		{SignIn{Email: "kim@example.org", Password: strings.Repeat("p", 257)}, "kim@example.org", map[string]string{"password": "required"}},
		{SignIn{Email: "kim@example.org", Password: strings.Repeat("p", 256)}, "kim@example.org", map[string]string{}},
	} {
		in := tc.in
		got := in.Validate()
		if !equalFields(got, tc.want) || in.Email != tc.wantEmail {
			t.Errorf("%+v: %v, email %q; want %v, %q", tc.in, got, in.Email, tc.want, tc.wantEmail)
		}
	}
}

func TestJoinValidate(t *testing.T) {
	for _, tc := range []struct {
		in         Join
		code, name string
		want       map[string]string
	}{
		{Join{Code: "kfrw 4829", PIN: "2580"}, "KFRW-4829", "Phone", map[string]string{}},
		{Join{Code: "KFRW4829", PIN: "123456", DeviceName: "  Yara's phone "}, "KFRW-4829", "Yara's phone", map[string]string{}},
		{Join{Code: "KFRW-4829", PIN: "123", DeviceName: strings.Repeat("é", 61)}, "KFRW-4829", strings.Repeat("é", 61),
			map[string]string{"pin": "pin_format", "deviceName": "too_long"}},
		{Join{Code: "KFRW-482", PIN: "1234", DeviceName: strings.Repeat("é", 60)}, "", strings.Repeat("é", 60), map[string]string{"code": "code_format"}},
	} {
		in := tc.in
		got := in.Validate()
		if !equalFields(got, tc.want) || in.Code != tc.code || in.DeviceName != tc.name {
			t.Errorf("%+v: %v, code %q, name %q; want %v, %q, %q", tc.in, got, in.Code, in.DeviceName, tc.want, tc.code, tc.name)
		}
	}
}

func TestUnlockAndPasswordChangeValidate(t *testing.T) {
	id := NewID()
	for _, tc := range []struct {
		got, want map[string]string
	}{
		{Unlock{DeviceID: id, DeviceSecret: "s", PIN: "1234"}.Validate(), map[string]string{}},
		{Unlock{DeviceID: "phone", DeviceSecret: strings.Repeat("s", 101), PIN: "12"}.Validate(),
			map[string]string{"deviceId": "id_format", "deviceSecret": "required", "pin": "pin_format"}},
		{PasswordChange{Current: "old password", New: "a new password"}.Validate(), map[string]string{}},
		{PasswordChange{Current: "old password", New: "short"}.Validate(), map[string]string{"newPassword": "password_length"}},
		{PasswordChange{Current: "same password", New: "same password"}.Validate(), map[string]string{"newPassword": "same_as_current"}},
		{PasswordChange{New: "a new password"}.Validate(), map[string]string{"currentPassword": "required"}},
	} {
		if !equalFields(tc.got, tc.want) {
			t.Errorf("got %v, want %v", tc.got, tc.want)
		}
	}
}

func equalFields(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestLoginCounter(t *testing.T) {
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	l := LoginLimit{Failures: 3, Window: 15 * time.Minute, LockFor: 10 * time.Minute}
	// Each step: minutes after start, then the pause wanted after a failure then (minutes from start; 0: none).
	for _, tc := range []struct {
		name  string
		at    []int
		until int
	}{
		{"under the limit", []int{0, 1}, 0},
		{"the limit within the window", []int{0, 1, 2}, 12},
		{"an old failure has left the window", []int{0, 10, 16}, 0},
		{"the window slides", []int{0, 10, 16, 20}, 30},
		{"the count starts again after a pause", []int{0, 1, 2, 13}, 0},
		{"and can pause again", []int{0, 1, 2, 13, 14, 15}, 25},
	} {
		var c LoginCounter
		for _, m := range tc.at {
			c.Fail(start.Add(time.Duration(m)*time.Minute), l)
		}
		last := start.Add(time.Duration(tc.at[len(tc.at)-1]) * time.Minute)
		var want time.Duration
		if tc.until > 0 {
			want = start.Add(time.Duration(tc.until) * time.Minute).Sub(last)
		}
		if got := c.LockedFor(last); got != want {
			t.Errorf("%s: paused for %v, want %v", tc.name, got, want)
		}
	}
	var c LoginCounter
	c.Fail(start, l)
	if got := c.ForgetAt(l); !got.Equal(start.Add(15 * time.Minute)) {
		t.Errorf("one failure is forgotten at %v", got)
	}
	c.Fail(start, l)
	c.Fail(start, l)
	if got := c.ForgetAt(l); !got.Equal(start.Add(10*time.Minute)) || c.LockedFor(start.Add(10*time.Minute)) != 0 {
		t.Errorf("a pause is forgotten at %v", got)
	}
}

func TestPINTries(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var d Device
	for n := 1; n <= PINTriesBeforeRevoke; n++ {
		if got := d.StartPINTry(now); got != PINTryAllowed {
			t.Fatalf("try %d: %v", n, got)
		}
		pause := n%PINTriesBeforeLock == 0 || n == PINTriesBeforeRevoke
		if (d.LockedFor(now) == PINLockFor) != pause || d.PINWrongSignsOut() != (n == PINTriesBeforeRevoke) {
			t.Fatalf("try %d: paused for %v, signs out %v", n, d.LockedFor(now), d.PINWrongSignsOut())
		}
		if !pause && d.PINAttemptsLeft() != PINTriesBeforeLock-n%PINTriesBeforeLock {
			t.Fatalf("try %d: %d tries left", n, d.PINAttemptsLeft())
		}
		if pause {
			if got := d.StartPINTry(now.Add(PINLockFor - time.Second)); got != PINTryLocked || d.PINFailures != n {
				t.Fatalf("a try during the pause after %d: %v, %d counted", n, got, d.PINFailures)
			}
			now = now.Add(PINLockFor)
		}
	}
	d.PINRight(now)
	if d.PINFailures != 0 || d.LockedUntil != nil || !d.LastSeenAt.Equal(now) {
		t.Fatalf("after the right PIN: %+v", d)
	}
	if !d.Revoke("kw", now) || d.Revoke("someone else", now.Add(time.Hour)) || d.RevokedBy != "kw" || !d.RevokedAt.Equal(now) {
		t.Fatalf("the first sign-out stands: %+v", d)
	}
	if got := d.StartPINTry(now); got != PINTryRevoked || d.PINFailures != 0 {
		t.Fatalf("a try on a signed-out phone: %v, %d counted", got, d.PINFailures)
	}
	d = Device{SecretHash: HashSecret("the secret")}
	if !d.SecretMatches("the secret") || d.SecretMatches("the secreT") || d.SecretMatches("") {
		t.Fatal("the phone's secret is compared wrongly")
	}
}

func TestJoinCodeSpentOnce(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	j := JoinCode{CreatedAt: now, ExpiresAt: now.Add(JoinCodeLifetime)}
	if !j.Usable(now.Add(JoinCodeLifetime-time.Millisecond)) || j.Usable(now.Add(JoinCodeLifetime)) {
		t.Fatal("a code works for exactly 24 hours")
	}
	if !j.Spend("phone-1", now) || j.Spend("phone-2", now.Add(time.Minute)) || j.DeviceID != "phone-1" || !j.UsedAt.Equal(now) {
		t.Fatalf("a code is spent on its first phone only: %+v", j)
	}
}
