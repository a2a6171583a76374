package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/store"
)

// storeRaw returns every document of a collection as extended JSON, to look for
// secrets that must never be stored.
func storeRaw(t *testing.T, s *store.Store, col string) string {
	t.Helper()
	cur, err := s.DB.Collection(col).Find(context.Background(), bson.D{})
	storeCheck(t, err)
	var docs []bson.Raw
	storeCheck(t, cur.All(context.Background(), &docs))
	var sb strings.Builder
	for _, d := range docs {
		sb.WriteString(d.String())
	}
	return sb.String()
}

func TestJoinCodeWorksOnceAndIsStoredOnlyAsAHash(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	y := storeYoung(t, s, a.ID, "Yara", "")
	code, expires, err := s.CreateJoinCode(ctx, a.ID, y.ID, "kw-1")
	storeCheck(t, err)
	if !expires.Equal(storeStart.Add(24 * time.Hour)) {
		t.Fatalf("expires %v, want 24 hours on", expires)
	}
	if _, ok := heard.NormaliseJoinCode(code); !ok {
		t.Fatalf("%q is not a join code", code)
	}
	raw := storeRaw(t, s, "join_codes")
	if strings.Contains(raw, code) || strings.Contains(raw, strings.ReplaceAll(code, "-", "")) {
		t.Fatalf("the join code is stored in clear: %s", raw)
	}
	clock.Advance(time.Minute)
	jc, err := s.RedeemJoinCode(ctx, code)
	storeCheck(t, err)
	if jc.AreaID != a.ID || jc.YoungPersonID != y.ID || jc.CreatedBy != "kw-1" || jc.UsedAt == nil || !jc.UsedAt.Equal(clock.Now()) || !heard.ValidID(jc.DeviceID) {
		t.Fatalf("redeemed code: %+v", jc)
	}
	// Redeemed again, the code names the same phone: it is spent on one phone only.
	clock.Advance(time.Minute)
	again, err := s.RedeemJoinCode(ctx, code)
	storeCheck(t, err)
	if again.DeviceID != jc.DeviceID || !again.UsedAt.Equal(*jc.UsedAt) {
		t.Fatalf("a used code was spent again: %+v, first %+v", again, jc)
	}
	if _, err := s.RedeemJoinCode(ctx, heard.NewJoinCode()); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("an unknown code: %v, want ErrNotFound", err)
	}
}

func TestJoinCodeExpiresAfter24Hours(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	y := storeYoung(t, s, a.ID, "Yara", "")
	early, _, err := s.CreateJoinCode(ctx, a.ID, y.ID, "kw")
	storeCheck(t, err)
	late, _, err := s.CreateJoinCode(ctx, a.ID, y.ID, "kw")
	storeCheck(t, err)
	clock.Advance(24*time.Hour - time.Second)
	if _, err := s.RedeemJoinCode(ctx, early); err != nil {
		t.Fatalf("a code one second before expiry: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := s.RedeemJoinCode(ctx, late); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("a code at 24 hours: %v, want ErrNotFound", err)
	}
}

func TestJoinCodeRaceHasOneWinner(t *testing.T) {
	s, _, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	y := storeYoung(t, s, a.ID, "Yara", "")
	code, _, err := s.CreateJoinCode(ctx, a.ID, y.ID, "kw")
	storeCheck(t, err)
	const phones = 20
	var wg sync.WaitGroup
	results := make(chan string, phones)
	for range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jc, err := s.RedeemJoinCode(ctx, code)
			if err != nil {
				t.Errorf("unexpected error: %v", err)
			}
			results <- jc.DeviceID
		}()
	}
	wg.Wait()
	close(results)
	phonesNamed := map[string]int{}
	for id := range results {
		phonesNamed[id]++
	}
	if len(phonesNamed) != 1 {
		t.Fatalf("one code was spent on %d phones, want exactly 1: %v", len(phonesNamed), phonesNamed)
	}
}

