package api

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"heard"
	"heard/notify"
	"heard/service"
	"heard/store"
	"heard/testkit"
)

// withPush gives the API a real notify service on the world's database.
func withPush(metricsToken string) func(*Config) {
	return func(c *Config) {
		priv, pub, err := webpush.GenerateVAPIDKeys()
		if err != nil {
			panic(err)
		}
		svc, err := notify.New(notify.Config{Store: c.Store, Log: testkit.Quiet(), Clock: c.Clock, VAPIDPublicKey: pub,
			VAPIDPrivateKey: priv, Subject: "safeguarding@heard.test", MetricsToken: metricsToken})
		if err != nil {
			panic(err)
		}
		c.Notifier, c.Escalator = svc, svc
	}
}

// ensurePush gives a world made without one (the access matrix's) a push
// service, and services that use it.
func ensurePush(w *world) {
	if w.srv.cfg.Notifier == nil {
		cfg := &w.srv.cfg
		withPush("")(cfg)
		cfg.Services = service.New(service.Config{Store: cfg.Store, Notifier: cfg.Notifier, Escalator: cfg.Escalator, Clock: cfg.Clock, Log: cfg.Log})
	}
}

// browserKeys are a fresh browser's subscription keys.
func browserKeys(t testing.TB) (p256dh, auth string) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := make([]byte, 16)
	_, _ = rand.Read(a)
	return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(a)
}

// subscription is a browser's PushSubscription JSON.
func subscription(t testing.TB, endpoint string) map[string]any {
	p, a := browserKeys(t)
	return map[string]any{"endpoint": endpoint, "expirationTime": nil, "keys": map[string]any{"p256dh": p, "auth": a}}
}

func init() {
	registerMatrix("GET /api/push/key", matrixEntry{Request: func(m matrixCall) (string, any) {
		ensurePush(m.W)
		return "/api/push/key", nil
	}})
	registerMatrix("POST /api/push/subscriptions", matrixEntry{OK: 201, Request: func(m matrixCall) (string, any) {
		ensurePush(m.W)
		return "/api/push/subscriptions", subscription(m.W.t, fmt.Sprintf("https://push.example.com/send/%d", m.Seq))
	}})
	registerMatrix("DELETE /api/push/subscriptions", matrixEntry{OK: 204, Request: func(m matrixCall) (string, any) {
		id, _ := m.Caller()
		endpoint := fmt.Sprintf("https://push.example.com/send/%d", m.Seq)
		p, a := browserKeys(m.W.t)
		_, err := m.W.store.SavePushSubscription(context.Background(), store.PushSubscription{AreaID: m.W.A.Area.ID, Endpoint: endpoint,
			P256dh: p, Auth: a, OwnerID: id, OwnerRole: m.Role})
		must(m.W.t, err)
		return "/api/push/subscriptions?endpoint=" + url.QueryEscape(endpoint), nil
	}})
	registerMatrix("GET /api/admin/deliveries", matrixEntry{Roles: adminOnly})
	// app.Test's connection is not from the loopback address, so without a token
	// /metrics is not there.
	registerMatrix("GET /metrics", matrixEntry{Public: true, OK: 404, Request: func(m matrixCall) (string, any) {
		ensurePush(m.W)
		return "/metrics", nil
	}})
}

func TestPushKey(t *testing.T) {
	w := newWorld(t, withPush(""))
	r := w.call("GET", "/api/push/key", w.youngToken(w.A, w.A.YP1), nil)
	w.expect(r, 200, "")
	key, _ := r.Body["publicKey"].(string)
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(raw) != 65 || raw[0] != 4 {
		t.Fatalf("public key %q is not an uncompressed P-256 point in URL-safe base64", key)
	}
	w.expect(w.call("GET", "/api/push/key", "", nil), 401, "unauthenticated")

	without := newWorld(t)
	w.expect(without.call("GET", "/api/push/key", without.tokenFor(without.A.KW1), nil), 404, "push_unavailable")
}

