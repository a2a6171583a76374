package api

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard/store"
)

// TestReadyzFailsWhileHeardCannotWrite: /readyz writes, at most once a second.
// Here the database refuses the write (a unique index the heartbeat breaks),
// though it still answers pings.
func TestReadyzFailsWhileHeardCannotWrite(t *testing.T) {
	w := newWorld(t)
	ready := func() (int, string) {
		status, _, body, _ := hygieneGet(t, w, "GET", "/readyz", nil)
		e, _ := body["error"].(map[string]any)
		code, _ := e["code"].(string)
		return status, code
	}
	if status, _ := ready(); status != 200 {
		t.Fatalf("readyz: %d", status)
	}
	ctx := context.Background()
	meta := w.store.DB.Collection("meta")
	_, err := meta.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetUnique(true)})
	must(t, err)
	w.clock.Advance(time.Minute)
	_, err = meta.InsertOne(ctx, bson.D{{Key: "_id", Value: "in the way"}, {Key: "at", Value: w.clock.Now().UTC().Truncate(time.Millisecond)}})
	must(t, err)
	must(t, w.store.Ping(ctx))

	// Within a second the last answer stands: probes do not write each time.
	if status, _ := ready(); status != 200 {
		t.Fatalf("readyz within a second of the last write: %d", status)
	}
	time.Sleep(store.WriteCheckEvery)
	if status, code := ready(); status != 503 || code != "not_ready" {
		t.Fatalf("readyz while the heartbeat cannot be written: %d %s", status, code)
	}
	// Alive all the same.
	if status, _, _, raw := hygieneGet(t, w, "GET", "/healthz", nil); status != 200 {
		t.Fatalf("healthz: %d %s", status, raw)
	}
	// Writes work again: ready again, without a restart.
	_, err = meta.DeleteOne(ctx, bson.D{{Key: "_id", Value: "in the way"}})
	must(t, err)
	time.Sleep(store.WriteCheckEvery)
	if status, _ := ready(); status != 200 {
		t.Fatalf("readyz once writes work again: %d", status)
	}
}
