package service_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/SherClockHolmes/webpush-go"
	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/notify"
	"heard/service"
	"heard/testkit"
)

// buddyWorld is peopleWorld with Oak's staff member Olu, two volunteers on
// Oak's roster (Amal, a resident who speaks Arabic and likes football; Beth,
// staff, who likes drawing), Yara's "about me", and a service that queues
// real notifications.
type buddyWorld struct {
	*peopleWorld
	olu        heard.Staff
	amal, beth heard.RosterBuddy
}

func newBuddyWorld(t *testing.T) *buddyWorld {
	t.Helper()
	w := &buddyWorld{peopleWorld: newPeopleWorld(t)}
	w.svc = w.instance("first")
	w.olu = heard.Staff{ID: heard.NewID(), AreaID: w.area.ID, Name: "Olu Staff", Email: "olu@a.test", Role: heard.RolePlacementStaff,
		PlacementID: w.oak.ID, Language: "en", PasswordHash: "x", Hours: heard.DefaultHours(), CreatedAt: w.clock.Now()}
	w.must(w.st.CreateStaff(w.ctx, w.olu))
	var err error
	w.amal, err = w.svc.AddRosterBuddy(w.ctx, w.staff(), heard.NewRosterBuddy{Kind: heard.BuddyResident, FirstName: "Amal", AgeBand: heard.Age13to15,
		Languages: []string{"ar", "en"}, Interests: []string{"football"}, Capacity: 1, ConsentGivenBy: "Amal and her social worker"})
	w.must(err)
	w.beth, err = w.svc.AddRosterBuddy(w.ctx, w.staff(), heard.NewRosterBuddy{Kind: heard.BuddyStaff, FirstName: "Beth", AgeBand: heard.Age18Plus,
		Languages: []string{"en"}, Interests: []string{"drawing", "football"}, Capacity: 2, ConsentGivenBy: "Beth"})
	w.must(err)
	_, err = w.svc.SetMyAboutMe(w.ctx, w.yp(), heard.AboutMe{Languages: []string{"ar"}, Interests: []string{"football", "drawing"},
		HardDay: []string{"music"}, Note: "I support Arsenal", PlacementMaySee: []heard.AboutMeField{heard.AboutMeLanguages, heard.AboutMeInterests}})
	w.must(err)
	return w
}

// instance is the service of another Heard instance on the same database.
func (w *buddyWorld) instance(name string) *service.Service {
	private, public, err := webpush.GenerateVAPIDKeys()
	w.must(err)
	n, err := notify.New(notify.Config{Store: w.st, Log: testkit.Quiet(), Clock: w.clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
		Subject: "buddies@heard.test", Instance: name})
	w.must(err)
	return service.New(service.Config{Store: w.st, Notifier: n, Clock: w.clock, Log: testkit.Quiet(), Instance: name})
}

func (w *buddyWorld) staff() heard.Principal { return w.principal(w.olu) }
func (w *buddyWorld) yp() heard.Principal {
	return heard.Principal{ID: w.yara.ID, AreaID: w.area.ID, Role: heard.RoleYoungPerson, Name: w.yara.FirstName, RequestID: heard.NewID()}
}

// notices counts the notifications of a type queued for a recipient.
func (w *buddyWorld) notices(typ, recipient string) int64 {
	w.t.Helper()
	n, err := w.st.DB.Collection("push_outbox").CountDocuments(w.ctx, bson.D{{Key: "type", Value: typ}, {Key: "recipientId", Value: recipient}})
	w.must(err)
	return n
}

// at sets the clock to hour:00 (London, which is UTC in November) of the move day plus days.
func (w *buddyWorld) at(m heard.Move, days, hour int) {
	to := m.Date.AddDate(0, 0, days).Add(time.Duration(hour) * time.Hour)
	if now := w.clock.Now(); to.After(now) {
		w.clock.Advance(to.Sub(now))
	}
}

func (w *buddyWorld) run() {
	w.t.Helper()
	_, err := w.svc.RunOnce(w.ctx)
	w.must(err)
}

// movingIn plans Yara's move to Oak three days ahead and shares and confirms it.
func (w *buddyWorld) movingIn() heard.Move {
	m := w.plannedMove(w.yara, 3)
	for _, st := range []heard.MoveStatus{heard.MoveShared, heard.MoveConfirmed} {
		_, err := w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), m.ID, heard.MoveChange{Status: st})
		w.must(err)
	}
	return m
}

func (w *buddyWorld) myWeek() heard.MyWeek {
	w.t.Helper()
	v, err := w.svc.MyBuddyWeek(w.ctx, w.yp())
	w.must(err)
	if v.Week == nil {
		w.t.Fatal("Yara has no buddy week")
	}
	return *v.Week
}

