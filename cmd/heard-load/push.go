package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"heard/notify/pushtest"
)

// pushHost lets the tool run pushtest's loopback push service outside a test.
// pushtest reports what it finds wrong (a bad VAPID signature, a payload it
// cannot decrypt) through a testing.TB; here those become complaints in the
// report instead of a failed test.
type pushHost struct {
	testing.TB // nil: pushtest uses only the methods below
	mu         sync.Mutex
	complaints []string
	cleanups   []func()
}

func (h *pushHost) Helper() {}

func (h *pushHost) Errorf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.complaints = append(h.complaints, fmt.Sprintf(format, args...))
}

func (h *pushHost) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

func (h *pushHost) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (h *pushHost) Cleanup(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleanups = append(h.cleanups, f)
}

func (h *pushHost) close() {
	h.mu.Lock()
	cleanups := h.cleanups
	h.cleanups = nil
	h.mu.Unlock()
	for _, f := range slices.Backward(cleanups) {
		f()
	}
}

// pushReceiver is the loopback push service the staff's browsers subscribe
// at. It decrypts every push and times it from the send of the card it is about.
type pushReceiver struct {
	host *pushHost
	svc  *pushtest.Service

	mu sync.Mutex
	// sentAt is when each card's send began; firstPush how long after it the
	// first push about the card arrived.
	sentAt    map[string]time.Time
	firstPush map[string]time.Duration
	// perNotification counts messages per browser and notification id.
	perNotification map[string]int
	received        int
	duplicates      int
	// notAboutOurCards are pushes whose link names no card the tool sent.
	notAboutOurCards int
}

func startPushReceiver(vapidPublicKey string) (r *pushReceiver, err error) {
	host := &pushHost{}
	defer func() {
		if p := recover(); p != nil {
			host.close()
			err = fmt.Errorf("push service: %v", p)
		}
	}()
	r = &pushReceiver{host: host, svc: pushtest.New(host, vapidPublicKey), sentAt: map[string]time.Time{},
		firstPush: map[string]time.Duration{}, perNotification: map[string]int{}}
	r.svc.OnReceive = r.receive
	return r, nil
}

func (r *pushReceiver) close() { r.host.close() }

// newBrowser is a browser subscription with fresh keys at this push service.
func (r *pushReceiver) newBrowser() (b *pushtest.Browser, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("push service: %v", p)
		}
	}()
	return r.svc.NewBrowser(), nil
}

// expect notes that a card's send begins now.
func (r *pushReceiver) expect(cardID string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sentAt[cardID] = at
}

func (r *pushReceiver) receive(m pushtest.Message) {
	id, _ := m.Payload["id"].(string)
	link, _ := m.Payload["url"].(string)
	// Card alerts link to the card in the inbox: "/#/inbox/<card id>".
	cardID := link[strings.LastIndex(link, "/")+1:]
	r.mu.Lock()
	defer r.mu.Unlock()
	r.received++
	key := m.Browser + "/" + id
	r.perNotification[key]++
	if r.perNotification[key] > 1 {
		r.duplicates++
	}
	sent, ours := r.sentAt[cardID]
	if !ours {
		r.notAboutOurCards++
		return
	}
	if _, seen := r.firstPush[cardID]; !seen {
		r.firstPush[cardID] = m.At.Sub(sent)
	}
}

// pushed reports whether any push about the card has arrived.
func (r *pushReceiver) pushed(cardID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.firstPush[cardID]
	return ok
}

// pushFigures is what the push service saw.
type pushFigures struct {
	received, duplicates, notAboutOurCards, cardsPushed int
	firstP50, firstP99, firstMax                        time.Duration
	complaints                                          []string
}

func (r *pushReceiver) figures() pushFigures {
	r.mu.Lock()
	f := pushFigures{received: r.received, duplicates: r.duplicates, notAboutOurCards: r.notAboutOurCards, cardsPushed: len(r.firstPush)}
	delays := make([]time.Duration, 0, len(r.firstPush))
	for _, d := range r.firstPush {
		delays = append(delays, d)
	}
	r.mu.Unlock()
	slices.Sort(delays)
	f.firstP50, f.firstP99 = percentile(delays, 50), percentile(delays, 99)
	if len(delays) > 0 {
		f.firstMax = delays[len(delays)-1]
	}
	r.host.mu.Lock()
	f.complaints = slices.Clone(r.host.complaints)
	r.host.mu.Unlock()
	return f
}
