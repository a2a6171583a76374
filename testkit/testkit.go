// Package testkit starts the real embedded database once per test binary and
// gives each test its own fresh database on it, so tests use the real driver and
// wire protocol without sharing data.
package testkit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"heard"
	"heard/store"
)

var (
	once     sync.Once
	embedded *store.Embedded
	startErr error
	dataDir  string
	counter  atomic.Int64
)

// Main runs the tests and then stops the embedded database. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if embedded != nil {
		embedded.Stop()
		os.RemoveAll(dataDir)
	}
	os.Exit(code)
}

// URI returns the address of the shared embedded database (or MONGODB_URI when set,
// to run the same tests against a real MongoDB).
func URI(t testing.TB) string {
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		return uri
	}
	once.Do(func() {
		dataDir, startErr = os.MkdirTemp("", "heard-test-db-")
		if startErr == nil {
			embedded, startErr = store.StartEmbedded(dataDir, Quiet())
		}
	})
	if startErr != nil {
		t.Fatalf("start embedded database: %v", startErr)
	}
	return embedded.URI()
}

// Quiet is a logger that discards, for tests.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Clock is a clock tests move by hand.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC()} }

// Now tells the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Store opens a fresh, indexed database for one test and drops it afterwards.
func Store(t testing.TB, clock heard.Clock) *store.Store {
	t.Helper()
	if clock == nil {
		clock = heard.SystemClock{}
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), counter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var s *store.Store
	var err error
	if uri := URI(t); embedded != nil {
		s, err = store.OpenEmbedded(ctx, embedded, name, clock)
	} else {
		s, err = store.Open(ctx, uri, name, clock)
	}
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatalf("indexes: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.DB.Drop(ctx)
		_ = s.Close(ctx)
	})
	return s
}
