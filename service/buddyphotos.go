package service

import (
	"context"
	"time"

	"heard"
)

// A volunteer's photo goes through the placement photos' pipeline
// (photoimage.go): checked, turned upright, resized and re-encoded, so no
// metadata is kept. Its renditions are stored first under a new photo id,
// then the roster entry names it, then the old renditions go: a failure in
// between leaves at worst unused renditions, never a broken photo.

// SetBuddyPhoto keeps a volunteer's photo, replacing any earlier one.
func (s *Service) SetBuddyPhoto(ctx context.Context, p heard.Principal, id, contentType string, upload []byte) (heard.RosterBuddy, error) {
	b, err := s.rosterBuddyKept(ctx, p, id)
	if err != nil {
		return heard.RosterBuddy{}, err
	}
	select {
	case photoWork <- struct{}{}:
	case <-ctx.Done():
		return heard.RosterBuddy{}, &heard.Problem{Kind: heard.ErrBusy, Code: "busy", Message: "Heard is busy with other photos; try again in a moment.", RetryAfter: 5 * time.Second}
	}
	renditions, err := processPhoto(upload, contentType, heard.PhotoWidths)
	<-photoWork
	if err != nil {
		return heard.RosterBuddy{}, err
	}
	photoID := heard.NewID()
	var widths []int
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	for _, r := range renditions {
		widths = append(widths, r.Width)
		if err := s.store.PutPhotoFile(fctx, p.AreaID, b.PlacementID, photoID, r.Width, r.JPEG); err != nil {
			return heard.RosterBuddy{}, err
		}
	}
	var old heard.RosterBuddy
	b, err = s.store.ChangeRosterBuddy(fctx, p.AreaID, id, func(b *heard.RosterBuddy) (bool, error) {
		old = *b
		b.PhotoID, b.PhotoWidths = photoID, widths
		return true, nil
	})
	if err != nil {
		return heard.RosterBuddy{}, err
	}
	if old.PhotoID != "" {
		if err := s.store.DeletePhotoFiles(fctx, p.AreaID, b.PlacementID, old.PhotoID, old.PhotoWidths); err != nil {
			return shownBuddy(b), err
		}
	}
	return shownBuddy(b), nil
}

// RemoveBuddyPhoto deletes a volunteer's photo.
func (s *Service) RemoveBuddyPhoto(ctx context.Context, p heard.Principal, id string) error {
	if _, err := s.rosterBuddyKept(ctx, p, id); err != nil {
		return err
	}
	var old heard.RosterBuddy
	b, err := s.store.ChangeRosterBuddy(ctx, p.AreaID, id, func(b *heard.RosterBuddy) (bool, error) {
		old = *b
		if b.PhotoID == "" {
			return false, nil
		}
		b.PhotoID, b.PhotoWidths = "", nil
		return true, nil
	})
	if err != nil || old.PhotoID == "" {
		return err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return s.store.DeletePhotoFiles(fctx, p.AreaID, b.PlacementID, old.PhotoID, old.PhotoWidths)
}

// BuddyPhoto is a volunteer's photo, only while they agree to it, for the
// placement's staff and the young person whose week has this buddy.
func (s *Service) BuddyPhoto(ctx context.Context, p heard.Principal, id string, width int) ([]byte, int, error) {
	b, err := s.store.RosterBuddy(ctx, p.AreaID, id)
	if err != nil {
		return nil, 0, err
	}
	switch p.Role {
	case heard.RolePlacementStaff:
		err = placementStaffOf(p, b.PlacementID)
	case heard.RoleYoungPerson:
		w, _, werr := s.myWeek(ctx, p)
		if werr != nil || w.BuddyID != b.ID {
			err = heard.ErrForbidden
		}
	default:
		err = heard.ErrForbidden
	}
	if err != nil {
		return nil, 0, err
	}
	if !b.PhotoAgreed || b.PhotoID == "" {
		return nil, 0, heard.ErrNotFound
	}
	kept := heard.Photo{Widths: b.PhotoWidths}.RenditionWidth(width)
	jpeg, err := s.store.PhotoFile(ctx, p.AreaID, b.PlacementID, b.PhotoID, kept)
	return jpeg, kept, err
}
