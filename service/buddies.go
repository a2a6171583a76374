package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"heard"
)

var _ heard.BuddyService = (*Service)(nil)

// A buddy for the first week. The roster and "about me" are single
// documents; a week is made when staff first choose a buddy for a move
// (ChooseBuddy), then listed, given its jobs and counted by
// completeBuddyWeek, which the intent lets the background worker finish.

var errBuddyUnfit = heard.Conflict("buddy_unfit", "This buddy no longer fits this arrival (away, full, consent withdrawn, or not what the young person asked for). Choose another.")

func youngPersonOnly(p heard.Principal) error {
	if p.Role != heard.RoleYoungPerson {
		return heard.ErrForbidden
	}
	return nil
}

// placementStaffOf checks that the caller is on the staff of placementID.
func placementStaffOf(p heard.Principal, placementID string) error {
	if p.Role != heard.RolePlacementStaff || p.PlacementID == "" {
		return heard.ErrForbidden
	}
	if p.PlacementID != placementID {
		return heard.ErrForbidden
	}
	return nil
}

// MyAboutMe is the young person's "about me" (an empty one if never filled).
func (s *Service) MyAboutMe(ctx context.Context, p heard.Principal) (heard.AboutMe, error) {
	if err := youngPersonOnly(p); err != nil {
		return heard.AboutMe{}, err
	}
	a, _, err := s.store.AboutMe(ctx, p.AreaID, p.ID)
	return a.Normalize(), err
}

// SetMyAboutMe keeps the young person's "about me".
func (s *Service) SetMyAboutMe(ctx context.Context, p heard.Principal, a heard.AboutMe) (heard.AboutMe, error) {
	if err := youngPersonOnly(p); err != nil {
		return heard.AboutMe{}, err
	}
	a = a.Normalize()
	if errs := a.Validate(); len(errs) > 0 {
		return heard.AboutMe{}, heard.Invalid(errs)
	}
	return a, s.store.SetAboutMe(ctx, p.AreaID, p.ID, a)
}

// ---- The roster ----

// RosterBuddies lists the caller's placement's roster.
func (s *Service) RosterBuddies(ctx context.Context, p heard.Principal) ([]heard.RosterBuddy, error) {
	if err := placementStaffOf(p, p.PlacementID); err != nil {
		return nil, err
	}
	roster, err := s.store.RosterOf(ctx, p.AreaID, p.PlacementID)
	for i := range roster {
		roster[i] = shownBuddy(roster[i])
	}
	return roster, err
}

func shownBuddy(b heard.RosterBuddy) heard.RosterBuddy {
	b.Active, b.HasPhoto = b.Consent.Current(), b.PhotoID != ""
	if b.Absences == nil {
		b.Absences = []heard.DayRange{}
	}
	return b
}

// AddRosterBuddy adds a volunteer to the caller's placement's roster with
// their consent recorded (who gave it; when is now). A resident who is a
// young person in Heard must live at the placement.
func (s *Service) AddRosterBuddy(ctx context.Context, p heard.Principal, n heard.NewRosterBuddy) (heard.RosterBuddy, error) {
	if err := placementStaffOf(p, p.PlacementID); err != nil {
		return heard.RosterBuddy{}, err
	}
	b, errs := n.Buddy(p.NewIDFor("roster-buddy"), p.PlacementID, s.now())
	if len(errs) > 0 {
		return heard.RosterBuddy{}, heard.Invalid(errs)
	}
	if b.YoungPersonID != "" {
		y, err := s.store.YoungPerson(ctx, p.AreaID, b.YoungPersonID)
		if errors.Is(err, heard.ErrNotFound) || err == nil && y.PlacementID != p.PlacementID {
			return heard.RosterBuddy{}, heard.Invalid(map[string]string{"youngPersonId": "not_resident"})
		} else if err != nil {
			return heard.RosterBuddy{}, err
		}
	}
	err := s.store.AddRosterBuddy(ctx, p.AreaID, b)
	if made, ok := madeBefore(p, err, func() (heard.RosterBuddy, error) { return s.store.RosterBuddy(ctx, p.AreaID, b.ID) }); ok {
		return shownBuddy(made), s.store.ListRosterBuddy(ctx, p.AreaID, made)
	}
	return shownBuddy(b), err
}

