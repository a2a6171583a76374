package heard

import (
	"sort"
	"time"
)

// The dashboard: tiles of published figures built from the month buckets.

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
