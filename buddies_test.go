package heard

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var buddyDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// onDay is the day n days after the test arrival day.
func onDay(n int) time.Time { return buddyDay.AddDate(0, 0, n) }

var consented = BuddyConsent{GivenBy: "staff-1", GivenAt: onDay(-30)}

// rosterBuddy is a resident of placement p1 who consented, with room for one
// newcomer, and the given languages and interests.
func rosterBuddy(id string, langs, interests []string) RosterBuddy {
	return RosterBuddy{ID: id, PlacementID: "p1", Kind: BuddyResident, FirstName: id, AgeBand: Age13to15,
		Gender: "girl", Languages: langs, Interests: interests, Capacity: 1, Consent: consented}
}

func withBuddy(b RosterBuddy, change func(*RosterBuddy)) RosterBuddy { change(&b); return b }

var (
	buddyArrival = Arrival{YoungPersonID: "y1", PlacementID: "p1", Day: buddyDay, AgeBand: Age13to15, Gender: "girl"}
	sharesAll    = []AboutMeField{AboutMeLanguages, AboutMeInterests}
	buddyAboutMe = AboutMe{Languages: []string{"ar"}, Interests: []string{"football", "drawing", "music"}, PlacementMaySee: sharesAll}
	arabic       = []string{"ar", "en"}
	english      = []string{"en"}
)

