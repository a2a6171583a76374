package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"heard"
)

// The buddy week as the young person lives it (their week, check-ins,
// requests, rating) and as the placement's staff follow it (their weeks,
// contacts, requests handled).

// ---- The young person's week ----

// myWeek loads the young person's current week, when they may see it: it
// has a buddy and its move is shared with them.
func (s *Service) myWeek(ctx context.Context, p heard.Principal) (heard.BuddyWeekRecord, heard.Area, error) {
	if err := youngPersonOnly(p); err != nil {
		return heard.BuddyWeekRecord{}, heard.Area{}, err
	}
	area, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return heard.BuddyWeekRecord{}, area, err
	}
	w, err := s.store.CurrentBuddyWeek(ctx, p.AreaID, p.ID)
	if err != nil {
		return w, area, err
	}
	m, err := s.store.Move(ctx, p.AreaID, w.MoveID)
	if err != nil {
		return w, area, err
	}
	switch m.Status {
	case heard.MoveShared, heard.MoveConfirmed, heard.MoveArrived:
	default:
		return w, area, heard.ErrNotFound
	}
	if w.BuddyID == "" || w.YoungPersonID != p.ID {
		return w, area, heard.ErrNotFound
	}
	return w, area, nil
}

// MyBuddyWeek is the young person's current week and the weeks they buddy.
func (s *Service) MyBuddyWeek(ctx context.Context, p heard.Principal) (heard.MyBuddyWeek, error) {
	w, area, err := s.myWeek(ctx, p)
	if errors.Is(err, heard.ErrNotFound) {
		return s.myBuddyWeekView(ctx, p, area, nil)
	}
	if err != nil {
		return heard.MyBuddyWeek{}, err
	}
	return s.myBuddyWeekView(ctx, p, area, &w)
}

func (s *Service) myBuddyWeekView(ctx context.Context, p heard.Principal, area heard.Area, w *heard.BuddyWeekRecord) (heard.MyBuddyWeek, error) {
	out := heard.MyBuddyWeek{Buddying: []heard.Buddying{}}
	now := s.now()
	if w != nil {
		b, err := s.store.RosterBuddy(ctx, p.AreaID, w.BuddyID)
		if err != nil {
			return out, err
		}
		me, _, err := s.store.AboutMe(ctx, p.AreaID, p.ID)
		if err != nil {
			return out, err
		}
		v := w.MineView(shownBuddy(b).SummaryFor(me.Normalize()), area, now)
		out.Week = &v
	}
	entries, err := s.store.RosterEntriesOf(ctx, p.AreaID, p.ID)
	if err != nil {
		return out, err
	}
	today := area.Today(now)
	for _, b := range entries {
		if !b.Consent.Current() {
			continue
		}
		weeks, err := s.store.BuddyWeeksAt(ctx, p.AreaID, b.PlacementID)
		if err != nil {
			return out, err
		}
		for _, bw := range weeks {
			st := bw.Status(today)
			if bw.BuddyID != b.ID || st != heard.BuddyWeekConfirmed && st != heard.BuddyWeekActive {
				continue
			}
			y, err := s.store.YoungPerson(ctx, p.AreaID, bw.YoungPersonID)
			if err != nil {
				return out, err
			}
			out.Buddying = append(out.Buddying, heard.Buddying{WeekID: bw.ID, NewcomerFirstName: y.CalledName(),
				From: bw.From.Format(time.DateOnly), Last: bw.Last.Format(time.DateOnly), DayNumber: bw.DayNumber(today)})
		}
	}
	return out, nil
}

// changeMyWeek changes the young person's current week and shows it.
func (s *Service) changeMyWeek(ctx context.Context, p heard.Principal, change func(w *heard.BuddyWeekRecord, today time.Time) (bool, error)) (heard.MyBuddyWeek, heard.BuddyWeekRecord, bool, error) {
	w, area, err := s.myWeek(ctx, p)
	if err != nil {
		return heard.MyBuddyWeek{}, w, false, err
	}
	today := area.Today(s.now())
	w, changed, err := s.changeWeek(ctx, p.AreaID, w.ID, func(w *heard.BuddyWeekRecord) (bool, error) { return change(w, today) })
	if err != nil {
		return heard.MyBuddyWeek{}, w, false, err
	}
	v, err := s.myBuddyWeekView(ctx, p, area, &w)
	return v, w, changed, err
}

// CheckIn answers a day's check-in; answering again replaces it. The words
// reach staff only when the young person chose to share them.
func (s *Service) CheckIn(ctx context.Context, p heard.Principal, day string, a heard.BuddyCheckinAnswer) (heard.MyBuddyWeek, error) {
	if errs := a.Validate(); len(errs) > 0 {
		return heard.MyBuddyWeek{}, heard.Invalid(errs)
	}
	now := s.now()
	v, _, _, err := s.changeMyWeek(ctx, p, func(w *heard.BuddyWeekRecord, today time.Time) (bool, error) {
		if !w.HasDay(day) || day > today.Format(time.DateOnly) {
			return false, heard.Invalid(map[string]string{"day": "not_in_week"})
		}
		return w.SetCheckin(heard.BuddyCheckin{Day: day, Rating: a.Rating, Words: heard.ShownWords(strings.TrimSpace(a.Words)),
			Shared: a.ShareWords && strings.TrimSpace(a.Words) != "", At: now}), nil
	})
	return v, err
}

