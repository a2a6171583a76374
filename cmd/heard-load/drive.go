package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"heard"
)

// load sends Heard the requests people make, and remembers every card sent.
type load struct {
	c           *client
	w           *world
	ledger      *ledger
	urgentShare float64
}

// newCardBody is a fresh card as a phone makes it: a new UUIDv4 id, a card
// from the catalogue (urgent with the given chance), sometimes how much, what
// would help and a note.
func (w *world) newCardBody(urgentShare float64) (id string, body map[string]string) {
	id = uuid.NewString()
	card := w.normalCards[rand.IntN(len(w.normalCards))]
	if rand.Float64() < urgentShare {
		card = w.urgentCards[rand.IntN(len(w.urgentCards))]
	}
	body = map[string]string{"id": id, "card": card, "sentAt": time.Now().UTC().Format(time.RFC3339Nano)}
	if rand.IntN(2) == 0 {
		body["amount"] = string(heard.CardAmounts[rand.IntN(len(heard.CardAmounts))])
	}
	if rand.IntN(3) == 0 {
		body["help"] = string(heard.CardHelps[rand.IntN(len(heard.CardHelps))])
	}
	if rand.IntN(4) == 0 {
		body["note"] = "Written by the load test."
	}
	return id, body
}

// sendCard sends a new card as the young person y.
func (l *load) sendCard(ctx context.Context, y *youngUser) answer {
	id, body := l.w.newCardBody(l.urgentShare)
	l.w.push.expect(id, time.Now())
	a := l.c.as(ctx, y.session, http.MethodPost, "/api/cards", body)
	l.ledger.add(sentCard{id: id, young: y, status: a.status})
	return a
}

func (l *load) randomYoungPerson() *youngUser { return l.w.young[rand.IntN(len(l.w.young))] }

// readInbox reads a key worker's inbox.
func (l *load) readInbox(ctx context.Context) answer {
	kw := l.w.keyWorkers[rand.IntN(len(l.w.keyWorkers))]
	return l.c.as(ctx, kw.session, http.MethodGet, "/api/cards/inbox", nil)
}

// readDashboard reads the commissioner's KPI dashboard (the last 12 months).
func (l *load) readDashboard(ctx context.Context) answer {
	return l.c.as(ctx, l.w.commissioner.session, http.MethodGet, "/api/kpis", nil)
}

// mixRequest picks the next request of the mix: 40 % card sends, 40 % inbox
// reads, 20 % dashboard reads.
func (l *load) mixRequest() (string, func(context.Context) answer) {
	switch r := rand.IntN(10); {
	case r < 4:
		y := l.randomYoungPerson()
		return kindCard, func(ctx context.Context) answer { return l.sendCard(ctx, y) }
	case r < 8:
		return kindInbox, l.readInbox
	default:
		return kindDashboard, l.readDashboard
	}
}

// openLoop starts a request every 1/rate seconds for dur, on schedule whether
// or not earlier ones have finished, as independent people would. At most
// maxInFlight run at once; one due beyond that is not sent and counted as
// dropped. It returns when the last request is due; wait waits for those still
// running.
func openLoop(ctx context.Context, rate float64, dur time.Duration, maxInFlight int, rec *recorder,
	next func() (string, func(context.Context) answer)) (wait func()) {
	var wg sync.WaitGroup
	var inFlight atomic.Int32
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= dur {
			break
		}
		select {
		case <-ctx.Done():
			return wg.Wait
		case <-time.After(time.Until(due)):
		}
		kind, send := next()
		if int(inFlight.Load()) >= maxInFlight {
			rec.drop(kind)
			continue
		}
		inFlight.Add(1)
		wg.Go(func() {
			defer inFlight.Add(-1)
			rec.add(kind, send(ctx))
		})
	}
	return wg.Wait
}

// closedLoop runs workers that each send a request as soon as their previous
// one is answered, for dur, and returns how long it ran.
func closedLoop(ctx context.Context, workers int, dur time.Duration, rec *recorder, kind string,
	send func(ctx context.Context, worker, round int) answer) time.Duration {
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for worker := range workers {
		wg.Go(func() {
			for round := 0; ctx.Err() == nil && time.Now().Before(deadline); round++ {
				rec.add(kind, send(ctx, worker, round))
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// every calls f once a period, in its own goroutine, until stopped or ctx
// ends; stop waits for a call in progress.
func every(ctx context.Context, period time.Duration, f func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				f(ctx)
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}
