package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Sweeps: background deletes of what has outlived its time.
//
// The embedded server carries out a delete with any filter but one _id by
// reading and decoding every document of the collection in Go. Measured under
// the mixed load at 50 requests a second: the push sweep, over a log of about
// 12,500 deliveries after 10 minutes, took seconds of both cores and held the
// 99th percentile of every request near 2 s while it ran. There, deleteBefore
// asks SQLite itself which rows match (it reads the JSON without decoding it
// in Go, and without holding the write lock), then deletes those rows by
// rowid in small batches, each a short write that takes its turn like any
// other (collection.go).

// fieldIs narrows a sweep to documents whose string field equals value, or,
// with not, differs from it.
type fieldIs struct {
	field, value string
	not          bool
}

// sweepBatch is how many rows one delete of a sweep removes.
const sweepBatch = 500

// deleteBefore deletes the documents of a collection whose date field timeField
// is before the cutoff and that meet every condition of where.
func (s *Store) deleteBefore(ctx context.Context, collection, timeField string, before time.Time, where ...fieldIs) error {
	if s.embedded == nil || cachedCollections[collection] || mirroredCollections[collection] {
		filter := bson.D{{Key: timeField, Value: bson.D{{Key: "$lt", Value: before}}}}
		for _, w := range where {
			var v any = w.value
			if w.not {
				v = bson.D{{Key: "$ne", Value: w.value}}
			}
			filter = append(filter, bson.E{Key: w.field, Value: v})
		}
		_, err := s.c(collection).DeleteMany(ctx, filter)
		return err
	}
	return s.sqliteDeleteBefore(ctx, collection, timeField, before, where)
}

// sqliteDeleteBefore is deleteBefore on the embedded server, in SQL on the
// collection's table. FerretDB stores a date as its milliseconds since 1970.
func (s *Store) sqliteDeleteBefore(ctx context.Context, collection, timeField string, before time.Time, where []fieldIs) error {
	db, table, err := s.embedded.table(ctx, s.DB.Name(), collection)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // nothing was ever written there
	}
	if err != nil {
		return err
	}
	defer db.Close()
	cond := []string{sjsonField(timeField) + " < ?"}
	args := []any{before.UnixMilli()}
	for _, w := range where {
		op := " = ?"
		if w.not {
			op = " IS NOT ?" // a missing field differs too, as with $ne
		}
		cond = append(cond, sjsonField(w.field)+op)
		args = append(args, w.value)
	}
	match := strings.Join(cond, " AND ")

	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT rowid FROM %q WHERE %s`, table, match), args...)
	if err != nil {
		return err
	}
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for len(ids) > 0 {
		batch := ids[:min(sweepBatch, len(ids))]
		ids = ids[len(batch):]
		// The condition is asked again: a row deleted meanwhile may have
		// given its rowid to a new document.
		q := fmt.Sprintf(`DELETE FROM %q WHERE rowid IN (?%s) AND %s`, table, strings.Repeat(", ?", len(batch)-1), match)
		if _, err := run(s, ctx, writing, func(ctx context.Context) (sql.Result, error) {
			return db.ExecContext(ctx, q, append(batch, args...)...)
		}); err != nil {
			return err
		}
	}
	return nil
}

// sjsonField is the SQL expression of a top-level field of a document as
// FerretDB stores it.
func sjsonField(name string) string {
	return fmt.Sprintf("(_ferretdb_sjson->>'$.%s')", name)
}