func TestSubscriptionsAreValidated(t *testing.T) {
	w := newWorld(t, withPush(""))
	token := w.tokenFor(w.A.KW1)
	good := subscription(t, "https://fcm.googleapis.com/fcm/send/abc:123")
	keys := good["keys"].(map[string]any)
	short := base64.RawURLEncoding.EncodeToString(make([]byte, 15))
	notAPoint := base64.RawURLEncoding.EncodeToString(append([]byte{4}, make([]byte, 64)...))
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"http endpoint", withField(good, "endpoint", "http://push.example.com/x"), "endpoint", "https_required"},
		{"loopback endpoint", withField(good, "endpoint", "https://127.0.0.1/push"), "endpoint", "host_not_allowed"},
		{"private endpoint", withField(good, "endpoint", "https://192.168.1.10/push"), "endpoint", "host_not_allowed"},
		{"cloud metadata", withField(good, "endpoint", "https://169.254.169.254/latest/meta-data"), "endpoint", "host_not_allowed"},
		{"internal name", withField(good, "endpoint", "https://intranet/push"), "endpoint", "host_not_allowed"},
		{"no endpoint", withField(good, "endpoint", ""), "endpoint", "required"},
		{"long endpoint", withField(good, "endpoint", "https://push.example.com/"+strings.Repeat("a", 3000)), "endpoint", "too_long"},
		{"not a URL", withField(good, "endpoint", "push me"), "endpoint", "url_format"},
		{"short p256dh", withField(good, "keys", withField(keys, "p256dh", short)), "keys.p256dh", "p256dh_format"},
		{"p256dh off the curve", withField(good, "keys", withField(keys, "p256dh", notAPoint)), "keys.p256dh", "p256dh_format"},
		{"p256dh not base64", withField(good, "keys", withField(keys, "p256dh", "%%%")), "keys.p256dh", "p256dh_format"},
		{"no p256dh", withField(good, "keys", map[string]any{"auth": keys["auth"]}), "keys.p256dh", "p256dh_format"},
		{"short auth", withField(good, "keys", withField(keys, "auth", short)), "keys.auth", "auth_format"},
		{"negative expiry", withField(good, "expirationTime", -5), "expirationTime", "time_format"},
		{"endpoint a number", withField(good, "endpoint", 42), "endpoint", "wrong_type"},
		{"keys a string", withField(good, "keys", "p256dh"), "keys", "wrong_type"},
		{"p256dh a list", withField(good, "keys", withField(keys, "p256dh", []string{"a"})), "keys.p256dh", "wrong_type"},
		{"unknown key field", withField(good, "keys", withField(keys, "extra", "x")), "extra", "unknown_field"},
	} {
		r := w.call("POST", "/api/push/subscriptions", token, c.body)
		w.expect(r, 400, "validation_failed")
		if got := r.Field(c.field); got != c.code {
			t.Errorf("%s: field %s is %q, want %q: %s", c.name, c.field, got, c.code, r.Raw)
		}
	}
	if subs, _ := w.store.PushSubscriptionsOf(context.Background(), w.A.Area.ID, w.A.KW1.ID); len(subs) != 0 {
		t.Fatalf("a refused subscription was stored: %+v", subs)
	}
	// Padded keys, as some browsers write them, are fine.
	padded := withField(good, "keys", withField(keys, "auth", keys["auth"].(string)+"=="))
	w.expect(w.call("POST", "/api/push/subscriptions", token, padded), 201, "")
}

func TestSubscribeAndUnsubscribeOwnBrowsersOnly(t *testing.T) {
	w := newWorld(t, withPush(""))
	ctx := context.Background()
	kim, kai := w.tokenFor(w.A.KW1), w.tokenFor(w.A.KW2)
	phone := subscription(t, "https://push.example.com/kim-phone")
	desk := subscription(t, "https://push.example.com/kim-desk")
	first := w.call("POST", "/api/push/subscriptions", kim, phone)
	w.expect(first, 201, "")
	w.expect(w.call("POST", "/api/push/subscriptions", kim, desk), 201, "")
	again := w.call("POST", "/api/push/subscriptions", kim, phone)
	if again.Body["id"] != first.Body["id"] {
		t.Fatal("registering the same browser again made a second subscription")
	}
	subs, err := w.store.PushSubscriptionsOf(ctx, w.A.Area.ID, w.A.KW1.ID)
	must(t, err)
	if len(subs) != 2 || subs[0].OwnerRole != heard.RoleKeyWorker {
		t.Fatalf("Kim's browsers: %+v", subs)
	}

	// Kai cannot remove Kim's browser, and is not told it exists.
	w.expect(w.call("DELETE", unsubscribePath("https://push.example.com/kim-phone"), kai, nil), 404, "not_found")
	// Neither can someone in another area.
	w.expect(w.call("DELETE", unsubscribePath("https://push.example.com/kim-phone"), w.tokenFor(w.B.KW1), nil), 404, "not_found")
	if subs, _ := w.store.PushSubscriptionsOf(ctx, w.A.Area.ID, w.A.KW1.ID); len(subs) != 2 {
		t.Fatal("someone else removed Kim's browser")
	}
	w.expect(w.call("DELETE", unsubscribePath("https://push.example.com/kim-phone"), kim, nil), 204, "")
	w.expect(w.call("DELETE", unsubscribePath("https://push.example.com/kim-phone"), kim, nil), 404, "not_found")
	w.expect(w.call("DELETE", unsubscribePath(""), kim, nil), 400, "validation_failed")
	if subs, _ := w.store.PushSubscriptionsOf(ctx, w.A.Area.ID, w.A.KW1.ID); len(subs) != 1 || subs[0].Endpoint != "https://push.example.com/kim-desk" {
		t.Fatalf("after unsubscribing: %+v", subs)
	}

	// A young person's subscription belongs to their phone.
	w.expect(w.call("POST", "/api/push/subscriptions", w.youngToken(w.A, w.A.YP1), subscription(t, "https://push.example.com/yara")), 201, "")
	ys, _ := w.store.PushSubscriptionsOf(ctx, w.A.Area.ID, w.A.YP1.ID)
	if len(ys) != 1 || ys[0].DeviceID != w.A.Devices[w.A.YP1.ID].ID || ys[0].OwnerRole != heard.RoleYoungPerson {
		t.Fatalf("young person's subscription: %+v", ys)
	}
}

