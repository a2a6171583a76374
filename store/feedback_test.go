package store_test

import (
	"context"
	"errors"
	"reflect"
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

// feedbackCounts sums the month counters of a metric by dim.
func feedbackCounts(t *testing.T, st *store.Store, area, metric string) map[string]int64 {
	t.Helper()
	buckets, err := st.KPIBuckets(context.Background(), area, []string{"2026-09", "2026-10", "2026-11", "2026-12"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range buckets {
		if b.Metric == metric {
			out[b.Dim] += b.N
		}
	}
	return out
}

func TestContactAndRequestStoredOnce(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp, kw := heard.NewID(), heard.NewID(), heard.NewID()
	c := feedbackContact(area, yp, kw, heard.ContactReview, now)
	stored, created, err := st.InsertContact(ctx, c)
	if err != nil || !created || stored.ID != c.ID {
		t.Fatalf("insert: %v %v", err, created)
	}
	// A retry returns the stored contact, even if the retry says something else.
	changed := c
	changed.Kind = heard.ContactVisit
	if again, created, err := st.InsertContact(ctx, changed); err != nil || created || again.Kind != heard.ContactReview {
		t.Fatalf("retry: %v %v %+v", err, created, again)
	}
	// The same id in another area is refused.
	elsewhere := c
	elsewhere.AreaID = heard.NewID()
	if _, _, err := st.InsertContact(ctx, elsewhere); !errors.Is(err, heard.ErrConflict) {
		t.Errorf("same id, other area: %v", err)
	}
	if _, err := st.Contact(ctx, elsewhere.AreaID, c.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("another area reads the contact: %v", err)
	}

	r := heard.NewFeedbackRequest(c, heard.PlacementFoster, now)
	if r.ID != heard.FeedbackRequestID(c.ID) || r.ContactID != c.ID || r.YoungPersonID != yp || r.StaffID != kw ||
		!r.ExpiresAt.Equal(now.Add(14*24*time.Hour)) || r.PlacementType != heard.PlacementFoster {
		t.Fatalf("request: %+v", r)
	}
	for i := 0; i < 2; i++ {
		got, created, err := st.InsertFeedbackRequest(ctx, r)
		if err != nil || created != (i == 0) || got.ID != r.ID {
			t.Fatalf("request %d: %v %v", i, err, created)
		}
		if err := st.CountFeedbackRequest(ctx, got, "Europe/London"); err != nil {
			t.Fatal(err)
		}
	}
	if got := feedbackCounts(t, st, area, "feedback_requests"); got["review"] != 1 || len(got) != 1 {
		t.Fatalf("requests counted: %v", got)
	}
	open, err := st.OpenFeedbackRequests(ctx, area, yp)
	if err != nil || len(open) != 1 || open[0].ID != r.ID {
		t.Fatalf("open: %v %v", err, open)
	}
	if open, _ := st.OpenFeedbackRequests(ctx, area, heard.NewID()); len(open) != 0 {
		t.Error("another young person sees the request")
	}
	if _, err := st.FeedbackRequest(ctx, heard.NewID(), r.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("another area reads the request: %v", err)
	}
}

func TestClaimFeedbackRequestOnce(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	r := heard.NewFeedbackRequest(feedbackContact(area, yp, heard.NewID(), heard.ContactMeeting, now), "", now)
	if _, _, err := st.InsertFeedbackRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	first, second := heard.FeedbackAnswerKey(heard.NewID()), heard.FeedbackAnswerKey(heard.NewID())
	if got, err := st.ClaimFeedbackRequest(ctx, area, r.ID, first); err != nil || got.AnswerKey != first {
		t.Fatalf("claim: %v %+v", err, got)
	}
	if _, err := st.ClaimFeedbackRequest(ctx, area, r.ID, first); err != nil {
		t.Fatalf("the same answer again: %v", err)
	}
	if _, err := st.ClaimFeedbackRequest(ctx, area, r.ID, second); !errors.Is(err, heard.ErrAlreadyAnswered) {
		t.Fatalf("a second answer: %v", err)
	}
	if _, err := st.ClaimFeedbackRequest(ctx, heard.NewID(), r.ID, second); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("from another area: %v", err)
	}
	if open, _ := st.OpenFeedbackRequests(ctx, area, yp); len(open) != 0 {
		t.Error("an answered request is still open")
	}
	// Many answers at the same moment: exactly one takes the request.
	r2 := heard.NewFeedbackRequest(feedbackContact(area, yp, heard.NewID(), heard.ContactMeeting, now), "", now)
	if _, _, err := st.InsertFeedbackRequest(ctx, r2); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, results[i] = st.ClaimFeedbackRequest(ctx, area, r2.ID, heard.FeedbackAnswerKey(heard.NewID()))
		}(i)
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, heard.ErrAlreadyAnswered):
			t.Errorf("unexpected: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d answers took the request", won)
	}
}

