package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"heard"
)

var _ heard.PhotoService = (*Service)(nil)

// photoWork bounds the photos turned into renditions at once in this
// process: each takes about 50 MB for a moment (a 12-megapixel photo
// decoded), so a burst of uploads waits its turn instead of exhausting memory.
var photoWork = make(chan struct{}, 2)

var errTooManyPhotos = &heard.Problem{Kind: heard.ErrConflict, Code: "too_many_photos",
	Message: "A placement keeps at most 24 photos; remove one first."}

// AddPhoto keeps a photo for a placement: the upload is checked, decoded,
// turned upright, resized and encoded again (photoimage.go) before anything
// is stored, so a refused upload stores nothing and the original is never
// kept. The renditions are stored first, then the photo is listed on the
// profile: a photo is shown only once listed, so a failure in between shows
// nothing, and the phone's retry with the same id finishes it once.
func (s *Service) AddPhoto(ctx context.Context, p heard.Principal, placementID string, n heard.NewPhoto, upload []byte) (heard.Photo, error) {
	if _, err := s.placementKept(ctx, p, placementID); err != nil {
		return heard.Photo{}, err
	}
	if errs := n.Validate(); len(errs) > 0 {
		return heard.Photo{}, heard.Invalid(errs)
	}
	if n.ID == "" {
		n.ID = heard.NewID()
	}
	prof, err := s.store.PlacementProfile(ctx, p.AreaID, placementID)
	if err != nil {
		return heard.Photo{}, err
	}
	if ph, ok := prof.Photo(n.ID); ok {
		return ph, nil // a retry of an upload already kept
	}
	if len(prof.Photos) >= heard.PlacementPhotosMax {
		return heard.Photo{}, errTooManyPhotos
	}
	select {
	case photoWork <- struct{}{}:
	case <-ctx.Done():
		return heard.Photo{}, &heard.Problem{Kind: heard.ErrBusy, Code: "busy", Message: "Heard is busy with other photos; try again in a moment.", RetryAfter: 5 * time.Second}
	}
	renditions, err := processPhoto(upload, n.ContentType, heard.PhotoWidths)
	<-photoWork
	if err != nil {
		return heard.Photo{}, err
	}
	largest := renditions[len(renditions)-1]
	ph := heard.Photo{ID: n.ID, Kind: n.Kind, Caption: strings.TrimSpace(n.Caption), Width: largest.Width, Height: largest.Height, AddedAt: s.now()}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	for _, r := range renditions {
		ph.Widths = append(ph.Widths, r.Width)
		if err := s.store.PutPhotoFile(fctx, p.AreaID, placementID, ph.ID, r.Width, r.JPEG); err != nil {
			return heard.Photo{}, err
		}
	}
	_, err = s.store.ChangePlacementProfile(fctx, p.AreaID, placementID, func(prof *heard.PlacementProfile) (bool, error) {
		if kept, ok := prof.Photo(ph.ID); ok {
			ph = kept
			return false, nil
		}
		if len(prof.Photos) >= heard.PlacementPhotosMax {
			return false, errTooManyPhotos
		}
		prof.Photos = append(prof.Photos, ph)
		return true, nil
	})
	if err != nil {
		return heard.Photo{}, err
	}
	return ph, nil
}

// ChangePhoto changes a photo's caption or kind.
func (s *Service) ChangePhoto(ctx context.Context, p heard.Principal, placementID, photoID string, c heard.PhotoChange) (heard.Photo, error) {
	if _, err := s.placementKept(ctx, p, placementID); err != nil {
		return heard.Photo{}, err
	}
	var check heard.Photo
	if errs := c.Apply(&check); len(errs) > 0 {
		return heard.Photo{}, heard.Invalid(errs)
	}
	var out heard.Photo
	_, err := s.store.ChangePlacementProfile(ctx, p.AreaID, placementID, func(prof *heard.PlacementProfile) (bool, error) {
		i := slices.IndexFunc(prof.Photos, func(ph heard.Photo) bool { return ph.ID == photoID })
		if i < 0 {
			return false, heard.ErrNotFound
		}
		before := prof.Photos[i]
		c.Apply(&prof.Photos[i])
		out = prof.Photos[i]
		return out.Caption != before.Caption || out.Kind != before.Kind, nil
	})
	return out, err
}

// ReorderPhotos puts a placement's photos in the order given.
func (s *Service) ReorderPhotos(ctx context.Context, p heard.Principal, placementID string, o heard.PhotoOrder) ([]heard.Photo, error) {
	if _, err := s.placementKept(ctx, p, placementID); err != nil {
		return nil, err
	}
	prof, err := s.store.ChangePlacementProfile(ctx, p.AreaID, placementID, func(prof *heard.PlacementProfile) (bool, error) {
		ordered, errs := o.Reorder(prof.Photos)
		if len(errs) > 0 {
			return false, heard.Invalid(errs)
		}
		changed := !slices.EqualFunc(ordered, prof.Photos, func(a, b heard.Photo) bool { return a.ID == b.ID })
		prof.Photos = ordered
		return changed, nil
	})
	return prof.Photos, err
}

// RemovePhoto takes a photo off the profile (at once nobody is shown it) and
// then deletes its renditions. A rendition left by a failure in between is
// never served, as its photo is no longer listed.
func (s *Service) RemovePhoto(ctx context.Context, p heard.Principal, placementID, photoID string) error {
	if _, err := s.placementKept(ctx, p, placementID); err != nil {
		return err
	}
	var removed heard.Photo
	_, err := s.store.ChangePlacementProfile(ctx, p.AreaID, placementID, func(prof *heard.PlacementProfile) (bool, error) {
		i := slices.IndexFunc(prof.Photos, func(ph heard.Photo) bool { return ph.ID == photoID })
		if i < 0 {
			return false, heard.ErrNotFound
		}
		removed = prof.Photos[i]
		prof.Photos = slices.Delete(prof.Photos, i, i+1)
		for j := range prof.People {
			if prof.People[j].PhotoID == photoID {
				prof.People[j].PhotoID = ""
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	return s.store.DeletePhotoFiles(fctx, p.AreaID, placementID, photoID, removed.Widths)
}

// PhotoFile returns the JPEG of a listed photo, at the kept width nearest to
// width, to whoever may see the placement.
func (s *Service) PhotoFile(ctx context.Context, p heard.Principal, placementID, photoID string, width int) ([]byte, int, error) {
	if _, err := s.placementFor(ctx, p, placementID); err != nil {
		return nil, 0, err
	}
	prof, err := s.store.PlacementProfile(ctx, p.AreaID, placementID)
	if err != nil {
		return nil, 0, err
	}
	ph, ok := prof.Photo(photoID)
	if !ok {
		return nil, 0, heard.ErrNotFound
	}
	w := ph.RenditionWidth(width)
	b, err := s.store.PhotoFile(ctx, p.AreaID, placementID, photoID, w)
	return b, w, err
}
