package api

import (
	"testing"
	"time"

	"heard"
)

// Sessions end when trust in an account changes: a new password, a reset, a
// new role or an account turned off ends every other session at once.

func TestChangingThePasswordEndsEveryOtherSessionAtOnce(t *testing.T) {
	w := newWorld(t)
	laptop := w.foundLogin(w.A.KW1.Email, testPassword).Body
	phone := w.foundLogin(w.A.KW1.Email, testPassword).Body // the same person, signed in elsewhere
	colleague := w.foundLogin(w.A.KW2.Email, testPassword).Body
	w.expect(w.call("GET", "/api/me", str(phone, "accessToken"), nil), 200, "")

	w.expect(w.call("PUT", "/api/me/password", str(laptop, "accessToken"),
		map[string]string{"currentPassword": testPassword, "newPassword": "a new long password"}), 204, "")

	// The other session stops at once: its access token and its refresh token.
	w.expect(w.call("GET", "/api/me", str(phone, "accessToken"), nil), 401, "session_expired")
	w.expect(w.foundRefresh(phone["refreshToken"]), 401, "session_expired")
	// The session that changed the password goes on, refreshes and all.
	w.expect(w.call("GET", "/api/me", str(laptop, "accessToken"), nil), 200, "")
	next := w.foundRefresh(laptop["refreshToken"])
	w.expect(next, 200, "")
	w.expect(w.call("GET", "/api/me", str(next.Body, "accessToken"), nil), 200, "")
	// Someone else's session is not touched; the old password no longer signs in.
	w.expect(w.call("GET", "/api/me", str(colleague, "accessToken"), nil), 200, "")
	w.expect(w.foundLogin(w.A.KW1.Email, testPassword), 401, "invalid_credentials")
	w.expect(w.foundLogin(w.A.KW1.Email, "a new long password"), 200, "")
}

func TestAnAdministratorsResetEndsSessionsAndNeedsANewPassword(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.A.Admin)
	kim := w.foundLogin(w.A.KW1.Email, testPassword).Body

	r := w.call("POST", "/api/admin/staff/"+w.A.KW1.ID+"/password-reset", admin, nil)
	w.expect(r, 201, "")
	code := str(r.Body, "code")
	if _, ok := heard.NormalisePasswordResetCode(code); !ok || str(r.Body, "staffId") != w.A.KW1.ID {
		t.Fatalf("the administrator is shown a code to pass on: %s", r.Raw)
	}
	// Everything Kim had stops at once, the old password too.
	w.expect(w.call("GET", "/api/me", str(kim, "accessToken"), nil), 401, "session_expired")
	w.expect(w.foundRefresh(kim["refreshToken"]), 401, "session_expired")
	w.expect(w.foundLogin(w.A.KW1.Email, testPassword), 401, "invalid_credentials")

	// A wrong code, or a right code with a short password, changes nothing.
	wrong := w.call("POST", "/api/auth/password", "", map[string]string{"code": heard.NewPasswordResetCode(), "newPassword": "a new long password"})
	w.expect(wrong, 400, "reset_code_invalid")
	w.expect(w.call("POST", "/api/auth/password", "", map[string]string{"code": code, "newPassword": "short"}), 400, "validation_failed")

	// The code, typed in lower case with spaces, chooses the new password and signs Kim in.
	typed := ""
	for _, c := range code {
		if c != '-' {
			typed += string(c)
		}
	}
	in := w.call("POST", "/api/auth/password", "", map[string]string{"code": " " + typed[:8] + " " + typed[8:], "newPassword": "a new long password"})
	w.expect(in, 200, "")
	w.expect(w.call("GET", "/api/me", str(in.Body, "accessToken"), nil), 200, "")
	// It works once.
	w.expect(w.call("POST", "/api/auth/password", "", map[string]string{"code": code, "newPassword": "another long password"}), 400, "reset_code_invalid")
	w.expect(w.foundLogin(w.A.KW1.Email, "a new long password"), 200, "")

	// A second reset replaces the first code, and the audit log names both.
	first := w.call("POST", "/api/admin/staff/"+w.A.KW2.ID+"/password-reset", admin, nil)
	second := w.call("POST", "/api/admin/staff/"+w.A.KW2.ID+"/password-reset", admin, nil)
	w.expect(w.call("POST", "/api/auth/password", "", map[string]string{"code": str(first.Body, "code"), "newPassword": "a new long password"}), 400, "reset_code_invalid")
	w.expect(w.call("POST", "/api/auth/password", "", map[string]string{"code": str(second.Body, "code"), "newPassword": "a new long password"}), 200, "")
	resets := 0
	for _, e := range w.call("GET", "/api/admin/audit", admin, nil).Items() {
		if e["action"] == "staff_password_reset" && e["actorId"] == w.A.Admin.ID {
			resets++
		}
	}
	if resets != 3 {
		t.Errorf("the audit log shows %d password resets, want 3", resets)
	}
	// A code lasts a day.
	late := w.call("POST", "/api/admin/staff/"+w.A.Manager.ID+"/password-reset", admin, nil)
	w.clock.Advance(heard.PasswordResetLifetime + time.Minute)
	w.expect(w.call("POST", "/api/auth/password", "", map[string]string{"code": str(late.Body, "code"), "newPassword": "a new long password"}), 400, "reset_code_invalid")
}

