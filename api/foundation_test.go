package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// Helpers for the sign-in tests (prefixed "found" to keep clear of other files).

const foundPIN = "2580"

func (w *world) foundLogin(email, password string) response {
	w.t.Helper()
	return w.call("POST", "/api/auth/login", "", map[string]string{"email": email, "password": password})
}

// foundCode has the key worker make a join code for the young person.
func (w *world) foundCode(kw heard.Staff, y heard.YoungPerson) map[string]any {
	w.t.Helper()
	r := w.call("POST", "/api/young-people/"+y.ID+"/join-codes", w.tokenFor(kw), nil)
	w.expect(r, 201, "")
	return r.Body
}

func (w *world) foundJoin(code, pin string) response {
	w.t.Helper()
	return w.call("POST", "/api/auth/join", "", map[string]string{"code": code, "pin": pin, "deviceName": "Yara's phone"})
}

// foundJoined joins a fresh phone for the young person (PIN foundPIN) and returns the session.
func (w *world) foundJoined(f areaFixture, kw heard.Staff, y heard.YoungPerson) map[string]any {
	w.t.Helper()
	r := w.foundJoin(w.foundCode(kw, y)["code"].(string), foundPIN)
	w.expect(r, 201, "")
	return r.Body
}

func (w *world) foundUnlock(sess map[string]any, pin string) response {
	w.t.Helper()
	return w.call("POST", "/api/auth/unlock", "", map[string]string{"deviceId": sess["deviceId"].(string), "deviceSecret": sess["deviceSecret"].(string), "pin": pin})
}

func (w *world) foundRefresh(refresh any) response {
	w.t.Helper()
	return w.call("POST", "/api/auth/refresh", "", map[string]any{"refreshToken": refresh})
}

func str(m map[string]any, key string) string { v, _ := m[key].(string); return v }

