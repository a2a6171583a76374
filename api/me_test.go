package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"heard"
)

func init() {
	// Each staff account changes its password once per target, in target
	// order (own, other caseload, other area), so each call knows the current one.
	registerMatrix("PUT /api/me/password", matrixEntry{Roles: heard.StaffRoles, Need: needNothing, OK: 204,
		Request: func(m matrixCall) (string, any) {
			i := int(m.Target)
			return "/api/me/password", map[string]any{"currentPassword": chainedPassword(i), "newPassword": chainedPassword(i + 1)}
		}})
	registerMatrix("DELETE /api/me/devices/:deviceId", matrixEntry{Roles: []heard.Role{heard.RoleYoungPerson}, Need: needSelf, OK: 204,
		// Another young person's phone is not among the caller's: not found.
		Refused: map[matrixTarget]int{targetOtherCaseload: 404},
		Request: func(m matrixCall) (string, any) { return "/api/me/devices/" + m.Device().ID, nil }})
}

// A young person who signs out of this phone signs the phone itself out: the
// token stops working at once and the worker sees the phone as signed out.
func TestYoungPersonSignsPhoneOut(t *testing.T) {
	w := newWorld(t)
	tok := w.youngToken(w.A, w.A.YP1)
	w.expect(w.call("DELETE", "/api/me/devices/"+w.A.Devices[w.A.YP1.ID].ID, tok, nil), 204, "")
	w.expect(w.call("GET", "/api/me", tok, nil), 401, "device_revoked")
	d, err := w.store.Device(context.Background(), w.A.Area.ID, w.A.YP1.ID, w.A.Devices[w.A.YP1.ID].ID)
	must(t, err)
	if d.RevokedAt == nil {
		t.Fatal("the phone should be signed out")
	}
	r := w.call("GET", "/api/young-people/"+w.A.YP1.ID+"/devices", w.tokenFor(w.A.KW1), nil)
	w.expect(r, 200, "")
	if r.Items()[0]["revokedAt"] == nil {
		t.Fatalf("the worker should see the phone signed out: %s", r.Raw)
	}
	// Another young person's phone cannot be signed out by someone else, and is untouched.
	other := w.A.Devices[w.A.YP2.ID].ID
	w.expect(w.call("DELETE", "/api/me/devices/"+other, w.youngToken(w.A, w.A.YP3), nil), 404, "not_found")
	w.expect(w.call("GET", "/api/me", w.youngToken(w.A, w.A.YP2), nil), 200, "")
}

func chainedPassword(i int) string {
	if i == 0 {
		return testPassword
	}
	return fmt.Sprintf("changed password %d", i)
}

// A staff member changes their password: the old one stops working, the new one
// signs in; a wrong current password is refused and counted like a failed sign-in.
func TestStaffChangesTheirPassword(t *testing.T) {
	w := newWorld(t)
	tok := w.tokenFor(w.A.KW1)
	change := func(current, next string) response {
		return w.call("PUT", "/api/me/password", tok, map[string]any{"currentPassword": current, "newPassword": next})
	}
	w.expect(change(testPassword, "short"), 400, "validation_failed")
	w.expect(change(testPassword, testPassword), 400, "validation_failed")
	w.expect(change("not my password", "a brand new password"), 400, "current_password_wrong")
	w.expect(change(testPassword, "a brand new password"), 204, "")
	login := func(password string) response {
		return w.call("POST", "/api/auth/login", "", map[string]any{"email": w.A.KW1.Email, "password": password})
	}
	w.expect(login(testPassword), 401, "invalid_credentials")
	w.expect(login("a brand new password"), 200, "")
	// Guessing the current password pauses the account, as sign-in does.
	for i := 0; i < 5; i++ {
		change(fmt.Sprintf("guess %d", i), "another new password")
	}
	w.expect(change("a brand new password", "another new password"), 429, "too_many_attempts")
	// Young people have no password.
	w.expect(w.call("PUT", "/api/me/password", w.youngToken(w.A, w.A.YP1), map[string]any{"currentPassword": "x", "newPassword": "yyyyyyyyyyyy"}), 403, "forbidden")
}