func unsubscribePath(endpoint string) string {
	return "/api/push/subscriptions?endpoint=" + url.QueryEscape(endpoint)
}

// sessionFor starts a real session (refresh-token family) and returns its access
// and refresh tokens.
func (w *world) sessionFor(p heard.Principal) (access, refresh string) {
	family := heard.NewID()
	refresh, err := w.store.IssueRefreshToken(context.Background(), store.RefreshToken{Family: family, SubjectID: p.ID, Role: p.Role,
		AreaID: p.AreaID, DeviceID: p.DeviceID, Trust: p.Trust}, time.Hour)
	must(w.t, err)
	p.SessionID = family
	access, err = w.tokens.Issue(p)
	must(w.t, err)
	return access, refresh
}

func TestSigningOutStopsNotifications(t *testing.T) {
	w := newWorld(t, withPush(""))
	ctx := context.Background()
	kim := heard.Principal{ID: w.A.KW1.ID, AreaID: w.A.Area.ID, Role: heard.RoleKeyWorker}
	officeAccess, officeRefresh := w.sessionFor(kim)
	phoneAccess, _ := w.sessionFor(kim)
	w.expect(w.call("POST", "/api/push/subscriptions", officeAccess, subscription(t, "https://push.example.com/office")), 201, "")
	w.expect(w.call("POST", "/api/push/subscriptions", phoneAccess, subscription(t, "https://push.example.com/phone")), 201, "")

	// Signing out at the office stops the office computer's notifications, not the phone's.
	w.expect(w.call("POST", "/api/auth/logout", "", map[string]any{"refreshToken": officeRefresh}), 204, "")
	subs, err := w.store.PushSubscriptionsOf(ctx, w.A.Area.ID, w.A.KW1.ID)
	must(t, err)
	if len(subs) != 1 || subs[0].Endpoint != "https://push.example.com/phone" {
		t.Fatalf("after signing out at the office: %+v", subs)
	}

	// A young person signing out stops their phone's notifications, whichever
	// session (each unlock is one) registered them.
	yara := heard.Principal{ID: w.A.YP1.ID, AreaID: w.A.Area.ID, Role: heard.RoleYoungPerson, DeviceID: w.A.Devices[w.A.YP1.ID].ID}
	earlier, _ := w.sessionFor(yara)
	w.expect(w.call("POST", "/api/push/subscriptions", earlier, subscription(t, "https://push.example.com/yara")), 201, "")
	_, now := w.sessionFor(yara)
	w.expect(w.call("POST", "/api/auth/logout", "", map[string]any{"refreshToken": now}), 204, "")
	if subs, _ := w.store.PushSubscriptionsOf(ctx, w.A.Area.ID, w.A.YP1.ID); len(subs) != 0 {
		t.Fatalf("the phone still gets notifications after signing out: %+v", subs)
	}

	// A worker signing a lost phone out stops it too.
	yusuf := heard.Principal{ID: w.A.YP2.ID, AreaID: w.A.Area.ID, Role: heard.RoleYoungPerson, DeviceID: w.A.Devices[w.A.YP2.ID].ID}
	access, _ := w.sessionFor(yusuf)
	w.expect(w.call("POST", "/api/push/subscriptions", access, subscription(t, "https://push.example.com/yusuf")), 201, "")
	must(t, w.store.RevokeDevice(ctx, w.A.Area.ID, w.A.YP2.ID, yusuf.DeviceID, w.A.KW1.ID))
	if subs, _ := w.store.PushSubscriptionsOf(ctx, w.A.Area.ID, w.A.YP2.ID); len(subs) != 0 {
		t.Fatalf("a signed-out phone still gets notifications: %+v", subs)
	}
}