// foundListen serves the app on a real loopback listener (needed to see 413s and
// to send requests from different addresses).
func foundListen(t *testing.T, w *world) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go func() { _ = w.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = w.srv.App().ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// foundClientFrom sends requests from a given loopback address (Linux routes all of 127/8 to lo).
func foundClientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

func foundPost(t *testing.T, client *http.Client, url string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	j, err := json.Marshal(body)
	must(t, err)
	res, err := client.Post(url, "application/json", bytes.NewReader(j))
	must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return res.StatusCode, m, res.Header
}

func errorPart(r response) map[string]any { e, _ := r.Body["error"].(map[string]any); return e }

func TestStaffSignIn(t *testing.T) {
	w := newWorld(t)
	r := w.foundLogin("  "+strings.ToUpper(w.A.KW1.Email)+" ", testPassword)
	w.expect(r, 200, "")
	if r.Body["expiresIn"] != float64(900) || str(r.Body, "refreshToken") == "" || r.Body["deviceSecret"] != nil {
		t.Fatalf("a staff session: %s", r.Raw)
	}
	user, _ := r.Body["user"].(map[string]any)
	if str(user, "id") != w.A.KW1.ID || str(user, "role") != "key_worker" || str(user, "firstName") != "Kim" || str(user, "areaName") != "Area a" {
		t.Fatalf("the signed-in user: %v", user)
	}
	access := str(r.Body, "accessToken")
	me := w.call("GET", "/api/me", access, nil)
	w.expect(me, 200, "")
	if str(me.Body, "id") != w.A.KW1.ID {
		t.Fatalf("/api/me with the new token: %s", me.Raw)
	}
	// The app shows times in the area's zone and offers the area's languages first.
	if langs, _ := me.Body["areaLanguages"].([]any); str(me.Body, "areaTimeZone") != w.A.Area.Location().String() || len(langs) == 0 || len(langs) != len(w.A.Area.Languages) {
		t.Fatalf("/api/me lacks the area's time zone or languages: %s", me.Raw)
	}
	// The token says who, where and in what role, pinned to Heard.
	var c Claims
	tok, _, err := jwt.NewParser().ParseUnverified(access, &c)
	must(t, err)
	if tok.Method.Alg() != "HS256" || c.Issuer != "heard" || len(c.Audience) != 1 || c.Audience[0] != "heard-api" ||
		c.Area != w.A.Area.ID || c.Role != heard.RoleKeyWorker || c.Subject != w.A.KW1.ID || c.Session == "" ||
		!c.ExpiresAt.Time.Equal(w.clock.Now().Add(15*time.Minute)) {
		t.Fatalf("access token claims: alg %s %+v", tok.Method.Alg(), c)
	}
}

func TestSignInErrorsDoNotRevealAccounts(t *testing.T) {
	w := newWorld(t)
	disabled := w.A.KW2
	must(t, w.store.UpdateStaff(context.Background(), w.A.Area.ID, disabled.ID, bson.D{{Key: "disabled", Value: true}}))
	unknown := w.foundLogin("nobody@a.test", testPassword)
	wrong := w.foundLogin(w.A.KW1.Email, "not the password")
	off := w.foundLogin(disabled.Email, testPassword)
	for _, r := range []response{unknown, wrong, off} {
		w.expect(r, 401, "invalid_credentials")
	}
	if !reflect.DeepEqual(errorPart(unknown), errorPart(wrong)) || !reflect.DeepEqual(errorPart(wrong), errorPart(off)) {
		t.Fatalf("answers differ:\n%s\n%s\n%s", unknown.Raw, wrong.Raw, off.Raw)
	}
	if strings.Contains(strings.ToLower(str(errorPart(wrong), "message")), "password is wrong") {
		t.Fatal("the message tells which half was wrong")
	}
}

func TestAccountLockout(t *testing.T) {
	w := newWorld(t)
	kim, ghost := w.A.KW1.Email, "ghost@a.test"
	for i := 1; i <= heard.LoginFailuresAccount; i++ {
		w.expect(w.foundLogin(kim, "wrong "+strconv.Itoa(i)), 401, "invalid_credentials")
		w.expect(w.foundLogin(ghost, "wrong "+strconv.Itoa(i)), 401, "invalid_credentials")
	}
	locked := w.foundLogin(kim, testPassword)
	w.expect(locked, 429, "too_many_attempts")
	if locked.Header.Get("Retry-After") != "900" || locked.Body["error"].(map[string]any)["retryAfter"] != float64(900) {
		t.Fatalf("a locked account says when to try again: %v %s", locked.Header, locked.Raw)
	}
	// A locked account and a locked unknown email look the same.
	lockedGhost := w.foundLogin(ghost, testPassword)
	if !reflect.DeepEqual(errorPart(locked), errorPart(lockedGhost)) {
		t.Fatalf("locked answers differ: %s / %s", locked.Raw, lockedGhost.Raw)
	}
	// Other accounts on the same address still sign in.
	w.expect(w.foundLogin(w.A.KW2.Email, testPassword), 200, "")
	w.clock.Advance(14 * time.Minute)
	w.expect(w.foundLogin(kim, testPassword), 429, "too_many_attempts")
	w.clock.Advance(time.Minute)
	w.expect(w.foundLogin(kim, testPassword), 200, "")

	// A successful sign-in forgets earlier failures.
	for range 4 {
		w.expect(w.foundLogin(w.A.Admin.Email, "nope nope nope"), 401, "invalid_credentials")
	}
	w.expect(w.foundLogin(w.A.Admin.Email, testPassword), 200, "")
	for range 4 {
		w.expect(w.foundLogin(w.A.Admin.Email, "nope nope nope"), 401, "invalid_credentials")
	}
	w.expect(w.foundLogin(w.A.Admin.Email, testPassword), 200, "")
}

func TestAddressLockout(t *testing.T) {
	w := newWorld(t)
	base := foundListen(t, w)
	noisy, quiet := foundClientFrom("127.0.0.2"), foundClientFrom("127.0.0.3")
	// Many accounts tried from one address: each account stays under its own limit.
	for i := 0; i < heard.LoginFailuresAddress; i++ {
		status, body, _ := foundPost(t, noisy, base+"/api/auth/login", map[string]string{"email": "user" + strconv.Itoa(i) + "@a.test", "password": "guess guess"})
		if status != 401 {
			t.Fatalf("failure %d: %d %v", i+1, status, body)
		}
	}
	status, body, h := foundPost(t, noisy, base+"/api/auth/login", map[string]string{"email": w.A.KW1.Email, "password": testPassword})
	if status != 429 || body["error"].(map[string]any)["code"] != "too_many_attempts" || h.Get("Retry-After") == "" {
		t.Fatalf("the noisy address should be paused: %d %v", status, body)
	}
	status, body, _ = foundPost(t, quiet, base+"/api/auth/login", map[string]string{"email": w.A.KW1.Email, "password": testPassword})
	if status != 200 {
		t.Fatalf("another address is not paused: %d %v", status, body)
	}
}

func TestSignInRouteRateLimit(t *testing.T) {
	w := newWorld(t, func(c *Config) { c.AuthRateLimit = 3 })
	w.expect(w.foundLogin(w.A.KW1.Email, testPassword), 200, "")
	w.expect(w.foundJoin("KFRW-4829", foundPIN), 400, "join_code_invalid")
	w.expect(w.call("POST", "/api/auth/unlock", "", map[string]string{"deviceId": heard.NewID(), "deviceSecret": "x", "pin": "1234"}), 401, "device_revoked")
	// The limit is shared by the three sign-in routes, per address.
	r := w.foundLogin(w.A.KW1.Email, testPassword)
	w.expect(r, 429, "too_many_attempts")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	w.expect(w.foundJoin("KFRW-4829", foundPIN), 429, "too_many_attempts")
	// Routes that are not sign-in are not limited.
	w.expect(w.call("GET", "/api/me", w.tokenFor(w.A.KW1), nil), 200, "")
}

func TestJoinAndUnlock(t *testing.T) {
	w := newWorld(t)
	jc := w.foundCode(w.A.KW1, w.A.YP1)
	code := str(jc, "code")
	if _, ok := heard.NormaliseJoinCode(code); !ok || len(code) != 9 {
		t.Fatalf("join code %q", code)
	}
	if str(jc, "expiresAt") != w.clock.Now().Add(24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("expires %s, want 24 hours on", jc["expiresAt"])
	}
	if !strings.HasSuffix(str(jc, "joinUrl"), "/#/join/"+strings.ReplaceAll(code, "-", "")) {
		t.Fatalf("the QR link %q should open the join screen with the code", jc["joinUrl"])
	}
	qr, ok := strings.CutPrefix(str(jc, "qrDataUrl"), "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR is not a PNG data URL: %.40s", jc["qrDataUrl"])
	}
	raw, err := base64.StdEncoding.DecodeString(qr)
	must(t, err)
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 200 || b.Dx() != b.Dy() {
		t.Fatalf("QR image is %v", b)
	}

	// The young person types it however they like.
	r := w.foundJoin(strings.ToLower(strings.ReplaceAll(code, "-", " ")), foundPIN)
	w.expect(r, 201, "")
	if !heard.ValidID(str(r.Body, "deviceId")) || len(str(r.Body, "deviceSecret")) < 40 || str(r.Body, "accessToken") == "" || str(r.Body, "refreshToken") == "" {
		t.Fatalf("join should give the phone its credentials: %s", r.Raw)
	}
	user := r.Body["user"].(map[string]any)
	if str(user, "role") != "young_person" || str(user, "id") != w.A.YP1.ID || user["keyWorker"].(map[string]any)["name"] != "Kim" {
		t.Fatalf("joined as %v", user)
	}
	if _, hasEmail := user["email"]; hasEmail {
		t.Fatal("a young person has no email")
	}
	sess := r.Body
	w.expect(w.call("GET", "/api/me", str(sess, "accessToken"), nil), 200, "")
	devices := w.call("GET", "/api/young-people/"+w.A.YP1.ID+"/devices", w.tokenFor(w.A.KW1), nil)
	w.expect(devices, 200, "")
	found := false
	for _, d := range devices.Items() {
		found = found || d["id"] == sess["deviceId"] && d["name"] == "Yara's phone"
	}
	if !found {
		t.Fatalf("the key worker does not see the new phone: %s", devices.Raw)
	}

	// The code worked once.
	w.expect(w.foundJoin(code, foundPIN), 400, "join_code_invalid")

	// Later, the PIN unlocks the app on that phone.
	u := w.foundUnlock(sess, foundPIN)
	w.expect(u, 200, "")
	if str(u.Body, "accessToken") == "" || str(u.Body, "refreshToken") == str(sess, "refreshToken") {
		t.Fatalf("unlock should start a new session: %s", u.Raw)
	}
	wrongSecret := map[string]any{"deviceId": sess["deviceId"], "deviceSecret": "not-the-secret", "pin": foundPIN}
	w.expect(w.foundUnlock(wrongSecret, foundPIN), 401, "device_revoked")
	// Another young person's phone secret does not open this one.
	other := map[string]any{"deviceId": w.A.Devices[w.A.YP2.ID].ID, "deviceSecret": sess["deviceSecret"], "pin": foundPIN}
	w.expect(w.foundUnlock(other, foundPIN), 401, "device_revoked")
}

