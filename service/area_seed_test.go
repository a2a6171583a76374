package service_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"

	"heard"
	"heard/store"
)

// A realistic single area for BenchmarkArea: its people (through the store's
// normal methods), a year of cards and feedback (in bulk, through store.Seeder,
// as the workflows would have left them), and the facts the benchmark needs to
// act as its people (caseloads, the duty rota, cards waiting for an answer).

// areaSize is the area's size; the defaults are a realistic single area and
// HEARD_BENCH_* environment variables change them.
type areaSize struct {
	YoungPeople, Staff, Cards, Answers int
}

func areaSizeFromEnv() areaSize {
	return areaSize{
		YoungPeople: envInt("HEARD_BENCH_YOUNG_PEOPLE", 2_000),
		Staff:       envInt("HEARD_BENCH_STAFF", 300),
		Cards:       envInt("HEARD_BENCH_CARDS", 200_000),
		Answers:     envInt("HEARD_BENCH_ANSWERS", 50_000),
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchArea is the area in memory: what was stored, and who is who.
type benchArea struct {
	size          areaSize
	clock         *benchClock
	now           time.Time // when the seeded year ends
	r             *rand.Rand
	area          heard.Area
	teams         []heard.Team
	placements    []heard.Placement
	keyWorkers    []heard.Staff
	dutyWorkers   []heard.Staff
	managers      []heard.Staff // one per team, in team order
	others        []heard.Staff // placement staff, administrators, commissioners
	staff         map[string]heard.Staff
	youngPeople   []heard.YoungPerson
	placementType map[string]string // young person → their placement's type
	// history is each young person's key workers, oldest first; the last is now.
	history map[string][]heard.Assignment
	// waiting are cards nobody has acknowledged yet, for the benchmark to acknowledge.
	waiting []sentCard
}

type sentCard struct{ id, youngPersonID string }

// Staff roles as shares of 300: most are key workers; a duty team, a manager per
// team, placement staff, a few administrators and commissioners.
func staffMix(total int) (keyWorkers, duty, managers, placement, admins, commissioners int) {
	duty = max(2, total*20/300)
	managers = max(1, total*12/300)
	placement = total * 90 / 300
	admins = max(1, total*10/300)
	commissioners = max(1, total*8/300)
	keyWorkers = max(1, total-duty-managers-placement-admins-commissioners)
	return
}

var placementTypeMix = []heard.PlacementType{heard.PlacementChildrensHome, heard.PlacementFoster, heard.PlacementFoster,
	heard.PlacementFoster, heard.PlacementSupportedLodgings, heard.PlacementInpatient}

var teamServices = []heard.Service{heard.ServiceSocialCare, heard.ServiceSocialCare, heard.ServiceCAMHS, heard.ServiceSocialCare,
	heard.ServiceCAMHS, heard.ServicePlacement, heard.ServiceSocialCare, heard.ServiceCAMHS, heard.ServiceOther}

// newBenchArea makes the area's people in memory: teams, placements, staff,
// young people and their key-worker histories.
func newBenchArea(size areaSize, clock *benchClock) *benchArea {
	now := clock.Now()
	a := &benchArea{size: size, clock: clock, now: now, r: rand.New(rand.NewPCG(2026, 8)), staff: map[string]heard.Staff{},
		placementType: map[string]string{}, history: map[string][]heard.Assignment{}}
	a.area = heard.Area{ID: heard.NewID(), Name: "Benchmark area", TimeZone: "Europe/London", Languages: []string{"en", "ar", "cy"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: now.AddDate(-3, 0, 0)}
	nKey, nDuty, nManagers, nPlacement, nAdmins, nCommissioners := staffMix(size.Staff)
	for i := range nManagers {
		a.teams = append(a.teams, heard.Team{ID: heard.NewID(), AreaID: a.area.ID, Name: fmt.Sprintf("Team %d", i+1),
			Service: teamServices[i%len(teamServices)], CreatedAt: a.area.CreatedAt})
	}
	for i := range max(1, size.YoungPeople/16) {
		a.placements = append(a.placements, heard.Placement{ID: heard.NewID(), AreaID: a.area.ID, Name: fmt.Sprintf("Placement %d", i+1),
			Type: placementTypeMix[i%len(placementTypeMix)], CreatedAt: a.area.CreatedAt})
	}
	addStaff := func(role heard.Role, n int, to *[]heard.Staff) {
		for i := range n {
			s := heard.Staff{ID: heard.NewID(), AreaID: a.area.ID, Email: fmt.Sprintf("%s%d@bench.heard", role, i+1),
				Name: fmt.Sprintf("%s %d", staffFirstNames[len(a.staff)%len(staffFirstNames)], i+1), Role: role, Language: "en",
				PasswordHash: benchPasswordHash, Hours: heard.DefaultHours(), CreatedAt: a.area.CreatedAt}
			if role == heard.RoleKeyWorker || role == heard.RoleTeamManager {
				s.TeamID = a.teams[i%len(a.teams)].ID
			}
			if role == heard.RolePlacementStaff {
				s.PlacementID = a.placements[i%len(a.placements)].ID
			}
			a.staff[s.ID] = s
			*to = append(*to, s)
		}
	}
	addStaff(heard.RoleKeyWorker, nKey, &a.keyWorkers)
	addStaff(heard.RoleDutyWorker, nDuty, &a.dutyWorkers)
	addStaff(heard.RoleTeamManager, nManagers, &a.managers)
	addStaff(heard.RolePlacementStaff, nPlacement, &a.others)
	addStaff(heard.RoleAdministrator, nAdmins, &a.others)
	addStaff(heard.RoleCommissioner, nCommissioners, &a.others)
	for i := range size.YoungPeople {
		a.addYoungPerson(i)
	}
	return a
}

var staffFirstNames = []string{"Alex", "Sam", "Dana", "Morgan", "Priya", "Chris", "Kim", "Jo", "Ravi", "Ola", "Tomasz", "Leila"}
var youngFirstNames = []string{"Jay", "Mia", "Ali", "Zara", "Kai", "Noor", "Leo", "Amira", "Finn", "Hana", "Omar", "Ruby", "Dawit", "Elira"}

// benchPasswordHash is one hash for every account: argon2id per account would
// only slow the seed.
var benchPasswordHash = heard.HashPassword("benchmark password")

// addYoungPerson adds the i-th young person, in a key worker's team, with a
// current key worker and, for most, one or two before.
func (a *benchArea) addYoungPerson(i int) {
	kw := a.keyWorkers[i%len(a.keyWorkers)]
	team := teamByID(a.teams, kw.TeamID)
	y := heard.YoungPerson{ID: heard.NewID(), AreaID: a.area.ID, FirstName: youngFirstNames[i%len(youngFirstNames)], Language: "en",
		TeamID: team.ID, Service: team.Service, CreatedAt: a.now.AddDate(0, 0, -30-a.r.IntN(1000))}
	if a.r.IntN(100) < 85 {
		p := a.placements[a.r.IntN(len(a.placements))]
		y.PlacementID, a.placementType[y.ID] = p.ID, string(p.Type)
	}
	a.youngPeople = append(a.youngPeople, y)
	// Changes of key worker: the review behind SPEC.md found 3.5 a year; here
	// most have had one or two before their current one.
	start := y.CreatedAt
	for range a.r.IntN(3) {
		end := start.Add(time.Duration(a.r.Int64N(int64(a.now.Sub(start)/2)) + 1))
		if a.now.Sub(end) < 30*24*time.Hour {
			break
		}
		prev := a.keyWorkers[a.r.IntN(len(a.keyWorkers))]
		a.history[y.ID] = append(a.history[y.ID], heard.Assignment{ID: heard.NewID(), AreaID: a.area.ID, YoungPersonID: y.ID,
			StaffID: prev.ID, Start: start, End: &end})
		start = end
	}
	a.history[y.ID] = append(a.history[y.ID], heard.Assignment{AreaID: a.area.ID, YoungPersonID: y.ID, StaffID: kw.ID, Start: start})
}

func teamByID(teams []heard.Team, id string) heard.Team {
	for _, t := range teams {
		if t.ID == id {
			return t
		}
	}
	return teams[0]
}

// keyWorkerAt is the young person's key worker at t ("" before their first).
func (a *benchArea) keyWorkerAt(youngPersonID string, t time.Time) string {
	for _, as := range a.history[youngPersonID] {
		if !t.Before(as.Start) && (as.End == nil || t.Before(*as.End)) {
			return as.StaffID
		}
	}
	return ""
}

// The duty rota: three 8-hour shifts a day with two duty workers each, taken in
// turn. onDuty is the rota's rule; storePeople writes the same shifts.
var rotaEpoch = time.Date(2020, 1, 1, 7, 0, 0, 0, time.UTC)

const shiftLength = 8 * time.Hour

func (a *benchArea) shiftAt(t time.Time) int64 { return int64(t.Sub(rotaEpoch) / shiftLength) }

func (a *benchArea) onShift(k int64) []string {
	n := int64(len(a.dutyWorkers))
	first, second := a.dutyWorkers[(2*k)%n].ID, a.dutyWorkers[(2*k+1)%n].ID
	if first == second {
		return []string{first}
	}
	return []string{first, second}
}

func (a *benchArea) onDuty(t time.Time) []string { return a.onShift(a.shiftAt(t)) }

// managerOf is the team manager of a team.
func (a *benchArea) managerOf(teamID string) []string {
	for _, m := range a.managers {
		if m.TeamID == teamID {
			return []string{m.ID}
		}
	}
	return nil
}

// storePeople writes the area, its teams, placements, staff and young people
// through the store's own methods, and the duty rota of the last year and the
// next week.
func (a *benchArea) storePeople(ctx context.Context, st *store.Store) error {
	if err := st.CreateArea(ctx, a.area); err != nil {
		return err
	}
	for _, t := range a.teams {
		if err := st.CreateTeam(ctx, t); err != nil {
			return err
		}
	}
	for _, p := range a.placements {
		if err := st.CreatePlacement(ctx, p); err != nil {
			return err
		}
	}
	for _, group := range [][]heard.Staff{a.keyWorkers, a.dutyWorkers, a.managers, a.others} {
		for _, s := range group {
			if err := st.CreateStaff(ctx, s); err != nil {
				return err
			}
		}
	}
	for _, y := range a.youngPeople {
		if err := st.CreateYoungPerson(ctx, y); err != nil {
			return err
		}
	}
	for k := a.shiftAt(a.now.AddDate(-1, 0, 0)); k <= a.shiftAt(a.now.AddDate(0, 0, 7)); k++ {
		start := rotaEpoch.Add(time.Duration(k) * shiftLength)
		for _, id := range a.onShift(k) {
			if err := st.AddDutyShift(ctx, heard.DutyShift{ID: heard.NewID(), AreaID: a.area.ID, StaffID: id, Start: start, End: start.Add(shiftLength)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// storeKeyWorkers writes the key-worker histories: the ended assignments in
// bulk, the current ones through Assign with the clock at their start.
func (a *benchArea) storeKeyWorkers(ctx context.Context, st *store.Store, sd *store.Seeder) error {
	var ended []heard.Assignment
	for _, y := range a.youngPeople {
		h := a.history[y.ID]
		ended = append(ended, h[:len(h)-1]...)
	}
	if err := sd.EndedAssignments(ctx, ended); err != nil {
		return err
	}
	defer a.clock.Set(a.now)
	for _, y := range a.youngPeople {
		h := a.history[y.ID]
		current := h[len(h)-1]
		a.clock.Set(current.Start)
		stored, err := st.Assign(ctx, a.area.ID, y.ID, current.StaffID)
		if err != nil {
			return err
		}
		h[len(h)-1] = stored
	}
	return nil
}

// Feeling cards as young people choose them: mostly everyday feelings, a few
// asking for a person, fewer urgent ones.
var cardWeights = map[string]int{"happy": 120, "calm": 100, "proud": 60, "okay": 140, "tired": 100, "sad": 90, "lonely": 50,
	"worried": 80, "scared": 30, "angry": 60, "confused": 40, "want_to_talk": 40, "sit_with_me": 20, "not_safe": 10,
	"unhappy_where_i_live": 10, "might_hurt_myself": 5}

func (a *benchArea) pickCard() (string, heard.CardAmount, heard.CardHelp) {
	total := 0
	for _, k := range heard.CardCatalogue() {
		total += cardWeights[k.ID]
	}
	x, id := a.r.IntN(total), ""
	for _, k := range heard.CardCatalogue() {
		if x -= cardWeights[k.ID]; x < 0 {
			id = k.ID
			break
		}
	}
	var amount heard.CardAmount
	if a.r.IntN(2) == 0 {
		amount = heard.CardAmounts[a.r.IntN(len(heard.CardAmounts))]
	}
	var help heard.CardHelp
	if a.r.IntN(5) < 2 {
		help = heard.CardHelps[a.r.IntN(len(heard.CardHelps))]
	}
	return id, amount, help
}

// cardsPerYoungPerson shares the cards out unevenly: a few young people send
// many, most send some.
func (a *benchArea) cardsPerYoungPerson() []int {
	weights := make([]float64, len(a.youngPeople))
	sum := 0.0
	for i := range weights {
		weights[i] = a.r.ExpFloat64()
		sum += weights[i]
	}
	counts, given := make([]int, len(weights)), 0
	for i, w := range weights {
		counts[i] = int(float64(a.size.Cards) * w / sum)
		given += counts[i]
	}
	for i := 0; given < a.size.Cards; i++ {
		counts[i%len(counts)]++
		given++
	}
	return counts
}

// lognormal draws a wait around a median, with a long tail.
func (a *benchArea) lognormal(median time.Duration) time.Duration {
	return time.Duration(float64(median) * math.Exp(1.1*a.r.NormFloat64()))
}

// cardsOf makes a young person's cards over the last year, as SendCard stored
// them and their adults acknowledged them, with their alerts.
func (a *benchArea) cardsOf(y heard.YoungPerson, n int) []store.SeededCard {
	// Over the last year, or since they joined.
	span := min(365*24*time.Hour, a.now.Sub(y.CreatedAt))
	times := make([]time.Time, n)
	for i := range times {
		times[i] = a.now.Add(-time.Duration(a.r.Int64N(int64(span)))).Truncate(time.Millisecond)
	}
	slices.SortFunc(times, func(x, z time.Time) int { return x.Compare(z) })
	out := make([]store.SeededCard, 0, n)
	for _, at := range times {
		id, amount, help := a.pickCard()
		kind, _ := heard.CardKindByID(id)
		c := heard.Card{ID: heard.NewID(), AreaID: a.area.ID, YoungPersonID: y.ID, TeamID: y.TeamID, Service: y.Service,
			PlacementType: a.placementType[y.ID], CardID: id, Amount: amount, Help: help, Urgency: heard.CardUrgency(kind, amount, help),
			SentAt: heard.CardSentAt(&at, at), ReceivedAt: at, Day: heard.CardDay(a.area.TimeZone, at)}
		if a.r.IntN(10) < 3 {
			c.Note = "Something happened at school today and I keep thinking about it."
		}
		var kw *heard.Staff
		if id := a.keyWorkerAt(y.ID, at); id != "" {
			s := a.staff[id]
			kw, c.KeyWorkerID = &s, id
		}
		c.AutoReply = heard.CardAutoReply(kw, a.area, c.Urgency, at)
		a.acknowledge(&c)
		alert, timer := a.alertFor(c)
		out = append(out, store.SeededCard{Card: c, Alert: alert, Timer: timer})
		if c.AckAt == nil && a.now.Sub(at) < 2*24*time.Hour {
			a.waiting = append(a.waiting, sentCard{id: c.ID, youngPersonID: y.ID})
		}
	}
	return out
}

// acknowledge decides whether and when a card was acknowledged, by whom and
// with what reply: urgent cards within minutes, others within hours; one in
// fifty never.
func (a *benchArea) acknowledge(c *heard.Card) {
	median := map[heard.Urgency]time.Duration{heard.UrgencyUrgent: 6 * time.Minute, heard.UrgencyConcerning: 45 * time.Minute,
		heard.UrgencyOrdinary: 4 * time.Hour}[c.Urgency]
	at := c.ReceivedAt.Add(a.lognormal(median)).Truncate(time.Millisecond)
	if at.After(a.now) || a.r.IntN(50) == 0 || c.KeyWorkerID == "" && c.Urgency == heard.UrgencyOrdinary {
		return
	}
	by := a.staff[c.KeyWorkerID]
	if c.KeyWorkerID == "" || c.Urgency == heard.UrgencyUrgent && at.Sub(c.ReceivedAt) > a.area.Escalation.UrgentToDuty {
		by = a.staff[a.onDuty(at)[0]]
	}
	c.AckAt, c.AckBy, c.AckByName, c.AckByRole = &at, by.ID, by.FirstName(), by.Role
	switch x := a.r.IntN(10); {
	case x < 6:
		c.Reply = &heard.CardReply{QuickReplyID: "here_for_you"}
	case x < 8:
		c.Reply = &heard.CardReply{Text: "Thank you for telling me. Shall we talk after school tomorrow?"}
	}
}

// alertFor is the card's alert as the escalator's steps left it by now (see
// notify's step): the key worker told at once, and for urgent cards the duty
// workers on duty; concerning and urgent cards not acknowledged in time go to
// the duty workers, urgent ones then to the team manager. An alert with a step
// still due keeps its timer.
func (a *benchArea) alertFor(c heard.Card) (store.AlertRecord, *store.AlertTimer) {
	typ := "card"
	if c.Urgency == heard.UrgencyUrgent {
		typ = "card_urgent"
	}
	policy := a.area.Escalation
	rec := store.AlertRecord{Alert: heard.Alert{ID: c.ID, AreaID: c.AreaID, YoungPersonID: c.YoungPersonID, KeyWorkerID: c.KeyWorkerID,
		TeamID: c.TeamID, Urgency: c.Urgency, Type: typ, Link: "/#/inbox/" + c.ID, CreatedAt: c.ReceivedAt},
		Policy: policy, Status: store.AlertDone, StepsTaken: map[string]store.AlertStep{}, Told: []string{}, EscalatedTo: []string{}}
	// take records a step: who it told, and which of them it escalated to
	// (anyone already told is not told again).
	take := func(step string, at time.Time, told, escalated []string) {
		fresh := func(ids []string, also []string) []string {
			return slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
				return id == "" || slices.Contains(rec.Told, id) || slices.Contains(also, id)
			})
		}
		told = fresh(told, nil)
		escalated = fresh(escalated, told)
		rec.StepsTaken[step] = store.AlertStep{Step: step, At: at, Told: append(slices.Clone(told), escalated...)}
		rec.Told = append(append(rec.Told, told...), escalated...)
		rec.EscalatedTo = append(rec.EscalatedTo, escalated...)
	}
	next, due := "", time.Time{}
	switch c.Urgency {
	case heard.UrgencyUrgent:
		take("notify", c.ReceivedAt, []string{c.KeyWorkerID}, a.onDuty(c.ReceivedAt))
		next, due = "duty", c.ReceivedAt.Add(policy.UrgentToDuty)
	case heard.UrgencyConcerning:
		take("notify", c.ReceivedAt, []string{c.KeyWorkerID}, nil)
		next, due = "duty", c.ReceivedAt.Add(policy.ConcerningAfter)
	default:
		take("notify", c.ReceivedAt, []string{c.KeyWorkerID}, nil)
	}
	for next != "" {
		if due.After(a.now) {
			rec.Status, rec.NextStep, rec.DueAt = store.AlertOpen, next, due
			return rec, &store.AlertTimer{Alert: rec.Alert, JobLease: store.JobLease{LeaseUntil: time.Unix(0, 0).UTC()},
				Policy: policy, NextStep: next, DueAt: due, Told: rec.Told}
		}
		if c.AckAt != nil && !c.AckAt.After(due) {
			break // the step finds the acknowledgement and closes the alert
		}
		switch next {
		case "duty":
			take("duty", due, nil, a.onDuty(due))
			next = ""
			if c.Urgency == heard.UrgencyUrgent {
				next, due = "manager", due.Add(policy.DutyToManager)
			}
		case "manager":
			take("manager", due, nil, a.managerOf(c.TeamID))
			next = ""
		}
	}
	return rec, nil
}

// storeCards writes every young person's cards, a batch of young people at a time.
func (a *benchArea) storeCards(ctx context.Context, sd *store.Seeder) error {
	counts := a.cardsPerYoungPerson()
	var batch []store.SeededCard
	for i, y := range a.youngPeople {
		batch = append(batch, a.cardsOf(y, counts[i])...)
		if len(batch) >= 20_000 || i == len(a.youngPeople)-1 {
			if err := sd.Cards(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}
