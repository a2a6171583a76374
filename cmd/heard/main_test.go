package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"heard"
	"heard/store"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// ferretGoroutines counts goroutines running the embedded database's code.
func ferretGoroutines() int {
	buf := make([]byte, 1<<22)
	n := runtime.Stack(buf, true)
	count := 0
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "github.com/FerretDB/FerretDB") {
			count++
		}
	}
	return count
}

// TestRunServesAndStopsGracefully starts Heard as the command does (embedded
// database, demo area), signs in through it, then ends its context as SIGTERM
// would, and checks it stops cleanly: run returns nil, the port closes, the
// embedded database has stopped, and what was written is on disk.
func TestRunServesAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HEARD_DATA_DIR", dir)
	t.Setenv("MONGODB_URI", "")
	t.Setenv("HEARD_LOG_LEVEL", "warn")
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	before := ferretGoroutines()

	// run prints the demo sign-ins when the demo area is ready; watch for them.
	out, pipe, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = pipe
	defer func() { os.Stdout = stdout; pipe.Close() }()
	seeded := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		var seen strings.Builder
		for {
			n, err := out.Read(buf)
			seen.Write(buf[:n])
			if strings.Contains(seen.String(), "join code") {
				close(seeded)
				_, _ = io.Copy(io.Discard, out)
				return
			}
			if err != nil {
				return
			}
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--demo", "--addr", "127.0.0.1:" + port}) }()

	client := &http.Client{Timeout: 5 * time.Second}
	signIn := func() (int, map[string]any) {
		body, _ := json.Marshal(map[string]string{"email": "sam@demo.heard", "password": store.DemoPassword})
		res, err := client.Post(base+"/api/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, nil
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	select {
	case <-seeded:
	case err := <-done:
		t.Fatalf("run stopped before it was asked to: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("Heard did not start with its demo area in 90s")
	}
	res, err := client.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("readyz: %d", res.StatusCode)
	}
	if status, body := signIn(); status != 200 || body["accessToken"] == nil {
		t.Fatalf("signing in to the demo area: %d %v", status, body)
	}
	if ferretGoroutines() <= before {
		t.Fatal("the embedded database does not seem to be running")
	}
	// The PWA is served too.
	res, err = client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(strings.ToLower(string(page)), "<html") {
		t.Fatalf("GET /: %d %.200s", res.StatusCode, page)
	}

	cancel() // what SIGTERM does
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after a clean stop", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of being asked to stop")
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
		conn.Close()
		t.Fatal("the port still accepts connections after the stop")
	}
	for i := 0; ferretGoroutines() > before; i++ {
		if i > 50 {
			t.Fatalf("the embedded database is still running after run returned (%d goroutines)", ferretGoroutines()-before)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Secrets were kept for the next start, readable by Heard alone.
	info, err := os.Stat(filepath.Join(dir, "secrets.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secrets.json: %v %v", info, err)
	}
	// What was written survives: the database opens again and holds the demo area.
	emb, err := store.StartEmbedded(filepath.Join(dir, "db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Stop()
	cx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	st, err := store.OpenEmbedded(cx, emb, "heard", heard.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	sam, err := st.StaffByEmail(cx, "sam@demo.heard")
	if err != nil || sam.Role != heard.RoleKeyWorker {
		t.Fatalf("the demo key worker after a restart: %+v %v", sam, err)
	}
}

func TestConfigRefusesHalfATLSSetup(t *testing.T) {
	t.Setenv("HEARD_TLS_CERT", "cert.pem")
	t.Setenv("HEARD_TLS_KEY", "")
	if _, err := loadConfig(nil); err == nil {
		t.Fatal("a certificate without a key must be refused")
	}
	t.Setenv("HEARD_TLS_CERT", "")
	t.Setenv("HEARD_ADDR", "127.0.0.1:9999")
	t.Setenv("HEARD_BEHIND_TLS_PROXY", "true")
	c, err := loadConfig([]string{"--demo"})
	if err != nil || !c.Demo || c.Addr != "127.0.0.1:9999" || !c.BehindTLS {
		t.Fatalf("config from the environment and flags: %+v %v", c, err)
	}
}

func TestProfilingOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{":6060", "0.0.0.0:6060", "192.0.2.1:6060", "example.org:6060", "6060"} {
		t.Setenv("HEARD_PPROF_ADDR", addr)
		if _, err := loadConfig(nil); err == nil {
			t.Errorf("HEARD_PPROF_ADDR=%s must be refused", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:6060", "localhost:6060", "[::1]:6060", ""} {
		t.Setenv("HEARD_PPROF_ADDR", addr)
		if c, err := loadConfig(nil); err != nil || c.PprofAddr != addr {
			t.Errorf("HEARD_PPROF_ADDR=%s: %+v %v", addr, c.PprofAddr, err)
		}
	}
}