func storeDevice(t *testing.T, s *store.Store, area, youngPersonID string) heard.Device {
	t.Helper()
	now := storeStart
	d := heard.Device{ID: heard.NewID(), AreaID: area, YoungPersonID: youngPersonID, Name: "Phone", SecretHash: heard.HashSecret(heard.NewSecret()),
		PINHash: "x", CreatedAt: now, LastSeenAt: now}
	storeCheck(t, s.CreateDevice(context.Background(), d))
	return d
}

func TestDevicesBelongToTheirYoungPersonAndArea(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a, b := storeArea(t, s, "A"), storeArea(t, s, "B")
	y1, y2 := storeYoung(t, s, a.ID, "Yara", ""), storeYoung(t, s, a.ID, "Yusuf", "")
	first := storeDevice(t, s, a.ID, y1.ID)
	clock.Advance(time.Hour)
	second := heard.Device{ID: heard.NewID(), AreaID: a.ID, YoungPersonID: y1.ID, Name: "Tablet", SecretHash: "h", PINHash: "x", CreatedAt: clock.Now(), LastSeenAt: clock.Now()}
	storeCheck(t, s.CreateDevice(ctx, second))

	got, err := s.Device(ctx, a.ID, y1.ID, first.ID)
	storeCheck(t, err)
	if got.ID != first.ID || got.SecretHash != first.SecretHash {
		t.Fatalf("device read back as %+v", got)
	}
	for _, tc := range []struct{ area, yp string }{{b.ID, y1.ID}, {a.ID, y2.ID}} {
		if _, err := s.Device(ctx, tc.area, tc.yp, first.ID); !errors.Is(err, heard.ErrNotFound) {
			t.Errorf("device through area %s / person %s: %v, want ErrNotFound", tc.area, tc.yp, err)
		}
	}
	list, err := s.Devices(ctx, a.ID, y1.ID)
	storeCheck(t, err)
	if len(list) != 2 || list[0].ID != second.ID {
		t.Fatalf("devices should be newest first: %+v", list)
	}
	if other, _ := s.Devices(ctx, b.ID, y1.ID); len(other) != 0 {
		t.Fatalf("another area sees the devices: %+v", other)
	}
	if err := s.RevokeDevice(ctx, b.ID, y1.ID, first.ID, "intruder"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("revoking through another area: %v", err)
	}
	if err := s.RevokeDevice(ctx, a.ID, y2.ID, first.ID, "intruder"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("revoking through another young person: %v", err)
	}
	if d, _ := s.DeviceByID(ctx, first.ID); d.RevokedAt != nil {
		t.Fatal("a refused revoke still signed the phone out")
	}
}

func TestRevokingADeviceEndsOnlyItsSessions(t *testing.T) {
	s, _, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	y := storeYoung(t, s, a.ID, "Yara", "")
	lost, kept := storeDevice(t, s, a.ID, y.ID), storeDevice(t, s, a.ID, y.ID)
	issue := func(d heard.Device) string {
		tok, err := s.IssueRefreshToken(ctx, store.RefreshToken{SubjectID: y.ID, Role: heard.RoleYoungPerson, AreaID: a.ID, DeviceID: d.ID}, time.Hour)
		storeCheck(t, err)
		return tok
	}
	lostToken, keptToken := issue(lost), issue(kept)
	storeCheck(t, s.RevokeDevice(ctx, a.ID, y.ID, lost.ID, "kw-1"))
	d, err := s.DeviceByID(ctx, lost.ID)
	storeCheck(t, err)
	if d.RevokedAt == nil || d.RevokedBy != "kw-1" {
		t.Fatalf("revoked device: %+v", d)
	}
	if _, err := s.UseRefreshToken(ctx, lostToken); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("the lost phone's session: %v, want ErrNotFound", err)
	}
	if _, err := s.UseRefreshToken(ctx, keptToken); err != nil {
		t.Fatalf("the other phone was signed out too: %v", err)
	}
}

