package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// firstVisitLimit is what a young person's first visit to the welcome screen
// may cost on the wire, the service worker's install included.
const firstVisitLimit = 60 * 1024

// wireLog is a loopback proxy in front of Heard that writes down every request
// the browser (page and service worker) sends and the bytes each answer took
// on the wire: status line, headers and body as sent. A file the browser takes
// from its own cache never reaches it, so it counts for nothing, as on a phone.
type wireLog struct {
	URL  string
	mu   sync.Mutex
	hits []wireHit
	sent int64 // every byte written to the browser's connections
}

type wireHit struct {
	Method, Path, Type, Encoding string
	Status                       int
	Bytes                        int64
}

func newWireLog(t *testing.T, target string) *wireLog {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	w := &wireLog{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: rw}
		proxy.ServeHTTP(cw, r)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.hits = append(w.hits, wireHit{Method: r.Method, Path: r.URL.RequestURI(), Status: cw.status,
			Type: kindOf(r.URL.Path, rw.Header().Get("Content-Type")), Encoding: rw.Header().Get("Content-Encoding"),
			Bytes: cw.n + headerBytes(cw.status, rw.Header())})
	})}
	go func() { _ = srv.Serve(&countingListener{Listener: ln, w: w}) }()
	t.Cleanup(func() { _ = srv.Close() })
	w.URL = "http://" + ln.Addr().String()
	return w
}

// take returns the requests since the last call and the bytes sent for them.
func (w *wireLog) take() ([]wireHit, int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	hits, sent := w.hits, w.sent
	w.hits, w.sent = nil, 0
	return hits, sent
}

// phase waits for the browser to go quiet, then sums up and prints the
// requests since the last phase.
func (w *wireLog) phase(t *testing.T, name string) weighed {
	t.Helper()
	w.quiet(1500 * time.Millisecond)
	hits, sent := w.take()
	p := weigh(name, hits, sent)
	t.Log("\n" + p.String())
	return p
}

// quiet waits until no request has come for the given time (at most 30 s).
func (w *wireLog) quiet(d time.Duration) {
	deadline := time.Now().Add(30 * time.Second)
	last, since := -1, time.Now()
	for time.Now().Before(deadline) {
		w.mu.Lock()
		n := len(w.hits)
		w.mu.Unlock()
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= d {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countingWriter) WriteHeader(s int) { c.status = s; c.ResponseWriter.WriteHeader(s) }
func (c *countingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = 200
	}
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}
func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type countingListener struct {
	net.Listener
	w *wireLog
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, w: l.w}, nil
}

type countingConn struct {
	net.Conn
	w *wireLog
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.w.mu.Lock()
	c.w.sent += int64(n)
	c.w.mu.Unlock()
	return n, err
}

func headerBytes(status int, h http.Header) int64 {
	n := len(fmt.Sprintf("HTTP/1.1 %d %s\r\n", status, http.StatusText(status))) + 2
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return int64(n + len("Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n"))
}

// kindOf names what a file is for the summary.
func kindOf(path, contentType string) string {
	switch {
	case strings.HasPrefix(path, "/api/i18n"), strings.HasPrefix(path, "/i18n/"):
		return "words"
	case strings.HasPrefix(path, "/api/"):
		return "api"
	case strings.Contains(contentType, "html"):
		return "html"
	case strings.Contains(contentType, "javascript"):
		return "js"
	case strings.Contains(contentType, "css"):
		return "css"
	case strings.HasPrefix(contentType, "image/"):
		return "image"
	}
	return "other"
}

// weighed is one part of a visit, summed up.
type weighed struct {
	Name     string
	Requests int
	Wire     int64 // bytes written to the browser's connections
	ByKind   map[string]int64
	Twice    []string // files answered in full more than once
	Hits     []wireHit
}

func weigh(name string, hits []wireHit, sent int64) weighed {
	w := weighed{Name: name, Requests: len(hits), Wire: sent, ByKind: map[string]int64{}, Hits: hits}
	seen := map[string]int{}
	for _, h := range hits {
		w.ByKind[h.Type] += h.Bytes
		if h.Method == http.MethodGet && h.Status == http.StatusOK && h.Type != "api" {
			seen[h.Path]++
		}
	}
	for p, n := range seen {
		if n > 1 {
			w.Twice = append(w.Twice, fmt.Sprintf("%s (%d times)", p, n))
		}
	}
	sort.Strings(w.Twice)
	return w
}

