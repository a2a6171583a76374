package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Faults lets tests fail a workflow right after any one of its writes, as a
// crash, a timeout or a dropped connection would: when set, it is called after
// every write that reached the database, with the operation and collection,
// and an error it returns is returned by the write as if the write had failed
// (though it took effect). Nil in production.
type Faults func(ctx context.Context, op, collection string) error

// collection is a collection whose writes pass through the store's Faults.
// Reads are the driver's own.
type collection struct {
	*mongo.Collection
	s *Store
}

func (c collection) fault(ctx context.Context, op string, err error) error {
	if err != nil || c.s.Faults == nil {
		return err
	}
	return c.s.Faults(ctx, op, c.Name())
}

func (c collection) InsertOne(ctx context.Context, doc any, opts ...options.Lister[options.InsertOneOptions]) (*mongo.InsertOneResult, error) {
	res, err := c.Collection.InsertOne(ctx, doc, opts...)
	return res, c.fault(ctx, "insert", err)
}

func (c collection) InsertMany(ctx context.Context, docs any, opts ...options.Lister[options.InsertManyOptions]) (*mongo.InsertManyResult, error) {
	res, err := c.Collection.InsertMany(ctx, docs, opts...)
	return res, c.fault(ctx, "insert", err)
}

func (c collection) UpdateOne(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateOneOptions]) (*mongo.UpdateResult, error) {
	res, err := c.Collection.UpdateOne(ctx, filter, update, opts...)
	return res, c.fault(ctx, "update", err)
}

func (c collection) UpdateMany(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateManyOptions]) (*mongo.UpdateResult, error) {
	res, err := c.Collection.UpdateMany(ctx, filter, update, opts...)
	return res, c.fault(ctx, "update", err)
}

func (c collection) ReplaceOne(ctx context.Context, filter, doc any, opts ...options.Lister[options.ReplaceOptions]) (*mongo.UpdateResult, error) {
	res, err := c.Collection.ReplaceOne(ctx, filter, doc, opts...)
	return res, c.fault(ctx, "replace", err)
}

func (c collection) DeleteOne(ctx context.Context, filter any, opts ...options.Lister[options.DeleteOneOptions]) (*mongo.DeleteResult, error) {
	res, err := c.Collection.DeleteOne(ctx, filter, opts...)
	return res, c.fault(ctx, "delete", err)
}

func (c collection) DeleteMany(ctx context.Context, filter any, opts ...options.Lister[options.DeleteManyOptions]) (*mongo.DeleteResult, error) {
	res, err := c.Collection.DeleteMany(ctx, filter, opts...)
	return res, c.fault(ctx, "delete", err)
}

// FindOneAndUpdate is a write too.
func (c collection) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...options.Lister[options.FindOneAndUpdateOptions]) *mongo.SingleResult {
	res := c.Collection.FindOneAndUpdate(ctx, filter, update, opts...)
	if err := c.fault(ctx, "update", res.Err()); err != nil {
		return mongo.NewSingleResultFromDocument(nil, err, nil)
	}
	return res
}
