package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
	"heard/store"
	"heard/testkit"
)

// BenchmarkKPIDashboard fills the embedded database with answers across areas,
// services, placement types and 24 months (1,000,000 by default; set
// HEARD_BENCH_ANSWERS to change it), with the counters write time would have
// made, and then times one area's 12-month dashboard read from the counters
// against the same figures computed from the raw answers. It runs only with
// -bench, for example:
//
//	go test ./store/ -run '^$' -bench KPIDashboard -benchtime 1x -timeout 3h
//
// Measured on 2 shared cores, 1,000,000 answers in 4 areas and 24 months:
// filling took 3m43s for the answers and 4.3 s for the 96 month documents. One
// area's 12-month dashboard (disclosure control across every service and
// placement type included): from the month documents, as /api/kpis reads it,
// 216 ms; from the raw answers 1m47s. Both gave the same figures (felt
// listened to, CAMHS 2026: 40%, n = 52,075).
func BenchmarkKPIDashboard(b *testing.B) {
	total := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("HEARD_BENCH_ANSWERS")); err == nil && v > 0 {
		total = v
	}
	ctx := context.Background()
	now := time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)
	st := testkit.Store(b, testkit.NewClock(now))
	areas := []string{heard.NewID(), heard.NewID(), heard.NewID(), heard.NewID()}
	placements := []heard.PlacementType{"", heard.PlacementChildrensHome, heard.PlacementFoster, heard.PlacementSupportedLodgings, heard.PlacementInpatient}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(now.Sub(start).Hours()/24) + 1
	r := rand.New(rand.NewPCG(2026, 11))
	pick := func(weights []int) int { // a skewed choice, so shares differ by service
		sum := 0
		for _, w := range weights {
			sum += w
		}
		x := r.IntN(sum)
		for i, w := range weights {
			if x < w {
				return i
			}
			x -= w
		}
		return len(weights) - 1
	}

	// The month documents exactly as write time keeps them (store.Bump), built in
	// bulk; the day buckets Bump also keeps are not read by the dashboard.
	type key struct{ area, metric, day, service, pt, dim string }
	dayCounts := map[key]int64{}
	fillStart := time.Now()
	batch := make([]any, 0, 10_000)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := st.DB.Collection("feedback_answers").InsertMany(ctx, batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := 0; i < total; i++ {
		area := areas[i%len(areas)]
		at := start.Add(time.Duration(r.IntN(days*24*60)) * time.Minute)
		day := heard.KPIDay("Europe/London", at)
		svc := heard.Services[pick([]int{5, 4, 2, 1})]
		pt := placements[pick([]int{6, 2, 3, 1, 1})]
		base := map[heard.Service]int{heard.ServiceCAMHS: 4, heard.ServiceSocialCare: 3, heard.ServicePlacement: 5, heard.ServiceOther: 4}[svc]
		a := heard.Answer{ID: heard.NewID(), AreaID: area, Kind: string(heard.ContactKinds[i%4]), Service: svc, PlacementType: pt, Day: day, Month: day[:7],
			Listened: heard.ESQAnswers[pick([]int{base, 3, 2, 1})], Serious: heard.ESQAnswers[pick([]int{base, 3, 2, 1})],
			HadSay: heard.ESQAnswers[pick([]int{3, 3, 2, 2})], Experience: heard.FFTAnswers[pick([]int{base, 4, 2, 1, 1, 1})], CreatedAt: at}
		batch = append(batch, a)
		if len(batch) == cap(batch) {
			flush()
		}
		for _, m := range []struct{ metric, dim string }{{"feedback_answers", ""}, {"esq_listened", string(a.Listened)},
			{"esq_serious", string(a.Serious)}, {"had_say", string(a.HadSay)}, {"fft", string(a.Experience)}} {
			dayCounts[key{area, m.metric, day, string(svc), string(pt), m.dim}]++
		}
		// Seven answers in ten respond to a request.
		dayCounts[key{area, "feedback_requests", day, string(svc), string(pt), a.Kind}] += int64(1 + r.IntN(2))
		if i%10 < 7 {
			dayCounts[key{area, "feedback_responses", day, string(svc), string(pt), a.Kind}]++
		}
	}
	flush()
	answersTime := time.Since(fillStart)
	adds := make([]store.CounterAdd, 0, len(dayCounts))
	for k, n := range dayCounts {
		adds = append(adds, store.CounterAdd{Key: store.CounterKey{Area: k.area, Metric: k.metric, Day: k.day, Service: k.service, PlacementType: k.pt, Dim: k.dim}, N: n})
	}
	monthStart := time.Now()
	if err := st.BumpMonthMany(ctx, adds); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("filled: %d answers in %v; month documents (%d areas × 24 months) in %v\n",
		total, answersTime.Round(time.Second), len(areas), time.Since(monthStart).Round(time.Millisecond))

	// The paths are timed through a client without the store's 30-second limit
	// per operation: on the embedded database a scan of a million documents
	// takes longer than that.
	client, err := mongo.Connect(options.Client().ApplyURI(testkit.URI(b)).SetTimeout(2 * time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(ctx)
	st = &store.Store{Client: client, DB: client.Database(st.DB.Name()), Clock: st.Clock}

	area := areas[0]
	months, _ := heard.MonthsBetween("2026-01", "2026-12")
	type path struct {
		name string
		read func() ([]heard.KPIBucket, error)
	}
	paths := []path{
		// What /api/kpis reads: the area's month documents, 12 reads by _id.
		{"dashboard", func() ([]heard.KPIBucket, error) { return st.KPIBuckets(ctx, area, months) }},
		// The same figures from the raw answers: $match and $group in the database.
		{"raw_answers", func() ([]heard.KPIBucket, error) { return st.FeedbackBucketsFromAnswers(ctx, area, months) }},
	}
	results := map[string]heard.Dashboard{}
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			start := time.Now()
			defer func() {
				fmt.Printf("%s: %v per dashboard\n", p.name, (time.Since(start) / time.Duration(max(b.N, 1))).Round(time.Millisecond))
			}()
			for b.Loop() {
				buckets, err := p.read()
				if err != nil {
					b.Fatal(err)
				}
				people, err := st.KeyWorkerHistories(ctx, area, now)
				if err != nil {
					b.Fatal(err)
				}
				results[p.name] = heard.BuildDashboard(heard.KPIFilter{Service: "camhs"}, months, buckets, people, time.UTC, now)
			}
		})
	}
	// Every path gives the same answer figures.
	want := results["raw_answers"]
	for _, p := range paths {
		got := results[p.name]
		for i, tl := range got.Tiles[:4] {
			c, a := tl.Total, want.Tiles[i].Total
			if c.Suppressed || a.Suppressed || *c.Percent != *a.Percent || *c.N.Value != *a.N.Value {
				b.Fatalf("%s: %s differs: %+v, raw %+v", p.name, tl.ID, c, a)
			}
			if p.name == "raw_answers" {
				fmt.Printf("%s (CAMHS, 2026): %d%% (%d–%d%%), n=%d\n", tl.ID, *c.Percent, *c.Low, *c.High, *c.N.Value)
			}
		}
	}
}
