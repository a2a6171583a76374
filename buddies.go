package heard

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Buddies: young people asked for "another young person assigned to them when
// they move placements ... for at least a week". A placement keeps a roster of
// volunteers; before a young person arrives, ProposeBuddy suggests one for
// their first week, and staff confirm or choose another.

// BuddyWeekDays is how long a buddy week lasts at least: one young person's
// buddy "was only there for part of the first day".
const BuddyWeekDays = 7

// BuddyFairnessDays is how far back fairness counts the weeks a buddy gave, so
// the same resident is not always the one asked.
const BuddyFairnessDays = 90

// BuddyKind says whether a buddy lives at the placement or works there.
type BuddyKind string

const (
	BuddyResident BuddyKind = "resident"
	BuddyStaff    BuddyKind = "staff"
)

// AgeBand is a rough age: a buddy's exact age is not the placement's to share.
type AgeBand string

const (
	AgeUnder13 AgeBand = "under-13"
	Age13to15  AgeBand = "13-15"
	Age16to17  AgeBand = "16-17"
	Age18Plus  AgeBand = "18+"
)

// ageBands are in order, so closeness is the distance between positions.
var ageBands = []AgeBand{AgeUnder13, Age13to15, Age16to17, Age18Plus}

// ageDistance is how many bands apart two ages are, or -1 if either is unknown.
func ageDistance(a, b AgeBand) int {
	i, j := slices.Index(ageBands, a), slices.Index(ageBands, b)
	if i < 0 || j < 0 {
		return -1
	}
	if i > j {
		return i - j
	}
	return j - i
}

// DayRange is a run of whole days, both ends included (midnight UTC dates).
type DayRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// MarshalJSON writes the days as the app reads and sends them: YYYY-MM-DD.
func (r DayRange) MarshalJSON() ([]byte, error) {
	return []byte(`{"from":"` + r.From.UTC().Format(time.DateOnly) + `","to":"` + r.To.UTC().Format(time.DateOnly) + `"}`), nil
}

func (r DayRange) covers(day time.Time) bool {
	return !day.Before(dayOf(r.From)) && !day.After(dayOf(r.To))
}

// BuddyConsent records who agreed to the volunteer being a buddy, and when. A
// resident may withdraw it at any time; from then on they are never proposed.
type BuddyConsent struct {
	GivenBy     string    `json:"givenBy"`
	GivenAt     time.Time `json:"givenAt"`
	WithdrawnAt time.Time `json:"withdrawnAt,omitzero"`
}

// Current reports whether the consent stands: given by someone, and not withdrawn.
func (c BuddyConsent) Current() bool {
	return c.GivenBy != "" && !c.GivenAt.IsZero() && c.WithdrawnAt.IsZero()
}

// RosterBuddy is a resident or member of staff who volunteered to be a buddy.
type RosterBuddy struct {
	ID          string    `json:"id"`
	PlacementID string    `json:"placementId"`
	Kind        BuddyKind `json:"kind"`
	FirstName   string    `json:"firstName"`
	AgeBand     AgeBand   `json:"ageBand"`
	// Gender is as the buddy gives it, or empty; it is only used to honour an
	// arrival's wish for a buddy of the same gender.
	Gender    string   `json:"gender,omitempty"`
	Languages []string `json:"languages"`
	Interests []string `json:"interests"`
	// Capacity is how many newcomers they can buddy at once.
	Capacity int          `json:"capacity"`
	Absences []DayRange   `json:"absences"`
	Consent  BuddyConsent `json:"consent"`
	// YoungPersonID is set when the buddy is a resident who is a young person
	// in Heard, so they can see the weeks they buddy.
	YoungPersonID string `json:"youngPersonId,omitempty"`
	// PhotoID names the buddy's photo, when one was uploaded; it is shown only
	// while PhotoAgreed.
	PhotoID     string `json:"-"`
	PhotoWidths []int  `json:"-"`
	HasPhoto    bool   `json:"hasPhoto"`
	PhotoAgreed bool   `json:"photoAgreed"`
	// Active is Consent.Current(), for the app.
	Active bool `json:"active"`
}

// AboutMeField names a part of "about me" the young person may let the
// placement see.
type AboutMeField string

const (
	AboutMeLanguages AboutMeField = "languages"
	AboutMeInterests AboutMeField = "interests"
	AboutMeHardDay   AboutMeField = "hardDay"
	AboutMeNote      AboutMeField = "note"
)

