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
	// Folded holds the ids of counted events (Count) added to Counts whose
	// event documents may still exist; see FoldCounts.
	Folded []string `bson:"folded,omitempty"`
	// Rev is the document's revision, raised by every write (update, Bump):
	// KPIBuckets reads it twice to know no fold wrote in between.
	Rev int64 `bson:"_rev,omitempty"`
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

// Counting an event exactly once. Count inserts one small document per event,
// whose _id is the event's: inserting it twice (a retry) fails on the unique
// _id, so an event is recorded once whatever moment a workflow fails. FoldCounts
// later adds recorded events to their month document and deletes them; the
// dashboard reads the month documents plus the events not yet folded. A month
// document is never rewritten per event, so counting costs a workflow one small
// insert.
//
// An event is folded only once it is older than FoldAfter and no workflow left
// behind by a failure is waiting to be finished (an intent whose lease has run
// out): retries of a workflow happen while its intent lives, and a workflow
// whose intent is gone is complete and never counts again, so no retry can
// come after its event was folded and deleted.
const colKPIEvents = "kpi_events"

// kpiEvent is one counted event waiting to be folded into its month document.
type kpiEvent struct {
	ID     string           `bson:"_id"`
	AreaID string           `bson:"area"`
	Month  string           `bson:"month"`
	Counts map[string]int64 `bson:"counts"`
	// FoldAt is when the event may be folded: at least FoldAfter from when it
	// was counted, rounded up to a whole quarter minute, so it does not keep
	// the moment of counting (an anonymous answer's time could link it to a
	// person).
	FoldAt time.Time `bson:"foldAt"`
}

// Count records amounts for the month counters exactly once for an event (see
// above); they reach the dashboard at the next FoldCounts. All amounts must be
// of one area and month.
func (s *Store) Count(ctx context.Context, event string, adds ...CounterAdd) error {
	if len(adds) == 0 {
		return nil
	}
	k := adds[0].Key
	if len(k.Day) != len("2006-01-02") {
		return fmt.Errorf("counter day %q", k.Day)
	}
	foldAt := s.now().Add(FoldAfter + 15*time.Second).Truncate(15 * time.Second)
	e := kpiEvent{ID: event, AreaID: k.Area, Month: k.Day[:7], Counts: map[string]int64{}, FoldAt: foldAt}
	for _, a := range adds {
		if a.Key.Area != k.Area || len(a.Key.Day) < 7 || a.Key.Day[:7] != e.Month {
			return fmt.Errorf("count %s: amounts of several months or areas", event)
		}
		e.Counts[kpiCountKey(a.Key)] += a.N
	}
	_, err := s.c(colKPIEvents).InsertOne(ctx, e)
	if duplicate(err) == heard.ErrConflict {
		return nil // counted already
	}
	return err
}

// foldMax bounds the events one fold takes: their ids are listed in the
// month document while they are deleted.
const foldMax = 5000

// FoldAfter is how old a counted event must be before it is folded: longer
// than any workflow still running under its lease (30 s), so the dashboard
// reads at most about a minute of events besides the month documents.
const FoldAfter = 45 * time.Second

