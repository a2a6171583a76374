package service_test

import (
	"encoding/json"
	"testing"
	"time"

	"heard"
	"heard/service"
)

// A change of key worker reaches the dashboard within
// KeyWorkerHistoriesFresh, not at once: the histories are read once a minute
// however many dashboards are opened.
func TestKeyWorkerChangesReachTheDashboardWithinAMinute(t *testing.T) {
	e := newEnv(t)
	commish := heard.Principal{ID: heard.NewID(), AreaID: e.area.ID, Role: heard.RoleCommissioner}
	tile := func() string {
		t.Helper()
		r, err := e.svc.KPIs(e.ctx, commish, heard.KPIQuery{})
		e.must(err)
		for _, tl := range r.Dashboard.Tiles {
			if tl.ID == heard.TileKeyWorkerChanges {
				b, _ := json.Marshal(tl.Total)
				return string(b)
			}
		}
		t.Fatal("no key-worker tile")
		return ""
	}
	e.clock.Advance(30 * 24 * time.Hour)
	before := tile()
	other := e.staff("Ola Other", heard.RoleKeyWorker)
	_, err := e.store.Assign(e.ctx, e.area.ID, e.yp.ID, other.ID)
	e.must(err)
	if got := tile(); got != before {
		t.Fatalf("read again at once: %s, kept %s", got, before)
	}
	e.clock.Advance(service.KeyWorkerHistoriesFresh)
	if got := tile(); got == before {
		t.Fatalf("a minute later the change of key worker is still not counted: %s", got)
	}
}
