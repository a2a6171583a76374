package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/i18n"
	"heard/notify/pushtest"
	"heard/store"
	"heard/testkit"
)

func TestDeliversALockScreenSafeMessageToEveryBrowser(t *testing.T) {
	e := newEnv(t)
	phone, desktop := e.subscribe(e.kw.ID, heard.RoleKeyWorker), e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	someoneElse := e.subscribe(e.manager.ID, heard.RoleTeamManager)

	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	if got := e.run(e.svc); got != 2 {
		t.Fatalf("want 2 attempts (two browsers), made %d", got)
	}
	if len(e.push.Messages(someoneElse)) != 0 {
		t.Fatal("someone else's browser got the key worker's notification")
	}
	for _, b := range []*pushtest.Browser{phone, desktop} {
		msgs := e.push.Accepted(b)
		if len(msgs) != 1 {
			t.Fatalf("browser %s got %d messages", b.ID, len(msgs))
		}
		m := msgs[0]
		want := Payload{ID: n.ID, Type: "card", Title: "Heard", Body: i18n.T("en", "push.card.body"), URL: n.Link, Lang: "en", Dir: "ltr"}
		if payloadOf(m) != want {
			t.Fatalf("payload\n got %+v\nwant %+v", payloadOf(m), want)
		}
		// Nothing on a lock screen may say who or what: not the young person's
		// names, not their id.
		for _, secret := range []string{e.yp.FirstName, e.yp.PreferredName, e.yp.ID} {
			if bytes.Contains(bytes.ToLower(m.Plaintext), bytes.ToLower([]byte(secret))) {
				t.Fatalf("the message contains %q: %s", secret, m.Plaintext)
			}
		}
		ttl, _ := strconv.Atoi(m.TTL)
		if ttl < 86000 || ttl > 86400 {
			t.Errorf("TTL %q: want about a day", m.TTL)
		}
		if m.Urgency != "normal" {
			t.Errorf("Urgency %q for an ordinary card", m.Urgency)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`).MatchString(m.Topic) || strings.Contains(m.Topic, n.SubjectID) {
			t.Errorf("Topic %q: want at most 32 URL-safe base64 characters, not the card id", m.Topic)
		}
	}
	for _, d := range e.deliveries(n) {
		if d.Status != store.DeliveryDelivered || d.Attempts != 1 || d.LastStatus != 201 || d.DeliveredAt == nil {
			t.Fatalf("delivery: %+v", d)
		}
	}
	if _, err := e.store.QueuedNotification(e.ctx, n.ID); err != heard.ErrNotFound {
		t.Fatalf("the notification is still in the outbox: %v", err)
	}
	if e.run(e.svc) != 0 {
		t.Fatal("a delivered notification was sent again")
	}

	// Urgent items are sent with Urgency: high and their own wording.
	urgent := e.notify(e.kw.ID, "card_urgent", heard.UrgencyUrgent)
	e.run(e.svc)
	m := e.push.Accepted(phone)[1]
	if payloadOf(m).ID != urgent.ID || m.Urgency != "high" || payloadOf(m).Body != i18n.T("en", "push.card_urgent.body") ||
		payloadOf(m).Title != i18n.T("en", "push.title_urgent") {
		t.Fatalf("urgent message: urgency %q payload %+v", m.Urgency, payloadOf(m))
	}
}

func TestWordingIsInTheRecipientsLanguage(t *testing.T) {
	e := newEnv(t)
	e.must(e.store.SetStaffLanguage(e.ctx, e.area.ID, e.kw.ID, "ar"))
	phone := e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	e.must(e.store.SetYoungPersonLanguage(e.ctx, e.area.ID, e.yp.ID, "ar"))
	ypPhone := e.subscribe(e.yp.ID, heard.RoleYoungPerson)

	e.notify(e.kw.ID, "card_urgent", heard.UrgencyUrgent)
	e.notify(e.yp.ID, "reply", heard.UrgencyOrdinary)
	e.run(e.svc)

	got := payloadOf(e.push.Accepted(phone)[0])
	if got.Lang != "ar" || got.Dir != "rtl" || got.Body != i18n.T("ar", "push.card_urgent.body") || got.Body == i18n.T("en", "push.card_urgent.body") {
		t.Fatalf("Arabic-speaking key worker got %+v", got)
	}
	if !regexp.MustCompile(`\p{Arabic}`).MatchString(got.Body) {
		t.Fatalf("body %q has no Arabic", got.Body)
	}
	yp := payloadOf(e.push.Accepted(ypPhone)[0])
	if yp.Lang != "ar" || yp.Body != i18n.T("ar", "push.reply.body") {
		t.Fatalf("Arabic-speaking young person got %+v", yp)
	}
	// A type with no words of its own gets the general wording, never the type's name.
	w := Wording("xx", "something_new", heard.UrgencyOrdinary)
	if w.Lang != "en" || w.Body != i18n.T("en", "push.default.body") {
		t.Fatalf("fallback wording: %+v", w)
	}
}

func TestGoneSubscriptionsAreRemoved(t *testing.T) {
	for _, code := range []int{http.StatusNotFound, http.StatusGone} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			e := newEnv(t)
			old, current := e.subscribe(e.kw.ID, heard.RoleKeyWorker), e.subscribe(e.kw.ID, heard.RoleKeyWorker)
			e.push.Plan(old, pushtest.Answer{Status: code})
			n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
			e.run(e.svc)

			subs, err := e.store.PushSubscriptionsOf(e.ctx, e.area.ID, e.kw.ID)
			e.must(err)
			if len(subs) != 1 || subs[0].Endpoint != current.Endpoint {
				t.Fatalf("want only the working browser left, have %+v", subs)
			}
			for _, d := range e.deliveries(n) {
				want := store.DeliveryDelivered
				if d.SubscriptionID != subs[0].ID {
					want = store.DeliveryGone
				}
				if d.Status != want || d.Attempts != 1 {
					t.Errorf("delivery: want %s after one attempt, have %s after %d", want, d.Status, d.Attempts)
				}
			}
			// Later notifications go only to the browser still there.
			e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
			if got := e.run(e.svc); got != 1 || len(e.push.Messages(old)) != 1 {
				t.Fatalf("after removal: %d attempts, %d messages to the old browser", got, len(e.push.Messages(old)))
			}
		})
	}
}

func TestTooManyRequestsWaitsForRetryAfter(t *testing.T) {
	e := newEnv(t)
	phone := e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	e.push.Plan(phone, pushtest.Answer{Status: http.StatusTooManyRequests, RetryAfter: "120"})
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	e.run(e.svc)
	d := e.only(n)
	if d.Status != store.DeliveryPending || !d.NextAttemptAt.Equal(e.clock.Now().Add(120*time.Second)) || d.LastStatus != 429 {
		t.Fatalf("after 429: %+v", d)
	}
	e.clock.Advance(119 * time.Second)
	if e.run(e.svc) != 0 {
		t.Fatal("retried before Retry-After")
	}
	e.clock.Advance(time.Second)
	e.run(e.svc)
	if d := e.only(n); d.Status != store.DeliveryDelivered || d.Attempts != 2 {
		t.Fatalf("after waiting: %+v", d)
	}
}

func TestServerAndNetworkErrorsAreRetriedWithBackoff(t *testing.T) {
	e := newEnv(t)
	phone := e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	e.push.Plan(phone, pushtest.Answer{Status: 500}, pushtest.Answer{Drop: true}, pushtest.Answer{Status: 503}, pushtest.Answer{Status: 502})
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)

	base := e.svc.cfg.RetryBase
	for attempt := 1; attempt <= 4; attempt++ {
		if got := e.run(e.svc); got != 1 {
			t.Fatalf("attempt %d: %d sends", attempt, got)
		}
		d := e.only(n)
		if d.Status != store.DeliveryPending || d.Attempts != attempt {
			t.Fatalf("attempt %d: %+v", attempt, d)
		}
		// Equal jitter: between half and all of base × 2^(attempt-1).
		full := base << (attempt - 1)
		wait := d.NextAttemptAt.Sub(e.clock.Now())
		if wait < full/2 || wait > full {
			t.Fatalf("attempt %d: waits %v, want between %v and %v", attempt, wait, full/2, full)
		}
		if attempt == 2 && !strings.HasPrefix(d.LastError, "network:") {
			t.Fatalf("a dropped connection was recorded as %q", d.LastError)
		}
		if attempt != 2 && !strings.HasPrefix(d.LastError, "HTTP 5") {
			t.Fatalf("attempt %d recorded as %q", attempt, d.LastError)
		}
		e.clock.Advance(wait - time.Millisecond)
		if e.run(e.svc) != 0 {
			t.Fatalf("attempt %d: retried before its time", attempt)
		}
		e.clock.Advance(time.Millisecond)
	}
	e.run(e.svc)
	if d := e.only(n); d.Status != store.DeliveryDelivered || d.Attempts != 5 {
		t.Fatalf("after the push service recovered: %+v", d)
	}
	if got := len(e.push.Accepted(phone)); got != 1 {
		t.Fatalf("accepted %d times", got)
	}
}

func TestRequestErrorsFailWithTheirReason(t *testing.T) {
	e := newEnv(t)
	for _, code := range []int{400, 401, 403, 413} {
		b := e.subscribe(e.kw.ID, heard.RoleKeyWorker)
		e.push.Plan(b, pushtest.Answer{Status: code, Body: fmt.Sprintf("refused (%d)\n", code)})
	}
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	e.run(e.svc)
	for _, d := range e.deliveries(n) {
		if d.Status != store.DeliveryFailed || d.Attempts != 1 || d.FinishedAt == nil ||
			d.LastError != fmt.Sprintf("HTTP %d: refused (%d)", d.LastStatus, d.LastStatus) {
			t.Errorf("delivery: %+v", d)
		}
	}
	e.clock.Advance(48 * time.Hour)
	if e.run(e.svc) != 0 {
		t.Fatal("a refused delivery was tried again")
	}
	// Configuration errors are not the browser's fault: the subscriptions stay.
	if subs, _ := e.store.PushSubscriptionsOf(e.ctx, e.area.ID, e.kw.ID); len(subs) != 4 {
		t.Fatalf("subscriptions: %d", len(subs))
	}
	problems, err := e.store.DeliveryProblems(e.ctx, e.area.ID, 10)
	e.must(err)
	if len(problems) != 4 {
		t.Fatalf("administrators see %d problems", len(problems))
	}
	if other, _ := e.store.DeliveryProblems(e.ctx, heard.NewID(), 10); len(other) != 0 {
		t.Fatal("another area sees this area's problems")
	}
}

func TestGivesUpAfterADay(t *testing.T) {
	e := newEnv(t)
	phone := e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	e.push.AnswerAlways(phone, pushtest.Answer{Status: 500})
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	for range 40 {
		e.run(e.svc)
		if e.only(n).Status != store.DeliveryPending {
			break
		}
		e.clock.Advance(time.Hour)
	}
	d := e.only(n)
	age := d.FinishedAt.Sub(n.CreatedAt)
	if d.Status != store.DeliveryFailed || !strings.HasPrefix(d.LastError, "gave up after") || age < 23*time.Hour || age > 24*time.Hour {
		t.Fatalf("after a day of errors: %s after %v: %q", d.Status, age, d.LastError)
	}
	if d.Attempts < 10 {
		t.Fatalf("only %d attempts in a day", d.Attempts)
	}
	// The last take may find the day over and give up without sending.
	if seen := len(e.push.Messages(phone)); seen != d.Attempts && seen != d.Attempts-1 {
		t.Fatalf("the push service saw %d attempts, the database %d", seen, d.Attempts)
	}
}

// A Heard instance dies holding deliveries. Nothing is lost: once its lease runs
// out, another instance (or the same one restarted) sends them.
func TestAnInstanceDyingMidDeliveryLosesNothing(t *testing.T) {
	e := newEnv(t)
	phone := e.subscribe(e.kw.ID, heard.RoleKeyWorker)

	// Queued by an instance that stopped before dispatching: the outbox keeps it.
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	// Another instance expands it and takes the delivery, then dies before sending.
	dead := e.service("dead")
	ns, err := e.store.PendingNotifications(e.ctx, 10)
	e.must(err)
	_, err = dead.expand(e.ctx, ns)
	e.must(err)
	taken, err := e.store.TakeDeliveries(e.ctx, dead.instance, dead.cfg.Lease, 10)
	if err != nil || len(taken) != 1 {
		t.Fatalf("take: %v %d", err, len(taken))
	}

	restarted := e.service("restarted")
	if e.run(restarted) != 0 {
		t.Fatal("a delivery another instance holds was sent")
	}
	e.clock.Advance(restarted.cfg.Lease + time.Second)
	e.run(restarted)
	if d := e.only(n); d.Status != store.DeliveryDelivered || d.Attempts != 2 || len(e.push.Accepted(phone)) != 1 {
		t.Fatalf("after the lease ran out: %+v, %d accepted", d, len(e.push.Accepted(phone)))
	}
}

// An instance freezes after the push service accepted a message, before it
// wrote that down. Another instance sends the message again (never lost), with
// the same id, which the service worker shows once; the frozen instance's late
// write is refused.
func TestAFrozenInstanceIsOvertakenAndItsLateWriteRefused(t *testing.T) {
	e := newEnv(t)
	phone := e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	release := make(chan struct{})
	var logs syncBuffer
	frozen := e.service("frozen", func(c *Config) {
		c.HTTPClient = &http.Client{Transport: freezeAfter{release: release}}
		c.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	done := make(chan struct{})
	go func() { defer close(done); _, _ = frozen.RunOnce(context.Background()) }()
	waitFor(t, func() bool { return len(e.push.Accepted(phone)) == 1 })

	other := e.service("other")
	if e.run(other) != 0 {
		t.Fatal("sent while the frozen instance's lease held")
	}
	e.clock.Advance(other.cfg.Lease + time.Second)
	e.run(other)
	close(release)
	<-done

	msgs := e.push.Accepted(phone)
	if len(msgs) != 2 || payloadOf(msgs[0]).ID != n.ID || payloadOf(msgs[1]).ID != n.ID {
		t.Fatalf("want the same notification twice, got %d messages", len(msgs))
	}
	d := e.only(n)
	if d.Status != store.DeliveryDelivered || d.Attempts != 2 || d.LeaseOwner != "" {
		t.Fatalf("delivery: %+v", d)
	}
	if !strings.Contains(logs.String(), "lease ran out before its outcome was recorded") {
		t.Fatalf("the frozen instance's late write was not refused: %s", logs.String())
	}
}

// syncBuffer is a log destination goroutines share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// freezeAfter sends the request for real, then hangs until released, as a
// process that stops right after the push service answered.
type freezeAfter struct{ release chan struct{} }

func (f freezeAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	<-f.release
	return res, err
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Two Heard instances on one database deliver each notification to each
// browser exactly once.
func TestTwoDispatchersDeliverEachNotificationOnce(t *testing.T) {
	e := newEnv(t)
	browsers := []*pushtest.Browser{
		e.subscribe(e.kw.ID, heard.RoleKeyWorker), e.subscribe(e.kw.ID, heard.RoleKeyWorker),
		e.subscribe(e.duty.ID, heard.RoleDutyWorker),
	}
	a, b := e.service("a", func(c *Config) { c.Batch = 8 }), e.service("b", func(c *Config) { c.Batch = 8 })
	const perPerson = 40
	var ids []string
	for range perPerson {
		ids = append(ids, e.notify(e.kw.ID, "card", heard.UrgencyOrdinary).ID, e.notify(e.duty.ID, "card_urgent", heard.UrgencyUrgent).ID)
	}
	var wg sync.WaitGroup
	attempts := map[string]int{}
	var mu sync.Mutex
	for _, s := range []*Service{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := s.RunOnce(e.ctx)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				attempts[s.instance] += n
				mu.Unlock()
				nq, dq, err := e.store.PushQueueDepth(e.ctx)
				if err != nil || nq+dq == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()

	count := map[string]int{}
	for _, m := range e.push.Messages(nil) {
		count[m.Browser+"/"+payloadOf(m).ID]++
	}
	want := 0
	for _, br := range browsers {
		for i, id := range ids {
			toKW := i%2 == 0
			if (br == browsers[2]) == toKW {
				continue
			}
			want++
			if count[br.ID+"/"+id] != 1 {
				t.Errorf("browser %s got notification %s %d times", br.ID, id, count[br.ID+"/"+id])
			}
		}
	}
	if total := len(e.push.Messages(nil)); total != want {
		t.Fatalf("the push service received %d messages, want %d", total, want)
	}
	if attempts["a"] == 0 || attempts["b"] == 0 {
		t.Logf("one instance did all the work: %v", attempts)
	}
	t.Logf("attempts per instance: %v", attempts)
}

func TestDisabledAccountsAndMissingSubscriptionsGetNothing(t *testing.T) {
	e := newEnv(t)
	phone := e.subscribe(e.duty.ID, heard.RoleDutyWorker)
	e.must(e.store.UpdateStaff(e.ctx, e.area.ID, e.duty.ID, bson.D{{Key: "disabled", Value: true}}))
	toDisabled := e.notify(e.duty.ID, "card", heard.UrgencyOrdinary)
	toNobody := e.notify(e.manager.ID, "card", heard.UrgencyOrdinary)
	e.run(e.svc)
	if len(e.push.Messages(phone)) != 0 {
		t.Fatal("a disabled account was notified")
	}
	for n, note := range map[string]string{toDisabled.ID: store.DeliveryRecipientDisabled, toNobody.ID: store.DeliveryNoSubscription} {
		ds, err := e.store.DeliveriesOf(e.ctx, n)
		e.must(err)
		if len(ds) != 1 || ds[0].Status != note {
			t.Errorf("log of %s: %+v", note, ds)
		}
	}
}

func TestExpiredSubscriptionsGetNothing(t *testing.T) {
	e := newEnv(t)
	b := e.push.NewBrowser()
	ended := e.clock.Now().Add(-time.Minute)
	_, err := e.store.SavePushSubscription(e.ctx, store.PushSubscription{AreaID: e.area.ID, Endpoint: b.Endpoint, P256dh: b.P256dh(),
		Auth: b.Auth(), OwnerID: e.kw.ID, OwnerRole: heard.RoleKeyWorker, ExpiresAt: &ended})
	e.must(err)
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	e.run(e.svc)
	if ds := e.deliveries(n); len(ds) != 1 || ds[0].Status != store.DeliveryNoSubscription || len(e.push.Messages(b)) != 0 {
		t.Fatalf("an expired subscription was sent to: %+v", ds)
	}
}

func TestNotifyRefusesWhatItCannotSendSafely(t *testing.T) {
	e := newEnv(t)
	good := heard.Notification{AreaID: e.area.ID, RecipientID: e.kw.ID, Type: "card", Link: "/#/cards/1"}
	for name, change := range map[string]func(*heard.Notification){
		"no area":        func(n *heard.Notification) { n.AreaID = "" },
		"no recipient":   func(n *heard.Notification) { n.RecipientID = "" },
		"odd type":       func(n *heard.Notification) { n.Type = "Card <b>" },
		"outside link":   func(n *heard.Notification) { n.Link = "https://elsewhere.example/" },
		"protocol link":  func(n *heard.Notification) { n.Link = "//elsewhere.example/" },
		"wrong urgency":  func(n *heard.Notification) { n.Urgency = "panic" },
		"javascript url": func(n *heard.Notification) { n.Link = "javascript:alert(1)" },
	} {
		n := good
		change(&n)
		if err := e.svc.Notify(e.ctx, n); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// The same id twice is one notification.
	good.ID = heard.NewID()
	e.must(e.svc.Notify(e.ctx, good))
	e.must(e.svc.Notify(e.ctx, good))
	nq, _, err := e.store.PushQueueDepth(e.ctx)
	if err != nil || nq != 1 {
		t.Fatalf("queued %d", nq)
	}
}

func TestEndpointChecks(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://fcm.googleapis.com/fcm/send/abc":         "",
		"https://updates.push.services.mozilla.com/wpush": "",
		"":                                   "required",
		"http://push.example.com/x":          "https_required",
		"ftp://push.example.com/x":           "https_required",
		"https://user:pw@push.example.com/x": "url_format",
		"https://10.0.0.8/push":              "host_not_allowed",
		"https://169.254.169.254/latest":     "host_not_allowed",
		"https://[::1]/push":                 "host_not_allowed",
		"https://localhost/push":             "host_not_allowed",
		"https://intranet/push":              "host_not_allowed",
		"http://127.0.0.1:9/push":            "https_required",
		"https://push.example.com/" + strings.Repeat("a", 2100): "too_long",
	} {
		if got := EndpointProblem(endpoint, false); got != want {
			t.Errorf("%.60s: %q, want %q", endpoint, got, want)
		}
	}
	if got := EndpointProblem("http://127.0.0.1:9/push", true); got != "" {
		t.Errorf("loopback allowed for tests: %q", got)
	}
}

// The default client refuses to connect to internal addresses even when a
// registered name resolves to one.
func TestDefaultClientRefusesInternalAddresses(t *testing.T) {
	e := newEnv(t)
	guarded := e.service("guarded", func(c *Config) { c.AllowLoopbackEndpoints = false })
	phone := e.subscribe(e.kw.ID, heard.RoleKeyWorker) // http://127.0.0.1:port, as if a name resolved there
	n := e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	e.run(guarded)
	if d := e.only(n); d.Status != store.DeliveryFailed || d.LastError != "endpoint address not allowed" || len(e.push.Messages(phone)) != 0 {
		t.Fatalf("delivery to a loopback address: %+v", d)
	}
}

func TestVAPIDKeysAreChecked(t *testing.T) {
	pub, priv := testkit.VAPID(t)
	_, otherPub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Config{
		"mismatched": {VAPIDPublicKey: otherPub, VAPIDPrivateKey: priv, Subject: "a@b.test"},
		"garbage":    {VAPIDPublicKey: "nope", VAPIDPrivateKey: priv, Subject: "a@b.test"},
		"no subject": {VAPIDPublicKey: pub, VAPIDPrivateKey: priv, Subject: "not a contact"},
		"http url":   {VAPIDPublicKey: pub, VAPIDPrivateKey: priv, Subject: "http://heard.example"},
	} {
		c.Store = &store.Store{}
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	var s *Service
	s, err = New(Config{Store: &store.Store{}, VAPIDPublicKey: pub + "=", VAPIDPrivateKey: priv, Subject: "mailto:safeguarding@heard.example"})
	if err != nil || s.subject != "safeguarding@heard.example" || s.PublicKey() != pub {
		t.Fatalf("padded key and mailto subject: %v %q", err, s.subject)
	}
	if _, err := base64.RawURLEncoding.DecodeString(s.PublicKey()); err != nil {
		t.Fatal(err)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	ok, gone := e.subscribe(e.kw.ID, heard.RoleKeyWorker), e.subscribe(e.kw.ID, heard.RoleKeyWorker)
	retrying := e.subscribe(e.duty.ID, heard.RoleDutyWorker)
	e.push.Plan(gone, pushtest.Answer{Status: 410})
	e.push.AnswerAlways(retrying, pushtest.Answer{Status: 503})
	_ = ok
	e.notify(e.kw.ID, "card", heard.UrgencyOrdinary)
	e.notify(e.duty.ID, "card", heard.UrgencyOrdinary)
	e.run(e.svc)
	var buf bytes.Buffer
	e.must(e.svc.WriteMetrics(e.ctx, &buf))
	text := buf.String()
	for _, line := range []string{
		`heard_push_queue_depth{stage="delivery"} 1`,
		`heard_push_queue_depth{stage="notification"} 0`,
		`heard_push_deliveries_total{result="delivered"} 1`,
		`heard_push_deliveries_total{result="gone"} 1`,
		`heard_push_deliveries_total{result="retry"} 1`,
		`heard_push_delivery_seconds_count 1`,
		`heard_push_delivery_seconds_bucket{le="+Inf"} 1`,
		`heard_push_delivery_seconds_bucket{le="0.01"} 1`,
		`heard_escalations_total{step="duty"} 0`,
		"# TYPE heard_push_delivery_seconds histogram",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("metrics lack %q:\n%s", line, text)
		}
	}
}

// Every language Heard speaks has its own lock-screen words, in its own
// direction: no recipient gets English because their language lacks a word.
func TestWordingInEveryLanguage(t *testing.T) {
	for _, l := range i18n.Languages() {
		for _, typ := range []string{"card", "card_urgent", "duty_alert", "escalation", "reply", "card_seen", "feedback_request"} {
			w := Wording(l.Code, typ, heard.UrgencyUrgent)
			_, cat, _ := i18n.Lookup(l.Code)
			if w.Lang != l.Code || w.Dir != l.Dir || w.Body != cat["push."+typ+".body"] || w.Title != cat["push.title_urgent"] {
				t.Errorf("%s %s: got %+v", l.Code, typ, w)
			}
			if l.Code != i18n.Default && w.Body == i18n.T(i18n.Default, "push."+typ+".body") {
				t.Errorf("%s %s is in English: %q", l.Code, typ, w.Body)
			}
		}
	}
}

// A notification is sent straight after it is queued, without the
// dispatcher's pass; with two instances sending at once and both passes
// running over the same notifications, every browser still gets each
// notification exactly once, and a failed first send is left for the pass.
func TestSentAtOnceWithoutThePassAndStillOnce(t *testing.T) {
	e := newEnv(t)
	kwPhone, dutyPhone := e.subscribe(e.kw.ID, heard.RoleKeyWorker), e.subscribe(e.duty.ID, heard.RoleDutyWorker)
	atOnce := func(c *Config) { c.SendAtOnce = 4 }
	a, b := e.service("a", atOnce), e.service("b", atOnce)

	first := heard.Notification{ID: heard.NewID(), AreaID: e.area.ID, RecipientID: e.kw.ID, Type: "card", Link: "/#/inbox/x",
		Urgency: heard.UrgencyUrgent, SubjectID: "x", CreatedAt: e.clock.Now()}
	e.must(a.Notify(e.ctx, first))
	waitFor(t, func() bool { return len(e.push.Accepted(kwPhone)) == 1 })
	a.sending.Wait()
	if got := e.deliveries(first); len(got) != 1 || got[0].Status != store.DeliveryDelivered {
		t.Fatalf("sent at once but not logged as delivered: %+v", got)
	}

	// Many at once from both instances, each queued by both (a phone's retry
	// reaching the other instance), while both passes run.
	ctx, stop := context.WithCancel(e.ctx)
	var passes sync.WaitGroup
	for _, s := range []*Service{a, b} {
		passes.Add(1)
		go func() {
			defer passes.Done()
			for ctx.Err() == nil {
				if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
					t.Error(err)
				}
			}
		}()
	}
	const n = 60
	var ids []string
	var queued sync.WaitGroup
	for i := range n {
		recipient := e.kw.ID
		if i%3 == 0 {
			recipient = e.duty.ID
		}
		note := heard.Notification{ID: heard.NewID(), AreaID: e.area.ID, RecipientID: recipient, Type: "card", Link: "/#/inbox/y",
			Urgency: heard.UrgencyOrdinary, SubjectID: "y", CreatedAt: e.clock.Now()}
		ids = append(ids, note.ID)
		for _, s := range []*Service{a, b} {
			queued.Add(1)
			go func() { defer queued.Done(); e.must(s.Notify(e.ctx, note)) }()
		}
	}
	queued.Wait()
	waitFor(t, func() bool { return len(e.push.Accepted(kwPhone))+len(e.push.Accepted(dutyPhone)) >= n+1 })
	stop()
	passes.Wait()
	for _, s := range []*Service{a, b} {
		s.sending.Wait()
	}
	seen := map[string]int{}
	for _, m := range e.push.Messages(nil) {
		seen[payloadOf(m).ID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("notification %s reached its phone %d times", id, seen[id])
		}
	}
	if total := len(e.push.Messages(nil)); total != n+1 {
		t.Errorf("the push service received %d messages, want %d", total, n+1)
	}

	// The push service fails the first send: it waits in the queue for its
	// retry, which the pass makes once the backoff is over.
	e.push.Plan(kwPhone, pushtest.Answer{Status: 500})
	failed := heard.Notification{ID: heard.NewID(), AreaID: e.area.ID, RecipientID: e.kw.ID, Type: "card", Link: "/#/inbox/z",
		Urgency: heard.UrgencyOrdinary, SubjectID: "z", CreatedAt: e.clock.Now()}
	e.must(a.Notify(e.ctx, failed))
	waitFor(t, func() bool {
		d := e.deliveries(failed)
		return len(d) == 1 && d[0].Attempts == 1 && d[0].Status == store.DeliveryPending
	})
	a.sending.Wait()
	e.clock.Advance(time.Minute)
	if got := e.run(b); got != 1 {
		t.Fatalf("the pass made %d attempts after the backoff, want 1", got)
	}
	if d := e.only(failed); d.Status != store.DeliveryDelivered {
		t.Fatalf("after the retry: %+v", d)
	}
}
