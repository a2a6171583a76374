package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// idLookups holds a store's own connections to its database file, the
// SQLite table of each collection and its prepared lookup. They are closed
// with the store.
type idLookups struct {
	mu     sync.Mutex
	db     *sql.DB
	tables map[string]string    // by collection
	stmts  map[string]*sql.Stmt // by collection
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
	var one int
	err = s.beneath(ctx, "find "+collection, func() error { return stmt.QueryRowContext(ctx, idKey(id)).Scan(&one) })
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up %s in %s: %w", id, collection, err)
	}
	return true, nil
}

// idKey is a string _id as FerretDB keeps it, its JSON text, on which the
// index is.
func idKey(id string) string {
	key, _ := json.Marshal(id) // a string always marshals
	return string(key)
}

// idLookup prepares, once per collection, the statement hasID runs.
func (s *Store) idLookup(ctx context.Context, collection string) (*sql.Stmt, error) {
	l := &s.lookups
	l.mu.Lock()
	defer l.mu.Unlock()
	if stmt := l.stmts[collection]; stmt != nil {
		return stmt, nil
	}
	table, err := s.sqliteTable(ctx, collection)
	if err != nil {
		return nil, err
	}
	// The very expression of the _id index, so SQLite uses it.
	stmt, err := l.db.PrepareContext(ctx, fmt.Sprintf(`SELECT 1 FROM %q WHERE _ferretdb_sjson->'$._id' = ? LIMIT 1`, table))
	if err != nil {
		return nil, err
	}
	l.stmts[collection] = stmt
	return stmt, nil
}

// sqliteTable opens the store's connections once and finds a collection's
// table (sql.ErrNoRows while there is none yet, asked again next time). The
// caller holds l.mu.
func (s *Store) sqliteTable(ctx context.Context, collection string) (string, error) {
	l := &s.lookups
	if table, ok := l.tables[collection]; ok {
		return table, nil
	}
	if l.db == nil {
		db, err := s.embedded.openSQLite(s.DB.Name())
		if err != nil {
			return "", err
		}
		l.db, l.tables, l.stmts = db, map[string]string{}, map[string]*sql.Stmt{}
	}
	table, err := tableOf(ctx, l.db, collection)
	if err != nil {
		return "", err
	}
	l.tables[collection] = table
	return table, nil
}

// deleteKeys deletes the documents with these string _ids in one SQLite
// statement beneath the embedded server, which finds each by the _id index
// and commits them together. Through FerretDB, a filter on several _ids
// reads and tests every document of the collection, and a delete statement
// per _id commits each on its own: deleting the intent and the delivered
// push of every card sent, and the counted events of every fold, was about
// a tenth of Heard's CPU per card. FerretDB keeps no copy of documents, so what is
// deleted here is gone for it too. The caller holds a write turn.
func (s *Store) deleteKeys(ctx context.Context, collection string, ids []string) error {
	l := &s.lookups
	l.mu.Lock()
	table, err := s.sqliteTable(ctx, collection)
	db := l.db
	l.mu.Unlock()
	if errors.Is(err, sql.ErrNoRows) {
		return nil // no collection, nothing to delete
	}
	if err != nil {
		return err
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = idKey(id)
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	err = s.beneath(ctx, "delete "+collection, func() error {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %q WHERE _ferretdb_sjson->'$._id' IN (%s)`, table, marks), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete from %s: %w", collection, err)
	}
	return nil
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
	l.db, l.tables, l.stmts = nil, nil, nil
}