// rosterBuddyKept loads a volunteer of the caller's placement.
func (s *Service) rosterBuddyKept(ctx context.Context, p heard.Principal, id string) (heard.RosterBuddy, error) {
	if err := placementStaffOf(p, p.PlacementID); err != nil {
		return heard.RosterBuddy{}, err
	}
	b, err := s.store.RosterBuddy(ctx, p.AreaID, id)
	if err == nil && b.PlacementID != p.PlacementID {
		return b, heard.ErrForbidden
	}
	return b, err
}

// changeRosterBuddy changes a volunteer of the caller's placement.
func (s *Service) changeRosterBuddy(ctx context.Context, p heard.Principal, id string, change func(b *heard.RosterBuddy) (bool, error)) (heard.RosterBuddy, error) {
	if _, err := s.rosterBuddyKept(ctx, p, id); err != nil {
		return heard.RosterBuddy{}, err
	}
	b, err := s.store.ChangeRosterBuddy(ctx, p.AreaID, id, change)
	return shownBuddy(b), err
}

// ChangeRosterBuddy changes a volunteer's details, capacity or days away.
func (s *Service) ChangeRosterBuddy(ctx context.Context, p heard.Principal, id string, c heard.RosterBuddyChange) (heard.RosterBuddy, error) {
	return s.changeRosterBuddy(ctx, p, id, func(b *heard.RosterBuddy) (bool, error) {
		if errs := c.Apply(b); len(errs) > 0 {
			return false, heard.Invalid(errs)
		}
		return true, nil
	})
}

// WithdrawRosterBuddy records that a volunteer's consent was withdrawn.
func (s *Service) WithdrawRosterBuddy(ctx context.Context, p heard.Principal, id string) (heard.RosterBuddy, error) {
	now := s.now()
	return s.changeRosterBuddy(ctx, p, id, func(b *heard.RosterBuddy) (bool, error) {
		if !b.Consent.WithdrawnAt.IsZero() {
			return false, nil
		}
		b.Consent.WithdrawnAt = now
		return true, nil
	})
}

