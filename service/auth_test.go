package service_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/service"
	"heard/store"
	"heard/testkit"
)

// authWorld is one area with a key worker (who has a password) and a young
// person on their caseload, on a fresh embedded database.
type authWorld struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	clock *testkit.Clock
	svc   *service.Service
	area  heard.Area
	kw    heard.Staff
	y     heard.YoungPerson
}

const authPassword = "correct horse battery"

var authPasswordHash = heard.HashPassword(authPassword)

func newAuthWorld(t *testing.T) *authWorld {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	w := &authWorld{t: t, ctx: context.Background(), st: st, clock: clock,
		svc: service.New(service.Config{Store: st, Clock: clock, Log: testkit.Quiet(), Notifier: &fakePush{}})}
	now := clock.Now()
	w.area = heard.Area{ID: heard.NewID(), Name: "Area", TimeZone: "Europe/London", Languages: []string{"en"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: now}
	authMust(t, st.CreateArea(w.ctx, w.area))
	w.kw = w.staff("kim@a.test", heard.RoleKeyWorker)
	w.y = heard.YoungPerson{ID: heard.NewID(), AreaID: w.area.ID, FirstName: "Yara", Language: "en", Service: heard.ServiceSocialCare, CreatedAt: now}
	authMust(t, st.CreateYoungPerson(w.ctx, w.y))
	_, err := st.Assign(w.ctx, w.area.ID, w.y.ID, w.kw.ID)
	authMust(t, err)
	return w
}

func (w *authWorld) staff(email string, role heard.Role) heard.Staff {
	st := heard.Staff{ID: heard.NewID(), AreaID: w.area.ID, Name: "Kim Worker", Email: email, Role: role, Language: "en",
		PasswordHash: authPasswordHash, Hours: heard.DefaultHours(), CreatedAt: w.clock.Now()}
	authMust(w.t, w.st.CreateStaff(w.ctx, st))
	return st
}

func authMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// code makes a fresh join code for the young person.
func (w *authWorld) code() string {
	code, _, err := w.st.CreateJoinCode(w.ctx, w.area.ID, w.y.ID, w.kw.ID)
	authMust(w.t, err)
	return code
}

func (w *authWorld) devices() []heard.Device {
	ds, err := w.st.Devices(w.ctx, w.area.ID, w.y.ID)
	authMust(w.t, err)
	return ds
}

// problemCode is the code of a service's Problem ("" for none).
func problemCode(err error) string {
	var p *heard.Problem
	if errors.As(err, &p) {
		return p.Code
	}
	return ""
}

// writes records the collection of every write to the store and, when failAt
// is set, fails the failAt-th (1-based) as if the connection dropped after it.
type writes struct {
	mu     sync.Mutex
	failAt int
	seen   []string
}

var errInjected = errors.New("injected: the connection dropped after this write")

func (w *writes) watch(st *store.Store, failAt int) {
	w.failAt = failAt
	st.Faults = func(_ context.Context, op, collection string) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.seen = append(w.seen, op+" "+collection)
		if len(w.seen) == w.failAt {
			return errInjected
		}
		return nil
	}
}

func (w *writes) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.seen...)
}

func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Twenty wrong sign-ins at once from one address are each counted: nineteen
// leave the address open, the twentieth pauses it.
func TestSignInFailuresAtOnceAreEachCounted(t *testing.T) {
	w := newAuthWorld(t)
	const address = "192.0.2.7"
	wrong := func(n, from int) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.svc.SignIn(w.ctx, heard.SignIn{Email: "nobody" + strconv.Itoa(from+i) + "@a.test", Password: "guess guess", Address: address})
				if problemCode(err) != "invalid_credentials" {
					t.Errorf("a wrong sign-in: %v", err)
				}
			}()
		}
		wg.Wait()
	}
	right := func() error {
		_, err := w.svc.SignIn(w.ctx, heard.SignIn{Email: w.kw.Email, Password: authPassword, Address: address})
		return err
	}
	wrong(heard.LoginFailuresAddress-1, 0)
	authMust(t, right())
	wrong(1, 100)
	err := right()
	var p *heard.Problem
	if !errors.As(err, &p) || p.Code != "too_many_attempts" || p.RetryAfter != heard.LoginLockFor || !errors.Is(err, heard.ErrTooManyAttempts) {
		t.Fatalf("after %d failures the address should be paused for 15 minutes: %v", heard.LoginFailuresAddress, err)
	}
	// Another address, the same account: open.
	if _, err := w.svc.SignIn(w.ctx, heard.SignIn{Email: w.kw.Email, Password: authPassword, Address: "192.0.2.8"}); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// Twenty wrong passwords for one account at once: every answer is "wrong" or
