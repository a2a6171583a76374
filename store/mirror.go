package store

import (
	"context"
	"errors"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The mirror. Every dashboard read adds the counted events not yet folded
// (kpi_events: about the last minute of counting) to the month documents, so
// it read the whole collection, and on the embedded server a whole read
// decodes every document: under a steady mix of card sends and dashboard
// reads that read grew with the minute's events until it crowded out
// everything else. The embedded server runs inside this one process and every
// write to it passes through collection, so a mirror of such a small
// collection, changed after each write to it has taken effect, holds exactly
// what the database does; the collection is then read from memory.
//
// Exactness: the mirror is filled from one read of the collection while its
// lock is held, and each write changes it after the write has taken effect,
// under the same lock; changes are idempotent (keyed by _id), so a write that
// lands during the filling read is right whether that read saw it or not. A
// write whose effect is not known (an error, or a filter other than plain
// _ids) empties it, and the next read fills it again. On MongoDB (several
// instances, writes Heard does not see) there is no mirror.

// mirroredCollections are the small collections read whole on busy paths:
// the counted events not yet folded, and the alert timers the escalator looks
// through every second for one that is due (a scan that grew with every
// concerning card not yet acknowledged).
var mirroredCollections = map[string]bool{colKPIEvents: true, colAlertTimers: true}

// changedInPlace are the mirrored collections whose documents are updated as
// well as inserted and deleted: after a write the mirror reads the document
// back (so writes to one document landing in any order leave it as the
// database has it) instead of keeping what was inserted.
var changedInPlace = map[string]bool{colAlertTimers: true}

// mirrorLimit bounds a mirror: a collection that has grown past it (counting
// stopped folding) is read from the database. Card sends at capacity count
// about 400 events a second, held for about a minute before they are folded;
// a mirrored document is a few hundred bytes.
const mirrorLimit = 60000

type mirror struct {
	mu      sync.Mutex
	whole   bool
	docs    map[string]bson.Raw
	inPlace bool
}

type mirrors struct {
	mu sync.Mutex
	m  map[string]*mirror
}

func (ms *mirrors) of(key string, inPlace bool) *mirror {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.m == nil {
		ms.m = map[string]*mirror{}
	}
	m := ms.m[key]
	if m == nil {
		m = &mirror{inPlace: inPlace}
		ms.m[key] = m
	}
	return m
}

// mirror is the collection's mirror, or nil when it has none.
func (c collection) mirror() *mirror {
	if c.s.embedded == nil || !mirroredCollections[c.Name()] {
		return nil
	}
	return c.s.embedded.mirrors.of(c.s.DB.Name()+"\x00"+c.Name(), changedInPlace[c.Name()])
}

// readWhole returns every document of the collection, from its mirror when it
// has one.
func (c collection) readWhole(ctx context.Context) ([]bson.Raw, error) {
	m := c.mirror()
	if m == nil {
		return findAll[bson.Raw](ctx, c, bson.D{})
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.whole {
		docs, err := findAll[bson.Raw](ctx, c, bson.D{})
		if err != nil || len(docs) > mirrorLimit {
			return docs, err
		}
		m.docs = make(map[string]bson.Raw, len(docs))
		for _, d := range docs {
			id, ok := d.Lookup("_id").StringValueOK()
			if !ok {
				m.docs = nil
				return docs, nil
			}
			m.docs[id] = d
		}
		m.whole = true
	}
	out := make([]bson.Raw, 0, len(m.docs))
	for _, d := range m.docs {
		out = append(out, d)
	}
	return out, nil
}

// existingIDs reports which of ids the collection holds: from its mirror
// when that is filled, else by one read of their _ids.
func (c collection) existingIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	found := make(map[string]bool, len(ids))
	if m := c.mirror(); m != nil {
		whole := true
		for _, id := range ids {
			_, ok, filled := m.lookup(id)
			if whole = filled; !whole {
				break
			}
			if ok {
				found[id] = true
			}
		}
		if whole {
			return found, nil
		}
		clear(found)
	}
	there, err := findAll[struct {
		ID string `bson:"_id"`
	}](ctx, c, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	for _, d := range there {
		found[d.ID] = true
	}
	return found, err
}

// lookup returns one document of a whole mirror (whole false: the mirror is
// not filled, ask the database). Each write changes the mirror before the
// store's call returns, so a reader under the guard for the document sees
// the last guarded write to it.
func (m *mirror) lookup(id string) (doc bson.Raw, found, whole bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.whole {
		return nil, false, false
	}
	doc, found = m.docs[id]
	return doc, found, true
}

// forget empties the mirror: the next read fills it from the database.
func (m *mirror) forget() {
	m.whole, m.docs = false, nil
}

// inserted brings an insert's outcome into the mirror.
func (m *mirror) inserted(ctx context.Context, c collection, doc any, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.whole || mongo.IsDuplicateKeyError(err) {
		return // nothing kept, or the document was there already
	}
	raw, merr := bson.Marshal(doc)
	id, ok := bson.Raw(raw).Lookup("_id").StringValueOK()
	if err != nil || merr != nil || !ok || len(m.docs) >= mirrorLimit {
		m.forget()
		return
	}
	if m.inPlace {
		m.readBack(ctx, c, id)
		return
	}
	m.docs[id] = raw
}

// written brings an update's outcome into the mirror: the one document a
// filter names by _id is read back; after anything else the mirror is
// emptied.
func (m *mirror) written(ctx context.Context, c collection, filter any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := writtenID(filter)
	if !m.whole || id == "" {
		m.forget()
		return
	}
	m.readBack(ctx, c, id)
}

// readBack sets one document of the mirror to what the database holds.
func (m *mirror) readBack(ctx context.Context, c collection, id string) {
	raw, err := c.Collection.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		delete(m.docs, id)
	case err != nil:
		m.forget()
	default:
		m.docs[id] = raw
	}
}

// deleted brings a delete's outcome into the mirror: the documents a filter
// of plain _ids names are gone; after anything else the mirror is emptied.
func (m *mirror) deleted(filter any, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids, ok := namedIDs(filter)
	if err != nil || !ok {
		m.forget()
		return
	}
	for _, id := range ids {
		delete(m.docs, id)
	}
}

// changed empties the mirror after any other write.
func (m *mirror) changed() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forget()
}

// namedIDs are the _ids a filter names and nothing else: {_id: "x"} or
// {_id: {$in: ["x", "y"]}}.
func namedIDs(filter any) ([]string, bool) {
	d, ok := filter.(bson.D)
	if !ok || len(d) != 1 || d[0].Key != "_id" {
		return nil, false
	}
	switch v := d[0].Value.(type) {
	case string:
		return []string{v}, true
	case bson.D:
		if len(v) == 1 && v[0].Key == "$in" {
			ids, ok := v[0].Value.([]string)
			return ids, ok
		}
	}
	return nil, false
}