func (w weighed) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d requests, %.1f KB on the wire\n", w.Name, w.Requests, float64(w.Wire)/1024)
	var kinds []string
	for k := range w.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %-6s %7.1f KB\n", k, float64(w.ByKind[k])/1024)
	}
	if len(w.Twice) == 0 {
		b.WriteString("  nothing fetched twice\n")
	} else {
		fmt.Fprintf(&b, "  fetched twice: %s\n", strings.Join(w.Twice, ", "))
	}
	if os.Getenv("HEARD_WEIGH_VERBOSE") != "" {
		for _, h := range w.Hits {
			fmt.Fprintf(&b, "    %3d %-5s %-4s %6d %s\n", h.Status, h.Type, h.Encoding, h.Bytes, h.Path)
		}
	}
	return b.String()
}

// What a visit costs a young person on the wire, measured from outside the
// app: the welcome screen on a first visit (service worker install included),
// joining up to home (with the service worker keeping the young person's app
// in the background), and opening the app again to the PIN and home. Prints a
// table by kind of file; fails when the first visit passes 60 KB or fetches a
// file twice. Run it alone to see the figures:
//
//	CI=1 go test ./e2e -run TestWeighFirstVisit -v
//
// (HEARD_WEIGH_VERBOSE=1 lists every request.)
func TestWeighFirstVisit(t *testing.T) {
	h := startHeard(t)
	wire := newWireLog(t, h.URL)
	ctx := newBrowser(t, "en-GB")

	run(t, ctx, "open the welcome screen",
		chromedp.Navigate(wire.URL+"/"),
		chromedp.WaitVisible("#welcome-join", chromedp.ByQuery),
		chromedp.Poll(`navigator.serviceWorker.ready.then(r => !!r.active)`, nil, chromedp.WithPollingTimeout(30*time.Second)))
	first := wire.phase(t, "welcome, first visit")

	code := strings.ReplaceAll(h.joinCode(t, "Jay"), "-", "")
	run(t, ctx, "join",
		chromedp.Click("#welcome-join", chromedp.ByQuery),
		chromedp.WaitVisible("#join-code", chromedp.ByQuery),
		chromedp.SendKeys("#join-code", code, chromedp.ByQuery),
		chromedp.Click("#join-code-next", chromedp.ByQuery),
		chromedp.WaitVisible("#pin-new", chromedp.ByQuery),
		chromedp.SendKeys("#pin-new", "5827", chromedp.ByQuery),
		chromedp.SendKeys("#pin-confirm", "5827", chromedp.ByQuery),
		chromedp.Click("#pin-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#fc-tile", chromedp.ByQuery))
	run(t, ctx, "keep the app", chromedp.Evaluate(`window.heard.kept()`, nil, awaitPromise))
	joined := wire.phase(t, "join, home and keeping the app")

	run(t, ctx, "open the app again",
		chromedp.Navigate(wire.URL+"/"),
		chromedp.WaitVisible("#unlock-pin", chromedp.ByQuery),
		chromedp.SendKeys("#unlock-pin", "5827", chromedp.ByQuery),
		chromedp.Click("#unlock-submit", chromedp.ByQuery),
		chromedp.WaitVisible("#fc-tile", chromedp.ByQuery))
	again := wire.phase(t, "opening the app again, PIN, home")

	if first.Wire > firstVisitLimit {
		t.Errorf("the first visit to the welcome screen moved %d bytes; the limit is %d", first.Wire, firstVisitLimit)
	}
	if len(first.Twice) > 0 {
		t.Errorf("the first visit fetched files twice: %v", first.Twice)
	}
	for _, w := range []weighed{joined, again} {
		if len(w.Twice) > 0 {
			t.Errorf("%s fetched files twice: %v", w.Name, w.Twice)
		}
	}
	// Opened again, the app comes from the phone, shell included: only the
	// check for a new version (sw.js) and Heard's answers use the network.
	for _, hit := range again.Hits {
		if hit.Type != "api" && hit.Path != "/sw.js" {
			t.Errorf("opening the app again waited for %s from the network", hit.Path)
		}
	}
}
