package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// Request kinds, in the order the report prints them.
const (
	kindCard      = "card"
	kindInbox     = "inbox"
	kindDashboard = "dashboard"
	kindReadyz    = "readyz"
	kindProbe     = "probe"
	kindBare      = "bare insert"
)

var kindOrder = []string{kindCard, kindInbox, kindDashboard, kindReadyz, kindProbe, kindBare}

// noAnswer is the status recorded when a request got no HTTP answer (a
// timeout or a broken connection).
const noAnswer = 0

// kindStats is everything measured about one kind of request.
type kindStats struct {
	latencies []time.Duration
	byStatus  map[int]int
	// Of the 503 answers, how many said when to try again, as a header and in the JSON error.
	unavailable, retryAfterHeader, retryAfterJSON int
	// errorCodes counts the error codes of 5xx answers and why others got none.
	errorCodes map[string]int
	// dropped were due but not started: the in-flight cap was reached.
	dropped int
	// progressMark is how many latencies the last progress line had seen.
	progressMark int
}

// recorder collects answers from many goroutines.
type recorder struct {
	mu    sync.Mutex
	kinds map[string]*kindStats
	start time.Time
}

func newRecorder() *recorder {
	return &recorder{kinds: map[string]*kindStats{}, start: time.Now()}
}

func (r *recorder) kind(name string) *kindStats {
	k := r.kinds[name]
	if k == nil {
		k = &kindStats{byStatus: map[int]int{}, errorCodes: map[string]int{}}
		r.kinds[name] = k
	}
	return k
}

// add records one finished request.
func (r *recorder) add(name string, a answer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.kind(name)
	k.latencies = append(k.latencies, a.took)
	k.byStatus[a.status]++
	if a.status == 503 {
		k.unavailable++
		if a.retryAfterHeader {
			k.retryAfterHeader++
		}
		if a.retryAfterJSON {
			k.retryAfterJSON++
		}
	}
	switch {
	case a.status >= 500:
		k.errorCodes[fmt.Sprintf("%d %s", a.status, a.errorCode())]++
	case a.status == noAnswer:
		k.errorCodes[noAnswerReason(a.err)]++
	}
}

func (r *recorder) drop(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kind(name).dropped++
}

// summary is one kind's figures at a moment.
type summary struct {
	kind                                          string
	n, ok, fiveXX                                 int
	p50, p90, p99, max                            time.Duration
	byStatus                                      map[int]int
	unavailable, retryAfterHeader, retryAfterJSON int
	errorCodes                                    map[string]int
	dropped                                       int
}

// summaries returns every kind's figures in report order; sinceProgress
// limits the latencies to those since the previous progress line (and moves
// the mark).
func (r *recorder) summaries(sinceProgress bool) []summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []summary
	for _, name := range kindOrder {
		k := r.kinds[name]
		if k == nil {
			continue
		}
		lat := k.latencies
		if sinceProgress {
			lat = lat[k.progressMark:]
			k.progressMark = len(k.latencies)
		}
		s := summary{kind: name, n: len(k.latencies), byStatus: maps.Clone(k.byStatus), unavailable: k.unavailable,
			retryAfterHeader: k.retryAfterHeader, retryAfterJSON: k.retryAfterJSON, errorCodes: maps.Clone(k.errorCodes), dropped: k.dropped}
		for status, count := range k.byStatus {
			switch {
			case status >= 200 && status < 300:
				s.ok += count
			case status >= 500:
				s.fiveXX += count
			}
		}
		sorted := slices.Clone(lat)
		slices.Sort(sorted)
		s.p50, s.p90, s.p99 = percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99)
		if len(sorted) > 0 {
			s.max = sorted[len(sorted)-1]
		}
		out = append(out, s)
	}
	return out
}

// noAnswerReason names why a request got no answer, briefly.
func noAnswerReason(err error) string {
	var timeout interface{ Timeout() bool }
	switch {
	case err == nil:
		return "no answer"
	case errors.Is(err, errSessionLost):
		return "session lost"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	default:
		return "connection error"
	}
}

// percentile is the nearest-rank percentile of sorted durations (0 when empty).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// rssSeries is Heard's resident memory over the run.
type rssSeries struct {
	mu                sync.Mutex
	first, last, peak int64 // kB
	firstSet          bool
}

func (m *rssSeries) add(kb int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.firstSet {
		m.first, m.firstSet = kb, true
	}
	m.last = kb
	m.peak = max(m.peak, kb)
}

func (m *rssSeries) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.first, m.last, m.peak, m.firstSet = 0, 0, 0, false
}

func (m *rssSeries) get() (first, last, peak int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.first, m.last, m.peak
}
