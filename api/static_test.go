package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"heard/pwa"
)

func staticGet(t *testing.T, w *world, path string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	status, h, _, raw := hygieneGet(t, w, http.MethodGet, path, headers)
	return &http.Response{StatusCode: status, Header: h}, raw
}

// The app travels light: content-hashed files are kept for a year and sent
// compressed (brotli, else gzip, else as they are); the shell and the service
// worker are checked on every visit and answer 304 when unchanged; the API's
// JSON is compressed and never stored.
func TestStaticFilesCompressedAndCached(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.PWA = pwa.FS() })
	site, err := pwa.Load()
	must(t, err)
	app := site.URL("js/app.js")
	if !regexp.MustCompile(`^/js/app\.[0-9a-f]{8}\.js$`).MatchString(app) {
		t.Fatalf("app.js is served at %q, want a hashed address", app)
	}
	res, body := staticGet(t, w, "/", map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"})
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "br" || res.Header.Get("Cache-Control") != "no-cache" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("GET /: %d %v", res.StatusCode, res.Header)
	}
	if len(body) == 0 || strings.Contains(string(body), "<html") {
		t.Fatalf("GET / should be brotli-compressed, got %d bytes", len(body))
	}
	etag := res.Header.Get("ETag")
	if res, _ := staticGet(t, w, "/", map[string]string{"If-None-Match": etag}); res.StatusCode != 304 {
		t.Fatalf("GET / with its ETag: %d, want 304", res.StatusCode)
	}
	res, body = staticGet(t, w, "/", nil)
	if res.Header.Get("Content-Encoding") != "" || !strings.Contains(string(body), `src="`+app+`"`) || !strings.Contains(string(body), `rel="modulepreload"`) {
		t.Fatalf("GET / without compression: %v\n%s", res.Header, body)
	}
	res, body = staticGet(t, w, "/", map[string]string{"Accept-Language": "ar,en;q=0.5"})
	if !strings.Contains(string(body), `<html lang="ar" dir="rtl" data-script="Arab">`) || !strings.Contains(string(body), `/i18n/ar.welcome.`) ||
		!strings.Contains(res.Header.Get("Vary"), "Accept-Language") {
		t.Fatalf("GET / in Arabic: %v\n%s", res.Header, body)
	}
	for _, tc := range []struct{ accept, enc string }{{"br", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip", "gzip"}, {"", ""}} {
		res, _ := staticGet(t, w, app, map[string]string{"Accept-Encoding": tc.accept})
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != tc.enc ||
			res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("GET %s (Accept-Encoding %q): %d %v", app, tc.accept, res.StatusCode, res.Header)
		}
	}
	for _, path := range []string{"/js/app.js", "/sw.js", "/js/app.00000000.js"} {
		res, body := staticGet(t, w, path, nil)
		if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" || len(body) == 0 {
			t.Errorf("GET %s: %d %v, want the file, checked on every visit", path, res.StatusCode, res.Header)
		}
	}
	if res, _ := staticGet(t, w, "/js/nothing.js", nil); res.StatusCode != 404 {
		t.Errorf("GET /js/nothing.js: %d", res.StatusCode)
	}
	res, _ = staticGet(t, w, "/api/openapi.json", map[string]string{"Accept-Encoding": "br"})
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "br" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET /api/openapi.json: %d %v, want brotli and no-store", res.StatusCode, res.Header)
	}
}
