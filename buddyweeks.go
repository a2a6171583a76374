package heard

import (
	"context"
	"slices"
	"strings"
	"time"
)

// The buddy week: from the move day a newcomer has a buddy for at least
// BuddyWeekDays; each evening they are asked how the day was, each morning
// staff hear of a low answer or a day without contact, and at the end they
// rate the week.

// Picture codes: the app owns the pictures and words, the server checks the
// codes so both agree.
var (
	BuddyInterestCodes = []string{"music", "football", "sport", "gaming", "art", "drawing", "dancing", "cooking",
		"animals", "films", "reading", "nature", "making", "phones", "fashion", "swimming"}
	BuddyHardDayCodes = []string{"quiet_space", "music", "talk_to_someone", "walk", "tv", "drawing", "food", "sleep", "pet", "alone_time"}
)

// Limits of the buddy forms.
const (
	BuddyWordsMaxChars    = 280
	BuddyNameMaxChars     = 40
	BuddyConsentMaxChars  = 200
	BuddyMaxCapacity      = 3
	BuddyMaxListed        = 16 // languages, interests, pictures in one list
	BuddyMaxAbsences      = 20
	BuddyMaxRatherNot     = 10
	BuddyWeekMaxDays      = 21 // a week kept longer never runs past this
	BuddyExtensionDays    = 7
	BuddyCheckinOpensHour = 18 // the check-in shows in the app from 18:00
	BuddyCheckinHour      = 19 // the evening push
	BuddyReviewHour       = 9  // the next morning's review tells staff
	BuddyListEndedDays    = 14 // ended weeks stay in the placement's list this long
)

// ValidLanguageCode accepts a language code: 2 to 8 letters, optionally with
// a region or script part (the codes of Heard's catalogues are all of this form).
func ValidLanguageCode(s string) bool {
	main, rest, _ := strings.Cut(s, "-")
	if !letters(main, 2, 8) {
		return false
	}
	return rest == "" || letters(rest, 2, 8)
}

