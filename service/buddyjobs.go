package service

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"heard"
	"heard/store"
)

// The buddy week in the background: each day's evening check-in and next
// morning's review are jobs with ids made from the week, the day and the
// kind (heard.BuddyJobID), taken under a lease (store/leases.go), so two
// instances or a retry never do one twice and a crash is picked up within a
// lease. Each job's writes are safe to repeat: notices have ids made from the
// job's, flags are kept once per day and reason, counts once per event.

// buddyJobStale is how late a job may still tell someone: an evening
// check-in found the next day, after a long outage, is no longer sent.
const buddyJobStale = 12 * time.Hour

// completeBuddyWeek finishes what choosing a week's buddy owes, each step
// safe to repeat: the week's listings, its jobs, its counts and the young
// person's notice; then the intent ends. A week gone (its move cancelled)
// owes nothing.
func (s *Service) completeBuddyWeek(ctx context.Context, areaID, weekID string) error {
	w, err := s.store.BuddyWeek(ctx, areaID, weekID)
	if errors.Is(err, heard.ErrNotFound) {
		return s.store.EndIntent(ctx, intentBuddyWeek, weekID)
	}
	if err != nil {
		return err
	}
	if err := s.store.ListBuddyWeek(ctx, areaID, w); err != nil {
		return err
	}
	if err := s.scheduleBuddyJobs(ctx, w); err != nil {
		return err
	}
	m, err := s.store.Move(ctx, areaID, w.MoveID)
	if err != nil {
		return err
	}
	if err := s.countBuddyWeek(ctx, w); err != nil {
		return err
	}
	switch m.Status {
	case heard.MoveShared, heard.MoveConfirmed, heard.MoveArrived:
		if err := s.notify(ctx, heard.Notification{ID: noticeID(heard.NoticeBuddyMatched+":"+w.BuddyID, w.ID), AreaID: areaID,
			RecipientID: w.YoungPersonID, Type: heard.NoticeBuddyMatched, Link: "/#/buddy", Urgency: heard.UrgencyOrdinary,
			SubjectID: w.ID, CreatedAt: s.now()}); err != nil {
			return err
		}
	}
	return s.store.EndIntent(ctx, intentBuddyWeek, weekID)
}

// scheduleBuddyJobs stores the jobs of every day of the week not stored yet
// (a week kept longer gets its new days'), skipping those long past.
func (s *Service) scheduleBuddyJobs(ctx context.Context, w heard.BuddyWeekRecord) error {
	if w.BuddyID == "" {
		return nil
	}
	area, err := s.store.Area(ctx, w.AreaID)
	if err != nil {
		return err
	}
	now := s.now()
	var jobs []store.BuddyJob
	for _, day := range w.Days() {
		d, _ := time.Parse(time.DateOnly, day)
		for _, j := range []store.BuddyJob{
			{Kind: heard.BuddyJobCheckin, DueAt: heard.AtAreaTime(area, d, heard.BuddyCheckinHour)},
			{Kind: heard.BuddyJobReview, DueAt: heard.AtAreaTime(area, d.AddDate(0, 0, 1), heard.BuddyReviewHour)},
		} {
			if now.After(j.DueAt.Add(buddyJobStale)) {
				continue
			}
			j.ID, j.AreaID, j.WeekID, j.Day = heard.BuddyJobID(w.ID, day, j.Kind), area.ID, w.ID, day
			jobs = append(jobs, j)
		}
	}
	return s.store.AddBuddyJobs(ctx, jobs)
}

// RunBuddyJobs takes the due jobs and does them; it returns how many were done.
func (s *Service) RunBuddyJobs(ctx context.Context) (int, error) {
	jobs, err := s.store.TakeBuddyJobs(ctx, s.instance, s.lease, 64)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, j := range jobs {
		if err := s.doBuddyJob(ctx, j); err != nil {
			s.log.Warn("a buddy-week job failed; tried again soon", "kind", j.Kind, "err", err.Error())
			if rerr := s.store.ReleaseBuddyJob(ctx, j); rerr != nil && ctx.Err() == nil {
				s.log.Warn("letting go of a buddy-week job failed; taken again after its lease", "err", rerr.Error())
			}
			continue
		}
		ok, err := s.store.FinishBuddyJob(ctx, j)
		if err != nil {
			return done, err
		}
		if ok {
			done++
		}
	}
	return done, nil
}