// AskBuddy asks for a different buddy or to keep theirs longer; placement
// staff are told. One open request per kind: asking again changes nothing.
func (s *Service) AskBuddy(ctx context.Context, p heard.Principal, a heard.BuddyAsk) (heard.MyBuddyWeek, error) {
	if errs := a.Validate(); len(errs) > 0 {
		return heard.MyBuddyWeek{}, heard.Invalid(errs)
	}
	now := s.now()
	v, w, _, err := s.changeMyWeek(ctx, p, func(w *heard.BuddyWeekRecord, today time.Time) (bool, error) {
		if w.OpenRequest(a.Kind) {
			return false, nil
		}
		st := w.Status(today)
		switch {
		case a.Kind == heard.BuddyAskLonger && !w.CanAskLonger(today):
			return false, heard.Conflict("buddy_longer", "This buddy week cannot be made longer now.")
		case a.Kind == heard.BuddyAskDifferent && st != heard.BuddyWeekActive && st != heard.BuddyWeekConfirmed:
			return false, heard.Conflict("buddy_week_over", "This buddy week is over.")
		}
		return w.Ask(heard.BuddyRequest{Kind: a.Kind, At: now, Words: heard.ShownWords(strings.TrimSpace(a.Words))}), nil
	})
	if err != nil {
		return v, err
	}
	// Staff are told of the open request, asked now or by a try whose notice
	// failed: the notice's id is the request's, so a retry tells them once.
	r, open := w.OpenRequestOf(a.Kind)
	if !open {
		return v, nil
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return v, s.tellPlacementStaff(fctx, w, heard.NoticeBuddyRequest, w.ID+"/"+a.Kind+"/"+r.At.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano), r.At)
}

// intentBuddyRating is the workflow of rating a week: the rating, then its
// count. While it is in progress its counted event is not folded, so a retry
// (or the background worker) counts it once.
const intentBuddyRating = "buddy_rating"

// RateBuddyWeek rates the week once it has ended; the rating is counted once
// and cannot be changed after.
func (s *Service) RateBuddyWeek(ctx context.Context, p heard.Principal, a heard.BuddyRatingAnswer) (heard.MyBuddyWeek, error) {
	if errs := a.Validate(); len(errs) > 0 {
		return heard.MyBuddyWeek{}, heard.Invalid(errs)
	}
	mine, area, err := s.myWeek(ctx, p)
	if err != nil {
		return heard.MyBuddyWeek{}, err
	}
	words := heard.ShownWords(strings.TrimSpace(a.Words))
	rate := func(w *heard.BuddyWeekRecord, today time.Time) (bool, error) {
		switch {
		case w.Rating != nil && w.Rating.Rating == a.Rating && w.Rating.Words == words:
			return false, nil
		case w.Rating != nil:
			return false, heard.Conflict("buddy_rated", "This buddy week has been rated already.")
		case !w.Ended(today):
			return false, heard.Conflict("buddy_week_running", "A buddy week is rated once it has ended.")
		}
		w.Rating = &heard.BuddyRating{Rating: a.Rating, Words: words, At: s.now()}
		return true, nil
	}
	if _, err := rate(&mine, area.Today(s.now())); err != nil {
		return heard.MyBuddyWeek{}, err // refused before anything is written
	}
	if err := s.store.BeginIntent(ctx, p.AreaID, intentBuddyRating, mine.ID, s.instance, s.lease); err != nil {
		return heard.MyBuddyWeek{}, err
	}
	v, w, _, err := s.changeMyWeek(ctx, p, rate)
	if err != nil {
		return v, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return v, s.completeBuddyRating(fctx, w.AreaID, w.ID)
}

// completeBuddyRating counts a week's rating, if it has one, and ends the workflow.
func (s *Service) completeBuddyRating(ctx context.Context, areaID, weekID string) error {
	w, err := s.store.BuddyWeek(ctx, areaID, weekID)
	if err != nil && !errors.Is(err, heard.ErrNotFound) {
		return err
	}
	if err == nil {
		if err := s.countBuddyRating(ctx, w); err != nil {
			return err
		}
	}
	return s.store.EndIntent(ctx, intentBuddyRating, weekID)
}

// ---- The placement's weeks ----

// PlacementBuddyWeeks lists the caller's placement's weeks: upcoming,
// active, and ended in the last BuddyListEndedDays, soonest first.
func (s *Service) PlacementBuddyWeeks(ctx context.Context, p heard.Principal) ([]heard.BuddyWeekView, error) {
	if err := placementStaffOf(p, p.PlacementID); err != nil {
		return nil, err
	}
	area, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return nil, err
	}
	weeks, err := s.store.BuddyWeeksAt(ctx, p.AreaID, p.PlacementID)
	if err != nil {
		return nil, err
	}
	roster, err := s.store.RosterOf(ctx, p.AreaID, p.PlacementID)
	if err != nil {
		return nil, err
	}
	today := area.Today(s.now())
	out := []heard.BuddyWeekView{}
	for _, w := range weeks {
		if w.BuddyID == "" || w.Last.Before(today.AddDate(0, 0, -heard.BuddyListEndedDays)) {
			continue
		}
		v, err := s.staffWeekView(ctx, area, w, roster)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b heard.BuddyWeekView) int { return strings.Compare(a.From, b.From) })
	return out, nil
}

