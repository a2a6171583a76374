package store_test

import (
	"context"
	"testing"
	"time"

	"heard/store"
	"heard/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// storeAt gives a test a fresh database whose clock stands at now.
func storeAt(t *testing.T, now time.Time) (context.Context, *store.Store) {
	t.Helper()
	return context.Background(), testkit.Store(t, testkit.NewClock(now))
}

// counterSums sums an area's day counters of a metric, grouped by key.
func counterSums(t *testing.T, st *store.Store, area, metric string, key func(store.Counter) string) map[string]int64 {
	t.Helper()
	cs, err := st.Counters(context.Background(), store.CounterQuery{Area: area, Metric: metric})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, c := range cs {
		out[key(c)] += c.N
	}
	return out
}