func TestPINTriesAreCountedBeforeTheyAreCompared(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	y := storeYoung(t, s, a.ID, "Yara", "")
	d := storeDevice(t, s, a.ID, y.ID)
	try := func() (heard.Device, heard.PINTry) {
		t.Helper()
		after, try, err := s.StartPINTry(ctx, a.ID, d.ID)
		storeCheck(t, err)
		stored, err := s.DeviceByID(ctx, d.ID)
		storeCheck(t, err)
		if stored.PINFailures != after.PINFailures {
			t.Fatalf("the try returned %d tries, the phone holds %d", after.PINFailures, stored.PINFailures)
		}
		return after, try
	}
	for n := 1; n <= heard.PINTriesBeforeRevoke; n++ {
		after, got := try()
		if got != heard.PINTryAllowed || after.PINFailures != n {
			t.Fatalf("try %d: %v with %d counted", n, got, after.PINFailures)
		}
		if n%heard.PINTriesBeforeLock == 0 || n == heard.PINTriesBeforeRevoke {
			// The try that reaches a pause holds it while its PIN is compared.
			if want := clock.Now().Add(heard.PINLockFor); after.LockedUntil == nil || !after.LockedUntil.Equal(want) {
				t.Fatalf("try %d: locked until %v, want %v", n, after.LockedUntil, want)
			}
			if _, got := try(); got != heard.PINTryLocked {
				t.Fatalf("a try during the pause: %v", got)
			}
			if n == heard.PINTriesBeforeRevoke && !after.PINWrongSignsOut() {
				t.Fatalf("try %d, wrong, should sign the phone out", n)
			}
			clock.Advance(heard.PINLockFor)
		} else if after.LockedUntil != nil || after.PINWrongSignsOut() || after.PINAttemptsLeft() != heard.PINTriesBeforeLock-n%heard.PINTriesBeforeLock {
			t.Fatalf("try %d: %+v", n, after)
		}
	}
	storeCheck(t, s.RevokeDevice(ctx, a.ID, y.ID, d.ID, "pin_failures"))
	if _, got := try(); got != heard.PINTryRevoked {
		t.Fatalf("a try on a signed-out phone: %v", got)
	}
	if _, _, err := s.StartPINTry(ctx, storeArea(t, s, "B").ID, d.ID); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("a try through another area: %v", err)
	}
}

func TestRightPINClearsTheCount(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	y := storeYoung(t, s, a.ID, "Yara", "")
	d := storeDevice(t, s, a.ID, y.ID)
	for range 5 {
		_, _, err := s.StartPINTry(ctx, a.ID, d.ID)
		storeCheck(t, err)
	}
	clock.Advance(time.Hour)
	got, err := s.PINRight(ctx, a.ID, d.ID)
	storeCheck(t, err)
	stored, err := s.DeviceByID(ctx, d.ID)
	storeCheck(t, err)
	for _, d := range []heard.Device{got, stored} {
		if d.PINFailures != 0 || d.LockedUntil != nil || !d.LastSeenAt.Equal(clock.Now()) {
			t.Fatalf("after the right PIN: failures %d, locked %v, last seen %v", d.PINFailures, d.LockedUntil, d.LastSeenAt)
		}
	}
	after, _, err := s.StartPINTry(ctx, a.ID, d.ID)
	storeCheck(t, err)
	if after.PINFailures != 1 || after.LockedUntil != nil {
		t.Fatalf("counting should start again: %+v", after)
	}
	// A phone signed out while its right PIN was being compared stays signed out.
	storeCheck(t, s.RevokeDevice(ctx, a.ID, y.ID, d.ID, "kw"))
	got, err = s.PINRight(ctx, a.ID, d.ID)
	storeCheck(t, err)
	if got.RevokedAt == nil || got.RevokedBy != "kw" {
		t.Fatalf("the right PIN brought a signed-out phone back: %+v", got)
	}
}

