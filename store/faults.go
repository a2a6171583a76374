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