// WithdrawMyBuddyConsent: a resident buddy who is a young person in Heard
// stops being a buddy; they are never proposed again.
func (s *Service) WithdrawMyBuddyConsent(ctx context.Context, p heard.Principal) error {
	if err := youngPersonOnly(p); err != nil {
		return err
	}
	entries, err := s.store.RosterEntriesOf(ctx, p.AreaID, p.ID)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return heard.ErrNotFound
	}
	now := s.now()
	for _, b := range entries {
		if _, err := s.store.ChangeRosterBuddy(ctx, p.AreaID, b.ID, func(b *heard.RosterBuddy) (bool, error) {
			if !b.Consent.WithdrawnAt.IsZero() {
				return false, nil
			}
			b.Consent.WithdrawnAt = now
			return true, nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// ---- Matching ----

// moveForBuddy loads a move for its young person's key worker or the
// placement's staff; a cancelled move has no buddy.
func (s *Service) moveForBuddy(ctx context.Context, p heard.Principal, moveID, action string) (heard.Move, heard.YoungPerson, error) {
	m, err := s.store.Move(ctx, p.AreaID, moveID)
	if err != nil {
		return m, heard.YoungPerson{}, err
	}
	var y heard.YoungPerson
	switch p.Role {
	case heard.RoleKeyWorker:
		y, err = s.keyWorkerOnly(ctx, p, m.YoungPersonID, action)
	case heard.RolePlacementStaff:
		if err = placementStaffOf(p, m.PlacementID); err == nil {
			y, err = s.store.YoungPerson(ctx, p.AreaID, m.YoungPersonID)
		}
	default:
		err = heard.ErrForbidden
	}
	if err == nil && m.Status == heard.MoveCancelled {
		err = heard.ErrNotFound
	}
	return m, y, err
}

// buddyMatchInputs is what matching a move reads: the roster, the other
// weeks at the placement, the young person's "about me" and the move's week.
type buddyMatchInputs struct {
	area    heard.Area
	roster  []heard.RosterBuddy
	me      heard.AboutMe
	filled  bool
	week    heard.BuddyWeekRecord
	hasWeek bool
	others  []heard.BuddyWeek
}

func (s *Service) buddyInputs(ctx context.Context, m heard.Move) (buddyMatchInputs, error) {
	var in buddyMatchInputs
	var err error
	if in.area, err = s.store.Area(ctx, m.AreaID); err != nil {
		return in, err
	}
	if in.roster, err = s.store.RosterOf(ctx, m.AreaID, m.PlacementID); err != nil {
		return in, err
	}
	if in.me, in.filled, err = s.store.AboutMe(ctx, m.AreaID, m.YoungPersonID); err != nil {
		return in, err
	}
	in.me = in.me.Normalize()
	weeks, err := s.store.BuddyWeeksAt(ctx, m.AreaID, m.PlacementID)
	if err != nil {
		return in, err
	}
	for _, w := range weeks {
		if w.MoveID == m.ID {
			in.week, in.hasWeek = w, true
		} else if w.BuddyID != "" {
			in.others = append(in.others, w.Week())
		}
	}
	return in, nil
}

// propose runs ProposeBuddy for the move. On a week already running it asks
// for a new buddy from today, never the present or a past one (a rematch is
// without blame, and without going back).
func (in buddyMatchInputs) propose(m heard.Move, now time.Time) (heard.BuddyProposal, bool) {
	me := in.me
	day := m.Date
	if in.hasWeek {
		me.RatherNotWith = append(slices.Clone(me.RatherNotWith), in.week.PastBuddyIDs...)
		if in.week.Status(in.area.Today(now)) == heard.BuddyWeekActive {
			me.RatherNotWith = append(me.RatherNotWith, in.week.BuddyID)
			day = in.area.Today(now)
		}
	}
	arrival := heard.Arrival{YoungPersonID: m.YoungPersonID, PlacementID: m.PlacementID, Day: day, AgeBand: in.me.AgeBand, Gender: in.me.Gender}
	history := slices.Clone(in.others)
	return heard.ProposeBuddy(arrival, me, in.roster, in.others, history)
}

func (in buddyMatchInputs) buddy(id string) (heard.RosterBuddy, bool) {
	i := slices.IndexFunc(in.roster, func(b heard.RosterBuddy) bool { return b.ID == id })
	if i < 0 {
		return heard.RosterBuddy{}, false
	}
	return shownBuddy(in.roster[i]), true
}

// BuddyMatch shows a move's proposal, the others who fit, what the young
// person lets the placement see, and the week once a buddy is chosen.
func (s *Service) BuddyMatch(ctx context.Context, p heard.Principal, moveID string) (heard.BuddyMatch, error) {
	m, y, err := s.moveForBuddy(ctx, p, moveID, "buddy_read")
	if err != nil {
		return heard.BuddyMatch{}, err
	}
	in, err := s.buddyInputs(ctx, m)
	if err != nil {
		return heard.BuddyMatch{}, err
	}
	return s.buddyMatchView(ctx, m, y, in)
}

func (s *Service) buddyMatchView(ctx context.Context, m heard.Move, y heard.YoungPerson, in buddyMatchInputs) (heard.BuddyMatch, error) {
	seen := in.me.ForPlacement()
	v := heard.BuddyMatch{MoveID: m.ID, YoungPersonFirstName: y.CalledName(), Day: m.Date.Format(time.DateOnly), Others: []heard.BuddySummary{}}
	if in.filled {
		v.AboutMe = &seen
	}
	if prop, ok := in.propose(m, s.now()); ok {
		if b, ok := in.buddy(prop.BuddyID); ok {
			v.Proposal = &heard.BuddyProposalView{Buddy: b.SummaryFor(seen), Reasons: prop.Reasons}
		}
		for _, id := range prop.Others {
			if b, ok := in.buddy(id); ok {
				v.Others = append(v.Others, b.SummaryFor(seen))
			}
		}
	}
	if in.hasWeek {
		wv, err := s.weekView(ctx, in.area, in.week, y, in.roster, seen)
		if err != nil {
			return v, err
		}
		v.Week = &wv
	}
	return v, nil
}

// weekView shows a week to staff.
func (s *Service) weekView(ctx context.Context, area heard.Area, w heard.BuddyWeekRecord, y heard.YoungPerson, roster []heard.RosterBuddy, seen heard.AboutMe) (heard.BuddyWeekView, error) {
	name := func(id string) (heard.RosterBuddy, error) {
		if i := slices.IndexFunc(roster, func(b heard.RosterBuddy) bool { return b.ID == id }); i >= 0 {
			return roster[i], nil
		}
		return s.store.RosterBuddy(ctx, area.ID, id)
	}
	b, err := name(w.BuddyID)
	if err != nil {
		return heard.BuddyWeekView{}, err
	}
	var past []string
	for _, id := range w.PastBuddyIDs {
		pb, err := name(id)
		if err != nil {
			return heard.BuddyWeekView{}, err
		}
		past = append(past, pb.FirstName)
	}
	return w.StaffView(y.CalledName(), shownBuddy(b).SummaryFor(seen), past, area.Today(s.now())), nil
}

// intentBuddyWeek is the workflow of choosing a week's buddy: the week, then
// its listing, jobs, counts and the young person's notice. Its subject is the week's id.
const intentBuddyWeek = "buddy_week"

// ChooseBuddy confirms the proposal or another buddy who fits; on a running
// week it is the rematch. The week keeps its days whoever the buddy is.
func (s *Service) ChooseBuddy(ctx context.Context, p heard.Principal, moveID string, c heard.BuddyChoice) (heard.BuddyMatch, error) {
	if errs := c.Validate(); len(errs) > 0 {
		return heard.BuddyMatch{}, heard.Invalid(errs)
	}
	m, y, err := s.moveForBuddy(ctx, p, moveID, "")
	if err != nil {
		return heard.BuddyMatch{}, err
	}
	in, err := s.buddyInputs(ctx, m)
	if err != nil {
		return heard.BuddyMatch{}, err
	}
	weekID := heard.BuddyWeekID(m.ID)
	if in.hasWeek && in.week.BuddyID == c.BuddyID {
		// A retried tap: finish what the first left undone, if anything.
		if left, err := s.store.InProgress(ctx, m.AreaID, intentBuddyWeek, weekID); err != nil || left {
			if err == nil {
				err = s.completeBuddyWeek(ctx, m.AreaID, weekID)
			}
			if err != nil {
				return heard.BuddyMatch{}, err
			}
		}
		return s.buddyMatchView(ctx, m, y, in)
	}
	prop, ok := in.propose(m, s.now())
	if !ok || prop.BuddyID != c.BuddyID && !slices.Contains(prop.Others, c.BuddyID) {
		if _, known := in.buddy(c.BuddyID); !known {
			return heard.BuddyMatch{}, heard.Invalid(map[string]string{"buddyId": "unknown"})
		}
		return heard.BuddyMatch{}, errBuddyUnfit
	}
	if err := s.store.BeginIntent(ctx, m.AreaID, intentBuddyWeek, weekID, s.instance, s.lease); err != nil {
		return heard.BuddyMatch{}, err
	}
	now := s.now()
	today := in.area.Today(now)
	w, _, err := s.store.ChangeBuddyWeek(ctx, m.AreaID, weekID, func(w *heard.BuddyWeekRecord, exists bool) (bool, error) {
		if !exists {
			*w = heard.NewBuddyWeek(m, c.BuddyID, p.ID, now)
			return true, nil
		}
		switch w.Status(today) {
		case heard.BuddyWeekActive:
			return w.Rematch(c.BuddyID, p.ID, now), nil
		case heard.BuddyWeekEnded, heard.BuddyWeekRated:
			return false, heard.Conflict("buddy_week_over", "This buddy week is over.")
		}
		changed := w.BuddyID != c.BuddyID
		w.BuddyID, w.ChosenBy, w.ChosenAt = c.BuddyID, p.ID, now
		return changed, nil
	})
	if err != nil {
		return heard.BuddyMatch{}, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	entry := auditEntry(p, "buddy_chosen", m.YoungPersonID)
	entry.ID = auditID(entry.Action+":"+c.BuddyID, weekID)
	if err := s.store.AuditOnce(fctx, entry); err != nil {
		return heard.BuddyMatch{}, err
	}
	if err := s.completeBuddyWeek(fctx, m.AreaID, weekID); err != nil {
		return heard.BuddyMatch{}, err
	}
	in.week, in.hasWeek = w, true
	return s.buddyMatchView(ctx, m, y, in)
}
