package store

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// The store's own connections to SQLite (lookups and deletes by _id beneath
// FerretDB) commit as FerretDB's do: without waiting for the disk, unless the
// area asked for full sync.
func TestEmbeddedOwnConnectionsSyncAsFerretDBDoes(t *testing.T) {
	for _, tc := range []struct {
		full bool
		want int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{{false, 1}, {true, 2}} {
		e, err := StartEmbeddedWith(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), EmbeddedOptions{FullSync: tc.full})
		if err != nil {
			t.Fatal(err)
		}
		db, err := e.openSQLite("heard")
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := db.QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&got); err != nil {
			t.Fatal(err)
		}
		db.Close()
		e.Stop()
		if got != tc.want {
			t.Errorf("full sync %v: synchronous = %d, want %d", tc.full, got, tc.want)
		}
	}
}