// AboutMe is what a young person says about themselves before arrival, mostly
// by choosing pictures.
type AboutMe struct {
	Languages []string `json:"languages"`
	Interests []string `json:"interests"`
	// HardDay are the pictures of what helps on a hard day.
	HardDay []string `json:"hardDay"`
	// SimilarAge asks for a buddy of a similar age (ranked, not required).
	SimilarAge bool `json:"similarAge"`
	// SameGender asks for a buddy of the same gender (always honoured).
	SameGender bool `json:"sameGender"`
	// RatherNotWith are roster buddies they would rather not have (someone
	// they know from before); RatherNotKind rules out residents or staff.
	RatherNotWith []string  `json:"ratherNotWith"`
	RatherNotKind BuddyKind `json:"ratherNotKind,omitempty"`
	// Note is a few words of their own, for the people they choose.
	Note string `json:"note"`
	// PlacementMaySee is what the young person lets the placement see.
	PlacementMaySee []AboutMeField `json:"placementMaySee"`
	// AgeBand and Gender, when the young person gives them, let matching
	// honour a wish for a similar age or the same gender.
	AgeBand AgeBand `json:"ageBand,omitempty"`
	Gender  string  `json:"gender,omitempty"`
}

// MaySee reports whether the young person lets the placement see field f.
func (a AboutMe) MaySee(f AboutMeField) bool { return slices.Contains(a.PlacementMaySee, f) }

// Arrival is a young person coming to a placement on a day.
type Arrival struct {
	YoungPersonID string    `json:"youngPersonId"`
	PlacementID   string    `json:"placementId"`
	Day           time.Time `json:"day"`
	AgeBand       AgeBand   `json:"ageBand"`
	// Gender is as the young person gives it, or empty.
	Gender string `json:"gender,omitempty"`
}

// BuddyWeek is one buddy looking after one young person from a day.
type BuddyWeek struct {
	BuddyID       string    `json:"buddyId"`
	YoungPersonID string    `json:"youngPersonId"`
	From          time.Time `json:"from"`
	// Last is the last day, when the young person asked to keep their buddy
	// longer; zero means the week's usual last day.
	Last time.Time `json:"last,omitzero"`
}

// LastDay is the week's last day.
func (w BuddyWeek) LastDay() time.Time {
	if w.Last.IsZero() {
		return dayOf(w.From).AddDate(0, 0, BuddyWeekDays-1)
	}
	return dayOf(w.Last)
}

// BuddyReason is one reason a buddy was proposed: a stable code the app puts
// in plain words in the reader's language, and the values it names.
type BuddyReason struct {
	Code   string   `json:"code"`
	Values []string `json:"values,omitempty"`
}

// The reason codes of a proposal.
const (
	ReasonSharesLanguage    = "shares_language"      // values: the languages
	ReasonInterestsInCommon = "interests_in_common"  // values: the interests
	ReasonSimilarAge        = "similar_age"          // same age band
	ReasonCloseInAge        = "close_in_age"         // the next age band
	ReasonSimilarAgeAsAsked = "similar_age_as_asked" // they asked for it and got it
	ReasonSameGenderAsAsked = "same_gender_as_asked"
	ReasonRecentBuddyWeeks  = "recent_buddy_weeks" // value: how many, for fairness
)

// proposalInterestsCounted caps the interests that count, so a long list of
// likes cannot outweigh everything else.
const proposalInterestsCounted = 5

// BuddyProposal is the buddy proposed for an arrival, why, and the other
// buddies who fit, best first, for staff who choose another.
type BuddyProposal struct {
	BuddyID string        `json:"buddyId"`
	Reasons []BuddyReason `json:"reasons"`
	Others  []string      `json:"others"`
}

// Weights of the ranking. A shared language is compared first and always
// wins; then one more interest in common outweighs age, and a buddy who gave
// two more weeks lately than another loses one interest's worth, so a
// well-matched resident is not asked every time. Ties go to whoever gave
// fewer weeks lately.
const (
	weightInterest      = 10
	weightSameAgeBand   = 6
	weightNextAgeBand   = 3
	weightAgeAsAsked    = 8
	weightRecentWeek    = -5
	fairnessPenaltyCap  = 20 * weightRecentWeek
	minimumInterestsMet = 1
)

