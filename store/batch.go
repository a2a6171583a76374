package store

import (
	"context"
	"errors"
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
// insertMany, which FerretDB runs as one transaction. Each caller still gets
// its own answer: a duplicate _id fails only the insert that had it. A caller
// whose context ends before its insert is sent leaves nothing behind, as with
// any other write (collection.go). MongoDB commits concurrent writes in
// parallel; there every insert goes on its own.

// insertBatchMax bounds one insertMany.
const insertBatchMax = 64

// insertBatches holds, per collection, the inserts waiting for a write turn.
type insertBatches struct {
	mu      sync.Mutex
	waiting map[string][]*queuedInsert
	// sending marks the collections whose sender is running.
	sending map[string]bool
}

// queuedInsert is one caller's insert and where its answer goes.
type queuedInsert struct {
	ctx   context.Context
	doc   any
	taken bool // in a batch being sent: the caller waits for its answer
	done  chan error
}

// insertGrouped inserts doc with the inserts into the same collection that
// wait with it, and returns this insert's own outcome.
func (c collection) insertGrouped(ctx context.Context, doc any) (*mongo.InsertOneResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, name := &c.s.inserts, c.Name()
	q := &queuedInsert{ctx: ctx, doc: doc, done: make(chan error, 1)}
	b.mu.Lock()
	if b.waiting == nil {
		b.waiting, b.sending = map[string][]*queuedInsert{}, map[string]bool{}
	}
	b.waiting[name] = append(b.waiting[name], q)
	start := !b.sending[name]
	b.sending[name] = true
	b.mu.Unlock()
	if start {
		go c.sendInserts()
	}
	var err error
	select {
	case err = <-q.done:
	case <-ctx.Done():
		b.mu.Lock()
		if !q.taken {
			b.waiting[name] = removeInsert(b.waiting[name], q)
			b.mu.Unlock()
			return nil, ctx.Err()
		}
		b.mu.Unlock()
		err = <-q.done // sent: it runs to its end, as every call does
	}
	if err != nil {
		return nil, err
	}
	return &mongo.InsertOneResult{InsertedID: idOf(doc), Acknowledged: true}, nil
}

// sendInserts sends the collection's waiting inserts, a batch per write
// turn, until none is waiting.
func (c collection) sendInserts() {
	b, name := &c.s.inserts, c.Name()
	for {
		// The turn is waited for before the batch is taken, so that what
		// arrives meanwhile goes with it.
		ctx, end, err := c.s.begin(context.Background(), writing)
		if err != nil {
			panic(err) // a background context does not end
		}
		b.mu.Lock()
		batch := b.waiting[name]
		if len(batch) > insertBatchMax {
			batch = batch[:insertBatchMax]
		}
		b.waiting[name] = b.waiting[name][len(batch):]
		for _, q := range batch {
			q.taken = true
		}
		if len(batch) == 0 {
			b.sending[name] = false
			b.mu.Unlock()
			end()
			return
		}
		b.mu.Unlock()
		errs := c.insertBatch(ctx, batch)
		end()
		for i, q := range batch {
			q.done <- errs[i]
		}
	}
}

// insertBatch sends one batch and returns each insert's outcome, passed
// through the store's Faults and brought into the collection's mirror.
func (c collection) insertBatch(ctx context.Context, batch []*queuedInsert) []error {
	docs := make([]any, len(batch))
	for i, q := range batch {
		docs[i] = q.doc
	}
	errs := make([]error, len(batch))
	_, err := c.Collection.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
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

func removeInsert(qs []*queuedInsert, q *queuedInsert) []*queuedInsert {
	for i, x := range qs {
		if x == q {
			return append(qs[:i:i], qs[i+1:]...)
		}
	}
	return qs
}

// idOf is a document's _id, as InsertOne reports it.
func idOf(doc any) any {
	raw, err := bson.Marshal(doc)
	if err != nil {
		return nil
	}
	v, err := bson.Raw(raw).LookupErr("_id")
	if err != nil {
		return nil
	}
	var id any
	_ = v.Unmarshal(&id)
	return id
}
