package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Every database call of the store goes through collection, which does three
// things at this one depth. In tests, writes pass through the store's Faults
// (faults.go).
//
// A call, once sent, runs to its end (or OperationTimeout), whatever happens
// to the caller's context. Found under overload (issue 8): when a request's
// deadline ended a call, the driver gave up on its connection while the
// embedded server went on with the command, and opened another connection for
// the next one; FerretDB also turned the deadline into maxTimeMS and cancelled
// finds and findAndModify inside SQLite. Commands piled up on the server beyond
// its SQLite pool of 100 connections, and an update that finds its document
// keeps one connection (the open query) while it waits for a second (its
// transaction): once 100 such updates held all 100 connections, every command
// waited for ever, and only a restart helped. Cancelling a SQLite query at the
// wrong moment could also leave a connection that answers "interrupted (9)" to
// everything.
//
// On the embedded server, calls also take a place among EmbeddedInFlight
// before they are sent, and wait for it with the caller's context: waiting is
// where a request that has run out of time can stop without leaving anything
// half done. So the server never holds more commands than it can finish.
// MongoDB bounds its own work; there only the first rule applies.
type collection struct {
	*mongo.Collection
	s *Store
}

// OperationTimeout bounds one database call once it has been sent.
const OperationTimeout = 30 * time.Second

// EmbeddedInFlight is how many calls the embedded server is given at once:
// well under half its 100 SQLite connections, as a call can hold two. SQLite
// writes one at a time, so a longer queue inside the server only makes calls
// wait where they can no longer be cancelled. (Measured on 2 cores shared with
// other work: 64 callers each sending a card, counting it and reading the young
// person's cards made 45-85 rounds a second with 8, 16 or 32 places and with
// no bound alike.)
const EmbeddedInFlight = 16

// EmbeddedWritesInFlight is how many of those calls may be writes. SQLite
// commits one write at a time; each write beyond the one committing waits
// inside the server, holding connections and a deferred transaction that
// must be retried once the lock frees. Measured with heard-load -mode
// capacity on 2 cores (16 callers sending cards, 20 s): 80 card sends a
// second with 1 write at a time, 120 with 2, 74 with 4, about 85 with no
// bound. Two keeps the next write ready while one commits.
const EmbeddedWritesInFlight = 2

// call kinds for begin.
const (
	reading = false
	writing = true
)

// begin admits a call: it waits for a place (and, for a write, for a
// writer's place first) with the caller's context and returns the context
// the call runs with, and the function that ends it.
func (s *Store) begin(ctx context.Context, write bool) (context.Context, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var held []chan struct{}
	release := func() {
		for _, place := range held {
			<-place
		}
	}
	if s.embedded != nil {
		places := []chan struct{}{s.embedded.inFlight}
		if write {
			places = []chan struct{}{s.embedded.writesInFlight, s.embedded.inFlight}
		}
		for _, place := range places {
			select {
			case place <- struct{}{}:
				held = append(held, place)
			case <-ctx.Done():
				release()
				return nil, nil, ctx.Err()
			}
		}
	}
	run, cancel := context.WithTimeout(context.WithoutCancel(ctx), OperationTimeout)
	return run, func() { cancel(); release() }, nil
}

// run makes one call of the driver through begin.
func run[R any](s *Store, ctx context.Context, write bool, call func(context.Context) (R, error)) (R, error) {
	ctx, end, err := s.begin(ctx, write)
	if err != nil {
		var none R
		return none, err
	}
	defer end()
	return call(ctx)
}

// runOne is run for the calls that answer one document (its error inside).
func runOne(s *Store, ctx context.Context, write bool, call func(context.Context) *mongo.SingleResult) *mongo.SingleResult {
	ctx, end, err := s.begin(ctx, write)
	if err != nil {
		return failed(err)
	}
	defer end()
	return call(ctx)
}

// failed is a single result that is the error err.
func failed(err error) *mongo.SingleResult {
	return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
}

// The driver's calls the store uses, each run to its end. (A Find's cursor
// reads later batches with the context the caller gives them; findAll makes
// the whole read one call.)

func (c collection) InsertOne(ctx context.Context, doc any, opts ...options.Lister[options.InsertOneOptions]) (*mongo.InsertOneResult, error) {
	if c.s.embedded != nil && len(opts) == 0 {
		return c.insertGrouped(ctx, doc) // batch.go
	}
	res, err := run(c.s, ctx, writing, func(ctx context.Context) (*mongo.InsertOneResult, error) {
		res, err := c.Collection.InsertOne(ctx, doc, opts...)
		return res, c.fault(ctx, "insert", err)
	})
	if m := c.mirror(); m != nil {
		m.inserted(context.WithoutCancel(ctx), c, doc, err)
	}
	return res, err
}

func (c collection) InsertMany(ctx context.Context, docs any, opts ...options.Lister[options.InsertManyOptions]) (*mongo.InsertManyResult, error) {
	defer c.changed()
	return run(c.s, ctx, writing, func(ctx context.Context) (*mongo.InsertManyResult, error) {
		res, err := c.Collection.InsertMany(ctx, docs, opts...)
		return res, c.fault(ctx, "insert", err)
	})
}

func (c collection) UpdateOne(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateOneOptions]) (*mongo.UpdateResult, error) {
	defer c.dropCached(filter)()
	defer c.written(ctx, filter)
	return run(c.s, ctx, writing, func(ctx context.Context) (*mongo.UpdateResult, error) {
		res, err := c.Collection.UpdateOne(ctx, filter, update, opts...)
		return res, c.fault(ctx, "update", err)
	})
}

