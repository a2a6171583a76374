package heard

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// KPI figures: intervals, shares and quantiles, and the published values
// built from them. Pure, like the rest of the KPI arithmetic (kpis.go).

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
