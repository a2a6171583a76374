package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/SherClockHolmes/webpush-go"

	"heard"
	"heard/notify"
	"heard/service"
	"heard/testkit"
)

// joinFrom posts a join as a phone at address would, through srv, behind a trusted proxy.
func joinFrom(t *testing.T, srv *Server, address, code string) response {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/auth/join", strings.NewReader(fmt.Sprintf(`{"code":%q,"pin":"2580"}`, code)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", address)
	res, err := srv.App().Test(req, -1)
	must(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	must(t, err)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	must(t, json.Unmarshal(raw, &r.Body))
	return r
}

// A guessing run from many addresses, through two Heard instances on one
// database: wrong codes are counted together, all joining pauses at the limit,
// and every area's administrators are told.
func TestJoinCodeGuessingFromManyAddressesTripsTheLimitEverywhere(t *testing.T) {
	private, public, err := webpush.GenerateVAPIDKeys()
	must(t, err)
	w := newWorld(t, func(c *Config) {
		c.TrustedProxies = []string{"0.0.0.0/0"}
		svc, err := notify.New(notify.Config{Store: c.Store, Log: testkit.Quiet(), Clock: c.Clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
			Subject: "join@heard.test", Instance: "join-test"})
		must(t, err)
		c.Notifier = svc
	})
	// The second instance: its own connection to the same database.
	other := testkit.NewInstance(t, w.store).Store
	pushes, err := notify.New(notify.Config{Store: other, Log: testkit.Quiet(), Clock: w.clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
		Subject: "join@heard.test", Instance: "second"})
	must(t, err)
	second := New(Config{Store: other, Tokens: w.tokens, Log: testkit.Quiet(), Clock: w.clock, AuthRateLimit: 10000,
		TrustedProxies: []string{"0.0.0.0/0"},
		Services:       service.New(service.Config{Store: other, Notifier: pushes, Clock: w.clock, Log: testkit.Quiet(), Instance: "second"})})
	real := str(w.foundCode(w.A.KW1, w.A.YP2), "code")

	limit := heard.JoinLimitEverywhere.Failures
	for i := range limit {
		srv := []*Server{w.srv, second}[i%2]
		r := joinFrom(t, srv, fmt.Sprintf("203.0.113.%d", i+1), heard.NewJoinCode())
		if r.Status != 400 || r.ErrorCode() != "join_code_invalid" {
			t.Fatalf("wrong code %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	// Joining is paused for everyone, the right code too, on either instance.
	for _, srv := range []*Server{w.srv, second} {
		r := joinFrom(t, srv, "198.51.100.77", real)
		if r.Status != 429 || r.ErrorCode() != "too_many_attempts" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("the right code while paused: %d %s", r.Status, r.Raw)
		}
	}
	// Every area's administrators are told, on their phones and in the audit log.
	for _, f := range []areaFixture{w.A, w.B} {
		told := 0
		for _, n := range w.feedbackOutbox(f.Admin.ID) {
			if n.Type == "join_guessing" {
				told++
			}
		}
		entries, err := w.store.AuditLog(context.Background(), f.Area.ID, 20)
		must(t, err)
		logged := 0
		for _, e := range entries {
			if e.Action == "join_codes_paused" {
				logged++
			}
		}
		if told != 1 || logged != 1 {
			t.Errorf("%s: administrators told %d times, audit log %d entries; want 1 and 1", f.Area.Name, told, logged)
		}
		for _, n := range w.feedbackOutbox(f.KW1.ID) {
			if n.Type == "join_guessing" {
				t.Error("a key worker was told about join-code guessing")
			}
		}
	}
	// After the pause, the right code works.
	w.clock.Advance(heard.JoinLimitEverywhere.LockFor + time.Second)
	if r := joinFrom(t, second, "198.51.100.77", real); r.Status != 201 {
		t.Fatalf("the right code after the pause: %d %s", r.Status, r.Raw)
	}
}

// One address guessing is paused on its own, before the limit everywhere, and
// the pause is the same on every instance.
func TestJoinCodeGuessingFromOneAddressIsPaused(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.TrustedProxies = []string{"0.0.0.0/0"} })
	other := testkit.NewInstance(t, w.store).Store
	second := New(Config{Store: other, Tokens: w.tokens, Log: testkit.Quiet(), Clock: w.clock, AuthRateLimit: 10000,
		TrustedProxies: []string{"0.0.0.0/0"},
		Services:       service.New(service.Config{Store: other, Clock: w.clock, Log: testkit.Quiet(), Instance: "second"})})
	real := str(w.foundCode(w.A.KW1, w.A.YP2), "code")
	for i := range heard.JoinLimitAddress.Failures {
		r := joinFrom(t, []*Server{w.srv, second}[i%2], "203.0.113.9", heard.NewJoinCode())
		w.expect(r, 400, "join_code_invalid")
	}
	w.expect(joinFrom(t, second, "203.0.113.9", real), 429, "too_many_attempts")
	w.expect(joinFrom(t, w.srv, "203.0.113.9", real), 429, "too_many_attempts")
	// Someone else, elsewhere, joins.
	w.expect(joinFrom(t, w.srv, "198.51.100.20", real), 201, "")
}

// The keyspace arithmetic of README.md: at the limit everywhere, hitting any
// of 500 live codes takes over a year on average.
func TestJoinCodesTakeOverAYearToGuessAtTheLimit(t *testing.T) {
	if heard.JoinCodeSpace != 116985856 {
		t.Fatalf("join codes: %d", heard.JoinCodeSpace)
	}
	if y := heard.JoinGuessingYears(500); y < 1 {
		t.Fatalf("500 live codes are found in %.2f years at the limit", y)
	}
}

// The cap on sign-in requests per address is counted in the database: two
// instances share it.
func TestSignInRateCapHoldsAcrossInstances(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.AuthRateLimit = 3; c.TrustedProxies = []string{"0.0.0.0/0"} })
	other := testkit.NewInstance(t, w.store).Store
	second := New(Config{Store: other, Tokens: w.tokens, Log: testkit.Quiet(), Clock: w.clock, AuthRateLimit: 3,
		TrustedProxies: []string{"0.0.0.0/0"},
		Services:       service.New(service.Config{Store: other, Clock: w.clock, Log: testkit.Quiet(), Instance: "second"})})
	login := func(srv *Server) int {
		req := httptest.NewRequest("POST", "/api/auth/login", strings.NewReader(`{"email":"nobody@example.test","password":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "198.51.100.9")
		res, err := srv.App().Test(req, -1)
		must(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	for i, srv := range []*Server{w.srv, second, w.srv} {
		if got := login(srv); got != 401 {
			t.Fatalf("attempt %d: %d", i+1, got)
		}
	}
	if got := login(second); got != 429 {
		t.Fatalf("the fourth attempt in a minute, on the other instance: %d, want 429", got)
	}
}
