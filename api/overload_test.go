package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// overloadLogStatus finds the access-log line of a request and returns the status it records.
func overloadLogStatus(t *testing.T, log, requestID string) int {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("a log line is not JSON: %s", line)
		}
		if entry["msg"] == "request" && entry["requestId"] == requestID {
			status, _ := entry["status"].(float64)
			return int(status)
		}
	}
	t.Fatalf("no access-log line for request %q in:\n%s", requestID, log)
	return 0
}

func TestAccessLogRecordsTheStatusSent(t *testing.T) {
	sink := &hygieneLog{}
	w := newWorld(t, func(c *Config) { c.Log = hygieneLogger(sink); c.BodyLimit = 1024 })
	w.srv.App().Get("/hygiene/fail", func(*fiber.Ctx) error { return errors.New("something broke") })
	w.srv.App().Get("/hygiene/panic", func(*fiber.Ctx) error { panic("a bug") })
	w.srv.App().Get("/hygiene/slow-db", func(*fiber.Ctx) error { return fmt.Errorf("find area: %w", context.DeadlineExceeded) })
	token := "Bearer " + w.tokenFor(w.A.KW1)
	for _, tc := range []struct {
		method, path, auth string
		status             int
	}{
		{"GET", "/api/me", token, 200},
		{"GET", "/hygiene/fail", "", 500},
		{"GET", "/hygiene/panic", "", 500},
		{"GET", "/hygiene/slow-db", "", 503},
		{"GET", "/api/me", "", 401},
		{"GET", "/api/nothing-here", "", 404},
		{"GET", "/nothing-here", "", 404},
		{"DELETE", "/healthz", "", 405},
	} {
		status, h, _, raw := hygieneGet(t, w, tc.method, tc.path, map[string]string{"Authorization": tc.auth})
		if status != tc.status {
			t.Fatalf("%s %s: %d %s", tc.method, tc.path, status, raw)
		}
		if logged := overloadLogStatus(t, sink.String(), strings.Join(h["X-Request-Id"], "")); logged != status {
			t.Errorf("%s %s answered %d but the access log says %d", tc.method, tc.path, status, logged)
		}
	}
	// A body too large is refused before any middleware runs (app.Test cannot show it).
	base := foundListen(t, w)
	res, err := http.Post(base+"/api/auth/login", "application/json", bytes.NewReader(bytes.Repeat([]byte("x"), 4096)))
	must(t, err)
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	id := res.Header.Get("X-Request-Id")
	if res.StatusCode != 413 || !strings.Contains(string(raw), id) || id == "" {
		t.Fatalf("a body too large: %d %q %s", res.StatusCode, id, raw)
	}
	if logged := overloadLogStatus(t, sink.String(), id); logged != 413 {
		t.Errorf("a 413 is logged as %d", logged)
	}
}

// overloadBusy checks a 503 busy answer: the JSON error shape with retryAfter,
// and the same number in Retry-After.
func overloadBusy(t *testing.T, what string, status int, h http.Header, body map[string]any, raw []byte) {
	t.Helper()
	e, _ := body["error"].(map[string]any)
	if status != 503 || e["code"] != "busy" || e["message"] != "Heard is busy; please try again in a moment." ||
		e["retryAfter"] != float64(busyRetryAfter) || strings.Join(h["Retry-After"], "") != fmt.Sprint(busyRetryAfter) ||
		str(body, "requestId") == "" || str(body, "requestId") != strings.Join(h["X-Request-Id"], "") {
		t.Fatalf("%s: want 503 busy with Retry-After, got %d %v %s", what, status, h["Retry-After"], raw)
	}
}

func TestPastCapacityHeardSaysBusy(t *testing.T) {
	const wait = 300 * time.Millisecond
	w := newWorld(t, hygienePWA, func(c *Config) { c.MaxInFlight = 2; c.QueueWait = wait })
	auth := map[string]string{"Authorization": "Bearer " + w.tokenFor(w.A.KW1)}
	// Two requests are being worked on.
	w.srv.shed.slots <- struct{}{}
	w.srv.shed.slots <- struct{}{}

	start := time.Now()
	status, h, body, raw := hygieneGet(t, w, "GET", "/api/me", auth)
	overloadBusy(t, "a request past capacity", status, h, body, raw)
	if took := time.Since(start); took < wait || took > wait+time.Second {
		t.Errorf("answered busy after %v; want after waiting about %v", took, wait)
	}
	// Health and the app's files are never shed, so a busy Heard is not taken for a dead one.
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/": 200} {
		if status, _, _, raw := hygieneGet(t, w, "GET", path, nil); status != want {
			t.Errorf("GET %s while busy: %d %s", path, status, raw)
		}
	}

	// A place frees up while a request waits: it is served.
	done := make(chan int, 1)
	go func() {
		status, _, _, _ := hygieneGet(t, w, "GET", "/api/me", auth)
		done <- status
	}()
	time.Sleep(wait / 3)
	<-w.srv.shed.slots
	if status := <-done; status != 200 {
		t.Fatalf("a request that got a place while waiting: %d", status)
	}

	// The queue is short: past 4 waiting per place, the answer is at once.
	w.srv.shed.slots <- struct{}{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _, _, _ = hygieneGet(t, w, "GET", "/api/me", auth) })
	}
	for deadline := time.Now().Add(wait); w.srv.shed.waiting.Load() < 8 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := w.srv.shed.waiting.Load(); n != 8 {
		t.Fatalf("%d requests waiting, want 8", n)
	}
	start = time.Now()
	status, h, body, raw = hygieneGet(t, w, "GET", "/api/me", auth)
	overloadBusy(t, "a request past the queue", status, h, body, raw)
	if took := time.Since(start); took > wait/2 {
		t.Errorf("with the queue full, answered after %v; want at once", took)
	}
	wg.Wait()
	<-w.srv.shed.slots
	<-w.srv.shed.slots
	if status, _, _, raw := hygieneGet(t, w, "GET", "/api/me", auth); status != 200 {
		t.Fatalf("after the load: %d %s", status, raw)
	}
}

func TestDatabaseTimeoutsAreBusyNot500(t *testing.T) {
	w := newWorld(t)
	for name, err := range map[string]error{
		"deadline":             fmt.Errorf("insert card: %w", context.DeadlineExceeded),
		"server time limit":    mongo.CommandError{Code: 50, Name: "MaxTimeMSExpired", Message: "operation exceeded time limit"},
		"embedded sqlite busy": mongo.CommandError{Code: 1, Name: "InternalError", Message: "[collection.go:177] database is locked (5) (SQLITE_BUSY)"},
		"embedded interrupted": mongo.CommandError{Code: 1, Name: "InternalError", Message: "[db.go:133 fsql.(*DB).InTransaction] interrupted (9)"},
		"network":              mongo.CommandError{Code: 6, Name: "HostUnreachable", Labels: []string{"NetworkError"}},
	} {
		path := "/hygiene/" + strings.ReplaceAll(name, " ", "-")
		w.srv.App().Get(path, func(*fiber.Ctx) error { return err })
		status, h, body, raw := hygieneGet(t, w, "GET", path, nil)
		overloadBusy(t, name, status, h, body, raw)
	}
	// A real one: the database has gone away under a signed-in request.
	token := w.tokenFor(w.A.KW1)
	must(t, w.store.Close(context.Background()))
	req := httptest.NewRequest("GET", "/api/young-people/"+w.A.YP1.ID, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := w.srv.App().Test(req, -1)
	must(t, err)
	raw, _ := io.ReadAll(res.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	overloadBusy(t, "the database gone", res.StatusCode, res.Header, body, raw)
}