// kpiShare is a share tile's exact k and n for the whole area.
func (w *buddyWorld) kpiShare(tile string) (k, n int64) {
	w.t.Helper()
	r, err := w.svc.KPIs(w.ctx, w.admin, heard.KPIQuery{})
	w.must(err)
	for _, tl := range r.Tiles {
		if tl.ID == tile {
			if tl.Total.K != nil {
				k = val(*tl.Total.K)
			}
			return k, val(tl.Total.N)
		}
	}
	w.t.Fatalf("no tile %s", tile)
	return 0, 0
}

// TestBuddyWeekFromProposalToRating: the whole week as its people live it.
func TestBuddyWeekFromProposalToRating(t *testing.T) {
	w := newBuddyWorld(t)
	kim := w.principal(w.kim)
	m := w.movingIn()

	// The key worker sees Amal proposed (she speaks Arabic), with Beth as the other who fits, and confirms.
	match, err := w.svc.BuddyMatch(w.ctx, kim, m.ID)
	w.must(err)
	if match.Proposal == nil || match.Proposal.Buddy.ID != w.amal.ID || len(match.Others) != 1 || match.Others[0].ID != w.beth.ID {
		t.Fatalf("proposal: %+v", match)
	}
	if match.AboutMe == nil || match.AboutMe.Note != "" || len(match.AboutMe.HardDay) != 0 {
		t.Errorf("the placement sees what Yara did not let it see: %+v", match.AboutMe)
	}
	match, err = w.svc.ChooseBuddy(w.ctx, kim, m.ID, heard.BuddyChoice{BuddyID: w.amal.ID})
	w.must(err)
	if match.Week == nil || match.Week.Status != heard.BuddyWeekConfirmed || match.Week.Buddy.FirstName != "Amal" {
		t.Fatalf("confirmed: %+v", match.Week)
	}
	if w.notices(heard.NoticeBuddyMatched, w.yara.ID) != 1 {
		t.Errorf("Yara was not told she has a buddy")
	}
	if mine := w.myWeek(); mine.Status != heard.BuddyWeekConfirmed || mine.DayNumber != 0 || mine.Buddy.FirstName != "Amal" ||
		len(mine.Buddy.InCommon) == 0 {
		t.Errorf("before the move: %+v", mine)
	}

	// The move day: she arrives; the week starts and is counted.
	w.at(m, 0, 11)
	_, err = w.svc.ChangeMoveStatus(w.ctx, kim, m.ID, heard.MoveChange{Status: heard.MoveArrived})
	w.must(err)
	if k, n := w.kpiShare(heard.TileBuddyStarted); k != 1 || n != 1 {
		t.Errorf("arrivals with a buddy: %d of %d", k, n)
	}
	if mine := w.myWeek(); mine.Status != heard.BuddyWeekActive || mine.DayNumber != 1 || mine.CheckinDue {
		t.Errorf("day 1 morning: %+v", mine)
	}
	// Day 1 evening: one gentle push; she answers 4; Olu logs a contact.
	w.at(m, 0, 19)
	w.run()
	w.run()
	if got := w.notices(heard.NoticeBuddyCheckin, w.yara.ID); got != 1 {
		t.Errorf("day 1 check-in pushes: %d", got)
	}
	if !w.myWeek().CheckinDue {
		t.Errorf("the check-in is not due in the evening")
	}
	day := func(n int) string { return m.Date.AddDate(0, 0, n).Format(time.DateOnly) }
	_, err = w.svc.CheckIn(w.ctx, w.yp(), day(0), heard.BuddyCheckinAnswer{Rating: 4, Words: "Amal showed me the park", ShareWords: false})
	w.must(err)
	_, err = w.svc.LogBuddyContact(w.ctx, w.staff(), heard.BuddyWeekID(m.ID), heard.BuddyContact{Day: day(0)})
	w.must(err)
	// Day 2 evening: a low answer, no contact.
	w.at(m, 1, 19)
	w.run()
	_, err = w.svc.CheckIn(w.ctx, w.yp(), day(1), heard.BuddyCheckinAnswer{Rating: 1, Words: "lonely", ShareWords: true})
	w.must(err)
	// Day 3 morning: placement staff are told once; the week shows why.
	w.at(m, 2, 9)
	w.run()
	w.run()
	if got := w.notices(heard.NoticeBuddyMorning, w.olu.ID); got != 1 {
		t.Errorf("staff told %d times the morning after a low day", got)
	}
	weeks, err := w.svc.PlacementBuddyWeeks(w.ctx, w.staff())
	w.must(err)
	if len(weeks) != 1 || len(weeks[0].Flags) != 2 || weeks[0].DayNumber != 3 {
		t.Fatalf("the placement's weeks: %+v", weeks)
	}
	if weeks[0].Checkins[0].Words != "" || weeks[0].Checkins[1].Words != "lonely" {
		t.Errorf("words shown against the young person's choice: %+v", weeks[0].Checkins)
	}
	if weeks[0].YoungPersonFirstName != "Yara" || weeks[0].Buddy.FirstName != "Amal" {
		t.Errorf("week view: %+v", weeks[0])
	}

	// She asks for a different buddy; staff are told; Olu chooses Beth: a rematch, the days unchanged.
	mine, err := w.svc.AskBuddy(w.ctx, w.yp(), heard.BuddyAsk{Kind: heard.BuddyAskDifferent})
	w.must(err)
	if !mine.Week.AskedDifferent || w.notices(heard.NoticeBuddyRequest, w.olu.ID) != 1 {
		t.Errorf("asking for a different buddy: %+v", mine.Week)
	}
	match, err = w.svc.BuddyMatch(w.ctx, w.staff(), m.ID)
	w.must(err)
	if match.Proposal == nil || match.Proposal.Buddy.ID != w.beth.ID {
		t.Fatalf("the new proposal is not Beth: %+v", match.Proposal)
	}
	match, err = w.svc.ChooseBuddy(w.ctx, w.staff(), m.ID, heard.BuddyChoice{BuddyID: w.beth.ID})
	w.must(err)
	if match.Week.Buddy.FirstName != "Beth" || len(match.Week.PastBuddies) != 1 || match.Week.From != day(0) {
		t.Errorf("after the rematch: %+v", match.Week)
	}
	_, err = w.svc.HandleBuddyRequest(w.ctx, w.staff(), match.Week.ID, heard.BuddyAskDifferent)
	w.must(err)
	// She would like to keep Beth longer: seven more days.
	_, err = w.svc.AskBuddy(w.ctx, w.yp(), heard.BuddyAsk{Kind: heard.BuddyAskLonger})
	w.must(err)
	v, err := w.svc.HandleBuddyRequest(w.ctx, w.staff(), match.Week.ID, heard.BuddyAskLonger)
	w.must(err)
	if v.Last != day(13) {
		t.Errorf("kept longer until %s, want %s", v.Last, day(13))
	}

	// Day 8 morning: the week reached seven days with a buddy.
	w.at(m, 7, 9)
	w.run()
	if k, n := w.kpiShare(heard.TileBuddySevenDays); k != 1 || n != 1 {
		t.Errorf("a buddy for seven days: %d of %d", k, n)
	}
	// The last evening asks for the rating too; from the next day it is due.
	w.at(m, 13, 19)
	w.run()
	if w.notices(heard.NoticeBuddyCheckinLast, w.yara.ID) != 1 {
		t.Errorf("the last evening's push was not sent")
	}
	if _, err := w.svc.RateBuddyWeek(w.ctx, w.yp(), heard.BuddyRatingAnswer{Rating: 5}); !errors.Is(err, heard.ErrConflict) {
		t.Errorf("rated before the end: %v", err)
	}
	w.at(m, 14, 10)
	if !w.myWeek().RateDue {
		t.Errorf("the rating is not due after the last day")
	}
	mine, err = w.svc.RateBuddyWeek(w.ctx, w.yp(), heard.BuddyRatingAnswer{Rating: 5, Words: "Beth was kind"})
	w.must(err)
	if mine.Week.Status != heard.BuddyWeekRated || mine.Week.RateDue {
		t.Errorf("after rating: %+v", mine.Week)
	}
	_, err = w.svc.RateBuddyWeek(w.ctx, w.yp(), heard.BuddyRatingAnswer{Rating: 5, Words: "Beth was kind"}) // a resend
	w.must(err)
	if got := w.kpiTotal(heard.TileBuddyRating); got != 1 {
		t.Errorf("%d ratings counted", got)
	}
	w.run()
	if k, n := w.kpiShare(heard.TileBuddyRematch); k != 1 || n != 1 {
		t.Errorf("rematches: %d of %d", k, n)
	}
	// Every job was done once and is gone.
	jobs, err := w.st.BuddyJobs(w.ctx, heard.BuddyWeekID(m.ID))
	w.must(err)
	if len(jobs) != 0 {
		t.Errorf("%d jobs left after the week", len(jobs))
	}
	// Only the evenings the clock stood at were pushed: one found days
	// late (the test skipped them) is not sent.
	if got := w.notices(heard.NoticeBuddyCheckin, w.yara.ID); got != 2 {
		t.Errorf("%d evening check-in pushes, want the 2 evenings lived", got)
	}
}

