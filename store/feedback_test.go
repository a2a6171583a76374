package store_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/store"
	"heard/testkit"
)

func feedbackContact(area, yp, staff string, kind heard.ContactKind, day time.Time) heard.Contact {
	return heard.Contact{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, StaffID: staff, Kind: kind, Service: heard.ServiceCAMHS,
		Date: day.Truncate(24 * time.Hour), CreatedAt: day}
}

func feedbackAnswer(area string, now time.Time, listened heard.ESQAnswer) heard.Answer {
	day := heard.KPIDay("Europe/London", now)
	return heard.Answer{ID: heard.NewID(), AreaID: area, Kind: string(heard.ContactMeeting), Service: heard.ServiceCAMHS, PlacementType: heard.PlacementFoster,
		Day: day, Month: day[:7], Listened: listened, Serious: heard.ESQABit, HadSay: heard.ESQNo, Experience: heard.FFTGood, CreatedAt: now}
}

// feedbackCounts sums the day counters of a metric by dim.
func feedbackCounts(t *testing.T, st *store.Store, area, metric string) map[string]int64 {
	t.Helper()
	return counterSums(t, st, area, metric, func(c store.Counter) string { return c.Dim })
}

func TestLogContactMakesOneRequest(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp, kw := heard.NewID(), heard.NewID(), heard.NewID()
	c := feedbackContact(area, yp, kw, heard.ContactReview, now)
	r, created, err := st.LogContact(ctx, c, heard.PlacementFoster, "Europe/London")
	if err != nil || !created {
		t.Fatalf("log: %v %v", err, created)
	}
	if r.ContactID != c.ID || r.YoungPersonID != yp || r.StaffID != kw || !r.ExpiresAt.Equal(now.Add(14*24*time.Hour)) || r.PlacementType != heard.PlacementFoster {
		t.Fatalf("request: %+v", r)
	}
	// A retry of the same contact returns the same request and counts nothing more.
	again, created, err := st.LogContact(ctx, c, heard.PlacementFoster, "Europe/London")
	if err != nil || created || again.ID != r.ID {
		t.Fatalf("retry: %v %v %s", err, created, again.ID)
	}
	if got := feedbackCounts(t, st, area, "feedback_requests"); got["review"] != 1 || len(got) != 1 {
		t.Fatalf("requests counted: %v", got)
	}
	// The same contact id for someone else, or from another area, is refused.
	thief := c
	thief.YoungPersonID = heard.NewID()
	if _, _, err := st.LogContact(ctx, thief, "", "Europe/London"); !errors.Is(err, heard.ErrConflict) {
		t.Errorf("same id, other young person: %v", err)
	}
	elsewhere := c
	elsewhere.AreaID = heard.NewID()
	if _, _, err := st.LogContact(ctx, elsewhere, "", "Europe/London"); !errors.Is(err, heard.ErrConflict) {
		t.Errorf("same id, other area: %v", err)
	}
	open, err := st.OpenFeedbackRequests(ctx, area, yp)
	if err != nil || len(open) != 1 || open[0].ID != r.ID {
		t.Fatalf("open: %v %v", err, open)
	}
	if open, _ := st.OpenFeedbackRequests(ctx, area, heard.NewID()); len(open) != 0 {
		t.Error("another young person sees the request")
	}
}

func TestAnswerOnceAndExpiry(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(now)
	st := testkit.Store(t, clock)
	area, yp, kw := heard.NewID(), heard.NewID(), heard.NewID()
	r, _, err := st.LogContact(ctx, feedbackContact(area, yp, kw, heard.ContactMeeting, now), "", "Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	a := feedbackAnswer(area, now, heard.ESQYes)
	created, err := st.SaveAnswer(ctx, a, &r, "Europe/London")
	if err != nil || !created {
		t.Fatalf("answer: %v %v", err, created)
	}
	// The phone retries (same id): accepted, nothing counted twice.
	if created, err := st.SaveAnswer(ctx, a, &r, "Europe/London"); err != nil || created {
		t.Fatalf("retry: %v %v", err, created)
	}
	// A different second answer is refused.
	if _, err := st.SaveAnswer(ctx, feedbackAnswer(area, now, heard.ESQNo), &r, "Europe/London"); !errors.Is(err, heard.ErrAlreadyAnswered) {
		t.Fatalf("second answer: %v", err)
	}
	for metric, want := range map[string]map[string]int64{
		"feedback_answers": {"": 1}, "esq_listened": {"yes": 1}, "esq_serious": {"a_bit": 1}, "had_say": {"no": 1}, "fft": {"good": 1},
		"feedback_responses": {"meeting": 1},
	} {
		got := feedbackCounts(t, st, area, metric)
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", metric, got, want)
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %v, want %v", metric, got, want)
			}
		}
	}
	if open, _ := st.OpenFeedbackRequests(ctx, area, yp); len(open) != 0 {
		t.Error("an answered request is still open")
	}

	// Another young person cannot answer this young person's request.
	r2, _, _ := st.LogContact(ctx, feedbackContact(area, yp, kw, heard.ContactVisit, now), "", "Europe/London")
	stolen := r2
	stolen.YoungPersonID = heard.NewID()
	if _, err := st.SaveAnswer(ctx, feedbackAnswer(area, now, heard.ESQYes), &stolen, "Europe/London"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("someone else's request: %v", err)
	}
	// Fourteen days later it has expired.
	clock.Advance(14 * 24 * time.Hour)
	if _, err := st.SaveAnswer(ctx, feedbackAnswer(area, clock.Now(), heard.ESQYes), &r2, "Europe/London"); !errors.Is(err, heard.ErrRequestExpired) {
		t.Fatalf("expired: %v", err)
	}
	if open, _ := st.OpenFeedbackRequests(ctx, area, yp); len(open) != 0 {
		t.Error("an expired request is still open")
	}
	if got := feedbackCounts(t, st, area, "feedback_answers"); got[""] != 1 {
		t.Errorf("answers counted: %v", got)
	}
}

