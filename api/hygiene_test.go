package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// hygieneGet sends a request and returns the raw answer; unlike w.call it does
// not treat a 5xx as a failure, for the tests that expect one.
func hygieneGet(t *testing.T, w *world, method, path string, header map[string]string) (int, map[string][]string, map[string]any, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := w.srv.App().Test(req, -1)
	must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return res.StatusCode, res.Header, body, raw
}

func hygienePWA(c *Config) {
	c.PWA = fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Heard</title><script type=module src=/js/app.js></script>")}}
}

func TestSecurityHeadersOnEveryKindOfAnswer(t *testing.T) {
	w := newWorld(t, hygienePWA)
	auth := map[string]string{"Authorization": "Bearer " + w.tokenFor(w.A.KW1)}
	seen := map[string]bool{}
	for _, tc := range []struct {
		path   string
		header map[string]string
		status int
	}{
		{"/api/me", auth, 200},
		{"/api/me", nil, 401},
		{"/api/nothing-here", nil, 404},
		{"/healthz", nil, 200},
		{"/api/openapi.json", nil, 200},
		{"/", nil, 200},
	} {
		status, h, _, raw := hygieneGet(t, w, "GET", tc.path, tc.header)
		if status != tc.status {
			t.Fatalf("GET %s: %d %s", tc.path, status, raw)
		}
		get := func(k string) string { return strings.Join(h[k], ", ") }
		csp := map[string]string{}
		for _, d := range strings.Split(get("Content-Security-Policy"), ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			csp[name] = value
		}
		if csp["script-src"] != "'self'" || csp["default-src"] != "'self'" || csp["frame-ancestors"] != "'none'" ||
			csp["object-src"] != "'none'" || csp["base-uri"] != "'none'" || csp["style-src"] != "'self'" {
			t.Errorf("GET %s: CSP %q", tc.path, get("Content-Security-Policy"))
		}
		if strings.Contains(get("Content-Security-Policy"), "unsafe-") {
			t.Errorf("GET %s: CSP allows unsafe sources: %q", tc.path, get("Content-Security-Policy"))
		}
		if get("X-Content-Type-Options") != "nosniff" || get("Referrer-Policy") != "no-referrer" || get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: nosniff %q, referrer %q, frame %q", tc.path, get("X-Content-Type-Options"), get("Referrer-Policy"), get("X-Frame-Options"))
		}
		if !strings.Contains(get("Permissions-Policy"), "camera=()") || !strings.Contains(get("Permissions-Policy"), "geolocation=()") {
			t.Errorf("GET %s: Permissions-Policy %q", tc.path, get("Permissions-Policy"))
		}
		id := get("X-Request-Id")
		if !heard.ValidID(id) || seen[id] {
			t.Errorf("GET %s: request id %q should be a fresh UUID", tc.path, id)
		}
		seen[id] = true
		if get("Strict-Transport-Security") != "" {
			t.Errorf("GET %s: HSTS without TLS", tc.path)
		}
		if strings.HasPrefix(tc.path, "/api/") || tc.path == "/healthz" {
			if get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: Cache-Control %q, want no-store", tc.path, get("Cache-Control"))
			}
		}
		if status >= 400 {
			var body map[string]any
			_ = json.Unmarshal(raw, &body)
			if !strings.HasPrefix(get("Content-Type"), "application/json") || str(body, "requestId") != id {
				t.Errorf("GET %s: error not in the JSON shape with the request id: %s", tc.path, raw)
			}
		}
	}
}

func TestHSTSOnlyOverTLS(t *testing.T) {
	plain := newWorld(t)
	tls := newWorld(t, func(c *Config) { c.TLS = true })
	https := map[string]string{"X-Forwarded-Proto": "https"}
	_, h, _, _ := hygieneGet(t, plain, "GET", "/healthz", https)
	if v := strings.Join(h["Strict-Transport-Security"], ""); v != "" {
		t.Fatalf("HSTS sent by a server not set up for TLS: %q", v)
	}
	_, h, _, _ = hygieneGet(t, tls, "GET", "/healthz", https)
	if v := strings.Join(h["Strict-Transport-Security"], ""); v != "max-age=31536000; includeSubDomains" {
		t.Fatalf("HSTS over TLS: %q", v)
	}
	// Browsers ignore HSTS over plain HTTP; it is only sent on secure answers.
	_, h, _, _ = hygieneGet(t, tls, "GET", "/healthz", nil)
	if v := strings.Join(h["Strict-Transport-Security"], ""); v != "" {
		t.Fatalf("HSTS on a plain HTTP answer: %q", v)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	w := newWorld(t)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		status, h, body, raw := hygieneGet(t, w, "GET", path, nil)
		if status != 200 || body["status"] != want || strings.Join(h["Cache-Control"], "") != "no-store" {
			t.Fatalf("GET %s: %d %v %s", path, status, h["Cache-Control"], raw)
		}
	}
	// The database goes away: not ready, but still alive.
	must(t, w.store.Close(context.Background()))
	status, h, body, raw := hygieneGet(t, w, "GET", "/readyz", nil)
	e, _ := body["error"].(map[string]any)
	if status != 503 || e["code"] != "not_ready" || strings.Join(h["Cache-Control"], "") != "no-store" {
		t.Fatalf("readyz without a database: %d %s", status, raw)
	}
	if status, _, _, raw := hygieneGet(t, w, "GET", "/healthz", nil); status != 200 {
		t.Fatalf("healthz without a database: %d %s", status, raw)
	}
}

