package store_test

import (
	"testing"
	"time"

	"heard/store"
)

// An idempotency key is claimed once: while its request runs, a retry is told
// to wait; a request that died holding it loses it when its lease runs out;
// a finished one answers every retry with its first answer for 24 hours; a
// refused one lets it go; another body with the key is told apart; the
// sweeper removes what has expired.
func TestIdempotencyKeyLifecycle(t *testing.T) {
	s, clock, ctx := storeNew(t)
	const area, lease = "area-1", time.Minute
	claim := func(id, fp string) (store.IdempotencyRecord, bool) {
		t.Helper()
		rec, ok, err := s.ClaimIdempotencyKey(ctx, area, id, fp, lease)
		storeCheck(t, err)
		return rec, ok
	}
	if _, ok := claim("k1", "body-a"); !ok {
		t.Fatal("a new key was not claimed")
	}
	if rec, ok := claim("k1", "body-a"); ok || rec.State != store.IdempotencyPending {
		t.Fatalf("a retry while the first runs: claimed %v, %+v", ok, rec)
	}
	clock.Advance(lease + time.Second)
	if rec, ok := claim("k1", "body-b"); ok || rec.Fingerprint != "body-a" {
		t.Fatalf("another body took over a key: claimed %v, %+v", ok, rec)
	}
	if _, ok := claim("k1", "body-a"); !ok {
		t.Fatal("the same request was not let through after the first died holding the key")
	}
	storeCheck(t, s.FinishIdempotencyKey(ctx, area, "k1", 201, "application/json", []byte(`{"id":"1"}`)))
	rec, ok := claim("k1", "body-a")
	if ok || rec.State != store.IdempotencyDone || rec.Status != 201 || string(rec.Body) != `{"id":"1"}` {
		t.Fatalf("after finishing: claimed %v, %+v", ok, rec)
	}
	clock.Advance(2 * lease)
	if _, ok := claim("k1", "body-a"); ok {
		t.Fatal("a finished key was claimed again within its 24 hours")
	}
	// Another area never sees it.
	if _, _, err := s.ClaimIdempotencyKey(ctx, "area-2", "k1", "body-a", lease); err == nil {
		t.Fatal("another area's request reached the key")
	}

	// Refused: the key goes, so a corrected request runs.
	claim("k2", "bad")
	storeCheck(t, s.ReleaseIdempotencyKey(ctx, area, "k2"))
	if _, ok := claim("k2", "good"); !ok {
		t.Fatal("a released key was not claimed again")
	}
	// A finished key is never released.
	storeCheck(t, s.FinishIdempotencyKey(ctx, area, "k2", 201, "application/json", []byte(`{}`)))
	storeCheck(t, s.ReleaseIdempotencyKey(ctx, area, "k2"))
	if _, ok := claim("k2", "good"); ok {
		t.Fatal("releasing a finished key let it run again")
	}

	clock.Advance(store.IdempotencyKeep + time.Hour)
	claim("k3", "fresh")
	storeCheck(t, s.Sweep(ctx))
	if _, ok := claim("k3", "fresh"); ok {
		t.Fatal("the sweeper removed a key still in use")
	}
	if _, ok := claim("k1", "anything"); !ok {
		t.Fatal("an expired key was not free again")
	}
}
