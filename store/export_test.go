package store

// Collection gives tests the store's own path to the database (see collection),
// for calls no store method makes in the shape a test needs.
func (s *Store) Collection(name string) collection { return s.c(name) }

// HoldAllCalls takes every place on the embedded server, as a burst of slow
// calls would, until release is called.
func (s *Store) HoldAllCalls() (release func()) {
	for range cap(s.embedded.inFlight) {
		s.embedded.inFlight <- struct{}{}
	}
	return func() {
		for range cap(s.embedded.inFlight) {
			<-s.embedded.inFlight
		}
	}
}
