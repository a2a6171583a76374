package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// The dashboard works in months. Every counter is kept twice as it is written
// (Bump): by day in kpi_counters and in one document per area and month here,
// whose _id is known in advance. A 12-month dashboard then
// reads 12 documents by _id, which is fast everywhere: the embedded database
// answers a query by _id from its primary key but scans the whole collection
// for any other filter.
const colKPIMonths = "kpi_months"

// kpiMonth is every counter of one area in one month: Counts maps
// "metric|service|placementType|dim" to n.
type kpiMonth struct {
	ID     string           `bson:"_id"`
	Area   string           `bson:"area"`
	Month  string           `bson:"month"`
	Counts map[string]int64 `bson:"counts"`
	// Recent holds the ids of the last events counted here (Count), newest
	// last, so that a retry of an event already counted adds nothing.
	Recent []string `bson:"recent,omitempty"`
}

// CountMemory is how many recent events a month document remembers. A retry
// of a workflow comes within one lease (seconds), long before this many
// further events reach the same area and month.
const CountMemory = 512

// Count adds amounts to the month counters exactly once for an event: the
// amounts and the event's id are written together in one document, so a
// retry after a failure at any point counts nothing twice and misses nothing.
// All amounts must be of one area and month.
func (s *Store) Count(ctx context.Context, event string, adds ...CounterAdd) error {
	if len(adds) == 0 {
		return nil
	}
	k := adds[0].Key
	if len(k.Day) != len("2006-01-02") {
		return fmt.Errorf("counter day %q", k.Day)
	}
	id := kpiMonthID(k.Area, k.Day[:7])
	_, _, err := update(ctx, s, colKPIMonths, k.Area, id, func(m *kpiMonth, exists bool) (bool, error) {
		if slices.Contains(m.Recent, event) {
			return false, nil
		}
		if !exists {
			*m = kpiMonth{ID: id, Area: k.Area, Month: k.Day[:7]}
		}
		if m.Counts == nil {
			m.Counts = map[string]int64{}
		}
		for _, a := range adds {
			if a.Key.Area != k.Area || len(a.Key.Day) < 7 || a.Key.Day[:7] != k.Day[:7] {
				return false, fmt.Errorf("count %s: amounts of several months", event)
			}
			m.Counts[kpiCountKey(a.Key)] += a.N
		}
		m.Recent = append(m.Recent, event)
		if len(m.Recent) > CountMemory {
			m.Recent = m.Recent[len(m.Recent)-CountMemory:]
		}
		return true, nil
	})
	return err
}

func kpiMonthID(area, month string) string { return area + "/" + month }

var kpiKeyCleaner = strings.NewReplacer(".", "_", "$", "_", "|", "_")

// kpiCountKey names a counter inside a month document. Field names may not hold
// "." or start with "$", so those characters are replaced (Heard's metric,
// service, placement and dim values never contain them).
func kpiCountKey(k CounterKey) string {
	c := kpiKeyCleaner.Replace
	return c(k.Metric) + "|" + c(k.Service) + "|" + c(k.PlacementType) + "|" + c(k.Dim)
}

func (s *Store) bumpMonthLocked(ctx context.Context, id string, k CounterKey, n int64) error {
	defer s.guard(colKPIMonths, id)()
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "counts." + kpiCountKey(k), Value: n}, {Key: revField, Value: 1}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "area", Value: k.Area}, {Key: "month", Value: k.Day[:7]}}}}
	return upsertRetryingDuplicate(ctx, s.c(colKPIMonths), bson.D{{Key: "_id", Value: id}}, update)
}

// CounterAdd is an amount to add to one counter.
type CounterAdd struct {
	Key CounterKey
	N   int64
}

