package heard

import (
	"slices"
	"strings"
	"time"
)

// The buddy week's forms: what the young person, the key worker and the
// placement's staff send, checked against the fixed picture lists and limits.

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
