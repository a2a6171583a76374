package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// A placement's profile is one document per placement, found by the
// placement's id: its text and the list of its photos, in order. Photos'
// bytes are kept apart (photos.go).
const colPlacementProfiles = "placement_profiles"

func init() {
	registerIndexes(index{collection: colPlacementProfiles, keys: bson.D{{Key: "area", Value: 1}}})
}

// profileDoc is a profile as stored, keeping fields a later version added.
type profileDoc struct {
	heard.PlacementProfile `bson:",inline"`
	Other                  bson.M `bson:",inline"`
}

// PlacementProfile returns a placement's profile; a placement whose staff
// have written nothing yet has an empty one.
func (s *Store) PlacementProfile(ctx context.Context, area, placementID string) (heard.PlacementProfile, error) {
	d, err := findByID[profileDoc](ctx, s.c(colPlacementProfiles), area, placementID)
	if errors.Is(err, heard.ErrNotFound) {
		return emptyProfile(area, placementID), nil
	}
	if d.People == nil {
		d.People = []heard.ProfilePerson{}
	}
	if d.Photos == nil {
		d.Photos = []heard.Photo{}
	}
	if d.Booklet == nil {
		d.Booklet = []heard.BookletPage{}
	}
	return d.PlacementProfile, err
}

func emptyProfile(area, placementID string) heard.PlacementProfile {
	return heard.PlacementProfile{PlacementID: placementID, AreaID: area,
		PlacementProfileText: heard.PlacementProfileText{People: []heard.ProfilePerson{}}, Photos: []heard.Photo{}, Booklet: []heard.BookletPage{}}
}

// ChangePlacementProfile changes a placement's profile in one
// read-change-write: change gets the profile as it is (empty at first) and
// reports whether it changed it.
func (s *Store) ChangePlacementProfile(ctx context.Context, area, placementID string,
	change func(p *heard.PlacementProfile) (bool, error)) (heard.PlacementProfile, error) {
	d, _, err := update(ctx, s, colPlacementProfiles, area, placementID, func(d *profileDoc, exists bool) (bool, error) {
		if !exists {
			d.PlacementProfile = emptyProfile(area, placementID)
		}
		return change(&d.PlacementProfile)
	})
	return d.PlacementProfile, err
}

// placementDoc is a placement as stored, keeping fields a later version added.
type placementDoc struct {
	heard.Placement `bson:",inline"`
	Other           bson.M `bson:",inline"`
}

// ChangePlacement changes a placement's name or type; change reports whether
// it changed it.
func (s *Store) ChangePlacement(ctx context.Context, area, id string, change func(pl *heard.Placement) (bool, error)) (heard.Placement, error) {
	d, _, err := update(ctx, s, colPlacements, area, id, func(d *placementDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		return change(&d.Placement)
	})
	return d.Placement, err
}
