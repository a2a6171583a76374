package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// The dashboard works in months. Feedback counters are kept twice as they are
// written: by day in kpi_counters (the shared contract) and by month here, so a
// year's dashboard reads a few thousand month buckets instead of a bucket for
// every day, service, placement type and answer.
const colKPIMonths = "kpi_months"

func init() {
	registerIndexes(
		index{collection: colKPIMonths, keys: bson.D{{Key: "area", Value: 1}, {Key: "metric", Value: 1}, {Key: "month", Value: 1},
			{Key: "service", Value: 1}, {Key: "placementType", Value: 1}, {Key: "dim", Value: 1}}, unique: true},
	)
}

// monthBucket is a month bucket; its fields match CounterKey with Month for Day.
type monthBucket struct {
	Area          string `bson:"area"`
	Metric        string `bson:"metric"`
	Month         string `bson:"month"`
	Service       string `bson:"service"`
	PlacementType string `bson:"placementType"`
	Dim           string `bson:"dim"`
	N             int64  `bson:"n"`
}

func monthFilter(k CounterKey) bson.D {
	return bson.D{{Key: "area", Value: k.Area}, {Key: "metric", Value: k.Metric}, {Key: "month", Value: k.Day[:7]},
		{Key: "service", Value: k.Service}, {Key: "placementType", Value: k.PlacementType}, {Key: "dim", Value: k.Dim}}
}

// countFeedback bumps a feedback counter's day bucket and its month bucket.
func (s *Store) countFeedback(ctx context.Context, k CounterKey, n int64) error {
	if err := s.Bump(ctx, k, n); err != nil {
		return err
	}
	_, err := s.c(colKPIMonths).UpdateOne(ctx, monthFilter(k), bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: n}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// feedbackMetrics are read from month buckets; the others from day buckets.
var feedbackMetrics = []string{heard.KPIMetrics.FeedbackRequests, heard.KPIMetrics.FeedbackResponses, heard.KPIMetrics.FeedbackAnswers,
	heard.KPIMetrics.ESQListened, heard.KPIMetrics.ESQSerious, heard.KPIMetrics.HadSay, heard.KPIMetrics.FFT}

var dayMetrics = []string{heard.KPIMetrics.Cards, heard.KPIMetrics.CardsUrgent, heard.KPIMetrics.CardAck,
	heard.KPIMetrics.UrgentWithinLimit, heard.KPIMetrics.Escalations}

// KPIBuckets reads every KPI bucket of an area for the months given (all
// services and placement types: disclosure control needs the whole table),
// summed to months.
func (s *Store) KPIBuckets(ctx context.Context, area string, months []string) ([]heard.KPIBucket, error) {
	if len(months) == 0 {
		return nil, nil
	}
	first, last := months[0], months[len(months)-1]
	project := options.Find().SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "area", Value: 0}})
	monthly, err := findAll[monthBucket](ctx, s.c(colKPIMonths), bson.D{{Key: "area", Value: area},
		{Key: "metric", Value: bson.D{{Key: "$in", Value: feedbackMetrics}}},
		{Key: "month", Value: bson.D{{Key: "$gte", Value: first}, {Key: "$lte", Value: last}}}}, project)
	if err != nil {
		return nil, err
	}
	out := make([]heard.KPIBucket, 0, len(monthly))
	for _, b := range monthly {
		out = append(out, heard.KPIBucket{Metric: b.Metric, Month: b.Month, Service: b.Service, PlacementType: b.PlacementType, Dim: b.Dim, N: b.N})
	}
	daily, err := findAll[Counter](ctx, s.c(colCounters), bson.D{{Key: "area", Value: area},
		{Key: "metric", Value: bson.D{{Key: "$in", Value: dayMetrics}}},
		{Key: "day", Value: bson.D{{Key: "$gte", Value: first + "-01"}, {Key: "$lte", Value: last + "-31"}}}}, project)
	if err != nil {
		return nil, err
	}
	type key struct{ metric, month, service, pt, dim string }
	sums := map[key]int64{}
	for _, c := range daily {
		if len(c.Day) < 7 {
			continue
		}
		sums[key{c.Metric, c.Day[:7], c.Service, c.PlacementType, c.Dim}] += c.N
	}
	for k, n := range sums {
		out = append(out, heard.KPIBucket{Metric: k.metric, Month: k.month, Service: k.service, PlacementType: k.pt, Dim: k.dim, N: n})
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
// answer, and the number of answers) straight from the stored answers with
// $match/$group, without the counters. It is the slow path the counters replace:
// the benchmark compares the two, and a test checks they agree.
func (s *Store) FeedbackBucketsFromAnswers(ctx context.Context, area string, months []string) ([]heard.KPIBucket, error) {
	if len(months) == 0 {
		return nil, nil
	}
	pipeline := mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "area", Value: area},
			{Key: "month", Value: bson.D{{Key: "$gte", Value: months[0]}, {Key: "$lte", Value: months[len(months)-1]}}}}}},
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: bson.D{{Key: "month", Value: "$month"}, {Key: "service", Value: "$service"}, {Key: "placementType", Value: "$placementType"},
				{Key: "listened", Value: "$listened"}, {Key: "serious", Value: "$serious"}, {Key: "hadSay", Value: "$hadSay"}, {Key: "experience", Value: "$experience"}}},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	}
	cur, err := s.c(colFeedbackAnswers).Aggregate(ctx, pipeline)
	if err != nil {
		return nil, err
	}
	var groups []struct {
		ID struct {
			Month         string `bson:"month"`
			Service       string `bson:"service"`
			PlacementType string `bson:"placementType"`
			Listened      string `bson:"listened"`
			Serious       string `bson:"serious"`
			HadSay        string `bson:"hadSay"`
			Experience    string `bson:"experience"`
		} `bson:"_id"`
		N int64 `bson:"n"`
	}
	if err := cur.All(ctx, &groups); err != nil {
		return nil, err
	}
	type key struct{ metric, month, service, pt, dim string }
	sums := map[key]int64{}
	for _, g := range groups {
		id := g.ID
		sums[key{heard.KPIMetrics.FeedbackAnswers, id.Month, id.Service, id.PlacementType, ""}] += g.N
		sums[key{heard.KPIMetrics.ESQListened, id.Month, id.Service, id.PlacementType, id.Listened}] += g.N
		sums[key{heard.KPIMetrics.ESQSerious, id.Month, id.Service, id.PlacementType, id.Serious}] += g.N
		sums[key{heard.KPIMetrics.HadSay, id.Month, id.Service, id.PlacementType, id.HadSay}] += g.N
		sums[key{heard.KPIMetrics.FFT, id.Month, id.Service, id.PlacementType, id.Experience}] += g.N
	}
	out := make([]heard.KPIBucket, 0, len(sums))
	for k, n := range sums {
		out = append(out, heard.KPIBucket{Metric: k.metric, Month: k.month, Service: k.service, PlacementType: k.pt, Dim: k.dim, N: n})
	}
	return out, nil
}
