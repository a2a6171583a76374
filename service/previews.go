package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"heard"
	"heard/store"
)

var _ heard.PreviewService = (*Service)(nil)

// noticeID is the id of the one notification an event sends, so a retry
// queues it once.
func noticeID(kind, subject string) string { return auditID("notice:"+kind, subject) }

// moveOfMyCaseload loads a move and checks that the caller is the young
// person's key worker (audited as action).
func (s *Service) moveOfMyCaseload(ctx context.Context, p heard.Principal, moveID, action string) (heard.Move, error) {
	m, err := s.store.Move(ctx, p.AreaID, moveID)
	if err != nil {
		return m, err
	}
	_, err = s.keyWorkerOnly(ctx, p, m.YoungPersonID, action)
	return m, err
}

// intentMoveStatus is the workflow of moving a move on: the status, then
// what it owes (the audit entry, the counts, where the young person lives,
// the buddy week, the young person's notice). Its subject names the move, the
// status and who asked, so a crash after the status is written is finished
// by RunOnce within one lease, written as the key worker would have.
const intentMoveStatus = "move_status"

// ChangeMoveStatus lets the key worker move a move on (heard.MoveStatus.Next).
// The status is written first; the young person is told after, with a
// notification whose id is the move's, so a retried tap tells them once.
func (s *Service) ChangeMoveStatus(ctx context.Context, p heard.Principal, moveID string, c heard.MoveChange) (heard.Move, error) {
	if _, err := heard.MoveStatus("").Next(c.Status); err != nil && errors.Is(err, heard.ErrInvalid) {
		return heard.Move{}, err
	}
	before, err := s.moveOfMyCaseload(ctx, p, moveID, "")
	if err != nil {
		return before, err
	}
	if _, err := before.Status.Next(c.Status); err != nil {
		return before, err
	}
	subject := moveStatusSubject(moveID, c.Status, p.ID)
	if err := s.store.BeginIntent(ctx, p.AreaID, intentMoveStatus, subject, s.instance, s.lease); err != nil {
		return before, err
	}
	now := s.now()
	m, err := s.store.ChangeMove(ctx, p.AreaID, moveID, func(m *heard.Move) (bool, error) {
		next, err := m.Status.Next(c.Status)
		if err != nil || next == m.Status {
			return false, err
		}
		m.Status, m.ChangedAt = next, &now
		if next == heard.MoveShared {
			m.SharedAt = &now
		}
		return true, nil
	})
	if err != nil {
		return m, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return m, s.finishMoveStatus(fctx, p, m, subject)
}

func moveStatusSubject(moveID string, status heard.MoveStatus, actorID string) string {
	return moveID + "/" + string(status) + "/" + actorID
}

// completeMoveStatus finishes a status change a request left part way. A
// status never written owes nothing; one written, even if the move has moved
// on since, owes what it would have.
func (s *Service) completeMoveStatus(ctx context.Context, areaID, subject string) error {
	parts := strings.Split(subject, "/")
	if len(parts) != 3 {
		return s.store.EndIntent(ctx, intentMoveStatus, subject)
	}
	moveID, status, actorID := parts[0], heard.MoveStatus(parts[1]), parts[2]
	m, err := s.store.Move(ctx, areaID, moveID)
	if errors.Is(err, heard.ErrNotFound) || err == nil && !statusReached(m, status) {
		return s.store.EndIntent(ctx, intentMoveStatus, subject)
	}
	if err != nil {
		return err
	}
	actor := heard.Principal{ID: actorID, AreaID: areaID}
	if st, err := s.store.StaffMember(ctx, areaID, actorID); err == nil {
		actor = staffPrincipal(st)
	} else if !errors.Is(err, heard.ErrNotFound) {
		return err
	}
	m.Status = status
	return s.finishMoveStatus(ctx, actor, m, subject)
}

// statusReached reports whether m has been at status: its status now, or one
// a move passes through before it (a move is shared before it is confirmed
// and confirmed before it arrives; a cancelled move was shared if SharedAt
// says so).
func statusReached(m heard.Move, status heard.MoveStatus) bool {
	order := []heard.MoveStatus{heard.MovePlanned, heard.MoveShared, heard.MoveConfirmed, heard.MoveArrived}
	switch {
	case m.Status == status:
		return true
	case m.Status == heard.MoveCancelled:
		return status == heard.MoveShared && m.SharedAt != nil
	}
	return slices.Index(order, m.Status) > slices.Index(order, status) && slices.Index(order, status) >= 0
}

// finishMoveStatus writes, each once however often it runs, what a move
// reaching m.Status owes, then ends the workflow.
func (s *Service) finishMoveStatus(ctx context.Context, p heard.Principal, m heard.Move, subject string) error {
	entry := auditEntry(p, "move_"+string(m.Status), m.YoungPersonID)
	entry.ID = auditID(entry.Action, m.ID)
	if err := s.store.AuditOnce(ctx, entry); err != nil {
		return err
	}
	if err := s.countMove(ctx, m); err != nil {
		return err
	}
	if err := s.settleArrival(ctx, m); err != nil {
		return err
	}
	if err := s.buddyMoveChanged(ctx, m); err != nil {
		return err
	}
	kind := "move"
	if m.Status == heard.MoveShared {
		kind = "move_shared"
	}
	if err := s.notify(ctx, heard.Notification{ID: noticeID(kind+":"+string(m.Status), m.ID), AreaID: m.AreaID, RecipientID: m.YoungPersonID,
		Type: kind, Link: "/#/my-move", Urgency: heard.UrgencyOrdinary, SubjectID: m.ID, CreatedAt: s.now()}); err != nil {
		return err
	}
	return s.store.EndIntent(ctx, intentMoveStatus, subject)
}

// settleArrival records where a young person lives once their move has
// arrived, so the placement's staff can add them to its buddy roster and
// their cards carry the placement's type. Repeating it changes nothing.
func (s *Service) settleArrival(ctx context.Context, m heard.Move) error {
	if m.Status != heard.MoveArrived {
		return nil
	}
	_, err := s.store.ChangeYoungPerson(ctx, m.AreaID, m.YoungPersonID, func(y *heard.YoungPerson) error {
		y.PlacementID = m.PlacementID
		return nil
	})
	return err
}

func (s *Service) notify(ctx context.Context, n heard.Notification) error {
	if s.notifier == nil {
		return nil
	}
	return s.notifier.Notify(ctx, n)
}

// SetMoveDay lets the key worker tell the day itself.
func (s *Service) SetMoveDay(ctx context.Context, p heard.Principal, moveID string, d heard.MoveDay) (heard.Move, error) {
	if errs := d.Validate(); len(errs) > 0 {
		return heard.Move{}, heard.Invalid(errs)
	}
	d = heard.MoveDay{TakenBy: strings.TrimSpace(d.TakenBy), LeaveAt: d.LeaveAt, Journey: strings.TrimSpace(d.Journey), MetBy: strings.TrimSpace(d.MetBy)}
	if _, err := s.moveOfMyCaseload(ctx, p, moveID, "move_day_set"); err != nil {
		return heard.Move{}, err
	}
	return s.store.ChangeMove(ctx, p.AreaID, moveID, func(m *heard.Move) (bool, error) {
		if m.Status == heard.MoveCancelled || m.Status == heard.MoveArrived {
			return false, heard.Conflict("move_status", "The day of a cancelled or past move cannot be changed.")
		}
		changed := m.Day == nil || *m.Day != d
		m.Day = &d
		return changed, nil
	})
}

// myMove loads one of the young person's own moves whose preview is open;
// any other move, a cancelled one included, is "not found", which tells the
// phone to remove the preview.
func (s *Service) myMove(ctx context.Context, p heard.Principal, moveID string) (heard.Move, error) {
	if p.Role != heard.RoleYoungPerson {
		return heard.Move{}, heard.ErrForbidden
	}
	m, err := s.store.Move(ctx, p.AreaID, moveID)
	if err != nil {
		return m, err
	}
	if m.YoungPersonID != p.ID || !heard.PreviewOpen(m, s.now()) {
		return m, heard.ErrNotFound
	}
	return m, nil
}

// MyPreviews lists the previews open to the young person: moves still to come
// first, soonest first, then homes they have arrived at (a young person who
// has just arrived may already have another move planned, and that one is
// what they need to see).
func (s *Service) MyPreviews(ctx context.Context, p heard.Principal) ([]heard.Preview, error) {
	if p.Role != heard.RoleYoungPerson {
		return nil, heard.ErrForbidden
	}
	moves, err := s.store.MovesOf(ctx, p.AreaID, p.ID)
	if err != nil {
		return nil, err
	}
	out := []heard.Preview{}
	y, err := s.store.YoungPerson(ctx, p.AreaID, p.ID)
	if err != nil {
		return nil, err
	}
	keyWorker := ""
	if a, err := s.store.CurrentAssignment(ctx, p.AreaID, p.ID); err == nil {
		if st, err := s.store.StaffMember(ctx, p.AreaID, a.StaffID); err == nil {
			keyWorker = st.FirstName()
		}
	}
	for _, m := range moves {
		if !heard.PreviewOpen(m, s.now()) {
			continue
		}
		pl, err := s.store.Placement(ctx, p.AreaID, m.PlacementID)
		if err != nil {
			return nil, err
		}
		prof, err := s.store.PlacementProfile(ctx, p.AreaID, m.PlacementID)
		if err != nil {
			return nil, err
		}
		prof.Name, prof.Type = pl.Name, pl.Type
		prof.Booklet = heard.PagesFor(prof.Booklet, y.Language)
		out = append(out, heard.Preview{Move: heard.NewPreviewMove(m), Placement: prof, KeyWorker: keyWorker})
	}
	slices.SortStableFunc(out, func(a, b heard.Preview) int {
		return boolOrder(a.Move.Status == heard.MoveArrived) - boolOrder(b.Move.Status == heard.MoveArrived)
	})
	return out, nil
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// OpenPreview records the first time the young person opened the preview;
// it is counted once for the preparation KPI.
func (s *Service) OpenPreview(ctx context.Context, p heard.Principal, moveID string) (heard.PreviewMove, error) {
	if _, err := s.myMove(ctx, p, moveID); err != nil {
		return heard.PreviewMove{}, err
	}
	now := s.now()
	m, err := s.store.ChangeMove(ctx, p.AreaID, moveID, func(m *heard.Move) (bool, error) {
		if m.OpenedAt != nil {
			return false, nil
		}
		m.OpenedAt = &now
		return true, nil
	})
	if err != nil {
		return heard.PreviewMove{}, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return heard.NewPreviewMove(m), s.countPreviewOpened(fctx, m)
}

// AskVisit tells the key worker that the young person would like to visit
// first (once; asking again changes nothing).
func (s *Service) AskVisit(ctx context.Context, p heard.Principal, moveID string) (heard.PreviewMove, error) {
	if _, err := s.myMove(ctx, p, moveID); err != nil {
		return heard.PreviewMove{}, err
	}
	now := s.now()
	m, err := s.store.ChangeMove(ctx, p.AreaID, moveID, func(m *heard.Move) (bool, error) {
		if m.VisitAskedAt != nil {
			return false, nil
		}
		m.VisitAskedAt = &now
		return true, nil
	})
	if err != nil {
		return heard.PreviewMove{}, err
	}
	a, err := s.store.CurrentAssignment(ctx, p.AreaID, p.ID)
	if errors.Is(err, heard.ErrNotFound) {
		return heard.NewPreviewMove(m), nil
	}
	if err != nil {
		return heard.PreviewMove{}, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return heard.NewPreviewMove(m), s.notify(fctx, heard.Notification{ID: noticeID("visit", m.ID), AreaID: m.AreaID, RecipientID: a.StaffID,
		Type: "move", Link: "/#/young-people/" + m.YoungPersonID + "/moves", Urgency: heard.UrgencyOrdinary, SubjectID: m.ID, CreatedAt: now})
}

// ShareBringList keeps the young person's list on the move, for their key worker.
func (s *Service) ShareBringList(ctx context.Context, p heard.Principal, moveID string, b heard.BringList) (heard.BringList, error) {
	b = b.Normalize()
	if errs := b.Validate(); len(errs) > 0 {
		return heard.BringList{}, heard.Invalid(errs)
	}
	if _, err := s.myMove(ctx, p, moveID); err != nil {
		return heard.BringList{}, err
	}
	_, err := s.store.ChangeMove(ctx, p.AreaID, moveID, func(m *heard.Move) (bool, error) {
		m.Bring = b.Items
		return true, nil
	})
	return b, err
}

// AskQuestion keeps a question for the placement and tells its staff.
func (s *Service) AskQuestion(ctx context.Context, p heard.Principal, moveID string, n heard.NewQuestion) (heard.Question, error) {
	if errs := n.Validate(); len(errs) > 0 {
		return heard.Question{}, heard.Invalid(errs)
	}
	m, err := s.myMove(ctx, p, moveID)
	if err != nil {
		return heard.Question{}, err
	}
	q, _, err := s.store.AddQuestion(ctx, m, heard.Question{ID: n.ID, Text: strings.TrimSpace(n.Text), AskedAt: s.now()})
	if err != nil {
		return q, err
	}
	staff, err := s.store.StaffList(ctx, p.AreaID, heard.RolePlacementStaff)
	if err != nil {
		return q, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	for _, st := range staff {
		if st.PlacementID != m.PlacementID || st.Disabled {
			continue
		}
		if err := s.notify(fctx, heard.Notification{ID: noticeID("question:"+st.ID, q.ID), AreaID: m.AreaID, RecipientID: st.ID,
			Type: "question", Link: "/#/placement-questions", Urgency: heard.UrgencyOrdinary, SubjectID: q.ID, CreatedAt: q.AskedAt}); err != nil {
			return q, err
		}
	}
	return q, nil
}

// MyQuestions lists the young person's questions about a move.
func (s *Service) MyQuestions(ctx context.Context, p heard.Principal, moveID string) ([]heard.Question, error) {
	m, err := s.myMove(ctx, p, moveID)
	if err != nil {
		return nil, err
	}
	return s.store.Questions(ctx, p.AreaID, m.ID)
}

// PlacementQuestions lists the questions about moves into the caller's
// placement, unanswered first, each with the young person's first name only.
func (s *Service) PlacementQuestions(ctx context.Context, p heard.Principal) ([]heard.Question, error) {
	if p.Role != heard.RolePlacementStaff {
		return nil, heard.ErrForbidden
	}
	out := []heard.Question{}
	if p.PlacementID == "" {
		return out, nil
	}
	moves, err := s.store.MovesToPlacement(ctx, p.AreaID, p.PlacementID)
	if err != nil {
		return nil, err
	}
	var answered []heard.Question
	for _, m := range moves {
		if !heard.PreviewOpen(m, s.now()) {
			continue
		}
		y, err := s.store.YoungPerson(ctx, p.AreaID, m.YoungPersonID)
		if err != nil {
			return nil, err
		}
		qs, err := s.store.Questions(ctx, p.AreaID, m.ID)
		if err != nil {
			return nil, err
		}
		for _, q := range qs {
			q.FirstName = y.FirstName
			if q.AnsweredAt == nil {
				out = append(out, q)
			} else {
				answered = append(answered, q)
			}
		}
	}
	return append(out, answered...), nil
}

// AnswerQuestion answers a question about a move into the caller's
// placement; the young person is told. Answering again replaces the answer.
func (s *Service) AnswerQuestion(ctx context.Context, p heard.Principal, moveID, questionID string, n heard.QuestionAnswer) (heard.Question, error) {
	if errs := n.Validate(); len(errs) > 0 {
		return heard.Question{}, heard.Invalid(errs)
	}
	m, err := s.store.Move(ctx, p.AreaID, moveID)
	if err != nil {
		return heard.Question{}, err
	}
	if p.Role != heard.RolePlacementStaff || p.PlacementID == "" || p.PlacementID != m.PlacementID {
		return heard.Question{}, heard.ErrForbidden
	}
	if !heard.PreviewOpen(m, s.now()) {
		return heard.Question{}, heard.ErrNotFound
	}
	now := s.now()
	text := strings.TrimSpace(n.Text)
	first := strings.Fields(p.Name)
	by := ""
	if len(first) > 0 {
		by = first[0]
	}
	q, _, err := s.store.AnswerQuestion(ctx, p.AreaID, moveID, questionID, func(q *heard.Question) bool {
		if q.Answer == text {
			return false
		}
		q.Answer, q.AnsweredBy, q.AnsweredAt = text, by, &now
		return true
	})
	if err != nil {
		return q, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return q, s.notify(fctx, heard.Notification{ID: noticeID("answer:"+q.Answer, q.ID), AreaID: m.AreaID, RecipientID: m.YoungPersonID,
		Type: "question_answered", Link: "/#/my-move", Urgency: heard.UrgencyOrdinary, SubjectID: q.ID, CreatedAt: now})
}

// Preparation for moves (KPI 5), counted as things happen, each event once
// (store.Count), in the month of the move day: a share adds the move and its
// days of notice; a first opening at least heard.PreviewEarlyDays before the
// day adds an early opening; cancelling a shared move takes back what it added.

// moveCountKey is the counter key of a move: its young person's service and
// its placement's type, on the move day.
func (s *Service) moveCountKey(ctx context.Context, m heard.Move) (store.CounterKey, heard.Area, error) {
	area, err := s.store.Area(ctx, m.AreaID)
	if err != nil {
		return store.CounterKey{}, area, err
	}
	y, err := s.store.YoungPerson(ctx, m.AreaID, m.YoungPersonID)
	if err != nil {
		return store.CounterKey{}, area, err
	}
	pl, err := s.store.Placement(ctx, m.AreaID, m.PlacementID)
	if err != nil {
		return store.CounterKey{}, area, err
	}
	return store.CounterKey{Area: m.AreaID, Day: m.Date.Format(time.DateOnly), Service: string(y.Service), PlacementType: string(pl.Type)}, area, nil
}

// daysBefore is the number of the area's days from at to the move day.
func daysBefore(area heard.Area, at time.Time, m heard.Move) int {
	return int(m.Date.Sub(area.Today(at)).Hours() / 24)
}

// openedEarly reports whether the preview of m was first opened early enough.
func openedEarly(area heard.Area, m heard.Move) bool {
	return m.OpenedAt != nil && daysBefore(area, *m.OpenedAt, m) >= heard.PreviewEarlyDays
}

// countMove counts what a move's status owes the KPI: a share, or the
// taking back of a cancelled shared move.
func (s *Service) countMove(ctx context.Context, m heard.Move) error {
	if m.SharedAt == nil || (m.Status != heard.MoveShared && m.Status != heard.MoveCancelled) {
		return nil
	}
	key, area, err := s.moveCountKey(ctx, m)
	if err != nil {
		return err
	}
	shared, noticed := key, key
	shared.Metric = heard.KPIMetrics.MovesShared
	noticed.Metric, noticed.Dim = heard.KPIMetrics.MoveNotice, heard.NoticeBucket(max(0, daysBefore(area, *m.SharedAt, m)))
	if err := s.store.Count(ctx, "move_shared/"+m.ID, store.CounterAdd{Key: shared, N: 1}, store.CounterAdd{Key: noticed, N: 1}); err != nil {
		return err
	}
	if m.Status != heard.MoveCancelled {
		return nil
	}
	back := []store.CounterAdd{{Key: shared, N: -1}, {Key: noticed, N: -1}}
	if openedEarly(area, m) {
		early := key
		early.Metric = heard.KPIMetrics.PreviewEarly
		back = append(back, store.CounterAdd{Key: early, N: -1})
	}
	return s.store.Count(ctx, "move_cancelled/"+m.ID, back...)
}

// countPreviewOpened counts a first opening made early enough.
func (s *Service) countPreviewOpened(ctx context.Context, m heard.Move) error {
	if m.OpenedAt == nil {
		return nil
	}
	key, area, err := s.moveCountKey(ctx, m)
	if err != nil || !openedEarly(area, m) {
		return err
	}
	key.Metric = heard.KPIMetrics.PreviewEarly
	return s.store.Count(ctx, "preview_early/"+m.ID, store.CounterAdd{Key: key, N: 1})
}
