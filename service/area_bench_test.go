package service_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"heard"
	"heard/notify"
	"heard/service"
	"heard/store"
	"heard/testkit"
)

// BenchmarkArea times what people do most in one realistic area on the
// embedded database: a key worker's inbox, a duty worker's inbox, a card sent,
// a card acknowledged and the commissioners' dashboard, through the real
// service (with Heard's notifier and escalator) on a year of data: 2,000 young
// people, 300 staff, 200,000 cards and 50,000 feedback answers by default
// (HEARD_BENCH_YOUNG_PEOPLE, HEARD_BENCH_STAFF, HEARD_BENCH_CARDS and
// HEARD_BENCH_ANSWERS change them). It prints the seeding time, p50/p90/p99 per
// operation, the database size and memory. Set HEARD_BENCH_PROFILE to a folder
// to get a CPU profile of each operation alone (go test's -cpuprofile would
// include the seeding). It runs only with -bench:
//
//	go test -run '^$' -bench Area -benchtime 200x -timeout 2h ./service/
func BenchmarkArea(b *testing.B) {
	ctx := context.Background()
	size := areaSizeFromEnv()
	clock := newBenchClock(benchNow)
	st := testkit.Store(b, clock)
	svc := newBenchService(b, st, clock)
	a := newBenchArea(size, clock)
	fmt.Printf("area: %d young people, %d staff (%d key workers, %d duty workers), %d cards, %d feedback answers\n",
		size.YoungPeople, size.Staff, len(a.keyWorkers), len(a.dutyWorkers), size.Cards, size.Answers)
	if err := seedArea(ctx, st, a); err != nil {
		b.Fatal(err)
	}
	reportStorage(ctx, st, "after seeding")

	ops := []benchOp{
		{name: "inbox", run: a.readKeyWorkerInbox(svc)},
		{name: "duty_inbox", run: a.readDutyInbox(svc)},
		{name: "card_send", run: a.sendCard(svc)},
		{name: "acknowledgement", run: a.acknowledgeCard(svc)},
		{name: "dashboard", run: a.readDashboard(st)},
	}
	for i := range ops {
		op := &ops[i]
		b.Run(op.name, func(b *testing.B) { op.measure(ctx, b) })
	}
	fmt.Printf("\n%-16s %6s %9s %9s %9s %9s %9s %8s\n", "operation", "n", "p50", "p90", "p99", "max", "cpu/op", "items")
	for _, op := range ops {
		fmt.Println(op.summary())
	}
	reportStorage(ctx, st, "at end")
}

// benchNow is a Tuesday late morning: key workers are at work.
var benchNow = time.Date(2026, 11, 3, 11, 0, 0, 0, time.UTC)

// seedArea stores the area and its year of history, timing each part.
func seedArea(ctx context.Context, st *store.Store, a *benchArea) error {
	sd := st.NewSeeder(a.area.TimeZone)
	start := time.Now()
	steps := []struct {
		name string
		do   func() error
	}{
		{"people and duty rota (store methods)", func() error { return a.storePeople(ctx, st) }},
		{"key-worker histories (bulk, then Assign)", func() error { return a.storeKeyWorkers(ctx, st, sd) }},
		{"cards, lists, alerts, audit (bulk)", func() error { return a.storeCards(ctx, sd) }},
		{"feedback (bulk)", func() error { return a.storeFeedback(ctx, sd) }},
		{"KPI months, day counters, escalatable list (bulk)", func() error { return sd.Finish(ctx) }},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.do(); err != nil {
			return fmt.Errorf("seed %s: %w", s.name, err)
		}
		fmt.Printf("seeded %-50s in %v\n", s.name, time.Since(t).Round(time.Millisecond))
	}
	fmt.Printf("seeded in %v; %d cards waiting for an answer\n", time.Since(start).Round(time.Second), len(a.waiting))
	return nil
}

