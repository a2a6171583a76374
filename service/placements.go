package service

import (
	"context"

	"heard"
)

var _ heard.PlacementService = (*Service)(nil)

// placementFor loads a placement of the caller's area and checks that the
// caller may see it: another area's or an unknown placement is "not found",
// one the caller may not see "forbidden".
func (s *Service) placementFor(ctx context.Context, p heard.Principal, placementID string) (heard.Placement, error) {
	pl, err := s.store.Placement(ctx, p.AreaID, placementID)
	if err != nil {
		return pl, err
	}
	moving := false
	if p.Role == heard.RoleYoungPerson {
		if moving, err = s.movingTo(ctx, p, placementID); err != nil {
			return pl, err
		}
	}
	if !heard.SeesPlacement(p, pl, moving) {
		return pl, heard.ErrForbidden
	}
	return pl, nil
}

// placementKept loads a placement that the caller keeps (is on its staff).
func (s *Service) placementKept(ctx context.Context, p heard.Principal, placementID string) (heard.Placement, error) {
	pl, err := s.store.Placement(ctx, p.AreaID, placementID)
	if err != nil {
		return pl, err
	}
	if !heard.KeepsPlacement(p, pl) {
		return pl, heard.ErrForbidden
	}
	return pl, nil
}

// movingTo reports whether a young person has a move to the placement that
// has been shared with them and is not over.
func (s *Service) movingTo(ctx context.Context, p heard.Principal, placementID string) (bool, error) {
	moves, err := s.store.MovesOf(ctx, p.AreaID, p.ID)
	if err != nil {
		return false, err
	}
	for _, m := range moves {
		if m.PlacementID == placementID && heard.PreviewOpen(m, s.now()) {
			return true, nil
		}
	}
	return false, nil
}

// PlacementProfile shows a placement's profile and the list of its photos.
func (s *Service) PlacementProfile(ctx context.Context, p heard.Principal, placementID string) (heard.PlacementProfile, error) {
	pl, err := s.placementFor(ctx, p, placementID)
	if err != nil {
		return heard.PlacementProfile{}, err
	}
	prof, err := s.store.PlacementProfile(ctx, p.AreaID, placementID)
	prof.Name, prof.Type = pl.Name, pl.Type
	return prof, err
}

// ChangePlacementProfile replaces the text of a placement's profile: only its
// own staff keep it.
func (s *Service) ChangePlacementProfile(ctx context.Context, p heard.Principal, placementID string, t heard.PlacementProfileText) (heard.PlacementProfile, error) {
	pl, err := s.placementKept(ctx, p, placementID)
	if err != nil {
		return heard.PlacementProfile{}, err
	}
	t = t.Normalize()
	now := s.now()
	prof, err := s.store.ChangePlacementProfile(ctx, p.AreaID, placementID, func(prof *heard.PlacementProfile) (bool, error) {
		if errs := t.Validate(prof.Photos); len(errs) > 0 {
			return false, heard.Invalid(errs)
		}
		prof.PlacementProfileText = t
		prof.UpdatedAt = &now
		return true, nil
	})
	prof.Name, prof.Type = pl.Name, pl.Type
	return prof, err
}

// PlacementsToChoose lists the area's placements for the staff who plan
// moves (key workers, team managers, administrators).
func (s *Service) PlacementsToChoose(ctx context.Context, p heard.Principal) ([]heard.Placement, error) {
	if !heard.Can(p.Role, heard.RoleKeyWorker, heard.RoleTeamManager, heard.RoleAdministrator) {
		return nil, heard.ErrForbidden
	}
	return s.store.Placements(ctx, p.AreaID)
}

// ChangePlacement changes a placement's name or type (administrators).
func (s *Service) ChangePlacement(ctx context.Context, p heard.Principal, placementID string, c heard.PlacementChange) (heard.Placement, error) {
	if err := administrator(p); err != nil {
		return heard.Placement{}, err
	}
	var check heard.Placement
	if errs := c.Apply(&check); len(errs) > 0 {
		return heard.Placement{}, heard.Invalid(errs)
	}
	return s.store.ChangePlacement(ctx, p.AreaID, placementID, func(pl *heard.Placement) (bool, error) {
		before := *pl
		c.Apply(pl)
		return *pl != before, nil
	})
}
