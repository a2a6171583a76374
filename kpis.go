package heard

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
	"time"
)

// KPI arithmetic: the figures SPEC.md names, computed from counts the store keeps
// at write time, and the disclosure control that decides what may be published.
// Everything here is pure, so every rule is table-tested without a database.

// KPIMetrics names the counters (see notes/kpi-counters.md). They sit in one
// struct so the names read as heard.KPIMetrics.FFT wherever they are used.
var KPIMetrics = struct {
	Cards, CardsUrgent, CardAck, UrgentWithinLimit, Escalations                                string
	FeedbackRequests, FeedbackAnswers, FeedbackResponses, ESQListened, ESQSerious, HadSay, FFT string
	MovesShared, PreviewEarly, MoveNotice                                                      string
	MovesArrived, BuddyStarted, BuddySevenDays, BuddyRating, BuddyRematched                    string
}{
	// Buddy weeks (KPI 6), counted in the month of the move day: moves arrived,
	// those that arrived with a buddy chosen, weeks that reached BuddyWeekDays
	// with a buddy, ratings by value (dim "1".."5"), and weeks with a rematch.
	MovesArrived: "moves_arrived", BuddyStarted: "buddy_started", BuddySevenDays: "buddy_seven_days",
	BuddyRating: "buddy_rating", BuddyRematched: "buddy_rematched",
	// Preparation for moves, counted in the month of the move day: moves shared
	// with the young person, those whose preview they opened at least
	// PreviewEarlyDays before, and days of notice (shared → move day) by bucket.
	MovesShared: "moves_shared", PreviewEarly: "preview_early", MoveNotice: "move_notice",
	Cards: "cards", CardsUrgent: "cards_urgent", CardAck: "card_ack", UrgentWithinLimit: "urgent_ack_within_limit", Escalations: "escalations",
	FeedbackRequests: "feedback_requests", FeedbackAnswers: "feedback_answers",
	// FeedbackResponses counts answers to requests, by contact kind, on the day the
	// request was made, so that responses/requests for a period is never above 1.
	FeedbackResponses: "feedback_responses",
	ESQListened:       "esq_listened", ESQSerious: "esq_serious", HadSay: "had_say", FFT: "fft",
}

// kpiAckBounds are the card_ack histogram buckets: upper bounds in seconds.
var kpiAckBounds = []string{"60", "120", "300", "600", "900", "1200", "1800", "2700", "3600", "7200", "14400", "28800", "86400", "inf"}

var kpiZones sync.Map

// KPIDay is the counter day (YYYY-MM-DD) of t in an area's time zone (Europe/London
// when the area has none or an unknown one).
func KPIDay(timeZone string, t time.Time) string {
	return t.In(KPILocation(timeZone)).Format(time.DateOnly)
}

// KPILocation is an area's time zone for its figures (Europe/London when the
// area has none or an unknown one).
func KPILocation(timeZone string) *time.Location {
	if timeZone == "" {
		timeZone = "Europe/London"
	}
	loc, ok := kpiZones.Load(timeZone)
	if !ok {
		l, err := time.LoadLocation(timeZone)
		if err != nil {
			l, err = time.LoadLocation("Europe/London")
			if err != nil {
				l = time.UTC
			}
		}
		kpiZones.Store(timeZone, l)
		loc = l
	}
	return loc.(*time.Location)
}

// ParseMonth checks a YYYY-MM month.
func ParseMonth(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01", s)
	return t, err == nil && len(s) == 7
}

// MaxKPIMonths is the longest period a dashboard covers.
const MaxKPIMonths = 36

// MonthsBetween lists the months from..to inclusive (YYYY-MM).
func MonthsBetween(from, to string) ([]string, error) {
	f, ok1 := ParseMonth(from)
	t, ok2 := ParseMonth(to)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("month format")
	}
	if t.Before(f) {
		return nil, fmt.Errorf("from after to")
	}
	var out []string
	for m := f; !m.After(t); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
		if len(out) > MaxKPIMonths {
			return nil, fmt.Errorf("more than %d months", MaxKPIMonths)
		}
	}
	return out, nil
}

// ---- Intervals, shares and quantiles ----

// z95 is the normal quantile for a two-sided 95% interval.
const z95 = 1.959963984540054

