package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A placement's PDF booklet is one document, found by the placement's id
// (at most 10 MB, below a document's limit). Whether it is shown is the
// profile's PDF field (placements.go): a file the profile does not name is
// never served.
const colBookletFiles = "placement_booklet_files"

func init() {
	registerIndexes(index{collection: colBookletFiles, keys: bson.D{{Key: "area", Value: 1}}})
}

type bookletFile struct {
	PlacementID string `bson:"_id"`
	AreaID      string `bson:"area"`
	PDF         []byte `bson:"pdf"`
}

// PutBookletPDF keeps (or replaces) a placement's PDF.
func (s *Store) PutBookletPDF(ctx context.Context, area, placementID string, pdf []byte) error {
	_, err := s.c(colBookletFiles).ReplaceOne(ctx, bson.D{{Key: "_id", Value: placementID}},
		bookletFile{PlacementID: placementID, AreaID: area, PDF: pdf}, options.Replace().SetUpsert(true))
	return err
}

// BookletPDF returns a placement's PDF.
func (s *Store) BookletPDF(ctx context.Context, area, placementID string) ([]byte, error) {
	f, err := findByID[bookletFile](ctx, s.c(colBookletFiles), area, placementID)
	return f.PDF, err
}

// DeleteBookletPDF removes a placement's PDF.
func (s *Store) DeleteBookletPDF(ctx context.Context, area, placementID string) error {
	_, err := s.deleteIf(ctx, colBookletFiles, placementID, bson.D{{Key: "area", Value: area}})
	return err
}
