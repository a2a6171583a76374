package store_test

import (
	"testing"
	"time"

	"heard"
)

// The demo area has every role, fresh join codes on every start, and (once)
// six months of anonymous answers for the commissioner's dashboard.
func TestDemoSeedsOnceWithFreshCodes(t *testing.T) {
	ctx, st := storeAt(t, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	first, err := st.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[heard.Role]int{}
	codes := map[string]string{}
	for _, a := range first {
		roles[a.Role]++
		if a.Role == heard.RoleYoungPerson {
			codes[a.Name] = a.JoinCode
		}
	}
	for _, r := range heard.StaffRoles {
		if roles[r] == 0 {
			t.Errorf("the demo has no %s", r)
		}
	}
	if roles[heard.RoleYoungPerson] != 4 || roles[heard.RoleKeyWorker] != 2 || roles[heard.RolePlacementStaff] != 2 {
		t.Errorf("demo roles: %v", roles)
	}
	for i := 0; i < 2; i++ {
		if err := st.SeedDemoHistory(ctx); err != nil {
			t.Fatal(err)
		}
	}
	again, err := st.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(first) {
		t.Fatalf("a second start made %d accounts, the first %d", len(again), len(first))
	}
	for _, a := range again {
		if a.Role == heard.RoleYoungPerson && (a.JoinCode == codes[a.Name] || a.JoinCode == "") {
			t.Errorf("%s should get a fresh join code on every start", a.Name)
		}
	}
	area := ""
	for _, a := range again {
		if a.Email == "sam@demo.heard" {
			s, err := st.StaffByEmail(ctx, a.Email)
			if err != nil {
				t.Fatal(err)
			}
			area = s.AreaID
		}
	}
	// The duty worker covers the year in shifts the rota's form would accept.
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	rota, err := st.DutyRota(ctx, area, now, now.Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	covered := now
	for _, d := range rota {
		n := heard.NewDutyShift{StaffID: d.StaffID, Start: d.Start, End: d.End}
		if errs := n.Validate(); len(errs) > 0 {
			t.Errorf("demo shift %v–%v: %v", d.Start, d.End, errs)
		}
		if d.Start.After(covered) {
			t.Errorf("nobody on duty from %v to %v", covered, d.Start)
		}
		covered = d.End
	}
	if covered.Before(now.Add(364 * 24 * time.Hour)) {
		t.Errorf("the demo rota ends at %v", covered)
	}
	months, _ := heard.MonthsBetween("2026-04", "2026-11")
	buckets, err := st.KPIBuckets(ctx, area, months)
	if err != nil {
		t.Fatal(err)
	}
	var answers int64
	for _, b := range buckets {
		if b.Metric == heard.KPIMetrics.FeedbackAnswers {
			answers += b.N
		}
	}
	if answers != 120 {
		t.Fatalf("the demo history should hold 120 answers once, the dashboard reads %d", answers)
	}
}