// TestProposeBuddy: the proposal keeps every hard rule, ranks language before
// interests, honours what the young person asked for, and proposes nobody
// rather than a bad match.
func TestProposeBuddy(t *testing.T) {
	allInterests := []string{"football", "drawing", "music"}
	for _, tc := range []struct {
		name          string
		arrival       Arrival
		me            AboutMe
		roster        []RosterBuddy
		weeks, recent []BuddyWeek
		want          string // "" for nobody
		reasons       []BuddyReason
	}{
		{name: "language beats interests",
			me: buddyAboutMe, roster: []RosterBuddy{
				rosterBuddy("amal", arabic, nil),
				rosterBuddy("beth", english, allInterests)},
			want: "amal", reasons: []BuddyReason{{ReasonSharesLanguage, []string{"ar"}}, {Code: ReasonSimilarAge}, {ReasonRecentBuddyWeeks, []string{"0"}}}},
		{name: "shared interests rank buddies who share a language",
			me: buddyAboutMe, roster: []RosterBuddy{
				rosterBuddy("amal", arabic, []string{"music"}),
				rosterBuddy("dana", arabic, []string{"Football", "drawing", "chess"})},
			want: "dana", reasons: []BuddyReason{{ReasonSharesLanguage, []string{"ar"}}, {ReasonInterestsInCommon, []string{"football", "drawing"}}, {Code: ReasonSimilarAge}, {ReasonRecentBuddyWeeks, []string{"0"}}}},
		{name: "interests alone are enough without a shared language",
			me: buddyAboutMe, roster: []RosterBuddy{rosterBuddy("beth", english, []string{"drawing"})},
			want: "beth"},
		{name: "nobody rather than no shared language and nothing in common",
			me: buddyAboutMe, roster: []RosterBuddy{rosterBuddy("beth", english, []string{"chess"})}},
		{name: "withdrawn consent is never proposed",
			me: buddyAboutMe, roster: []RosterBuddy{
				withBuddy(rosterBuddy("amal", arabic, allInterests), func(b *RosterBuddy) { b.Consent.WithdrawnAt = onDay(-1) }),
				rosterBuddy("beth", english, []string{"drawing"})},
			want: "beth"},
		{name: "consent never recorded is never proposed",
			me: buddyAboutMe, roster: []RosterBuddy{withBuddy(rosterBuddy("amal", arabic, nil), func(b *RosterBuddy) { b.Consent = BuddyConsent{} })}},
		{name: "away on day 6 of the week rules a buddy out",
			me: buddyAboutMe, roster: []RosterBuddy{
				withBuddy(rosterBuddy("amal", arabic, nil), func(b *RosterBuddy) { b.Absences = []DayRange{{onDay(6), onDay(9)}} }),
				rosterBuddy("beth", english, []string{"drawing"})},
			want: "beth"},
		{name: "away only after the week is fine",
			me: buddyAboutMe, roster: []RosterBuddy{
				withBuddy(rosterBuddy("amal", arabic, nil), func(b *RosterBuddy) { b.Absences = []DayRange{{onDay(-5), onDay(-1)}, {onDay(7), onDay(9)}} })},
			want: "amal"},
		{name: "full on day 5 because an earlier week runs on rules a buddy out",
			me: buddyAboutMe, roster: []RosterBuddy{rosterBuddy("amal", arabic, nil), rosterBuddy("beth", english, []string{"drawing"})},
			weeks: []BuddyWeek{{BuddyID: "amal", YoungPersonID: "y0", From: onDay(-6), Last: onDay(5)}},
			want:  "beth"},
		{name: "a week that ends before the arrival frees the buddy",
			me: buddyAboutMe, roster: []RosterBuddy{rosterBuddy("amal", arabic, nil)},
			weeks: []BuddyWeek{{BuddyID: "amal", YoungPersonID: "y0", From: onDay(-7)}},
			want:  "amal"},
		{name: "a week starting on day 6 fills a buddy with room for one",
			me: buddyAboutMe, roster: []RosterBuddy{rosterBuddy("amal", arabic, nil)},
			weeks: []BuddyWeek{{BuddyID: "amal", YoungPersonID: "y9", From: onDay(6)}}},
		{name: "room for two takes a second newcomer",
			me: buddyAboutMe, roster: []RosterBuddy{withBuddy(rosterBuddy("amal", arabic, nil), func(b *RosterBuddy) { b.Capacity = 2 })},
			weeks: []BuddyWeek{{BuddyID: "amal", YoungPersonID: "y0", From: onDay(-2)}},
			want:  "amal"},
		{name: "another placement's buddy is never proposed",
			me: buddyAboutMe, roster: []RosterBuddy{withBuddy(rosterBuddy("amal", arabic, nil), func(b *RosterBuddy) { b.PlacementID = "p2" })}},
		{name: "rather not with someone they know",
			me:     withAboutMe(buddyAboutMe, func(m *AboutMe) { m.RatherNotWith = []string{"amal"} }),
			roster: []RosterBuddy{rosterBuddy("amal", arabic, allInterests), rosterBuddy("beth", english, []string{"drawing"})},
			want:   "beth"},
		{name: "rather not a member of staff",
			me: withAboutMe(buddyAboutMe, func(m *AboutMe) { m.RatherNotKind = BuddyStaff }),
			roster: []RosterBuddy{
				withBuddy(rosterBuddy("sam", arabic, allInterests), func(b *RosterBuddy) { b.Kind = BuddyStaff; b.AgeBand = Age18Plus }),
				rosterBuddy("beth", english, []string{"drawing"})},
			want: "beth"},
		{name: "same gender as asked, over a better match",
			me: withAboutMe(buddyAboutMe, func(m *AboutMe) { m.SameGender = true }),
			roster: []RosterBuddy{
				withBuddy(rosterBuddy("omar", arabic, allInterests), func(b *RosterBuddy) { b.Gender = "boy" }),
				withBuddy(rosterBuddy("kai", arabic, allInterests), func(b *RosterBuddy) { b.Gender = "" }),
				rosterBuddy("beth", english, []string{"drawing"})},
			want: "beth", reasons: []BuddyReason{{ReasonInterestsInCommon, []string{"drawing"}}, {Code: ReasonSimilarAge}, {Code: ReasonSameGenderAsAsked}, {ReasonRecentBuddyWeeks, []string{"0"}}}},
		{name: "same gender asked without giving theirs cannot be met",
			arrival: withArrival(buddyArrival, func(a *Arrival) { a.Gender = "" }),
			me:      withAboutMe(buddyAboutMe, func(m *AboutMe) { m.SameGender = true }),
			roster:  []RosterBuddy{rosterBuddy("amal", arabic, allInterests)}},
		{name: "similar age as asked outweighs closeness alone",
			me: withAboutMe(buddyAboutMe, func(m *AboutMe) { m.SimilarAge = true }),
			roster: []RosterBuddy{
				withBuddy(rosterBuddy("amal", arabic, []string{"music"}), func(b *RosterBuddy) { b.AgeBand = Age16to17 }),
				rosterBuddy("dana", arabic, []string{"music"})},
			want: "dana", reasons: []BuddyReason{{ReasonSharesLanguage, []string{"ar"}}, {ReasonInterestsInCommon, []string{"music"}}, {Code: ReasonSimilarAgeAsAsked}, {ReasonRecentBuddyWeeks, []string{"0"}}}},
		{name: "closer age band ranks higher when all else is equal",
			me: buddyAboutMe, roster: []RosterBuddy{
				withBuddy(rosterBuddy("amal", arabic, nil), func(b *RosterBuddy) { b.AgeBand = Age18Plus }),
				withBuddy(rosterBuddy("zara", arabic, nil), func(b *RosterBuddy) { b.AgeBand = Age16to17 })},
			want: "zara"},
		{name: "fairness: fewer recent weeks goes first",
			me: buddyAboutMe, roster: []RosterBuddy{rosterBuddy("amal", arabic, nil), rosterBuddy("dana", arabic, nil)},
			recent: []BuddyWeek{{BuddyID: "amal", From: onDay(-20)}},
			want:   "dana"},
		{name: "fairness forgets weeks older than the window",
			me: buddyAboutMe, roster: []RosterBuddy{rosterBuddy("amal", arabic, nil), rosterBuddy("dana", arabic, nil)},
			recent: []BuddyWeek{{BuddyID: "amal", From: onDay(-BuddyFairnessDays - 1)}, {BuddyID: "dana", From: onDay(-10)}},
			want:   "amal"},
		{name: "hidden languages and interests are not used to match",
			me:     withAboutMe(buddyAboutMe, func(m *AboutMe) { m.PlacementMaySee = []AboutMeField{AboutMeHardDay} }),
			roster: []RosterBuddy{rosterBuddy("amal", arabic, allInterests)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := buddyArrival
			if tc.arrival.PlacementID != "" {
				a = tc.arrival
			}
			got, ok := ProposeBuddy(a, tc.me, tc.roster, tc.weeks, tc.recent)
			if tc.want == "" {
				if ok {
					t.Fatalf("proposed %s, want nobody", got.BuddyID)
				}
				return
			}
			if !ok || got.BuddyID != tc.want {
				t.Fatalf("proposed %q (%v), want %s", got.BuddyID, ok, tc.want)
			}
			if tc.reasons != nil && fmt.Sprint(got.Reasons) != fmt.Sprint(tc.reasons) {
				t.Errorf("reasons %v, want %v", got.Reasons, tc.reasons)
			}
		})
	}
}

