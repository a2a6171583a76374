package service

import (
	"context"

	"heard"
	"heard/i18n"
)

var _ heard.BookletService = (*Service)(nil)

// ChangeBooklet replaces the booklet's pages: only the placement's own staff keep it.
func (s *Service) ChangeBooklet(ctx context.Context, p heard.Principal, placementID string, b heard.Booklet) (heard.Booklet, error) {
	if _, err := s.placementKept(ctx, p, placementID); err != nil {
		return heard.Booklet{}, err
	}
	if errs := b.Validate(i18n.Supported); len(errs) > 0 {
		return heard.Booklet{}, heard.Invalid(errs)
	}
	b = b.Normalize()
	now := s.now()
	_, err := s.store.ChangePlacementProfile(ctx, p.AreaID, placementID, func(prof *heard.PlacementProfile) (bool, error) {
		prof.Booklet, prof.UpdatedAt = b.Pages, &now
		return true, nil
	})
	return b, err
}

// PutBookletPDF keeps the placement's PDF booklet after checking that it is
// one (heard.CheckPDF); the file is stored first, then named on the profile,
// so a failure in between shows nothing new and a retry finishes it.
func (s *Service) PutBookletPDF(ctx context.Context, p heard.Principal, placementID string, pdf []byte) (heard.BookletPDF, error) {
	if _, err := s.placementKept(ctx, p, placementID); err != nil {
		return heard.BookletPDF{}, err
	}
	if err := heard.CheckPDF(pdf); err != nil {
		return heard.BookletPDF{}, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	if err := s.store.PutBookletPDF(fctx, p.AreaID, placementID, pdf); err != nil {
		return heard.BookletPDF{}, err
	}
	meta := heard.BookletPDF{Bytes: len(pdf), AddedAt: s.now()}
	_, err := s.store.ChangePlacementProfile(fctx, p.AreaID, placementID, func(prof *heard.PlacementProfile) (bool, error) {
		prof.PDF = &meta
		return true, nil
	})
	return meta, err
}

// RemoveBookletPDF stops showing the PDF at once, then deletes it.
func (s *Service) RemoveBookletPDF(ctx context.Context, p heard.Principal, placementID string) error {
	if _, err := s.placementKept(ctx, p, placementID); err != nil {
		return err
	}
	_, err := s.store.ChangePlacementProfile(ctx, p.AreaID, placementID, func(prof *heard.PlacementProfile) (bool, error) {
		if prof.PDF == nil {
			return false, heard.ErrNotFound
		}
		prof.PDF = nil
		return true, nil
	})
	if err != nil {
		return err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return s.store.DeleteBookletPDF(fctx, p.AreaID, placementID)
}

// BookletPDFFile returns the PDF to whoever may see the placement.
func (s *Service) BookletPDFFile(ctx context.Context, p heard.Principal, placementID string) ([]byte, string, error) {
	pl, err := s.placementFor(ctx, p, placementID)
	if err != nil {
		return nil, "", err
	}
	prof, err := s.store.PlacementProfile(ctx, p.AreaID, placementID)
	if err != nil {
		return nil, "", err
	}
	if prof.PDF == nil {
		return nil, "", heard.ErrNotFound
	}
	b, err := s.store.BookletPDF(ctx, p.AreaID, placementID)
	return b, pl.Name, err
}
