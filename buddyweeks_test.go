package heard

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func date(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }

// TestBuddyWeekStatusAndDays: a week's status and day number follow the
// area's days, and it is kept longer at most to 21 days.
func TestBuddyWeekStatusAndDays(t *testing.T) {
	m := Move{ID: NewID(), AreaID: "a", YoungPersonID: "y", PlacementID: "p", Date: date("2026-03-02"), Status: MoveConfirmed}
	w := NewBuddyWeek(m, "b1", "kw", date("2026-02-20"))
	for _, tc := range []struct {
		today  string
		status BuddyWeekStatus
		day    int
	}{{"2026-03-01", BuddyWeekConfirmed, 0}, {"2026-03-02", BuddyWeekActive, 1}, {"2026-03-08", BuddyWeekActive, 7}, {"2026-03-09", BuddyWeekEnded, 8}} {
		if got, d := w.Status(date(tc.today)), w.DayNumber(date(tc.today)); got != tc.status || d != tc.day {
			t.Errorf("%s: %s day %d, want %s day %d", tc.today, got, d, tc.status, tc.day)
		}
	}
	if len(w.Days()) != BuddyWeekDays || !w.HasDay("2026-03-08") || w.HasDay("2026-03-09") {
		t.Errorf("days %v", w.Days())
	}
	if (BuddyWeekRecord{From: w.From, Last: w.Last}).Status(date("2026-03-03")) != BuddyWeekProposed {
		t.Error("a week without a buddy is proposed")
	}
	// Kept longer twice it reaches 14, then 21 days; a third time it stays at 21.
	for i, want := range []string{"2026-03-15", "2026-03-22", "2026-03-22"} {
		if !w.Ask(BuddyRequest{Kind: BuddyAskLonger}) || w.Ask(BuddyRequest{Kind: BuddyAskLonger}) {
			t.Fatalf("%d: one open request per kind", i)
		}
		w.Handle(BuddyAskLonger)
		if got := w.Last.Format(time.DateOnly); got != want {
			t.Errorf("kept longer %d times: last %s, want %s", i+1, got, want)
		}
	}
	if w.CanAskLonger(date("2026-03-10")) {
		t.Error("a 21-day week can be asked to be longer")
	}
	// A rematch keeps the days and remembers the buddy before.
	if !w.Rematch("b2", "staff", date("2026-03-04")) || w.Rematch("b2", "staff", date("2026-03-04")) || !w.Rematched() || w.From != date("2026-03-02") {
		t.Errorf("rematch: %+v", w)
	}
	w.Rating = &BuddyRating{Rating: 4}
	if w.Status(date("2026-03-30")) != BuddyWeekRated {
		t.Error("a rated week is rated")
	}
}

// TestBuddyMorningFlagsAndCheckinWindow: the morning after a day flags a low
// answer and a day without contact; the check-in is open from 18:00 to the
// next morning's review in the area's zone, not UTC's.
func TestBuddyMorningFlagsAndCheckinWindow(t *testing.T) {
	w := BuddyWeekRecord{From: date("2026-03-02"), Last: date("2026-03-08"), BuddyID: "b"}
	w.SetCheckin(BuddyCheckin{Day: "2026-03-02", Rating: 2})
	w.SetCheckin(BuddyCheckin{Day: "2026-03-03", Rating: 5})
	if w.SetCheckin(BuddyCheckin{Day: "2026-03-03", Rating: 5}) || !w.SetCheckin(BuddyCheckin{Day: "2026-03-03", Rating: 3}) || len(w.Checkins) != 2 {
		t.Errorf("answering again replaces: %+v", w.Checkins)
	}
	w.AddContact("2026-03-03")
	if got := w.MorningFlags("2026-03-02"); !slices.Equal(got, []BuddyFlag{{"2026-03-02", BuddyFlagLowCheckin}, {"2026-03-02", BuddyFlagNoContact}}) {
		t.Errorf("a low day without contact: %v", got)
	}
	if got := w.MorningFlags("2026-03-03"); len(got) != 0 {
		t.Errorf("a fine day with contact: %v", got)
	}
	if got := w.MorningFlags("2026-03-04"); !slices.Equal(got, []BuddyFlag{{"2026-03-04", BuddyFlagNoContact}}) {
		t.Errorf("no answer, no contact: %v", got)
	}
	kabul := Area{TimeZone: "Asia/Kabul"} // UTC+4:30
	for _, tc := range []struct {
		utc, day string
		open     bool
	}{{"2026-03-02T13:00:00Z", "", false}, {"2026-03-02T13:30:00Z", "2026-03-02", true}, {"2026-03-02T20:00:00Z", "2026-03-02", true}, {"2026-03-03T14:00:00Z", "2026-03-03", true},
		{"2026-03-03T04:29:00Z", "2026-03-02", true}, {"2026-03-03T04:30:00Z", "", false}} {
		now, _ := time.Parse(time.RFC3339, tc.utc)
		day, open := CheckinOpenDay(kabul, now)
		if day != tc.day || open != tc.open {
			t.Errorf("%s in Kabul: %q %v, want %q %v", tc.utc, day, open, tc.day, tc.open)
		}
	}
	// After midnight the open check-in is still yesterday's.
	lateNight, _ := time.Parse(time.RFC3339, "2026-03-03T23:00:00Z") // 03:30 on the 4th in Kabul
	if v := w.MineView(BuddySummary{}, kabul, lateNight); v.CheckinDue || v.CheckinDay != "2026-03-03" {
		t.Errorf("at 03:30 the open check-in is the 3rd's, already answered: %+v", v)
	}
	if got := AtAreaTime(kabul, date("2026-03-02"), BuddyCheckinHour).Format(time.RFC3339); got != "2026-03-02T14:30:00Z" {
		t.Errorf("19:00 in Kabul is %s", got)
	}
}