// TestChooseBuddyUnderFaults fails choosing a buddy after each of its writes
// in turn, then the key worker taps again (or the background worker finishes
// it): one week, listed, with its 14 jobs, one audit entry, one notice.
func TestChooseBuddyUnderFaults(t *testing.T) {
	choose := func(w *buddyWorld, m heard.Move) error {
		_, err := w.svc.ChooseBuddy(w.ctx, w.principal(w.kim), m.ID, heard.BuddyChoice{BuddyID: w.amal.ID})
		return err
	}
	eachBuddyFault(t, (*buddyWorld).movingIn, choose, func(w *buddyWorld, m heard.Move, after string) {
		jobs, err := w.st.BuddyJobs(w.ctx, heard.BuddyWeekID(m.ID))
		w.must(err)
		weeks, err := w.svc.PlacementBuddyWeeks(w.ctx, w.staff())
		w.must(err)
		if len(weeks) != 1 || weeks[0].Buddy.ID != w.amal.ID || len(jobs) != 14 || w.audited("buddy_chosen") != 1 ||
			w.notices(heard.NoticeBuddyMatched, w.yara.ID) != 1 || w.inProgress() != 0 {
			t.Errorf("%s: %d weeks, %d jobs, %d audit entries, %d notices, %d in progress", after, len(weeks), len(jobs),
				w.audited("buddy_chosen"), w.notices(heard.NoticeBuddyMatched, w.yara.ID), w.inProgress())
		}
	})
}

