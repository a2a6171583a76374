package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/chromedp/cdproto/backgroundservice"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"heard"
	"heard/i18n"
	"heard/notify"
	"heard/notify/pushtest"
	"heard/store"
	"heard/testkit"
)

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

// allowNotifications grants the page notification permission (Browser.setPermission
// stands in for the "Allow" prompt) and returns the service worker's
// registration, from the DevTools protocol's events.
func allowNotifications(t *testing.T, ctx context.Context, h *heardServer) serviceworker.RegistrationID {
	t.Helper()
	run(t, ctx, "grant notifications", chromedp.ActionFunc(func(ctx context.Context) error {
		b := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
		return browser.SetPermission(&browser.PermissionDescriptor{Name: "notifications"}, browser.PermissionSettingGranted).WithOrigin(h.URL).Do(b)
	}))
	regs := make(chan serviceworker.RegistrationID, 10)
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range e.Registrations {
				if !r.IsDeleted && strings.TrimSuffix(r.ScopeURL, "/") == h.URL {
					select {
					case regs <- r.RegistrationID:
					default:
					}
				}
			}
		}
	})
	var ready bool
	run(t, ctx, "service worker ready", serviceworker.Enable(),
		chromedp.Evaluate(`navigator.serviceWorker.ready.then(() => true)`, &ready, awaitPromise))
	select {
	case reg := <-regs:
		return reg
	case <-time.After(15 * time.Second):
		t.Fatal("no service worker registration reported")
		return ""
	}
}

