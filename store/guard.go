package store

import (
	"hash/fnv"
	"sync"
)

// The guard. The embedded server carries out a conditional update (an update
// with a filter, findOneAndUpdate, $inc) as a read followed by a write, without
// a lock, so two at once can both "win" or lose an increment. It always runs
// inside this one process, so an in-process lock per document makes those
// operations exact there. On MongoDB the same operations are atomic in the
// server and the guard does nothing, so several Heard instances can share one
// database. Every conditional write in the store goes through guard; nothing
// else in Heard locks around the database.

// keyedLocks is a fixed set of mutexes chosen by hashing a key: two keys may
// share a lock (harmless), one key always gets the same one.
type keyedLocks [256]sync.Mutex

func (k *keyedLocks) lock(key string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(key))
	return &k[h.Sum32()%uint32(len(k))]
}

// guard serialises conditional writes to one document (collection and _id) on
// the embedded server and returns the function that ends the guard.
func (s *Store) guard(collection, id string) (unlock func()) {
	if s.embedded == nil {
		return func() {}
	}
	mu := s.locks.lock(collection + "\x00" + id)
	mu.Lock()
	return mu.Unlock
}
