package service

import (
	"context"
	"errors"

	"heard"
)

var _ heard.MoveService = (*Service)(nil)

// intentMove is the workflow of planning a move: the move, then the audit
// entry it owes. Its subject is the move's id.
const intentMove = "move"

// PlanMove lets the young person's key worker plan a move to a placement of
// the area on a day of the area's calendar (not in the past, at most two years
// ahead). The move is stored with the audit entry it owes, which is then
// written; the intent recorded first lets the background worker write it
// should this request fail in between.
func (s *Service) PlanMove(ctx context.Context, p heard.Principal, youngPersonID string, n heard.NewMove) (heard.Move, error) {
	area, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return heard.Move{}, err
	}
	day, errs := n.Validate(area, s.clock.Now())
	if len(errs) > 0 {
		return heard.Move{}, heard.Invalid(errs)
	}
	y, err := s.keyWorkerOnly(ctx, p, youngPersonID, "") // audited once the move is made
	if err != nil {
		return heard.Move{}, err
	}
	if _, err := s.store.Placement(ctx, y.AreaID, n.PlacementID); errors.Is(err, heard.ErrNotFound) {
		return heard.Move{}, heard.Invalid(map[string]string{"placementId": "unknown"})
	} else if err != nil {
		return heard.Move{}, err
	}
	m := heard.Move{ID: p.NewIDFor("move"), AreaID: y.AreaID, YoungPersonID: y.ID, PlacementID: n.PlacementID, Date: day,
		Status: heard.MovePlanned, CreatedBy: p.ID, CreatedAt: s.now()}
	if err := s.store.BeginIntent(ctx, m.AreaID, intentMove, m.ID, s.instance, s.lease); err != nil {
		return heard.Move{}, err
	}
	planned := auditEntry(p, "move_planned", y.ID)
	planned.ID = auditID(planned.Action, m.ID)
	err = s.store.InsertMove(ctx, m, planned)
	if made, ok := madeBefore(p, err, func() (heard.Move, error) { return s.store.Move(ctx, p.AreaID, m.ID) }); ok {
		m = made // finished below, as the first run would have
	} else if err != nil {
		return heard.Move{}, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	if err := s.completeMove(fctx, m.AreaID, m.ID); err != nil {
		return heard.Move{}, err
	}
	return m, nil
}

// completeMove writes what a planned move owes and removes its intent (at
// once when the move was never stored: nothing was planned).
func (s *Service) completeMove(ctx context.Context, areaID, moveID string) error {
	if _, err := s.store.WriteMove(ctx, areaID, moveID); err != nil && !errors.Is(err, heard.ErrNotFound) {
		return err
	}
	return s.store.EndIntent(ctx, intentMove, moveID)
}

// Moves lists a young person's planned and past moves (staff reads are audit-logged).
func (s *Service) Moves(ctx context.Context, p heard.Principal, youngPersonID string) ([]heard.Move, error) {
	y, err := s.youngPersonFor(ctx, p, youngPersonID, heard.AccessRecord, "moves_read")
	if err != nil {
		return nil, err
	}
	return s.store.MovesOf(ctx, y.AreaID, y.ID)
}

// IncomingMoves lists the moves into the caller's placement: first name and
// date only until a move is confirmed.
func (s *Service) IncomingMoves(ctx context.Context, p heard.Principal) ([]heard.IncomingMove, error) {
	if p.Role != heard.RolePlacementStaff {
		return nil, heard.ErrForbidden
	}
	out := []heard.IncomingMove{}
	if p.PlacementID == "" {
		return out, nil
	}
	moves, err := s.store.MovesToPlacement(ctx, p.AreaID, p.PlacementID)
	if err != nil {
		return nil, err
	}
	for _, m := range moves {
		y, err := s.store.YoungPerson(ctx, p.AreaID, m.YoungPersonID)
		if errors.Is(err, heard.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, heard.NewIncomingMove(m, y))
	}
	return out, nil
}