func (c collection) UpdateMany(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateManyOptions]) (*mongo.UpdateResult, error) {
	defer c.dropCached(filter)()
	defer c.changed()
	return run(c.s, ctx, writing, func(ctx context.Context) (*mongo.UpdateResult, error) {
		res, err := c.Collection.UpdateMany(ctx, filter, update, opts...)
		return res, c.fault(ctx, "update", err)
	})
}

func (c collection) ReplaceOne(ctx context.Context, filter, doc any, opts ...options.Lister[options.ReplaceOptions]) (*mongo.UpdateResult, error) {
	defer c.dropCached(filter)()
	defer c.written(ctx, filter)
	return run(c.s, ctx, writing, func(ctx context.Context) (*mongo.UpdateResult, error) {
		res, err := c.Collection.ReplaceOne(ctx, filter, doc, opts...)
		return res, c.fault(ctx, "replace", err)
	})
}

func (c collection) DeleteOne(ctx context.Context, filter any, opts ...options.Lister[options.DeleteOneOptions]) (*mongo.DeleteResult, error) {
	defer c.dropCached(filter)()
	res, err := run(c.s, ctx, writing, func(ctx context.Context) (*mongo.DeleteResult, error) {
		res, err := c.Collection.DeleteOne(ctx, filter, opts...)
		return res, c.fault(ctx, "delete", err)
	})
	if m := c.mirror(); m != nil {
		m.deleted(filter, err)
	}
	return res, err
}

func (c collection) DeleteMany(ctx context.Context, filter any, opts ...options.Lister[options.DeleteManyOptions]) (*mongo.DeleteResult, error) {
	defer c.dropCached(filter)()
	res, err := run(c.s, ctx, writing, func(ctx context.Context) (*mongo.DeleteResult, error) {
		res, err := c.Collection.DeleteMany(ctx, filter, opts...)
		return res, c.fault(ctx, "delete", err)
	})
	if m := c.mirror(); m != nil {
		m.deleted(filter, err)
	}
	return res, err
}

func (c collection) CountDocuments(ctx context.Context, filter any, opts ...options.Lister[options.CountOptions]) (int64, error) {
	return run(c.s, ctx, reading, func(ctx context.Context) (int64, error) { return c.Collection.CountDocuments(ctx, filter, opts...) })
}

func (c collection) Find(ctx context.Context, filter any, opts ...options.Lister[options.FindOptions]) (*mongo.Cursor, error) {
	return run(c.s, ctx, reading, func(ctx context.Context) (*mongo.Cursor, error) { return c.Collection.Find(ctx, filter, opts...) })
}

func (c collection) FindOne(ctx context.Context, filter any, opts ...options.Lister[options.FindOneOptions]) *mongo.SingleResult {
	cache, key := c.cache()
	id, byID := onlyID(filter)
	if m := c.mirror(); m != nil && byID && len(opts) == 0 {
		if doc, found, whole := m.lookup(id); whole && found {
			return mongo.NewSingleResultFromDocument(doc, nil, nil)
		} else if whole {
			return failed(mongo.ErrNoDocuments)
		}
	}
	if cache == nil || !byID || len(opts) > 0 {
		return runOne(c.s, ctx, reading, func(ctx context.Context) *mongo.SingleResult { return c.Collection.FindOne(ctx, filter, opts...) })
	}
	doc, gen, hit := cache.get(key, id)
	if hit {
		return mongo.NewSingleResultFromDocument(doc, nil, nil)
	}
	res := runOne(c.s, ctx, reading, func(ctx context.Context) *mongo.SingleResult { return c.Collection.FindOne(ctx, filter) })
	if doc, err := res.Raw(); err == nil {
		cache.put(key, id, gen, doc)
	}
	return res
}

// keepWritten puts a document the caller has just written whole, under the
// guard, into the read cache, so that the next read-change-write of it
// (update) does not read it back: written under the guard, it is what the
// database holds unless a write has begun since, which put sees.
func (c collection) keepWritten(id string, doc any) {
	cache, key := c.cache()
	if cache == nil {
		return
	}
	gen := cache.generation(key)
	raw, err := bson.Marshal(doc)
	if err == nil {
		cache.put(key, id, gen, raw)
	}
}

// cache is the read cache of the collection's documents and its key there,
// or nil when its documents are not kept (readcache.go).
func (c collection) cache() (*readCache, string) {
	if c.s.embedded == nil || !cachedCollections[c.Name()] {
		return nil, ""
	}
	return c.s.embedded.cache, c.s.DB.Name() + "\x00" + c.Name()
}

// dropCached forgets what a write with this filter may change, before the
// write and again (by the function it returns) after it.
func (c collection) dropCached(filter any) func() {
	cache, key := c.cache()
	if cache == nil {
		return func() {}
	}
	id := writtenID(filter)
	cache.drop(key, id)
	return func() { cache.drop(key, id) }
}

// changed empties the collection's mirror, if it has one, after a write
// whose effect on it is not known (mirror.go).
func (c collection) changed() {
	if m := c.mirror(); m != nil {
		m.changed()
	}
}

// written brings a write to one document into the collection's mirror, if it
// has one (mirror.go).
func (c collection) written(ctx context.Context, filter any) {
	if m := c.mirror(); m != nil {
		m.written(context.WithoutCancel(ctx), c, filter)
	}
}

// FindOneAndUpdate is a write too.
func (c collection) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...options.Lister[options.FindOneAndUpdateOptions]) *mongo.SingleResult {
	defer c.dropCached(filter)()
	defer c.written(ctx, filter)
	return runOne(c.s, ctx, writing, func(ctx context.Context) *mongo.SingleResult {
		res := c.Collection.FindOneAndUpdate(ctx, filter, update, opts...)
		if err := c.fault(ctx, "update", res.Err()); err != nil {
			return failed(err)
		}
		return res
	})
}
