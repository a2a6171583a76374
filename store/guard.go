package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"heard"
)

// The guard. The embedded server carries out a conditional update (an update
// with a filter, findOneAndUpdate, $inc) as a read followed by a write, without
// a lock, so two at once can both "win" or lose an increment. It always runs
// inside this one process, so an in-process lock per document makes those
// operations exact there. The locks belong to the embedded server, so every
// store handle on it (tests run two Heard instances on one server) shares them.
// On MongoDB the same operations are atomic in the server and the guard does
// nothing, so several Heard instances can share one database. Every
// conditional write in the store goes through guard; nothing else in Heard
// locks around the database.

// keyedLocks is a fixed set of mutexes chosen by hashing a key: two keys may
// share a lock (harmless), one key always gets the same one.
type keyedLocks [256]sync.Mutex

func (k *keyedLocks) lock(key string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(key))
	return &k[h.Sum32()%uint32(len(k))]
}

// guard serialises conditional writes to one document (collection and _id) on
// the embedded server and returns the function that ends the guard.
func (s *Store) guard(collection, id string) (unlock func()) {
	if s.embedded == nil {
		return func() {}
	}
	mu := s.embedded.locks.lock(s.DB.Name() + "\x00" + collection + "\x00" + id)
	mu.Lock()
	return mu.Unlock
}

// revField is the revision every document written through update carries, so
// that on MongoDB the write back can be conditional on nobody having written
// the document meanwhile.
const revField = "_rev"

// update is the store's one read-change-write of a single document, found by
// _id (a lookup, never a scan, on either server). change gets the document (its
// zero value when there is none yet, with exists false) and reports whether it
// changed it; the document is written back only then. It returns the document
// as it now is and whether this call changed it.
//
// Exact on both servers: on the embedded one the guard serialises it; on
// MongoDB the write is conditional on the revision that was read, and a lost
// race reads again and calls change again, so change must be a pure function
// of the document it is given. A document of another area is "not found".
func update[T any](ctx context.Context, s *Store, collection, area, id string, change func(doc *T, exists bool) (bool, error)) (T, bool, error) {
	if s.embedded != nil {
		return updateTogether(ctx, s, collection, area, id, change, true) // together.go
	}
	col := s.c(collection)
	for {
		var doc T
		raw, err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		exists := err == nil
		var rev int64
		hasRev := false
		switch {
		case exists:
			if a, ok := raw.Lookup("area").StringValueOK(); !ok || a != area {
				return doc, false, heard.ErrNotFound
			}
			if err := bson.Unmarshal(raw, &doc); err != nil {
				return doc, false, err
			}
			rev, hasRev = raw.Lookup(revField).AsInt64OK()
		case !errors.Is(err, mongo.ErrNoDocuments):
			return doc, false, err
		}
		changed, err := change(&doc, exists)
		if err != nil || !changed {
			return doc, false, err
		}
		body, err := withRev(doc, rev+1)
		if err != nil {
			return doc, false, err
		}
		if !exists {
			_, err = col.InsertOne(ctx, body)
			if mongo.IsDuplicateKeyError(err) {
				continue // another instance made it first: change that one
			}
			if err == nil {
				col.keepWritten(id, body)
			}
			return doc, err == nil, err
		}
		filter := bson.D{{Key: "_id", Value: id}}
		if s.embedded == nil && hasRev {
			filter = append(filter, bson.E{Key: revField, Value: rev})
		} else if s.embedded == nil {
			filter = append(filter, bson.E{Key: revField, Value: nil}) // written before revisions
		}
		res, err := col.ReplaceOne(ctx, filter, body)
		if err != nil {
			return doc, false, err
		}
		if res.MatchedCount == 1 {
			col.keepWritten(id, body)
			return doc, true, nil
		}
		// Another instance wrote it since we read it: read it again.
	}
}

// changeDoc is update for a caller that does not need the document back:
// on the embedded server, changes going together (together.go) then need no
// copy of it each, which a long list of cards made costly.
func changeDoc[T any](ctx context.Context, s *Store, collection, area, id string, change func(doc *T, exists bool) (bool, error)) (bool, error) {
	var err error
	changed := false
	if s.embedded != nil {
		_, changed, err = updateTogether(ctx, s, collection, area, id, change, false)
	} else {
		_, changed, err = update(ctx, s, collection, area, id, change)
	}
	return changed, err
}