func TestJoinCodeWorksForOnePhoneOnly(t *testing.T) {
	w := newWorld(t)
	code := str(w.foundCode(w.A.KW1, w.A.YP2), "code")
	before, _ := w.store.Devices(context.Background(), w.A.Area.ID, w.A.YP2.ID)
	const phones = 2
	statuses := make(chan int, phones)
	codes := make(chan string, phones)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body, _ := json.Marshal(map[string]string{"code": code, "pin": foundPIN})
			req := httptest.NewRequest("POST", "/api/auth/join", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			res, err := w.srv.App().Test(req, -1)
			if err != nil {
				statuses <- 0
				return
			}
			defer res.Body.Close()
			var m map[string]any
			_ = json.NewDecoder(res.Body).Decode(&m)
			statuses <- res.StatusCode
			if e, ok := m["error"].(map[string]any); ok {
				codes <- e["code"].(string)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	close(codes)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	if got[201] != 1 || got[400] != 1 {
		t.Fatalf("two phones, one code: statuses %v; want one 201 and one 400", got)
	}
	if c := <-codes; c != "join_code_invalid" {
		t.Fatalf("the second phone was told %q", c)
	}
	after, _ := w.store.Devices(context.Background(), w.A.Area.ID, w.A.YP2.ID)
	if len(after) != len(before)+1 {
		t.Fatalf("%d phones joined, want 1", len(after)-len(before))
	}
}

func TestJoinCodeExpiresAfter24Hours(t *testing.T) {
	w := newWorld(t)
	old := str(w.foundCode(w.A.KW1, w.A.YP1), "code")
	w.clock.Advance(time.Hour)
	fresh := str(w.foundCode(w.A.KW1, w.A.YP1), "code")
	w.clock.Advance(23 * time.Hour)
	w.expect(w.foundJoin(old, foundPIN), 400, "join_code_invalid")
	w.clock.Advance(59 * time.Minute)
	w.expect(w.foundJoin(fresh, foundPIN), 201, "")
}

func TestJoinRefusesABadPINWithoutUsingTheCode(t *testing.T) {
	w := newWorld(t)
	code := str(w.foundCode(w.A.KW1, w.A.YP1), "code")
	for _, pin := range []string{"", "123", "1234567", "12a4", "١٢٣٤"} {
		r := w.foundJoin(code, pin)
		w.expect(r, 400, "validation_failed")
		if r.Field("pin") != "pin_format" {
			t.Fatalf("PIN %q: %s", pin, r.Raw)
		}
	}
	w.expect(w.foundJoin(code, "123456"), 201, "")
}

func TestWrongPINsPauseThenSignThePhoneOut(t *testing.T) {
	w := newWorld(t)
	sess := w.foundJoined(w.A, w.A.KW1, w.A.YP1)
	access := str(sess, "accessToken")
	wrong := func(n int) response {
		t.Helper()
		return w.foundUnlock(sess, "0000")
	}
	for n := 1; n <= 4; n++ {
		r := wrong(n)
		w.expect(r, 401, "pin_incorrect")
		if left := errorPart(r)["attemptsLeft"]; left != float64(5-n) {
			t.Fatalf("after %d wrong PINs, %v tries left; want %d", n, left, 5-n)
		}
	}
	r := wrong(5)
	w.expect(r, 423, "device_locked")
	if r.Header.Get("Retry-After") != "900" {
		t.Fatalf("locked for %q seconds, want 900", r.Header.Get("Retry-After"))
	}
	// Even the right PIN waits.
	w.expect(w.foundUnlock(sess, foundPIN), 423, "device_locked")
	w.clock.Advance(10 * time.Minute)
	w.expect(w.foundUnlock(sess, foundPIN), 423, "device_locked")
	w.clock.Advance(5 * time.Minute)
	w.expect(w.foundUnlock(sess, foundPIN), 200, "")

	// The right PIN started the count again: fifteen more wrong ones sign the phone out.
	for n := 1; n <= heard.PINTriesBeforeRevoke; n++ {
		r := wrong(n)
		switch {
		case n == 15:
			w.expect(r, 401, "device_revoked")
		case n%5 == 0:
			w.expect(r, 423, "device_locked")
			w.clock.Advance(heard.PINLockFor)
		default:
			w.expect(r, 401, "pin_incorrect")
		}
	}
	w.expect(w.foundUnlock(sess, foundPIN), 401, "device_revoked")
	w.expect(w.call("GET", "/api/me", access, nil), 401, "")
	w.expect(w.foundRefresh(sess["refreshToken"]), 401, "session_expired")
	devices := w.call("GET", "/api/young-people/"+w.A.YP1.ID+"/devices", w.tokenFor(w.A.KW1), nil)
	for _, d := range devices.Items() {
		if d["id"] == sess["deviceId"] && d["revokedAt"] == nil {
			t.Fatalf("the key worker should see the phone signed out: %s", devices.Raw)
		}
	}
}

func TestPINGuessesAtOnceAreCountedOneByOne(t *testing.T) {
	w := newWorld(t)
	sess := w.foundJoined(w.A, w.A.KW1, w.A.YP1)
	const burst = 12
	var wg sync.WaitGroup
	answers := make(chan string, burst)
	for range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"deviceId": sess["deviceId"], "deviceSecret": sess["deviceSecret"], "pin": "0000"})
			req := httptest.NewRequest("POST", "/api/auth/unlock", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			res, err := w.srv.App().Test(req, -1)
			if err != nil {
				answers <- err.Error()
				return
			}
			defer res.Body.Close()
			var m map[string]any
			_ = json.NewDecoder(res.Body).Decode(&m)
			e, _ := m["error"].(map[string]any)
			answers <- strconv.Itoa(res.StatusCode) + " " + str(e, "code")
		}()
	}
	wg.Wait()
	close(answers)
	got := map[string]int{}
	for a := range answers {
		got[a]++
	}
	for a := range got {
		if a != "401 pin_incorrect" && a != "423 device_locked" && a != "429 too_many_attempts" {
			t.Fatalf("unexpected answer %q in %v", a, got)
		}
	}
	d, err := w.store.DeviceByID(context.Background(), str(sess, "deviceId"))
	must(t, err)
	// Every wrong PIN that was compared was counted (the fifth answers "paused"),
	// and no more than five were compared before the pause.
	told := got["401 pin_incorrect"]
	if d.PINFailures > heard.PINTriesBeforeLock || d.PINFailures != told && !(d.PINFailures == 5 && told == 4) {
		t.Fatalf("answers %v, but %d wrong PINs counted (at most %d may be tried before the pause)", got, d.PINFailures, heard.PINTriesBeforeLock)
	}
}

