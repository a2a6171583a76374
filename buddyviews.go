package heard

import (
	"context"
	"time"
)

// What each person sees of buddies and buddy weeks, and the service that
// answers them.

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
	ID         string          `json:"id"`
	Status     BuddyWeekStatus `json:"status"`
	From       string          `json:"from"`
	Last       string          `json:"last"`
	DayNumber  int             `json:"dayNumber"`
	Buddy      BuddySummary    `json:"buddy"`
	CheckinDue bool            `json:"checkinDue"`
	// CheckinDay is the day whose check-in is open now (after midnight it is
	// still yesterday's until the morning review), when one is.
	CheckinDay     string      `json:"checkinDay,omitempty"`
	Checkins       []MyCheckin `json:"checkins"`
	CanAskLonger   bool        `json:"canAskLonger"`
	AskedDifferent bool        `json:"askedDifferent"`
	AskedLonger    bool        `json:"askedLonger"`
	RateDue        bool        `json:"rateDue"`
	Rating         *int        `json:"rating"`
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
		v.CheckinDue, v.CheckinDay = !answered, day
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