func withAboutMe(m AboutMe, change func(*AboutMe)) AboutMe { change(&m); return m }
func withArrival(a Arrival, change func(*Arrival)) Arrival { change(&a); return a }

// TestProposeBuddyFairnessOverManyArrivals: over 30 arrivals, each confirmed
// as proposed, the weeks spread over the residents who fit, even though one
// of them shares more interests with every newcomer. Arrivals come eight days
// apart, so every buddy is free each time and only fairness spreads the load.
func TestProposeBuddyFairnessOverManyArrivals(t *testing.T) {
	roster := []RosterBuddy{
		rosterBuddy("amal", arabic, []string{"football", "drawing"}),
		rosterBuddy("beth", arabic, []string{"football"}),
		rosterBuddy("dana", arabic, []string{"football"}),
		withBuddy(rosterBuddy("eve", arabic, []string{"football"}), func(b *RosterBuddy) { b.Capacity = 2 }),
	}
	var weeks []BuddyWeek
	load := map[string]int{}
	for i := range 30 {
		a := withArrival(buddyArrival, func(a *Arrival) { a.YoungPersonID = fmt.Sprint("y", i); a.Day = onDay(8 * i) })
		p, ok := ProposeBuddy(a, buddyAboutMe, roster, weeks, weeks)
		if !ok {
			t.Fatalf("arrival %d: nobody proposed", i)
		}
		weeks = append(weeks, BuddyWeek{BuddyID: p.BuddyID, YoungPersonID: a.YoungPersonID, From: a.Day})
		load[p.BuddyID]++
	}
	t.Logf("weeks per buddy: %v", load)
	for _, b := range roster {
		if load[b.ID] < 4 || load[b.ID] > 12 {
			t.Errorf("%s buddied %d of 30 arrivals: %v", b.ID, load[b.ID], load)
		}
	}
	if load["amal"] < load["beth"] {
		t.Errorf("the closer match should still be asked at least as often: %v", load)
	}
}

// FuzzProposeBuddy: whatever the roster, weeks and wishes, a proposal never
// breaks a hard rule. The check here is written apart from ProposeBuddy's.
func FuzzProposeBuddy(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x05\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"))
	f.Add([]byte("\xff\xfe\x00\x80\x40\x20\x10\x08\x04\x02\x01\x33\x66\x99\xcc\xff\x11\x22"))
	f.Add([]byte(strings.Repeat("\x07\x03\x01\x00\x06", 20)))
	f.Add([]byte("\x03\x00\x00\x06\x06\x01\x00\x00\x00\x01\x02\x00\x01\x00\x00\x06\x00\x02\x01\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &fuzzWorld{data: data}
		a, me, roster, weeks := g.world()
		p, ok := ProposeBuddy(a, me, roster, weeks, weeks)
		if !ok {
			return
		}
		i := slices.IndexFunc(roster, func(b RosterBuddy) bool { return b.ID == p.BuddyID })
		if i < 0 {
			t.Fatalf("proposed %q who is not on the roster", p.BuddyID)
		}
		if broken := hardRuleBroken(a, me, roster[i], weeks); broken != "" {
			t.Fatalf("proposed %s: %s\narrival %+v\nabout me %+v\nbuddy %+v\nweeks %+v", p.BuddyID, broken, a, me, roster[i], weeks)
		}
	})
}

