package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// alarm shows a count that should be zero, marked when it is not.
func alarm(n int) string {
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("!! %d", n)
}

// ms shows a latency briefly: milliseconds below 10 s, else seconds.
func ms(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func mb(kb int64) string { return fmt.Sprintf("%.0f MB", float64(kb)/1024) }

// statuses lists counts by HTTP status, in order ("none": no answer).
func statuses(byStatus map[int]int) string {
	var codes []int
	for code := range byStatus {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	var parts []string
	for _, code := range codes {
		name := fmt.Sprint(code)
		switch {
		case code == noAnswer:
			name = "none"
		case code >= 500:
			name = "!!" + name
		}
		parts = append(parts, fmt.Sprintf("%s:%d", name, byStatus[code]))
	}
	return strings.Join(parts, " ")
}

// printRequests prints the figures of every kind of request over elapsed.
func printRequests(title string, sums []summary, elapsed time.Duration) {
	total, ok := 0, 0
	for _, s := range sums {
		total += s.n
		ok += s.ok
	}
	secs := elapsed.Seconds()
	fmt.Printf("%s (%.1f s): %d requests, %.1f/s; answered 2xx %d, %.1f/s\n", title, secs, total, float64(total)/secs, ok, float64(ok)/secs)
	fmt.Printf("  %-11s %6s %7s %8s %8s %8s %8s  %s\n", "kind", "n", "/s", "p50", "p90", "p99", "max", "statuses")
	for _, s := range sums {
		fmt.Printf("  %-11s %6d %7.1f %8s %8s %8s %8s  %s\n", s.kind, s.n, float64(s.n)/secs, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), statuses(s.byStatus))
	}
	for _, s := range sums {
		if len(s.errorCodes) > 0 {
			var parts []string
			for code, n := range s.errorCodes {
				parts = append(parts, fmt.Sprintf("%s ×%d", code, n))
			}
			slices.Sort(parts)
			mark := "  "
			if s.fiveXX > 0 {
				mark = "!!"
			}
			fmt.Printf("  %s %s: 5xx or no answer: %s\n", mark, s.kind, strings.Join(parts, ", "))
		}
		if s.unavailable > 0 {
			fmt.Printf("     %s: 503 ×%d, with a Retry-After header %d, with retryAfter in the JSON error %d\n",
				s.kind, s.unavailable, s.retryAfterHeader, s.retryAfterJSON)
		}
		if s.dropped > 0 {
			fmt.Printf("     %s: %d due but not sent (the in-flight cap was reached)\n", s.kind, s.dropped)
		}
	}
}

// printPush prints what the loopback push service received.
func printPush(f pushFigures, cardsAccepted int) {
	fmt.Printf("Push: %d received, about %d cards (%d sends accepted); card send to first push p50 %s, p99 %s, max %s; duplicates by notification id %s",
		f.received, f.cardsPushed, cardsAccepted, ms(f.firstP50), ms(f.firstP99), ms(f.firstMax), alarm(f.duplicates))
	if f.notAboutOurCards > 0 {
		fmt.Printf("; %d about something else", f.notAboutOurCards)
	}
	fmt.Println()
	for i, c := range f.complaints {
		if i == 5 {
			fmt.Printf("  !! … %d more complaints\n", len(f.complaints)-5)
			break
		}
		fmt.Printf("  !! push service: %s\n", truncate(c, 200))
	}
}

// printHeard prints Heard's memory and what it logged.
func printHeard(h *heardProcess, heapStart int64) {
	first, last, peak := h.rss.get()
	fmt.Printf("Heard memory: RSS start %s, end %s, max %s", mb(first), mb(last), mb(peak))
	if heapEnd, err := h.heapInUse(); err == nil && heapStart > 0 {
		fmt.Printf("; Go heap in use start %s, end %s", mb(heapStart/1024), mb(heapEnd/1024))
	}
	fmt.Println()
	if !h.running() {
		fmt.Printf("!! Heard exited during the run: %v\n", h.exitErr)
	}
	total, top := h.logSummary(6)
	fmt.Printf("Heard's log (warnings and errors): %d lines\n", total)
	for _, line := range top {
		fmt.Println("  " + line)
	}
}

// startProgress prints a one-line progress every period until stopped.
func startProgress(ctx context.Context, period time.Duration, rec *recorder, h *heardProcess, push *pushReceiver) (stop func()) {
	return every(ctx, period, func(context.Context) { fmt.Println(progressLine(rec, h, push)) })
}

// progressLine: totals so far, and latencies since the previous line.
func progressLine(rec *recorder, h *heardProcess, push *pushReceiver) string {
	elapsed := time.Since(rec.start)
	var b strings.Builder
	total, fiveXX, dropped := 0, 0, 0
	var kinds []string
	for _, s := range rec.summaries(true) {
		total += s.n
		fiveXX += s.fiveXX
		dropped += s.dropped
		kinds = append(kinds, fmt.Sprintf("%s p50 %s p99 %s", s.kind, ms(s.p50), ms(s.p99)))
	}
	fmt.Fprintf(&b, "[%4.0fs] %d requests (%.1f/s), 5xx %s, dropped %d | %s", elapsed.Seconds(), total,
		float64(total)/elapsed.Seconds(), alarm(fiveXX), dropped, strings.Join(kinds, " | "))
	if push != nil {
		fmt.Fprintf(&b, " | pushes %d", push.figures().received)
	}
	if h != nil {
		_, last, _ := h.rss.get()
		fmt.Fprintf(&b, " | RSS %s", mb(last))
	}
	return b.String()
}