func TestRefreshRotatesAndReuseEndsTheSession(t *testing.T) {
	w := newWorld(t)
	first := w.foundLogin(w.A.KW1.Email, testPassword).Body
	other := w.foundLogin(w.A.KW1.Email, testPassword).Body // the same person on another computer

	second := w.foundRefresh(first["refreshToken"])
	w.expect(second, 200, "")
	if str(second.Body, "refreshToken") == str(first, "refreshToken") || str(second.Body, "accessToken") == "" {
		t.Fatalf("refresh must give a new refresh token: %s", second.Raw)
	}
	w.expect(w.call("GET", "/api/me", str(second.Body, "accessToken"), nil), 200, "")

	// Someone replays the first token: the whole session ends, for both holders.
	w.expect(w.foundRefresh(first["refreshToken"]), 401, "session_expired")
	w.expect(w.foundRefresh(second.Body["refreshToken"]), 401, "session_expired")
	w.expect(w.call("GET", "/api/me", str(second.Body, "accessToken"), nil), 401, "session_expired")
	w.expect(w.call("GET", "/api/me", str(first, "accessToken"), nil), 401, "session_expired")

	// The other session is untouched.
	w.expect(w.call("GET", "/api/me", str(other, "accessToken"), nil), 200, "")
	w.expect(w.foundRefresh(other["refreshToken"]), 200, "")
}

