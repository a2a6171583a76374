package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// heardProcess is Heard built from this checkout and run as a subprocess on
// a loopback port, with a fresh data folder and the demo area.
type heardProcess struct {
	dir       string // the temporary folder: binary, data, logs
	base      string // http://host:port of the API
	pprofBase string // http://host:port of Go's profiles
	cmd       *exec.Cmd
	exited    chan struct{}
	exitErr   error
	rss       rssSeries
	// stopSampling stops reading its memory.
	stopSampling func()
}

// freeAddr finds a free port on host.
func freeAddr(host string) (string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startHeard builds cmd/heard and starts it on host, then waits until it
// answers /readyz and has printed the demo sign-ins (the demo area is seeded
// after Heard starts listening).
func startHeard(ctx context.Context, host string) (*heardProcess, error) {
	dir, err := os.MkdirTemp("", "heard-load-")
	if err != nil {
		return nil, err
	}
	h := &heardProcess{dir: dir, exited: make(chan struct{})}
	bin := filepath.Join(dir, "heard")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/heard")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		h.remove()
		return nil, fmt.Errorf("building cmd/heard (run heard-load from the repository's root): %w", err)
	}
	addr, err := freeAddr(host)
	if err == nil {
		var pprofAddr string
		if pprofAddr, err = freeAddr(host); err == nil {
			h.base, h.pprofBase = "http://"+addr, "http://"+pprofAddr
			err = h.launch(bin, addr, pprofAddr)
		}
	}
	if err == nil {
		err = h.awaitDemo(ctx)
	}
	if err != nil {
		h.stop()
		return nil, err
	}
	h.stopSampling = h.sampleRSS(ctx)
	return h, nil
}

func (h *heardProcess) launch(bin, addr, pprofAddr string) error {
	stdout, err := os.Create(filepath.Join(h.dir, "stdout.txt"))
	if err != nil {
		return err
	}
	stderr, err := os.Create(filepath.Join(h.dir, "log.jsonl"))
	if err != nil {
		return err
	}
	h.cmd = exec.Command(bin)
	h.cmd.Env = append(os.Environ(),
		"MONGODB_URI=", // always the embedded database
		"HEARD_ADDR="+addr, "HEARD_PPROF_ADDR="+pprofAddr, "HEARD_DATA_DIR="+filepath.Join(h.dir, "data"),
		"HEARD_DEMO=true", "HEARD_PUSH_ALLOW_LOOPBACK=true", "HEARD_AUTH_RATE_LIMIT=100000", "HEARD_LOG_LEVEL=warn",
		"HEARD_VAPID_SUBJECT=heard-load@localhost")
	h.cmd.Stdout, h.cmd.Stderr = stdout, stderr
	if err := h.cmd.Start(); err != nil {
		return err
	}
	go func() {
		h.exitErr = h.cmd.Wait()
		stdout.Close()
		stderr.Close()
		close(h.exited)
	}()
	return nil
}

func (h *heardProcess) awaitDemo(ctx context.Context) error {
	deadline := time.After(3 * time.Minute)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-h.exited:
			return fmt.Errorf("heard stopped while starting: %v (log in %s)", h.exitErr, h.dir)
		case <-deadline:
			return errors.New("heard was not ready with its demo area within 3 minutes")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		res, err := c.Get(h.base + "/readyz")
		if err != nil {
			continue
		}
		res.Body.Close()
		printed, _ := os.ReadFile(filepath.Join(h.dir, "stdout.txt"))
		if res.StatusCode == 200 && strings.Contains(string(printed), "join code") {
			return nil
		}
	}
}

// running reports whether Heard is still up.
func (h *heardProcess) running() bool {
	select {
	case <-h.exited:
		return false
	default:
		return true
	}
}

// sampleRSS reads Heard's resident memory every second until stopped.
func (h *heardProcess) sampleRSS(ctx context.Context) (stop func()) {
	return every(ctx, time.Second, func(context.Context) {
		if kb, err := h.readRSS(); err == nil {
			h.rss.add(kb)
		}
	})
}

