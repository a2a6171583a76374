package notify

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"heard/store"
)

// metrics are this instance's counters, written in Prometheus' text format by
// WriteMetrics. Queue depth is read from the database at each scrape, so it is
// the same on every instance.
type metrics struct {
	mu            sync.Mutex
	deliveries    map[string]uint64 // by result
	notifications map[string]uint64 // by outcome of expansion
	escalations   map[string]uint64 // by step
	acknowledged  uint64
	buckets       []float64 // upper bounds in seconds
	counts        []uint64  // per bucket (not cumulative)
	sum           float64
	count         uint64
}

// Results and steps are always written, at zero if need be, so every series exists.
var (
	deliveryResults     = []string{"delivered", "retry", "gone", "failed", "gave_up"}
	notificationResults = []string{"expanded", store.DeliveryNoSubscription, store.DeliveryRecipientDisabled, store.DeliveryRecipientUnknown}
	escalationSteps     = []string{stepDuty, stepManager}
)

func newMetrics() *metrics {
	b := []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400}
	return &metrics{deliveries: map[string]uint64{}, notifications: map[string]uint64{}, escalations: map[string]uint64{},
		buckets: b, counts: make([]uint64, len(b))}
}

func (m *metrics) delivery(result string) { m.mu.Lock(); m.deliveries[result]++; m.mu.Unlock() }

func (m *metrics) notification(result string) { m.mu.Lock(); m.notifications[result]++; m.mu.Unlock() }

func (m *metrics) escalation(step string) { m.mu.Lock(); m.escalations[step]++; m.mu.Unlock() }

func (m *metrics) ack() { m.mu.Lock(); m.acknowledged++; m.mu.Unlock() }

// latency records the time from queuing to the push service's acceptance.
func (m *metrics) latency(d time.Duration) {
	secs := max(d.Seconds(), 0)
	m.mu.Lock()
	defer m.mu.Unlock()
	i := sort.SearchFloat64s(m.buckets, secs) // first bound >= secs
	if i < len(m.counts) {
		m.counts[i]++
	}
	m.sum += secs
	m.count++
}

// WriteMetrics writes the push and escalation metrics in Prometheus' text
// exposition format (version 0.0.4).
func (s *Service) WriteMetrics(ctx context.Context, out io.Writer) error {
	notifications, deliveries, err := s.store.PushQueueDepth(ctx)
	if err != nil {
		return err
	}
	m := s.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	w := bufio.NewWriter(out)
	help := func(name, typ, text string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, typ)
	}
	help("heard_push_queue_depth", "gauge", "Notifications waiting to be expanded and deliveries waiting to be sent, including those waiting for a retry.")
	fmt.Fprintf(w, "heard_push_queue_depth{stage=\"notification\"} %d\n", notifications)
	fmt.Fprintf(w, "heard_push_queue_depth{stage=\"delivery\"} %d\n", deliveries)

	help("heard_push_deliveries_total", "counter", "Push delivery attempts by result.")
	for _, r := range deliveryResults {
		fmt.Fprintf(w, "heard_push_deliveries_total{result=%q} %d\n", r, m.deliveries[r])
	}
	help("heard_push_notifications_total", "counter", "Notifications taken from the outbox, by what happened to them.")
	for _, r := range notificationResults {
		fmt.Fprintf(w, "heard_push_notifications_total{result=%q} %d\n", r, m.notifications[r])
	}

	help("heard_push_delivery_seconds", "histogram", "Time from a notification being queued to the push service accepting it.")
	var cumulative uint64
	for i, b := range m.buckets {
		cumulative += m.counts[i]
		fmt.Fprintf(w, "heard_push_delivery_seconds_bucket{le=%q} %d\n", strconv.FormatFloat(b, 'g', -1, 64), cumulative)
	}
	fmt.Fprintf(w, "heard_push_delivery_seconds_bucket{le=\"+Inf\"} %d\n", m.count)
	fmt.Fprintf(w, "heard_push_delivery_seconds_sum %s\n", strconv.FormatFloat(m.sum, 'g', -1, 64))
	fmt.Fprintf(w, "heard_push_delivery_seconds_count %d\n", m.count)

	help("heard_escalations_total", "counter", "Alerts escalated because nobody acknowledged them in time, by step.")
	for _, st := range escalationSteps {
		fmt.Fprintf(w, "heard_escalations_total{step=%q} %d\n", st, m.escalations[st])
	}
	help("heard_alerts_acknowledged_total", "counter", "Alerts acknowledged.")
	fmt.Fprintf(w, "heard_alerts_acknowledged_total %d\n", m.acknowledged)
	return w.Flush()
}