// hygieneLog is a log sink tests can read while the server writes.
type hygieneLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *hygieneLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *hygieneLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func hygieneLogger(sink io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug,
		// Leave out the time so that its digits cannot look like a PIN by chance.
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	sink := &hygieneLog{}
	w := newWorld(t, func(c *Config) { c.Log = hygieneLogger(sink) })
	w.srv.App().Get("/hygiene/fail", func(*fiber.Ctx) error {
		return errors.New("dial tcp 10.1.2.3:27017: connection refused (db secret detail)")
	})
	w.srv.App().Get("/hygiene/panic", func(*fiber.Ctx) error { panic("nil map in secret detail") })
	for _, path := range []string{"/hygiene/fail", "/hygiene/panic"} {
		status, _, body, raw := hygieneGet(t, w, "GET", path, nil)
		e, _ := body["error"].(map[string]any)
		if status != 500 || e["code"] != "internal" || strings.Contains(string(raw), "secret") || strings.Contains(string(raw), "10.1.2.3") {
			t.Fatalf("GET %s: %d %s", path, status, raw)
		}
		// The people running Heard can still find what happened, by request id.
		if id := str(body, "requestId"); !strings.Contains(sink.String(), id) || !strings.Contains(sink.String(), "secret detail") {
			t.Fatalf("the failure of %s is not in the log: %s", id, sink.String())
		}
	}
}

// TestLogsHoldNoSecrets runs sign-in, join, unlock, refresh, reuse and sign-out
// through a server whose log is kept, and looks for every secret in it.
func TestLogsHoldNoSecrets(t *testing.T) {
	sink := &hygieneLog{}
	w := newWorld(t, func(c *Config) { c.Log = hygieneLogger(sink) })
	const pin, wrongPIN, wrongPassword = "739152", "913264", "a wrong but secret password"
	var secrets []string
	keep := func(r response, fields ...string) {
		for _, f := range fields {
			if v := str(r.Body, f); v != "" {
				secrets = append(secrets, v)
			}
		}
	}
	login := w.foundLogin(w.A.KW1.Email, testPassword)
	w.expect(login, 200, "")
	keep(login, "accessToken", "refreshToken")
	w.expect(w.foundLogin(w.A.KW1.Email, wrongPassword), 401, "invalid_credentials")
	w.expect(w.foundLogin("nobody@a.test", wrongPassword), 401, "invalid_credentials")

	jc := w.call("POST", "/api/young-people/"+w.A.YP1.ID+"/join-codes", str(login.Body, "accessToken"), nil)
	w.expect(jc, 201, "")
	code := str(jc.Body, "code")
	secrets = append(secrets, code, strings.ReplaceAll(code, "-", ""))
	joined := w.foundJoin(code, pin)
	w.expect(joined, 201, "")
	keep(joined, "accessToken", "refreshToken", "deviceSecret")
	w.expect(w.foundJoin(code, pin), 400, "join_code_invalid")

	w.expect(w.foundUnlock(joined.Body, wrongPIN), 401, "pin_incorrect")
	unlocked := w.foundUnlock(joined.Body, pin)
	w.expect(unlocked, 200, "")
	keep(unlocked, "accessToken", "refreshToken")
	w.expect(w.call("PATCH", "/api/me", str(unlocked.Body, "accessToken"), map[string]string{"language": "ar"}), 200, "")

	next := w.foundRefresh(unlocked.Body["refreshToken"])
	w.expect(next, 200, "")
	keep(next, "accessToken", "refreshToken")
	w.expect(w.foundRefresh(unlocked.Body["refreshToken"]), 401, "session_expired") // reuse: logged as a warning
	w.expect(w.call("POST", "/api/auth/logout", "", map[string]any{"refreshToken": login.Body["refreshToken"]}), 204, "")
	w.expect(w.call("GET", "/api/me", str(login.Body, "accessToken"), nil), 401, "session_expired")
	secrets = append(secrets, testPassword, wrongPassword, pin, wrongPIN)

	log := sink.String()
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) < 12 || !strings.Contains(log, `"msg":"request"`) || !strings.Contains(log, "refresh token reused") {
		t.Fatalf("the log did not capture the requests (%d lines): %s", len(lines), log)
	}
	for _, line := range lines {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("a log line is not structured: %s", line)
		}
		if entry["msg"] == "request" && !heard.ValidID(str(entry, "requestId")) {
			t.Fatalf("a request line without its request id: %s", line)
		}
	}
	for _, s := range secrets {
		if len(s) < 4 {
			t.Fatalf("secret %q too short to look for", s)
		}
		if strings.Contains(log, s) {
			t.Errorf("the log holds a secret (%.12s…)", s)
		}
	}
	// Nor does it hold a young person's name.
	if strings.Contains(log, w.A.YP1.FirstName) {
		t.Error("the log names a young person")
	}
}
