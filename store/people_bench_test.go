package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"heard"
	"heard/testkit"
)

// BenchmarkKeyWorkerReads times the reads a card send and an inbox make about
// key workers, in one area of 2,000 young people who have each had three key
// workers (6,000 assignments) among 100 key workers (caseloads of 20), on the
// embedded database. The area is written as an older Heard left it (its
// history in the assignments collection only), so the first read brings it
// up to date; that is timed apart, as "migrate". It runs only with -bench:
//
//	go test ./store/ -run '^$' -bench KeyWorkerReads -benchtime 100x -v
//
// Measured on 2 shared (busy) cores, 100 reads each, before (each read
// filtered the assignments collection, which the embedded server answers by
// reading all of it; young people by an $in filter, the same) and after (one
// read by _id of the young person's document or the key worker's caseload):
//
//	                             before       after
//	CurrentAssignment            18.7 ms      0.8 ms
//	IsKeyWorker                  1,628 ms     0.8 ms
//	Caseload                     583 ms       1.5 ms
//	YoungPeople (a caseload)     223 ms       29-54 ms (20 reads by _id)
//	migrate (once per area)      -            15 s
func BenchmarkKeyWorkerReads(b *testing.B) {
	const people, workers, spells = 2000, 100, 3
	ctx := context.Background()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	st := testkit.Store(b, testkit.NewClock(start.AddDate(0, 10, 0)))
	area := heard.Area{ID: heard.NewID(), Name: "Bench", TimeZone: "Europe/London", Languages: []string{"en"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: start}
	if _, err := st.DB.Collection("areas").InsertOne(ctx, area); err != nil { // as an older Heard made it
		b.Fatal(err)
	}
	staff := make([]string, workers)
	var docs []any
	for i := range staff {
		staff[i] = heard.NewID()
		docs = append(docs, heard.Staff{ID: staff[i], AreaID: area.ID, Email: fmt.Sprintf("kw%d@bench.test", i), Name: fmt.Sprint("Worker ", i),
			Role: heard.RoleKeyWorker, Language: "en", Hours: heard.DefaultHours(), CreatedAt: start})
	}
	if _, err := st.DB.Collection("staff").InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, people)
	docs, history := nil, []any{}
	for i := range ids {
		ids[i] = heard.NewID()
		docs = append(docs, heard.YoungPerson{ID: ids[i], AreaID: area.ID, FirstName: fmt.Sprint("Young ", i), Language: "en",
			Service: heard.ServiceSocialCare, CreatedAt: start})
		for k := 0; k < spells; k++ {
			a := heard.Assignment{ID: heard.NewID(), AreaID: area.ID, YoungPersonID: ids[i], StaffID: staff[(i+k*7)%workers],
				Start: start.AddDate(0, k*3, 0)}
			if k < spells-1 {
				end := start.AddDate(0, (k+1)*3, 0)
				a.End = &end
			}
			history = append(history, a)
		}
	}
	for col, batch := range map[string][]any{"young_people": docs, "assignments": history} {
		for len(batch) > 0 {
			n := min(500, len(batch))
			if _, err := st.DB.Collection(col).InsertMany(ctx, batch[:n]); err != nil {
				b.Fatal(err)
			}
			batch = batch[n:]
		}
	}
	// The worker who holds young person i now is staff[(i+14)%100].
	holder := func(i int) string { return staff[(i+(spells-1)*7)%workers] }
	t0 := time.Now()
	if _, err := st.CurrentAssignment(ctx, area.ID, ids[0]); err != nil {
		b.Fatal(err)
	}
	b.Logf("migrate (first read of the area): %s", time.Since(t0).Round(time.Millisecond))

	b.Run("CurrentAssignment", func(b *testing.B) {
		for i := range b.N {
			a, err := st.CurrentAssignment(ctx, area.ID, ids[i%people])
			if err != nil || a.StaffID != holder(i%people) {
				b.Fatalf("current assignment of %d: %+v %v", i%people, a, err)
			}
		}
	})
	b.Run("IsKeyWorker", func(b *testing.B) {
		for i := range b.N {
			ok, err := st.IsKeyWorker(ctx, area.ID, holder(i%people), ids[i%people])
			if err != nil || !ok {
				b.Fatalf("is key worker of %d: %v %v", i%people, ok, err)
			}
		}
	})
	b.Run("Caseload", func(b *testing.B) {
		for i := range b.N {
			load, err := st.Caseload(ctx, area.ID, staff[i%workers])
			if err != nil || len(load) != people/workers {
				b.Fatalf("caseload of %d: %d %v", i%workers, len(load), err)
			}
		}
	})
	b.Run("CaseloadYoungPeople", func(b *testing.B) {
		load, err := st.Caseload(ctx, area.ID, staff[0])
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			ys, err := st.YoungPeople(ctx, area.ID, load)
			if err != nil || len(ys) != len(load) {
				b.Fatalf("young people: %d %v", len(ys), err)
			}
		}
	})
}
