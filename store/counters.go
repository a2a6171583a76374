package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// KPI counters are kept as things happen ($inc upserts), so dashboards read a
// few buckets instead of every raw answer or card.
const colCounters = "kpi_counters"

func init() {
	registerIndexes(
		index{collection: colCounters, keys: bson.D{{Key: "area", Value: 1}, {Key: "metric", Value: 1}, {Key: "day", Value: 1},
			{Key: "service", Value: 1}, {Key: "placementType", Value: 1}, {Key: "dim", Value: 1}}, unique: true},
	)
}

// CounterKey names one bucket: a metric in an area on a day (YYYY-MM-DD, in the
// area's time zone), for a service and placement type, and one more dimension
// (a card id, an answer, a histogram bucket), any of which may be "".
type CounterKey struct {
	Area          string `bson:"area"`
	Metric        string `bson:"metric"`
	Day           string `bson:"day"`
	Service       string `bson:"service"`
	PlacementType string `bson:"placementType"`
	Dim           string `bson:"dim"`
}

// Counter is a bucket and its count.
type Counter struct {
	CounterKey `bson:",inline"`
	N          int64 `bson:"n"`
}

// Bump adds n to a counter: its day bucket and its area's month document (which
// the dashboard reads). Callers make sure each event is counted once; Count
// does that itself and is what new code uses.
//
// The embedded database applies $inc as a read and a write without a lock, so
// the month write takes the store's guard.
func (s *Store) Bump(ctx context.Context, k CounterKey, n int64) error {
	if len(k.Day) != len("2006-01-02") {
		return fmt.Errorf("counter day %q", k.Day)
	}
	id := kpiMonthID(k.Area, k.Day[:7])
	// The day bucket's _id is made from its key, so the upsert finds it by _id:
	// the embedded database scans the collection for any other filter.
	day := bson.D{{Key: "_id", Value: counterID(k)}}
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: n}}}, {Key: "$setOnInsert", Value: bson.D{
		{Key: "area", Value: k.Area}, {Key: "metric", Value: k.Metric}, {Key: "day", Value: k.Day},
		{Key: "service", Value: k.Service}, {Key: "placementType", Value: k.PlacementType}, {Key: "dim", Value: k.Dim}}}}
	unlock := s.guard(colCounters, counterID(k))
	err := upsertRetryingDuplicate(ctx, s.c(colCounters), day, update)
	unlock()
	if err != nil {
		return err
	}
	return s.bumpMonthLocked(ctx, id, k, n)
}

// counterID is a day bucket's _id: its whole key.
func counterID(k CounterKey) string {
	return k.Area + "|" + k.Metric + "|" + k.Day + "|" + k.Service + "|" + k.PlacementType + "|" + k.Dim
}

// upsertRetryingDuplicate runs an upsert, once more if another instance created
// the document between the find and the insert (then it is a plain update).
func upsertRetryingDuplicate(ctx context.Context, col collection, filter, update bson.D) error {
	_, err := col.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		_, err = col.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	}
	return err
}

// CounterQuery selects buckets of one metric in an area; empty fields match all.
type CounterQuery struct {
	Area, Metric   string
	FromDay, ToDay string // inclusive, YYYY-MM-DD
	Service        string
	PlacementType  string
}

// Counters returns the buckets a query selects.
func (s *Store) Counters(ctx context.Context, q CounterQuery) ([]Counter, error) {
	f := bson.D{{Key: "area", Value: q.Area}, {Key: "metric", Value: q.Metric}}
	day := bson.D{}
	if q.FromDay != "" {
		day = append(day, bson.E{Key: "$gte", Value: q.FromDay})
	}
	if q.ToDay != "" {
		day = append(day, bson.E{Key: "$lte", Value: q.ToDay})
	}
	if len(day) > 0 {
		f = append(f, bson.E{Key: "day", Value: day})
	}
	if q.Service != "" {
		f = append(f, bson.E{Key: "service", Value: q.Service})
	}
	if q.PlacementType != "" {
		f = append(f, bson.E{Key: "placementType", Value: q.PlacementType})
	}
	return findAll[Counter](ctx, s.c(colCounters), f)
}