// doBuddyJob does one job; a week gone or a day no longer in it owes nothing.
func (s *Service) doBuddyJob(ctx context.Context, j store.BuddyJob) error {
	w, err := s.store.BuddyWeek(ctx, j.AreaID, j.WeekID)
	if errors.Is(err, heard.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !w.HasDay(j.Day) || w.BuddyID == "" {
		return nil
	}
	late := s.now().After(j.DueAt.Add(buddyJobStale))
	switch j.Kind {
	case heard.BuddyJobCheckin:
		if _, answered := w.Checkin(j.Day); answered || late {
			return nil
		}
		kind := heard.NoticeBuddyCheckin
		if j.Day == w.Last.Format(time.DateOnly) {
			kind = heard.NoticeBuddyCheckinLast // the last evening also asks for the rating
		}
		return s.notify(ctx, heard.Notification{ID: noticeID(kind, j.ID), AreaID: j.AreaID, RecipientID: w.YoungPersonID,
			Type: kind, Link: "/#/buddy", Urgency: heard.UrgencyOrdinary, SubjectID: w.ID, CreatedAt: s.now()})
	case heard.BuddyJobReview:
		return s.reviewBuddyDay(ctx, j, w, late)
	}
	return nil
}

// reviewBuddyDay is the morning after a day: a low check-in or no contact
// logged flags the week and tells the placement's staff; the seventh day
// with a buddy is counted.
func (s *Service) reviewBuddyDay(ctx context.Context, j store.BuddyJob, w heard.BuddyWeekRecord, late bool) error {
	flags := w.MorningFlags(j.Day)
	if len(flags) > 0 {
		var err error
		w, _, err = s.changeWeek(ctx, j.AreaID, w.ID, func(w *heard.BuddyWeekRecord) (bool, error) {
			changed := false
			for _, f := range flags {
				changed = w.AddFlag(f) || changed
			}
			return changed, nil
		})
		if errors.Is(err, heard.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !late {
			if err := s.tellPlacementStaff(ctx, w, heard.NoticeBuddyMorning, j.ID, s.now()); err != nil {
				return err
			}
		}
	}
	if j.Day == w.From.AddDate(0, 0, heard.BuddyWeekDays-1).Format(time.DateOnly) && w.Arrived {
		return s.countWeekOnce(ctx, w, heard.KPIMetrics.BuddySevenDays, "")
	}
	return nil
}

// tellPlacementStaff sends a notice to each working member of the week's
// placement's staff, its id made from subject so a retry sends it once.
func (s *Service) tellPlacementStaff(ctx context.Context, w heard.BuddyWeekRecord, kind, subject string, at time.Time) error {
	staff, err := s.store.StaffList(ctx, w.AreaID, heard.RolePlacementStaff)
	if err != nil {
		return err
	}
	for _, st := range staff {
		if st.PlacementID != w.PlacementID || st.Disabled {
			continue
		}
		if err := s.notify(ctx, heard.Notification{ID: noticeID(kind+":"+st.ID, subject), AreaID: w.AreaID, RecipientID: st.ID,
			Type: kind, Link: "/#/buddy-weeks", Urgency: heard.UrgencyOrdinary, SubjectID: w.ID, CreatedAt: at}); err != nil {
			return err
		}
	}
	return nil
}

// buddyMoveChanged is what a move's new status owes its buddy week: an
// arrival is counted and starts the week; a cancelled move removes it.
// Each step is safe to repeat (a retried tap runs it again).
func (s *Service) buddyMoveChanged(ctx context.Context, m heard.Move) error {
	weekID := heard.BuddyWeekID(m.ID)
	switch m.Status {
	case heard.MoveArrived:
		key, _, err := s.moveCountKey(ctx, m)
		if err != nil {
			return err
		}
		key.Metric = heard.KPIMetrics.MovesArrived
		if err := s.store.Count(ctx, "move_arrived/"+m.ID, store.CounterAdd{Key: key, N: 1}); err != nil {
			return err
		}
		w, _, err := s.changeWeek(ctx, m.AreaID, weekID, func(w *heard.BuddyWeekRecord) (bool, error) {
			changed := !w.Arrived
			w.Arrived = true
			return changed, nil
		})
		if errors.Is(err, heard.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.countBuddyWeek(ctx, w)
	case heard.MoveCancelled:
		w, err := s.store.BuddyWeek(ctx, m.AreaID, weekID)
		if errors.Is(err, heard.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.store.RemoveBuddyWeek(ctx, m.AreaID, w)
	}
	return nil
}

// countBuddyWeek counts a week started (its move arrived with a buddy) and,
// once, a week with a rematch; both in the month of the move day.
func (s *Service) countBuddyWeek(ctx context.Context, w heard.BuddyWeekRecord) error {
	if !w.Arrived || w.BuddyID == "" {
		return nil
	}
	if err := s.countWeekOnce(ctx, w, heard.KPIMetrics.BuddyStarted, ""); err != nil || !w.Rematched() {
		return err
	}
	return s.countWeekOnce(ctx, w, heard.KPIMetrics.BuddyRematched, "")
}

// countBuddyRating counts a week's rating, once.
func (s *Service) countBuddyRating(ctx context.Context, w heard.BuddyWeekRecord) error {
	if w.Rating == nil {
		return nil
	}
	return s.countWeekOnce(ctx, w, heard.KPIMetrics.BuddyRating, strconv.Itoa(w.Rating.Rating))
}

// countWeekOnce counts one of a week's KPI events (named by its metric), in
// the month of its move day by the young person's service and the
// placement's type, and marks it on the week. The event's id makes a retry
// within the workflow count once (store.Count); the mark keeps a later
// workflow, after the event has been folded away, from counting it again.
func (s *Service) countWeekOnce(ctx context.Context, w heard.BuddyWeekRecord, metric, dim string) error {
	if slices.Contains(w.Counted, metric) {
		return nil
	}
	m, err := s.store.Move(ctx, w.AreaID, w.MoveID)
	if err != nil {
		return err
	}
	key, _, err := s.moveCountKey(ctx, m)
	if err != nil {
		return err
	}
	key.Metric, key.Dim = metric, dim
	if err := s.store.Count(ctx, metric+"/"+w.ID, store.CounterAdd{Key: key, N: 1}); err != nil {
		return err
	}
	_, _, err = s.changeWeek(ctx, w.AreaID, w.ID, func(w *heard.BuddyWeekRecord) (bool, error) {
		if slices.Contains(w.Counted, metric) {
			return false, nil
		}
		w.Counted = append(w.Counted, metric)
		return true, nil
	})
	return err
}

// changeWeek changes a stored week (not found when it is gone) and returns it as it now is.
// It reports whether this call changed it.
func (s *Service) changeWeek(ctx context.Context, areaID, weekID string, change func(w *heard.BuddyWeekRecord) (bool, error)) (heard.BuddyWeekRecord, bool, error) {
	return s.store.ChangeBuddyWeek(ctx, areaID, weekID, func(w *heard.BuddyWeekRecord, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		return change(w)
	})
}