// Twenty guesses at once: each try is one exact write, so exactly as many are
// let through as the phone allows before its pause, and each is counted.
func TestConcurrentPINTriesAreCountedExactly(t *testing.T) {
	s, _, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	y := storeYoung(t, s, a.ID, "Yara", "")
	d := storeDevice(t, s, a.ID, y.ID)
	const tries = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, try, err := s.StartPINTry(ctx, a.ID, d.ID)
			if err != nil {
				t.Errorf("try: %v", err)
			}
			if try == heard.PINTryAllowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	stored, err := s.DeviceByID(ctx, d.ID)
	storeCheck(t, err)
	if allowed != heard.PINTriesBeforeLock || stored.PINFailures != heard.PINTriesBeforeLock || stored.LockedUntil == nil {
		t.Fatalf("%d of %d tries let through, %d counted, locked until %v; want %d, %d and a pause",
			allowed, tries, stored.PINFailures, stored.LockedUntil, heard.PINTriesBeforeLock, heard.PINTriesBeforeLock)
	}
}

func TestRefreshTokensRotateAndReuseRevokesTheFamily(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	st := storeStaff(t, s, a.ID, "kim@a.test", heard.RoleKeyWorker, "")
	first, err := s.IssueRefreshToken(ctx, store.RefreshToken{SubjectID: st.ID, Role: st.Role, AreaID: a.ID}, time.Hour)
	storeCheck(t, err)
	if strings.Contains(storeRaw(t, s, "refresh_tokens"), first) {
		t.Fatal("a refresh token is stored in clear")
	}
	used, err := s.UseRefreshToken(ctx, first)
	storeCheck(t, err)
	if used.SubjectID != st.ID || used.AreaID != a.ID || used.Role != st.Role || used.Family == "" || used.Token == "" || used.Token == first {
		t.Fatalf("token read back as %+v", used)
	}
	if strings.Contains(storeRaw(t, s, "refresh_tokens"), used.Token) {
		t.Fatal("the next refresh token is stored in clear")
	}
	for _, tok := range []string{first, used.Token} {
		sess, err := s.SessionOf(ctx, tok)
		storeCheck(t, err)
		if sess.Family != used.Family {
			t.Fatalf("family %q, want %q", sess.Family, used.Family)
		}
	}
	// The right session with a made-up secret is nobody's token.
	if _, err := s.SessionOf(ctx, used.Family+"."+heard.NewSecret()); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("a made-up token of a real session: %v", err)
	}
	if _, err := s.UseRefreshToken(ctx, used.Family+"."+heard.NewSecret()); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("using a made-up token of a real session: %v, want ErrNotFound (the session goes on)", err)
	}
	second := used.Token
	other, err := s.IssueRefreshToken(ctx, store.RefreshToken{SubjectID: st.ID, Role: st.Role, AreaID: a.ID}, time.Hour)
	storeCheck(t, err)

	clock.Advance(time.Minute)
	reused, err := s.UseRefreshToken(ctx, first)
	if !errors.Is(err, store.ErrTokenReused) {
		t.Fatalf("presenting a spent token: %v, want ErrTokenReused", err)
	}
	if reused.SubjectID != st.ID {
		t.Errorf("a reuse should say whose session it was (for the log), got %q", reused.SubjectID)
	}
	if _, err := s.UseRefreshToken(ctx, second); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("the newest token of a reused family: %v, want ErrNotFound", err)
	}
	if ok, err := sessionActive(ctx, s, used.Family); err != nil || ok {
		t.Fatalf("the reused family's session is still active (%v, %v)", ok, err)
	}
	if _, err := s.UseRefreshToken(ctx, other); err != nil {
		t.Fatalf("another session of the same person was ended too: %v", err)
	}
}

