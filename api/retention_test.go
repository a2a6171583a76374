package api

import (
	"context"
	"errors"
	"testing"
	"time"

	"heard"
)

func init() {
	registerMatrix("POST /api/young-people/:id/left", matrixEntry{Roles: adminOnly, Need: needArea, Request: func(m matrixCall) (string, any) {
		return "/api/young-people/" + m.YoungPerson().ID + "/left", nil
	}})
}

// A young person leaves: their phones stop at once; after the area's period
// the sweeper removes everything about them, counted in the audit log, even
// when a sweep is cut short; nobody else's records are touched.
func TestRecordsAreRemovedAfterTheAreasPeriod(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	admin := w.tokenFor(w.A.Admin)
	settings := w.call("GET", "/api/admin/area", admin, nil)
	w.expect(settings, 200, "")
	if settings.Body["retentionDays"] != float64(heard.DefaultRetentionDays) {
		t.Fatalf("the default period: %s", settings.Raw)
	}
	body := settings.Body
	body["retentionDays"] = 30
	w.expect(w.call("PUT", "/api/admin/area", admin, body), 200, "")
	body["retentionDays"] = 7
	r := w.call("PUT", "/api/admin/area", admin, body)
	if r.Status != 400 || r.Field("retentionDays") != "range" {
		t.Fatalf("a week is too short to keep records: %d %s", r.Status, r.Raw)
	}

	// Yara has cards, a phone and a join code; Yusuf too.
	yara := w.youngToken(w.A, w.A.YP1)
	w.cardsNew(w.A, w.A.YP1, "worried")
	w.cardsNew(w.A, w.A.YP2, "happy")
	w.foundCode(w.A.KW1, w.A.YP1)
	left := w.call("POST", "/api/young-people/"+w.A.YP1.ID+"/left", admin, nil)
	w.expect(left, 200, "")
	if left.Body["leftAt"] == nil {
		t.Fatalf("left: %s", left.Raw)
	}
	w.expect(w.call("GET", "/api/me", yara, nil), 401, "device_revoked")
	w.expect(w.call("POST", "/api/young-people/"+w.A.YP1.ID+"/left", admin, nil), 200, "") // again: nothing changes

	sweep := func() int {
		t.Helper()
		n, err := w.srv.cfg.Services.SweepRetention(ctx)
		must(t, err)
		return n
	}
	w.clock.Advance(29 * 24 * time.Hour)
	if n := sweep(); n != 0 {
		t.Fatalf("removed %d before the period ended", n)
	}
	if _, err := w.store.YoungPerson(ctx, w.A.Area.ID, w.A.YP1.ID); err != nil {
		t.Fatalf("Yara's record before the period ended: %v", err)
	}
	want, err := w.store.CountYoungPersonRecords(ctx, w.A.Area.ID, w.A.YP1.ID)
	must(t, err)
	if want < 5 { // her record, card, card list, phone, join code, sessions
		t.Fatalf("Yara has only %d records", want)
	}

	// The first sweep after the period is cut short after its third removal.
	w.clock.Advance(2 * 24 * time.Hour)
	deletes := 0
	w.store.Faults = func(_ context.Context, op, _ string) error {
		if op == "delete" {
			if deletes++; deletes == 3 {
				return errors.New("the process died here")
			}
		}
		return nil
	}
	if _, err := w.srv.cfg.Services.SweepRetention(ctx); err == nil {
		t.Fatal("the cut-short sweep said nothing")
	}
	w.store.Faults = nil
	if n := sweep(); n != 1 {
		t.Fatalf("the next sweep removed %d young people's records, want 1", n)
	}
	if _, err := w.store.YoungPerson(ctx, w.A.Area.ID, w.A.YP1.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("Yara's record after the period: %v", err)
	}
	if n, err := w.store.CountYoungPersonRecords(ctx, w.A.Area.ID, w.A.YP1.ID); err != nil || n != 1 {
		t.Fatalf("Yara's records left: %d (only the count of her own, now gone, document), %v", n, err)
	}
	if cards, err := w.store.AllCardsOf(ctx, w.A.Area.ID, w.A.YP2.ID); err != nil || len(cards) != 1 {
		t.Fatalf("Yusuf's cards: %v %v", cards, err)
	}
	if n := sweep(); n != 0 {
		t.Fatalf("a sweep with nothing to do removed %d", n)
	}
	// The audit log says what went, once, with the count taken before anything went.
	found := 0
	for _, e := range w.call("GET", "/api/admin/audit", w.tokenFor(w.A.Admin), nil).Items() {
		if e["action"] == "records_removed" {
			found++
			if e["count"] != float64(want) {
				t.Errorf("the audit log counts %v records removed, want %d", e["count"], want)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d audit entries for the removal, want 1", found)
	}
}
