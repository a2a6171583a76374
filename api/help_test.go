package api

import (
	"strings"
	"testing"

	"heard"
)

func init() {
	registerMatrix("GET /api/devices/:deviceId/crisis-contacts", matrixEntry{Public: true, Request: func(m matrixCall) (string, any) {
		return "/api/devices/" + m.Device().ID + "/crisis-contacts", nil
	}})
}

// TestLockedPhoneGetsCurrentCrisisNumbers: a joined phone's lock screen gets
// its area's crisis numbers with no PIN and no token, as the administrator
// last saved them (with their own words beside each), never from a cache; a
// phone signed out by its key worker still gets them.
func TestLockedPhoneGetsCurrentCrisisNumbers(t *testing.T) {
	w := newWorld(t)
	dev := w.A.Devices[w.A.YP1.ID]
	path := "/api/devices/" + dev.ID + "/crisis-contacts"
	r := w.call("GET", path, "", nil)
	w.expect(r, 200, "")
	if len(r.Items()) != len(heard.DefaultCrisisContacts()) {
		t.Fatalf("want the area's %d numbers, got %s", len(heard.DefaultCrisisContacts()), r.Raw)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("crisis numbers may be kept by a cache: Cache-Control %q", cc)
	}

	settings := w.call("GET", "/api/admin/area", w.tokenFor(w.A.Admin), nil)
	w.expect(settings, 200, "")
	body := settings.Body
	body["crisisContacts"] = []map[string]any{
		{"label": "Riverside crisis line", "number": "0800 123 456", "kind": "call", "note": "free, day or night"},
		{"label": "Emergency", "number": "999", "kind": "call"},
	}
	w.expect(w.call("PUT", "/api/admin/area", w.tokenFor(w.A.Admin), body), 200, "")

	r = w.call("GET", path, "", nil)
	w.expect(r, 200, "")
	items := r.Items()
	if len(items) != 2 || items[0]["number"] != "0800 123 456" || items[0]["note"] != "free, day or night" {
		t.Fatalf("the phone was not given the numbers just saved: %s", r.Raw)
	}
	// Another area's phone gets its own area's numbers.
	other := w.call("GET", "/api/devices/"+w.B.Devices[w.B.YP1.ID].ID+"/crisis-contacts", "", nil)
	if strings.Contains(string(other.Raw), "0800 123 456") {
		t.Fatalf("area B's phone was given area A's numbers")
	}
	// Signed out by the key worker: help is still given.
	w.expect(w.call("DELETE", "/api/young-people/"+w.A.YP1.ID+"/devices/"+dev.ID, w.tokenFor(w.A.KW1), nil), 204, "")
	w.expect(w.call("GET", path, "", nil), 200, "")

	w.expect(w.call("GET", "/api/devices/"+heard.NewID()+"/crisis-contacts", "", nil), 404, "not_found")
	w.expect(w.call("GET", "/api/devices/not-an-id/crisis-contacts", "", nil), 400, "validation_failed")
}