func TestRefreshTokensExpireAndSignOutEndsTheSession(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	issue := func() (string, string) {
		tok, err := s.IssueRefreshToken(ctx, store.RefreshToken{SubjectID: "someone", Role: heard.RoleKeyWorker, AreaID: a.ID}, time.Hour)
		storeCheck(t, err)
		sess, err := s.SessionOf(ctx, tok)
		storeCheck(t, err)
		return tok, sess.Family
	}
	old, _ := issue()
	clock.Advance(time.Hour)
	if _, err := s.UseRefreshToken(ctx, old); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("an expired token: %v, want ErrNotFound (not a reuse)", err)
	}
	live, family := issue()
	if ok, err := sessionActive(ctx, s, family); err != nil || !ok {
		t.Fatalf("a new session should be active (%v, %v)", ok, err)
	}
	storeCheck(t, s.RevokeFamily(ctx, family))
	if _, err := s.UseRefreshToken(ctx, live); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("a signed-out token: %v, want ErrNotFound", err)
	}
	if ok, _ := sessionActive(ctx, s, family); ok {
		t.Fatal("a signed-out session is still active")
	}
	if _, err := s.UseRefreshToken(ctx, "never-issued"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("an unknown token: %v", err)
	}
	if _, err := s.SessionOf(ctx, "never-issued"); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("the family of an unknown token: %v", err)
	}
	// A session started with a family already in use is refused.
	if _, err := s.IssueRefreshToken(ctx, store.RefreshToken{Family: family, SubjectID: "someone", Role: heard.RoleKeyWorker, AreaID: a.ID}, time.Hour); !errors.Is(err, heard.ErrConflict) {
		t.Fatalf("a second session with one family: %v", err)
	}
}

func TestLoginFailuresLockAKeyForAWhile(t *testing.T) {
	s, clock, ctx := storeNew(t)
	const key, other = "account:kim@a.test", "account:kai@a.test"
	fail := func(k string) { storeCheck(t, s.RecordLoginFailure(ctx, k, 5, 15*time.Minute, 15*time.Minute)) }
	locked := func(k string) time.Time {
		until, err := s.LoginLockedUntil(ctx, k)
		storeCheck(t, err)
		return until
	}
	if !locked(key).IsZero() {
		t.Fatal("a key nobody tried is locked")
	}
	for i := 1; i <= 4; i++ {
		fail(key)
		clock.Advance(time.Minute)
		if !locked(key).IsZero() {
			t.Fatalf("locked after %d failures", i)
		}
	}
	fail(key)
	if until := locked(key); !until.Equal(clock.Now().Add(15 * time.Minute)) {
		t.Fatalf("after 5 failures locked until %v, want 15 minutes from now", until)
	}
	if !locked(other).IsZero() {
		t.Fatal("another account was locked with this one")
	}
	clock.Advance(15 * time.Minute)
	if !locked(key).IsZero() {
		t.Fatal("the lock did not end after 15 minutes")
	}
	// The count started again when the lock was set: one more failure does not lock.
	fail(key)
	if !locked(key).IsZero() {
		t.Fatal("one failure after a lock ended locked the account again")
	}
	storeCheck(t, s.ClearLoginFailures(ctx, key))
	for range 4 {
		fail(key)
	}
	if !locked(key).IsZero() {
		t.Fatal("failures from before the clear were still counted")
	}
}

func TestLoginFailuresOutsideTheWindowAreForgotten(t *testing.T) {
	s, clock, ctx := storeNew(t)
	const key = "address:192.0.2.1"
	for range 4 {
		storeCheck(t, s.RecordLoginFailure(ctx, key, 5, 15*time.Minute, 15*time.Minute))
	}
	clock.Advance(16 * time.Minute)
	storeCheck(t, s.RecordLoginFailure(ctx, key, 5, 15*time.Minute, 15*time.Minute))
	if until, _ := s.LoginLockedUntil(ctx, key); !until.IsZero() {
		t.Fatal("failures from an old window were counted")
	}
	for range 4 {
		storeCheck(t, s.RecordLoginFailure(ctx, key, 5, 15*time.Minute, 15*time.Minute))
	}
	if until, _ := s.LoginLockedUntil(ctx, key); until.IsZero() {
		t.Fatal("five failures in the new window should lock")
	}
}

