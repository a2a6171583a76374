package api

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange sends bytes as they are on a new connection to addr and reads one answer.
func rawExchange(t *testing.T, addr, request string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	must(t, err)
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("send %q: %v", request[:min(len(request), 40)], err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the answer to %q: %v", request[:min(len(request), 40)], err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, raw
}

// Requests refused before any route — too large, headers too large, a method
// nobody knows, control bytes in the address, a request line that is not
// one — are answered like every other error: JSON, security headers, a request id.
func TestEveryRefusalIsJSONWithHeadersAndARequestID(t *testing.T) {
	w := newWorld(t, hygienePWA, func(c *Config) { c.BodyLimit = 4 << 10 })
	addr := strings.TrimPrefix(foundListen(t, w), "http://")
	huge := strings.Repeat("x", 8<<10)
	for _, tc := range []struct {
		name, request string
		status        int
		code          string
	}{
		{"a body too large", "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
			itoa(len(huge)+2) + "\r\n\r\n\"" + huge + "\"", 413, "body_too_large"},
		{"headers too large", "GET /api/me HTTP/1.1\r\nHost: x\r\nX-Padding: " + huge + "\r\n\r\n", 431, "bad_request"},
		{"a method nobody knows", "BREW /api/me HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed"},
		{"WebDAV on the app", "PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed"},
		{"a control byte in the path", "GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"DEL in the path", "GET /join\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"an encoded control byte", "GET /%01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"an encoded NUL in an API path", "GET /api/me%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"an escape sequence in the path", "GET /%1b[31m HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
		{"a header where the request line should be", "\r\n\r\nHost: x\r\n\r\n", 405, "method_not_allowed"},
		{"a request line without a path", "GET\r\nHost: x\r\n\r\n", 400, "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, raw := rawExchange(t, addr, tc.request)
			var body struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
				RequestID string `json:"requestId"`
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("answered %d, not JSON: %q", res.StatusCode, raw)
			}
			if res.StatusCode != tc.status || body.Error.Code != tc.code {
				t.Errorf("want %d %s, got %d %s", tc.status, tc.code, res.StatusCode, raw)
			}
			h := res.Header
			if body.RequestID == "" || h.Get("X-Request-Id") != body.RequestID {
				t.Errorf("request id %q in the body, %q in the header", body.RequestID, h.Get("X-Request-Id"))
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "application/json") || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || !strings.Contains(h.Get("Permissions-Policy"), "camera=()") {
				t.Errorf("headers: %v", h)
			}
		})
	}
	// The same headers as an ordinary answer, none missing.
	ok, _ := rawExchange(t, addr, "GET /api/nothing-here HTTP/1.1\r\nHost: x\r\n\r\n")
	early, _ := rawExchange(t, addr, "BREW / HTTP/1.1\r\nHost: x\r\n\r\n")
	for name := range ok.Header {
		switch name {
		case "Date", "Content-Length", "X-Request-Id", "Vary", "Content-Encoding":
			continue
		}
		if early.Header.Get(name) != ok.Header.Get(name) {
			t.Errorf("%s: %q on a refused method, %q on a 404", name, early.Header.Get(name), ok.Header.Get(name))
		}
	}
	// Known methods still reach the routes.
	if res, raw := rawExchange(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); res.StatusCode != 200 {
		t.Fatalf("GET /healthz: %d %s", res.StatusCode, raw)
	}
	if res, _ := rawExchange(t, addr, "OPTIONS /api/me HTTP/1.1\r\nHost: x\r\n\r\n"); res.StatusCode == 405 && res.Header.Get("Allow") == "" {
		t.Fatal("OPTIONS is a known method")
	}
}

func itoa(n int) string { return jsonNumber(n) }

func jsonNumber(n int) string { b, _ := json.Marshal(n); return string(b) }