// hardRuleBroken names the hard rule a proposed buddy breaks, or "".
func hardRuleBroken(a Arrival, me AboutMe, b RosterBuddy, weeks []BuddyWeek) string {
	if b.Consent.GivenBy == "" || b.Consent.GivenAt.IsZero() || !b.Consent.WithdrawnAt.IsZero() {
		return "no consent"
	}
	if b.PlacementID != a.PlacementID {
		return "another placement"
	}
	if slices.Contains(me.RatherNotWith, b.ID) || (me.RatherNotKind != "" && me.RatherNotKind == b.Kind) {
		return "rather not"
	}
	if me.SameGender && (a.Gender == "" || !strings.EqualFold(a.Gender, b.Gender)) {
		return "gender wish"
	}
	for d := 0; d < 7; d++ {
		day := a.Day.AddDate(0, 0, d)
		for _, r := range b.Absences {
			if !day.Before(r.From) && !day.After(r.To) {
				return fmt.Sprint("away on day ", d)
			}
		}
		busy := 0
		for _, w := range weeks {
			last := w.From.AddDate(0, 0, 6)
			if !w.Last.IsZero() {
				last = w.Last
			}
			if w.BuddyID == b.ID && !day.Before(w.From) && !day.After(last) {
				busy++
			}
		}
		if busy >= b.Capacity {
			return fmt.Sprint("full on day ", d)
		}
	}
	return ""
}

// fuzzWorld turns fuzz bytes into a small placement world, so the fuzzer
// explores clashes (absences, full weeks, wishes) rather than unrelated noise.
type fuzzWorld struct {
	data []byte
	at   int
}

func (g *fuzzWorld) next(n int) int {
	if g.at >= len(g.data) {
		return 0
	}
	g.at++
	return int(g.data[g.at-1]) % n
}

func (g *fuzzWorld) pick(from []string) []string {
	var out []string
	for range g.next(3) {
		out = append(out, from[g.next(len(from))])
	}
	return out
}

func (g *fuzzWorld) day() time.Time { return onDay(g.next(20) - 8) }

func (g *fuzzWorld) world() (Arrival, AboutMe, []RosterBuddy, []BuddyWeek) {
	langs := []string{"ar", "en", "EN", "so", ""}
	likes := []string{"football", "drawing", "music", "Music", "games"}
	genders := []string{"", "girl", "boy", "Girl"}
	kinds := []BuddyKind{BuddyResident, BuddyStaff}
	a := Arrival{YoungPersonID: "y", PlacementID: fmt.Sprint("p", g.next(2)), Day: onDay(0),
		AgeBand: ageBands[g.next(len(ageBands))], Gender: genders[g.next(len(genders))]}
	me := AboutMe{Languages: g.pick(langs), Interests: g.pick(likes), SimilarAge: g.next(2) == 1, SameGender: g.next(2) == 1,
		PlacementMaySee: []AboutMeField{AboutMeLanguages, AboutMeInterests}[:g.next(3)]}
	if g.next(2) == 1 {
		me.RatherNotWith = []string{fmt.Sprint("b", g.next(6))}
	}
	if g.next(3) == 1 {
		me.RatherNotKind = kinds[g.next(2)]
	}
	var roster []RosterBuddy
	var weeks []BuddyWeek
	for i := range 1 + g.next(6) {
		b := RosterBuddy{ID: fmt.Sprint("b", i), PlacementID: fmt.Sprint("p", g.next(2)), Kind: kinds[g.next(2)],
			AgeBand: ageBands[g.next(len(ageBands))], Gender: genders[g.next(len(genders))],
			Languages: g.pick(langs), Interests: g.pick(likes), Capacity: g.next(3), Consent: consented}
		switch g.next(4) {
		case 1:
			b.Consent.WithdrawnAt = onDay(-1)
		case 2:
			b.Consent = BuddyConsent{}
		}
		for range g.next(3) {
			from := g.day()
			b.Absences = append(b.Absences, DayRange{from, from.AddDate(0, 0, g.next(4))})
		}
		for range g.next(4) {
			w := BuddyWeek{BuddyID: b.ID, YoungPersonID: fmt.Sprint("o", g.next(9)), From: g.day()}
			if g.next(3) == 1 {
				w.Last = w.From.AddDate(0, 0, 6+g.next(8))
			}
			weeks = append(weeks, w)
		}
		roster = append(roster, b)
	}
	return a, me, roster, weeks
}
