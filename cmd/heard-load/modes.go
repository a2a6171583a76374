package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// progressEvery is how often a run prints a progress line.
const progressEvery = 30 * time.Second

// profileDuring saves Heard's profiles during a steady run of length dur,
// after a warm-up, when asked to; wait waits for the profiles to be saved.
func profileDuring(ctx context.Context, o options, h *heardProcess, dur time.Duration) (wait func()) {
	if o.profileDir == "" {
		return func() {}
	}
	warmUp := min(10*time.Second, dur/4)
	seconds := max(1, min(30, int((dur-warmUp).Seconds())-1))
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
			return
		case <-time.After(warmUp):
		}
		if err := h.saveProfiles(ctx, o.profileDir, seconds); err != nil {
			fmt.Println("!! profiling Heard:", err)
			return
		}
		fmt.Printf("Saved a %d s CPU profile and a heap profile of Heard in %s (go tool pprof -top %s/heard-cpu.pprof)\n",
			seconds, o.profileDir, o.profileDir)
	}()
	return func() { <-done }
}

// runMix drives the mix open loop: independent people at a steady rate.
func runMix(ctx context.Context, o options, l *load, h *heardProcess) {
	fmt.Printf("Mix: %g requests/s for %s (40 %% card sends, 40 %% inbox reads, 20 %% dashboard reads)\n", o.rate, o.duration)
	rec := newRecorder()
	profiled := profileDuring(ctx, o, h, o.duration)
	stopProgress := startProgress(ctx, progressEvery, rec, h, l.w.push)
	wait := openLoop(ctx, o.rate, o.duration, o.maxInFlight, rec, l.mixRequest)
	elapsed := time.Since(rec.start)
	wait()
	stopProgress()
	profiled()
	fmt.Println()
	printRequests("Mix", rec.summaries(false), elapsed)
}

// capacityRounds is how many turns each side has in a capacity run.
const capacityRounds = 3

// capacitySettle is the pause after each of Heard's turns, for the pushes it
// has still to send, before the bare side's next turn.
const capacitySettle = 2 * time.Second

// runCapacity measures how many card sends a second Heard answers with
// workers sending back to back, and the same for a bare Fiber handler that
// inserts the same JSON body into its own embedded database. The two take
// turns (bare, Heard, bare, Heard…), so that a machine whose speed drifts
// during the run (a shared virtual machine does) slows both alike; each turn
// of the bare side starts once Heard is idle, so Heard's background work
// cannot slow it. The ratio is of the totals.
func runCapacity(ctx context.Context, o options, l *load, h *heardProcess) error {
	turn := o.duration / capacityRounds
	fmt.Printf("Capacity: %d workers sending cards back to back for %s on each side, in %d turns of %s, bare Fiber + one insert first\n",
		o.workers, o.duration, capacityRounds, turn)
	bare, err := startBare(o.host)
	if err != nil {
		return fmt.Errorf("bare server: %w", err)
	}
	defer bare.stop()
	bareClient := newClient(bare.base, o.timeout, o.workers+8)
	bareRec, rec := newRecorder(), newRecorder()
	var bareElapsed, elapsed, heardCPU time.Duration
	profiled := profileDuring(ctx, o, h, 2*o.duration+capacityRounds*capacitySettle)
	stopProgress := startProgress(ctx, progressEvery, rec, h, l.w.push)
	for round := 1; round <= capacityRounds && ctx.Err() == nil; round++ {
		bareBefore, before := okCount(bareRec, kindBare), okCount(rec, kindCard)
		b := closedLoop(ctx, o.workers, turn, bareRec, kindBare, func(ctx context.Context, _, _ int) answer {
			_, body := l.w.newCardBody(l.urgentShare)
			raw, _ := json.Marshal(body)
			return bareClient.call(ctx, http.MethodPost, "/cards", "", raw)
		})
		cpuBefore, cpuErr := h.cpuTime()
		e := closedLoop(ctx, o.workers, turn, rec, kindCard, func(ctx context.Context, worker, n int) answer {
			// Each worker goes round the young people, so sends spread over all of them.
			return l.sendCard(ctx, l.w.young[(worker+(n+round*1000)*o.workers)%len(l.w.young)])
		})
		bareElapsed, elapsed = bareElapsed+b, elapsed+e
		bareRate := float64(okCount(bareRec, kindBare)-bareBefore) / b.Seconds()
		sent := okCount(rec, kindCard) - before
		heardRate := float64(sent) / e.Seconds()
		time.Sleep(capacitySettle)
		// Heard's processor time for the turn, its pushes sent while settling included.
		cpu := "?"
		if cpuAfter, err := h.cpuTime(); err == nil && cpuErr == nil && sent > 0 {
			heardCPU += cpuAfter - cpuBefore
			cpu = fmt.Sprintf("%.2f ms", float64(cpuAfter-cpuBefore)/float64(time.Millisecond)/float64(sent))
		}
		fmt.Printf("  turn %d: bare %.1f/s, Heard %.1f/s, 1/%.1f; Heard's CPU %s a card\n", round, bareRate, heardRate, bareRate/max(heardRate, 0.001), cpu)
	}
	stopProgress()
	profiled()
	fmt.Println()
	printRequests("Bare Fiber + one insert", bareRec.summaries(false), bareElapsed)
	fmt.Println()
	printRequests("Heard card sends", rec.summaries(false), elapsed)

	heardRate := float64(okCount(rec, kindCard)) / elapsed.Seconds()
	bareRate := float64(okCount(bareRec, kindBare)) / bareElapsed.Seconds()
	fmt.Printf("\nCapacity: Heard %.1f card sends/s accepted; bare Fiber + one insert %.1f/s", heardRate, bareRate)
	if heardRate > 0 {
		verdict := "below the goal of at least 1/10"
		if heardRate*10 >= bareRate {
			verdict = "meets the goal of at least 1/10"
		}
		fmt.Printf("; Heard is 1/%.1f of bare (%s); Heard's CPU %.2f ms a card", bareRate/heardRate, verdict,
			float64(heardCPU)/float64(time.Millisecond)/float64(okCount(rec, kindCard)))
	}
	fmt.Println()
	return nil
}