func letters(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// checkCodes checks a list of codes against allowed (nil: language codes).
func (f problems) codes(field string, list []string, allowed []string) {
	f.check(len(list) <= BuddyMaxListed, field, "too_many")
	for _, c := range list {
		if allowed == nil {
			f.check(ValidLanguageCode(c), field, "language_code")
		} else {
			f.check(slices.Contains(allowed, c), field, "picture_code")
		}
	}
}

// normalCodes lower-cases and trims codes and drops repeats, keeping order.
func normalCodes(list []string) []string {
	out := []string{}
	for _, c := range list {
		c = strings.ToLower(strings.TrimSpace(c))
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Normalize tidies an "about me" as the young person sent it.
func (a AboutMe) Normalize() AboutMe {
	a.Languages, a.Interests, a.HardDay = normalCodes(a.Languages), normalCodes(a.Interests), normalCodes(a.HardDay)
	a.Note, a.Gender = strings.TrimSpace(a.Note), strings.TrimSpace(a.Gender)
	if a.RatherNotWith == nil {
		a.RatherNotWith = []string{}
	}
	if a.PlacementMaySee == nil {
		a.PlacementMaySee = []AboutMeField{}
	}
	return a
}

// Validate checks an "about me" (after Normalize).
func (a AboutMe) Validate() map[string]string {
	f := problems{}
	f.codes("languages", a.Languages, nil)
	f.codes("interests", a.Interests, BuddyInterestCodes)
	f.codes("hardDay", a.HardDay, BuddyHardDayCodes)
	f.check(textFits(a.Note, 0, BuddyWordsMaxChars), "note", "length")
	f.check(len(a.RatherNotWith) <= BuddyMaxRatherNot, "ratherNotWith", "too_many")
	for _, id := range a.RatherNotWith {
		f.check(ValidID(id), "ratherNotWith", "id_format")
	}
	f.check(a.RatherNotKind == "" || a.RatherNotKind.Valid(), "ratherNotKind", "one_of")
	f.check(a.AgeBand == "" || a.AgeBand.Valid(), "ageBand", "one_of")
	f.check(textFits(a.Gender, 0, BuddyNameMaxChars), "gender", "length")
	for _, s := range a.PlacementMaySee {
		f.check(slices.Contains([]AboutMeField{AboutMeLanguages, AboutMeInterests, AboutMeHardDay, AboutMeNote}, s), "placementMaySee", "one_of")
	}
	return f
}

// ForPlacement is what the placement may see of an "about me".
func (a AboutMe) ForPlacement() AboutMe {
	out := AboutMe{Languages: []string{}, Interests: []string{}, HardDay: []string{}, RatherNotWith: []string{},
		SimilarAge: a.SimilarAge, SameGender: a.SameGender, RatherNotKind: a.RatherNotKind, PlacementMaySee: a.PlacementMaySee,
		AgeBand: a.AgeBand, Gender: a.Gender}
	if a.MaySee(AboutMeLanguages) {
		out.Languages = a.Languages
	}
	if a.MaySee(AboutMeInterests) {
		out.Interests = a.Interests
	}
	if a.MaySee(AboutMeHardDay) {
		out.HardDay = a.HardDay
	}
	if a.MaySee(AboutMeNote) {
		out.Note = a.Note
	}
	return out
}

// Valid reports whether k is a kind of buddy.
func (k BuddyKind) Valid() bool { return k == BuddyResident || k == BuddyStaff }

// Valid reports whether b is a known age band.
func (b AgeBand) Valid() bool { return slices.Contains(ageBands, b) }

// NewRosterBuddy is a volunteer placement staff add to the roster.
type NewRosterBuddy struct {
	Kind           BuddyKind `json:"kind"`
	FirstName      string    `json:"firstName"`
	AgeBand        AgeBand   `json:"ageBand"`
	Gender         string    `json:"gender,omitempty"`
	Languages      []string  `json:"languages"`
	Interests      []string  `json:"interests"`
	Capacity       int       `json:"capacity"`
	ConsentGivenBy string    `json:"consentGivenBy"`
	YoungPersonID  string    `json:"youngPersonId,omitempty"`
	PhotoAgreed    bool      `json:"photoAgreed,omitempty"`
}

// Buddy makes the roster entry of a new volunteer, or the problems per field.
func (n NewRosterBuddy) Buddy(id, placementID string, now time.Time) (RosterBuddy, map[string]string) {
	b := RosterBuddy{ID: id, PlacementID: placementID, Kind: n.Kind, FirstName: strings.TrimSpace(n.FirstName), AgeBand: n.AgeBand,
		Gender: strings.TrimSpace(n.Gender), Languages: normalCodes(n.Languages), Interests: normalCodes(n.Interests),
		Capacity: n.Capacity, Absences: []DayRange{}, YoungPersonID: n.YoungPersonID, PhotoAgreed: n.PhotoAgreed,
		Consent: BuddyConsent{GivenBy: strings.TrimSpace(n.ConsentGivenBy), GivenAt: now}}
	f := problems{}
	f.check(n.Kind.Valid(), "kind", "one_of")
	f.name("firstName", b.FirstName, 1, BuddyNameMaxChars)
	f.check(textFits(n.ConsentGivenBy, 1, BuddyConsentMaxChars), "consentGivenBy", "length")
	f.check(n.YoungPersonID == "" || ValidID(n.YoungPersonID), "youngPersonId", "id_format")
	f.check(n.YoungPersonID == "" || n.Kind == BuddyResident, "youngPersonId", "resident_only")
	b.validate(f)
	b.Active = b.Consent.Current()
	return b, f
}

// validate checks the fields a roster entry's change may touch.
func (b RosterBuddy) validate(f problems) {
	f.check(b.AgeBand.Valid(), "ageBand", "one_of")
	f.check(textFits(b.Gender, 0, BuddyNameMaxChars), "gender", "length")
	f.codes("languages", b.Languages, nil)
	f.codes("interests", b.Interests, BuddyInterestCodes)
	f.check(b.Capacity >= 1 && b.Capacity <= BuddyMaxCapacity, "capacity", "range")
	f.check(len(b.Absences) <= BuddyMaxAbsences, "absences", "too_many")
	for _, a := range b.Absences {
		f.check(!a.From.IsZero() && !a.To.Before(a.From), "absences", "range")
	}
}

// DateRange is a run of days as the app sends it: YYYY-MM-DD, both included.
type DateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// RosterBuddyChange changes a roster entry; absent fields stay as they are.
type RosterBuddyChange struct {
	FirstName   *string      `json:"firstName,omitempty"`
	AgeBand     *AgeBand     `json:"ageBand,omitempty"`
	Gender      *string      `json:"gender,omitempty"`
	Languages   *[]string    `json:"languages,omitempty"`
	Interests   *[]string    `json:"interests,omitempty"`
	Capacity    *int         `json:"capacity,omitempty"`
	Absences    *[]DateRange `json:"absences,omitempty"`
	PhotoAgreed *bool        `json:"photoAgreed,omitempty"`
}

// Apply makes the change to b, or returns the problems per field (b unchanged).
func (c RosterBuddyChange) Apply(b *RosterBuddy) map[string]string {
	n := *b
	f := problems{}
	if c.FirstName != nil {
		n.FirstName = strings.TrimSpace(*c.FirstName)
		f.name("firstName", n.FirstName, 1, BuddyNameMaxChars)
	}
	if c.AgeBand != nil {
		n.AgeBand = *c.AgeBand
	}
	if c.Gender != nil {
		n.Gender = strings.TrimSpace(*c.Gender)
	}
	if c.Languages != nil {
		n.Languages = normalCodes(*c.Languages)
	}
	if c.Interests != nil {
		n.Interests = normalCodes(*c.Interests)
	}
	if c.Capacity != nil {
		n.Capacity = *c.Capacity
	}
	if c.Absences != nil {
		n.Absences = []DayRange{}
		for _, a := range *c.Absences {
			from, err1 := time.Parse(time.DateOnly, a.From)
			to, err2 := time.Parse(time.DateOnly, a.To)
			f.check(err1 == nil && err2 == nil, "absences", "date_format")
			n.Absences = append(n.Absences, DayRange{From: from, To: to})
		}
	}
	if c.PhotoAgreed != nil {
		n.PhotoAgreed = *c.PhotoAgreed
	}
	n.validate(f)
	if len(f) > 0 {
		return f
	}
	*b = n
	return nil
}

// BuddySummary is what a young person or key worker sees of a buddy.
type BuddySummary struct {
	ID        string        `json:"id"`
	FirstName string        `json:"firstName"`
	Kind      BuddyKind     `json:"kind"`
	AgeBand   AgeBand       `json:"ageBand"`
	PhotoURL  string        `json:"photoUrl,omitempty"`
	InCommon  []BuddyReason `json:"inCommon"`
}

// BuddyPhotoURL is where a buddy's photo is served.
func BuddyPhotoURL(buddyID string) string { return "/api/buddies/" + buddyID + "/photo?size=320" }

// SummaryFor is b as shown about the arrival of the young person who wrote
// me: what they have in common (languages, interests), and the photo only
// when the buddy agreed to it.
func (b RosterBuddy) SummaryFor(me AboutMe) BuddySummary {
	out := BuddySummary{ID: b.ID, FirstName: b.FirstName, Kind: b.Kind, AgeBand: b.AgeBand, InCommon: []BuddyReason{}}
	if b.PhotoAgreed && b.HasPhoto {
		out.PhotoURL = BuddyPhotoURL(b.ID)
	}
	if l := inCommon(me.Languages, b.Languages, len(me.Languages)); len(l) > 0 {
		out.InCommon = append(out.InCommon, BuddyReason{ReasonSharesLanguage, l})
	}
	if i := inCommon(me.Interests, b.Interests, proposalInterestsCounted); len(i) > 0 {
		out.InCommon = append(out.InCommon, BuddyReason{ReasonInterestsInCommon, i})
	}
	return out
}

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
	return slices.ContainsFunc(w.Requests, func(r BuddyRequest) bool { return r.Kind == kind && !r.Handled })
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

// BuddyCheckinAnswer is an evening's answer as the young person sends it.
type BuddyCheckinAnswer struct {
	Rating     int    `json:"rating"`
	Words      string `json:"words,omitempty"`
	ShareWords bool   `json:"shareWords,omitempty"`
}

// Validate checks the answer.
func (a BuddyCheckinAnswer) Validate() map[string]string {
	f := problems{}
	f.check(a.Rating >= 1 && a.Rating <= 5, "rating", "range")
	f.check(textFits(a.Words, 0, BuddyWordsMaxChars), "words", "length")
	return f
}

// BuddyAsk is the young person asking for a different buddy or to keep theirs longer.
type BuddyAsk struct {
	Kind  string `json:"kind"`
	Words string `json:"words,omitempty"`
}

// Validate checks the request.
func (a BuddyAsk) Validate() map[string]string {
	f := problems{}
	f.check(a.Kind == BuddyAskDifferent || a.Kind == BuddyAskLonger, "kind", "one_of")
	f.check(textFits(a.Words, 0, BuddyWordsMaxChars), "words", "length")
	return f
}

// BuddyRatingAnswer is the young person's rating of their week.
type BuddyRatingAnswer struct {
	Rating int    `json:"rating"`
	Words  string `json:"words,omitempty"`
}

// Validate checks the rating.
func (a BuddyRatingAnswer) Validate() map[string]string {
	return BuddyCheckinAnswer{Rating: a.Rating, Words: a.Words}.Validate()
}

// BuddyChoice is staff choosing (or confirming) a buddy for a move.
type BuddyChoice struct {
	BuddyID string `json:"buddyId"`
}

// Validate checks the choice.
func (c BuddyChoice) Validate() map[string]string {
	f := problems{}
	f.check(ValidID(c.BuddyID), "buddyId", "id_format")
	return f
}

// BuddyContact is a buddy contact that happened on a day.
type BuddyContact struct {
	Day string `json:"day"`
}

// Validate checks the day's form.
func (c BuddyContact) Validate() map[string]string {
	f := problems{}
	_, err := time.Parse(time.DateOnly, c.Day)
	f.check(err == nil && len(c.Day) == 10, "day", "date_format")
	return f
}

// BuddyProposalView is the proposed buddy and why.
type BuddyProposalView struct {
	Buddy   BuddySummary  `json:"buddy"`
	Reasons []BuddyReason `json:"reasons"`
}

// BuddyMatch is the buddy of a move as the key worker and the placement's staff see it.
type BuddyMatch struct {
	MoveID               string             `json:"moveId"`
	YoungPersonFirstName string             `json:"youngPersonFirstName"`
	Day                  string             `json:"day"`
	AboutMe              *AboutMe           `json:"aboutMe"`
	Proposal             *BuddyProposalView `json:"proposal"`
	Others               []BuddySummary     `json:"others"`
	Week                 *BuddyWeekView     `json:"week"`
}

// BuddyCheckinView is a check-in as staff see it (words only when shared).
type BuddyCheckinView struct {
	Day    string `json:"day"`
	Rating int    `json:"rating"`
	Words  string `json:"words,omitempty"`
}

// BuddyRatingView is the rating of a week.
type BuddyRatingView struct {
	Rating int    `json:"rating"`
	Words  string `json:"words,omitempty"`
}

// BuddyWeekView is a buddy week as staff see it.
type BuddyWeekView struct {
	ID                   string             `json:"id"`
	MoveID               string             `json:"moveId"`
	YoungPersonFirstName string             `json:"youngPersonFirstName"`
	PlacementID          string             `json:"placementId"`
	Status               BuddyWeekStatus    `json:"status"`
	From                 string             `json:"from"`
	Last                 string             `json:"last"`
	DayNumber            int                `json:"dayNumber"`
	Buddy                BuddySummary       `json:"buddy"`
	PastBuddies          []string           `json:"pastBuddies"`
	Checkins             []BuddyCheckinView `json:"checkins"`
	Contacts             []string           `json:"contacts"`
	Flags                []BuddyFlag        `json:"flags"`
	Requests             []BuddyRequest     `json:"requests"`
	Rating               *BuddyRatingView   `json:"rating"`
}

// StaffView shows the week to staff: the young person's check-in words only
// where they chose to share them. buddy and past are the buddies' summaries
// and first names, read by the caller.
func (w BuddyWeekRecord) StaffView(firstName string, buddy BuddySummary, past []string, today time.Time) BuddyWeekView {
	v := BuddyWeekView{ID: w.ID, MoveID: w.MoveID, YoungPersonFirstName: firstName, PlacementID: w.PlacementID, Status: w.Status(today),
		From: w.From.Format(time.DateOnly), Last: w.Last.Format(time.DateOnly), DayNumber: w.DayNumber(today), Buddy: buddy,
		PastBuddies: past, Checkins: []BuddyCheckinView{}, Contacts: append([]string{}, w.Contacts...),
		Flags: append([]BuddyFlag{}, w.Flags...), Requests: append([]BuddyRequest{}, w.Requests...)}
	if v.PastBuddies == nil {
		v.PastBuddies = []string{}
	}
	for _, c := range w.Checkins {
		cv := BuddyCheckinView{Day: c.Day, Rating: c.Rating}
		if c.Shared {
			cv.Words = c.Words
		}
		v.Checkins = append(v.Checkins, cv)
	}
	if w.Rating != nil {
		v.Rating = &BuddyRatingView{Rating: w.Rating.Rating, Words: w.Rating.Words}
	}
	return v
}

// MyCheckin is a check-in as the young person sees it in the week.
type MyCheckin struct {
	Day    string `json:"day"`
	Rating int    `json:"rating"`
}

// MyWeek is the young person's own buddy week.
type MyWeek struct {
	ID             string          `json:"id"`
	Status         BuddyWeekStatus `json:"status"`
	From           string          `json:"from"`
	Last           string          `json:"last"`
	DayNumber      int             `json:"dayNumber"`
	Buddy          BuddySummary    `json:"buddy"`
	CheckinDue     bool            `json:"checkinDue"`
	Checkins       []MyCheckin     `json:"checkins"`
	CanAskLonger   bool            `json:"canAskLonger"`
	AskedDifferent bool            `json:"askedDifferent"`
	AskedLonger    bool            `json:"askedLonger"`
	RateDue        bool            `json:"rateDue"`
	Rating         *int            `json:"rating"`
}

// Buddying is a week the caller is the buddy of (a resident in Heard).
type Buddying struct {
	WeekID            string `json:"weekId"`
	NewcomerFirstName string `json:"newcomerFirstName"`
	From              string `json:"from"`
	Last              string `json:"last"`
	DayNumber         int    `json:"dayNumber"`
}

// MyBuddyWeek is what the young person sees of buddy weeks.
type MyBuddyWeek struct {
	Week     *MyWeek    `json:"week"`
	Buddying []Buddying `json:"buddying"`
}

// MineView shows the week to its young person at now in area a.
func (w BuddyWeekRecord) MineView(buddy BuddySummary, a Area, now time.Time) MyWeek {
	today := a.Today(now)
	v := MyWeek{ID: w.ID, Status: w.Status(today), From: w.From.Format(time.DateOnly), Last: w.Last.Format(time.DateOnly),
		DayNumber: w.DayNumber(today), Buddy: buddy, Checkins: []MyCheckin{}, CanAskLonger: w.CanAskLonger(today),
		AskedDifferent: w.OpenRequest(BuddyAskDifferent), AskedLonger: w.OpenRequest(BuddyAskLonger)}
	for _, c := range w.Checkins {
		v.Checkins = append(v.Checkins, MyCheckin{Day: c.Day, Rating: c.Rating})
	}
	if day, ok := CheckinOpenDay(a, now); ok && w.HasDay(day) && w.BuddyID != "" {
		_, answered := w.Checkin(day)
		v.CheckinDue = !answered
	}
	if w.Rating != nil {
		r := w.Rating.Rating
		v.Rating = &r
	} else {
		v.RateDue = w.Ended(today) && w.BuddyID != ""
	}
	return v
}

// BuddyService is every action of the buddy week, one method per thing a person does.
type BuddyService interface {
	// MyAboutMe is the young person's "about me" (an empty one if never filled).
	MyAboutMe(ctx context.Context, p Principal) (AboutMe, error)
	// SetMyAboutMe keeps the young person's "about me".
	SetMyAboutMe(ctx context.Context, p Principal, a AboutMe) (AboutMe, error)
	// MyBuddyWeek is the young person's current buddy week and the weeks they buddy.
	MyBuddyWeek(ctx context.Context, p Principal) (MyBuddyWeek, error)
	// CheckIn answers a day's check-in (again the same day replaces it).
	CheckIn(ctx context.Context, p Principal, day string, a BuddyCheckinAnswer) (MyBuddyWeek, error)
	// AskBuddy asks for a different buddy or to keep theirs longer (one open request per kind).
	AskBuddy(ctx context.Context, p Principal, a BuddyAsk) (MyBuddyWeek, error)
	// RateBuddyWeek rates the week once it has ended.
	RateBuddyWeek(ctx context.Context, p Principal, a BuddyRatingAnswer) (MyBuddyWeek, error)
	// WithdrawMyBuddyConsent: a resident buddy stops being a buddy, for good.
	WithdrawMyBuddyConsent(ctx context.Context, p Principal) error

	// BuddyMatch shows the proposal and week of a move to its key worker or the placement's staff.
	BuddyMatch(ctx context.Context, p Principal, moveID string) (BuddyMatch, error)
	// ChooseBuddy confirms the proposal or another buddy who fits (a rematch on a running week).
	ChooseBuddy(ctx context.Context, p Principal, moveID string, c BuddyChoice) (BuddyMatch, error)

	// RosterBuddies lists the caller's placement's roster.
	RosterBuddies(ctx context.Context, p Principal) ([]RosterBuddy, error)
	// AddRosterBuddy adds a volunteer with their consent recorded.
	AddRosterBuddy(ctx context.Context, p Principal, n NewRosterBuddy) (RosterBuddy, error)
	// ChangeRosterBuddy changes a volunteer's details, capacity or absences.
	ChangeRosterBuddy(ctx context.Context, p Principal, id string, c RosterBuddyChange) (RosterBuddy, error)
	// WithdrawRosterBuddy records that a volunteer's consent was withdrawn.
	WithdrawRosterBuddy(ctx context.Context, p Principal, id string) (RosterBuddy, error)
	// SetBuddyPhoto keeps a volunteer's photo (re-encoded, no metadata).
	SetBuddyPhoto(ctx context.Context, p Principal, id, contentType string, upload []byte) (RosterBuddy, error)
	// RemoveBuddyPhoto deletes a volunteer's photo.
	RemoveBuddyPhoto(ctx context.Context, p Principal, id string) error
	// BuddyPhoto is a volunteer's photo as JPEG at the kept width nearest to width, and that width.
	BuddyPhoto(ctx context.Context, p Principal, id string, width int) ([]byte, int, error)
	// PlacementBuddyWeeks lists the caller's placement's weeks: upcoming, active, lately ended.
	PlacementBuddyWeeks(ctx context.Context, p Principal) ([]BuddyWeekView, error)
	// LogBuddyContact records that the buddy and the newcomer met on a day.
	LogBuddyContact(ctx context.Context, p Principal, weekID string, c BuddyContact) (BuddyWeekView, error)
	// HandleBuddyRequest marks a request handled ("longer" extends the week).
	HandleBuddyRequest(ctx context.Context, p Principal, weekID, kind string) (BuddyWeekView, error)
}
