package api

import (
	"context"
	"testing"

	"heard"
)

func init() {
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