func okCount(rec *recorder, kind string) int {
	for _, s := range rec.summaries(false) {
		if s.kind == kind {
			return s.ok
		}
	}
	return 0
}

// pollReadyz asks /readyz every second until stopped, and records the answers.
func pollReadyz(ctx context.Context, c *client, rec *recorder) (stop func()) {
	return every(ctx, time.Second, func(ctx context.Context) {
		cx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if a := c.call(cx, http.MethodGet, "/readyz", "", nil); ctx.Err() == nil {
			rec.add(kindReadyz, a)
		}
	})
}

// probeCards is how many cards each recovery probe sends.
const probeCards = 3

// runOverload sends cards far past capacity, stops, then every 5 s sends a few
// cards until all succeed, and says how long that took, with no restart.
func runOverload(ctx context.Context, o options, l *load, h *heardProcess) {
	fmt.Printf("Overload: %g card sends/s for %s, then every 5 s %d cards until they succeed (at most %s)\n", o.rate, o.duration, probeCards, o.recoverWait)
	rec, readyDuring := newRecorder(), newRecorder()
	profiled := profileDuring(ctx, o, h, o.duration)
	stopProgress := startProgress(ctx, progressEvery, rec, h, l.w.push)
	stopReady := pollReadyz(ctx, l.c, readyDuring)
	wait := openLoop(ctx, o.rate, o.duration, o.maxInFlight, rec, func() (string, func(context.Context) answer) {
		y := l.randomYoungPerson()
		return kindCard, func(ctx context.Context) answer { return l.sendCard(ctx, y) }
	})
	elapsed := time.Since(rec.start)
	stoppedAt := time.Now()
	stopReady()
	stopProgress()

	readyAfter, probes := newRecorder(), newRecorder()
	stopReady = pollReadyz(ctx, l.c, readyAfter)
	recovered := time.Duration(-1)
	for round := 1; ctx.Err() == nil && recovered < 0 && time.Duration(round)*5*time.Second <= o.recoverWait; round++ {
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(stoppedAt.Add(time.Duration(round) * 5 * time.Second))):
		}
		answers := make([]answer, probeCards)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() { answers[i] = l.sendCard(ctx, l.randomYoungPerson()) })
		}
		wg.Wait()
		var got []string
		all := true
		for _, a := range answers {
			probes.add(kindProbe, a)
			got = append(got, fmt.Sprint(a.status))
			all = all && a.ok()
		}
		fmt.Printf("  +%3.0fs after the overload: %d sends answered %s\n", time.Since(stoppedAt).Seconds(), probeCards, strings.Join(got, " "))
		if all {
			recovered = time.Since(stoppedAt)
		}
	}
	fmt.Println("Waiting for the overload's requests still running…")
	wait()
	profiled()
	// Keep asking /readyz for a little after recovery, to see it settle.
	time.Sleep(3 * time.Second)
	stopReady()

	fmt.Println()
	printRequests("Overload", rec.summaries(false), elapsed)
	printRequests("/readyz during the overload", readyDuring.summaries(false), elapsed)
	printRequests("After the overload: recovery probes and /readyz", append(probes.summaries(false), readyAfter.summaries(false)...), time.Since(stoppedAt))
	if recovered >= 0 {
		fmt.Printf("Recovery: card sends succeeded again %.0f s after the overload stopped, without a restart.\n", recovered.Seconds())
	} else {
		fmt.Printf("!! Recovery: card sends did not all succeed within %s of the overload stopping.\n", o.recoverWait)
	}
}
