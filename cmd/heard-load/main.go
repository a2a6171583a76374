// Command heard-load is Heard's load test. It builds Heard from this checkout,
// runs it on a loopback port with the embedded database and the demo area,
// seeds young people through the public API, drives one of three loads and
// prints what it measured:
//
//	mix       open loop at -rate requests a second: 40 % card sends, 40 % inbox
//	          reads, 20 % dashboard reads
//	capacity  closed loop of -workers card senders, against Heard and against a
//	          bare Fiber handler that inserts the same JSON into the same kind
//	          of embedded database, and the ratio of the two
//	overload  card sends far past capacity, then how long until sends succeed
//	          again without a restart
//
// It never leaves this machine: the target is always the Heard it started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// maxDuration bounds a run.
const maxDuration = 30 * time.Minute

type options struct {
	mode        string
	rate        float64
	duration    time.Duration
	young       int
	workers     int
	maxInFlight int
	urgentShare float64
	timeout     time.Duration
	host        string
	profileDir  string
	recoverWait time.Duration
}

// modeDefaults are the rate and duration of each mode when not given.
var modeDefaults = map[string]struct {
	rate     float64
	duration time.Duration
}{
	"mix":      {50, 10 * time.Minute},
	"capacity": {0, 30 * time.Second},
	"overload": {200, 30 * time.Second},
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("heard-load", flag.ContinueOnError)
	fs.StringVar(&o.mode, "mode", "mix", "mix, capacity or overload")
	fs.Float64Var(&o.rate, "rate", 0, "requests a second, open loop (mix: 50; overload: 200 card sends)")
	fs.DurationVar(&o.duration, "duration", 0, "how long to drive the load (mix: 10m; capacity: 30s per side; overload: 30s); at most 30m")
	fs.IntVar(&o.young, "young-people", 200, "young people to add and join")
	fs.IntVar(&o.workers, "workers", 16, "capacity: concurrent card senders")
	fs.IntVar(&o.maxInFlight, "max-in-flight", 1000, "open loop: requests running at once before new ones are dropped")
	fs.Float64Var(&o.urgentShare, "urgent", 0.05, "share of card sends that are urgent cards")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "client timeout of one request")
	fs.StringVar(&o.host, "host", "127.0.0.1", "loopback address Heard and the bare server listen on")
	fs.StringVar(&o.profileDir, "profile", "", "save a CPU profile (up to 30 s) and a heap profile of Heard during the run in this folder")
	fs.DurationVar(&o.recoverWait, "recover-wait", 3*time.Minute, "overload: how long to wait for card sends to succeed again")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	def, ok := modeDefaults[o.mode]
	if !ok {
		return o, fmt.Errorf("-mode %q: use mix, capacity or overload", o.mode)
	}
	if o.rate == 0 {
		o.rate = def.rate
	}
	if o.duration == 0 {
		o.duration = def.duration
	}
	ip := net.ParseIP(o.host)
	switch {
	case o.host != "localhost" && (ip == nil || !ip.IsLoopback()):
		return o, fmt.Errorf("-host %q is not a loopback address: the load test stays on this machine", o.host)
	case o.duration <= 0 || o.duration > maxDuration:
		return o, fmt.Errorf("-duration %s: give more than 0 and at most %s", o.duration, maxDuration)
	case o.mode != "capacity" && (o.rate <= 0 || o.rate > 5000):
		return o, fmt.Errorf("-rate %g: give more than 0 and at most 5000", o.rate)
	case o.young < 1 || o.young > 5000:
		return o, fmt.Errorf("-young-people %d: give 1 to 5000", o.young)
	case o.workers < 1 || o.workers > 1000:
		return o, fmt.Errorf("-workers %d: give 1 to 1000", o.workers)
	case o.maxInFlight < 1 || o.maxInFlight > 10000:
		return o, fmt.Errorf("-max-in-flight %d: give 1 to 10000", o.maxInFlight)
	case o.urgentShare < 0 || o.urgentShare > 1:
		return o, fmt.Errorf("-urgent %g: give a share from 0 to 1", o.urgentShare)
	case o.recoverWait <= 0 || o.recoverWait > maxDuration:
		return o, fmt.Errorf("-recover-wait %s: give more than 0 and at most %s", o.recoverWait, maxDuration)
	}
	return o, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "heard-load:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	fmt.Printf("heard-load: mode %s, %s, %d young people; %d CPUs, %s; load average %s\n",
		o.mode, o.describe(), o.young, runtime.NumCPU(), runtime.Version(), loadAverage())
	fmt.Println("Building and starting Heard (embedded database, demo area)…")
	h, err := startHeard(ctx, o.host)
	if err != nil {
		return err
	}
	defer h.stop()
	c := newClient(h.base, o.timeout, o.maxInFlight+64)
	fmt.Printf("Heard is up at %s (pid %d). Seeding through the API…\n", h.base, h.cmd.Process.Pid)
	started := time.Now()
	w, err := seed(ctx, c, o.young)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	defer w.push.close()
	fmt.Printf("Seeded in %.0f s: %d young people, %d key workers, push subscriptions for %d staff.\n",
		time.Since(started).Seconds(), len(w.young), len(w.keyWorkers), len(w.keyWorkers)+1)
	heapStart, _ := h.heapInUse()
	h.markRSSStart()
	l := &load{c: c, w: w, ledger: &ledger{}, urgentShare: o.urgentShare}
	switch o.mode {
	case "mix":
		runMix(ctx, o, l, h)
	case "capacity":
		if err := runCapacity(ctx, o, l, h); err != nil {
			return err
		}
	case "overload":
		runOverload(ctx, o, l, h)
	}
	fmt.Println()
	fmt.Printf("Waited %.0f s for pushes to arrive.\n", awaitPushes(ctx, l.ledger, w.push).Seconds())
	check := checkConsistency(ctx, c, w, l.ledger)
	printPush(w.push.figures(), check.accepted)
	check.print()
	printHeard(h, heapStart)
	fmt.Printf("Machine load average at the end: %s (other processes share the CPUs with Heard and the tool)\n", loadAverage())
	return nil
}

// loadAverage is the machine's 1, 5 and 15 minute load averages.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func (o options) describe() string {
	switch o.mode {
	case "capacity":
		return fmt.Sprintf("%d workers for %s on each side", o.workers, o.duration)
	default:
		return fmt.Sprintf("%g requests/s for %s", o.rate, o.duration)
	}
}
