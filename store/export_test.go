package store

// Collection gives tests the store's own path to the database (see collection),
// for calls no store method makes in the shape a test needs.
func (s *Store) Collection(name string) collection { return s.c(name) }