func TestSignOutEndsTheSession(t *testing.T) {
	w := newWorld(t)
	sess := w.foundLogin(w.A.KW1.Email, testPassword).Body
	other := w.foundLogin(w.A.KW1.Email, testPassword).Body
	r := w.call("POST", "/api/auth/logout", "", map[string]any{"refreshToken": sess["refreshToken"]})
	w.expect(r, 204, "")
	w.expect(w.foundRefresh(sess["refreshToken"]), 401, "session_expired")
	w.expect(w.call("GET", "/api/me", str(sess, "accessToken"), nil), 401, "session_expired")
	// Signing out again, or with a token that never existed, is still "signed out".
	w.expect(w.call("POST", "/api/auth/logout", "", map[string]any{"refreshToken": sess["refreshToken"]}), 204, "")
	w.expect(w.call("POST", "/api/auth/logout", "", map[string]any{"refreshToken": "never-issued"}), 204, "")
	w.expect(w.call("GET", "/api/me", str(other, "accessToken"), nil), 200, "")

	// A young person's phone signs out the same way.
	yp := w.foundJoined(w.A, w.A.KW1, w.A.YP1)
	w.expect(w.call("POST", "/api/auth/logout", "", map[string]any{"refreshToken": yp["refreshToken"]}), 204, "")
	w.expect(w.call("GET", "/api/me", str(yp, "accessToken"), nil), 401, "session_expired")
	// ... and the PIN opens a new session on it.
	w.expect(w.foundUnlock(yp, foundPIN), 200, "")
}

func TestSessionsLastTheirTime(t *testing.T) {
	w := newWorld(t)
	staff := w.foundLogin(w.A.KW1.Email, testPassword).Body
	yp := w.foundJoined(w.A, w.A.KW1, w.A.YP1)
	w.clock.Advance(29 * time.Minute)
	next := w.foundRefresh(yp["refreshToken"])
	w.expect(next, 200, "")
	// Half an hour unused: the phone needs its PIN again.
	w.clock.Advance(31 * time.Minute)
	w.expect(w.foundRefresh(next.Body["refreshToken"]), 401, "session_expired")
	// An access token lasts 15 minutes.
	w.expect(w.call("GET", "/api/me", str(staff, "accessToken"), nil), 401, "token_expired")
	w.clock.Advance(11 * time.Hour)
	w.expect(w.foundRefresh(staff["refreshToken"]), 401, "session_expired")
}

