package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Whether an _id is stored, asked of SQLite beneath the embedded server.
//
// A card being sent is first looked for by its id, in case the phone is
// retrying one already stored; nearly always it is new and the find comes
// back empty. The embedded server's find costs the same empty or not: the
// command decoded, the collection's metadata looked up, an SQL statement
// prepared and run, the answer encoded (about a tenth of Heard's processor
// time per card, one young person sending back to back). The same question put
// to SQLite directly is one lookup in the _id index (Embedded.indexID), with a
// statement prepared once. A write FerretDB has answered is committed, and
// every new read of the write-ahead log sees it, so the answer is as fresh as
// the server's own find.

// idLookups holds a store's own connections to its database file and, per
// collection, the prepared lookup. They are closed with the store.
type idLookups struct {
	mu    sync.Mutex
	db    *sql.DB
	stmts map[string]*sql.Stmt // by collection
}

// hasID reports whether the collection holds a document with this string _id.
// A collection not made yet holds none.
func (s *Store) hasID(ctx context.Context, collection, id string) (bool, error) {
	stmt, err := s.idLookup(ctx, collection)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// FerretDB keeps a string _id as its JSON text; the index is on that text.
	key, err := json.Marshal(id)
	if err != nil {
		return false, err
	}
	var one int
	switch err := stmt.QueryRowContext(ctx, string(key)).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up %s in %s: %w", id, collection, err)
	}
	return true, nil
}

// idLookup prepares, once per collection, the statement hasID runs.
func (s *Store) idLookup(ctx context.Context, collection string) (*sql.Stmt, error) {
	l := &s.lookups
	l.mu.Lock()
	defer l.mu.Unlock()
	if stmt := l.stmts[collection]; stmt != nil {
		return stmt, nil
	}
	if l.db == nil {
		db, err := s.embedded.openSQLite(s.DB.Name())
		if err != nil {
			return nil, err
		}
		l.db, l.stmts = db, map[string]*sql.Stmt{}
	}
	table, err := tableOf(ctx, l.db, collection)
	if err != nil {
		return nil, err // sql.ErrNoRows: no such collection yet, asked again next time
	}
	// The very expression of the _id index, so SQLite uses it.
	stmt, err := l.db.PrepareContext(ctx, fmt.Sprintf(`SELECT 1 FROM %q WHERE _ferretdb_sjson->'$._id' = ? LIMIT 1`, table))
	if err != nil {
		return nil, err
	}
	l.stmts[collection] = stmt
	return stmt, nil
}

// close releases the lookups' statements and connections.
func (l *idLookups) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, stmt := range l.stmts {
		stmt.Close()
	}
	if l.db != nil {
		l.db.Close()
	}
	l.db, l.stmts = nil, nil
}
