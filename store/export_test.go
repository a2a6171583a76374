package store

import "context"

// Collection gives tests the store's own path to the database (see collection),
// for calls no store method makes in the shape a test needs.
func (s *Store) Collection(name string) collection { return s.c(name) }

// HoldAllCalls takes every place on the embedded server, as a burst of slow
// calls would, until release is called.
func (s *Store) HoldAllCalls() (release func()) { return holdAll(s.embedded.inFlight) }

// DeleteID is the delete by _id that job collections group (batch.go).
func (c collection) DeleteID(ctx context.Context, id string) error { return c.deleteID(ctx, id) }

// HoldWriteTurns takes every write turn on the embedded server, as writes in
// flight would, until release is called.
func (s *Store) HoldWriteTurns() (release func()) { return holdAll(s.embedded.writesInFlight) }

// holdAll takes every place of a bound until release is called.
func holdAll(places chan struct{}) (release func()) {
	for range cap(places) {
		places <- struct{}{}
	}
	return func() {
		for range cap(places) {
			<-places
		}
	}
}
