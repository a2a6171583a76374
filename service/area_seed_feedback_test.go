package service_test

import (
	"context"
	"time"

	"heard"
	"heard/store"
)

// A year of "Was I listened to?" for the benchmark area: seven answers in ten
// answer a request made when a key worker logged a contact, the rest are given
// at any time; about six requests in ten are answered. Three answers in ten are
// shared with the worker.

// pickWeighted picks an index with the given weights.
func (a *benchArea) pickWeighted(weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := a.r.IntN(total)
	for i, w := range weights {
		if x -= w; x < 0 {
			return i
		}
	}
	return len(weights) - 1
}

// feedbackAt makes one piece of feedback at t: an answer, with or without the
// request it answers, or a request nobody answered.
func (a *benchArea) feedbackAt(t time.Time, answered, asked bool) store.SeededFeedback {
	y := a.youngPeople[a.r.IntN(len(a.youngPeople))]
	kw := a.keyWorkerAt(y.ID, t)
	var f store.SeededFeedback
	kind := heard.AnyTimeKind
	if asked {
		k := heard.ContactKinds[a.r.IntN(len(heard.ContactKinds))]
		kind = string(k)
		logged := t.Add(-time.Duration(a.r.Int64N(int64(5 * 24 * time.Hour)))).Truncate(time.Millisecond)
		day := logged.Truncate(24 * time.Hour)
		c := heard.Contact{ID: heard.NewID(), AreaID: a.area.ID, YoungPersonID: y.ID, StaffID: kw, Kind: k, Service: y.Service,
			Date: day, CreatedAt: logged}
		r := heard.NewFeedbackRequest(c, heard.PlacementType(a.placementType[y.ID]), logged)
		f.Contact, f.Request = &c, &r
	}
	if !answered {
		return f
	}
	day := heard.KPIDay(a.area.TimeZone, t)
	base := map[heard.Service]int{heard.ServiceCAMHS: 4, heard.ServiceSocialCare: 3, heard.ServicePlacement: 5, heard.ServiceOther: 4}[y.Service]
	ans := heard.Answer{ID: heard.NewID(), AreaID: a.area.ID, Kind: kind, Service: y.Service,
		PlacementType: heard.PlacementType(a.placementType[y.ID]), Day: day, Month: day[:7],
		Listened: heard.ESQAnswers[a.pickWeighted(base, 3, 2, 1)], Serious: heard.ESQAnswers[a.pickWeighted(base, 3, 2, 1)],
		HadSay: heard.ESQAnswers[a.pickWeighted(3, 3, 2, 2)], Experience: heard.FFTAnswers[a.pickWeighted(base, 4, 2, 1, 1, 1)],
		CreatedAt: t}
	if a.r.IntN(100) < 15 {
		ans.Words = "They listened this time and I got to say what I wanted."
	}
	if a.r.IntN(10) < 3 && kw != "" {
		ans.ShareWithWorker, ans.YoungPersonID, ans.StaffID = true, y.ID, kw
		if f.Request != nil {
			ans.RequestID = f.Request.ID
		}
	}
	if f.Request != nil {
		f.Request.AnswerKey = heard.FeedbackAnswerKey(ans.ID)
	}
	f.Answer = &ans
	return f
}

// storeFeedback writes the year's requests and answers in batches.
func (a *benchArea) storeFeedback(ctx context.Context, sd *store.Seeder) error {
	var batch []store.SeededFeedback
	flush := func() error {
		err := sd.Feedback(ctx, batch)
		batch = batch[:0]
		return err
	}
	for i := range a.size.Answers {
		t := a.now.Add(-time.Duration(a.r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Millisecond)
		asked := a.r.IntN(10) < 7
		batch = append(batch, a.feedbackAt(t, true, asked))
		if asked && a.r.IntN(3) < 2 { // about 60% of requests answered
			batch = append(batch, a.feedbackAt(t, false, true))
		}
		if len(batch) >= 10_000 || i == a.size.Answers-1 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return nil
}