// TestBuddyJobsTwoInstancesAndACrash: two instances run the evening's jobs
// at once and each push goes once; a job taken by an instance that then died
// is done by another once its lease has run out.
func TestBuddyJobsTwoInstancesAndACrash(t *testing.T) {
	w := newBuddyWorld(t)
	m := w.movingIn()
	_, err := w.svc.ChooseBuddy(w.ctx, w.principal(w.kim), m.ID, heard.BuddyChoice{BuddyID: w.amal.ID})
	w.must(err)
	w.at(m, 0, 11)
	_, err = w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), m.ID, heard.MoveChange{Status: heard.MoveArrived})
	w.must(err)

	w.at(m, 0, 19)
	second := w.instance("second")
	var wg sync.WaitGroup
	done := make([]int, 2)
	for i, svc := range []*service.Service{w.svc, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				n, err := svc.RunBuddyJobs(w.ctx)
				if err != nil {
					t.Error(err)
				}
				done[i] += n
			}
		}()
	}
	wg.Wait()
	if done[0]+done[1] != 1 || w.notices(heard.NoticeBuddyCheckin, w.yara.ID) != 1 {
		t.Errorf("two instances: %v jobs done, %d pushes", done, w.notices(heard.NoticeBuddyCheckin, w.yara.ID))
	}

	// The next evening an instance takes the job and dies before doing it.
	w.at(m, 1, 19)
	taken, err := w.st.TakeBuddyJobs(w.ctx, "crashed", 30*time.Second, 10)
	w.must(err)
	if len(taken) == 0 {
		t.Fatalf("the crashed instance took no job")
	}
	w.run()
	if got := w.notices(heard.NoticeBuddyCheckin, w.yara.ID); got != 1 {
		t.Errorf("a held job was done by another instance: %d pushes", got)
	}
	w.clock.Advance(31 * time.Second)
	w.run()
	w.run()
	if got := w.notices(heard.NoticeBuddyCheckin, w.yara.ID); got != 2 {
		t.Errorf("after the lease: %d pushes, want 2", got)
	}
}

