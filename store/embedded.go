package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // the driver FerretDB itself uses, to add the _id index it lacks
)

// Embedded is the in-process MongoDB-compatible server (FerretDB on SQLite files)
// that lets Heard run with no external database.
type Embedded struct {
	uri    string
	dir    string
	cancel context.CancelFunc
	done   chan error
	// inFlight holds a place for each call the server is working on (see collection).
	inFlight chan struct{}
	// writesInFlight holds a place for each write among them.
	writesInFlight chan struct{}
	// locks back Store.guard for every store handle on this server.
	locks keyedLocks
	// cache keeps documents read often, for every store handle on this server (readcache.go).
	cache *readCache
	// mirrors hold small collections read whole, for every store handle on this server (mirror.go).
	mirrors mirrors
	// updates holds the changes to one document waiting for its guard (together.go).
	updates waitingUpdates
	// synchronous is SQLite's synchronous setting for every connection,
	// FerretDB's and the store's own (openSQLite).
	synchronous string
}

// EmbeddedOptions tune the embedded server.
type EmbeddedOptions struct {
	// FullSync makes SQLite wait for the disk at every commit (synchronous=FULL).
	// By default commits are durable when Heard's process stops in any way,
	// kill -9 included, and the disk is synced at each checkpoint of the
	// write-ahead log (synchronous=NORMAL): measured about 4 times the write
	// rate of FULL; the last moments of writes before a power cut or an
	// operating-system crash could be lost. Production areas use MongoDB.
	FullSync bool
}

// StartEmbedded starts FerretDB with its SQLite files under dir and returns once
// the MongoDB wire protocol is listening on a loopback port.
func StartEmbedded(dir string, logger *slog.Logger) (*Embedded, error) {
	return StartEmbeddedWith(dir, logger, EmbeddedOptions{})
}

// StartEmbeddedWith is StartEmbedded with options.
func StartEmbeddedWith(dir string, logger *slog.Logger, o EmbeddedOptions) (*Embedded, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	pinJournalPage() // embedded_journal.go
	synchronous := "normal"
	if o.FullSync {
		synchronous = "full"
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + synchronous + ")",
		Logger:    slog.New(unformattedAttrs{next: logger.Handler()}), // embedded_log.go
	})
	if err != nil {
		return nil, fmt.Errorf("configure embedded database: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{dir: abs, synchronous: synchronous, cancel: cancel, done: make(chan error, 1), inFlight: make(chan struct{}, EmbeddedInFlight), writesInFlight: make(chan struct{}, EmbeddedWritesInFlight), cache: newReadCache()}
	go func() { e.done <- f.Run(ctx) }()
	// MongoDBURI waits for the listener that Run opens.
	got := make(chan string, 1)
	go func() { got <- f.MongoDBURI() }()
	select {
	case e.uri = <-got:
		return e, nil
	case err := <-e.done:
		cancel()
		return nil, fmt.Errorf("embedded database stopped: %w", err)
	case <-time.After(30 * time.Second):
		cancel()
		return nil, errors.New("embedded database did not start in 30s")
	}
}

// URI is the mongodb:// address of the embedded server.
func (e *Embedded) URI() string { return e.uri }

// Stop cancels the server and waits for it to release its files.
func (e *Embedded) Stop() {
	e.cancel()
	<-e.done
}

// indexID gives one collection of the embedded server a working _id index.
//
// FerretDB 1.24 keeps each collection in a SQLite table of JSON documents. It
// indexes _id as `_ferretdb_sjson->"_id"` but looks documents up by
// `_ferretdb_sjson->'$._id'`; SQLite uses an expression index only for the very
// same expression, so every find, update and delete by _id read and parsed the
// whole table (measured on 20,000 documents: 2.2 ms a find, 41 ms an update;
// with this index 0.5 ms and 0.3 ms). This adds the index the lookups can use,
// once per collection, through the same SQLite driver.
func (e *Embedded) indexID(ctx context.Context, database, collection string) error {
	db, table, err := e.table(ctx, database, collection)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+"_heard_id", table))
	return err
}

// table opens, beneath FerretDB, the SQLite file of a database and finds the
// table of one of its collections (sql.ErrNoRows when there is none yet).
// The caller closes db.
func (e *Embedded) table(ctx context.Context, database, collection string) (db *sql.DB, table string, err error) {
	db, err = e.openSQLite(database)
	if err != nil {
		return nil, "", err
	}
	table, err = tableOf(ctx, db, collection)
	if err != nil {
		db.Close()
		return nil, "", fmt.Errorf("find table of %s: %w", collection, err)
	}
	return db, table, nil
}

// openSQLite opens connections of Heard's own to a database's SQLite file,
// set as FerretDB sets its own. SQLite's synchronous setting belongs to each
// connection: left at its default (FULL), every delete committed here waited
// for the disk while holding the write lock (measured under card sends: about
// 2 % of Heard's CPU in fsync, and every other write waiting behind it).
func (e *Embedded) openSQLite(database string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+filepath.Join(e.dir, database+".sqlite")+"?_pragma=busy_timeout(10000)&_pragma=synchronous("+e.synchronous+")")
}

// tableOf finds FerretDB's SQLite table of a collection (sql.ErrNoRows when
// there is none yet).
func tableOf(ctx context.Context, db *sql.DB, collection string) (table string, err error) {
	err = db.QueryRowContext(ctx, `SELECT table_name FROM _ferretdb_collections WHERE name = ?`, collection).Scan(&table)
	return table, err
}

// idIndexes remembers, per store, which collections have had their _id index
// made, so each is done once.
type idIndexes struct {
	mu   sync.Mutex
	done map[string]bool
}
