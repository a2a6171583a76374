package store

import (
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

type tally struct {
	ID     string   `bson:"_id"`
	AreaID string   `bson:"area"`
	Marks  []string `bson:"marks"`
}

func mark(area, m string, fail bool) *updateOp[tally] {
	return &updateOp[tally]{area: area, wantDoc: true, change: func(d *tally, exists bool) (bool, error) {
		if !exists {
			*d = tally{ID: "t", AreaID: area}
		}
		d.Marks = append(d.Marks, m)
		if fail {
			return false, errors.New("refused " + m)
		}
		return true, nil
	}}
}

// Changes going together are applied in their order to one document; one
// that fails (after changing the document it was given) leaves no trace,
// one for another area's document is "not found", and each caller gets the
// document as its own change left it.
func TestChangesGoingTogetherAreAppliedInTurn(t *testing.T) {
	ops := []*updateOp[tally]{mark("a", "1", false), mark("a", "2", true), mark("b", "x", false), mark("a", "3", false)}
	doc, changed, err := applyEach(nil, ops)
	if err != nil || !changed || !slices.Equal(doc.Marks, []string{"1", "3"}) {
		t.Fatalf("document %+v changed %v err %v", doc, changed, err)
	}
	if ops[1].err == nil || ops[1].changed || !errors.Is(ops[2].err, heard.ErrNotFound) || !ops[0].changed || !ops[3].changed {
		t.Fatalf("outcomes: %v %v / %v %v / %v %v / %v %v", ops[0].changed, ops[0].err, ops[1].changed, ops[1].err,
			ops[2].changed, ops[2].err, ops[3].changed, ops[3].err)
	}
	if !slices.Equal(ops[0].doc.Marks, []string{"1"}) || !slices.Equal(ops[3].doc.Marks, []string{"1", "3"}) {
		t.Fatalf("the first caller got %+v, the last %+v", ops[0].doc, ops[3].doc)
	}

	raw, _ := bson.Marshal(tally{ID: "t", AreaID: "a", Marks: []string{"0"}})
	doc, changed, err = applyEach(bson.Raw(raw), []*updateOp[tally]{mark("a", "4", true), mark("a", "5", false)})
	if err != nil || !changed || !slices.Equal(doc.Marks, []string{"0", "5"}) {
		t.Fatalf("on a stored document: %+v changed %v err %v", doc, changed, err)
	}
}