func init() {
	registerMatrix("GET /api/me/data", matrixEntry{Roles: []heard.Role{heard.RoleYoungPerson}})
}

// A young person downloads everything Heard holds about them, and only theirs;
// each download is in the audit log.
func TestMyDataHoldsEverythingOfMineAndNothingElse(t *testing.T) {
	w := newWorld(t)
	yara := w.youngToken(w.A, w.A.YP1)
	first := w.cardsNew(w.A, w.A.YP1, "worried")
	w.expect(w.call("POST", "/api/cards/"+str(first, "id")+"/ack", w.tokenFor(w.A.KW1), map[string]any{"quickReply": "thank_you"}), 200, "")
	w.clock.Advance(time.Minute)
	w.cardsNew(w.A, w.A.YP1, "happy")
	w.cardsNew(w.A, w.A.YP2, "sad") // Yusuf's, not Yara's

	// A move shared with Yara, with a question she asked and its answer; and
	// one only planned, not yet hers to see.
	ctx := context.Background()
	shared := w.clock.Now()
	move := heard.Move{ID: heard.NewID(), AreaID: w.A.Area.ID, YoungPersonID: w.A.YP1.ID, PlacementID: w.A.Oak.ID, Date: shared.AddDate(0, 0, 10),
		Status: heard.MoveShared, CreatedBy: w.A.KW1.ID, CreatedAt: shared, SharedAt: &shared}
	must(t, w.store.CreateMove(ctx, move))
	_, _, err := w.store.AddQuestion(ctx, move, heard.Question{ID: heard.NewID(), Text: "Can I bring my bike?", AskedAt: shared})
	must(t, err)
	planned := move
	planned.ID, planned.Status, planned.SharedAt, planned.PlacementID = heard.NewID(), heard.MovePlanned, nil, w.A.Willow.ID
	must(t, w.store.CreateMove(ctx, planned))

	r := w.call("GET", "/api/me/data", yara, nil)
	w.expect(r, 200, "")
	var got heard.MyData
	must(t, json.Unmarshal(r.Raw, &got))
	if got.Me.FirstName != w.A.YP1.FirstName || got.Me.Area != w.A.Area.Name || got.Me.Team != w.A.Social.Name {
		t.Errorf("about me: %+v", got.Me)
	}
	if len(got.Cards) != 2 || got.Cards[1].CardID != "worried" || got.Cards[1].AckByName != "Kim" || got.Cards[1].Reply == nil {
		t.Errorf("my cards: %s", r.Raw)
	}
	if len(got.KeyWorkers) != 1 || got.KeyWorkers[0].Name != "Kim" || len(got.Phones) != 1 {
		t.Errorf("my key workers and phones: %s", r.Raw)
	}
	if len(got.Moves) != 1 || got.Moves[0].Placement != w.A.Oak.Name || len(got.Moves[0].Questions) != 1 ||
		got.Moves[0].Questions[0].Text != "Can I bring my bike?" {
		t.Errorf("my moves and questions: %s", r.Raw)
	}
	for _, id := range append(w.B.ids(), w.A.YP2.ID, w.A.KW1.ID, w.A.KW2.ID) {
		if strings.Contains(string(r.Raw), id) {
			t.Errorf("the download holds someone else's id %s", id)
		}
	}
	entries, err := w.store.AuditLog(ctx, w.A.Area.ID, 20)
	must(t, err)
	downloads := 0
	for _, e := range entries {
		if e.Action == "own_data_downloaded" && e.ActorID == w.A.YP1.ID && e.YoungPersonID == w.A.YP1.ID {
			downloads++
		}
	}
	if downloads != 1 {
		t.Errorf("the download is in the audit log %d times", downloads)
	}
}
