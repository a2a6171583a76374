package store

import (
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The read cache. Every request reads the same few slow-changing documents by
// _id — the caller's phone and account, their area, their key worker, the
// push subscriptions of whoever is told — and on the embedded server each
// such read costs about as much CPU as a write (wire protocol, SQLite, JSON):
// a third of a card send's database calls. The embedded server runs inside
// this one process and every write to it passes through collection, so a
// cache of those documents, emptied by each write to them, answers exactly
// what the database would. On MongoDB (several instances, writes Heard does
// not see) there is no cache.
//
// Exactness under concurrency: a read remembers the collection's generation
// before it asks the database and keeps what it got only if no write to the
// collection began or ended meanwhile; a write moves the generation on and
// drops what it may change both before and after it runs. "Not found" is never
// kept, so an insert has nothing to drop.

// cachedCollections are the collections whose documents are read by _id on
// most requests and written rarely, and those an inbox reads by _id many at a
// time (a list of cards per young person of the caseload, then the cards on
// its page): without them a key worker's inbox made over a hundred database
// calls and was the heaviest request of the mixed load.
var cachedCollections = map[string]bool{
	colAreas: true, colStaff: true, colYoungPeople: true, colDevices: true, colPlacements: true,
	colPushSubscriptions: true, colPushSubscriptionLists: true, colRefreshTokens: true,
	colCardLists: true, colCards: true, colCaseloads: true, colKPIMonths: true,
}

// readCacheLimit and readCacheBytes bound the documents kept per collection;
// past either the collection's cache starts again empty. (A young person's
// list of cards holds up to a few hundred entries, so documents are counted
// by size as well as by number.)
const (
	readCacheLimit = 5000
	readCacheBytes = 16 << 20
)

type readCache struct {
	mu    sync.Mutex
	gens  map[string]uint64
	docs  map[string]map[string]bson.Raw
	bytes map[string]int
}

func newReadCache() *readCache {
	return &readCache{gens: map[string]uint64{}, docs: map[string]map[string]bson.Raw{}, bytes: map[string]int{}}
}

// get returns a kept document, or the generation to give put after reading it.
func (c *readCache) get(col, id string) (doc bson.Raw, gen uint64, hit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	doc, hit = c.docs[col][id]
	return doc, c.gens[col], hit
}

// generation is the collection's generation now, to give put.
func (c *readCache) generation(col string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gens[col]
}

// put keeps a document read at generation gen, unless a write came between.
func (c *readCache) put(col, id string, gen uint64, doc bson.Raw) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gens[col] != gen {
		return
	}
	docs := c.docs[col]
	if docs == nil || len(docs) >= readCacheLimit || c.bytes[col]+len(doc) > readCacheBytes {
		docs = map[string]bson.Raw{}
		c.docs[col] = docs
		c.bytes[col] = 0
	}
	c.bytes[col] += len(doc) - len(docs[id])
	docs[id] = doc
}

// drop moves the collection's generation on and forgets the document id, or
// every document of the collection when id is "".
func (c *readCache) drop(col, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[col]++
	if id == "" {
		delete(c.docs, col)
		c.bytes[col] = 0
		return
	}
	c.bytes[col] -= len(c.docs[col][id])
	delete(c.docs[col], id)
}

// onlyID is the _id a filter names as a plain string and nothing else: the
// only reads the cache answers.
func onlyID(filter any) (string, bool) {
	d, ok := filter.(bson.D)
	if !ok || len(d) != 1 || d[0].Key != "_id" {
		return "", false
	}
	id, ok := d[0].Value.(string)
	return id, ok
}

// writtenID is the one document a write's filter can change ("" when it may
// change any): the filter names its _id as a plain string.
func writtenID(filter any) string {
	d, ok := filter.(bson.D)
	if !ok {
		return ""
	}
	for _, e := range d {
		if e.Key == "_id" {
			id, _ := e.Value.(string)
			return id
		}
	}
	return ""
}