func TestConcurrentAnswersOnlyOneWins(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	r, _, err := st.LogContact(ctx, feedbackContact(area, yp, heard.NewID(), heard.ContactMeeting, now), "", "Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, results[i] = st.SaveAnswer(ctx, feedbackAnswer(area, now, heard.ESQYes), &r, "Europe/London")
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, heard.ErrAlreadyAnswered):
			t.Errorf("unexpected: %v", err)
		}
	}
	n, err := st.DB.Collection("feedback_answers").CountDocuments(ctx, bson.D{{Key: "area", Value: area}})
	if ok != 1 || n != 1 {
		t.Fatalf("%d answers accepted, %d stored", ok, n)
	}
	if got := feedbackCounts(t, st, area, "feedback_answers"); got[""] != 1 {
		t.Errorf("answers counted: %v", got)
	}
}

func TestAnonymousAnswerHoldsNoIdentity(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp, kw := heard.NewID(), heard.NewID(), heard.NewID()
	r, _, _ := st.LogContact(ctx, feedbackContact(area, yp, kw, heard.ContactMeeting, now), "", "Europe/London")
	anon := feedbackAnswer(area, now, heard.ESQNo)
	anon.Words = "nobody asked me"
	if _, err := st.SaveAnswer(ctx, anon, &r, "Europe/London"); err != nil {
		t.Fatal(err)
	}
	var raw bson.M
	if err := st.DB.Collection("feedback_answers").FindOne(ctx, bson.D{{Key: "_id", Value: anon.ID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"youngPersonId", "staffId", "requestId"} {
		if _, ok := raw[field]; ok {
			t.Errorf("an anonymous answer stores %s", field)
		}
	}
	shared := feedbackAnswer(area, now, heard.ESQYes)
	shared.ShareWithWorker, shared.YoungPersonID, shared.StaffID = true, yp, kw
	if _, err := st.SaveAnswer(ctx, shared, nil, "Europe/London"); err != nil {
		t.Fatal(err)
	}
	got, err := st.SharedAnswers(ctx, area, yp, kw)
	if err != nil || len(got) != 1 || got[0].ID != shared.ID {
		t.Fatalf("shared: %v %+v", err, got)
	}
	if got, _ := st.SharedAnswers(ctx, area, yp, heard.NewID()); len(got) != 0 {
		t.Error("another worker sees the shared answer")
	}
}

func TestFollowUps(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, team, worker, manager := heard.NewID(), heard.NewID(), heard.NewID(), heard.NewID()
	f := heard.FollowUp{ID: heard.NewID(), AreaID: area, YoungPersonID: heard.NewID(), TeamID: team, AboutStaffID: worker,
		RecipientIDs: []string{manager}, CreatedAt: now}
	if created, err := st.CreateFollowUp(ctx, f); err != nil || !created {
		t.Fatal(err, created)
	}
	if created, err := st.CreateFollowUp(ctx, f); err != nil || created {
		t.Fatal("second create", err, created)
	}
	if got, _ := st.FollowUps(ctx, area, team, manager); len(got) != 1 {
		t.Errorf("manager's list: %v", got)
	}
	if got, _ := st.FollowUps(ctx, area, team, worker); len(got) != 0 {
		t.Error("the worker it is about sees the follow-up")
	}
	if got, _ := st.FollowUps(ctx, area, heard.NewID(), manager); len(got) != 0 {
		t.Error("another team sees the follow-up")
	}
	if got, _ := st.FollowUps(ctx, heard.NewID(), "", manager); len(got) != 0 {
		t.Error("another area sees the follow-up")
	}
	done, err := st.MarkFollowUpDone(ctx, area, f.ID, manager)
	if err != nil || done.DoneAt == nil || done.DoneBy != manager {
		t.Fatalf("done: %v %+v", err, done)
	}
	if again, _ := st.MarkFollowUpDone(ctx, area, f.ID, heard.NewID()); again.DoneBy != manager {
		t.Error("the first record of follow-up should stand")
	}
}

// The counters kept at write time agree with the figures computed from the raw
// answers, bucket for bucket, across months, services and placement types.
func TestKPIBucketsMatchRawAnswers(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(start)
	st := testkit.Store(t, clock)
	area := heard.NewID()
	answers := []heard.ESQAnswer{heard.ESQYes, heard.ESQABit, heard.ESQNo, heard.ESQNotSure}
	for i := 0; i < 40; i++ {
		at := start.Add(time.Duration(i) * 53 * time.Hour)
		a := feedbackAnswer(area, at, answers[i%4])
		a.Service = heard.Services[i%3]
		a.PlacementType = []heard.PlacementType{"", heard.PlacementFoster}[i%2]
		a.Experience = heard.FFTAnswers[i%6]
		if _, err := st.SaveAnswer(ctx, a, nil, "Europe/London"); err != nil {
			t.Fatal(err)
		}
	}
	months := []string{"2026-09", "2026-10", "2026-11", "2026-12"}
	fromCounters, err := st.KPIBuckets(ctx, area, months)
	if err != nil {
		t.Fatal(err)
	}
	fromRaw, err := st.FeedbackBucketsFromAnswers(ctx, area, months)
	if err != nil {
		t.Fatal(err)
	}
	key := func(b heard.KPIBucket) string {
		return b.Metric + "/" + b.Month + "/" + b.Service + "/" + b.PlacementType + "/" + b.Dim
	}
	asMap := func(bs []heard.KPIBucket) map[string]int64 {
		m := map[string]int64{}
		for _, b := range bs {
			m[key(b)] += b.N
		}
		return m
	}
	c, r := asMap(fromCounters), asMap(fromRaw)
	if len(c) == 0 || len(c) != len(r) {
		t.Fatalf("%d counter buckets, %d raw", len(c), len(r))
	}
	var total int64
	for k, n := range r {
		if c[k] != n {
			t.Errorf("%s: counters %d, raw %d", k, c[k], n)
		}
		if len(k) > 17 && k[:17] == "feedback_answers/" {
			total += n
		}
	}
	if total != 40 {
		t.Errorf("answers total %d", total)
	}
	// A narrower period reads only its months.
	oct, _ := st.KPIBuckets(ctx, area, []string{"2026-10"})
	for _, b := range oct {
		if b.Month != "2026-10" {
			t.Fatalf("bucket from %s", b.Month)
		}
	}
	if other, _ := st.KPIBuckets(ctx, heard.NewID(), months); len(other) != 0 {
		t.Error("another area's buckets were read")
	}
}

func TestKPIBucketsSumCardDaysToMonths(t *testing.T) {
	ctx := context.Background()
	st := testkit.Store(t, testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)))
	area := heard.NewID()
	for _, day := range []string{"2026-10-01", "2026-10-31", "2026-11-01", "2026-09-30"} {
		if err := st.Bump(ctx, store.CounterKey{Area: area, Metric: "cards", Day: day, Service: "camhs", Dim: "happy"}, 2); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.KPIBuckets(ctx, area, []string{"2026-10", "2026-11"})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Month < got[j].Month })
	if len(got) != 2 || got[0].Month != "2026-10" || got[0].N != 4 || got[1].N != 2 {
		t.Fatalf("%+v", got)
	}
}