// newBenchService is the service as cmd/heard wires it, with the real notifier
// and escalator; its dispatcher is not run (no push is sent).
func newBenchService(b *testing.B, st *store.Store, clock heard.Clock) *service.Service {
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		b.Fatal(err)
	}
	n, err := notify.New(notify.Config{Store: st, Log: testkit.Quiet(), Clock: clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
		Subject: "bench@heard.test", Instance: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return service.New(service.Config{Store: st, Notifier: n, Escalator: n, Clock: clock, Log: testkit.Quiet(), Instance: "bench"})
}

// benchOp is one operation timed one call at a time. run returns how many
// items the call gave back (cards in an inbox, tiles of a dashboard).
type benchOp struct {
	name    string
	run     func(ctx context.Context, i int) (int, error)
	samples []time.Duration
	items   int
	// cpu is the CPU time this process (Heard and its embedded database) spent
	// on the operation: on a shared machine it says more than wall time alone.
	cpu time.Duration
}

func (op *benchOp) measure(ctx context.Context, b *testing.B) {
	if dir := os.Getenv("HEARD_BENCH_PROFILE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, op.name+".cpu.pprof"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	cpuStart := processCPU()
	defer func() { op.cpu += processCPU() - cpuStart }()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		n, err := op.run(ctx, i)
		op.samples = append(op.samples, time.Since(start))
		if err != nil {
			b.Fatalf("%s: %v", op.name, err)
		}
		op.items += n
	}
	p := percentiles(op.samples, 0.5, 0.99)
	b.ReportMetric(ms(p[0]), "p50-ms")
	b.ReportMetric(ms(p[1]), "p99-ms")
}

func (op *benchOp) summary() string {
	n := len(op.samples)
	if n == 0 {
		return fmt.Sprintf("%-16s %6d", op.name, 0)
	}
	p := percentiles(op.samples, 0.5, 0.9, 0.99, 1)
	return fmt.Sprintf("%-16s %6d %9s %9s %9s %9s %9s %8d", op.name, n, fmtMS(p[0]), fmtMS(p[1]), fmtMS(p[2]), fmtMS(p[3]),
		fmtMS(op.cpu/time.Duration(n)), op.items/n)
}

// percentiles by nearest rank.
func percentiles(samples []time.Duration, qs ...float64) []time.Duration {
	s := slices.Clone(samples)
	slices.Sort(s)
	out := make([]time.Duration, len(qs))
	for i, q := range qs {
		rank := int(q*float64(len(s))+0.999999) - 1
		out[i] = s[min(max(rank, 0), len(s)-1)]
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fmtMS(d time.Duration) string { return fmt.Sprintf("%.1fms", ms(d)) }

// readKeyWorkerInbox reads each key worker's inbox in turn.
func (a *benchArea) readKeyWorkerInbox(svc *service.Service) func(context.Context, int) (int, error) {
	return func(ctx context.Context, i int) (int, error) {
		v, err := svc.CardInbox(ctx, a.principal(a.keyWorkers[i%len(a.keyWorkers)]), 0)
		return len(v.Items), err
	}
}

// readDutyInbox reads each duty worker's inbox in turn: the cards escalated to
// them in the last week.
func (a *benchArea) readDutyInbox(svc *service.Service) func(context.Context, int) (int, error) {
	return func(ctx context.Context, i int) (int, error) {
		v, err := svc.CardInbox(ctx, a.principal(a.dutyWorkers[i%len(a.dutyWorkers)]), 0)
		return len(v.Items), err
	}
}

// sendCard sends a card from a young person, chosen like the year's cards.
func (a *benchArea) sendCard(svc *service.Service) func(context.Context, int) (int, error) {
	return func(ctx context.Context, _ int) (int, error) {
		y := a.youngPeople[a.r.IntN(len(a.youngPeople))]
		id, amount, help := a.pickCard()
		sent := a.clock.Now()
		v, _, err := svc.SendCard(ctx, heard.Principal{ID: y.ID, AreaID: a.area.ID, Role: heard.RoleYoungPerson, Name: y.FirstName},
			heard.NewCard{ID: heard.NewID(), CardID: id, Amount: amount, Help: help, SentAt: &sent})
		if err == nil {
			a.waiting = append(a.waiting, sentCard{id: v.ID, youngPersonID: y.ID})
		}
		return 1, err
	}
}

// acknowledgeCard has the key worker acknowledge the newest card waiting for
// an answer. When none is left, a card is sent first (not part of the time).
func (a *benchArea) acknowledgeCard(svc *service.Service) func(context.Context, int) (int, error) {
	send := a.sendCard(svc)
	return func(ctx context.Context, i int) (int, error) {
		if len(a.waiting) == 0 {
			if _, err := send(ctx, i); err != nil {
				return 0, err
			}
		}
		c := a.waiting[len(a.waiting)-1]
		a.waiting = a.waiting[:len(a.waiting)-1]
		h := a.history[c.youngPersonID]
		kw := a.staff[h[len(h)-1].StaffID]
		_, err := svc.AcknowledgeCard(ctx, a.principal(kw), c.id, heard.CardAck{QuickReply: "here_for_you"})
		return 1, err
	}
}

// readDashboard builds the commissioners' 12-month dashboard as GET /api/kpis
// does (api/kpis.go dashboard): the area, its month documents, the key-worker
// histories, and the figures with disclosure control.
func (a *benchArea) readDashboard(st *store.Store) func(context.Context, int) (int, error) {
	return func(ctx context.Context, _ int) (int, error) {
		area, err := st.Area(ctx, a.area.ID)
		if err != nil {
			return 0, err
		}
		now := st.Clock.Now()
		to, _ := heard.ParseMonth(heard.KPIDay(area.TimeZone, now)[:7])
		months, err := heard.MonthsBetween(to.AddDate(0, -11, 0).Format("2006-01"), to.Format("2006-01"))
		if err != nil {
			return 0, err
		}
		buckets, err := st.KPIBuckets(ctx, area.ID, months)
		if err != nil {
			return 0, err
		}
		people, err := st.KeyWorkerHistories(ctx, area.ID, now)
		if err != nil {
			return 0, err
		}
		d := heard.BuildDashboard(heard.KPIFilter{}, months, buckets, people, heard.CardLocation(area.TimeZone), now)
		return len(d.Tiles), nil
	}
}

func (a *benchArea) principal(s heard.Staff) heard.Principal {
	return heard.Principal{ID: s.ID, AreaID: s.AreaID, Role: s.Role, Name: s.Name, TeamID: s.TeamID}
}

// reportStorage prints the database's size and this process's memory (the
// embedded database runs inside it).
func reportStorage(ctx context.Context, st *store.Store, when string) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	size, err := st.DatabaseSize(ctx)
	db := fmt.Sprintf("%.0f MB", float64(size)/1e6)
	if err != nil {
		db = "unknown (" + err.Error() + ")"
	}
	fmt.Printf("%s: database %s; Go heap in use %.0f MB (from the OS %.0f MB); RSS %s, peak RSS %s; load average %s\n", when, db,
		float64(m.HeapInuse)/1e6, float64(m.Sys)/1e6, procStatus("VmRSS"), procStatus("VmHWM"), loadAverage())
}

// procStatus reads a memory figure of this process from /proc (Linux only).
func procStatus(field string) string {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSpace(v), &kb); err == nil {
				return fmt.Sprintf("%.0f MB", float64(kb)/1e3)
			}
		}
	}
	return "unknown"
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the machine's 1-minute load average: other processes share the CPUs.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(raw))[0]
}

// benchClock runs in real time from a chosen moment, and can be set (the seed
// sets it to when each current key worker was assigned).
type benchClock struct {
	mu   sync.Mutex
	base time.Time
	at   time.Time
}

func newBenchClock(t time.Time) *benchClock { return &benchClock{base: t, at: time.Now()} }

func (c *benchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.at)).UTC()
}

func (c *benchClock) Set(t time.Time) {
	c.mu.Lock()
	c.base, c.at = t, time.Now()
	c.mu.Unlock()
}