// "paused", and the account is paused.
func TestAccountPausedByFailuresAtOnce(t *testing.T) {
	w := newAuthWorld(t)
	var wg sync.WaitGroup
	answers := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.svc.SignIn(w.ctx, heard.SignIn{Email: w.kw.Email, Password: "wrong " + strconv.Itoa(i), Address: "198.51.100." + strconv.Itoa(i)})
			answers <- problemCode(err)
		}()
	}
	wg.Wait()
	close(answers)
	for a := range answers {
		if a != "invalid_credentials" && a != "too_many_attempts" {
			t.Fatalf("unexpected answer %q", a)
		}
	}
	if _, err := w.svc.SignIn(w.ctx, heard.SignIn{Email: w.kw.Email, Password: authPassword, Address: "203.0.113.1"}); problemCode(err) != "too_many_attempts" {
		t.Fatalf("the account should be paused: %v", err)
	}
}

// Twenty phones with one code at once: exactly one joins.
func TestOneCodeJoinsOnePhoneAtOnce(t *testing.T) {
	w := newAuthWorld(t)
	code := w.code()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var joined []heard.SignedIn
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := w.svc.Join(w.ctx, heard.Join{Code: code, PIN: strconv.Itoa(1000 + i)})
			switch {
			case err == nil:
				mu.Lock()
				joined = append(joined, s)
				mu.Unlock()
			case problemCode(err) != "join_code_invalid":
				t.Errorf("join: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(joined) != 1 {
		t.Fatalf("%d phones joined with one code, want 1", len(joined))
	}
	ds := w.devices()
	if len(ds) != 1 || ds[0].ID != joined[0].DeviceID || !ds[0].SecretMatches(joined[0].DeviceSecret) {
		t.Fatalf("phones stored: %+v; joined %+v", ds, joined[0])
	}
	if _, err := w.svc.Refresh(w.ctx, joined[0].RefreshToken); err != nil {
		t.Fatalf("the joined phone's session: %v", err)
	}
}

// A join fails right after each of its writes in turn, then the phone tries
// again with the same code: before the phone is stored the retry finishes the
// join; once it is stored the code is spent. Either way there is one phone.
func TestJoinFailingAfterEachWrite(t *testing.T) {
	w := newAuthWorld(t)
	firstCode := w.code()
	var clean writes
	clean.watch(w.st, 0)
	first, err := w.svc.Join(w.ctx, heard.Join{Code: firstCode, PIN: "2580"})
	authMust(t, err)
	order := []string{"replace join_codes", "insert refresh_tokens", "insert devices"}
	if got := clean.list(); !sameList(got, order) {
		t.Fatalf("a join writes %v, want %v", got, order)
	}
	authMust(t, w.st.RevokeDevice(w.ctx, w.area.ID, w.y.ID, first.DeviceID, "test"))
	for k := 1; k <= len(order); k++ {
		t.Run(order[k-1], func(t *testing.T) {
			before := len(w.devices())
			code := w.code()
			var failing writes
			failing.watch(w.st, k)
			if _, err := w.svc.Join(w.ctx, heard.Join{Code: code, PIN: "2580"}); !errors.Is(err, errInjected) {
				t.Fatalf("the failed join: %v", err)
			}
			w.st.Faults = nil
			retry, err := w.svc.Join(w.ctx, heard.Join{Code: code, PIN: "1357"})
			phoneStored := order[k-1] == "insert devices"
			switch {
			case phoneStored && problemCode(err) != "join_code_invalid":
				t.Fatalf("a retry after the phone was stored: %v, want join_code_invalid", err)
			case !phoneStored && err != nil:
				t.Fatalf("a retry before the phone was stored: %v", err)
			}
			if got := len(w.devices()) - before; got != 1 {
				t.Fatalf("%d phones made, want 1", got)
			}
			if !phoneStored {
				d, err := w.st.DeviceByID(w.ctx, retry.DeviceID)
				authMust(t, err)
				if !d.SecretMatches(retry.DeviceSecret) || !heard.CheckPassword(d.PINHash, "1357") {
					t.Fatal("the phone is the retry's, with its PIN")
				}
				if _, err := w.svc.Unlock(w.ctx, heard.Unlock{DeviceID: d.ID, DeviceSecret: retry.DeviceSecret, PIN: "1357"}); err != nil {
					t.Fatalf("unlocking the retried phone: %v", err)
				}
			}
			// Never a second phone from one code.
			if _, err := w.svc.Join(w.ctx, heard.Join{Code: code, PIN: "2580"}); problemCode(err) != "join_code_invalid" {
				t.Fatalf("the code again: %v", err)
			}
		})
	}
}

// A refresh is one write. If its answer is lost, the old token presented again
// looks like a stolen copy: the session ends, and nothing else changes.
func TestRefreshFailingAfterItsWrite(t *testing.T) {
	w := newAuthWorld(t)
	signed, err := w.svc.SignIn(w.ctx, heard.SignIn{Email: w.kw.Email, Password: authPassword, Address: "192.0.2.1"})
	authMust(t, err)
	other, err := w.svc.SignIn(w.ctx, heard.SignIn{Email: w.kw.Email, Password: authPassword, Address: "192.0.2.1"})
	authMust(t, err)
	var failing writes
	failing.watch(w.st, 1)
	if _, err := w.svc.Refresh(w.ctx, signed.RefreshToken); !errors.Is(err, errInjected) {
		t.Fatalf("the failed refresh: %v", err)
	}
	if got := failing.list(); !sameList(got, []string{"replace refresh_tokens"}) {
		t.Fatalf("a refresh writes %v", got)
	}
	w.st.Faults = nil
	if _, err := w.svc.Refresh(w.ctx, signed.RefreshToken); problemCode(err) != "session_expired" {
		t.Fatalf("the old token again: %v, want session_expired", err)
	}
	if _, err := w.svc.Authenticate(w.ctx, signed.Principal); problemCode(err) != "session_expired" {
		t.Fatalf("the session's access token: %v", err)
	}
	if _, err := w.svc.Refresh(w.ctx, other.RefreshToken); err != nil {
		t.Fatalf("another session of the same person: %v", err)
	}
}

// Twenty refreshes with one token at once: one wins, the rest end the session.
func TestRefreshAtOnceEndsTheSession(t *testing.T) {
	w := newAuthWorld(t)
	signed, err := w.svc.SignIn(w.ctx, heard.SignIn{Email: w.kw.Email, Password: authPassword, Address: "192.0.2.1"})
	authMust(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	var next string
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := w.svc.Refresh(w.ctx, signed.RefreshToken)
			switch {
			case err == nil:
				mu.Lock()
				won, next = won+1, s.RefreshToken
				mu.Unlock()
			case problemCode(err) != "session_expired":
				t.Errorf("refresh: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d refreshes won, want 1", won)
	}
	if _, err := w.svc.Refresh(w.ctx, next); problemCode(err) != "session_expired" {
		t.Fatalf("the winner's token after the reuse: %v", err)
	}
}

// Twenty wrong PINs at once: each try is counted before its PIN is compared,
// so exactly five are compared before the pause.
func TestPINGuessesAtOnce(t *testing.T) {
	w := newAuthWorld(t)
	joined, err := w.svc.Join(w.ctx, heard.Join{Code: w.code(), PIN: "2580"})
	authMust(t, err)
	var wg sync.WaitGroup
	answers := make(chan string, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.svc.Unlock(w.ctx, heard.Unlock{DeviceID: joined.DeviceID, DeviceSecret: joined.DeviceSecret, PIN: "0000"})
			answers <- problemCode(err)
		}()
	}
	wg.Wait()
	close(answers)
	got := map[string]int{}
	for a := range answers {
		got[a]++
	}
	d, err := w.st.DeviceByID(w.ctx, joined.DeviceID)
	authMust(t, err)
	if got["pin_incorrect"] != heard.PINTriesBeforeLock-1 || got["device_locked"] != 20-got["pin_incorrect"] || d.PINFailures != heard.PINTriesBeforeLock {
		t.Fatalf("answers %v with %d tries counted; want %d wrong, the rest paused, and %d counted", got, d.PINFailures,
			heard.PINTriesBeforeLock-1, heard.PINTriesBeforeLock)
	}
}

// Unlocking fails right after each of its writes in turn; the phone tries
// again with the right PIN and is let in, its count of tries back to nothing.
// A try cut short counts as a try (it was counted before its PIN was compared).
func TestUnlockFailingAfterEachWrite(t *testing.T) {
	w := newAuthWorld(t)
	joined, err := w.svc.Join(w.ctx, heard.Join{Code: w.code(), PIN: "2580"})
	authMust(t, err)
	in := heard.Unlock{DeviceID: joined.DeviceID, DeviceSecret: joined.DeviceSecret, PIN: "2580"}
	var clean writes
	clean.watch(w.st, 0)
	_, err = w.svc.Unlock(w.ctx, in)
	authMust(t, err)
	order := []string{"replace devices", "replace devices", "insert refresh_tokens"}
	if got := clean.list(); !sameList(got, order) {
		t.Fatalf("unlocking writes %v, want %v (the try, the right PIN, the session)", got, order)
	}
	for k := 1; k <= len(order); k++ {
		var failing writes
		failing.watch(w.st, k)
		if _, err := w.svc.Unlock(w.ctx, in); !errors.Is(err, errInjected) {
			t.Fatalf("unlock failing at write %d: %v", k, err)
		}
		w.st.Faults = nil
		signed, err := w.svc.Unlock(w.ctx, in)
		authMust(t, err)
		if _, err := w.svc.Authenticate(w.ctx, signed.Principal); err != nil {
			t.Fatalf("after a failure at write %d, the new session: %v", k, err)
		}
		d, err := w.st.DeviceByID(w.ctx, joined.DeviceID)
		authMust(t, err)
		if d.PINFailures != 0 || d.LockedUntil != nil {
			t.Fatalf("after a failure at write %d and the right PIN: %d tries counted", k, d.PINFailures)
		}
	}
}

// The fifteenth wrong PIN signs the phone out: its sessions end with it.
func TestManyWrongPINsSignThePhoneOut(t *testing.T) {
	w := newAuthWorld(t)
	joined, err := w.svc.Join(w.ctx, heard.Join{Code: w.code(), PIN: "2580"})
	authMust(t, err)
	unlock := func(pin string) error {
		_, err := w.svc.Unlock(w.ctx, heard.Unlock{DeviceID: joined.DeviceID, DeviceSecret: joined.DeviceSecret, PIN: pin})
		return err
	}
	for n := 1; n <= heard.PINTriesBeforeRevoke; n++ {
		err := unlock("0000")
		want := "pin_incorrect"
		switch {
		case n == heard.PINTriesBeforeRevoke:
			want = "device_revoked"
		case n%heard.PINTriesBeforeLock == 0:
			want = "device_locked"
			if !errors.Is(err, heard.ErrLocked) {
				t.Fatalf("try %d: %v is not a pause", n, err)
			}
		}
		if problemCode(err) != want {
			t.Fatalf("try %d: %v, want %s", n, err, want)
		}
		if want == "device_locked" {
			w.clock.Advance(heard.PINLockFor)
		}
	}
	if err := unlock("2580"); problemCode(err) != "device_revoked" {
		t.Fatalf("the right PIN on a signed-out phone: %v", err)
	}
	if _, err := w.svc.Authenticate(w.ctx, joined.Principal); problemCode(err) != "device_revoked" {
		t.Fatalf("the phone's access token: %v", err)
	}
	if _, err := w.svc.Refresh(w.ctx, joined.RefreshToken); problemCode(err) != "session_expired" {
		t.Fatalf("the phone's session: %v", err)
	}
}

// Signing out fails right after each of its writes in turn; the background
// worker (after the lease) or the phone's retry finishes it: the session ended
// and the notifications it registered gone, nothing left in progress.
func TestSignOutFailingAfterEachWrite(t *testing.T) {
	w := newAuthWorld(t)
	signOut := func(failAt int) (heard.SignedIn, []string) {
		joined := w.phoneWithNotifications(true)
		var seen writes
		seen.watch(w.st, failAt)
		err := w.svc.SignOut(w.ctx, joined.RefreshToken)
		w.st.Faults = nil
		if failAt > 0 && !errors.Is(err, errInjected) || failAt == 0 && err != nil {
			t.Fatalf("sign-out failing at write %d: %v", failAt, err)
		}
		return joined, seen.list()
	}
	check := func(t *testing.T, joined heard.SignedIn) {
		t.Helper()
		if _, err := w.svc.Authenticate(w.ctx, joined.Principal); problemCode(err) != "session_expired" {
			t.Fatalf("the session goes on: %v", err)
		}
		w.expectStopped(t, joined.DeviceID)
	}
	joined, order := signOut(0)
	check(t, joined)
	if len(order) < 4 || order[0] != "replace intents" && order[0] != "insert intents" || order[1] != "replace refresh_tokens" {
		t.Fatalf("a sign-out writes %v: its intent, then the session", order)
	}
	for k := 1; k <= len(order); k++ {
		t.Run(strconv.Itoa(k)+" "+order[k-1], func(t *testing.T) {
			joined, _ := signOut(k)
			if k == 1 {
				// Only the intent was written: the phone tries again.
				authMust(t, w.svc.SignOut(w.ctx, joined.RefreshToken))
			} else {
				w.clock.Advance(31 * time.Second)
				if n, err := w.svc.RunOnce(w.ctx); err != nil || n > 1 {
					t.Fatalf("the background worker finished %d workflows: %v", n, err)
				}
			}
			check(t, joined)
		})
	}
}

// A young person signs a phone out; the sign-out fails right after each of
// its writes in turn and the background worker finishes it.
func TestSigningAPhoneOutFailingAfterEachWrite(t *testing.T) {
	w := newAuthWorld(t)
	me := heard.Principal{ID: w.y.ID, AreaID: w.area.ID, Role: heard.RoleYoungPerson}
	signOut := func(failAt int) (heard.SignedIn, []string) {
		joined := w.phoneWithNotifications(false)
		var seen writes
		seen.watch(w.st, failAt)
		err := w.svc.SignOutPhone(w.ctx, me, joined.DeviceID)
		w.st.Faults = nil
		if failAt > 0 && !errors.Is(err, errInjected) || failAt == 0 && err != nil {
			t.Fatalf("signing the phone out, failing at write %d: %v", failAt, err)
		}
		return joined, seen.list()
	}
	check := func(t *testing.T, joined heard.SignedIn, signedOut bool) {
		t.Helper()
		d, err := w.st.DeviceByID(w.ctx, joined.DeviceID)
		authMust(t, err)
		if (d.RevokedAt != nil) != signedOut {
			t.Fatalf("phone signed out: %v, want %v", d.RevokedAt, signedOut)
		}
		if signedOut {
			if _, err := w.svc.Refresh(w.ctx, joined.RefreshToken); problemCode(err) != "session_expired" {
				t.Fatalf("the phone's session: %v", err)
			}
			w.expectStopped(t, joined.DeviceID)
		}
		w.expectStopped(t, "")
	}
	joined, order := signOut(0)
	check(t, joined, true)
	if len(order) != 5 || order[1] != "replace devices" || order[2] != "replace refresh_tokens" {
		t.Fatalf("signing a phone out writes %v: intent, phone, session, notifications, intent", order)
	}
	for k := 1; k <= len(order); k++ {
		t.Run(strconv.Itoa(k)+" "+order[k-1], func(t *testing.T) {
			joined, _ := signOut(k)
			w.clock.Advance(31 * time.Second)
			if n, err := w.svc.RunOnce(w.ctx); err != nil || n > 1 {
				t.Fatalf("the background worker finished %d workflows: %v", n, err)
			}
			// Failing at the intent, the phone was never signed out: the person tries again.
			check(t, joined, k > 1)
		})
	}
}

func authCount(t *testing.T, st *store.Store, collection string) int64 {
	t.Helper()
	n, err := st.DB.Collection(collection).CountDocuments(context.Background(), bson.D{})
	authMust(t, err)
	return n
}

// phoneWithNotifications joins a phone and registers it for notifications
// (from its session, or from the phone alone).
func (w *authWorld) phoneWithNotifications(fromSession bool) heard.SignedIn {
	w.t.Helper()
	joined, err := w.svc.Join(w.ctx, heard.Join{Code: w.code(), PIN: "2580"})
	authMust(w.t, err)
	sub := store.PushSubscription{AreaID: w.area.ID, Endpoint: "https://push.example.com/" + joined.DeviceID,
		P256dh: "k", Auth: "a", OwnerID: w.y.ID, OwnerRole: heard.RoleYoungPerson, DeviceID: joined.DeviceID}
	if fromSession {
		sub.SessionID = joined.Principal.SessionID
	}
	_, err = w.st.SavePushSubscription(w.ctx, sub)
	authMust(w.t, err)
	return joined
}

// expectStopped fails unless the phone (if any) has no notifications left and
// no workflow is left in progress.
func (w *authWorld) expectStopped(t *testing.T, deviceID string) {
	t.Helper()
	subs, err := w.st.PushSubscriptionsOf(w.ctx, w.area.ID, w.y.ID)
	authMust(t, err)
	for _, s := range subs {
		if deviceID != "" && s.DeviceID == deviceID {
			t.Fatalf("the phone still gets notifications: %+v", s)
		}
	}
	if n := authCount(t, w.st, "intents"); n != 0 {
		t.Fatalf("%d workflows left in progress", n)
	}
}

// All joining paused by wrong codes from everywhere: the administrators are
// told once for the pause, by the request that started it or, had it died
// before telling anyone, by the background worker.
func TestJoinPauseIsToldOnceEvenWhenItsRequestDied(t *testing.T) {
	e := newEnv(t)
	admin := e.staff("Ada Admin", heard.RoleAdministrator)
	// The counts that start the pause, written by a request that then died.
	for range heard.JoinLimitEverywhere.Failures {
		_, err := e.store.CountFailure(e.ctx, heard.JoinEverywhereKey, heard.JoinLimitEverywhere)
		e.must(err)
	}
	told := func() (notifications, audit int64) {
		n, err := e.store.DB.Collection("push_outbox").CountDocuments(e.ctx, bson.D{{Key: "type", Value: "join_guessing"}, {Key: "recipientId", Value: admin.ID}})
		e.must(err)
		entries, err := e.store.AuditLog(e.ctx, e.area.ID, 50)
		e.must(err)
		for _, en := range entries {
			if en.Action == "join_codes_paused" {
				audit++
			}
		}
		return n, audit
	}
	if n, a := told(); n != 0 || a != 0 {
		t.Fatalf("told before the worker ran: %d notifications, %d audit entries", n, a)
	}
	for range 3 {
		_, err := e.svc.RunOnce(e.ctx)
		e.must(err)
	}
	if n, a := told(); n != 1 || a != 1 {
		t.Fatalf("after the worker: %d notifications, %d audit entries, want 1 and 1", n, a)
	}
}
