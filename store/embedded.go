package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is the in-process MongoDB-compatible server (FerretDB on SQLite files)
// that lets Heard run with no external database.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan error
}

// StartEmbedded starts FerretDB with its SQLite files under dir and returns once
// the MongoDB wire protocol is listening on a loopback port.
func StartEmbedded(dir string, logger *slog.Logger) (*Embedded, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("configure embedded database: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{cancel: cancel, done: make(chan error, 1)}
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
