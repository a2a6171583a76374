package store

import (
	"context"
	"errors"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Group commit on the embedded server. SQLite commits one write at a time,
// and a commit costs about the same for one document as for a few dozen: it
// writes each changed page of the table and its indexes once. So inserts into
// one collection that wait for a write turn at the same time (different card
// sends, deliveries, counters) go to the server together as one unordered
// insertMany, which FerretDB runs as one transaction; so do deletes by _id
// from one job collection, as one SQLite statement (deleteEach). Each caller
// still gets its own
// answer: a duplicate _id fails only the insert that had it. A caller whose
// context ends before its write is sent leaves nothing behind, as with any
// other write (collection.go). MongoDB commits concurrent writes in
// parallel; there every write goes on its own.

// groupMax bounds the writes sent as one command.
const groupMax = 64

// writeGroups holds, per kind of write and collection, the writes waiting
// for a write turn.
type writeGroups struct {
	mu      sync.Mutex
	waiting map[string][]*queuedWrite
	// sending marks the groups whose sender is running.
	sending map[string]bool
}

// queuedWrite is one caller's write and where its answer goes.
type queuedWrite struct {
	ctx   context.Context
	doc   any  // the document to insert, or the _id to delete
	taken bool // in a batch being sent: the caller waits for its answer
	done  chan error
	// insertedID is the inserted document's _id, as the server's answer gave it.
	insertedID any
}

// sendBatch sends one batch of a group and returns each write's outcome.
type sendBatch func(ctx context.Context, batch []*queuedWrite) []error

// insertGrouped inserts doc with the inserts into the same collection that
// wait with it, and returns this insert's own outcome.
func (c collection) insertGrouped(ctx context.Context, doc any) (*mongo.InsertOneResult, error) {
	q, err := c.grouped(ctx, "insert", doc, c.insertBatch)
	if err != nil {
		return nil, err
	}
	return &mongo.InsertOneResult{InsertedID: q.insertedID, Acknowledged: true}, nil
}

// deleteID deletes the document id of a job collection (groupedDeletes),
// with the deletes from it that wait with it on the embedded server. The
// caller does not learn whether it was there.
func (c collection) deleteID(ctx context.Context, id string) error {
	if c.s.embedded == nil || !groupedDeletes[c.Name()] {
		_, err := c.DeleteOne(ctx, idFilter(id))
		return err
	}
	_, err := c.grouped(ctx, "delete", id, c.deleteBatch)
	return err
}

// groupedDeletes are the collections whose deletes by _id are sent together:
// the job collections, deleted from at every card sent and push delivered,
// whose documents no read cache keeps.
var groupedDeletes = map[string]bool{colIntents: true, colQueue: true}

// grouped queues one write of a kind and waits for its outcome, starting
// the group's sender when none runs.
func (c collection) grouped(ctx context.Context, kind string, doc any, send sendBatch) (*queuedWrite, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g, key := &c.s.groups, kind+"\x00"+c.Name()
	q := &queuedWrite{ctx: ctx, doc: doc, done: make(chan error, 1)}
	g.mu.Lock()
	if g.waiting == nil {
		g.waiting, g.sending = map[string][]*queuedWrite{}, map[string]bool{}
	}
	g.waiting[key] = append(g.waiting[key], q)
	start := !g.sending[key]
	g.sending[key] = true
	g.mu.Unlock()
	if start {
		go c.sendGroup(key, send)
	}
	select {
	case err := <-q.done:
		return q, err
	case <-ctx.Done():
		g.mu.Lock()
		if !q.taken {
			g.waiting[key] = slices.DeleteFunc(g.waiting[key], func(x *queuedWrite) bool { return x == q })
			g.mu.Unlock()
			return nil, ctx.Err()
		}
		g.mu.Unlock()
		return q, <-q.done // sent: it runs to its end, as every call does
	}
}

// sendGroup sends a group's waiting writes, a batch per write turn, until
// none is waiting.
func (c collection) sendGroup(key string, send sendBatch) {
	g := &c.s.groups
	for {
		// The turn is waited for before the batch is taken, so that what
		// arrives meanwhile goes with it.
		ctx, end, err := c.s.begin(context.Background(), writing)
		if err != nil {
			panic(err) // a background context does not end
		}
		g.mu.Lock()
		batch := g.waiting[key]
		if len(batch) > groupMax {
			batch = batch[:groupMax]
		}
		g.waiting[key] = g.waiting[key][len(batch):]
		for _, q := range batch {
			q.taken = true
		}
		if len(batch) == 0 {
			g.sending[key] = false
			g.mu.Unlock()
			end()
			return
		}
		g.mu.Unlock()
		errs := send(ctx, batch)
		end()
		for i, q := range batch {
			q.done <- errs[i]
		}
	}
}

// deleteBatch deletes a batch of _ids in one command, passed through the
// store's Faults and brought into the collection's mirror.
func (c collection) deleteBatch(ctx context.Context, batch []*queuedWrite) []error {
	ids := make([]string, 0, len(batch))
	for _, q := range batch {
		if id := q.doc.(string); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	err := c.deleteEach(ctx, ids)
	errs := make([]error, len(batch))
	for i, q := range batch {
		errs[i] = c.fault(q.ctx, "delete", err)
	}
	return errs
}

// insertBatch sends one batch and returns each insert's outcome, passed
// through the store's Faults and brought into the collection's mirror.
func (c collection) insertBatch(ctx context.Context, batch []*queuedWrite) []error {
	docs := make([]any, len(batch))
	for i, q := range batch {
		docs[i] = q.doc
	}
	errs := make([]error, len(batch))
	res, err := c.Collection.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if res != nil && len(res.InsertedIDs) == len(batch) {
		for i, q := range batch {
			q.insertedID = res.InsertedIDs[i]
		}
	}
	var bwe mongo.BulkWriteException
	switch {
	case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
		for _, we := range bwe.WriteErrors {
			if we.Index >= 0 && we.Index < len(errs) {
				errs[we.Index] = mongo.WriteException{WriteErrors: []mongo.WriteError{we.WriteError}}
			}
		}
	case err != nil:
		for i := range errs {
			errs[i] = err
		}
	}
	m := c.mirror()
	for i, q := range batch {
		errs[i] = c.fault(q.ctx, "insert", errs[i])
		if m != nil {
			m.inserted(context.WithoutCancel(q.ctx), c, q.doc, errs[i])
		}
	}
	return errs
}

// deleteStatementsMax bounds the ids of one delete from deleteIDs, so that
// other writes get their turn between them.
const deleteStatementsMax = 256

// deleteIDs deletes the collection's documents with these _ids, in commands
// of at most deleteStatementsMax ids on the embedded server (deleteEach).
func (c collection) deleteIDs(ctx context.Context, ids []string) error {
	if c.s.embedded == nil {
		_, err := c.DeleteMany(ctx, idsFilter(ids))
		return err
	}
	for chunk := range slices.Chunk(ids, deleteStatementsMax) {
		dropAgain := c.dropCached(idsFilter(chunk))
		_, err := run(c.s, ctx, writing, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, c.fault(ctx, "delete", c.deleteEach(ctx, chunk))
		})
		dropAgain()
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteEach deletes documents by _id on the embedded server, beneath
// FerretDB in one SQLite statement (deleteKeys), and brings the deletes into
// the collection's mirror.
func (c collection) deleteEach(ctx context.Context, ids []string) error {
	err := c.s.deleteKeys(ctx, c.Name(), ids)
	if m := c.mirror(); m != nil {
		m.deleted(idsFilter(ids), err)
	}
	return err
}

func idsFilter(ids []string) bson.D {
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
}
