package heard

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordResetCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		code := NewPasswordResetCode()
		if len(code) != 19 || strings.Count(code, "-") != 3 || seen[code] {
			t.Fatalf("code %q", code)
		}
		seen[code] = true
		if got, ok := NormalisePasswordResetCode(strings.ToLower(strings.ReplaceAll(code, "-", " "))); !ok || got != code {
			t.Fatalf("typed back %q, %v", got, ok)
		}
	}
	for _, bad := range []string{"", "KFRW-4829", "KFRW-4829-HMAC-23450", "KFRW-4829-HMAC-234O", "KFRW\u202e4829HMAC2345", strings.Repeat("A", 100)} {
		if _, ok := NormalisePasswordResetCode(bad); ok {
			t.Errorf("%q read as a reset code", bad)
		}
	}
}

func TestResetAndNewPasswordMoveTrustOn(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	st := Staff{PasswordHash: "old"}
	code := NewPasswordResetCode()
	st.ResetPassword(code, now)
	if st.PasswordHash != "" || st.Trust != 1 || !st.PasswordReset.Matches(code, now) || st.PasswordReset.Matches(NewPasswordResetCode(), now) {
		t.Fatalf("after a reset: %+v", st)
	}
	if st.PasswordReset.Matches(code, now.Add(PasswordResetLifetime)) {
		t.Fatal("a reset code lasts a day")
	}
	st.SetPassword("new")
	if st.PasswordReset != nil || st.Trust != 2 || st.PasswordReset.Matches(code, now) {
		t.Fatalf("after a new password: %+v", st)
	}
	role := RoleTeamManager
	off := true
	for name, c := range map[string]StaffChange{"role": {Role: &role}, "turned off": {Disabled: &off}} {
		kim := Staff{ID: "kim", Role: RoleKeyWorker}
		if errs := c.Apply(Principal{ID: "admin"}, &kim); len(errs) > 0 || kim.Trust != 1 {
			t.Errorf("%s: trust %d, %v", name, kim.Trust, errs)
		}
	}
	hours := DefaultHours()
	kim := Staff{ID: "kim", Role: RoleKeyWorker}
	if c := (StaffChange{Hours: &hours}); len(c.Apply(Principal{ID: "admin"}, &kim)) > 0 || kim.Trust != 0 {
		t.Errorf("new working hours are not a change of trust: %d", kim.Trust)
	}
}