func (h *heardProcess) readRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", h.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS")
}

// markRSSStart starts the memory series afresh: the load begins now.
func (h *heardProcess) markRSSStart() {
	h.rss.reset()
	if kb, err := h.readRSS(); err == nil {
		h.rss.add(kb)
	}
}

// heapInUse reads Go's live heap (after a collection) from the heap
// profile's text form, which ends with the runtime's memory statistics.
func (h *heardProcess) heapInUse() (int64, error) {
	raw, err := h.profile(context.Background(), "/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "# HeapInuse = "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, errors.New("no HeapInuse in the heap profile")
}

func (h *heardProcess) profile(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.pprofBase+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("%s: HTTP %d", path, res.StatusCode)
	}
	return io.ReadAll(res.Body)
}

// saveProfiles writes a CPU profile of the next seconds, then a heap profile, into dir.
func (h *heardProcess) saveProfiles(ctx context.Context, dir string, seconds int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range []struct{ path, file string }{
		{fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds), "heard-cpu.pprof"},
		{"/debug/pprof/heap", "heard-heap.pprof"},
	} {
		raw, err := h.profile(ctx, p.path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, p.file), raw, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// logSummary counts Heard's log lines (warnings and errors) by level,
// message and error, most frequent first.
func (h *heardProcess) logSummary(most int) (total int, top []string) {
	f, err := os.Open(filepath.Join(h.dir, "log.jsonl"))
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	counts := map[string]int{}
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	for lines.Scan() {
		var entry struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Err   string `json:"err"`
		}
		if json.Unmarshal(lines.Bytes(), &entry) != nil {
			entry.Level, entry.Msg = "TEXT", lines.Text()
		}
		key := entry.Level + " " + entry.Msg
		if entry.Err != "" {
			key += ": " + entry.Err
		}
		// Numbers (ports, counts, durations) vary; the message is the same.
		counts[truncate(digits.ReplaceAllString(key, "N"), 160)]++
		total++
	}
	for k := range counts {
		top = append(top, k)
	}
	sort.Slice(top, func(i, j int) bool {
		return counts[top[i]] > counts[top[j]] || counts[top[i]] == counts[top[j]] && top[i] < top[j]
	})
	top = top[:min(most, len(top))]
	for i, k := range top {
		top[i] = fmt.Sprintf("%6d× %s", counts[k], k)
	}
	return total, top
}

var digits = regexp.MustCompile(`[0-9]+`)

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// stop asks Heard to stop (SIGTERM), waits for it (SIGKILL after 30 s) and
// removes the temporary folder.
func (h *heardProcess) stop() {
	if h.stopSampling != nil {
		h.stopSampling()
	}
	if h.cmd != nil && h.cmd.Process != nil && h.running() {
		_ = h.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-h.exited:
		case <-time.After(30 * time.Second):
			fmt.Fprintln(os.Stderr, "heard-load: Heard did not stop within 30 s of SIGTERM; killing it")
			_ = h.cmd.Process.Kill()
			<-h.exited
		}
	}
	h.remove()
}

func (h *heardProcess) remove() {
	if err := os.RemoveAll(h.dir); err != nil {
		fmt.Fprintln(os.Stderr, "heard-load: removing", h.dir+":", err)
	}
}

// cpuTime reads the processor time Heard has used so far, user and system,
// from /proc (in clock ticks of 1/100 s, as Linux gives them to programs).
func (h *heardProcess) cpuTime() (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it are fixed.
	end := strings.LastIndexByte(string(raw), ')')
	if end < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	fields := strings.Fields(string(raw[end+1:]))
	if len(fields) < 13 {
		return 0, errors.New("short /proc stat")
	}
	user, err1 := strconv.ParseInt(fields[11], 10, 64)
	system, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(user+system) * 10 * time.Millisecond, nil
}