func TestAuditLogIsPerAreaNewestFirst(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a, b := storeArea(t, s, "A"), storeArea(t, s, "B")
	for i, action := range []string{"record_read", "devices_read", "moves_read"} {
		storeCheck(t, s.Audit(ctx, heard.AuditEntry{AreaID: a.ID, ActorID: "kw", ActorRole: heard.RoleKeyWorker, Action: action, YoungPersonID: "yp", RequestID: string(rune('a' + i))}))
		clock.Advance(time.Second)
	}
	storeCheck(t, s.Audit(ctx, heard.AuditEntry{AreaID: b.ID, ActorID: "kw-b", Action: "record_read"}))
	log, err := s.AuditLog(ctx, a.ID, 2)
	storeCheck(t, err)
	if len(log) != 2 || log[0].Action != "moves_read" || log[1].Action != "devices_read" {
		t.Fatalf("the latest two of area A, newest first: %+v", log)
	}
	if log[0].ID == "" || !heard.ValidID(log[0].ID) || !log[0].At.Equal(storeStart.Add(2*time.Second)) {
		t.Fatalf("an entry gets an id and the store's time: %+v", log[0])
	}
	all, err := s.AuditLog(ctx, b.ID, 200)
	storeCheck(t, err)
	if len(all) != 1 || all[0].ActorID != "kw-b" {
		t.Fatalf("area B's log: %+v", all)
	}
}

func TestRefreshRaceEndsTheSession(t *testing.T) {
	s, _, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	tok, err := s.IssueRefreshToken(ctx, store.RefreshToken{SubjectID: "kim", Role: heard.RoleKeyWorker, AreaID: a.ID}, time.Hour)
	storeCheck(t, err)
	sess, err := s.SessionOf(ctx, tok)
	storeCheck(t, err)
	const copies = 20
	type result struct {
		next string
		err  error
	}
	results := make(chan result, copies)
	var wg sync.WaitGroup
	for range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t, err := s.UseRefreshToken(ctx, tok)
			results <- result{t.Token, err}
		}()
	}
	wg.Wait()
	close(results)
	won, reused := 0, 0
	var next string
	for r := range results {
		switch {
		case r.err == nil:
			won++
			next = r.next
		case errors.Is(r.err, store.ErrTokenReused):
			reused++
		case errors.Is(r.err, heard.ErrNotFound): // arrived after the session had ended
		default:
			t.Errorf("unexpected error: %v", r.err)
		}
	}
	if won != 1 || reused == 0 {
		t.Fatalf("%d refreshes won and %d were seen as reuse; want exactly 1 winner and the reuse seen", won, reused)
	}
	if ok, _ := sessionActive(ctx, s, sess.Family); ok {
		t.Fatal("two holders of one token: the session must end")
	}
	// The winner's new token does not bring the ended session back.
	if _, err := s.UseRefreshToken(ctx, next); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("the winner's token of an ended session: %v, want ErrNotFound", err)
	}
}

// Failed sign-ins arriving together are each counted: twenty at once on a key
// whose limit is twenty pause it; nineteen do not.
func TestConcurrentLoginFailuresAreAllCounted(t *testing.T) {
	s, _, ctx := storeNew(t)
	for _, tc := range []struct {
		failures int
		paused   bool
	}{{heard.LoginFailuresAddress - 1, false}, {heard.LoginFailuresAddress, true}} {
		key := "address:192.0.2." + strconv.Itoa(tc.failures)
		var wg sync.WaitGroup
		for range tc.failures {
			wg.Add(1)
			go func() {
				defer wg.Done()
				storeCheck(t, s.RecordLoginFailure(ctx, key, heard.LoginFailuresAddress, heard.LoginWindow, heard.LoginLockFor))
			}()
		}
		wg.Wait()
		if until, _ := s.LoginLockedUntil(ctx, key); until.IsZero() == tc.paused {
			t.Fatalf("%d failures arriving together: paused %v, want %v", tc.failures, !until.IsZero(), tc.paused)
		}
	}
}

// sessionActive reports whether a session is stored and not ended.
func sessionActive(ctx context.Context, s *store.Store, family string) (bool, error) {
	t, err := s.SessionState(ctx, family)
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil && t.EndedAt == nil, err
}
