package notify

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"heard"
	"heard/notify/pushtest"
	"heard/store"
	"heard/testkit"
)

// BenchmarkPushDelivery measures the whole path on the embedded database: Notify
// writes to the outbox, the running dispatcher expands, encrypts and sends, and
// the loopback push service decrypts and answers 201. It reports notifications
// delivered per second and the latency from Notify to the 201.
//
//   - burst: b.N notifications queued as fast as possible (latency includes
//     waiting in the queue behind the others);
//   - steady: one notification at a time (latency of a single alert on an idle
//     system).
func BenchmarkPushDelivery(b *testing.B) {
	b.Run("burst", func(b *testing.B) { benchPush(b, false) })
	b.Run("steady", func(b *testing.B) { benchPush(b, true) })
}

func benchPush(b *testing.B, oneAtATime bool) {
	ctx := context.Background()
	st := testkit.Store(b, heard.SystemClock{})
	pub, priv := testkit.VAPID(b)
	push := pushtest.New(b, pub)
	svc, err := New(Config{Store: st, Log: testkit.Quiet(), VAPIDPublicKey: pub, VAPIDPrivateKey: priv,
		Subject: "bench@heard.test", AllowLoopbackEndpoints: true})
	if err != nil {
		b.Fatal(err)
	}
	area := heard.NewID()
	const recipients = 8
	var staff []string
	for i := range recipients {
		s := heard.Staff{ID: heard.NewID(), AreaID: area, Email: fmt.Sprintf("kw%d@bench.test", i), Name: "Key Worker",
			Role: heard.RoleKeyWorker, Language: "en"}
		if err := st.CreateStaff(ctx, s); err != nil {
			b.Fatal(err)
		}
		br := push.NewBrowser()
		if _, err := st.SavePushSubscription(ctx, store.PushSubscription{AreaID: area, Endpoint: br.Endpoint, P256dh: br.P256dh(),
			Auth: br.Auth(), OwnerID: s.ID, OwnerRole: heard.RoleKeyWorker}); err != nil {
			b.Fatal(err)
		}
		staff = append(staff, s.ID)
	}

	var mu sync.Mutex
	queued := map[string]time.Time{}
	var latencies []time.Duration
	got := make(chan struct{}, b.N)
	push.OnReceive = func(r pushtest.Message) {
		mu.Lock()
		id, _ := r.Payload["id"].(string)
		if at, ok := queued[id]; ok {
			latencies = append(latencies, r.At.Sub(at))
			delete(queued, id)
			got <- struct{}{}
		}
		mu.Unlock()
	}
	runCtx, stop := context.WithCancel(ctx)
	running := make(chan struct{})
	go func() { defer close(running); svc.Run(runCtx) }()
	defer func() { stop(); <-running }()

	b.ResetTimer()
	began := time.Now()
	for i := range b.N {
		n := heard.Notification{ID: heard.NewID(), AreaID: area, RecipientID: staff[i%recipients], Type: "card",
			Link: "/#/cards/x", Urgency: heard.UrgencyOrdinary}
		mu.Lock()
		queued[n.ID] = time.Now()
		mu.Unlock()
		if err := svc.Notify(ctx, n); err != nil {
			b.Fatal(err)
		}
		if oneAtATime {
			<-got
		}
	}
	if !oneAtATime {
		for range b.N {
			select {
			case <-got:
			case <-time.After(2 * time.Minute):
				b.Fatal("notifications were not all delivered")
			}
		}
	}
	elapsed := time.Since(began)
	b.StopTimer()

	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "notifications/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
