package store

import (
	"context"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// A photo's renditions are documents of their own, one per width, found by
// _id (photo id and width): a rendition is at most a few hundred kilobytes,
// far below a document's limit, and a read by _id is fast on either server.
// Which photos a placement shows is its profile's list (placements.go): a
// rendition whose photo is not listed is never served.
const colPhotoFiles = "placement_photo_files"

func init() {
	registerIndexes(index{collection: colPhotoFiles, keys: bson.D{{Key: "area", Value: 1}, {Key: "placementId", Value: 1}}})
}

type photoFile struct {
	ID          string `bson:"_id"`
	AreaID      string `bson:"area"`
	PlacementID string `bson:"placementId"`
	PhotoID     string `bson:"photoId"`
	Width       int    `bson:"width"`
	JPEG        []byte `bson:"jpeg"`
}

// photoFileID names a rendition by its placement too: a photo id chosen by
// one placement's phone can never reach another placement's renditions.
func photoFileID(placementID, photoID string, width int) string {
	return placementID + "." + photoID + "." + strconv.Itoa(width)
}

// PutPhotoFile stores one rendition of a photo; storing it again (a retried
// upload) keeps the first.
func (s *Store) PutPhotoFile(ctx context.Context, area, placementID, photoID string, width int, jpeg []byte) error {
	_, err := s.c(colPhotoFiles).InsertOne(ctx, photoFile{ID: photoFileID(placementID, photoID, width), AreaID: area,
		PlacementID: placementID, PhotoID: photoID, Width: width, JPEG: jpeg})
	if err := duplicate(err); err != heard.ErrConflict {
		return err
	}
	return nil
}

// PhotoFile returns one rendition of a placement's photo.
func (s *Store) PhotoFile(ctx context.Context, area, placementID, photoID string, width int) ([]byte, error) {
	f, err := findByID[photoFile](ctx, s.c(colPhotoFiles), area, photoFileID(placementID, photoID, width))
	return f.JPEG, err
}

// DeletePhotoFiles removes a photo's renditions.
func (s *Store) DeletePhotoFiles(ctx context.Context, area, placementID, photoID string, widths []int) error {
	for _, w := range widths {
		if _, err := s.deleteIf(ctx, colPhotoFiles, photoFileID(placementID, photoID, w), bson.D{{Key: "area", Value: area}}); err != nil {
			return err
		}
	}
	return nil
}

// CountPhotoFiles counts the renditions kept for a placement (tests: nothing
// is kept of a refused upload).
func (s *Store) CountPhotoFiles(ctx context.Context, area, placementID string) (int64, error) {
	return s.c(colPhotoFiles).CountDocuments(ctx, inArea(area, bson.E{Key: "placementId", Value: placementID}))
}