// shown reads the service worker's notifications from the page.
func shown(t *testing.T, ctx context.Context) []shownNotification {
	t.Helper()
	var out []shownNotification
	run(t, ctx, "read the notifications", chromedp.Evaluate(`navigator.serviceWorker.ready
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
	h, svc, pushSvc := startHeardWithPush(t)
	bg := context.Background()
	sam := h.staffMember(t, "sam@demo.heard")
	jay := youngPerson(t, h, sam.AreaID, "Jay")

	// Sam signs in. The home screen offers notifications and asks the browser nothing yet.
	ctx := newBrowser(t, "en")
	signIn(t, ctx, h, sam.Email)
	var permission string
	run(t, ctx, "permission", chromedp.Evaluate(`Notification.permission`, &permission))
	if permission == "default" {
		run(t, ctx, "the offer", chromedp.WaitVisible(`#push-offer`, chromedp.ByQuery),
			waitText(`#push-offer`, i18n.T("en", "push.offer.title_staff")))
		screenshot(t, ctx, "push-offer-en")
		run(t, ctx, "still not asked", chromedp.Evaluate(`Notification.permission`, &permission))
		if permission != "default" {
			t.Fatalf("the app asked for permission without a tap: %s", permission)
		}
	} else {
		t.Logf("headless Chromium starts with notification permission %q; the offer is not shown", permission)
	}

	// Sam allows notifications (Browser.setPermission stands in for the "Allow" prompt).
	reg := allowNotifications(t, ctx, h)

	// Sam's browser is registered with Heard. Headless Chromium has no push
	// service, so the subscription carries a loopback receiver's keys, sent
	// through the API exactly as push.js sends the browser's.
	samPhone := pushSvc.NewBrowser()
	var login struct {
		AccessToken string `json:"accessToken"`
	}
	if st := h.postJSON(t, "/api/auth/login", "", map[string]string{"email": sam.Email, "password": store.DemoPassword}, &login); st != 200 {
		t.Fatalf("login: %d", st)
	}
	if st := h.postJSON(t, "/api/push/subscriptions", login.AccessToken, samPhone.Subscription(), nil); st != 201 {
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
		m := pushSvc.Await(t, samPhone, func(m pushtest.Message) bool { return m.Payload["url"] == a.Link })
		return a, m.Plaintext
	}
	deliver := func(payload []byte) {
		run(t, ctx, "deliver the push", serviceworker.DeliverPushMessage(h.URL, reg, string(payload)))
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
	run(t, ctx, "dismiss", chromedp.Evaluate(`navigator.serviceWorker.ready.then((r) => r.getNotifications())
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
	duty := h.staffMember(t, "duty@demo.heard")
	if err := h.Store.SetStaffLanguage(bg, duty.AreaID, duty.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	ar := newBrowser(t, "ar")
	signIn(t, ar, h, duty.Email)
	run(t, ar, "the offer in Arabic",
		chromedp.WaitVisible(`#push-offer`, chromedp.ByQuery),
		waitText(`#push-offer`, i18n.T("ar", "push.offer.title_staff")))
	var dir string
	run(t, ar, "direction", chromedp.Evaluate(`getComputedStyle(document.querySelector('#push-offer')).direction`, &dir))
	if dir != "rtl" {
		t.Fatalf("the Arabic offer reads %s", dir)
	}
	screenshot(t, ar, "push-offer-ar")
}

// A Heard instance dies right after the push service accepted its push, before
// it wrote that down; another instance sends the push again after the lease,
// with the same id. Both copies reach the phone, even at the same moment, and
// the service worker shows one notification; a copy arriving after that
// notification was dismissed is not shown again either.
func TestServiceWorkerShowsAPushSentAgainOnce(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	bg := context.Background()
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	pushSvc := pushtest.New(t, public)
	sam := h.staffMember(t, "sam@demo.heard")
	phone := h.subscribe(t, pushSvc, sam.AreaID, sam.ID, sam.Role)
	const lease = 2 * time.Second // short, so that it runs out during the test
	instance := func(name string, st *store.Store, client *http.Client) *notify.Service {
		s, err := notify.New(notify.Config{Store: st, Log: testkit.Quiet(), VAPIDPublicKey: public, VAPIDPrivateKey: private,
			Subject: "safeguarding@heard.test", Instance: name, AllowLoopbackEndpoints: true, HTTPClient: client,
			SendTimeout: lease / 2, Lease: lease})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	dying := testkit.NewInstance(t, h.Store)
	dying.DieAfterSends(1)
	first := instance("first", dying.Store, &http.Client{Transport: dying.Transport()})
	n := heard.Notification{ID: heard.NewID(), AreaID: sam.AreaID, RecipientID: sam.ID, Type: "card_urgent", Link: "/#/inbox",
		Urgency: heard.UrgencyUrgent}
	if err := first.Notify(bg, n); err != nil {
		t.Fatal(err)
	}
	_, _ = first.RunOnce(bg)
	time.Sleep(lease + 100*time.Millisecond) // the dead instance's lease runs out
	if _, err := instance("second", h.Store, nil).RunOnce(bg); err != nil {
		t.Fatal(err)
	}
	copies := pushSvc.Accepted(phone)
	if len(copies) != 2 || copies[0].Payload["id"] != n.ID || copies[1].Payload["id"] != n.ID {
		t.Fatalf("the push service accepted %d copies", len(copies))
	}

	ctx := newBrowser(t, "en")
	signIn(t, ctx, h, sam.Email)
	reg := allowNotifications(t, ctx, h)
	// Count what the service worker puts on the screen as DevTools' record of
	// background services does: the notification's tag would hide a second
	// showing from getNotifications.
	var (
		mu       sync.Mutex
		displays []string
	)
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*backgroundservice.EventBackgroundServiceEventReceived); ok && e.BackgroundServiceEvent.Service == backgroundservice.ServiceNameNotifications {
			mu.Lock()
			defer mu.Unlock()
			desc := e.BackgroundServiceEvent.EventName
			for _, m := range e.BackgroundServiceEvent.EventMetadata {
				desc += " " + m.Key + "=" + m.Value
			}
			displays = append(displays, desc)
		}
	})
	run(t, ctx, "record notifications", backgroundservice.StartObserving(backgroundservice.ServiceNameNotifications),
		backgroundservice.SetRecording(true, backgroundservice.ServiceNameNotifications))
	showings := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), displays...)
	}
	deliverTogether := func(payloads ...[]byte) {
		var wg sync.WaitGroup
		for _, p := range payloads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := chromedp.Run(ctx, serviceworker.DeliverPushMessage(h.URL, reg, string(p))); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}

	deliverTogether(copies[0].Plaintext, copies[1].Plaintext)
	if got := waitShown(t, ctx, 1); len(got) != 1 || got[0].Data.ID != n.ID {
		t.Fatalf("shown: %+v", got)
	}
	time.Sleep(500 * time.Millisecond)
	if got := showings(); len(got) != 1 {
		t.Fatalf("two copies of one push were shown %d times: %q", len(got), got)
	}

	// Dismissed, then a copy comes again: it is not shown.
	run(t, ctx, "dismiss", chromedp.Evaluate(`navigator.serviceWorker.ready.then((r) => r.getNotifications())
		.then((ns) => { ns.forEach((x) => x.close()); return ns.length; })`, nil, awaitPromise))
	deliverTogether(copies[1].Plaintext)
	time.Sleep(time.Second)
	if got, left := showings(), shown(t, ctx); len(got) != 1 || len(left) != 0 {
		t.Fatalf("a dismissed push came back: %d showings, %d on screen", len(got), len(left))
	}
}
