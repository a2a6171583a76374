package api

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"heard"
	"heard/store"
)

// Sessions end when trust in an account changes: a new password, a reset, a
// new role or an account turned off ends every other session at once.

func TestChangingThePasswordEndsEveryOtherSessionAtOnce(t *testing.T) {
	w := newWorld(t)
	laptop := w.foundLogin(w.A.KW1.Email, testPassword).Body
	phone := w.foundLogin(w.A.KW1.Email, testPassword).Body // the same person, signed in elsewhere
	colleague := w.foundLogin(w.A.KW2.Email, testPassword).Body
	w.expect(w.call("GET", "/api/me", str(phone, "accessToken"), nil), 200, "")
	// Each session has a browser registered for notifications.
	for _, s := range []map[string]any{laptop, phone} {
		claims, err := w.tokens.Parse(str(s, "accessToken"))
		must(t, err)
		_, err = w.store.SavePushSubscription(context.Background(), store.PushSubscription{AreaID: w.A.Area.ID, Endpoint: "https://push.example/" + claims.Session,
			P256dh: "k", Auth: "a", OwnerID: w.A.KW1.ID, OwnerRole: heard.RoleKeyWorker, SessionID: claims.Session})
		must(t, err)
	}

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
	// Only the browser of the session that changed the password is still told things.
	subs, err := w.store.PushSubscriptionsOf(context.Background(), w.A.Area.ID, w.A.KW1.ID)
	must(t, err)
	laptopClaims, _ := w.tokens.Parse(str(laptop, "accessToken"))
	if len(subs) != 1 || subs[0].SessionID != laptopClaims.Session {
		t.Errorf("subscriptions after the change: %+v", subs)
	}
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
	resets, kims := 0, 0
	for _, e := range w.call("GET", "/api/admin/audit", admin, nil).Items() {
		if e["action"] == "staff_password_reset" && e["actorId"] == w.A.Admin.ID {
			resets++
			if e["staffName"] == w.A.KW1.Name {
				kims++
			}
		}
	}
	if resets != 3 || kims != 1 {
		t.Errorf("the audit log shows %d password resets (%d of Kim's), want 3 (1)", resets, kims)
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
	ended := 0
	for _, e := range w.call("GET", "/api/admin/audit", admin, nil).Items() {
		if e["action"] == "staff_sessions_ended" {
			ended++
		}
	}
	if ended != 2 { // Kim's new role, Kai turned off (turning on again ends nothing)
		t.Errorf("the audit log shows %d accounts' sessions ended, want 2", ended)
	}
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

// Names are clean: control and direction characters are refused in every name
// field, and nothing is written.
func TestNamesWithControlOrDirectionCharactersAreRefused(t *testing.T) {
	w := newWorld(t)
	admin, kw := w.tokenFor(w.A.Admin), w.tokenFor(w.A.KW1)
	disguise := "Kim \u202eretsinimdA" // shows as "Kim Administer" reversed into another name
	before := matrixSnapshot(t, w.store)
	area := func(name, label string) map[string]any {
		return map[string]any{"name": name, "urgentToDutyMinutes": 15, "dutyToManagerMinutes": 15, "concerningAfterMinutes": 240,
			"crisisContacts": []map[string]string{{"label": label, "number": "999", "kind": "call"}}, "languages": []string{"en"}}
	}
	code := w.foundCode(w.A.KW1, w.A.YP2)["code"].(string)
	before = matrixSnapshot(t, w.store)
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		field, problem            string
	}{
		{"a staff name that reads backwards", "POST", "/api/admin/staff", admin, map[string]string{"name": disguise, "email": "n@a.test", "password": "long enough pw", "role": "key_worker"}, "name", "direction_characters"},
		{"a staff name with a line break", "POST", "/api/admin/staff", admin, map[string]string{"name": "Kim\nAdmin", "email": "n@a.test", "password": "long enough pw", "role": "key_worker"}, "name", "control_characters"},
		{"a first name with an isolate", "POST", "/api/young-people", kw, map[string]string{"firstName": "\u2067Jay\u2069"}, "firstName", "direction_characters"},
		{"a preferred name with a bell", "POST", "/api/young-people", kw, map[string]string{"firstName": "Jay", "preferredName": "J\u0007"}, "preferredName", "control_characters"},
		{"a team name with a right-to-left mark", "POST", "/api/admin/teams", admin, map[string]string{"name": "Social\u200f", "service": "camhs"}, "name", "direction_characters"},
		{"a placement name with an escape", "POST", "/api/admin/placements", admin, map[string]string{"name": "Oak\x1b[2J", "type": "foster"}, "name", "control_characters"},
		{"an area name that reads backwards", "PUT", "/api/admin/area", admin, area("Area \u202eB", "Childline"), "name", "direction_characters"},
		{"a crisis line's label with a NUL", "PUT", "/api/admin/area", admin, area("Area A", "Child\x00line"), "crisisContacts.label", "control_characters"},
		{"a phone's name that reads backwards", "POST", "/api/auth/join", "", map[string]string{"code": code, "pin": "2580", "deviceName": "my \u202ephone"}, "deviceName", "direction_characters"},
	} {
		r := w.call(tc.method, tc.path, tc.token, tc.body)
		if r.Status != 400 || r.ErrorCode() != "validation_failed" || r.Field(tc.field) != tc.problem {
			t.Errorf("%s: want 400 %s=%s, got %d %s", tc.name, tc.field, tc.problem, r.Status, r.Raw)
		}
	}
	if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
		t.Errorf("refused names changed the database: %s", d)
	}
	// A Persian name keeps its zero-width non-joiner, and Arabic names are welcome.
	w.expect(w.call("POST", "/api/young-people", kw, map[string]string{"firstName": "زهرا\u200cسادات"}), 201, "")
}

