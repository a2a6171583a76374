package store

import "context"

// Faults lets tests fail a workflow right after any one of its writes, as a
// crash, a timeout or a dropped connection would: when set, it is called after
// every write that reached the database, with the operation and collection,
// and an error it returns is returned by the write as if the write had failed
// (though it took effect). Nil in production.
type Faults func(ctx context.Context, op, collection string) error

// fault passes a write's outcome through the store's Faults (see collection).
func (c collection) fault(ctx context.Context, op string, err error) error {
	if err != nil || c.s.Faults == nil {
		return err
	}
	return c.s.Faults(ctx, op, c.Name())
}

// Beneath lets tests see and stop the calls the store makes to SQLite beneath
// the embedded server (embedded_ids.go), which no database client carries:
// when set, each such call runs through it, described as a command would be
// ("find cards", "delete intents"). A test's killable instance (testkit)
// fails them once killed and counts the deletes among its writes. Nil in
// production.
type Beneath func(ctx context.Context, what string, call func() error) error

// beneath runs a call to SQLite through the store's Beneath, if any.
func (s *Store) beneath(ctx context.Context, what string, call func() error) error {
	if s.Beneath == nil {
		return call()
	}
	return s.Beneath(ctx, what, call)
}