// TestBuddyForms: codes from the fixed lists, sizes and dates.
func TestBuddyForms(t *testing.T) {
	a := AboutMe{Languages: []string{" AR", "ar", "en-GB"}, Interests: []string{"Football"}, HardDay: []string{"walk"}}.Normalize()
	if errs := a.Validate(); len(errs) > 0 || !slices.Equal(a.Languages, []string{"ar", "en-gb"}) || a.Interests[0] != "football" {
		t.Errorf("normalised: %+v %v", a, errs)
	}
	for name, bad := range map[string]AboutMe{
		"interests":     {Interests: []string{"knives"}},
		"hardDay":       {HardDay: []string{"football"}},
		"languages":     {Languages: []string{"x"}},
		"ratherNotWith": {RatherNotWith: []string{"amal"}},
		"ratherNotKind": {RatherNotKind: "parent"},
	} {
		if errs := bad.Normalize().Validate(); errs[name] == "" {
			t.Errorf("%s not refused: %v", name, errs)
		}
	}
	seen := AboutMe{Note: "private", HardDay: []string{"walk"}, Interests: []string{"music"}, PlacementMaySee: []AboutMeField{AboutMeInterests}}.ForPlacement()
	if seen.Note != "" || len(seen.HardDay) != 0 || len(seen.Interests) != 1 {
		t.Errorf("the placement sees more than allowed: %+v", seen)
	}
	b := RosterBuddy{Capacity: 1, AgeBand: Age13to15}
	bad := 9
	if errs := (RosterBuddyChange{Capacity: &bad}).Apply(&b); errs["capacity"] != "range" || b.Capacity != 1 {
		t.Errorf("capacity 9: %v, %d", errs, b.Capacity)
	}
	away := []DateRange{{From: "2026-03-04", To: "2026-03-06"}}
	if errs := (RosterBuddyChange{Absences: &away}).Apply(&b); errs != nil || len(b.Absences) != 1 || !b.Absences[0].covers(date("2026-03-05")) {
		t.Errorf("absences: %v %+v", errs, b.Absences)
	}
	// The app reads days away as it sends them, so it can send the list back with one more.
	if j, _ := json.Marshal(b); !strings.Contains(string(j), `"absences":[{"from":"2026-03-04","to":"2026-03-06"}]`) {
		t.Errorf("absences as JSON: %s", j)
	}
}

// TestBuddyKPITiles: arrivals with a buddy and weeks reaching seven days are
// shares of moves arrived, rematches of weeks started; the rating's mean is
// published only with enough behind it, and below area level small counts
// are hidden as everywhere.
func TestBuddyKPITiles(t *testing.T) {
	months := []string{"2026-03"}
	bk := func(metric, svc, pt, dim string, n int64) KPIBucket {
		return KPIBucket{Metric: metric, Month: "2026-03", Service: svc, PlacementType: pt, Dim: dim, N: n}
	}
	b := []KPIBucket{
		bk(KPIMetrics.MovesArrived, "social_care", "childrens_home", "", 20), bk(KPIMetrics.MovesArrived, "camhs", "foster", "", 3),
		bk(KPIMetrics.BuddyStarted, "social_care", "childrens_home", "", 16), bk(KPIMetrics.BuddyStarted, "camhs", "foster", "", 2),
		bk(KPIMetrics.BuddySevenDays, "social_care", "childrens_home", "", 14),
		bk(KPIMetrics.BuddyRematched, "social_care", "childrens_home", "", 2),
		bk(KPIMetrics.BuddyRating, "social_care", "childrens_home", "5", 6), bk(KPIMetrics.BuddyRating, "social_care", "childrens_home", "4", 4),
		bk(KPIMetrics.BuddyRating, "social_care", "childrens_home", "2", 2), bk(KPIMetrics.BuddyRating, "camhs", "foster", "1", 1),
	}
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	d := BuildDashboard(KPIFilter{}, months, b, nil, time.UTC, now)
	started := tileOf(t, d, TileBuddyStarted)
	if shown(started.Total.N) != 23 || shown(*started.Total.K) != 18 || *started.Total.Percent != 78 {
		t.Errorf("arrivals with a buddy: %+v", started.Total)
	}
	if seven := tileOf(t, d, TileBuddySevenDays); shown(*seven.Total.K) != 14 || *seven.Total.Percent != 61 {
		t.Errorf("seven days: %+v", seven.Total)
	}
	if re := tileOf(t, d, TileBuddyRematch); shown(re.Total.N) != 18 || *re.Total.Percent != 11 {
		t.Errorf("rematch: %+v", re.Total)
	}
	rating := tileOf(t, d, TileBuddyRating)
	// (6×5 + 4×4 + 2×2 + 1×1) / 13 = 51/13 = 3.9
	if rating.Kind != "rating" || shown(rating.Total.N) != 13 || rating.Total.Mean == nil || *rating.Total.Mean != 3.9 || len(rating.Parts) != 5 {
		t.Errorf("rating: %+v", rating)
	}
	// CAMHS alone: 3 arrivals and one rating are hidden, and so is the mean.
	camhs := BuildDashboard(KPIFilter{Service: "camhs"}, months, b, nil, time.UTC, now)
	if st := tileOf(t, camhs, TileBuddyStarted); !st.Total.N.Suppressed || st.Total.Percent != nil {
		t.Errorf("CAMHS arrivals: %+v", st.Total)
	}
	if r := tileOf(t, camhs, TileBuddyRating); r.Total.Mean != nil || !r.Total.N.Suppressed {
		t.Errorf("CAMHS rating: %+v", r.Total)
	}
}
