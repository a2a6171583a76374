package testkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard/store"
)

// Instance is another Heard instance on a test's database that the test can
// kill at a chosen moment: right after its n-th write to the database, or right
// after a push service answered its n-th request. From then on nothing it does
// reaches the database or a push service, as if its process had been killed
// with -9 (its goroutines see errors and wind down, writing nothing).
type Instance struct {
	// Store is the instance's own handle on the database.
	Store *store.Store

	mu         sync.Mutex
	writes     []string // "findAndModify push_queue", … in order
	commands   []string // every command sent, writes and reads: "find cards", …
	started    map[int64]string
	afterW     map[int]func()
	sends      int
	dieAfterS  int
	conns      []net.Conn
	dead       chan struct{}
	killedOnce sync.Once
}

// instancePool is how many connections an instance opens before its test starts.
const instancePool = 8

// errKilled is what a killed instance's database calls and pushes fail with.
var errKilled = errors.New("testkit: this instance was killed")

// NewInstance opens another handle on st's database for an instance the test may kill.
func NewInstance(t testing.TB, st *store.Store) *Instance {
	t.Helper()
	i := &Instance{started: map[int64]string{}, afterW: map[int]func(){}, dead: make(chan struct{})}
	monitor := &event.CommandMonitor{Started: i.commandStarted, Succeeded: i.commandSucceeded}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A dead instance's calls fail at once instead of waiting to find a server.
	var ready atomic.Int64
	pool := &event.PoolMonitor{Event: func(e *event.PoolEvent) {
		if e.Type == event.ConnectionReady {
			ready.Add(1)
		}
	}}
	opts := options.Client().SetDialer(dialer{i}).SetMonitor(monitor).SetServerSelectionTimeout(20 * time.Millisecond).
		SetRetryReads(false).SetRetryWrites(false).SetPoolMonitor(pool).SetMinPoolSize(instancePool)
	// The short server selection can miss on a busy machine: try a few times.
	var s *store.Store
	var err error
	for try := 0; try < 20; try++ {
		if s, err = st.Reopen(ctx, opts); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("open another instance's store: %v", err)
	}
	// With the short server selection, a call that has to open a connection
	// on a busy machine can run out of time (the selection bounds the
	// connection's handshake too): wait for the pool's first connections.
	for ready.Load() < instancePool && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	s.Beneath = i.beneath
	i.Store = s
	t.Cleanup(func() {
		i.Kill()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return i
}

// DieAfterWrites kills the instance as soon as its n-th write (counted from
// now) to the database has been carried out.
func (i *Instance) DieAfterWrites(n int) { i.AfterWrites(n, i.Kill) }

// AfterWrites calls f as soon as the instance's n-th write (counted from now)
// to the database has been carried out, before the caller of that write sees
// its result: to cancel a request's context right there, for example.
func (i *Instance) AfterWrites(n int, f func()) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.afterW[len(i.writes)+n] = f
}

// DieAfterSends kills the instance as soon as a push service has answered its
// n-th request (counted from now): the push was sent, its answer never heard.
func (i *Instance) DieAfterSends(n int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.dieAfterS = i.sends + n
}

// Kill stops the instance now.
func (i *Instance) Kill() {
	i.killedOnce.Do(func() {
		i.mu.Lock()
		conns := i.conns
		i.mu.Unlock()
		close(i.dead)
		for _, c := range conns {
			_ = c.Close()
		}
	})
}

// Dead is closed when the instance has been killed.
func (i *Instance) Dead() <-chan struct{} { return i.dead }

func (i *Instance) isDead() bool {
	select {
	case <-i.dead:
		return true
	default:
		return false
	}
}

// Writes lists the writes the instance carried out, in order.
func (i *Instance) Writes() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.writes...)
}

var writeCommands = map[string]bool{"insert": true, "update": true, "delete": true, "findAndModify": true}

// Commands lists every command the instance sent, reads included, in order.
func (i *Instance) Commands() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.commands...)
}

func (i *Instance) commandStarted(_ context.Context, e *event.CommandStartedEvent) {
	collection, _ := e.Command.Lookup(e.CommandName).StringValueOK()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.commands = append(i.commands, e.CommandName+" "+collection)
	if writeCommands[e.CommandName] {
		i.started[e.RequestID] = e.CommandName + " " + collection
	}
}

func (i *Instance) commandSucceeded(_ context.Context, e *event.CommandSucceededEvent) {
	i.mu.Lock()
	what, ok := i.started[e.RequestID]
	delete(i.started, e.RequestID)
	i.mu.Unlock()
	if ok {
		i.wrote(what)
	}
}

// wrote counts a write the instance carried out, unless it was killed by
// then, and runs what AfterWrites set for it.
func (i *Instance) wrote(what string) {
	i.mu.Lock()
	if i.isDead() {
		i.mu.Unlock()
		return
	}
	i.writes = append(i.writes, what)
	then := i.afterW[len(i.writes)]
	i.mu.Unlock()
	if then != nil {
		then()
	}
}

// beneath runs the store's calls to SQLite beneath the embedded server as
// the instance's commands: none once it is killed, and each delete counted
// among its writes.
func (i *Instance) beneath(_ context.Context, what string, call func() error) error {
	if i.isDead() {
		return errKilled
	}
	i.mu.Lock()
	i.commands = append(i.commands, what)
	i.mu.Unlock()
	if err := call(); err != nil || !strings.HasPrefix(what, "delete ") {
		return err
	}
	i.wrote(what)
	return nil
}

// Transport is an HTTP transport for the instance's push sends: it stops
// when the instance dies.
func (i *Instance) Transport() http.RoundTripper { return transport{i} }

type transport struct{ i *Instance }

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.i.isDead() {
		return nil, errKilled
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	t.i.mu.Lock()
	t.i.sends++
	die := t.i.sends == t.i.dieAfterS
	t.i.mu.Unlock()
	if die {
		if res != nil {
			res.Body.Close()
		}
		t.i.Kill()
		return nil, errKilled
	}
	return res, err
}

type dialer struct{ i *Instance }

func (d dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if d.i.isDead() {
		return nil, errKilled
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	c = conn{Conn: c, i: d.i}
	d.i.mu.Lock()
	d.i.conns = append(d.i.conns, c)
	d.i.mu.Unlock()
	return c, nil
}

// conn is a database connection that stops working when its instance dies.
type conn struct {
	net.Conn
	i *Instance
}

func (c conn) Read(b []byte) (int, error) {
	if c.i.isDead() {
		return 0, fmt.Errorf("read: %w", errKilled)
	}
	return c.Conn.Read(b)
}

func (c conn) Write(b []byte) (int, error) {
	if c.i.isDead() {
		return 0, fmt.Errorf("write: %w", errKilled)
	}
	return c.Conn.Write(b)
}

// AfterEachWrite runs test once for each k = 1, 2, …, as the subtest "dies
// after write k", until test reports that its instance ran to the end without
// dying: every write of the sequence it runs has then had its turn.
func AfterEachWrite(t *testing.T, test func(t *testing.T, k int) (died bool)) {
	t.Helper()
	for k := 1; ; k++ {
		died := false
		t.Run(fmt.Sprintf("dies after write %d", k), func(t *testing.T) { died = test(t, k) })
		if !died {
			if k == 1 {
				t.Fatal("the instance never died")
			}
			return
		}
	}
}