// BumpMonthMany adds many amounts to the month documents with one update per
// document: for loading or rebuilding month documents in bulk (from day
// counters, or in the benchmark) exactly as BumpMonth would one at a time.
func (s *Store) BumpMonthMany(ctx context.Context, adds []CounterAdd) error {
	byDoc := map[string]map[string]int64{}
	first := map[string]CounterKey{}
	var order []string
	for _, a := range adds {
		if len(a.Key.Day) < 7 {
			return fmt.Errorf("counter day %q", a.Key.Day)
		}
		id := kpiMonthID(a.Key.Area, a.Key.Day[:7])
		if _, ok := byDoc[id]; !ok {
			order = append(order, id)
			first[id] = a.Key
			byDoc[id] = map[string]int64{}
		}
		byDoc[id]["counts."+kpiCountKey(a.Key)] += a.N
	}
	for _, id := range order {
		inc := bson.D{{Key: revField, Value: 1}}
		for field, n := range byDoc[id] {
			inc = append(inc, bson.E{Key: field, Value: n})
		}
		k := first[id]
		update := bson.D{{Key: "$inc", Value: inc},
			{Key: "$setOnInsert", Value: bson.D{{Key: "area", Value: k.Area}, {Key: "month", Value: k.Day[:7]}}}}
		unlock := s.guard(colKPIMonths, id)
		_, err := s.c(colKPIMonths).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update, options.UpdateOne().SetUpsert(true))
		unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// KPIBuckets reads every KPI bucket of an area for the months given (all
// services and placement types: disclosure control needs the whole table).
func (s *Store) KPIBuckets(ctx context.Context, area string, months []string) ([]heard.KPIBucket, error) {
	return s.KPIMonthBuckets(ctx, area, months)
}

// KPIMonthBuckets reads the area's month documents, one by _id per month.
func (s *Store) KPIMonthBuckets(ctx context.Context, area string, months []string) ([]heard.KPIBucket, error) {
	var out []heard.KPIBucket
	for _, m := range months {
		doc, err := findOne[kpiMonth](ctx, s.c(colKPIMonths), bson.D{{Key: "_id", Value: kpiMonthID(area, m)}})
		if errors.Is(err, heard.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if doc.Area != area {
			continue
		}
		for key, n := range doc.Counts {
			parts := strings.SplitN(key, "|", 4)
			if len(parts) != 4 {
				continue
			}
			out = append(out, heard.KPIBucket{Metric: parts[0], Month: m, Service: parts[1], PlacementType: parts[2], Dim: parts[3], N: n})
		}
	}
	return out, nil
}

// KeyWorkerHistories reads every young person's key-worker history that started
// before `before`, with their service and current placement type: the database
// selects and projects, the arithmetic is done in Go (heard.BuildDashboard).
func (s *Store) KeyWorkerHistories(ctx context.Context, area string, before time.Time) ([]heard.KPIPerson, error) {
	type person struct {
		ID          string        `bson:"_id"`
		Service     heard.Service `bson:"service"`
		PlacementID string        `bson:"placementId"`
	}
	people, err := findAll[person](ctx, s.c(colYoungPeople), inArea(area),
		options.Find().SetProjection(bson.D{{Key: "service", Value: 1}, {Key: "placementId", Value: 1}}))
	if err != nil {
		return nil, err
	}
	placements, err := s.Placements(ctx, area)
	if err != nil {
		return nil, err
	}
	types := map[string]heard.PlacementType{}
	for _, p := range placements {
		types[p.ID] = p.Type
	}
	assignments, err := findAll[heard.Assignment](ctx, s.c(colAssignments), inArea(area, bson.E{Key: "start", Value: bson.D{{Key: "$lt", Value: before}}}),
		options.Find().SetProjection(bson.D{{Key: "youngPersonId", Value: 1}, {Key: "start", Value: 1}, {Key: "end", Value: 1}}))
	if err != nil {
		return nil, err
	}
	byPerson := map[string][]heard.Assignment{}
	for _, a := range assignments {
		byPerson[a.YoungPersonID] = append(byPerson[a.YoungPersonID], a)
	}
	out := make([]heard.KPIPerson, 0, len(people))
	for _, p := range people {
		if h := byPerson[p.ID]; len(h) > 0 {
			out = append(out, heard.KPIPerson{Service: p.Service, PlacementType: types[p.PlacementID], Assignments: h})
		}
	}
	return out, nil
}

// FeedbackBucketsFromAnswers computes the answer buckets (the four questions by
// answer, and the number of answers) straight from the stored answers, without
// the counters: the database selects the area's answers in the period and Go
// counts them. It is the slow path the counters replace; the benchmark times
// the two and a test checks they agree. (A $group on every combination would be
// the obvious query, but the embedded database groups by comparing each document
// with every group found so far, which is quadratic here: 14 s for 20,000 answers.)
func (s *Store) FeedbackBucketsFromAnswers(ctx context.Context, area string, months []string) ([]heard.KPIBucket, error) {
	if len(months) == 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "area", Value: area},
		{Key: "month", Value: bson.D{{Key: "$gte", Value: months[0]}, {Key: "$lte", Value: months[len(months)-1]}}}}
	project := bson.D{{Key: "_id", Value: 0}, {Key: "month", Value: 1}, {Key: "service", Value: 1}, {Key: "placementType", Value: 1},
		{Key: "listened", Value: 1}, {Key: "serious", Value: 1}, {Key: "hadSay", Value: 1}, {Key: "experience", Value: 1}}
	cur, err := s.c(colFeedbackAnswers).Find(ctx, filter, options.Find().SetProjection(project).SetBatchSize(10_000))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	type key struct{ metric, month, service, pt, dim string }
	sums := map[key]int64{}
	for cur.Next(ctx) {
		var a struct {
			Month         string `bson:"month"`
			Service       string `bson:"service"`
			PlacementType string `bson:"placementType"`
			Listened      string `bson:"listened"`
			Serious       string `bson:"serious"`
			HadSay        string `bson:"hadSay"`
			Experience    string `bson:"experience"`
		}
		if err := cur.Decode(&a); err != nil {
			return nil, err
		}
		sums[key{heard.KPIMetrics.FeedbackAnswers, a.Month, a.Service, a.PlacementType, ""}]++
		sums[key{heard.KPIMetrics.ESQListened, a.Month, a.Service, a.PlacementType, a.Listened}]++
		sums[key{heard.KPIMetrics.ESQSerious, a.Month, a.Service, a.PlacementType, a.Serious}]++
		sums[key{heard.KPIMetrics.HadSay, a.Month, a.Service, a.PlacementType, a.HadSay}]++
		sums[key{heard.KPIMetrics.FFT, a.Month, a.Service, a.PlacementType, a.Experience}]++
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	out := make([]heard.KPIBucket, 0, len(sums))
	for k, n := range sums {
		out = append(out, heard.KPIBucket{Metric: k.metric, Month: k.month, Service: k.service, PlacementType: k.pt, Dim: k.dim, N: n})
	}
	return out, nil
}
