package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"heard/notify/pushtest"
	"heard/store"
)

// The demo area's administrator; the other staff are found through the API.
const demoAdminEmail = "admin@demo.heard"

// youngPersonPIN is every seeded young person's PIN.
const youngPersonPIN = "2580"

// staffUser is a signed-in demo staff member.
type staffUser struct {
	id, email, teamID string
	session           *session
	browser           *pushtest.Browser // nil: no push subscription
}

// youngUser is a seeded young person signed in on their own phone.
type youngUser struct {
	id        string
	keyWorker *staffUser
	session   *session
}

// world is the demo area as the load test uses it.
type world struct {
	admin, commissioner, duty *staffUser
	keyWorkers                []*staffUser
	young                     []*youngUser
	normalCards, urgentCards  []string
	push                      *pushReceiver
}

// seed signs in the demo staff, adds n young people spread over the demo key
// workers (and so their teams), joins each on a phone, and subscribes the key
// workers and the duty worker to Web Push at a loopback push service. Everything
// goes through Heard's public API. On success the caller closes w.push.
func seed(ctx context.Context, c *client, n int) (w *world, err error) {
	w = &world{}
	if w.admin, err = signInStaff(ctx, c, demoAdminEmail); err != nil {
		return nil, err
	}
	key, err := vapidKey(ctx, c, w.admin.session)
	if err != nil {
		return nil, fmt.Errorf("reading the VAPID key: %w", err)
	}
	if w.push, err = startPushReceiver(key); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.push.close()
		}
	}()
	var staff struct {
		Items []struct {
			ID, Email, Role, TeamID string
			Disabled                bool
		} `json:"items"`
	}
	if err := c.as(ctx, w.admin.session, http.MethodGet, "/api/admin/staff", nil).decode(&staff); err != nil {
		return nil, fmt.Errorf("listing the demo staff: %w", err)
	}
	for _, st := range staff.Items {
		if st.Disabled {
			continue
		}
		var who **staffUser
		switch st.Role {
		case "key_worker":
			w.keyWorkers = append(w.keyWorkers, nil)
			who = &w.keyWorkers[len(w.keyWorkers)-1]
		case "duty_worker":
			who = &w.duty
		case "commissioner":
			who = &w.commissioner
		default:
			continue
		}
		if *who, err = signInStaff(ctx, c, st.Email); err != nil {
			return nil, err
		}
		(*who).teamID = st.TeamID
	}
	if len(w.keyWorkers) == 0 || w.duty == nil || w.commissioner == nil {
		return nil, fmt.Errorf("the demo area lacks a key worker, duty worker or commissioner")
	}
	for _, st := range append([]*staffUser{w.duty}, w.keyWorkers...) {
		if err := subscribe(ctx, c, st, w.push); err != nil {
			return nil, err
		}
	}
	if err := w.addYoungPeople(ctx, c, n); err != nil {
		return nil, err
	}
	return w, w.readCatalogue(ctx, c)
}

