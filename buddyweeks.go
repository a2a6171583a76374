package heard

import (
	"slices"
	"strings"
	"time"
)

// The buddy week: from the move day a newcomer has a buddy for at least
// BuddyWeekDays; each evening they are asked how the day was, each morning
// staff hear of a low answer or a day without contact, and at the end they
// rate the week.

// BuddyWeekStatus is where a buddy week is.
type BuddyWeekStatus string

const (
	BuddyWeekProposed  BuddyWeekStatus = "proposed"
	BuddyWeekConfirmed BuddyWeekStatus = "confirmed"
	BuddyWeekActive    BuddyWeekStatus = "active"
	BuddyWeekEnded     BuddyWeekStatus = "ended"
	BuddyWeekRated     BuddyWeekStatus = "rated"
)

// Buddy flag reasons: why staff were told in the morning.
const (
	BuddyFlagLowCheckin = "low_checkin"
	BuddyFlagNoContact  = "no_contact"
)

// BuddyLowRating is the highest check-in rating that tells staff.
const BuddyLowRating = 2

// Buddy request kinds.
const (
	BuddyAskDifferent = "different"
	BuddyAskLonger    = "longer"
)

// BuddyCheckin is one evening's answer.
type BuddyCheckin struct {
	Day    string    `json:"day"`
	Rating int       `json:"rating"`
	Words  string    `json:"words,omitempty"`
	Shared bool      `json:"shared"`
	At     time.Time `json:"at"`
}

// BuddyFlag is a morning's note to staff about a day.
type BuddyFlag struct {
	Day    string `json:"day"`
	Reason string `json:"reason"`
}

// BuddyRequest is the young person asking for a different buddy or to keep theirs longer.
type BuddyRequest struct {
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	Words   string    `json:"words,omitempty"`
	Handled bool      `json:"handled"`
}

// BuddyRating is the young person's rating of the week.
type BuddyRating struct {
	Rating int       `json:"rating"`
	Words  string    `json:"words,omitempty"`
	At     time.Time `json:"at"`
}

// BuddyWeekRecord is a buddy week as kept: one per move, made when a buddy is
// first chosen, its id made from the move's.
type BuddyWeekRecord struct {
	ID            string         `json:"id"`
	AreaID        string         `json:"-"`
	MoveID        string         `json:"moveId"`
	YoungPersonID string         `json:"youngPersonId"`
	PlacementID   string         `json:"placementId"`
	From          time.Time      `json:"from"`
	Last          time.Time      `json:"last"`
	BuddyID       string         `json:"buddyId"`
	PastBuddyIDs  []string       `json:"pastBuddyIds"`
	ChosenBy      string         `json:"chosenBy"`
	ChosenAt      time.Time      `json:"chosenAt"`
	Arrived       bool           `json:"arrived"`
	Checkins      []BuddyCheckin `json:"checkins"`
	Contacts      []string       `json:"contacts"`
	Flags         []BuddyFlag    `json:"flags"`
	Requests      []BuddyRequest `json:"requests"`
	Rating        *BuddyRating   `json:"rating"`
	// Counted names the KPI events already counted for the week, so a count
	// is never repeated once its event has been folded away.
	Counted []string `json:"-"`
}

// BuddyWeekID is the id of the buddy week of a move.
func BuddyWeekID(moveID string) string { return idFrom("buddy-week/" + moveID) }

// NewBuddyWeek starts the record of a move's week with its first buddy.
func NewBuddyWeek(m Move, buddyID, chosenBy string, now time.Time) BuddyWeekRecord {
	from := dayOf(m.Date)
	return BuddyWeekRecord{ID: BuddyWeekID(m.ID), AreaID: m.AreaID, MoveID: m.ID, YoungPersonID: m.YoungPersonID, PlacementID: m.PlacementID,
		From: from, Last: from.AddDate(0, 0, BuddyWeekDays-1), BuddyID: buddyID, PastBuddyIDs: []string{}, ChosenBy: chosenBy, ChosenAt: now,
		Arrived: m.Status == MoveArrived, Checkins: []BuddyCheckin{}, Contacts: []string{}, Flags: []BuddyFlag{}, Requests: []BuddyRequest{}}
}