// TestBuddyConsentWithdrawnNeverProposed: a resident who is a young person in
// Heard withdraws their consent; they are never proposed again, and choosing
// them is refused.
func TestBuddyConsentWithdrawnNeverProposed(t *testing.T) {
	w := newBuddyWorld(t)
	sam := heard.YoungPerson{ID: heard.NewID(), AreaID: w.area.ID, FirstName: "Sam", Language: "en", TeamID: w.team.ID, Service: w.team.Service,
		PlacementID: w.oak.ID, CreatedAt: w.clock.Now()}
	w.must(w.st.CreateYoungPerson(w.ctx, sam))
	samBuddy, err := w.svc.AddRosterBuddy(w.ctx, w.staff(), heard.NewRosterBuddy{Kind: heard.BuddyResident, FirstName: "Sam", AgeBand: heard.Age13to15,
		Languages: []string{"ar"}, Interests: []string{"football", "drawing"}, Capacity: 3, ConsentGivenBy: "Sam and his social worker", YoungPersonID: sam.ID})
	w.must(err)
	m := w.movingIn()
	match, err := w.svc.BuddyMatch(w.ctx, w.principal(w.kim), m.ID)
	w.must(err)
	if match.Proposal == nil || match.Proposal.Buddy.ID != samBuddy.ID {
		t.Fatalf("Sam (Arabic, two interests in common) should be proposed first: %+v", match.Proposal)
	}
	samP := heard.Principal{ID: sam.ID, AreaID: w.area.ID, Role: heard.RoleYoungPerson, RequestID: heard.NewID()}
	w.must(w.svc.WithdrawMyBuddyConsent(w.ctx, samP))
	w.must(w.svc.WithdrawMyBuddyConsent(w.ctx, samP)) // again: nothing more
	for i := range 3 {
		match, err = w.svc.BuddyMatch(w.ctx, w.principal(w.kim), m.ID)
		w.must(err)
		if match.Proposal == nil || match.Proposal.Buddy.ID == samBuddy.ID {
			t.Fatalf("try %d: proposal after withdrawal: %+v", i, match.Proposal)
		}
		for _, o := range match.Others {
			if o.ID == samBuddy.ID {
				t.Fatalf("Sam is still offered as another who fits")
			}
		}
	}
	if _, err := w.svc.ChooseBuddy(w.ctx, w.principal(w.kim), m.ID, heard.BuddyChoice{BuddyID: samBuddy.ID}); !errors.Is(err, heard.ErrConflict) {
		t.Errorf("choosing a buddy who withdrew: %v", err)
	}
	roster, err := w.svc.RosterBuddies(w.ctx, w.staff())
	w.must(err)
	for _, b := range roster {
		if b.ID == samBuddy.ID && (b.Active || b.Consent.WithdrawnAt.IsZero()) {
			t.Errorf("the roster does not show the withdrawal: %+v", b)
		}
	}
}

// TestCancelledMoveRemovesItsBuddyWeek: cancelling the move removes the week,
// its jobs and what Yara and the placement see of it; no push follows.
func TestCancelledMoveRemovesItsBuddyWeek(t *testing.T) {
	w := newBuddyWorld(t)
	m := w.movingIn()
	_, err := w.svc.ChooseBuddy(w.ctx, w.principal(w.kim), m.ID, heard.BuddyChoice{BuddyID: w.amal.ID})
	w.must(err)
	_, err = w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), m.ID, heard.MoveChange{Status: heard.MoveCancelled})
	w.must(err)
	if _, err := w.st.BuddyWeek(w.ctx, w.area.ID, heard.BuddyWeekID(m.ID)); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("the week is still there: %v", err)
	}
	jobs, err := w.st.BuddyJobs(w.ctx, heard.BuddyWeekID(m.ID))
	w.must(err)
	v, err := w.svc.MyBuddyWeek(w.ctx, w.yp())
	w.must(err)
	weeks, err := w.svc.PlacementBuddyWeeks(w.ctx, w.staff())
	w.must(err)
	if len(jobs) != 0 || v.Week != nil || len(weeks) != 0 {
		t.Errorf("after cancelling: %d jobs, my week %+v, %d placement weeks", len(jobs), v.Week, len(weeks))
	}
	w.at(m, 0, 19)
	w.run()
	if w.notices(heard.NoticeBuddyCheckin, w.yara.ID) != 0 {
		t.Errorf("a check-in was pushed for a cancelled move")
	}
	if _, err := w.svc.BuddyMatch(w.ctx, w.principal(w.kim), m.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("a cancelled move's buddy: %v", err)
	}
}

