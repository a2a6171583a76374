package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"heard"
)

// callKeyed sends a request with an Idempotency-Key, as call does.
func (w *world) callKeyed(method, path, token, key string, body any) response {
	w.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte: // a photo or a PDF, sent as it is
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		raw, err = json.Marshal(body)
		must(w.t, err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set(headerIdempotencyKey, key)
	}
	res, err := w.srv.App().Test(req, -1)
	must(w.t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	must(w.t, err)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: out}
	if len(out) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		must(w.t, json.Unmarshal(out, &r.Body))
	}
	return r
}

// TestEveryCreateRouteIsIdempotent sends each create route (a signed-in POST
// answering 201) twice with one Idempotency-Key, as a phone does after a
// timeout or a double tap: the second answer is the first one again, marked
// as replayed, and the database has not changed at all. The same key with
// another body is refused, and a new key creates again. A create route the
// access matrix cannot build a call for fails the test.
func TestEveryCreateRouteIsIdempotent(t *testing.T) {
	probe := newWorld(t)
	var keys []string
	for _, r := range probe.srv.routes {
		if creates(r.Method, r.Doc) {
			keys = append(keys, r.Method+" "+r.Path)
		}
	}
	if len(keys) < 10 {
		t.Fatalf("only %d create routes found: %v", len(keys), keys)
	}
	for _, key := range keys {
		e, ok := accessMatrix[key]
		if !ok || e.Request == nil {
			t.Errorf("%s: no access-matrix entry to build a call", key)
			continue
		}
		method := strings.Fields(key)[0]
		t.Run(strings.ReplaceAll(key, "/", "."), func(t *testing.T) {
			t.Parallel()
			w := matrixWorld(t)
			role := heard.RoleAdministrator
			if len(e.Roles) > 0 {
				role = e.Roles[0]
			}
			call := func(seq int) (string, any, string) {
				m := matrixCall{W: w, Role: role, Target: targetOwn, Seq: seq}
				path, body := e.Request(m)
				_, token := m.Caller()
				return path, body, token
			}
			path, body, token := call(1)
			idem := fmt.Sprintf("retry-%s", heard.NewID())
			first := w.callKeyed(method, path, token, idem, body)
			if first.Status != orDefault(e.OK) {
				t.Fatalf("first call: want %d, got %d %s", orDefault(e.OK), first.Status, first.Raw)
			}
			before := matrixSnapshot(t, w.store)
			again := w.callKeyed(method, path, token, idem, body)
			if again.Status != first.Status || !bytes.Equal(again.Raw, first.Raw) {
				t.Errorf("retry answered %d %s, want the first answer %d %s", again.Status, again.Raw, first.Status, first.Raw)
			}
			if again.Header.Get(headerReplayed) != "true" {
				t.Errorf("retry not marked %s", headerReplayed)
			}
			if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
				t.Errorf("the retry changed the database: %s", d)
			}
			// The same key for a different request is a mistake, said plainly.
			if _, other, _ := call(2); other != nil && !jsonEqual(other, body) {
				r := w.callKeyed(method, path, token, idem, other)
				w.expect(r, 422, "idempotency_key_reused")
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestIdempotencyKeysBelongToTheirSender: another person's request with the
// same key is theirs, never answered with the first person's answer; a bad
// key is a clear 400; a refused request lets its key go, so a corrected one
// with the same key runs.
func TestIdempotencyKeysBelongToTheirSender(t *testing.T) {
	w := newWorld(t)
	kw1, kw2 := w.tokenFor(w.A.KW1), w.tokenFor(w.A.KW2)
	add := func(token, name string) map[string]any { return map[string]any{"firstName": name, "language": "en"} }
	a := w.callKeyed("POST", "/api/young-people", kw1, "same-key", add(kw1, "Ada"))
	w.expect(a, 201, "")
	b := w.callKeyed("POST", "/api/young-people", kw2, "same-key", add(kw2, "Ada"))
	w.expect(b, 201, "")
	if b.Header.Get(headerReplayed) != "" || a.Body["id"] == b.Body["id"] {
		t.Fatalf("another key worker's request was answered with the first: %s", b.Raw)
	}
	r := w.callKeyed("POST", "/api/young-people", kw1, "bad key with spaces", add(kw1, "Bo"))
	w.expect(r, 400, "idempotency_key_format")
	r = w.callKeyed("POST", "/api/young-people", kw1, strings.Repeat("k", 256), add(kw1, "Bo"))
	w.expect(r, 400, "idempotency_key_format")
	bad := w.callKeyed("POST", "/api/young-people", kw1, "fix-me", map[string]any{"firstName": "", "language": "en"})
	w.expect(bad, 400, "validation_failed")
	good := w.callKeyed("POST", "/api/young-people", kw1, "fix-me", map[string]any{"firstName": "Cy", "language": "en"})
	w.expect(good, 201, "")
	if good.Header.Get(headerReplayed) != "" {
		t.Fatalf("a corrected request after a refusal was answered as a replay")
	}
}

// TestIdempotentRequestsAtOnce: the same request with the same key sent twice
// at the same moment (two taps, two retries) creates one thing: one answer is
// the creation, the other the first answer again or "still running".
func TestIdempotentRequestsAtOnce(t *testing.T) {
	w := newWorld(t)
	kw := w.tokenFor(w.A.KW1)
	body := map[string]any{"firstName": "Twin", "language": "en"}
	results := make(chan response, 2)
	for range 2 {
		go func() { results <- w.callKeyed("POST", "/api/young-people", kw, "both-at-once", body) }()
	}
	created := 0
	for range 2 {
		r := <-results
		switch {
		case r.Status == 201 && r.Header.Get(headerReplayed) == "":
			created++
		case r.Status == 201, r.Status == 409 && r.ErrorCode() == "idempotency_in_progress":
		default:
			t.Errorf("unexpected answer %d %s", r.Status, r.Raw)
		}
	}
	people, err := w.store.YoungPeopleInArea(context.Background(), w.A.Area.ID)
	must(t, err)
	twins := 0
	for _, y := range people {
		if y.FirstName == "Twin" {
			twins++
		}
	}
	if created != 1 || twins != 1 {
		t.Fatalf("%d answers said created, %d young people stored; want 1 and 1", created, twins)
	}
}

// TestACreateRunAgainAfterACrashMakesNothingNew: Heard dies after making what
// a keyed request asked for but before keeping its answer; once the key's
// lease has run out the phone's retry runs the request again, and finds what
// the first run made (its id comes from the key) instead of making a second.
func TestACreateRunAgainAfterACrashMakesNothingNew(t *testing.T) {
	w := newWorld(t)
	admin, kw := w.tokenFor(w.A.Admin), w.tokenFor(w.A.KW1)
	for _, c := range []struct {
		path, token string
		body        map[string]any
	}{
		{"/api/admin/teams", admin, map[string]any{"name": "Leaving care", "service": "social_care"}},
		{"/api/young-people", kw, map[string]any{"firstName": "Nia", "language": "en", "keyWorkerId": w.A.KW1.ID}},
	} {
		t.Run(c.path, func(t *testing.T) {
			key := "crash-" + heard.NewID()
			first := w.callKeyed("POST", c.path, c.token, key, c.body)
			w.expect(first, 201, "")
			// The first process died before FinishIdempotencyKey: its claim is
			// still pending, and its lease runs out.
			_, err := w.store.DB.Collection("idempotency_keys").UpdateMany(context.Background(), map[string]any{},
				map[string]any{"$set": map[string]any{"state": "pending", "body": nil, "status": 0}})
			must(t, err)
			w.clock.Advance(2 * idempotencyLease)
			before := matrixSnapshot(t, w.store)
			again := w.callKeyed("POST", c.path, c.token, key, c.body)
			w.expect(again, 201, "")
			if again.Body["id"] != first.Body["id"] || again.Header.Get(headerReplayed) != "" {
				t.Fatalf("the retry made %v, the first run %v", again.Body["id"], first.Body["id"])
			}
			if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" && !onlyIdempotency(d) {
				t.Errorf("the retry changed more than its key's record: %s", d)
			}
		})
	}
}

// onlyIdempotency reports whether a database difference is only in the kept answers.
func onlyIdempotency(diff string) bool {
	for _, line := range strings.Split(strings.TrimSpace(diff), "\n") {
		if !strings.Contains(line, "idempotency_keys") {
			return false
		}
	}
	return true
}
