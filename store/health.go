package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// WriteCheckEvery is how long one answer of CanWrite stands.
const WriteCheckEvery = time.Second

// writeCheck remembers CanWrite's last answer.
type writeCheck struct {
	mu     sync.Mutex
	at     time.Time // of the last write tried; zero before the first
	err    error
	closed atomic.Bool
}

// CanWrite reports whether the database takes a write now (a ping only shows
// that it answers): it writes one small document by _id, the same one from
// every instance. It writes at most once every WriteCheckEvery; callers in
// between share the last answer, so that readiness probes cannot themselves
// load the database. A closed store cannot write.
func (s *Store) CanWrite(ctx context.Context) error {
	if s.writes.closed.Load() {
		return mongo.ErrClientDisconnected
	}
	w := &s.writes
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.at.IsZero() && time.Since(w.at) < WriteCheckEvery {
		return w.err
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: s.now()}}}}
	w.err = upsertRetryingDuplicate(ctx, s.c(colMeta), bson.D{{Key: "_id", Value: "heartbeat"}}, update)
	w.at = time.Now()
	return w.err
}

// Busy reports whether err means the database could not do the work in time
// or could not be reached: a deadline that ran out (the caller's or the
// server's), a network error, a server stepping down or shutting down, or the
// embedded server's SQLite being locked or interrupted. Such a call may well
// work a moment later, so the caller should be told to try again, not that
// something is broken.
func Busy(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, mongo.ErrClientDisconnected) || mongo.IsTimeout(err) || mongo.IsNetworkError(err) {
		return true
	}
	var le mongo.LabeledError
	if errors.As(err, &le) && (le.HasErrorLabel("RetryableWriteError") || le.HasErrorLabel("TransientTransactionError")) {
		return true
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		for _, code := range transientCodes {
			if se.HasErrorCode(code) {
				return true
			}
		}
	}
	// FerretDB passes SQLite's own words on as an internal error.
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		strings.Contains(msg, "interrupted (9)")
}

// transientCodes are MongoDB's codes for "not now": time limits, a primary
// stepping down or an instance shutting down, an unreachable host.
var transientCodes = []int{
	6,     // HostUnreachable
	7,     // HostNotFound
	50,    // MaxTimeMSExpired
	89,    // NetworkTimeout
	91,    // ShutdownInProgress
	189,   // PrimarySteppedDown
	262,   // ExceededTimeLimit
	9001,  // SocketException
	10107, // NotWritablePrimary
	11600, // InterruptedAtShutdown
	11602, // InterruptedDueToReplStateChange
	13435, // NotPrimaryNoSecondaryOk
	13436, // NotPrimaryOrSecondary
}