// TestDemoBuddyWeek: the demo's Oak House has three volunteers, two of them
// residents, and Mia is on day 3 of her week with Amal, with two check-ins
// and a contact; her evening check-in is pushed when the evening comes.
func TestDemoBuddyWeek(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	w := &buddyWorld{peopleWorld: &peopleWorld{t: t, ctx: t.Context(), clock: clock, st: st}}
	w.svc = w.instance("demo")
	if _, err := st.SeedDemo(w.ctx); err != nil {
		t.Fatal(err)
	}
	priya, err := st.StaffByEmail(w.ctx, "oak@demo.heard")
	w.must(err)
	roster, err := w.svc.RosterBuddies(w.ctx, w.principal(priya))
	w.must(err)
	residents := 0
	for _, b := range roster {
		if b.Kind == heard.BuddyResident && b.Active {
			residents++
		}
	}
	if len(roster) != 3 || residents != 2 {
		t.Errorf("Oak House's roster: %d volunteers, %d residents", len(roster), residents)
	}
	weeks, err := w.svc.PlacementBuddyWeeks(w.ctx, w.principal(priya))
	w.must(err)
	if len(weeks) != 1 || weeks[0].YoungPersonFirstName != "Mia" || weeks[0].DayNumber != 3 || weeks[0].Status != heard.BuddyWeekActive ||
		len(weeks[0].Checkins) != 2 || len(weeks[0].Contacts) != 1 || weeks[0].Buddy.FirstName != "Amal" {
		t.Fatalf("the demo's week: %+v", weeks)
	}
	people, err := st.YoungPeopleInArea(w.ctx, priya.AreaID)
	w.must(err)
	for _, y := range people {
		if y.FirstName != "Mia" {
			continue
		}
		mia := heard.Principal{ID: y.ID, AreaID: y.AreaID, Role: heard.RoleYoungPerson, RequestID: heard.NewID()}
		v, err := w.svc.MyBuddyWeek(w.ctx, mia)
		w.must(err)
		if v.Week == nil || v.Week.DayNumber != 3 || v.Week.Buddy.FirstName != "Amal" || len(v.Week.Checkins) != 2 {
			t.Fatalf("Mia's week: %+v", v.Week)
		}
		clock.Advance(9 * time.Hour) // 19:00
		w.run()
		if w.notices(heard.NoticeBuddyCheckin, y.ID) != 1 {
			t.Errorf("Mia's evening check-in was not pushed")
		}
		return
	}
	t.Fatal("no Mia in the demo")
}

// TestResidentBuddySeesTheirWeek: a resident buddy who is a young person in
// Heard sees the week they buddy (the newcomer's first name and day) and logs
// a contact themself; another week's newcomer cannot; once they withdraw
// they see no week to buddy.
func TestResidentBuddySeesTheirWeek(t *testing.T) {
	w := newBuddyWorld(t)
	sam := heard.YoungPerson{ID: heard.NewID(), AreaID: w.area.ID, FirstName: "Sam", Language: "en", TeamID: w.team.ID, Service: w.team.Service,
		PlacementID: w.oak.ID, CreatedAt: w.clock.Now()}
	w.must(w.st.CreateYoungPerson(w.ctx, sam))
	samBuddy, err := w.svc.AddRosterBuddy(w.ctx, w.staff(), heard.NewRosterBuddy{Kind: heard.BuddyResident, FirstName: "Sam", AgeBand: heard.Age13to15,
		Languages: []string{"ar"}, Interests: []string{"football"}, Capacity: 1, ConsentGivenBy: "Sam and his social worker", YoungPersonID: sam.ID})
	w.must(err)
	m := w.movingIn()
	_, err = w.svc.ChooseBuddy(w.ctx, w.principal(w.kim), m.ID, heard.BuddyChoice{BuddyID: samBuddy.ID})
	w.must(err)
	w.at(m, 1, 12)
	samP := heard.Principal{ID: sam.ID, AreaID: w.area.ID, Role: heard.RoleYoungPerson, RequestID: heard.NewID()}
	v, err := w.svc.MyBuddyWeek(w.ctx, samP)
	w.must(err)
	if v.Week != nil || len(v.Buddying) != 1 || v.Buddying[0].NewcomerFirstName != "Yara" || v.Buddying[0].DayNumber != 2 {
		t.Fatalf("Sam's view: %+v", v)
	}
	weekID := heard.BuddyWeekID(m.ID)
	wv, err := w.svc.LogBuddyContact(w.ctx, samP, weekID, heard.BuddyContact{Day: m.Date.Format(time.DateOnly)})
	w.must(err)
	if len(wv.Contacts) != 1 {
		t.Errorf("Sam's contact was not kept: %+v", wv.Contacts)
	}
	if _, err := w.svc.LogBuddyContact(w.ctx, w.yp(), weekID, heard.BuddyContact{Day: m.Date.Format(time.DateOnly)}); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("the newcomer logged a contact on their own week: %v", err)
	}
	w.must(w.svc.WithdrawMyBuddyConsent(w.ctx, samP))
	v, err = w.svc.MyBuddyWeek(w.ctx, samP)
	w.must(err)
	if len(v.Buddying) != 0 {
		t.Errorf("after withdrawing Sam still sees %+v", v.Buddying)
	}
	if _, err := w.svc.LogBuddyContact(w.ctx, samP, weekID, heard.BuddyContact{Day: m.Date.Format(time.DateOnly)}); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("a withdrawn buddy logged a contact: %v", err)
	}
}