// A young person's own words are kept as written and shown without what
// could reorder the screen around them.
func TestAYoungPersonsWordsAreShownNeutralised(t *testing.T) {
	w := newWorld(t)
	note := "please \u202eemoc\u202c soon \u2067ok\u2069"
	r := w.cardsSend(w.A, w.A.YP1, map[string]any{"id": heard.NewID(), "card": "worried", "note": note})
	w.expect(r, 201, "")
	id := str(r.Body, "id")
	for _, got := range []response{
		w.call("GET", "/api/cards/"+id, w.tokenFor(w.A.KW1), nil),
		w.call("GET", "/api/cards/"+id, w.youngToken(w.A, w.A.YP1), nil),
	} {
		w.expect(got, 200, "")
		if str(got.Body, "note") != "please emoc soon ok" {
			t.Errorf("the note is shown as %q", str(got.Body, "note"))
		}
	}
	inbox := w.call("GET", "/api/cards/inbox", w.tokenFor(w.A.KW1), nil)
	if strings.ContainsAny(string(inbox.Raw), "\u202e\u2067") || !strings.Contains(string(inbox.Raw), "please emoc soon ok") {
		t.Errorf("the inbox shows %s", inbox.Raw)
	}
}

// Presenting another young person's answer id (a copied phone, or a guess)
// finds nothing of their answer: it is answered exactly as a new id is.
func TestAFeedbackRetryWithAnotherYoungPersonsIDRevealsNothing(t *testing.T) {
	w := feedbackWorld(t)
	yara, yan := w.youngToken(w.A, w.A.YP1), w.youngToken(w.A, w.A.YP3)
	for _, share := range []bool{true, false} {
		hers := feedbackBody(w.feedbackRequest(w.A, w.A.KW1, w.A.YP1), "no")
		hers["shareWithWorker"], hers["words"] = share, "only for Kim"
		w.expect(w.call("POST", "/api/feedback", yara, hers), 201, "")

		// Yan sends an answer of his own with Yara's id: a new answer, his,
		// created, told exactly what a new id is told.
		his := func(id any) map[string]any {
			return map[string]any{"id": id, "service": "camhs", "listened": "yes", "serious": "yes", "hadSay": "yes", "experience": "very_good",
				"shareWithWorker": share}
		}
		copied := w.call("POST", "/api/feedback", yan, his(hers["id"]))
		control := w.call("POST", "/api/feedback", yan, his(heard.NewID()))
		w.expect(copied, 201, "")
		w.expect(control, 201, "")
		delete(copied.Body, "id")
		delete(control.Body, "id")
		if !reflect.DeepEqual(copied.Body, control.Body) || strings.Contains(string(copied.Raw), "Kim") {
			t.Fatalf("shared %v: with Yara's id Yan is told %s; with a new one %s", share, copied.Raw, control.Raw)
		}
		// Yara's answer is as she left it, and still hers on a retry.
		again := w.call("POST", "/api/feedback", yara, hers)
		w.expect(again, 200, "")
		if share && again.Body["workerName"] != "Kim" {
			t.Fatalf("Yara's retry: %s", again.Raw)
		}
	}
	kim := w.call("GET", "/api/young-people/"+w.A.YP1.ID+"/feedback", w.tokenFor(w.A.KW1), nil)
	if items := kim.Items(); len(items) != 1 || items[0]["words"] != "only for Kim" {
		t.Fatalf("Kim sees %s", kim.Raw)
	}
}
