package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard/store"
	"heard/testkit"
)

// TestEmbeddedWritesTakeTurns: on the embedded server at most
// EmbeddedWritesInFlight writes are sent at once, reads pass writes that
// wait, and a write whose caller gives up while it waits changes nothing.
func TestEmbeddedWritesTakeTurns(t *testing.T) {
	st := testkit.Store(t, nil)
	if !st.Embedded() {
		t.Skip("the embedded server's bound on writes")
	}
	ctx := context.Background()
	col := st.Collection("write_turns")
	if _, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "seed"}}); err != nil {
		t.Fatal(err)
	}

	var now, most atomic.Int32
	hold := make(chan struct{})
	st.Faults = func(ctx context.Context, op, collection string) error {
		if collection != "write_turns" {
			return nil
		}
		n := now.Add(1)
		defer now.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-hold
		return nil
	}
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("w", i)}})
			errs <- err
		}()
	}
	// Wait until the writers' places are all taken.
	for deadline := time.Now().Add(10 * time.Second); now.Load() < store.EmbeddedWritesInFlight; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes reached the server", now.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}

	// A read does not wait behind the queued writes.
	read, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := col.FindOne(read, bson.D{{Key: "_id", Value: "seed"}}).Err(); err != nil {
		t.Fatalf("a read while writes wait: %v", err)
	}

	// A write that runs out of time waiting for its turn is never sent.
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	if _, err := col.InsertOne(short, bson.D{{Key: "_id", Value: "late"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write that could not get its turn: %v", err)
	}

	close(hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := most.Load(); got != store.EmbeddedWritesInFlight {
		t.Fatalf("%d writes were on the server at once, want %d", got, store.EmbeddedWritesInFlight)
	}
	st.Faults = nil
	n, err := col.CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if n != writers+1 {
		t.Fatalf("%d documents, want the seed and %d writes (and not the late one)", n, writers)
	}
}