func TestAnswerCountedOnceInTheRightMonths(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area := heard.NewID()
	// Asked in October, answered in November: the response counts in October,
	// with the request; the answer in November.
	asked := time.Date(2026, 10, 28, 10, 0, 0, 0, time.UTC)
	r := heard.NewFeedbackRequest(feedbackContact(area, heard.NewID(), heard.NewID(), heard.ContactVisit, asked), heard.PlacementFoster, asked)
	a := feedbackAnswer(area, now, heard.ESQNo)
	event := heard.NewID()
	for i := 0; i < 3; i++ {
		if err := st.CountFeedbackAnswer(ctx, a, &r, "Europe/London", event); err != nil {
			t.Fatal(err)
		}
	}
	months := map[string]map[string]int64{}
	buckets, err := st.KPIBuckets(ctx, area, []string{"2026-10", "2026-11"})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range buckets {
		if months[b.Month] == nil {
			months[b.Month] = map[string]int64{}
		}
		months[b.Month][b.Metric+"/"+b.Dim] += b.N
	}
	want := map[string]map[string]int64{
		"2026-10": {"feedback_responses/visit": 1},
		"2026-11": {"feedback_answers/": 1, "esq_listened/no": 1, "esq_serious/a_bit": 1, "had_say/no": 1, "fft/good": 1},
	}
	if !reflect.DeepEqual(months, want) {
		t.Fatalf("counted %v, want %v", months, want)
	}
}