func TestTokensAreCheckedStrictly(t *testing.T) {
	w := newWorld(t)
	now := w.clock.Now()
	key := w.tokens.key
	real, _ := w.tokens.Parse(w.tokenFor(w.A.KW1))
	base := func() Claims {
		return Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "heard", Audience: jwt.ClaimStrings{"heard-api"}, Subject: w.A.KW1.ID,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute))}, Area: w.A.Area.ID, Role: heard.RoleKeyWorker,
			Session: real.Session}
	}
	sign := func(m jwt.SigningMethod, c Claims, k any) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		must(t, err)
		return s
	}
	// The well-made token works, so each refusal below is for the one thing changed.
	w.expect(w.call("GET", "/api/me", sign(jwt.SigningMethodHS256, base(), key), nil), 200, "")

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	valid := sign(jwt.SigningMethodHS256, base(), key)
	parts := strings.Split(valid, ".")
	forgedClaims := base()
	forgedClaims.Role = heard.RoleAdministrator
	forgedPayload, _ := json.Marshal(forgedClaims)
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedPayload) + "." + parts[2]

	with := func(change func(*Claims)) Claims { c := base(); change(&c); return c }
	cases := []struct {
		name, token, code string
	}{
		{"expired", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) }), key), "token_expired"},
		{"payload changed after signing", forged, "unauthenticated"},
		{"signature removed", parts[0] + "." + parts[1] + ".", "unauthenticated"},
		{"alg none", sign(jwt.SigningMethodNone, base(), jwt.UnsafeAllowNoneSignatureType), "unauthenticated"},
		{"HS512 with the right key", sign(jwt.SigningMethodHS512, base(), key), "unauthenticated"},
		{"RS256 with another key", sign(jwt.SigningMethodRS256, base(), rsaKey), "unauthenticated"},
		{"HS256 with another key", sign(jwt.SigningMethodHS256, base(), bytes.Repeat([]byte("x"), 32)), "unauthenticated"},
		{"wrong audience", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Audience = jwt.ClaimStrings{"another-api"} }), key), "unauthenticated"},
		{"wrong issuer", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Issuer = "someone-else" }), key), "unauthenticated"},
		{"no expiry", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.ExpiresAt = nil }), key), "unauthenticated"},
		{"not valid yet", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) }), key), "unauthenticated"},
		{"no subject", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Subject = "" }), key), "unauthenticated"},
		{"no area", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Area = "" }), key), "unauthenticated"},
		{"no session", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Session = "" }), key), "unauthenticated"},
		{"unknown role", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Role = "superuser" }), key), "unauthenticated"},
		{"another area in the claims", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Area = w.B.Area.ID }), key), "unauthenticated"},
		{"staff id as a young person", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Role = heard.RoleYoungPerson; c.Device = w.A.Devices[w.A.YP1.ID].ID }), key), "device_revoked"},
		{"young person without a phone", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Subject = w.A.YP1.ID; c.Role = heard.RoleYoungPerson }), key), "device_revoked"},
		{"young person with someone else's phone", sign(jwt.SigningMethodHS256, with(func(c *Claims) {
			c.Subject, c.Role, c.Device = w.A.YP1.ID, heard.RoleYoungPerson, w.A.Devices[w.A.YP2.ID].ID
		}), key), "device_revoked"},
		{"garbage", "not.a.token", "unauthenticated"},
		{"a session never issued", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Session = heard.NewID() }), key), "session_expired"},
		{"another person's session", sign(jwt.SigningMethodHS256, with(func(c *Claims) {
			other, _ := w.tokens.Parse(w.tokenFor(w.A.KW2))
			c.Session = other.Session
		}), key), "session_expired"},
		{"no issued-at", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.IssuedAt = nil }), key), "unauthenticated"},
		{"living longer than Heard's tokens", sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(24 * time.Hour)) }), key), "unauthenticated"},
		{"exp as a string", signRaw(t, key, base(), `"exp":"`+strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10)+`"`), "unauthenticated"},
		{"exp as a fraction", signRaw(t, key, base(), `"exp":`+strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10)+`.5`), "unauthenticated"},
		{"exp as an exponent", signRaw(t, key, base(), `"exp":1.7941e9`), "unauthenticated"},
		{"exp far past the end of time", signRaw(t, key, base(), `"exp":1e400`), "unauthenticated"},
		{"exp negative", signRaw(t, key, base(), `"exp":-1`), "token_expired"},
		{"exp null", signRaw(t, key, base(), `"exp":null`), "unauthenticated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.expect(w.call("GET", "/api/me", tc.token, nil), 401, tc.code)
		})
	}
	for _, h := range []string{"", "Bearer", "Bearer ", "bearer " + valid, "Token " + valid, valid, "Basic a2ltOnB3"} {
		req := httptest.NewRequest("GET", "/api/me", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		res, err := w.srv.App().Test(req, -1)
		must(t, err)
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("Authorization %q: %d, want 401", h, res.StatusCode)
		}
	}
	// The role in a token is not trusted over the account: a key worker's token
	// claiming administrator still gets a key worker's access.
	claimsAdmin := sign(jwt.SigningMethodHS256, with(func(c *Claims) { c.Role = heard.RoleAdministrator }), key)
	w.expect(w.call("GET", "/api/admin/staff", claimsAdmin, nil), 403, "forbidden")
}

