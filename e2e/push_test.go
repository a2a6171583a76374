package e2e

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"heard"
	"heard/api"
	"heard/i18n"
	"heard/notify"
	"heard/store"
	"heard/testkit"
)

// pushReceiver stands in for the browser vendor's push service: Heard sends it
// the encrypted message; it decrypts it with the keys the browser would hold
// (RFC 8291) and answers 201. The test then hands the plaintext to the service
// worker through the DevTools protocol, as the browser does when a push arrives.
type pushReceiver struct {
	srv  *httptest.Server
	key  *ecdh.PrivateKey
	auth []byte
	got  chan []byte
	once sync.Once
}

func newPushReceiver(t *testing.T) *pushReceiver {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := &pushReceiver{key: key, auth: make([]byte, 16), got: make(chan []byte, 10)}
	_, _ = rand.Read(r.auth)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		plain, err := pushDecrypt(body, r.key, r.auth)
		if err != nil {
			t.Errorf("push receiver: %v", err)
			http.Error(w, "cannot decrypt", http.StatusBadRequest)
			return
		}
		r.got <- plain
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *pushReceiver) subscription() map[string]any {
	return map[string]any{"endpoint": r.srv.URL + "/push/sam", "expirationTime": nil, "keys": map[string]any{
		"p256dh": base64.RawURLEncoding.EncodeToString(r.key.PublicKey().Bytes()), "auth": base64.RawURLEncoding.EncodeToString(r.auth)}}
}

func (r *pushReceiver) next(t *testing.T) []byte {
	t.Helper()
	select {
	case p := <-r.got:
		return p
	case <-time.After(30 * time.Second):
		t.Fatal("no push arrived")
		return nil
	}
}

// pushDecrypt opens one aes128gcm record (RFC 8188) for a Web Push subscription (RFC 8291).
func pushDecrypt(body []byte, ua *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < 21 || len(body) < 21+int(body[20]) {
		return nil, errors.New("short message")
	}
	salt, idLen := body[:16], int(body[20])
	_ = binary.BigEndian.Uint32(body[16:20])
	asBytes, ciphertext := body[21:21+idLen], body[21+idLen:]
	as, err := ecdh.P256().NewPublicKey(asBytes)
	if err != nil {
		return nil, err
	}
	shared, err := ua.ECDH(as)
	if err != nil {
		return nil, err
	}
	prkKey, _ := hkdf.Extract(sha256.New, shared, auth)
	ikm, _ := hkdf.Expand(sha256.New, prkKey, "WebPush: info\x00"+string(ua.PublicKey().Bytes())+string(asBytes), 32)
	prk, _ := hkdf.Extract(sha256.New, ikm, salt)
	cek, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, err
	}
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("bad padding")
	}
	return plain[:end], nil
}