func TestAdministratorsSeeDeliveryProblemsOfTheirAreaOnly(t *testing.T) {
	w := newWorld(t, withPush(""))
	ctx := context.Background()
	now := w.clock.Now()
	fail := func(area areaFixture, status int, reason string) {
		d := store.PushDelivery{ID: heard.NewID() + "/s", AreaID: area.Area.ID, NotificationID: heard.NewID(), RecipientID: area.KW1.ID,
			RecipientRole: heard.RoleKeyWorker, Type: "card_urgent", Link: "/#/inbox/" + area.YP1.ID, NextAttemptAt: now, EnqueuedAt: now,
			ExpiresAt: now.Add(24 * time.Hour)}
		_, err := w.store.AddDeliveries(ctx, []store.PushDelivery{d})
		must(t, err)
		taken, err := w.store.TakeDeliveries(ctx, "test", time.Minute, 10)
		must(t, err)
		if len(taken) != 1 {
			t.Fatalf("took %d", len(taken))
		}
		_, err = w.store.RecordAttempt(ctx, taken[0], "test", store.DeliveryOutcome{Status: store.DeliveryFailed, LastStatus: status, LastError: reason})
		must(t, err)
	}
	fail(w.A, 403, "HTTP 403: invalid JWT")
	fail(w.B, 400, "HTTP 400: area B's problem")

	r := w.call("GET", "/api/admin/deliveries", w.tokenFor(w.A.Admin), nil)
	w.expect(r, 200, "")
	items := r.Items()
	if len(items) != 1 || items[0]["status"] != "failed" || items[0]["statusCode"] != float64(403) ||
		items[0]["reason"] != "HTTP 403: invalid JWT" || items[0]["recipientRole"] != "key_worker" || items[0]["type"] != "card_urgent" {
		t.Fatalf("administrator A sees %s", r.Raw)
	}
	for _, secret := range []string{w.A.YP1.ID, w.A.YP1.FirstName, w.A.KW1.ID, "area B"} {
		if strings.Contains(string(r.Raw), secret) {
			t.Fatalf("the list shows %q: %s", secret, r.Raw)
		}
	}
	w.expect(w.call("GET", "/api/admin/deliveries", w.tokenFor(w.A.KW1), nil), 403, "forbidden")
}

func TestMetricsAnswerOnlyThisMachineOrTheToken(t *testing.T) {
	const token = "scrape-me-please-0123456789"
	w := newWorld(t, withPush(token))
	get := func(header map[string]string) (int, string) {
		status, _, _, raw := hygieneGet(t, w, "GET", "/metrics", header)
		return status, string(raw)
	}
	// app.Test's connection is not a loopback one.
	if status, _ := get(nil); status != 404 {
		t.Fatalf("from elsewhere without a token: %d", status)
	}
	if status, _ := get(map[string]string{"Authorization": "Bearer wrong"}); status != 404 {
		t.Fatalf("with a wrong token: %d", status)
	}
	if status, _ := get(map[string]string{"Authorization": "Bearer " + w.tokenFor(w.A.Admin)}); status != 404 {
		t.Fatalf("with a user's access token: %d", status)
	}
	status, body := get(map[string]string{"Authorization": "Bearer " + token})
	if status != 200 || !strings.Contains(body, "# TYPE heard_push_queue_depth gauge") || !strings.Contains(body, `heard_escalations_total{step="manager"} 0`) {
		t.Fatalf("with the token: %d %s", status, body)
	}

	// On a real listener, from this machine: yes, unless the request came through a proxy.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go func() { _ = w.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = w.srv.App().ShutdownWithTimeout(5 * time.Second) })
	local := func(header map[string]string) (int, string, string) {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/metrics", nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	status, ctype, body := local(nil)
	if status != 200 || !strings.HasPrefix(ctype, "text/plain; version=0.0.4") || !strings.Contains(body, "heard_push_delivery_seconds_bucket") {
		t.Fatalf("from this machine: %d %s %.200s", status, ctype, body)
	}
	if status, _, _ := local(map[string]string{"X-Forwarded-For": "203.0.113.9"}); status != 404 {
		t.Fatalf("through a proxy: %d", status)
	}

	without := newWorld(t)
	if status, _, _, _ := hygieneGet(t, without, "GET", "/metrics", map[string]string{"Authorization": "Bearer " + token}); status != 404 {
		t.Fatalf("without push: %d", status)
	}
}