func TestRoleChangesTakeEffectAtOnce(t *testing.T) {
	w := newWorld(t)
	tok := w.tokenFor(w.A.KW1)
	w.expect(w.call("GET", "/api/young-people/"+w.A.YP1.ID, tok, nil), 200, "")
	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.KW1.ID, w.tokenFor(w.A.Admin), map[string]any{"role": "commissioner"}), 200, "")
	// The session begun as a key worker has ended; one begun now has a commissioner's access.
	w.expect(w.call("GET", "/api/young-people/"+w.A.YP1.ID, tok, nil), 401, "session_expired")
	w.expect(w.call("GET", "/api/young-people/"+w.A.YP1.ID, w.tokenFor(w.A.KW1), nil), 403, "forbidden")
}

// signRaw signs c with one claim replaced by raw JSON (`"exp":"123"`), as a
// forger holding the key could write it.
func signRaw(t *testing.T, key []byte, c Claims, claim string) string {
	t.Helper()
	payload, err := json.Marshal(c)
	must(t, err)
	var m map[string]json.RawMessage
	must(t, json.Unmarshal(payload, &m))
	name, value, _ := strings.Cut(claim, ":")
	m[strings.Trim(name, `"`)] = json.RawMessage(value)
	body := "{"
	for k, v := range m {
		if len(body) > 1 {
			body += ","
		}
		body += strconv.Quote(k) + ":" + string(v)
	}
	body += "}"
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	unsigned := head + "." + base64.RawURLEncoding.EncodeToString([]byte(body))
	sig, err := jwt.SigningMethodHS256.Sign(unsigned, key)
	must(t, err)
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestRevokingAPhoneRefusesItAtOnce(t *testing.T) {
	w := newWorld(t)
	sess := w.foundJoined(w.A, w.A.KW1, w.A.YP1)
	access := str(sess, "accessToken")
	yp2 := w.youngToken(w.A, w.A.YP2)
	w.expect(w.call("GET", "/api/me", access, nil), 200, "")
	kw := w.tokenFor(w.A.KW1)
	// A phone of another young person cannot be signed out through this one's record.
	w.expect(w.call("DELETE", "/api/young-people/"+w.A.YP1.ID+"/devices/"+w.A.Devices[w.A.YP2.ID].ID, kw, nil), 404, "not_found")
	w.expect(w.call("GET", "/api/me", yp2, nil), 200, "")

	w.expect(w.call("DELETE", "/api/young-people/"+w.A.YP1.ID+"/devices/"+str(sess, "deviceId"), kw, nil), 204, "")
	w.expect(w.call("GET", "/api/me", access, nil), 401, "device_revoked")
	w.expect(w.foundRefresh(sess["refreshToken"]), 401, "session_expired")
	w.expect(w.foundUnlock(sess, foundPIN), 401, "device_revoked")
	// Yara's other phone, and other young people, carry on.
	w.expect(w.call("GET", "/api/me", w.youngToken(w.A, w.A.YP1), nil), 200, "")
	w.expect(w.call("GET", "/api/me", yp2, nil), 200, "")
	list := w.call("GET", "/api/young-people/"+w.A.YP1.ID+"/devices", kw, nil)
	for _, d := range list.Items() {
		if (d["id"] == sess["deviceId"]) != (d["revokedAt"] != nil) {
			t.Fatalf("only the revoked phone shows as signed out: %s", list.Raw)
		}
	}
}

func TestDisabledStaffAreRefused(t *testing.T) {
	w := newWorld(t)
	sess := w.foundLogin(w.A.KW2.Email, testPassword).Body
	admin := w.tokenFor(w.A.Admin)
	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.KW2.ID, admin, map[string]any{"disabled": true}), 200, "")
	w.expect(w.call("GET", "/api/me", str(sess, "accessToken"), nil), 401, "unauthenticated")
	w.expect(w.foundRefresh(sess["refreshToken"]), 401, "session_expired")
	w.expect(w.foundLogin(w.A.KW2.Email, testPassword), 401, "invalid_credentials")
	// A disabled account cannot be handed new young people either.
	r := w.call("POST", "/api/admin/assignments", admin, map[string]any{"youngPersonId": w.A.YP3.ID, "staffId": w.A.KW2.ID})
	w.expect(r, 400, "validation_failed")
	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.KW2.ID, admin, map[string]any{"disabled": false}), 200, "")
	w.expect(w.foundLogin(w.A.KW2.Email, testPassword), 200, "")
	// Administrators cannot disable themselves or give up their own role.
	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.Admin.ID, admin, map[string]any{"disabled": true}), 400, "validation_failed")
	w.expect(w.call("PATCH", "/api/admin/staff/"+w.A.Admin.ID, admin, map[string]any{"role": "key_worker"}), 400, "validation_failed")
}