func TestKeyWorkerHistories(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	area := heard.NewID()
	pl := heard.Placement{ID: heard.NewID(), AreaID: area, Name: "Oak", Type: heard.PlacementChildrensHome}
	if err := st.CreatePlacement(ctx, pl); err != nil {
		t.Fatal(err)
	}
	y := heard.YoungPerson{ID: heard.NewID(), AreaID: area, FirstName: "Sam", Service: heard.ServiceSocialCare, PlacementID: pl.ID}
	alone := heard.YoungPerson{ID: heard.NewID(), AreaID: area, FirstName: "Al", Service: heard.ServiceCAMHS}
	for _, p := range []heard.YoungPerson{y, alone} {
		if err := st.CreateYoungPerson(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		if _, err := st.Assign(ctx, area, y.ID, heard.NewID()); err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * 24 * time.Hour)
	}
	got, err := st.KeyWorkerHistories(ctx, area, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Service != heard.ServiceSocialCare || got[0].PlacementType != heard.PlacementChildrensHome || len(got[0].Assignments) != 3 {
		t.Fatalf("%+v", got)
	}
	if c := heard.KeyWorkerChangesIn(got[0].Assignments, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), clock.Now()); c.Changes != 2 {
		t.Errorf("changes %d", c.Changes)
	}
}

// Answers arriving at the same moment are each counted: in the day counters and
// in the month document the dashboard reads.
func TestFeedbackCountsUnderConcurrency(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area := heard.NewID()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if _, err := st.SaveAnswer(ctx, feedbackAnswer(area, now, heard.ESQYes), nil, "Europe/London"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if got := feedbackCounts(t, st, area, "esq_listened"); got["yes"] != 80 {
		t.Errorf("day counters: %v", got)
	}
	buckets, err := st.KPIMonthBuckets(ctx, area, []string{"2026-11"})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range buckets {
		if b.N != 80 {
			t.Errorf("month document: %+v", b)
		}
	}
	if len(buckets) != 5 {
		t.Errorf("%d month buckets", len(buckets))
	}
}