// Wilson is the 95% Wilson score interval of a share k/n. It behaves well for
// small n and shares near 0 or 1, where the usual ±1.96·SE interval does not.
func Wilson(k, n int64) (low, high float64) {
	if n <= 0 || k < 0 || k > n {
		return 0, 0
	}
	p, nn, z2 := float64(k)/float64(n), float64(n), z95*z95
	denom := 1 + z2/nn
	centre := (p + z2/(2*nn)) / denom
	half := z95 * math.Sqrt(p*(1-p)/nn+z2/(4*nn*nn)) / denom
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// HistogramQuantile reads a quantile (0 < q ≤ 1) from the card_ack histogram: the
// upper bound of the first bucket where the cumulative share reaches q. It is an
// upper bound on the true quantile, exact to the bucket. ok is false when empty;
// seconds is 0 with infinite true for the open last bucket.
func HistogramQuantile(buckets map[string]int64, q float64) (seconds int64, infinite, ok bool) {
	return quantileOf(kpiAckBounds, buckets, q)
}

// quantileOf reads a quantile from a histogram with these bucket upper bounds.
func quantileOf(bounds []string, buckets map[string]int64, q float64) (upper int64, infinite, ok bool) {
	var total int64
	for _, b := range bounds {
		total += buckets[b]
	}
	if total == 0 {
		return 0, false, false
	}
	var cum int64
	for _, b := range bounds {
		cum += buckets[b]
		if buckets[b] > 0 && float64(cum) >= q*float64(total) {
			if b == "inf" {
				return 0, true, true
			}
			s, _ := strconv.ParseInt(b, 10, 64)
			return s, false, true
		}
	}
	return 0, true, true
}

// ChangeExposure is one young person's key-worker changes in a period and how
// long they had a key worker in it.
type ChangeExposure struct {
	Changes  int64
	Exposure time.Duration
}

// KeyWorkerChangesIn counts, for one young person's key-worker history (any
// order), the changes that started in [from, to) — every assignment after their
// first is a change — and the time in [from, to) from their first assignment to
// the end of their last one (open assignments run to `to`).
func KeyWorkerChangesIn(history []Assignment, from, to time.Time) ChangeExposure {
	if len(history) == 0 || !from.Before(to) {
		return ChangeExposure{}
	}
	h := append([]Assignment(nil), history...)
	sort.Slice(h, func(i, j int) bool { return h[i].Start.Before(h[j].Start) })
	var out ChangeExposure
	for i, a := range h {
		if i > 0 && !a.Start.Before(from) && a.Start.Before(to) {
			out.Changes++
		}
	}
	start := h[0].Start
	end := to
	if last := h[len(h)-1]; last.End != nil {
		end = *last.End
		for _, a := range h {
			if a.End == nil {
				end = to
				break
			}
			if a.End.After(end) {
				end = *a.End
			}
		}
	}
	if start.Before(from) {
		start = from
	}
	if end.After(to) {
		end = to
	}
	if end.After(start) {
		out.Exposure = end.Sub(start)
	}
	return out
}

// kpiYear is the length of a year for rates per person-year.
const kpiYear = 365.25 * 24 * time.Hour

// ---- Disclosure control ----

// Disclosure limits, after NHS Digital practice (SPEC.md "KPIs").
const (
	// SmallCountMax: below whole-area level, counts from 1 to this are hidden.
	SmallCountMax = 7
	// RoundTo: below whole-area level, other counts are rounded to the nearest multiple.
	RoundTo = 5
	// MinDenominator: a share, median or rate needs at least this many behind it.
	MinDenominator = 10
)

// RoundCount rounds to the nearest multiple of RoundTo (halves cannot occur).
func RoundCount(n int64) int64 { return (n + RoundTo/2) / RoundTo * RoundTo }

// Count is a published count. Value is exact at whole-area level and rounded to
// the nearest 5 below it; it is null when the count is suppressed.
type Count struct {
	Value      *int64 `json:"value"`
	Suppressed bool   `json:"suppressed"`
	// raw is the exact count, kept for shares and intervals computed here; it is
	// never published.
	raw int64
}

// Display is the count as a table cell: the value, or "*" when suppressed.
func (c Count) Display() string {
	if c.Suppressed || c.Value == nil {
		return "*"
	}
	return strconv.FormatInt(*c.Value, 10)
}

// Axis is one dimension of a Cube. Each axis has a total coordinate, CubeTotal.
type Axis struct {
	Name   string
	Values []string
	// BelowArea marks organisational axes (service, placement type): a cell with a
	// specific value on any of them is below whole-area level.
	BelowArea bool
	// NotAdditive: the total is not the sum of the values (for example distinct
	// young people over months), so Add does not fill it and no subtraction along
	// this axis is possible.
	NotAdditive bool
}

// CubeTotal is the coordinate of an axis's total.
const CubeTotal = ""

// Cube holds counts over several axes together with every total, and applies
// disclosure control to all of them at once. Publishing from one cube for every
// filter means a hidden cell cannot be recovered by asking for the totals and
// the other cells separately.
type Cube struct {
	axes      []Axis
	index     []map[string]int
	strides   []int
	raw       []int64
	hidden    []bool
	suppressd bool
}

// NewCube makes an empty cube.
func NewCube(axes ...Axis) *Cube {
	c := &Cube{axes: axes, strides: make([]int, len(axes))}
	size := 1
	for i := len(axes) - 1; i >= 0; i-- {
		c.strides[i] = size
		size *= len(axes[i].Values) + 1
	}
	for _, a := range axes {
		m := map[string]int{CubeTotal: len(a.Values)}
		for j, v := range a.Values {
			m[v] = j
		}
		c.index = append(c.index, m)
	}
	c.raw = make([]int64, size)
	c.hidden = make([]bool, size)
	return c
}

func (c *Cube) offset(coords []string) (int, bool) {
	if len(coords) != len(c.axes) {
		return 0, false
	}
	off := 0
	for i, v := range coords {
		j, ok := c.index[i][v]
		if !ok {
			return 0, false
		}
		off += j * c.strides[i]
	}
	return off, true
}

// Add counts n at coords (one value per axis) and in every total above it along
// additive axes. A NotAdditive axis's total is given explicitly by the caller.
// It reports false, adding nothing, when a coordinate is unknown.
func (c *Cube) Add(n int64, coords ...string) bool {
	base, ok := c.offset(coords)
	if !ok {
		return false
	}
	var free []int // additive axes with a specific value: each may be replaced by its total
	for i, v := range coords {
		if v != CubeTotal && !c.axes[i].NotAdditive {
			free = append(free, i)
		}
	}
	for mask := 0; mask < 1<<len(free); mask++ {
		off := base
		for b, i := range free {
			if mask&(1<<b) != 0 {
				off += (len(c.axes[i].Values) - c.index[i][coords[i]]) * c.strides[i]
			}
		}
		c.raw[off] += n
	}
	c.suppressd = false
	return true
}

func (c *Cube) coordsOf(off int) []int {
	out := make([]int, len(c.axes))
	for i := range c.axes {
		out[i] = off / c.strides[i] % (len(c.axes[i].Values) + 1)
	}
	return out
}

func (c *Cube) belowArea(off int) bool {
	for i, j := range c.coordsOf(off) {
		if c.axes[i].BelowArea && j != len(c.axes[i].Values) {
			return true
		}
	}
	return false
}

// suppress applies primary suppression (1–7 below whole-area level) and then
// secondary suppression: along every additive axis, a total and its parts form
// a sum, and a sum with exactly one hidden member would give that member away,
// so one more is hidden — the smallest non-zero part, else the smallest part,
// else the total — until no sum has exactly one hidden member.
func (c *Cube) suppress() {
	if c.suppressd {
		return
	}
	for off := range c.raw {
		c.hidden[off] = c.belowArea(off) && c.raw[off] >= 1 && c.raw[off] <= SmallCountMax
	}
	for changed := true; changed; {
		changed = false
		for i, a := range c.axes {
			if a.NotAdditive || len(a.Values) == 0 {
				continue
			}
			totalJ := len(a.Values)
			for off := range c.raw {
				if off/c.strides[i]%(totalJ+1) != totalJ {
					continue // visit each sum once, from its total
				}
				if c.fixSum(off, i) {
					changed = true
				}
			}
		}
	}
	c.suppressd = true
}

// fixSum looks at the sum whose total is at off along axis i and hides one more
// member if exactly one is hidden.
func (c *Cube) fixSum(total, i int) bool {
	n := len(c.axes[i].Values)
	first := total - n*c.strides[i]
	hiddenCount := 0
	if c.hidden[total] {
		hiddenCount++
	}
	for j := 0; j < n; j++ {
		if c.hidden[first+j*c.strides[i]] {
			hiddenCount++
		}
	}
	if hiddenCount != 1 {
		return false
	}
	pick := -1
	for _, nonZero := range []bool{true, false} {
		for j := 0; j < n; j++ {
			off := first + j*c.strides[i]
			if c.hidden[off] || nonZero && c.raw[off] == 0 {
				continue
			}
			if pick < 0 || c.raw[off] < c.raw[pick] {
				pick = off
			}
		}
		if pick >= 0 {
			break
		}
	}
	if pick < 0 {
		pick = total
	}
	c.hidden[pick] = true
	return true
}

// Cell is the published count at coords (CubeTotal for a total). Unknown
// coordinates give a suppressed zero, so nothing is published by mistake.
func (c *Cube) Cell(coords ...string) Count {
	c.suppress()
	off, ok := c.offset(coords)
	if !ok {
		return Count{Suppressed: true}
	}
	if c.hidden[off] {
		return Count{Suppressed: true, raw: c.raw[off]}
	}
	v := c.raw[off]
	if c.belowArea(off) {
		v = RoundCount(v)
	}
	return Count{Value: &v, raw: c.raw[off]}
}

// ---- Published figures ----

// Figure is one published KPI value with its n.
type Figure struct {
	// Month is YYYY-MM, or empty for the whole period.
	Month string `json:"month,omitempty"`
	// N is what the figure is out of: answers, requests, acknowledged or urgent cards, young people.
	N Count `json:"n"`
	// K is the numerator of a share or rate (nothing for durations).
	K *Count `json:"k,omitempty"`
	// Suppressed: the figure itself is hidden (its numerator is hidden or it has fewer than 10 behind it).
	Suppressed bool `json:"suppressed"`
	// Percent, Low and High are a share and its 95% Wilson interval, in whole percent.
	Percent *int `json:"percent,omitempty"`
	Low     *int `json:"low,omitempty"`
	High    *int `json:"high,omitempty"`
	// MedianSeconds and P90Seconds are bucket upper bounds of time to acknowledge
	// (null with *Over set when the quantile is in the open last bucket, over a day).
	MedianSeconds *int64 `json:"medianSeconds,omitempty"`
	P90Seconds    *int64 `json:"p90Seconds,omitempty"`
	MedianOver    bool   `json:"medianOverADay,omitempty"`
	P90Over       bool   `json:"p90OverADay,omitempty"`
	// Rate is key-worker changes per young person per year, to one decimal.
	Rate *float64 `json:"rate,omitempty"`
	// MedianDays and P90Days are bucket upper bounds of days of notice of a
	// move (null with *Over set past the last bucket, 56 days).
	MedianDays     *int64 `json:"medianDays,omitempty"`
	P90Days        *int64 `json:"p90Days,omitempty"`
	MedianDaysOver bool   `json:"medianOver56Days,omitempty"`
	P90DaysOver    bool   `json:"p90Over56Days,omitempty"`
	// Mean is the mean of ratings 1..5 (the buddy week), to one decimal.
	Mean *float64 `json:"mean,omitempty"`
}

func pct(x float64) *int { v := int(math.Round(100 * x)); return &v }

// ShareFigure publishes k out of n: hidden when k or n is hidden or n is under
// MinDenominator; otherwise the share and its Wilson interval in whole percent
// (whole percent so that a share does not give away the exact counts behind a
// rounded n).
func ShareFigure(month string, k, n Count) Figure {
	f := Figure{Month: month, N: n, K: &k}
	if k.Suppressed || n.Suppressed || n.raw < MinDenominator {
		f.Suppressed = true
		return f
	}
	lo, hi := Wilson(k.raw, n.raw)
	f.Percent, f.Low, f.High = pct(float64(k.raw)/float64(n.raw)), pct(lo), pct(hi)
	return f
}

// DurationFigure publishes the median and 90th percentile time to acknowledge
// from histogram counts, hidden when n is hidden or under MinDenominator.
func DurationFigure(month string, n Count, buckets map[string]int64) Figure {
	f := Figure{Month: month, N: n}
	if n.Suppressed || n.raw < MinDenominator {
		f.Suppressed = true
		return f
	}
	if s, inf, ok := HistogramQuantile(buckets, 0.5); ok {
		f.MedianOver = inf
		if !inf {
			f.MedianSeconds = &s
		}
	}
	if s, inf, ok := HistogramQuantile(buckets, 0.9); ok {
		f.P90Over = inf
		if !inf {
			f.P90Seconds = &s
		}
	}
	return f
}

// PreviewEarlyDays is how many days before the move day a young person must
// have opened the preview for the move to count as prepared (KPI 5).
const PreviewEarlyDays = 3

// kpiNoticeBounds are the move_notice histogram buckets: upper bounds in days.
var kpiNoticeBounds = []string{"0", "1", "2", "3", "5", "7", "10", "14", "21", "28", "42", "56", "inf"}

// NoticeBucket is the move_notice bucket of a notice of days.
func NoticeBucket(days int) string {
	for _, b := range kpiNoticeBounds {
		if n, err := strconv.Atoi(b); err == nil && days <= n {
			return b
		}
	}
	return "inf"
}

// DaysFigure publishes the median and 90th percentile days of notice from
// histogram counts, hidden when n is hidden or under MinDenominator.
func DaysFigure(month string, n Count, buckets map[string]int64) Figure {
	f := Figure{Month: month, N: n}
	if n.Suppressed || n.raw < MinDenominator {
		f.Suppressed = true
		return f
	}
	if d, inf, ok := quantileOf(kpiNoticeBounds, buckets, 0.5); ok {
		f.MedianDaysOver = inf
		if !inf {
			f.MedianDays = &d
		}
	}
	if d, inf, ok := quantileOf(kpiNoticeBounds, buckets, 0.9); ok {
		f.P90DaysOver = inf
		if !inf {
			f.P90Days = &d
		}
	}
	return f
}

// RatingMean is the mean rating (1..5) from counts by rating, to one decimal,
// or nil when n is hidden or under MinDenominator.
func RatingMean(n Count, byRating map[string]int64) *float64 {
	if n.Suppressed || n.raw < MinDenominator {
		return nil
	}
	var sum, total int64
	for i, r := range BuddyRatings {
		sum += int64(i+1) * byRating[r]
		total += byRating[r]
	}
	if total == 0 {
		return nil
	}
	m := math.Round(float64(sum)/float64(total)*10) / 10
	return &m
}

// RateFigure publishes changes per person-year, hidden when the changes or the
// number of young people are hidden or there are fewer than MinDenominator young people.
func RateFigure(month string, changes, people Count, exposure time.Duration) Figure {
	f := Figure{Month: month, N: people, K: &changes}
	if changes.Suppressed || people.Suppressed || people.raw < MinDenominator || exposure <= 0 {
		f.Suppressed = true
		return f
	}
	r := math.Round(float64(changes.raw)/(float64(exposure)/float64(kpiYear))*10) / 10
	f.Rate = &r
	return f
}

// ---- The dashboard ----

// KPIBucket is one counter bucket summed to a month.
type KPIBucket struct {
	Metric        string
	Month         string
	Service       string
	PlacementType string // "" when the young person had no placement
	Dim           string
	N             int64
}

// KPIPerson is one young person's key-worker history, for the consistency KPI.
type KPIPerson struct {
	Service       Service
	PlacementType PlacementType // "" for none
	Assignments   []Assignment
}

// KPIFilter narrows a dashboard. Empty fields mean all; PlacementType "none"
// means young people without a placement.
type KPIFilter struct {
	Service       string
	PlacementType string
}

// NoPlacement is the filter value and axis value for young people without a placement.
const NoPlacement = "none"

// KPI tile ids, in dashboard order.
const (
	TileFeltListened      = "felt_listened"
	TileViewsSerious      = "views_serious"
	TileHadSay            = "had_say"
	TileSatisfaction      = "satisfaction"
	TileResponseRate      = "response_rate"
	TileAckTime           = "ack_time"
	TileUrgentWithinLimit = "urgent_within_limit"
	TileEscalations       = "escalations"
	TileKeyWorkerChanges  = "key_worker_changes"
	TileCardMix           = "card_mix"
	TilePreviewOpened     = "preview_opened"
	TileMoveNotice        = "move_notice"
	TileBuddyStarted      = "buddy_started"
	TileBuddySevenDays    = "buddy_seven_days"
	TileBuddyRating       = "buddy_rating"
	TileBuddyRematch      = "buddy_rematch"
)

// BuddyRatings are the dims of the buddy_rating counter.
var BuddyRatings = []string{"1", "2", "3", "4", "5"}

// Tile is one KPI: its figure for the whole period and one per month.
type Tile struct {
	ID string `json:"id"`
	// Kind is "share", "duration", "rate" or "counts".
	Kind  string   `json:"kind"`
	Total Figure   `json:"total"`
	Trend []Figure `json:"trend"`
	// Parts break a "counts" tile down (by card, by escalation step).
	Parts []TilePart `json:"parts,omitempty"`
}

// TilePart is one line of a counts tile.
type TilePart struct {
	Dim   string  `json:"dim"`
	Total Count   `json:"total"`
	Trend []Count `json:"trend"`
}

// Dashboard is every KPI for a filter and period, after disclosure control.
type Dashboard struct {
	Months []string `json:"months"`
	// Level is "area" (whole area: counts exact) or "below_area" (a service or
	// placement type: small counts hidden, others rounded to the nearest 5).
	Level string `json:"level"`
	Tiles []Tile `json:"tiles"`
}

// escalationSteps are the steps notify counts, always shown in this order.
var kpiEscalationSteps = []string{"duty", "manager", "concerning_duty"}

// BuildDashboard computes every KPI for the months and filter from month buckets
// and key-worker histories. Disclosure control runs over all services and
// placement types at once (not only the filter asked for), so asking for each
// filter in turn gives away nothing more than asking once. now caps exposure for
// the month in progress; loc is the area's time zone.
func BuildDashboard(f KPIFilter, months []string, buckets []KPIBucket, people []KPIPerson, loc *time.Location, now time.Time) Dashboard {
	svcAxis := Axis{Name: "service", BelowArea: true}
	for _, s := range Services {
		svcAxis.Values = append(svcAxis.Values, string(s))
	}
	ptAxis := Axis{Name: "placementType", BelowArea: true, Values: []string{NoPlacement}}
	for _, p := range PlacementTypes {
		ptAxis.Values = append(ptAxis.Values, string(p))
	}
	monthAxis := Axis{Name: "month", Values: months}
	// Buckets from an unknown service count as "other", unknown placement types as none,
	// so that totals are always the sum of their parts.
	ptOf := func(p string) string {
		if !PlacementType(p).Valid() {
			return NoPlacement
		}
		return p
	}
	buckets = append([]KPIBucket(nil), buckets...)
	for i := range buckets {
		if !Service(buckets[i].Service).Valid() {
			buckets[i].Service = string(ServiceOther)
		}
	}
	svc, pt := f.Service, f.PlacementType
	at := func(month string) []string { return []string{month, svc, pt} }

	// series is a cube of one metric, keeping the buckets whose dim passes keep.
	series := func(metric string, keep func(dim string) bool) *Cube {
		c := NewCube(monthAxis, svcAxis, ptAxis)
		for _, b := range buckets {
			if b.Metric == metric && keep(b.Dim) {
				c.Add(b.N, b.Month, b.Service, ptOf(b.PlacementType))
			}
		}
		return c
	}
	all := func(string) bool { return true }
	is := func(dims ...string) func(string) bool {
		return func(d string) bool {
			for _, x := range dims {
				if d == x {
					return true
				}
			}
			return false
		}
	}
	share := func(id string, k, n *Cube) Tile {
		t := Tile{ID: id, Kind: "share", Total: ShareFigure("", k.Cell(at(CubeTotal)...), n.Cell(at(CubeTotal)...))}
		for _, m := range months {
			t.Trend = append(t.Trend, ShareFigure(m, k.Cell(at(m)...), n.Cell(at(m)...)))
		}
		return t
	}
	var tiles []Tile
	for _, it := range []struct{ id, metric, yes string }{
		{TileFeltListened, KPIMetrics.ESQListened, string(ESQYes)},
		{TileViewsSerious, KPIMetrics.ESQSerious, string(ESQYes)},
		{TileHadSay, KPIMetrics.HadSay, string(ESQYes)},
	} {
		tiles = append(tiles, share(it.id, series(it.metric, is(it.yes)), series(it.metric, all)))
	}
	tiles = append(tiles, share(TileSatisfaction, series(KPIMetrics.FFT, is(string(FFTVeryGood), string(FFTGood))), series(KPIMetrics.FFT, all)))
	tiles = append(tiles, share(TileResponseRate, series(KPIMetrics.FeedbackResponses, all), series(KPIMetrics.FeedbackRequests, all)))

	// Time to acknowledge: n is published from its cube; the quantiles come from
	// the exact bucket counts of the cell asked for and show only bucket bounds.
	ackN := series(KPIMetrics.CardAck, all)
	histOf := func(metric, month string) map[string]int64 {
		out := map[string]int64{}
		for _, b := range buckets {
			if b.Metric != metric || month != CubeTotal && b.Month != month ||
				svc != CubeTotal && b.Service != svc || pt != CubeTotal && ptOf(b.PlacementType) != pt {
				continue
			}
			if month == CubeTotal && !contains(months, b.Month) {
				continue
			}
			out[b.Dim] += b.N
		}
		return out
	}
	hist := func(month string) map[string]int64 { return histOf(KPIMetrics.CardAck, month) }
	ack := Tile{ID: TileAckTime, Kind: "duration", Total: DurationFigure("", ackN.Cell(at(CubeTotal)...), hist(CubeTotal))}
	for _, m := range months {
		ack.Trend = append(ack.Trend, DurationFigure(m, ackN.Cell(at(m)...), hist(m)))
	}
	tiles = append(tiles, ack)
	tiles = append(tiles, share(TileUrgentWithinLimit, series(KPIMetrics.UrgentWithinLimit, all), series(KPIMetrics.CardsUrgent, all)))
	tiles = append(tiles, countsTile(TileEscalations, KPIMetrics.Escalations, kpiEscalationSteps, months, buckets, monthAxis, svcAxis, ptAxis, svc, pt, ptOf))
	tiles = append(tiles, keyWorkerTile(months, people, monthAxis, svcAxis, ptAxis, svc, pt, ptOf, loc, now))
	tiles = append(tiles, countsTile(TileCardMix, KPIMetrics.Cards, nil, months, buckets, monthAxis, svcAxis, ptAxis, svc, pt, ptOf))

	// Preparation for moves (KPI 5): the share of moves whose preview was opened
	// at least PreviewEarlyDays before the move day, and days of notice.
	tiles = append(tiles, share(TilePreviewOpened, series(KPIMetrics.PreviewEarly, all), series(KPIMetrics.MovesShared, all)))
	noticeN := series(KPIMetrics.MoveNotice, all)
	notice := Tile{ID: TileMoveNotice, Kind: "days", Total: DaysFigure("", noticeN.Cell(at(CubeTotal)...), histOf(KPIMetrics.MoveNotice, CubeTotal))}
	for _, m := range months {
		notice.Trend = append(notice.Trend, DaysFigure(m, noticeN.Cell(at(m)...), histOf(KPIMetrics.MoveNotice, m)))
	}
	tiles = append(tiles, notice)

	// Buddy weeks (KPI 6): arrivals with a buddy, weeks that reached seven
	// days with a buddy (both of moves arrived), ratings, rematches (of weeks started).
	arrived, started := series(KPIMetrics.MovesArrived, all), series(KPIMetrics.BuddyStarted, all)
	tiles = append(tiles, share(TileBuddyStarted, started, arrived))
	tiles = append(tiles, share(TileBuddySevenDays, series(KPIMetrics.BuddySevenDays, all), arrived))
	rating := countsTile(TileBuddyRating, KPIMetrics.BuddyRating, BuddyRatings, months, buckets, monthAxis, svcAxis, ptAxis, svc, pt, ptOf)
	rating.Kind = "rating"
	rating.Total.Mean = RatingMean(rating.Total.N, histOf(KPIMetrics.BuddyRating, CubeTotal))
	for i, m := range months {
		rating.Trend[i].Mean = RatingMean(rating.Trend[i].N, histOf(KPIMetrics.BuddyRating, m))
	}
	tiles = append(tiles, rating)
	tiles = append(tiles, share(TileBuddyRematch, series(KPIMetrics.BuddyRematched, all), started))

	level := "area"
	if svc != CubeTotal || pt != CubeTotal {
		level = "below_area"
	}
	return Dashboard{Months: months, Level: level, Tiles: tiles}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// countsTile is a tile of counts by one more dimension (card, escalation step):
// the dimension is a fourth additive axis, so its parts and total are protected together.
func countsTile(id, metric string, known []string, months []string, buckets []KPIBucket, monthAxis, svcAxis, ptAxis Axis,
	svc, pt string, ptOf func(string) string) Tile {
	dims := append([]string(nil), known...)
	seen := map[string]bool{}
	for _, d := range dims {
		seen[d] = true
	}
	var extra []string
	for _, b := range buckets {
		if b.Metric == metric && !seen[b.Dim] && b.Dim != CubeTotal {
			seen[b.Dim] = true
			extra = append(extra, b.Dim)
		}
	}
	sort.Strings(extra)
	dims = append(dims, extra...)
	c := NewCube(monthAxis, svcAxis, ptAxis, Axis{Name: "dim", Values: dims})
	for _, b := range buckets {
		if b.Metric == metric {
			c.Add(b.N, b.Month, b.Service, ptOf(b.PlacementType), b.Dim)
		}
	}
	t := Tile{ID: id, Kind: "counts", Total: Figure{N: c.Cell(CubeTotal, svc, pt, CubeTotal)}}
	for _, m := range months {
		t.Trend = append(t.Trend, Figure{Month: m, N: c.Cell(m, svc, pt, CubeTotal)})
	}
	for _, d := range dims {
		p := TilePart{Dim: d, Total: c.Cell(CubeTotal, svc, pt, d)}
		for _, m := range months {
			p.Trend = append(p.Trend, c.Cell(m, svc, pt, d))
		}
		t.Parts = append(t.Parts, p)
	}
	return t
}

// keyWorkerTile is key-worker changes per young person per year. Changes add up
// over months; young people do not (the same person is in many months), so the
// month axis of the people cube is not additive.
func keyWorkerTile(months []string, people []KPIPerson, monthAxis, svcAxis, ptAxis Axis, svc, pt string,
	ptOf func(string) string, loc *time.Location, now time.Time) Tile {
	changes := NewCube(monthAxis, svcAxis, ptAxis)
	peopleAxis := monthAxis
	peopleAxis.NotAdditive = true
	heads := NewCube(peopleAxis, svcAxis, ptAxis)
	exposure := map[string]time.Duration{}
	bounds := func(m string) (time.Time, time.Time) {
		t, _ := ParseMonth(m)
		from := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		to := from.AddDate(0, 1, 0)
		if to.After(now) {
			to = now
		}
		return from, to
	}
	periodFrom, _ := bounds(months[0])
	_, periodTo := bounds(months[len(months)-1])
	for _, p := range people {
		s, ptype := string(p.Service), ptOf(string(p.PlacementType))
		match := (svc == CubeTotal || svc == s) && (pt == CubeTotal || pt == ptype)
		whole := KeyWorkerChangesIn(p.Assignments, periodFrom, periodTo)
		if whole.Exposure <= 0 {
			continue
		}
		heads.Add(1, CubeTotal, s, ptype)
		if match {
			exposure[CubeTotal] += whole.Exposure
		}
		for _, m := range months {
			from, to := bounds(m)
			e := KeyWorkerChangesIn(p.Assignments, from, to)
			if e.Exposure <= 0 && e.Changes == 0 {
				continue
			}
			changes.Add(e.Changes, m, s, ptype)
			if e.Exposure > 0 {
				heads.Add(1, m, s, ptype)
			}
			if match {
				exposure[m] += e.Exposure
			}
		}
	}
	t := Tile{ID: TileKeyWorkerChanges, Kind: "rate",
		Total: RateFigure("", changes.Cell(CubeTotal, svc, pt), heads.Cell(CubeTotal, svc, pt), exposure[CubeTotal])}
	for _, m := range months {
		t.Trend = append(t.Trend, RateFigure(m, changes.Cell(m, svc, pt), heads.Cell(m, svc, pt), exposure[m]))
	}
	return t
}

// ---- The dashboard as commissioners ask for it ----

// KPIReaders are the roles that read area-wide figures.
var KPIReaders = []Role{RoleCommissioner, RoleAdministrator}

// KPIQuery is what a reader asks for: a period of months (YYYY-MM, inclusive)
// and optionally one service and placement type. Empty months mean the last
// 12 months up to this one.
type KPIQuery struct {
	From, To, Service, PlacementType string
}

// Months fills in the default period and checks the query against this month
// (the area's), returning the months it covers or the problems per field.
func (q *KPIQuery) Months(thisMonth string) ([]string, map[string]string) {
	if q.To == "" {
		q.To = thisMonth
	}
	if q.From == "" {
		if t, ok := ParseMonth(q.To); ok {
			q.From = t.AddDate(0, -11, 0).Format("2006-01")
		}
	}
	errs := map[string]string{}
	if _, ok := ParseMonth(q.From); !ok {
		errs["from"] = "month_format"
	}
	if _, ok := ParseMonth(q.To); !ok {
		errs["to"] = "month_format"
	}
	if q.Service != "" && !Service(q.Service).Valid() {
		errs["service"] = "one_of"
	}
	if q.PlacementType != "" && q.PlacementType != NoPlacement && !PlacementType(q.PlacementType).Valid() {
		errs["placementType"] = "one_of"
	}
	if len(errs) > 0 {
		return nil, errs
	}
	months, err := MonthsBetween(q.From, q.To)
	switch {
	case err != nil && q.To < q.From:
		return nil, map[string]string{"from": "after_to"}
	case err != nil:
		return nil, map[string]string{"from": "too_long"}
	case q.To > thisMonth:
		return nil, map[string]string{"to": "in_future"}
	}
	return months, nil
}

// KPIReport is the dashboard of one area for a query, with how each figure is
// worked out and the disclosure control applied.
type KPIReport struct {
	AreaName      string `json:"areaName"`
	From          string `json:"from"`
	To            string `json:"to"`
	Service       string `json:"service"`
	PlacementType string `json:"placementType"`
	Dashboard
	GeneratedAt time.Time         `json:"generatedAt"`
	Definitions map[string]string `json:"definitions"`
	Disclosure  string            `json:"disclosure"`
}

// KPIDefinitions say how each figure is worked out, for people and tools using the API.
var KPIDefinitions = map[string]string{
	TileFeltListened: "Share of answers saying \"yes\" (certainly true) to ESQ item 1, \"I feel that the people who saw me listened to me\". " +
		"Every answer counts in n, including \"not sure\". 95% Wilson interval.",
	TileViewsSerious: "Share of answers saying \"yes\" to \"My views and worries were taken seriously\". Every answer counts in n, including \"not sure\". 95% Wilson interval.",
	TileHadSay:       "Share of answers saying \"yes\" to \"Did you have a say in what happens next?\". Every answer counts in n, including \"not sure\". 95% Wilson interval.",
	TileSatisfaction: "Friends and Family Test: share of answers \"very good\" or \"good\" to \"Overall, how was your experience of our service?\". " +
		"\"Don't know\" answers are included in n (NHS England convention). 95% Wilson interval.",
	TileResponseRate: "Answers to feedback requests made in the period, divided by those requests (n). Answers given without a request are not in this figure.",
	TileAckTime: "Median and 90th percentile time from a card reaching Heard to its first acknowledgement (n: cards acknowledged). Read from a histogram: " +
		"each figure is the upper bound of the histogram bucket where the cumulative share reaches 50% or 90%.",
	TileUrgentWithinLimit: "Share of urgent cards (n) acknowledged within the area's urgent limit. 95% Wilson interval.",
	TileEscalations:       "Escalation steps that fired, by step: to the duty workers, to the team manager, concerning cards after hours to the duty workers.",
	TileKeyWorkerChanges: "Key-worker changes per young person per year: changes that started in the period divided by the person-years in which young people " +
		"had a key worker (n: young people). Each young person counts in their current service and placement type.",
	TileCardMix: "Feeling cards received, by card.",
	TilePreviewOpened: "Preparation for moves: of the moves shared with the young person (counted in the month of the move day; a cancelled move no longer counts), " +
		"the share whose preview the young person opened at least 3 days before the move day.",
	TileBuddyStarted:   "Arrivals with a buddy: of the moves that arrived (counted in the month of the move day), the share with a buddy chosen for their first week. 95% Wilson interval.",
	TileBuddySevenDays: "A buddy for at least 7 days: of the moves that arrived, the share whose buddy week reached its seventh day with a buddy. 95% Wilson interval.",
	TileBuddyRating:    "Buddy-week ratings by the young people (1 to 5), counted when rated, by rating; the mean is shown when at least 10 are behind it.",
	TileBuddyRematch:   "Rematch rate: of the buddy weeks started, the share where the young person's buddy was changed at least once. 95% Wilson interval.",
	TileMoveNotice: "Days of notice: from the day a move was shared with the young person to the move day, counted in the month of the move day; " +
		"median and 90th percentile as upper bounds of buckets (0, 1, 2, 3, 5, 7, 10, 14, 21, 28, 42, 56 days, and more).",
}

// KPIDisclosure explains the disclosure control every report has been through.
const KPIDisclosure = "Disclosure control after NHS Digital practice. Below whole-area level (a service or placement type), counts of 1 to 7 are " +
	"shown as suppressed and other counts are rounded to the nearest 5. A share, median or rate is hidden when its numerator is hidden or " +
	"fewer than 10 are behind it. Further cells are hidden wherever a hidden one could be worked out by subtracting shown cells from a shown " +
	"total, across every service and placement type together. Shares are computed from exact counts and given in whole percent."

// KPIService is reading the area-wide figures.
type KPIService interface {
	// KPIs builds the dashboard of the reader's area for a query (commissioners
	// and administrators only), from counters alone: never an individual's
	// record or words.
	KPIs(ctx context.Context, p Principal, q KPIQuery) (KPIReport, error)
}