// eachBuddyFault runs step on a fresh world (prepared by setup) once for each
// of its writes, failing that write, then runs it again as the phone or the
// worker would, and checks with then.
func eachBuddyFault(t *testing.T, setup func(w *buddyWorld) heard.Move, step func(w *buddyWorld, m heard.Move) error, then func(w *buddyWorld, m heard.Move, after string)) {
	t.Helper()
	for n := 1; ; n++ {
		w := newBuddyWorld(t)
		m := setup(w)
		reached := w.failWrite(n)
		err := step(w, m)
		hit, which := reached()
		if !hit {
			if err != nil || n < 3 {
				t.Fatalf("without a fault: %v after %d writes", err, n-1)
			}
			return
		}
		after := fmt.Sprintf("after write %d (%s) failed", n, which)
		if err := step(w, m); err != nil {
			t.Fatalf("%s: again: %v", after, err)
		}
		w.afterLease()
		w.clock.Advance(time.Minute) // counted events are folded
		w.run()
		then(w, m, after)
	}
}

// withBuddy is a move three days ahead with Amal chosen.
func withBuddy(w *buddyWorld) heard.Move {
	m := w.movingIn()
	_, err := w.svc.ChooseBuddy(w.ctx, w.principal(w.kim), m.ID, heard.BuddyChoice{BuddyID: w.amal.ID})
	w.must(err)
	return m
}

// TestBuddyArrivalAndRatingUnderFaults: an arrival counted and starting the
// week, and a rating counted, each exactly once however the first try failed.
func TestBuddyArrivalAndRatingUnderFaults(t *testing.T) {
	arrive := func(w *buddyWorld, m heard.Move) error {
		_, err := w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), m.ID, heard.MoveChange{Status: heard.MoveArrived})
		return err
	}
	eachBuddyFault(t, func(w *buddyWorld) heard.Move { m := withBuddy(w); w.at(m, 0, 11); return m }, arrive,
		func(w *buddyWorld, m heard.Move, after string) {
			wk, err := w.st.BuddyWeek(w.ctx, w.area.ID, heard.BuddyWeekID(m.ID))
			w.must(err)
			if k, n := w.kpiShare(heard.TileBuddyStarted); k != 1 || n != 1 || !wk.Arrived {
				t.Errorf("%s: %d of %d arrivals with a buddy, arrived %v", after, k, n, wk.Arrived)
			}
		})
	ended := func(w *buddyWorld) heard.Move {
		m := withBuddy(w)
		w.at(m, 0, 11)
		w.must(arrive(w, m))
		w.at(m, 8, 10)
		return m
	}
	rate := func(w *buddyWorld, _ heard.Move) error {
		_, err := w.svc.RateBuddyWeek(w.ctx, w.yp(), heard.BuddyRatingAnswer{Rating: 4, Words: "good"})
		return err
	}
	eachBuddyFault(t, ended, rate, func(w *buddyWorld, m heard.Move, after string) {
		if got := w.kpiTotal(heard.TileBuddyRating); got != 1 {
			t.Errorf("%s: %d ratings counted", after, got)
		}
		if mine := w.myWeek(); mine.Rating == nil || *mine.Rating != 4 {
			t.Errorf("%s: rating %v", after, mine.Rating)
		}
	})
}

// TestArrivalMakesAResident: before her move arrives Yara cannot be added to
// Oak's roster as a resident; once it has, she lives there and can, and a
// repeated arrival tap changes nothing.
func TestArrivalMakesAResident(t *testing.T) {
	w := newBuddyWorld(t)
	asBuddy := heard.NewRosterBuddy{Kind: heard.BuddyResident, FirstName: "Yara", AgeBand: heard.Age13to15,
		Languages: []string{"ar"}, Interests: []string{"football"}, Capacity: 1, ConsentGivenBy: "Yara and her social worker", YoungPersonID: w.yara.ID}
	_, err := w.svc.AddRosterBuddy(w.ctx, w.staff(), asBuddy)
	var invalid *heard.Problem
	if !errors.As(err, &invalid) || invalid.Fields["youngPersonId"] != "not_resident" {
		t.Fatalf("before she arrives: %v", err)
	}
	m := w.movingIn()
	w.at(m, 0, 11)
	for range 2 {
		_, err = w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), m.ID, heard.MoveChange{Status: heard.MoveArrived})
		w.must(err)
	}
	y, err := w.st.YoungPerson(w.ctx, w.area.ID, w.yara.ID)
	w.must(err)
	if y.PlacementID != w.oak.ID {
		t.Fatalf("after she arrives Yara lives at %q, want Oak", y.PlacementID)
	}
	b, err := w.svc.AddRosterBuddy(w.ctx, w.staff(), asBuddy)
	w.must(err)
	if b.YoungPersonID != w.yara.ID || !b.Active {
		t.Errorf("Yara on the roster: %+v", b)
	}
}

