package main

import (
	"testing"
	"time"
)

func TestPercentileIsTheNearestRank(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("p%g of 1..100 ms: %s, want %s", tc.p, got, tc.want)
		}
	}
	if got := percentile(sorted[:1], 99); got != time.Millisecond {
		t.Errorf("p99 of one: %s", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of none: %s", got)
	}
}

func TestRecorderCountsStatusesAndRetryAfter(t *testing.T) {
	r := newRecorder()
	r.add(kindCard, answer{status: 201, took: 10 * time.Millisecond})
	r.add(kindCard, answer{status: 503, took: 30 * time.Millisecond, retryAfterHeader: true, retryAfterJSON: true,
		body: []byte(`{"error":{"code":"busy","retryAfter":1}}`)})
	r.add(kindCard, answer{status: 503, took: 20 * time.Millisecond})
	r.add(kindCard, answer{status: 500, took: 40 * time.Millisecond, body: []byte(`{"error":{"code":"internal"}}`)})
	r.add(kindCard, answer{status: noAnswer, took: time.Second})
	r.drop(kindCard)
	r.add(kindInbox, answer{status: 200, took: time.Millisecond})
	sums := r.summaries(false)
	if len(sums) != 2 || sums[0].kind != kindCard || sums[1].kind != kindInbox {
		t.Fatalf("summaries: %+v", sums)
	}
	s := sums[0]
	if s.n != 5 || s.ok != 1 || s.fiveXX != 3 || s.dropped != 1 || s.byStatus[503] != 2 || s.byStatus[noAnswer] != 1 {
		t.Errorf("counts: %+v", s)
	}
	if s.unavailable != 2 || s.retryAfterHeader != 1 || s.retryAfterJSON != 1 {
		t.Errorf("503s: %d, with header %d, in JSON %d", s.unavailable, s.retryAfterHeader, s.retryAfterJSON)
	}
	if s.errorCodes["500 internal"] != 1 || s.errorCodes["503 busy"] != 1 || s.errorCodes["no answer"] != 1 {
		t.Errorf("error codes: %v", s.errorCodes)
	}
	if s.p50 != 30*time.Millisecond || s.max != time.Second {
		t.Errorf("p50 %s, max %s", s.p50, s.max)
	}
	// A progress line sees only what came since the previous one.
	r.summaries(true)
	r.add(kindCard, answer{status: 201, took: 7 * time.Millisecond})
	if s := r.summaries(true)[0]; s.p99 != 7*time.Millisecond || s.n != 6 {
		t.Errorf("since the last progress line: p99 %s, n %d", s.p99, s.n)
	}
}
