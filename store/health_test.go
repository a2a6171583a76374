package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"heard"
	"heard/store"
	"heard/testkit"
)

func TestBusyRecognisesDatabaseTimeouts(t *testing.T) {
	for _, tc := range []struct {
		err  error
		busy bool
	}{
		{fmt.Errorf("read area: %w", context.DeadlineExceeded), true},
		{context.Canceled, true},
		{mongo.ErrClientDisconnected, true},
		{mongo.CommandError{Code: 50, Name: "MaxTimeMSExpired"}, true},
		{mongo.CommandError{Code: 189, Name: "PrimarySteppedDown"}, true},
		{mongo.CommandError{Code: 6, Labels: []string{"NetworkError"}}, true},
		{mongo.CommandError{Code: 1, Name: "InternalError", Message: "[collection.go:177] database is locked (5) (SQLITE_BUSY)"}, true},
		{mongo.CommandError{Code: 1, Name: "InternalError", Message: "[db.go:133 fsql.(*DB).InTransaction] interrupted (9)"}, true},
		{nil, false},
		{mongo.ErrNoDocuments, false},
		{heard.ErrNotFound, false},
		{mongo.CommandError{Code: 2, Name: "BadValue", Message: "unknown operator"}, false},
		{errors.New("dial tcp 10.1.2.3:27017: connection refused"), false},
	} {
		if got := store.Busy(tc.err); got != tc.busy {
			t.Errorf("Busy(%v) = %v", tc.err, got)
		}
	}
}

// TestCanWriteAnswersInTimeAtMostOnceASecond: when the embedded server cannot
// take a call in time, CanWrite says so within its caller's deadline; its
// answer stands for a second; then it writes again.
func TestCanWriteAnswersInTimeAtMostOnceASecond(t *testing.T) {
	st := testkit.Store(t, nil)
	if !st.Embedded() {
		t.Skip("the embedded server's bound on calls")
	}
	ctx := context.Background()
	if err := st.CanWrite(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(store.WriteCheckEvery)
	release := st.HoldAllCalls()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := st.CanWrite(short)
	if !errors.Is(err, context.DeadlineExceeded) || !store.Busy(err) || time.Since(start) > time.Second {
		t.Fatalf("CanWrite with every place taken: %v after %v", err, time.Since(start))
	}
	release()
	if err := st.CanWrite(ctx); err == nil {
		t.Fatal("the answer of a second ago should stand")
	}
	time.Sleep(store.WriteCheckEvery)
	if err := st.CanWrite(ctx); err != nil {
		t.Fatalf("CanWrite once places are free: %v", err)
	}
	// A closed store cannot write, at once.
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.CanWrite(ctx); !store.Busy(err) {
		t.Fatalf("CanWrite on a closed store: %v", err)
	}
}