func pushRun(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(step, actions...); err != nil {
		var url, text string
		_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body.innerText.slice(0, 600)`, &text))
		t.Fatalf("%s: %v\nat %s\n%s", what, err, url, text)
	}
}

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// shownNotification is what the service worker put on the screen.
type shownNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	Tag   string `json:"tag"`
	Lang  string `json:"lang"`
	Dir   string `json:"dir"`
	Data  struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	} `json:"data"`
}

// shown reads the service worker's notifications from the page.
func shown(t *testing.T, ctx context.Context) []shownNotification {
	t.Helper()
	var out []shownNotification
	pushRun(t, ctx, "read the notifications", chromedp.Evaluate(`navigator.serviceWorker.ready
		.then((r) => r.getNotifications())
		.then((ns) => ns.map((n) => ({title: n.title, body: n.body, tag: n.tag, lang: n.lang, dir: n.dir, data: n.data})))`, &out, awaitPromise))
	return out
}

// waitShown waits until the service worker shows want notifications.
func waitShown(t *testing.T, ctx context.Context, want int) []shownNotification {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := shown(t, ctx)
		if len(got) == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestServiceWorkerShowsALockScreenSafePush(t *testing.T) {
	chromiumPath(t)
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	var svc *notify.Service
	h := startHeard(t, func(c *api.Config) {
		svc, err = notify.New(notify.Config{Store: c.Store, Log: testkit.Quiet(), Clock: c.Clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
			Subject: "safeguarding@heard.test", AllowLoopbackEndpoints: true, PollEvery: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c.Notifier, c.Escalator = svc, svc
	})
	runCtx, stopRun := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { svc.Run(runCtx); close(ran) }()
	t.Cleanup(func() { stopRun(); <-ran })
	bg := context.Background()
	sam, err := h.Store.StaffByEmail(bg, "sam@demo.heard")
	if err != nil {
		t.Fatal(err)
	}
	var jay heard.YoungPerson
	young, err := h.Store.YoungPeopleInArea(bg, sam.AreaID)
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range young {
		if y.FirstName == "Jay" {
			jay = y
		}
	}
	if jay.ID == "" {
		t.Fatal("no demo young person Jay")
	}

	// Sam signs in. The home screen offers notifications and asks the browser nothing yet.
	ctx := newBrowser(t, "en")
	pushRun(t, ctx, "sign in",
		chromedp.Navigate(h.URL+"/#/signin"),
		chromedp.WaitVisible(`#signin-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-email`, sam.Email, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-password`, store.DemoPassword, chromedp.ByQuery),
		chromedp.Click(`#signin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#home`, chromedp.ByQuery))
	var permission string
	pushRun(t, ctx, "permission", chromedp.Evaluate(`Notification.permission`, &permission))
	if permission == "default" {
		pushRun(t, ctx, "the offer", chromedp.WaitVisible(`#push-offer`, chromedp.ByQuery),
			waitText(`#push-offer`, i18n.T("en", "push.offer.title_staff")))
		screenshot(t, ctx, "push-offer-en")
		pushRun(t, ctx, "still not asked", chromedp.Evaluate(`Notification.permission`, &permission))
		if permission != "default" {
			t.Fatalf("the app asked for permission without a tap: %s", permission)
		}
	} else {
		t.Logf("headless Chromium starts with notification permission %q; the offer is not shown", permission)
	}

	// Sam allows notifications (Browser.setPermission stands in for the "Allow" prompt).
	pushRun(t, ctx, "grant notifications", chromedp.ActionFunc(func(ctx context.Context) error {
		b := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
		return browser.SetPermission(&browser.PermissionDescriptor{Name: "notifications"}, browser.PermissionSettingGranted).WithOrigin(h.URL).Do(b)
	}))

	// The service worker's registration, from the DevTools protocol's events.
	regs := make(chan serviceworker.RegistrationID, 10)
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range e.Registrations {
				if !r.IsDeleted && strings.TrimSuffix(r.ScopeURL, "/") == h.URL {
					regs <- r.RegistrationID
				}
			}
		}
	})
	var ready bool
	pushRun(t, ctx, "service worker ready", serviceworker.Enable(),
		chromedp.Evaluate(`navigator.serviceWorker.ready.then(() => true)`, &ready, awaitPromise))
	var reg serviceworker.RegistrationID
	select {
	case reg = <-regs:
	case <-time.After(15 * time.Second):
		t.Fatal("no service worker registration reported")
	}

	// Sam's browser is registered with Heard. Headless Chromium has no push
	// service, so the subscription carries a loopback receiver's keys, sent
	// through the API exactly as push.js sends the browser's.
	receiver := newPushReceiver(t)
	var login struct {
		AccessToken string `json:"accessToken"`
	}
	if st := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": sam.Email, "password": store.DemoPassword}, &login); st != 200 {
		t.Fatalf("login: %d", st)
	}
	if st := h.postJSON(t, "/api/push/subscriptions", login.AccessToken, receiver.subscription(), nil); st != 201 {
		t.Fatalf("subscribe: %d", st)
	}

	// Jay sends an urgent card: Heard alerts Sam at once.
	raise := func() (heard.Alert, []byte) {
		card := heard.NewID()
		a := heard.Alert{ID: card, AreaID: jay.AreaID, YoungPersonID: jay.ID, KeyWorkerID: sam.ID, TeamID: jay.TeamID,
			Urgency: heard.UrgencyUrgent, Type: "card_urgent", Link: "/#/inbox/" + card}
		if err := svc.Raise(bg, a); err != nil {
			t.Fatal(err)
		}
		return a, receiver.next(t)
	}
	deliver := func(payload []byte) {
		pushRun(t, ctx, "deliver the push", serviceworker.DeliverPushMessage(h.URL, reg, string(payload)))
	}
	alert, payload := raise()
	deliver(payload)
	got := waitShown(t, ctx, 1)
	if len(got) != 1 {
		t.Fatalf("the service worker shows %d notifications", len(got))
	}
	n := got[0]
	var sent notify.Payload
	if err := json.Unmarshal(payload, &sent); err != nil {
		t.Fatal(err)
	}
	if n.Title != i18n.T("en", "push.title_urgent") || n.Body != i18n.T("en", "push.card_urgent.body") ||
		n.Tag != sent.ID || n.Data.ID != sent.ID || n.Data.URL != h.URL+alert.Link || n.Lang != "en" || n.Dir != "ltr" {
		t.Fatalf("notification shown: %+v (payload %s)", n, payload)
	}
	for _, secret := range []string{jay.FirstName, jay.PreferredName, jay.ID} {
		if secret != "" && (strings.Contains(n.Title, secret) || strings.Contains(n.Body, secret)) {
			t.Fatalf("the lock screen shows %q: %+v", secret, n)
		}
	}

	// The same message again, as after a retry: the service worker shows it once.
	pushRun(t, ctx, "dismiss", chromedp.Evaluate(`navigator.serviceWorker.ready.then((r) => r.getNotifications())
		.then((ns) => { ns.forEach((x) => x.close()); return ns.length; })`, nil, awaitPromise))
	deliver(payload)
	time.Sleep(time.Second)
	if again := shown(t, ctx); len(again) != 0 {
		t.Fatalf("a repeated message was shown again: %+v", again)
	}

	// Sam reads Heard in Arabic: the next notification is in Arabic, right to left.
	if err := h.Store.SetStaffLanguage(bg, sam.AreaID, sam.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	_, payload = raise()
	deliver(payload)
	got = waitShown(t, ctx, 1)
	if len(got) != 1 || got[0].Body != i18n.T("ar", "push.card_urgent.body") || got[0].Dir != "rtl" || got[0].Lang != "ar" {
		t.Fatalf("Arabic notification: %+v", got)
	}

	// The offer reads right to left for an Arabic-speaking duty worker.
	duty, err := h.Store.StaffByEmail(bg, "duty@demo.heard")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Store.SetStaffLanguage(bg, duty.AreaID, duty.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	ar := newBrowser(t, "ar")
	pushRun(t, ar, "sign in in Arabic",
		chromedp.Navigate(h.URL+"/#/signin"),
		chromedp.WaitVisible(`#signin-email`, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-email`, duty.Email, chromedp.ByQuery),
		chromedp.SendKeys(`#signin-password`, store.DemoPassword, chromedp.ByQuery),
		chromedp.Click(`#signin-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#push-offer`, chromedp.ByQuery),
		waitText(`#push-offer`, i18n.T("ar", "push.offer.title_staff")))
	var dir string
	pushRun(t, ar, "direction", chromedp.Evaluate(`getComputedStyle(document.querySelector('#push-offer')).direction`, &dir))
	if dir != "rtl" {
		t.Fatalf("the Arabic offer reads %s", dir)
	}
	screenshot(t, ar, "push-offer-ar")
}