func (s *Service) staffWeekView(ctx context.Context, area heard.Area, w heard.BuddyWeekRecord, roster []heard.RosterBuddy) (heard.BuddyWeekView, error) {
	y, err := s.store.YoungPerson(ctx, area.ID, w.YoungPersonID)
	if err != nil {
		return heard.BuddyWeekView{}, err
	}
	me, _, err := s.store.AboutMe(ctx, area.ID, w.YoungPersonID)
	if err != nil {
		return heard.BuddyWeekView{}, err
	}
	return s.weekView(ctx, area, w, y, roster, me.Normalize().ForPlacement())
}

// weekForContact loads a week for the placement's staff or, for a contact,
// the resident buddy themself.
func (s *Service) weekForStaff(ctx context.Context, p heard.Principal, weekID string, buddyToo bool) (heard.BuddyWeekRecord, heard.Area, error) {
	w, err := s.store.BuddyWeek(ctx, p.AreaID, weekID)
	if err != nil {
		return w, heard.Area{}, err
	}
	switch {
	case p.Role == heard.RolePlacementStaff:
		err = placementStaffOf(p, w.PlacementID)
	case p.Role == heard.RoleYoungPerson && buddyToo:
		b, berr := s.store.RosterBuddy(ctx, p.AreaID, w.BuddyID)
		if berr != nil || b.YoungPersonID != p.ID || !b.Consent.Current() {
			err = heard.ErrForbidden
		}
	default:
		err = heard.ErrForbidden
	}
	if err != nil {
		return w, heard.Area{}, err
	}
	area, err := s.store.Area(ctx, p.AreaID)
	return w, area, err
}

// changeStaffWeek changes a week for the placement's staff (or its buddy) and shows it.
func (s *Service) changeStaffWeek(ctx context.Context, p heard.Principal, weekID string, buddyToo bool,
	change func(w *heard.BuddyWeekRecord, today time.Time) (bool, error)) (heard.BuddyWeekView, heard.BuddyWeekRecord, bool, error) {
	w, area, err := s.weekForStaff(ctx, p, weekID, buddyToo)
	if err != nil {
		return heard.BuddyWeekView{}, w, false, err
	}
	today := area.Today(s.now())
	w, changed, err := s.changeWeek(ctx, p.AreaID, weekID, func(w *heard.BuddyWeekRecord) (bool, error) { return change(w, today) })
	if err != nil {
		return heard.BuddyWeekView{}, w, false, err
	}
	v, err := s.staffWeekView(ctx, area, w, nil)
	return v, w, changed, err
}

// LogBuddyContact records that the buddy and the newcomer met on a day of
// the week up to today.
func (s *Service) LogBuddyContact(ctx context.Context, p heard.Principal, weekID string, c heard.BuddyContact) (heard.BuddyWeekView, error) {
	if errs := c.Validate(); len(errs) > 0 {
		return heard.BuddyWeekView{}, heard.Invalid(errs)
	}
	v, _, _, err := s.changeStaffWeek(ctx, p, weekID, true, func(w *heard.BuddyWeekRecord, today time.Time) (bool, error) {
		if !w.HasDay(c.Day) || c.Day > today.Format(time.DateOnly) {
			return false, heard.Invalid(map[string]string{"day": "not_in_week"})
		}
		return w.AddContact(c.Day), nil
	})
	return v, err
}

// HandleBuddyRequest marks the young person's request handled: "longer"
// keeps the buddy BuddyExtensionDays more (the new days get their jobs).
func (s *Service) HandleBuddyRequest(ctx context.Context, p heard.Principal, weekID, kind string) (heard.BuddyWeekView, error) {
	if kind != heard.BuddyAskDifferent && kind != heard.BuddyAskLonger {
		return heard.BuddyWeekView{}, heard.Invalid(map[string]string{"kind": "one_of"})
	}
	v, w, _, err := s.changeStaffWeek(ctx, p, weekID, false, func(w *heard.BuddyWeekRecord, today time.Time) (bool, error) {
		return w.Handle(kind), nil
	})
	if err != nil {
		return v, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return v, s.scheduleBuddyJobs(fctx, w)
}