// ProposeBuddy proposes the best buddy on the roster for an arrival, or nobody
// (false) rather than a bad match.
//
// Hard rules, never broken: the buddy's consent stands; they belong to the
// arrival's placement; they are not away on any of the BuddyWeekDays from the
// arrival day; they have room on each of those days given the current weeks;
// the young person did not say they would rather not have them (by name or
// kind); a wish for the same gender is honoured (a buddy whose gender is not
// known, or an arrival who did not give theirs, cannot meet it). A buddy must
// also share a language or at least one interest.
//
// Only what the young person lets the placement see is used to match, because
// the reasons are shown to placement staff and must not tell them more.
// history holds the buddy weeks given lately, for fairness.
func ProposeBuddy(arrival Arrival, me AboutMe, roster []RosterBuddy, weeks, history []BuddyWeek) (BuddyProposal, bool) {
	var langs, interests []string
	if me.MaySee(AboutMeLanguages) {
		langs = me.Languages
	}
	if me.MaySee(AboutMeInterests) {
		interests = me.Interests
	}
	type candidate struct {
		buddy   RosterBuddy
		langs   bool
		score   int
		recent  int
		reasons []BuddyReason
	}
	var fits []candidate
	for _, b := range roster {
		if !buddyAllowed(arrival, me, b, weeks) {
			continue
		}
		c := candidate{buddy: b}
		if shared := inCommon(langs, b.Languages, len(langs)); len(shared) > 0 {
			c.langs = true
			c.reasons = append(c.reasons, BuddyReason{ReasonSharesLanguage, shared})
		}
		shared := inCommon(interests, b.Interests, proposalInterestsCounted)
		if !c.langs && len(shared) < minimumInterestsMet {
			continue
		}
		if len(shared) > 0 {
			c.score += weightInterest * len(shared)
			c.reasons = append(c.reasons, BuddyReason{Code: ReasonInterestsInCommon, Values: shared})
		}
		switch ageDistance(arrival.AgeBand, b.AgeBand) {
		case 0:
			c.score += weightSameAgeBand
			if me.SimilarAge {
				c.score += weightAgeAsAsked
				c.reasons = append(c.reasons, BuddyReason{Code: ReasonSimilarAgeAsAsked})
			} else {
				c.reasons = append(c.reasons, BuddyReason{Code: ReasonSimilarAge})
			}
		case 1:
			c.score += weightNextAgeBand
			c.reasons = append(c.reasons, BuddyReason{Code: ReasonCloseInAge})
		}
		if me.SameGender {
			c.reasons = append(c.reasons, BuddyReason{Code: ReasonSameGenderAsAsked})
		}
		c.recent = recentWeeks(b.ID, arrival.Day, history)
		c.score += max(weightRecentWeek*c.recent, fairnessPenaltyCap)
		c.reasons = append(c.reasons, BuddyReason{ReasonRecentBuddyWeeks, []string{strconv.Itoa(c.recent)}})
		fits = append(fits, c)
	}
	if len(fits) == 0 {
		return BuddyProposal{}, false
	}
	sort.SliceStable(fits, func(i, j int) bool {
		a, b := fits[i], fits[j]
		if a.langs != b.langs {
			return a.langs
		}
		if a.score != b.score {
			return a.score > b.score
		}
		if a.recent != b.recent {
			return a.recent < b.recent
		}
		return a.buddy.ID < b.buddy.ID
	})
	p := BuddyProposal{BuddyID: fits[0].buddy.ID, Reasons: fits[0].reasons, Others: []string{}}
	for _, c := range fits[1:] {
		p.Others = append(p.Others, c.buddy.ID)
	}
	return p, true
}

// buddyAllowed applies the hard rules of ProposeBuddy to one buddy.
func buddyAllowed(arrival Arrival, me AboutMe, b RosterBuddy, weeks []BuddyWeek) bool {
	switch {
	case !b.Consent.Current(), b.PlacementID != arrival.PlacementID, b.Capacity < 1,
		slices.Contains(me.RatherNotWith, b.ID),
		me.RatherNotKind != "" && me.RatherNotKind == b.Kind,
		me.SameGender && (arrival.Gender == "" || !strings.EqualFold(arrival.Gender, b.Gender)):
		return false
	}
	first := dayOf(arrival.Day)
	for d := range BuddyWeekDays {
		day := first.AddDate(0, 0, d)
		for _, a := range b.Absences {
			if a.covers(day) {
				return false
			}
		}
		busy := 0
		for _, w := range weeks {
			if w.BuddyID == b.ID && !day.Before(dayOf(w.From)) && !day.After(w.LastDay()) {
				busy++
			}
		}
		if busy >= b.Capacity {
			return false
		}
	}
	return true
}

// recentWeeks counts the buddy weeks buddyID began in the BuddyFairnessDays
// before day.
func recentWeeks(buddyID string, day time.Time, history []BuddyWeek) int {
	since := dayOf(day).AddDate(0, 0, -BuddyFairnessDays)
	n := 0
	for _, w := range history {
		if w.BuddyID == buddyID && !dayOf(w.From).Before(since) && dayOf(w.From).Before(dayOf(day)) {
			n++
		}
	}
	return n
}

// inCommon lists up to limit of want's entries that also appear in have
// (case-insensitively), in want's order, once each.
func inCommon(want, have []string, limit int) []string {
	var out []string
	for _, w := range want {
		key := strings.ToLower(strings.TrimSpace(w))
		if key == "" || slices.Contains(out, key) || len(out) >= limit {
			continue
		}
		if slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), key) }) {
			out = append(out, key)
		}
	}
	return out
}

// dayOf is the midnight UTC of t's UTC date: days are compared as dates.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