// TestArrivalFinishedWithoutASecondTap fails the arrival after each of its
// writes in turn and nobody taps again: within one lease the background
// finishes it as if it ran once (the young person lives at Oak, her buddy
// week started and counted, one audit entry, one notice), or, when the
// status was never written, nothing of it happened.
func TestArrivalFinishedWithoutASecondTap(t *testing.T) {
	for n := 1; ; n++ {
		w := newBuddyWorld(t)
		m := withBuddy(w)
		w.at(m, 0, 11)
		reached := w.failWrite(n)
		_, err := w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), m.ID, heard.MoveChange{Status: heard.MoveArrived})
		hit, which := reached()
		if !hit {
			if err != nil || n < 6 {
				t.Fatalf("without a fault: %v after %d writes", err, n-1)
			}
			t.Logf("failed after each of %d writes", n-1)
			return
		}
		after := fmt.Sprintf("after write %d (%s) failed", n, which)
		w.afterLease()
		w.clock.Advance(time.Minute) // counted events are folded
		w.run()
		moved, err := w.st.Move(w.ctx, w.area.ID, m.ID)
		w.must(err)
		y, err := w.st.YoungPerson(w.ctx, w.area.ID, w.yara.ID)
		w.must(err)
		wk, err := w.st.BuddyWeek(w.ctx, w.area.ID, heard.BuddyWeekID(m.ID))
		w.must(err)
		k, _ := w.kpiShare(heard.TileBuddyStarted)
		arrived := moved.Status == heard.MoveArrived
		want := map[bool]int64{true: 1, false: 0}[arrived]
		if (y.PlacementID == w.oak.ID) != arrived || wk.Arrived != arrived || k != want || int64(w.audited("move_arrived")) != want {
			t.Errorf("%s: status %s, lives at Oak %v, week arrived %v, %d counted, %d audit entries", after, moved.Status,
				y.PlacementID == w.oak.ID, wk.Arrived, k, w.audited("move_arrived"))
		}
		if got := w.notices("move", w.yara.ID); got != 1+want {
			t.Errorf("%s: %d move notices", after, got)
		}
		if left := w.inProgress(); left != 0 {
			t.Errorf("%s: %d workflows still in progress", after, left)
		}
	}
}

// TestBuddyRequestUnderFaults: asking for a different buddy fails after each
// of its writes in turn and Yara taps again; placement staff are told once.
func TestBuddyRequestUnderFaults(t *testing.T) {
	active := func(w *buddyWorld) heard.Move {
		m := withBuddy(w)
		w.at(m, 0, 11)
		_, err := w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), m.ID, heard.MoveChange{Status: heard.MoveArrived})
		w.must(err)
		w.at(m, 1, 10)
		return m
	}
	ask := func(w *buddyWorld, _ heard.Move) error {
		_, err := w.svc.AskBuddy(w.ctx, w.yp(), heard.BuddyAsk{Kind: heard.BuddyAskDifferent, Words: "we don't get on"})
		return err
	}
	eachBuddyFault(t, active, ask, func(w *buddyWorld, m heard.Move, after string) {
		if got := w.notices(heard.NoticeBuddyRequest, w.olu.ID); got != 1 {
			t.Errorf("%s: Olu was told %d times", after, got)
		}
		if wk, err := w.st.BuddyWeek(w.ctx, w.area.ID, heard.BuddyWeekID(m.ID)); err != nil || len(wk.Requests) != 1 {
			t.Errorf("%s: %d requests kept (%v)", after, len(wk.Requests), err)
		}
	})
}

// A young person who has just arrived and already has another move shared
// sees that next move first, not the home she is in.
func TestNextMoveBeforeTheHomeJustReached(t *testing.T) {
	w := newBuddyWorld(t)
	m := w.movingIn()
	w.at(m, 0, 11)
	_, err := w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), m.ID, heard.MoveChange{Status: heard.MoveArrived})
	w.must(err)
	next := w.plannedMove(w.yara, 10)
	_, err = w.svc.ChangeMoveStatus(w.ctx, w.principal(w.kim), next.ID, heard.MoveChange{Status: heard.MoveShared})
	w.must(err)
	previews, err := w.svc.MyPreviews(w.ctx, w.yp())
	w.must(err)
	if len(previews) != 2 || previews[0].Move.ID != next.ID || previews[1].Move.ID != m.ID {
		t.Fatalf("Yara's previews: %+v, want the shared move %s first, then the arrived one %s", previews, next.ID, m.ID)
	}
}