func signInStaff(ctx context.Context, c *client, email string) (*staffUser, error) {
	s, t, err := newSession(ctx, func(ctx context.Context) (tokens, error) {
		var t tokens
		err := c.call(ctx, http.MethodPost, "/api/auth/login", "", map[string]string{"email": email, "password": store.DemoPassword}).decode(&t)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("signing in as %s: %w", email, err)
	}
	return &staffUser{id: t.User.ID, email: email, session: s}, nil
}

func subscribe(ctx context.Context, c *client, st *staffUser, push *pushReceiver) error {
	b, err := push.newBrowser()
	if err != nil {
		return err
	}
	if a := c.as(ctx, st.session, http.MethodPost, "/api/push/subscriptions", b.Subscription()); !a.ok() {
		return fmt.Errorf("subscribing %s to push: HTTP %d %v %.200s", st.email, a.status, a.err, a.body)
	}
	st.browser = b
	return nil
}

// addYoungPeople adds and joins n young people, a few at a time, retrying a
// step that Heard did not answer with success (seeding is not what is measured).
func (w *world) addYoungPeople(ctx context.Context, c *client, n int) error {
	w.young = make([]*youngUser, n)
	errs := make([]error, n)
	var next, done atomic.Int32
	started := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				w.young[i], errs[i] = w.addYoungPerson(ctx, c, i)
				if d := done.Add(1); d%50 == 0 || int(d) == n {
					fmt.Printf("  seeded %d of %d young people (%.0fs)\n", d, n, time.Since(started).Seconds())
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (w *world) addYoungPerson(ctx context.Context, c *client, i int) (*youngUser, error) {
	kw := w.keyWorkers[i%len(w.keyWorkers)]
	var person struct {
		ID string `json:"id"`
	}
	err := retry(ctx, "adding a young person", func() answer {
		return c.as(ctx, w.admin.session, http.MethodPost, "/api/young-people",
			map[string]string{"firstName": fmt.Sprintf("Load %d", i+1), "teamId": kw.teamID, "keyWorkerId": kw.id})
	}, &person)
	if err != nil {
		return nil, err
	}
	var code struct {
		Code string `json:"code"`
	}
	if err := retry(ctx, "making a join code", func() answer {
		return c.as(ctx, kw.session, http.MethodPost, "/api/young-people/"+person.ID+"/join-codes", nil)
	}, &code); err != nil {
		return nil, err
	}
	var device tokens
	// The phone's credentials let it unlock with the PIN if its session ends.
	s, _, err := newSession(ctx, func(ctx context.Context) (tokens, error) {
		if device.DeviceID == "" {
			err := retry(ctx, "joining", func() answer {
				return c.call(ctx, http.MethodPost, "/api/auth/join", "", map[string]string{"code": code.Code, "pin": youngPersonPIN, "deviceName": "Load test phone"})
			}, &device)
			return device, err
		}
		var t tokens
		err := c.call(ctx, http.MethodPost, "/api/auth/unlock", "",
			map[string]string{"deviceId": device.DeviceID, "deviceSecret": device.DeviceSecret, "pin": youngPersonPIN}).decode(&t)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	return &youngUser{id: person.ID, keyWorker: kw, session: s}, nil
}

// retry repeats a request that got no answer, a 429 or a 5xx, up to five
// times, and decodes the first success into v.
func retry(ctx context.Context, what string, send func() answer, v any) error {
	var a answer
	for attempt := range 5 {
		if a = send(); a.ok() || a.status != noAnswer && a.status != 429 && a.status < 500 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * time.Second):
		}
	}
	if err := a.decode(v); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// readCatalogue reads the card catalogue and splits off the urgent cards.
func (w *world) readCatalogue(ctx context.Context, c *client) error {
	var cat struct {
		Cards []struct{ ID, Urgency string } `json:"cards"`
	}
	if err := c.as(ctx, w.young[0].session, http.MethodGet, "/api/cards/catalogue", nil).decode(&cat); err != nil {
		return fmt.Errorf("reading the card catalogue: %w", err)
	}
	for _, k := range cat.Cards {
		if k.Urgency == "urgent" {
			w.urgentCards = append(w.urgentCards, k.ID)
		} else {
			w.normalCards = append(w.normalCards, k.ID)
		}
	}
	if len(w.normalCards) == 0 || len(w.urgentCards) == 0 {
		return fmt.Errorf("the card catalogue has %d ordinary and %d urgent cards", len(w.normalCards), len(w.urgentCards))
	}
	return nil
}

// vapidKey is the key browsers subscribe with.
func vapidKey(ctx context.Context, c *client, s *session) (string, error) {
	var k struct {
		PublicKey string `json:"publicKey"`
	}
	err := c.as(ctx, s, http.MethodGet, "/api/push/key", nil).decode(&k)
	return k.PublicKey, err
}