func TestStoredAnswerFinishedAndRemoved(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area := heard.NewID()
	a := feedbackAnswer(area, now, heard.ESQYes)
	a.Pending = &heard.AnswerPending{RequestID: heard.NewID(), Key: "k", CountEvent: heard.NewID()}
	for i := 0; i < 2; i++ {
		if created, err := st.InsertFeedbackAnswer(ctx, a); err != nil || created != (i == 0) {
			t.Fatalf("insert %d: %v %v", i, err, created)
		}
	}
	if got, err := st.FeedbackAnswer(ctx, area, a.ID); err != nil || got.Pending == nil || got.Pending.RequestID != a.Pending.RequestID {
		t.Fatalf("stored: %v %+v", err, got)
	}
	if _, err := st.FeedbackAnswer(ctx, heard.NewID(), a.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("another area reads the answer: %v", err)
	}
	for i := 0; i < 2; i++ {
		if err := st.FinishFeedbackAnswer(ctx, area, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	var raw bson.M
	if err := st.DB.Collection("feedback_answers").FindOne(ctx, bson.D{{Key: "_id", Value: a.ID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["pending"]; ok {
		t.Fatalf("still pending: %v", raw)
	}
	if err := st.DeleteFeedbackAnswer(ctx, heard.NewID(), a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FeedbackAnswer(ctx, area, a.ID); err != nil {
		t.Fatal("another area deleted the answer")
	}
	if err := st.DeleteFeedbackAnswer(ctx, area, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FeedbackAnswer(ctx, area, a.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("deleted answer: %v", err)
	}
}

func TestSaveAnswerKeepsAnonymousAnswersCoarse(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp, kw := heard.NewID(), heard.NewID(), heard.NewID()
	anon := feedbackAnswer(area, now, heard.ESQNo)
	anon.Words = "nobody asked me"
	for i := 0; i < 2; i++ {
		if created, err := st.SaveAnswer(ctx, anon, nil, "Europe/London"); err != nil || created != (i == 0) {
			t.Fatalf("save %d: %v %v", i, err, created)
		}
	}
	var raw bson.M
	if err := st.DB.Collection("feedback_answers").FindOne(ctx, bson.D{{Key: "_id", Value: anon.ID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"youngPersonId", "staffId", "requestId", "createdAt", "day", "kind", "pending"} {
		if _, ok := raw[field]; ok {
			t.Errorf("an anonymous answer stores %s: %v", field, raw)
		}
	}
	if raw["month"] != "2026-11" {
		t.Errorf("month: %v", raw["month"])
	}
	if got := feedbackCounts(t, st, area, "feedback_answers"); got[""] != 1 {
		t.Errorf("counted: %v", got)
	}
	shared := feedbackAnswer(area, now, heard.ESQYes)
	shared.ShareWithWorker, shared.YoungPersonID, shared.StaffID = true, yp, kw
	if _, err := st.SaveAnswer(ctx, shared, nil, "Europe/London"); err != nil {
		t.Fatal(err)
	}
	got, err := st.SharedAnswers(ctx, area, yp, kw)
	if err != nil || len(got) != 1 || got[0].ID != shared.ID || !got[0].CreatedAt.Equal(now) {
		t.Fatalf("shared: %v %+v", err, got)
	}
	if got, _ := st.SharedAnswers(ctx, area, yp, heard.NewID()); len(got) != 0 {
		t.Error("another worker sees the shared answer")
	}
	if _, err := st.SaveAnswer(ctx, anon, &heard.FeedbackRequest{}, "Europe/London"); err == nil {
		t.Error("SaveAnswer took a request")
	}
}

// A database written before answers were unlinkable keeps no link once
// ForgetFeedbackLinks has run: no claims, no answer id or time on requests, no
// day, time or kind on anonymous answers, no answer counters by day.
func TestForgetFeedbackLinks(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, yp := heard.NewID(), heard.NewID()
	answerID := heard.NewID()
	r := heard.NewFeedbackRequest(feedbackContact(area, yp, heard.NewID(), heard.ContactMeeting, now), "", now)
	old := bson.D{{Key: "_id", Value: r.ID}, {Key: "area", Value: area}, {Key: "youngPersonId", Value: yp}, {Key: "kind", Value: "meeting"},
		{Key: "service", Value: "camhs"}, {Key: "createdAt", Value: now}, {Key: "expiresAt", Value: now.Add(time.Hour)},
		{Key: "answerId", Value: answerID}, {Key: "answeredAt", Value: now}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.DB.Collection("feedback_requests").InsertOne(ctx, old)
	must(err)
	_, err = st.DB.Collection("feedback_claims").InsertOne(ctx, bson.D{{Key: "_id", Value: r.ID}, {Key: "area", Value: area}, {Key: "answerId", Value: answerID}})
	must(err)
	_, err = st.DB.Collection("feedback_answers").InsertOne(ctx, bson.D{{Key: "_id", Value: answerID}, {Key: "area", Value: area}, {Key: "kind", Value: "meeting"},
		{Key: "service", Value: "camhs"}, {Key: "day", Value: "2026-11-02"}, {Key: "month", Value: "2026-11"}, {Key: "listened", Value: "no"},
		{Key: "shareWithWorker", Value: false}, {Key: "followUp", Value: false}, {Key: "createdAt", Value: now}})
	must(err)
	must(st.Bump(ctx, store.CounterKey{Area: area, Metric: "esq_listened", Day: "2026-11-02", Service: "camhs", Dim: "no"}, 1))
	must(st.Bump(ctx, store.CounterKey{Area: area, Metric: "cards", Day: "2026-11-02", Service: "camhs", Dim: "happy"}, 1))

	// Until it runs, the request counts as answered.
	if got, err := st.FeedbackRequest(ctx, area, r.ID); err != nil || got.Open(now) {
		t.Fatalf("old answered request: %v %+v", err, got)
	}
	if open, _ := st.OpenFeedbackRequests(ctx, area, yp); len(open) != 0 {
		t.Fatal("an old answered request is open")
	}
	if _, err := st.ClaimFeedbackRequest(ctx, area, r.ID, heard.FeedbackAnswerKey(heard.NewID())); !errors.Is(err, heard.ErrAlreadyAnswered) {
		t.Fatalf("an old answered request took another answer: %v", err)
	}
	if n, err := st.ForgetFeedbackLinks(ctx); err != nil || n != 3 {
		t.Fatalf("forget: %v, %d changed", err, n)
	}
	if n, err := st.ForgetFeedbackLinks(ctx); err != nil || n != 0 {
		t.Fatalf("again: %v, %d changed", err, n)
	}
	var req, ans bson.M
	must(st.DB.Collection("feedback_requests").FindOne(ctx, bson.D{{Key: "_id", Value: r.ID}}).Decode(&req))
	must(st.DB.Collection("feedback_answers").FindOne(ctx, bson.D{{Key: "_id", Value: answerID}}).Decode(&ans))
	for _, f := range []string{"answerId", "answeredAt"} {
		if _, ok := req[f]; ok {
			t.Errorf("the request keeps %s: %v", f, req)
		}
	}
	for _, f := range []string{"createdAt", "day", "kind"} {
		if _, ok := ans[f]; ok {
			t.Errorf("the anonymous answer keeps %s: %v", f, ans)
		}
	}
	if got, err := st.FeedbackRequest(ctx, area, r.ID); err != nil || got.Open(now) {
		t.Fatalf("the request is open again: %v %+v", err, got)
	}
	if n, _ := st.DB.Collection("feedback_claims").CountDocuments(ctx, bson.D{}); n != 0 {
		t.Errorf("%d claims left", n)
	}
	if got := counterSums(t, st, area, "esq_listened", func(c store.Counter) string { return c.Dim }); len(got) != 0 {
		t.Errorf("answers still counted by day: %v", got)
	}
	if got := counterSums(t, st, area, "cards", func(c store.Counter) string { return c.Dim }); got["happy"] != 1 {
		t.Errorf("cards by day were removed: %v", got)
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

// Answers arriving at the same moment are each counted, in the month document
// the dashboard reads.
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
		t.Errorf("counters: %v", got)
	}
	buckets, err := st.KPIBuckets(ctx, area, []string{"2026-11"})
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
