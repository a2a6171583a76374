package heard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestWilson(t *testing.T) {
	// Reference values from published tables of the Wilson score interval.
	cases := []struct {
		k, n     int64
		low, hig float64
	}{
		{0, 10, 0, 0.2775},
		{1, 10, 0.0179, 0.4042},
		{5, 10, 0.2366, 0.7634},
		{10, 10, 0.7225, 1},
		{50, 100, 0.4038, 0.5962},
		{1, 1, 0.2065, 1},
		{0, 0, 0, 0},   // no answers: no interval
		{11, 10, 0, 0}, // impossible counts give nothing rather than nonsense
	}
	for _, c := range cases {
		lo, hi := Wilson(c.k, c.n)
		if math.Abs(lo-c.low) > 0.00005 || math.Abs(hi-c.hig) > 0.00005 {
			t.Errorf("Wilson(%d,%d) = %.4f–%.4f, want %.4f–%.4f", c.k, c.n, lo, hi, c.low, c.hig)
		}
	}
}

func TestRoundCount(t *testing.T) {
	cases := map[int64]int64{0: 0, 8: 10, 9: 10, 10: 10, 12: 10, 13: 15, 22: 20, 23: 25, 1002: 1000}
	for in, want := range cases {
		if got := RoundCount(in); got != want {
			t.Errorf("RoundCount(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestHistogramQuantile(t *testing.T) {
	// The bounds read here are the ones cards count in.
	for i, b := range CardAckBuckets {
		if kpiAckBounds[i] != fmt.Sprint(b) {
			t.Fatalf("bucket %d: %s here, %d in cards", i, kpiAckBounds[i], b)
		}
	}
	if len(kpiAckBounds) != len(CardAckBuckets)+1 || kpiAckBounds[len(kpiAckBounds)-1] != "inf" {
		t.Fatal("the last bucket is inf")
	}
	cases := []struct {
		name     string
		hist     map[string]int64
		q        float64
		seconds  int64
		infinite bool
		ok       bool
	}{
		{"empty", map[string]int64{}, 0.5, 0, false, false},
		{"median exactly at half", map[string]int64{"60": 5, "120": 3, "300": 2}, 0.5, 60, false, true},
		{"p90", map[string]int64{"60": 5, "120": 3, "300": 2}, 0.9, 300, false, true},
		{"median past half", map[string]int64{"60": 4, "120": 3, "300": 3}, 0.5, 120, false, true},
		{"open bucket", map[string]int64{"60": 1, "inf": 9}, 0.5, 0, true, true},
		{"ignores unknown buckets", map[string]int64{"60": 10, "weird": 50}, 0.9, 60, false, true},
	}
	for _, c := range cases {
		s, inf, ok := HistogramQuantile(c.hist, c.q)
		if s != c.seconds || inf != c.infinite || ok != c.ok {
			t.Errorf("%s: got %d %v %v", c.name, s, inf, ok)
		}
	}
}

func TestMonthsBetween(t *testing.T) {
	m, err := MonthsBetween("2025-11", "2026-02")
	if err != nil || fmt.Sprint(m) != "[2025-11 2025-12 2026-01 2026-02]" {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range [][2]string{{"2026-02", "2026-01"}, {"2026-1", "2026-02"}, {"2026-13", "2026-14"}, {"2020-01", "2023-12"}, {"", ""}} {
		if _, err := MonthsBetween(bad[0], bad[1]); err == nil {
			t.Errorf("%v should be refused", bad)
		}
	}
	if d := KPIDay("Europe/London", time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)); d != "2026-07-01" {
		t.Errorf("summer time: %s", d)
	}
	if d := KPIDay("", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)); d != "2026-12-31" {
		t.Errorf("winter: %s", d)
	}
}

func TestKeyWorkerChangesIn(t *testing.T) {
	day := func(m, d int) time.Time { return time.Date(2026, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	end := func(t time.Time) *time.Time { return &t }
	from, to := day(1, 1), day(7, 1) // half a year (181 days)
	cases := []struct {
		name     string
		history  []Assignment
		changes  int64
		exposure time.Duration
	}{
		{"none", nil, 0, 0},
		{"one worker all along", []Assignment{{Start: day(1, 1).AddDate(-1, 0, 0)}}, 0, to.Sub(from)},
		{"two changes in the period", []Assignment{
			{Start: day(1, 1).AddDate(-1, 0, 0), End: end(day(2, 1))}, {Start: day(2, 1), End: end(day(5, 1))}, {Start: day(5, 1)}}, 2, to.Sub(from)},
		{"a change before the period does not count", []Assignment{
			{Start: day(1, 1).AddDate(-1, 0, 0), End: end(day(12, 1).AddDate(-1, 0, 0))}, {Start: day(12, 1).AddDate(-1, 0, 0)}}, 0, to.Sub(from)},
		{"a first worker is not a change", []Assignment{{Start: day(3, 1)}}, 0, to.Sub(day(3, 1))},
		{"order does not matter", []Assignment{{Start: day(4, 1)}, {Start: day(3, 1), End: end(day(4, 1))}}, 1, to.Sub(day(3, 1))},
		{"left services in the period", []Assignment{{Start: day(1, 1).AddDate(-1, 0, 0), End: end(day(4, 1))}}, 0, day(4, 1).Sub(from)},
		{"a change after the period does not count", []Assignment{{Start: day(3, 1), End: end(day(8, 1))}, {Start: day(8, 1)}}, 0, to.Sub(day(3, 1))},
	}
	for _, c := range cases {
		got := KeyWorkerChangesIn(c.history, from, to)
		if got.Changes != c.changes || got.Exposure != c.exposure {
			t.Errorf("%s: got %d changes over %v, want %d over %v", c.name, got.Changes, got.Exposure, c.changes, c.exposure)
		}
	}
}

// shown reads a published count for tests: -1 when suppressed.
func shown(c Count) int64 {
	if c.Suppressed {
		return -1
	}
	return *c.Value
}

func serviceCube() *Cube {
	return NewCube(Axis{Name: "service", BelowArea: true, Values: []string{"camhs", "social_care", "placement", "other"}})
}

func TestPrimarySuppression(t *testing.T) {
	c := NewCube(Axis{Name: "month", Values: []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05"}},
		Axis{Name: "service", BelowArea: true, Values: []string{"camhs", "social_care"}})
	for i, n := range []int64{0, 1, 7, 8, 12} {
		m := fmt.Sprintf("2026-%02d", i+1)
		c.Add(n, m, "camhs")
		c.Add(100, m, "social_care")
	}
	cases := []struct {
		month, service string
		want           int64
	}{
		{"2026-01", "camhs", 0},         // zero is shown
		{"2026-02", "camhs", -1},        // 1 hidden
		{"2026-03", "camhs", -1},        // 7 hidden
		{"2026-04", "camhs", 10},        // 8 rounded to 10
		{"2026-05", "camhs", 10},        // 12 rounded to 10
		{"2026-04", "", 108},            // whole-area level: exact
		{"2026-02", "", 101},            // whole-area level: exact even when it holds a hidden cell...
		{"2026-02", "social_care", -1},  // ...so the other service is hidden too (101 − 100 would give 1 away)
		{"2026-01", "social_care", 100}, // a month with nothing hidden is untouched
		{"", "", 528},                   // the area's period total is exact
		{"2026-05", "social_care", 100}, // rounded (already a multiple of 5)
	}
	for _, cs := range cases {
		if got := shown(c.Cell(cs.month, cs.service)); got != cs.want {
			t.Errorf("%s/%s = %d, want %d", cs.month, cs.service, got, cs.want)
		}
	}
	if !c.Cell("2030-01", "camhs").Suppressed || !c.Cell("2026-01", "school").Suppressed {
		t.Error("unknown coordinates must come out suppressed")
	}
}

// The subtraction case: one hidden service next to a shown total would be the
// total minus the others, so a second service is hidden.
func TestSecondarySuppressionSubtraction(t *testing.T) {
	cases := []struct {
		name   string
		counts map[string]int64
		want   map[string]int64 // -1: suppressed
	}{
		{"one small cell: the next smallest non-zero goes too",
			map[string]int64{"camhs": 20, "social_care": 3, "placement": 10, "other": 12},
			map[string]int64{"camhs": 20, "social_care": -1, "placement": -1, "other": 10, "": 45}},
		{"zeros are left alone while a non-zero cell can be hidden",
			map[string]int64{"camhs": 30, "social_care": 5, "placement": 0, "other": 0},
			map[string]int64{"camhs": -1, "social_care": -1, "placement": 0, "other": 0, "": 35}},
		{"two small cells already protect each other",
			map[string]int64{"camhs": 30, "social_care": 5, "placement": 2, "other": 9},
			map[string]int64{"camhs": 30, "social_care": -1, "placement": -1, "other": 10, "": 46}},
		{"only a zero is left to hide",
			map[string]int64{"camhs": 4},
			map[string]int64{"camhs": -1, "social_care": -1, "placement": 0, "other": 0, "": 4}},
		{"nothing small: nothing hidden",
			map[string]int64{"camhs": 8, "social_care": 9, "placement": 0, "other": 40},
			map[string]int64{"camhs": 10, "social_care": 10, "placement": 0, "other": 40, "": 57}},
	}
	for _, cs := range cases {
		c := serviceCube()
		for s, n := range cs.counts {
			c.Add(n, s)
		}
		for s, want := range cs.want {
			if got := shown(c.Cell(s)); got != want {
				t.Errorf("%s: %q = %d, want %d", cs.name, s, got, want)
			}
		}
		assertNoLoneHidden(t, cs.name, c)
	}
}

// A hidden month in a service's row must not be the row's period total minus its
// other months, and the hiding spreads to the columns it touches.
func TestSecondarySuppressionAcrossMonthsAndServices(t *testing.T) {
	c := NewCube(Axis{Name: "month", Values: []string{"2026-01", "2026-02", "2026-03"}},
		Axis{Name: "service", BelowArea: true, Values: []string{"camhs", "social_care"}})
	c.Add(20, "2026-01", "camhs")
	c.Add(3, "2026-02", "camhs")
	c.Add(30, "2026-03", "camhs")
	c.Add(40, "2026-01", "social_care")
	c.Add(50, "2026-02", "social_care")
	c.Add(60, "2026-03", "social_care")
	if shown(c.Cell("2026-02", "camhs")) != -1 {
		t.Fatal("3 must be hidden")
	}
	// camhs over the period (shown) minus its other months would give February.
	if shown(c.Cell("2026-01", "camhs")) != -1 && shown(c.Cell("", "camhs")) != -1 {
		t.Error("January (the next smallest) or the camhs total must be hidden as well")
	}
	// February's area total is exact, so social care in February must be hidden.
	if shown(c.Cell("2026-02", "social_care")) != -1 {
		t.Error("social care in February must be hidden")
	}
	assertNoLoneHidden(t, "months×services", c)
}

// assertNoLoneHidden checks every sum of the cube: a total and its parts along
// an additive axis must never have exactly one hidden member, because that member
// would be the total minus the shown parts (or the parts' sum).
func assertNoLoneHidden(t *testing.T, name string, c *Cube) {
	t.Helper()
	c.suppress()
	for i, a := range c.axes {
		if a.NotAdditive {
			continue
		}
		n := len(a.Values)
		for off := range c.raw {
			if off/c.strides[i]%(n+1) != n {
				continue
			}
			hidden := 0
			for j := 0; j <= n; j++ {
				if c.hidden[off-(n-j)*c.strides[i]] {
					hidden++
				}
			}
			if hidden == 1 {
				t.Errorf("%s: a sum along %s (cell %v) has exactly one hidden member", name, a.Name, c.coordsOf(off))
			}
		}
	}
}

// Random tables of small counts: whatever the data, no sum is left with exactly
// one hidden member, small counts below area level are always hidden, and shown
// counts below area level are multiples of 5.
func TestSuppressionRandomTables(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	months := []string{"2026-01", "2026-02", "2026-03", "2026-04"}
	services := []string{"camhs", "social_care", "placement", "other"}
	types := []string{"none", "foster", "childrens_home"}
	cards := []string{"happy", "sad", "worried"}
	for round := 0; round < 300; round++ {
		c := NewCube(Axis{Name: "month", Values: months}, Axis{Name: "service", BelowArea: true, Values: services},
			Axis{Name: "placementType", BelowArea: true, Values: types}, Axis{Name: "card", Values: cards})
		raw := map[[4]string]int64{}
		for _, m := range months {
			for _, s := range services {
				for _, p := range types {
					for _, k := range cards {
						n := int64(0)
						if r.IntN(3) > 0 {
							n = int64(r.IntN(25))
						}
						c.Add(n, m, s, p, k)
						raw[[4]string{m, s, p, k}] = n
					}
				}
			}
		}
		name := fmt.Sprintf("round %d", round)
		assertNoLoneHidden(t, name, c)
		for key, n := range raw {
			got := c.Cell(key[0], key[1], key[2], key[3])
			if n >= 1 && n <= SmallCountMax && !got.Suppressed {
				t.Fatalf("%s: %v = %d shown", name, key, n)
			}
			if !got.Suppressed && *got.Value%RoundTo != 0 {
				t.Fatalf("%s: %v shown unrounded as %d", name, key, *got.Value)
			}
		}
		if t.Failed() {
			return
		}
	}
}

func TestNotAdditiveAxis(t *testing.T) {
	// Distinct young people: 12 in the period, 9 in each month; the period total is
	// not the sum of the months, so a hidden month cannot be worked out from it.
	c := NewCube(Axis{Name: "month", Values: []string{"2026-01", "2026-02"}, NotAdditive: true},
		Axis{Name: "service", BelowArea: true, Values: []string{"camhs", "social_care"}})
	c.Add(12, CubeTotal, "camhs")
	c.Add(9, "2026-01", "camhs")
	c.Add(5, "2026-02", "camhs")
	c.Add(20, CubeTotal, "social_care")
	c.Add(20, "2026-01", "social_care")
	c.Add(20, "2026-02", "social_care")
	if got := shown(c.Cell("", "camhs")); got != 10 {
		t.Errorf("period camhs = %d", got)
	}
	if got := shown(c.Cell("2026-01", "camhs")); got != 10 {
		t.Errorf("January camhs = %d (no subtraction along a non-additive axis)", got)
	}
	if got := shown(c.Cell("", "")); got != 32 {
		t.Errorf("period area total = %d", got)
	}
	if shown(c.Cell("2026-02", "camhs")) != -1 || shown(c.Cell("2026-02", "social_care")) != -1 {
		t.Error("February: camhs hidden, and social care with it (February's area total is shown)")
	}
}

func count(raw int64, below bool) Count {
	v := raw
	if below {
		v = RoundCount(raw)
	}
	return Count{Value: &v, raw: raw}
}

func TestShareFigure(t *testing.T) {
	hidden := Count{Suppressed: true, raw: 3}
	cases := []struct {
		name           string
		k, n           Count
		suppressed     bool
		pct, low, high int
	}{
		{"7 of 10", count(7, false), count(10, false), false, 70, 40, 89},
		{"n under 10 is hidden even at area level", count(7, false), count(9, false), true, 0, 0, 0},
		{"hidden numerator", hidden, count(40, true), true, 0, 0, 0},
		{"hidden denominator", count(20, true), Count{Suppressed: true, raw: 40}, true, 0, 0, 0},
		{"computed from exact counts, not rounded ones", count(12, true), count(23, true), false, 52, 33, 71},
		{"all", count(10, false), count(10, false), false, 100, 72, 100},
	}
	for _, c := range cases {
		f := ShareFigure("", c.k, c.n)
		if f.Suppressed != c.suppressed {
			t.Errorf("%s: suppressed = %v", c.name, f.Suppressed)
			continue
		}
		if c.suppressed {
			if f.Percent != nil || f.Low != nil || f.High != nil {
				t.Errorf("%s: a hidden share must carry no numbers", c.name)
			}
			continue
		}
		if *f.Percent != c.pct || *f.Low != c.low || *f.High != c.high {
			t.Errorf("%s: %d%% (%d–%d), want %d%% (%d–%d)", c.name, *f.Percent, *f.Low, *f.High, c.pct, c.low, c.high)
		}
	}
}

func TestDurationAndRateFigures(t *testing.T) {
	hist := map[string]int64{"60": 4, "300": 4, "3600": 1, "inf": 1}
	f := DurationFigure("", count(10, false), hist)
	if f.Suppressed || *f.MedianSeconds != 300 || f.P90Seconds == nil || *f.P90Seconds != 3600 {
		t.Errorf("duration: %+v", f)
	}
	if f := DurationFigure("", count(9, false), hist); !f.Suppressed || f.MedianSeconds != nil {
		t.Error("a median of fewer than 10 acknowledgements is hidden")
	}
	if f := DurationFigure("", count(10, false), map[string]int64{"60": 1, "inf": 9}); !f.MedianOver || f.MedianSeconds != nil {
		t.Errorf("median in the open bucket: %+v", f)
	}
	year := time.Duration(kpiYear)
	cases := []struct {
		name            string
		changes, people Count
		exposure        time.Duration
		rate            float64
		suppressed      bool
	}{
		{"35 changes over 10 person-years", count(35, false), count(10, false), 10 * year, 3.5, false},
		{"half a year", count(10, false), count(20, false), 10 * year, 1.0, false},
		{"fewer than 10 young people", count(10, false), count(9, false), 9 * year, 0, true},
		{"hidden changes", Count{Suppressed: true, raw: 2}, count(20, true), 20 * year, 0, true},
		{"no exposure", count(0, false), count(10, false), 0, 0, true},
	}
	for _, c := range cases {
		f := RateFigure("", c.changes, c.people, c.exposure)
		if f.Suppressed != c.suppressed || !c.suppressed && *f.Rate != c.rate {
			t.Errorf("%s: %+v", c.name, f)
		}
	}
}

// ---- The dashboard ----

func tileOf(t *testing.T, d Dashboard, id string) Tile {
	t.Helper()
	for _, tl := range d.Tiles {
		if tl.ID == id {
			return tl
		}
	}
	t.Fatalf("no tile %s", id)
	return Tile{}
}

func answerBuckets(month, service, placement string, listened map[string]int64) []KPIBucket {
	var out []KPIBucket
	for dim, n := range listened {
		out = append(out, KPIBucket{Metric: KPIMetrics.ESQListened, Month: month, Service: service, PlacementType: placement, Dim: dim, N: n})
	}
	return out
}

func TestBuildDashboardShares(t *testing.T) {
	months := []string{"2026-10", "2026-11"}
	var b []KPIBucket
	b = append(b, answerBuckets("2026-10", "camhs", "", map[string]int64{"yes": 30, "a_bit": 5, "no": 3, "not_sure": 2})...)
	b = append(b, answerBuckets("2026-11", "camhs", "foster", map[string]int64{"yes": 8, "no": 4})...)
	b = append(b, answerBuckets("2026-11", "social_care", "", map[string]int64{"yes": 2, "no": 1})...)
	b = append(b,
		KPIBucket{Metric: KPIMetrics.FFT, Month: "2026-10", Service: "camhs", Dim: "very_good", N: 10},
		KPIBucket{Metric: KPIMetrics.FFT, Month: "2026-10", Service: "camhs", Dim: "good", N: 10},
		KPIBucket{Metric: KPIMetrics.FFT, Month: "2026-10", Service: "camhs", Dim: "dont_know", N: 20},
		KPIBucket{Metric: KPIMetrics.FeedbackRequests, Month: "2026-10", Service: "camhs", Dim: "meeting", N: 60},
		KPIBucket{Metric: KPIMetrics.FeedbackResponses, Month: "2026-10", Service: "camhs", Dim: "meeting", N: 40},
	)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	d := BuildDashboard(KPIFilter{}, months, b, nil, time.UTC, now)
	if d.Level != "area" {
		t.Errorf("level %s", d.Level)
	}
	fl := tileOf(t, d, TileFeltListened)
	// 40 yes of 55 answers, "not sure" counted in the denominator.
	if fl.Total.Suppressed || *fl.Total.Percent != 73 || shown(fl.Total.N) != 55 || shown(*fl.Total.K) != 40 {
		t.Errorf("felt listened, whole area: %+v n=%d", fl.Total, shown(fl.Total.N))
	}
	if shown(fl.Trend[1].N) != 15 || *fl.Trend[1].Percent != 67 {
		t.Errorf("November at area level: n=%d", shown(fl.Trend[1].N))
	}
	sat := tileOf(t, d, TileSatisfaction)
	// Friends and Family Test: "don't know" is in the denominator (NHS convention).
	if *sat.Total.Percent != 50 || shown(sat.Total.N) != 40 {
		t.Errorf("satisfaction: %d%% of %d", *sat.Total.Percent, shown(sat.Total.N))
	}
	rr := tileOf(t, d, TileResponseRate)
	if *rr.Total.Percent != 67 || shown(rr.Total.N) != 60 {
		t.Errorf("response rate: %+v", rr.Total)
	}
	if !tileOf(t, d, TileAckTime).Total.Suppressed || !tileOf(t, d, TileUrgentWithinLimit).Total.Suppressed {
		t.Error("figures with no data are suppressed, not zero")
	}

	// Social care in November: 3 answers, hidden; and so is the share.
	sc := BuildDashboard(KPIFilter{Service: "social_care"}, months, b, nil, time.UTC, now)
	fl = tileOf(t, sc, TileFeltListened)
	if sc.Level != "below_area" || !fl.Trend[1].N.Suppressed || !fl.Trend[1].Suppressed || fl.Trend[1].Percent != nil {
		t.Errorf("social care November: %+v", fl.Trend[1])
	}
	// CAMHS in November is 12 answers, but social care's 3 beside November's exact
	// area total (15) would give it away, so CAMHS November is hidden too.
	camhs := BuildDashboard(KPIFilter{Service: "camhs"}, months, b, nil, time.UTC, now)
	if n := tileOf(t, camhs, TileFeltListened).Trend[1].N; !n.Suppressed {
		t.Errorf("CAMHS November should be hidden by secondary suppression, shown as %d", shown(n))
	}
	// CAMHS in October (40 answers) is shown, rounded.
	if n := tileOf(t, camhs, TileFeltListened).Trend[0].N; shown(n) != 40 {
		t.Errorf("CAMHS October n = %d", shown(n))
	}
}

// Every filter a commissioner can ask for, put side by side, must not let a
// hidden cell be worked out: for each month (and the period), the service cells
// must not have exactly one hidden next to a shown total; the same along months.
func TestBuildDashboardAcrossFilters(t *testing.T) {
	months := []string{"2026-09", "2026-10", "2026-11"}
	r := rand.New(rand.NewPCG(7, 9))
	var b []KPIBucket
	placements := []string{"", "foster", "childrens_home"}
	for _, m := range months {
		for _, s := range Services {
			for _, p := range placements {
				for _, dim := range []string{"yes", "a_bit", "no"} {
					if n := int64(r.IntN(9)); n > 0 {
						b = append(b, KPIBucket{Metric: KPIMetrics.ESQListened, Month: m, Service: string(s), PlacementType: p, Dim: dim, N: n})
					}
				}
				for _, card := range []string{"happy", "worried"} {
					if n := int64(r.IntN(12)); n > 0 {
						b = append(b, KPIBucket{Metric: KPIMetrics.Cards, Month: m, Service: string(s), PlacementType: p, Dim: card, N: n})
					}
				}
			}
		}
	}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	svcs := []string{""}
	for _, s := range Services {
		svcs = append(svcs, string(s))
	}
	pts := []string{"", NoPlacement, "foster", "childrens_home", "supported_lodgings", "inpatient"}
	type key struct{ tile, month, svc, pt, dim string }
	published := map[key]Count{}
	for _, s := range svcs {
		for _, p := range pts {
			d := BuildDashboard(KPIFilter{Service: s, PlacementType: p}, months, b, nil, time.UTC, now)
			for _, tl := range d.Tiles {
				if tl.ID != TileFeltListened && tl.ID != TileCardMix {
					continue
				}
				published[key{tl.ID, "", s, p, ""}] = tl.Total.N
				for i, f := range tl.Trend {
					published[key{tl.ID, months[i], s, p, ""}] = f.N
				}
				for _, part := range tl.Parts {
					published[key{tl.ID, "", s, p, part.Dim}] = part.Total
					for i, c := range part.Trend {
						published[key{tl.ID, months[i], s, p, part.Dim}] = c
					}
				}
			}
		}
	}
	lone := func(total Count, parts []Count) bool {
		hidden := 0
		if total.Suppressed {
			hidden++
		}
		for _, p := range parts {
			if p.Suppressed {
				hidden++
			}
		}
		return hidden == 1
	}
	allMonths := append([]string{""}, months...)
	for _, tile := range []string{TileFeltListened, TileCardMix} {
		dims := []string{""}
		if tile == TileCardMix {
			dims = []string{"", "happy", "worried"}
		}
		for _, dim := range dims {
			for _, m := range allMonths {
				for _, p := range pts {
					var parts []Count
					for _, s := range svcs[1:] {
						parts = append(parts, published[key{tile, m, s, p, dim}])
					}
					if lone(published[key{tile, m, "", p, dim}], parts) {
						t.Errorf("%s %s %s %q: services have one hidden cell beside a shown total", tile, m, p, dim)
					}
				}
				for _, s := range svcs {
					var parts []Count
					for _, p := range pts[1:] {
						parts = append(parts, published[key{tile, m, s, p, dim}])
					}
					if lone(published[key{tile, m, s, "", dim}], parts) {
						t.Errorf("%s %s %s %q: placement types have one hidden cell beside a shown total", tile, m, s, dim)
					}
				}
			}
			for _, s := range svcs {
				for _, p := range pts {
					var parts []Count
					for _, m := range months {
						parts = append(parts, published[key{tile, m, s, p, dim}])
					}
					if lone(published[key{tile, "", s, p, dim}], parts) {
						t.Errorf("%s %s %s %q: months have one hidden cell beside a shown period total", tile, s, p, dim)
					}
				}
			}
		}
	}
	// And some cells really were hidden, so the test checked something.
	hidden := 0
	for _, c := range published {
		if c.Suppressed {
			hidden++
		}
	}
	if hidden == 0 {
		t.Fatal("expected some hidden cells")
	}
}

func TestBuildDashboardCardsAndKeyWorkers(t *testing.T) {
	months := []string{"2026-01", "2026-02"}
	b := []KPIBucket{
		{Metric: KPIMetrics.Cards, Month: "2026-01", Service: "camhs", Dim: "worried", N: 12},
		{Metric: KPIMetrics.Cards, Month: "2026-01", Service: "camhs", Dim: "happy", N: 30},
		{Metric: KPIMetrics.Cards, Month: "2026-02", Service: "camhs", Dim: "happy", N: 9},
		{Metric: KPIMetrics.Escalations, Month: "2026-01", Service: "camhs", Dim: "duty", N: 2},
		{Metric: KPIMetrics.CardAck, Month: "2026-01", Service: "camhs", Dim: "60", N: 6},
		{Metric: KPIMetrics.CardAck, Month: "2026-01", Service: "camhs", Dim: "900", N: 4},
		{Metric: KPIMetrics.CardsUrgent, Month: "2026-01", Service: "camhs", N: 10},
		{Metric: KPIMetrics.UrgentWithinLimit, Month: "2026-01", Service: "camhs", N: 9},
	}
	loc := time.UTC
	var people []KPIPerson
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, loc)
	for i := 0; i < 12; i++ {
		h := []Assignment{{Start: start}}
		if i < 6 { // six changes in mid-January
			end := time.Date(2026, 1, 15, 0, 0, 0, 0, loc)
			h[0].End = &end
			h = append(h, Assignment{Start: end})
		}
		people = append(people, KPIPerson{Service: ServiceCAMHS, Assignments: h})
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	d := BuildDashboard(KPIFilter{}, months, b, people, loc, now)
	mix := tileOf(t, d, TileCardMix)
	if shown(mix.Total.N) != 51 || len(mix.Parts) != 2 || mix.Parts[0].Dim != "happy" || shown(mix.Parts[0].Total) != 39 || shown(mix.Parts[1].Trend[0]) != 12 {
		t.Errorf("card mix: %+v", mix)
	}
	esc := tileOf(t, d, TileEscalations)
	if len(esc.Parts) != 3 || esc.Parts[0].Dim != "duty" || shown(esc.Parts[0].Total) != 2 || shown(esc.Parts[1].Total) != 0 {
		t.Errorf("escalations: %+v", esc.Parts)
	}
	ack := tileOf(t, d, TileAckTime)
	if ack.Total.Suppressed || *ack.Total.MedianSeconds != 60 || *ack.Total.P90Seconds != 900 {
		t.Errorf("ack: %+v", ack.Total)
	}
	urgent := tileOf(t, d, TileUrgentWithinLimit)
	if *urgent.Total.Percent != 90 || shown(urgent.Total.N) != 10 {
		t.Errorf("urgent: %+v", urgent.Total)
	}
	kw := tileOf(t, d, TileKeyWorkerChanges)
	// 6 changes over 12 young people for 59 days: 6 / (12 × 59/365.25) ≈ 3.1 a year.
	if kw.Total.Suppressed || *kw.Total.Rate != 3.1 || shown(kw.Total.N) != 12 {
		t.Errorf("key-worker changes: %+v", kw.Total)
	}
	if *kw.Trend[1].Rate != 0 || shown(*kw.Trend[0].K) != 6 {
		t.Errorf("trend: %+v", kw.Trend)
	}
	// Below area level: 6 changes is a small count, so the rate is hidden.
	camhs := BuildDashboard(KPIFilter{Service: "camhs"}, months, b, people, loc, now)
	if f := tileOf(t, camhs, TileKeyWorkerChanges).Total; !f.Suppressed || f.Rate != nil {
		t.Errorf("CAMHS rate with 6 changes should be hidden: %+v", f)
	}
	// Every acknowledgement was CAMHS, so nothing is hidden and the median stands.
	if f := tileOf(t, camhs, TileAckTime).Total; f.Suppressed || shown(f.N) != 10 || *f.MedianSeconds != 60 {
		t.Errorf("CAMHS time to acknowledge: %+v", f)
	}
}

func TestKPIQueryMonths(t *testing.T) {
	const thisMonth = "2026-11"
	for _, tc := range []struct {
		q          KPIQuery
		from, to   string
		months     int
		wantFields map[string]string
	}{
		{KPIQuery{}, "2025-12", "2026-11", 12, nil},
		{KPIQuery{To: "2026-06"}, "2025-07", "2026-06", 12, nil},
		{KPIQuery{From: "2026-11", To: "2026-11", Service: "camhs", PlacementType: "none"}, "2026-11", "2026-11", 1, nil},
		{KPIQuery{From: "2023-12", To: "2026-11"}, "2023-12", "2026-11", 36, nil},
		{KPIQuery{From: "2026-13"}, "", "", 0, map[string]string{"from": "month_format"}},
		{KPIQuery{From: "2026-1", To: "2026-11"}, "", "", 0, map[string]string{"from": "month_format"}},
		{KPIQuery{To: "november"}, "", "", 0, map[string]string{"from": "month_format", "to": "month_format"}},
		{KPIQuery{From: "2026-10", To: "2026-09"}, "", "", 0, map[string]string{"from": "after_to"}},
		{KPIQuery{From: "2023-01", To: "2026-11"}, "", "", 0, map[string]string{"from": "too_long"}},
		{KPIQuery{To: "2026-12"}, "", "", 0, map[string]string{"to": "in_future"}},
		{KPIQuery{Service: "school", PlacementType: "castle"}, "", "", 0, map[string]string{"service": "one_of", "placementType": "one_of"}},
	} {
		q := tc.q
		months, errs := q.Months(thisMonth)
		if len(errs) != len(tc.wantFields) {
			t.Errorf("%+v: problems %v, want %v", tc.q, errs, tc.wantFields)
			continue
		}
		for k, v := range tc.wantFields {
			if errs[k] != v {
				t.Errorf("%+v: problems %v, want %v", tc.q, errs, tc.wantFields)
			}
		}
		if tc.wantFields == nil && (q.From != tc.from || q.To != tc.to || len(months) != tc.months || months[len(months)-1] != q.To) {
			t.Errorf("%+v: %s to %s, %d months", tc.q, q.From, q.To, len(months))
		}
	}
}

func TestKPILocation(t *testing.T) {
	for tz, want := range map[string]string{"": "Europe/London", "Mars/Olympus": "Europe/London", "Asia/Kabul": "Asia/Kabul"} {
		if got := KPILocation(tz).String(); got != want {
			t.Errorf("KPILocation(%q) = %s, want %s", tz, got, want)
		}
	}
	if got := KPIDay("Asia/Kabul", time.Date(2026, 11, 2, 22, 0, 0, 0, time.UTC)); got != "2026-11-03" {
		t.Fatalf("day in Kabul: %s", got)
	}
}
