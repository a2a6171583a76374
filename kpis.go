package heard

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// KPI arithmetic: the figures SPEC.md names, computed from counts the store keeps
// at write time (kpis_figures.go), the disclosure control that decides what may
// be published (kpis_disclosure.go) and the dashboard built from them
// (kpis_dashboard.go). Everything is pure, so every rule is table-tested
// without a database.

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
