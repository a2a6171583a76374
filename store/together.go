package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"heard"
)

// Changes to one document that wait for its guard go together. On the
// embedded server a read-change-write (update) holds the guard of its
// document from the read to the write, so changes to one busy document (one
// young person's list of cards, sent to back to back) took turns, each a
// read and a write of the whole document. Instead, the caller that gets the
// guard applies every change waiting for the same document, in the order
// they came, and writes the result once; each caller still gets the document
// as its own change left it, its own error, and "changed" only if its change
// was written. This is the order the changes would have taken one by one,
// and change must already be a pure function of the document (update).

// waitingUpdates holds, per document, the changes waiting for its guard.
type waitingUpdates struct {
	mu      sync.Mutex
	waiting map[string][]any // *updateOp[T]
}

// updateOp is one caller's change to a document, and its outcome.
type updateOp[T any] struct {
	ctx    context.Context
	area   string
	change func(doc *T, exists bool) (bool, error)
	// wantDoc: the caller is given the document as its change left it.
	wantDoc bool
	doc     T
	// changed and err are the outcome; done says they are set. All three are
	// written and read under the document's guard.
	changed bool
	err     error
	done    bool
}

func (w *waitingUpdates) add(key string, op any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting == nil {
		w.waiting = map[string][]any{}
	}
	w.waiting[key] = append(w.waiting[key], op)
}

// take removes and returns the changes waiting for key that are of the
// leader's type (a collection is changed through one type; others wait for
// their own caller).
func takeWaiting[T any](w *waitingUpdates, key string) []*updateOp[T] {
	w.mu.Lock()
	defer w.mu.Unlock()
	var mine []*updateOp[T]
	rest := w.waiting[key][:0]
	for _, o := range w.waiting[key] {
		if op, ok := o.(*updateOp[T]); ok {
			mine = append(mine, op)
		} else {
			rest = append(rest, o)
		}
	}
	if len(rest) == 0 {
		delete(w.waiting, key)
	} else {
		w.waiting[key] = rest
	}
	return mine
}

// updateTogether is update on the embedded server.
func updateTogether[T any](ctx context.Context, s *Store, collection, area, id string, change func(doc *T, exists bool) (bool, error), wantDoc bool) (T, bool, error) {
	op := &updateOp[T]{ctx: ctx, area: area, change: change, wantDoc: wantDoc}
	// Only changes made through one store handle go together: tests run two
	// Heard instances on one server, and one's writes must not fail with the
	// other's faults.
	key := fmt.Sprintf("%p\x00%s\x00%s\x00%s", s, s.DB.Name(), collection, id)
	s.embedded.updates.add(key, op)
	defer s.guard(collection, id)()
	if !op.done { // else the caller before this one applied it
		applyTogether(ctx, s, collection, id, takeWaiting[T](&s.embedded.updates, key))
	}
	return op.doc, op.changed, op.err
}

// applyTogether reads the document once, applies each change in turn and
// writes the result once, under the document's guard.
func applyTogether[T any](ctx context.Context, s *Store, collection, id string, ops []*updateOp[T]) {
	defer func() {
		for _, op := range ops {
			op.done = true
		}
	}()
	live := ops[:0:0]
	for _, op := range ops {
		if err := op.ctx.Err(); err != nil {
			op.err = err // gave up before its turn: nothing of it is written
			continue
		}
		live = append(live, op)
	}
	// The batch is written whatever becomes of the caller that leads it.
	ctx = context.WithoutCancel(ctx)
	col := s.c(collection)
	for attempt := 0; len(live) > 0; attempt++ {
		raw, err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			fail(live, err)
			return
		}
		existed := err == nil
		if !existed {
			raw = nil
		}
		doc, changed, err := applyEach(raw, live)
		if err != nil {
			fail(live, err)
			return
		}
		if !changed {
			return
		}
		rev, _ := raw.Lookup(revField).AsInt64OK()
		last, err := withRev(doc, rev+1)
		if err != nil {
			fail(live, err)
			return
		}
		if existed {
			_, err = col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, last)
		} else {
			_, err = col.InsertOne(ctx, last)
			if mongo.IsDuplicateKeyError(err) && attempt < 3 {
				continue // written past the store a moment ago: change that one
			}
		}
		if err != nil {
			fail(live, err)
			return
		}
		col.keepWritten(id, last)
		return
	}
}

// applyEach applies each change in turn to the document read (raw, nil when
// there is none), decoded once, and reports whether any changed it. A caller
// that wants the document gets a copy of it as its change left it (the last
// one gets the document itself). A change that fails leaves no trace: the
// document is decoded again and the changes before it applied again (they
// are pure functions of it).
func applyEach[T any](raw bson.Raw, ops []*updateOp[T]) (T, bool, error) {
	var doc T
	var area string
	exists, areaOK := raw != nil, false
	if exists {
		area, areaOK = raw.Lookup("area").StringValueOK()
		if err := bson.Unmarshal(raw, &doc); err != nil {
			return doc, false, err
		}
	}
	type step struct {
		op     *updateOp[T]
		exists bool
	}
	var applied []step
	changedAny := false
	for _, op := range ops {
		op.changed, op.err = false, nil
		if exists && (!areaOK || area != op.area) {
			op.err = heard.ErrNotFound // another area's document
			continue
		}
		changed, err := op.change(&doc, exists)
		if err != nil {
			op.err = err
			doc = *new(T)
			if raw != nil {
				if err := bson.Unmarshal(raw, &doc); err != nil {
					return doc, false, err
				}
			}
			for _, a := range applied {
				_, _ = a.op.change(&doc, a.exists)
			}
			continue
		}
		applied = append(applied, step{op, exists})
		if op.wantDoc && op != ops[len(ops)-1] {
			if err := copyDoc(doc, &op.doc); err != nil {
				return doc, false, err
			}
		}
		if changed {
			op.changed, changedAny = true, true
			if !exists {
				exists, area, areaOK = true, op.area, true
			}
		}
	}
	if last := ops[len(ops)-1]; last.err == nil {
		last.doc = doc
	}
	return doc, changedAny, nil
}

// copyDoc copies a document through BSON, so that later changes to one
// leave the other as it was.
func copyDoc[T any](doc T, into *T) error {
	raw, err := bson.Marshal(doc)
	if err != nil {
		return err
	}
	return bson.Unmarshal(raw, into)
}

// fail gives every change of a batch the error of its read or write.
func fail[T any](ops []*updateOp[T], err error) {
	for _, op := range ops {
		op.changed, op.err = false, err
	}
}
