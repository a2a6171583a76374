package store

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The cache keeps a collection's documents within its byte budget: kept,
// replaced and dropped documents are counted by size, and a document that
// would take the collection past the budget starts it again empty.
func TestReadCacheStaysWithinItsBytes(t *testing.T) {
	c := newReadCache()
	big := make(bson.Raw, readCacheBytes/3)
	_, gen, _ := c.get("cards", "a")
	c.put("cards", "a", gen, big)
	c.put("cards", "b", gen, big)
	c.put("cards", "b", gen, big[:10]) // replaced by a smaller one
	if want := len(big) + 10; c.bytes["cards"] != want {
		t.Fatalf("after a replace: %d bytes counted, want %d", c.bytes["cards"], want)
	}
	c.drop("cards", "b")
	_, gen, _ = c.get("cards", "x")
	if c.bytes["cards"] != len(big) {
		t.Fatalf("after a drop: %d bytes counted, want %d", c.bytes["cards"], len(big))
	}
	c.put("cards", "c", gen, big)
	c.put("cards", "d", gen, big)
	c.put("cards", "e", gen, big) // past the budget: starts again
	if _, _, hit := c.get("cards", "a"); hit || len(c.docs["cards"]) != 1 || c.bytes["cards"] != len(big) {
		t.Fatalf("past the budget: %d documents, %d bytes, a kept %v", len(c.docs["cards"]), c.bytes["cards"], hit)
	}
	if _, _, hit := c.get("cards", "e"); !hit {
		t.Fatal("the document that went past the budget is not kept")
	}
}