// Week is the record as a BuddyWeek, for matching.
func (w BuddyWeekRecord) Week() BuddyWeek {
	return BuddyWeek{BuddyID: w.BuddyID, YoungPersonID: w.YoungPersonID, From: w.From, Last: w.Last}
}

// Status is where the week is on the area's day today.
func (w BuddyWeekRecord) Status(today time.Time) BuddyWeekStatus {
	switch {
	case w.Rating != nil:
		return BuddyWeekRated
	case w.BuddyID == "":
		return BuddyWeekProposed
	case today.Before(w.From):
		return BuddyWeekConfirmed
	case !today.After(w.Last):
		return BuddyWeekActive
	}
	return BuddyWeekEnded
}

// Ended reports whether the week's last day is over on the area's day today.
func (w BuddyWeekRecord) Ended(today time.Time) bool { return today.After(w.Last) }

// DayNumber is the day of the week today (1 on the move day), 0 before it.
func (w BuddyWeekRecord) DayNumber(today time.Time) int {
	if today.Before(w.From) {
		return 0
	}
	return int(today.Sub(w.From).Hours()/24) + 1
}

// Days lists the week's days, YYYY-MM-DD, first to last.
func (w BuddyWeekRecord) Days() []string {
	var out []string
	for d := w.From; !d.After(w.Last); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// HasDay reports whether day (YYYY-MM-DD) is one of the week's days.
func (w BuddyWeekRecord) HasDay(day string) bool {
	d, err := time.Parse(time.DateOnly, day)
	return err == nil && !d.Before(w.From) && !d.After(w.Last)
}

// Checkin is the answer for day, if any.
func (w BuddyWeekRecord) Checkin(day string) (BuddyCheckin, bool) {
	i := slices.IndexFunc(w.Checkins, func(c BuddyCheckin) bool { return c.Day == day })
	if i < 0 {
		return BuddyCheckin{}, false
	}
	return w.Checkins[i], true
}

// OpenRequest reports whether the young person has a request of kind not yet handled.
func (w BuddyWeekRecord) OpenRequest(kind string) bool {
	_, open := w.OpenRequestOf(kind)
	return open
}

// OpenRequestOf is the young person's open request of kind, if there is one.
func (w BuddyWeekRecord) OpenRequestOf(kind string) (BuddyRequest, bool) {
	i := slices.IndexFunc(w.Requests, func(r BuddyRequest) bool { return r.Kind == kind && !r.Handled })
	if i < 0 {
		return BuddyRequest{}, false
	}
	return w.Requests[i], true
}

// MaxLast is the latest the week's last day can be.
func (w BuddyWeekRecord) MaxLast() time.Time { return w.From.AddDate(0, 0, BuddyWeekMaxDays-1) }

// CanAskLonger reports whether asking to keep the buddy longer is possible today.
func (w BuddyWeekRecord) CanAskLonger(today time.Time) bool {
	return w.Status(today) == BuddyWeekActive && w.Last.Before(w.MaxLast()) && !w.OpenRequest(BuddyAskLonger)
}

// SetCheckin records (or replaces) the answer for a day; false when nothing changed.
func (w *BuddyWeekRecord) SetCheckin(c BuddyCheckin) bool {
	i := slices.IndexFunc(w.Checkins, func(x BuddyCheckin) bool { return x.Day == c.Day })
	if i < 0 {
		w.Checkins = append(w.Checkins, c)
		slices.SortFunc(w.Checkins, func(a, b BuddyCheckin) int { return strings.Compare(a.Day, b.Day) })
		return true
	}
	old := w.Checkins[i]
	if old.Rating == c.Rating && old.Words == c.Words && old.Shared == c.Shared {
		return false
	}
	w.Checkins[i] = c
	return true
}

// AddContact records a buddy contact on a day; false when already there.
func (w *BuddyWeekRecord) AddContact(day string) bool {
	if slices.Contains(w.Contacts, day) {
		return false
	}
	w.Contacts = append(w.Contacts, day)
	slices.Sort(w.Contacts)
	return true
}

// AddFlag records a morning flag; false when already there.
func (w *BuddyWeekRecord) AddFlag(f BuddyFlag) bool {
	if slices.Contains(w.Flags, f) {
		return false
	}
	w.Flags = append(w.Flags, f)
	return true
}

// Ask records a request, one open per kind; false when one is already open.
func (w *BuddyWeekRecord) Ask(r BuddyRequest) bool {
	if w.OpenRequest(r.Kind) {
		return false
	}
	w.Requests = append(w.Requests, r)
	return true
}

// Handle marks the open request of kind handled; a "longer" one extends the
// week by BuddyExtensionDays, never past BuddyWeekMaxDays. False when none was open.
func (w *BuddyWeekRecord) Handle(kind string) bool {
	i := slices.IndexFunc(w.Requests, func(r BuddyRequest) bool { return r.Kind == kind && !r.Handled })
	if i < 0 {
		return false
	}
	w.Requests[i].Handled = true
	if kind == BuddyAskLonger {
		w.Last = w.Last.AddDate(0, 0, BuddyExtensionDays)
		if w.Last.After(w.MaxLast()) {
			w.Last = w.MaxLast()
		}
	}
	return true
}

// Rematch changes the buddy without restarting the week; false when it is the same buddy.
func (w *BuddyWeekRecord) Rematch(buddyID, by string, now time.Time) bool {
	if w.BuddyID == buddyID {
		return false
	}
	if w.BuddyID != "" {
		w.PastBuddyIDs = append(w.PastBuddyIDs, w.BuddyID)
	}
	w.BuddyID, w.ChosenBy, w.ChosenAt = buddyID, by, now
	return true
}

// Rematched reports whether the week's buddy was ever changed.
func (w BuddyWeekRecord) Rematched() bool { return len(w.PastBuddyIDs) > 0 }

// BuddyMorningFlags are the flags the morning after day calls for: a low
// check-in, or no buddy contact logged.
func (w BuddyWeekRecord) MorningFlags(day string) []BuddyFlag {
	var out []BuddyFlag
	if c, ok := w.Checkin(day); ok && c.Rating <= BuddyLowRating {
		out = append(out, BuddyFlag{Day: day, Reason: BuddyFlagLowCheckin})
	}
	if !slices.Contains(w.Contacts, day) {
		out = append(out, BuddyFlag{Day: day, Reason: BuddyFlagNoContact})
	}
	return out
}

// CheckinOpenDay is the day whose evening check-in is open at now in the
// area: today from BuddyCheckinOpensHour, yesterday's until the morning
// review. ok is false in between.
func CheckinOpenDay(a Area, now time.Time) (string, bool) {
	local := now.In(a.Location())
	today := a.Today(now)
	switch {
	case local.Hour() >= BuddyCheckinOpensHour:
		return today.Format(time.DateOnly), true
	case local.Hour() < BuddyReviewHour:
		return today.AddDate(0, 0, -1).Format(time.DateOnly), true
	}
	return "", false
}

// AtAreaTime is the instant of hour:00 on day (midnight UTC of a date) in the area's zone.
func AtAreaTime(a Area, day time.Time, hour int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), hour, 0, 0, 0, a.Location()).UTC()
}

// Buddy job kinds: the evening check-in (the last evening also asks for the
// rating) and the next morning's review.
const (
	BuddyJobCheckin = "checkin"
	BuddyJobReview  = "review"
)

// BuddyJobID is the id of a week's job of kind for day: the same job, the same id.
func BuddyJobID(weekID, day, kind string) string { return weekID + "/" + day + "/" + kind }

// Notification types of the buddy week (push words: push.<type>.body).
const (
	NoticeBuddyCheckin     = "buddy_checkin"
	NoticeBuddyCheckinLast = "buddy_checkin_last"
	NoticeBuddyMorning     = "buddy_morning"
	NoticeBuddyMatched     = "buddy_matched"
	NoticeBuddyRequest     = "buddy_request"
)