func TestANewRoleOrATurnedOffAccountEndsSessions(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.A.Admin)
	kim := w.foundLogin(w.A.KW1.Email, testPassword).Body
	kai := w.foundLogin(w.A.KW2.Email, testPassword).Body
	dee := w.foundLogin(w.A.Duty.Email, testPassword).Body

	// Working hours and team are not a change of trust: sessions go on.
	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.Duty.ID, admin, map[string]any{"teamId": w.A.CAMHS.ID,
		"hours": []heard.Hours{{Weekday: time.Saturday, Start: 600, End: 900}}}), 200, "")
	w.expect(w.call("GET", "/api/me", str(dee, "accessToken"), nil), 200, "")

	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.KW1.ID, admin, map[string]any{"role": "team_manager"}), 200, "")
	w.expect(w.call("GET", "/api/me", str(kim, "accessToken"), nil), 401, "session_expired")
	w.expect(w.foundRefresh(kim["refreshToken"]), 401, "session_expired")

	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.KW2.ID, admin, map[string]any{"disabled": true}), 200, "")
	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.KW2.ID, admin, map[string]any{"disabled": false}), 200, "")
	// Turned back on, the account signs in again, but what it held before stays ended.
	w.expect(w.call("GET", "/api/me", str(kai, "accessToken"), nil), 401, "session_expired")
	w.expect(w.foundRefresh(kai["refreshToken"]), 401, "session_expired")
	w.expect(w.foundLogin(w.A.KW2.Email, testPassword), 200, "")
}

func TestSessionsEndAtAFixedAgeHoweverOftenUsed(t *testing.T) {
	w := newWorld(t)
	staff := w.foundLogin(w.A.KW1.Email, testPassword).Body
	refresh := staff["refreshToken"]
	for elapsed := time.Duration(0); ; {
		w.clock.Advance(10 * time.Hour)
		elapsed += 10 * time.Hour
		r := w.foundRefresh(refresh)
		if elapsed >= heard.StaffSessionMaxAge {
			w.expect(r, 401, "session_expired")
			break
		}
		w.expect(r, 200, "")
		refresh = r.Body["refreshToken"]
	}

	yp := w.foundJoined(w.A, w.A.KW1, w.A.YP1)
	refresh = yp["refreshToken"]
	for elapsed := time.Duration(0); ; {
		w.clock.Advance(25 * time.Minute)
		elapsed += 25 * time.Minute
		r := w.foundRefresh(refresh)
		if elapsed >= heard.YoungPersonSessionMaxAge {
			w.expect(r, 401, "session_expired")
			break
		}
		w.expect(r, 200, "")
		refresh = r.Body["refreshToken"]
	}
	// The PIN opens a new session.
	w.expect(w.foundUnlock(yp, foundPIN), 200, "")
}
