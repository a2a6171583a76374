package api

import "testing"

func TestWorldSmoke(t *testing.T) {
	w := newWorld(t)
	r := w.call("GET", "/api/young-people", w.tokenFor(w.A.KW1), nil)
	w.expect(r, 200, "")
	if len(r.Items()) != 2 {
		t.Fatalf("KW1 should see 2 young people, got %s", r.Raw)
	}
	r = w.call("GET", "/api/me", w.youngToken(w.A, w.A.YP1), nil)
	w.expect(r, 200, "")
}