// updateMostlyNew is update for a document that usually does not exist yet (a
// new workflow's intent): it tries the insert first, which saves a read, and
// when the document is there after all it changes it with update.
func updateMostlyNew[T any](ctx context.Context, s *Store, collection, area, id string, change func(doc *T, exists bool) (bool, error)) (T, bool, error) {
	var doc T
	changed, err := change(&doc, false)
	if err != nil || !changed {
		return doc, false, err
	}
	body, err := withRev(doc, 1)
	if err != nil {
		return doc, false, err
	}
	unlock := s.guard(collection, id)
	_, err = s.c(collection).InsertOne(ctx, body)
	unlock()
	if !mongo.IsDuplicateKeyError(err) {
		return doc, err == nil, err
	}
	return update(ctx, s, collection, area, id, change)
}

// withRev marshals doc with its revision set, in one pass (changes going
// together, together.go, marshal the document once each).
func withRev(doc any, rev int64) (bson.Raw, error) {
	raw, err := bson.Marshal(doc)
	if err != nil {
		return nil, err
	}
	elems, err := bson.Raw(raw).Elements()
	if err != nil {
		return nil, err
	}
	idx, out := bsoncore.AppendDocumentStart(make([]byte, 0, len(raw)+len(revField)+10))
	for _, e := range elems {
		if e.Key() != revField {
			out = append(out, e...)
		}
	}
	out = bsoncore.AppendInt64Element(out, revField, rev)
	out, err = bsoncore.AppendDocumentEnd(out, idx)
	return bson.Raw(out), err
}

// guarded is the context for a write under the guard. On the embedded server
// it is ctx without its cancellation: a write its caller gave up on (a request
// that timed out) goes on in the server, which writes the whole document back,
// so if the guard ended with the call that write could land after, and undo,
// the next guarded write (seen in the two-instance test). The client's own
// timeout still bounds it.
func (s *Store) guarded(ctx context.Context) context.Context {
	if s.embedded == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// updateIf updates the document of col whose _id is id when it also has the
// string values in match, and reports whether it did: a conditional write,
// to be called under the guard for that document. On MongoDB it is one
// updateOne with the filter {_id, match…}. On the embedded server it reads the
// document by _id, checks match here and writes by _id, which the guard makes
// exact: that server reads the whole collection for any filter but _id alone.
// Measured on a queue of 500 deliveries (a burst), on a busy 2-core machine:
// about 70 ms a write with the plain updateOne, about 4 ms so.
func (s *Store) updateIf(ctx context.Context, col, id string, match, update bson.D) (bool, error) {
	return s.writeIf(ctx, col, id, match, func(ctx context.Context, filter bson.D) (int64, error) {
		res, err := s.c(col).UpdateOne(ctx, filter, update)
		if err != nil {
			return 0, err
		}
		return res.MatchedCount, nil
	})
}

// deleteIf deletes the document of col whose _id is id when it also has the
// string values in match, as updateIf updates.
func (s *Store) deleteIf(ctx context.Context, col, id string, match bson.D) (bool, error) {
	return s.writeIf(ctx, col, id, match, func(ctx context.Context, filter bson.D) (int64, error) {
		if s.embedded != nil {
			// The document matched under the guard: deleted with others waiting (batch.go).
			return 1, s.c(col).deleteID(ctx, id)
		}
		res, err := s.c(col).DeleteOne(ctx, filter)
		if err != nil {
			return 0, err
		}
		return res.DeletedCount, nil
	})
}

// writeIf runs write with the filter that selects the document id of col when
// it has the values in match (see updateIf), and reports whether it matched.
func (s *Store) writeIf(ctx context.Context, col, id string, match bson.D,
	write func(ctx context.Context, filter bson.D) (int64, error)) (bool, error) {
	ctx = s.guarded(ctx)
	filter := append(idFilter(id), match...)
	if s.embedded != nil {
		if ok, err := s.matches(ctx, col, id, match); err != nil || !ok {
			return false, err
		}
		filter = idFilter(id)
	}
	n, err := write(ctx, filter)
	return n > 0, err
}

// matches reads a document by _id and reports whether it has the string values in match.
func (s *Store) matches(ctx context.Context, col, id string, match bson.D) (bool, error) {
	raw, err := s.c(col).FindOne(ctx, idFilter(id)).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, e := range match {
		want, ok := e.Value.(string)
		if !ok {
			return false, fmt.Errorf("store: condition %s must be a string", e.Key)
		}
		if got, ok := raw.Lookup(e.Key).StringValueOK(); !ok || got != want {
			return false, nil
		}
	}
	return true, nil
}