// FoldCounts adds every recorded event to its month document and deletes it,
// exactly once even when several instances fold at once or one stops part way:
//  1. the month document adds each event not already in its Folded list and
//     lists it there — but only while the event document still exists, read
//     inside the same exact write (update), so an event deleted by another
//     folder is never added again;
//  2. the event documents are deleted;
//  3. the month document stops listing the deleted events in Folded (a
//     dashboard read that overlapped a fold reads again, KPIBuckets).
//
// The kpi_events collection holds only events not yet folded, so reading it
// whole stays cheap on the embedded database.
func (s *Store) FoldCounts(ctx context.Context) error {
	now := s.now()
	left, err := s.c(colIntents).CountDocuments(ctx, bson.D{{Key: "leaseUntil", Value: bson.D{{Key: "$lt", Value: now}}}})
	if err != nil || left > 0 {
		return err // a left-behind workflow may still count: fold after it is finished
	}
	pending, err := s.pendingEvents(ctx)
	if err != nil {
		return err
	}
	var events []kpiEvent
	for _, e := range pending {
		if e.FoldAt.Before(now) && len(events) < foldMax {
			events = append(events, e)
		}
	}
	if len(events) == 0 {
		return nil
	}
	byMonth := map[string][]kpiEvent{}
	for _, e := range events {
		id := kpiMonthID(e.AreaID, e.Month)
		byMonth[id] = append(byMonth[id], e)
	}
	for id, es := range byMonth {
		if err := s.foldMonth(ctx, id, es); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) foldMonth(ctx context.Context, id string, es []kpiEvent) error {
	area, month := es[0].AreaID, es[0].Month
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	_, _, err := update(ctx, s, colKPIMonths, area, id, func(m *kpiMonth, exists bool) (bool, error) {
		if !exists {
			*m = kpiMonth{ID: id, Area: area, Month: month}
		}
		if m.Counts == nil {
			m.Counts = map[string]int64{}
		}
		// Read inside this exact write: an event deleted by another folder
		// meanwhile is never added again, and one a stopped fold left listed
		// after deleting it is no longer listed.
		stored, err := s.c(colKPIEvents).existingIDs(ctx, append(slices.Clone(ids), m.Folded...))
		if err != nil {
			return false, err
		}
		before := len(m.Folded)
		m.Folded = slices.DeleteFunc(m.Folded, func(f string) bool { return !stored[f] })
		changed := len(m.Folded) != before
		folded := make(map[string]bool, len(m.Folded))
		for _, f := range m.Folded {
			folded[f] = true
		}
		for _, e := range es {
			if folded[e.ID] || !stored[e.ID] {
				continue
			}
			for k, n := range e.Counts {
				m.Counts[k] += n
			}
			m.Folded = append(m.Folded, e.ID)
			folded[e.ID] = true
			changed = true
		}
		return changed, nil
	})
	if err != nil {
		return err
	}
	if err := s.c(colKPIEvents).deleteIDs(ctx, ids); err != nil {
		return err
	}
	gone := make(map[string]bool, len(ids))
	for _, e := range ids {
		gone[e] = true
	}
	_, _, err = update(ctx, s, colKPIMonths, area, id, func(m *kpiMonth, exists bool) (bool, error) {
		folded := len(m.Folded)
		m.Folded = slices.DeleteFunc(m.Folded, func(f string) bool { return gone[f] })
		return exists && len(m.Folded) != folded, nil
	})
	return err
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

// pendingEvents are the counted events not yet folded: the whole kpi_events
// collection, which the embedded server reads from its mirror (mirror.go).
func (s *Store) pendingEvents(ctx context.Context) ([]kpiEvent, error) {
	raws, err := s.c(colKPIEvents).readWhole(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]kpiEvent, 0, len(raws))
	for _, r := range raws {
		var e kpiEvent
		if err := bson.Unmarshal(r, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// KPIBuckets reads every KPI bucket of an area for the months given (all
// services and placement types: disclosure control needs the whole table).
// The events counted but not yet folded are added, so the figures include
// everything counted until now.
//
// A fold adds events to their month document and lists them in its Folded,
// then deletes them, then takes them off the list (FoldCounts). The month
// documents are read, then the events, then the documents' revisions again:
// when no fold wrote in between, an event the documents hold is either listed
// (and not added again) or already deleted, and one they do not hold is
// still there to be read, so every event counts once. When a fold did
// write in between, the read is made again.
func (s *Store) KPIBuckets(ctx context.Context, area string, months []string) ([]heard.KPIBucket, error) {
	for {
		docs, err := s.kpiMonths(ctx, area, months)
		if err != nil {
			return nil, err
		}
		pending, err := s.pendingEvents(ctx)
		if err != nil {
			return nil, err
		}
		again, err := s.kpiMonths(ctx, area, months)
		if err != nil {
			return nil, err
		}
		if sameRevisions(docs, again) {
			return kpiBuckets(area, months, docs, pending), nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// sameRevisions reports whether two reads of month documents found the same
// documents at the same revisions.
func sameRevisions(a, b []kpiMonth) bool {
	return slices.EqualFunc(a, b, func(x, y kpiMonth) bool { return x.ID == y.ID && x.Rev == y.Rev })
}

// kpiBuckets adds up the month documents and the events they do not hold.
func kpiBuckets(area string, months []string, docs []kpiMonth, pending []kpiEvent) []heard.KPIBucket {
	sum := map[heard.KPIBucket]int64{}
	var order []heard.KPIBucket
	add := func(month, key string, n int64) {
		b, ok := kpiBucket(month, key)
		if !ok {
			return
		}
		if _, ok := sum[b]; !ok {
			order = append(order, b)
		}
		sum[b] += n
	}
	folded := map[string]bool{}
	for _, doc := range docs {
		for _, f := range doc.Folded {
			folded[doc.Month+"\x00"+f] = true
		}
		for key, n := range doc.Counts {
			add(doc.Month, key, n)
		}
	}
	for _, e := range pending {
		if e.AreaID != area || !slices.Contains(months, e.Month) || folded[e.Month+"\x00"+e.ID] {
			continue
		}
		for key, n := range e.Counts {
			add(e.Month, key, n)
		}
	}
	out := make([]heard.KPIBucket, 0, len(order))
	for _, b := range order {
		b.N = sum[b]
		out = append(out, b)
	}
	return out
}

// kpiMonths reads the area's month documents that exist, one by _id per month.
func (s *Store) kpiMonths(ctx context.Context, area string, months []string) ([]kpiMonth, error) {
	var out []kpiMonth
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
		doc.Month = m
		out = append(out, doc)
	}
	return out, nil
}

// kpiBucket reads a month document's counter name back into a bucket.
func kpiBucket(month, key string) (heard.KPIBucket, bool) {
	parts := strings.SplitN(key, "|", 4)
	if len(parts) != 4 {
		return heard.KPIBucket{}, false
	}
	return heard.KPIBucket{Metric: parts[0], Month: month, Service: parts[1], PlacementType: parts[2], Dim: parts[3]}, true
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