func TestStaffReadsAreAuditedForAdministrators(t *testing.T) {
	w := newWorld(t)
	kw, mgr := w.tokenFor(w.A.KW1), w.tokenFor(w.A.Manager)
	reads := []struct {
		token, path, action string
	}{
		{kw, "/api/young-people/" + w.A.YP1.ID, "record_read"},
		{kw, "/api/young-people/" + w.A.YP1.ID + "/key-workers", "key_worker_history_read"},
		{kw, "/api/young-people/" + w.A.YP1.ID + "/moves", "moves_read"},
		{kw, "/api/young-people/" + w.A.YP1.ID + "/devices", "devices_read"},
		{mgr, "/api/young-people/" + w.A.YP2.ID, "record_read"},
	}
	want := map[string]bool{}
	for _, rd := range reads {
		w.clock.Advance(time.Second)
		r := w.call("GET", rd.path, rd.token, nil)
		w.expect(r, 200, "")
		want[r.Header.Get("X-Request-Id")+" "+rd.action] = true
	}
	// Refused reads, a young person's own reads, and lists do not write entries.
	w.expect(w.call("GET", "/api/young-people/"+w.A.YP3.ID, kw, nil), 403, "forbidden")
	w.expect(w.call("GET", "/api/young-people/"+w.B.YP1.ID, kw, nil), 404, "not_found")
	w.expect(w.call("GET", "/api/me", w.youngToken(w.A, w.A.YP1), nil), 200, "")

	log := w.call("GET", "/api/admin/audit", w.tokenFor(w.A.Admin), nil)
	w.expect(log, 200, "")
	items := log.Items()
	if len(items) != len(reads) {
		t.Fatalf("%d audit entries, want %d: %s", len(items), len(reads), log.Raw)
	}
	for _, e := range items {
		key := str(e, "requestId") + " " + str(e, "action")
		if !want[key] {
			t.Errorf("unexpected entry %v", e)
		}
		if e["youngPersonId"] == w.A.YP1.ID && (e["actorId"] != w.A.KW1.ID || e["actorRole"] != "key_worker" || e["youngPersonName"] != w.A.YP1.FirstName || e["actorName"] != w.A.KW1.Name) {
			t.Errorf("entry should name who read whose record: %v", e)
		}
	}
	for i := 1; i < len(items); i++ {
		if str(items[i-1], "at") <= str(items[i], "at") {
			t.Fatalf("the newest entries come first: %s", log.Raw)
		}
	}
	// Only administrators read it, and only their own area's.
	for _, tok := range []string{kw, mgr, w.tokenFor(w.A.Duty), w.tokenFor(w.A.Commish), w.tokenFor(w.A.OakStaff), w.youngToken(w.A, w.A.YP1)} {
		w.expect(w.call("GET", "/api/admin/audit", tok, nil), 403, "forbidden")
	}
	other := w.call("GET", "/api/admin/audit", w.tokenFor(w.B.Admin), nil)
	w.expect(other, 200, "")
	if len(other.Items()) != 0 {
		t.Fatalf("area B's administrator sees area A's log: %s", other.Raw)
	}
}

func TestRequestIDsFromOutsideAreCheckedBeforeTheyAreLogged(t *testing.T) {
	w := newWorld(t)
	send := func(id string) string {
		req := httptest.NewRequest("GET", "/api/young-people/"+w.A.YP1.ID, nil)
		req.Header.Set("Authorization", "Bearer "+w.tokenFor(w.A.KW1))
		req.Header.Set("X-Request-Id", id)
		res, err := w.srv.App().Test(req, -1)
		must(t, err)
		res.Body.Close()
		return res.Header.Get("X-Request-Id")
	}
	ours := heard.NewID()
	if got := send(ours); got != ours {
		t.Fatalf("a proxy's request id %q came back as %q", ours, got)
	}
	forged := "admin-did-this-" + strings.Repeat("x", 2000)
	if got := send(forged); got == forged || !heard.ValidID(got) {
		t.Fatalf("a made-up request id was kept: %q", got)
	}
	log, err := w.store.AuditLog(context.Background(), w.A.Area.ID, 10)
	must(t, err)
	for _, e := range log {
		if !heard.ValidID(e.RequestID) {
			t.Fatalf("the audit log holds request id %q", e.RequestID)
		}
	}
}
