package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	webpush "github.com/SherClockHolmes/webpush-go"

	"heard"
	"heard/store"
)

// Delivery guarantees, and why.
//
// A push service cannot tell Heard whether it has already accepted a message,
// so "exactly once" cannot be promised on the wire. Heard chooses never to lose
// a notification over never sending one twice:
//
//   - Each delivery is taken, just before it is sent, with a short lease (one
//     conditional write, store/leases.go) that is renewed while the send is in
//     flight, and the send times out well within the lease. Two live
//     dispatchers therefore never send the same delivery, and only the holder
//     of the current lease records an outcome.
//   - If an instance dies after the push service accepted a message but before
//     the outcome was written, its lease runs out (30 s at most) and another
//     instance sends the message again. The payload carries the notification's
//     id; the service worker shows each id once (and the Topic header lets the
//     push service replace a copy it still holds). At-least-once to the push
//     service plus de-duplication on the phone gives exactly-once on the screen.

// RunOnce expands waiting notifications into deliveries and sends every delivery
// that is due, until none is left that nobody holds. It returns the number of
// send attempts. Tests drive the dispatcher with it step by step; Run calls it
// in a loop.
func (s *Service) RunOnce(ctx context.Context) (int, error) {
	for ctx.Err() == nil {
		ns, err := s.store.PendingNotifications(ctx, s.cfg.Batch)
		if err != nil {
			return 0, err
		}
		if _, err := s.expand(ctx, ns); err != nil {
			// They stay in the outbox and are expanded again on the next pass.
			return 0, fmt.Errorf("expanding notifications: %w", err)
		}
		if len(ns) < s.cfg.Batch {
			break
		}
	}
	attempts := 0
	for ctx.Err() == nil {
		due, err := s.store.DueDeliveries(ctx, s.cfg.Batch)
		if err != nil {
			return attempts, err
		}
		var (
			mu      sync.Mutex
			sent    int
			failure error
		)
		parallel(due, s.cfg.Workers, func(d store.PushDelivery) {
			took, err := s.deliver(ctx, d)
			mu.Lock()
			defer mu.Unlock()
			if took {
				sent++
			}
			if err != nil && failure == nil {
				failure = err
			}
		})
		attempts += sent
		if failure != nil && ctx.Err() == nil {
			return attempts, failure
		}
		if sent == 0 {
			break // all taken by other instances, or only half-done work to complete
		}
	}
	return attempts, nil
}

// sendAtOnce queues a notification's deliveries already taken by this
// instance, then sends them from a goroutine of its own, under the same
// leases as Run, so that the first push does not wait for Run's next pass
// and the dispatcher's take is not needed. It gives back the place
// placeToSendAtOnce took. An error means the notification may not be stored
// (Notify then puts it in the outbox, which adds nothing twice); whatever
// it queued is sent all the same.
func (s *Service) sendAtOnce(ctx context.Context, n heard.Notification) error {
	ds, note, err := s.deliveriesFor(ctx, n)
	if err == nil && note != "" {
		err = s.store.LogUndelivered(ctx, []store.Undelivered{{Notification: n, Why: note}})
		if err == nil {
			s.metrics.notification(note)
		}
	}
	var taken []store.PushDelivery
	if err == nil && note == "" {
		taken, err = s.store.AddTakenDeliveries(ctx, ds, s.instance, s.cfg.Lease, n.New)
		if err == nil {
			s.metrics.notification("expanded")
		}
	}
	s.sending.Add(1)
	go func() {
		defer func() { <-s.atOnce; s.sending.Done() }()
		// The request that queued it may end now; the send goes on.
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Lease)
		defer cancel()
		for _, d := range taken {
			s.sendTaken(ctx, d)
		}
	}()
	return err
}

// expand makes one delivery per registered browser of each notification's
// recipient, then takes the notifications out of the outbox: a few writes for
// the whole batch. It returns the deliveries it queued.
func (s *Service) expand(ctx context.Context, ns []heard.Notification) ([]store.PushDelivery, error) {
	var (
		mu          sync.Mutex
		ds          []store.PushDelivery
		undelivered []store.Undelivered
		done        []string
		failure     error
	)
	parallel(ns, s.cfg.Workers, func(n heard.Notification) {
		mine, note, err := s.deliveriesFor(ctx, n)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			failure = err
		case note != "":
			undelivered = append(undelivered, store.Undelivered{Notification: n, Why: note})
			done = append(done, n.ID)
		default:
			ds = append(ds, mine...)
			done = append(done, n.ID)
		}
	})
	queued, err := s.store.AddDeliveries(ctx, ds)
	if err != nil {
		return nil, err
	}
	if err := s.store.LogUndelivered(ctx, undelivered); err != nil {
		return nil, err
	}
	if err := s.store.FinishExpansion(ctx, done); err != nil {
		return nil, err
	}
	for _, u := range undelivered {
		s.metrics.notification(u.Why)
	}
	for range len(done) - len(undelivered) {
		s.metrics.notification("expanded")
	}
	return queued, failure
}

// deliveriesFor makes one delivery per registered browser of the recipient, or
// says why there are none.
func (s *Service) deliveriesFor(ctx context.Context, n heard.Notification) ([]store.PushDelivery, string, error) {
	all, err := s.store.PushSubscriptionsOf(ctx, n.AreaID, n.RecipientID)
	if err != nil {
		return nil, "", err
	}
	// A subscription past the expiry its browser gave is no longer delivered to.
	now := s.clock.Now()
	subs := slices.DeleteFunc(all, func(sub store.PushSubscription) bool { return sub.ExpiresAt != nil && !sub.ExpiresAt.After(now) })
	if len(subs) == 0 {
		return nil, store.DeliveryNoSubscription, nil
	}
	lang, note, err := s.recipientLanguage(ctx, n.AreaID, n.RecipientID, subs[0].OwnerRole)
	if err != nil || note != "" {
		return nil, note, err
	}
	priority := 1
	if n.Urgency == heard.UrgencyUrgent {
		priority = 0
	}
	ds := make([]store.PushDelivery, 0, len(subs))
	for _, sub := range subs {
		ds = append(ds, store.PushDelivery{
			ID: store.DeliveryID(n.ID, sub.ID), AreaID: n.AreaID, NotificationID: n.ID, SubscriptionID: sub.ID,
			RecipientID: n.RecipientID, RecipientRole: sub.OwnerRole, Type: n.Type, Link: n.Link, Urgency: n.Urgency,
			SubjectID: n.SubjectID, Lang: lang, Priority: priority,
			NextAttemptAt: n.CreatedAt, EnqueuedAt: n.CreatedAt, ExpiresAt: n.CreatedAt.Add(s.cfg.MaxAge),
		})
	}
	return ds, "", nil
}

// recipientLanguage is the recipient's chosen language, or a note saying why
// nothing is sent (the account is disabled or gone).
func (s *Service) recipientLanguage(ctx context.Context, area, id string, role heard.Role) (lang, note string, err error) {
	if role == heard.RoleYoungPerson {
		y, err := s.store.YoungPerson(ctx, area, id)
		if errors.Is(err, heard.ErrNotFound) {
			return "", store.DeliveryRecipientUnknown, nil
		}
		return y.Language, "", err
	}
	st, err := s.store.StaffMember(ctx, area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return "", "recipient_not_found", nil
	}
	if err != nil {
		return "", "", err
	}
	if st.Disabled {
		return "", store.DeliveryRecipientDisabled, nil
	}
	return st.Language, "", nil
}

// deliver takes a due delivery, if it is still there to take, makes one
// attempt under its lease, renewed while the send is in flight, and records
// the outcome. It reports whether it took the delivery to send.
func (s *Service) deliver(ctx context.Context, due store.PushDelivery) (bool, error) {
	d, took, err := s.store.TakeDelivery(ctx, due, s.instance, s.cfg.Lease)
	if err != nil || !took {
		return false, err
	}
	s.sendTaken(ctx, d)
	return true, nil
}

// sendTaken makes one attempt at a delivery this instance has taken, under
// its lease, renewed while the send is in flight, and records the outcome.
func (s *Service) sendTaken(ctx context.Context, d store.PushDelivery) {
	// A send in hand is finished even when ctx ends, so its outcome is written.
	inHand := context.WithoutCancel(ctx)
	work, stop := s.keepLeased(inHand, "delivery", d.ID, func(ctx context.Context) (bool, error) {
		return s.store.RenewDelivery(ctx, d, s.cfg.Lease)
	})
	o := s.attempt(work, d)
	stop()
	ok, err := s.store.RecordAttempt(inHand, d, s.instance, o)
	switch {
	case err != nil:
		// The lease runs out and the delivery is attempted again.
		s.log.Warn("recording a push attempt failed", "delivery", d.ID, "err", err.Error())
	case !ok:
		s.log.Warn("a push lease ran out before its outcome was recorded", "delivery", d.ID)
	}
}

// attempt sends a delivery once and decides what happens next.
func (s *Service) attempt(ctx context.Context, d store.PushDelivery) store.DeliveryOutcome {
	now := s.clock.Now()
	if !now.Before(d.ExpiresAt) {
		return s.giveUp(d, d.LastStatus, "not sent within "+s.cfg.MaxAge.String()+": "+d.LastError)
	}
	sub, err := s.store.PushSubscription(ctx, d.SubscriptionID)
	if errors.Is(err, heard.ErrNotFound) || err == nil && (sub.OwnerID != d.RecipientID || sub.AreaID != d.AreaID) {
		// Unsubscribed, signed out, or the browser now belongs to someone else.
		return s.outcome(d, store.DeliveryGone, 0, "subscription removed", time.Time{})
	}
	if err != nil {
		return s.retry(d, 0, "database: "+err.Error(), 0)
	}
	payload, err := payloadFor(d)
	if err == nil && len(payload) > maxPlaintext {
		err = fmt.Errorf("payload of %d bytes is over %d", len(payload), maxPlaintext)
	}
	if err != nil {
		return s.outcome(d, store.DeliveryFailed, 0, err.Error(), time.Time{})
	}
	// webpush-go pads into the message's spare capacity, so each send gets its own slice.
	msg := make([]byte, len(payload))
	copy(msg, payload)
	ttl := int(d.ExpiresAt.Sub(now).Seconds())
	res, err := webpush.SendNotificationWithContext(ctx, msg, &webpush.Subscription{
		Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256dh},
	}, &webpush.Options{
		HTTPClient:      s.client,
		Subscriber:      s.subject,
		VAPIDPublicKey:  s.cfg.VAPIDPublicKey,
		VAPIDPrivateKey: s.cfg.VAPIDPrivateKey,
		TTL:             max(ttl, 60),
		Urgency:         webpush.Urgency(webPushUrgency(d.Urgency)),
		Topic:           topicFor(d),
	})
	if err != nil {
		var ue *url.Error
		switch {
		case errors.Is(err, errAddressNotAllowed):
			return s.outcome(d, store.DeliveryFailed, 0, "endpoint address not allowed", time.Time{})
		case errors.As(err, &ue):
			return s.retry(d, 0, "network: "+shortError(ue.Err), 0)
		default:
			// Before any request: the subscription's keys could not be used.
			return s.outcome(d, store.DeliveryFailed, 0, "encryption: "+err.Error(), time.Time{})
		}
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	code := res.StatusCode
	reason := fmt.Sprintf("HTTP %d", code)
	if text := printable(string(snippet), 200); text != "" {
		reason += ": " + text
	}
	switch {
	case code >= 200 && code < 300:
		s.metrics.latency(s.clock.Now().Sub(d.EnqueuedAt))
		return s.outcome(d, store.DeliveryDelivered, code, "", time.Time{})
	case code == http.StatusNotFound || code == http.StatusGone:
		if err := s.store.DeleteSubscriptionByID(ctx, sub.ID); err != nil {
			s.log.Warn("removing an expired push subscription failed", "subscription", sub.ID, "err", err.Error())
		}
		return s.outcome(d, store.DeliveryGone, code, reason, time.Time{})
	case code == http.StatusTooManyRequests || code >= 500:
		return s.retry(d, code, reason, retryAfter(res.Header.Get("Retry-After"), now))
	default:
		// 400, 401, 403, 413 …: the request itself is wrong (keys, VAPID, size);
		// sending it again would fail again. Administrators see the reason.
		return s.outcome(d, store.DeliveryFailed, code, reason, time.Time{})
	}
}

// outcome counts and returns a final (or retry) outcome.
func (s *Service) outcome(d store.PushDelivery, status string, code int, reason string, next time.Time) store.DeliveryOutcome {
	result := status
	if status == store.DeliveryPending {
		result = "retry"
	}
	s.metrics.delivery(result)
	if status == store.DeliveryFailed {
		s.log.Warn("push delivery failed", "delivery", d.ID, "area", d.AreaID, "type", d.Type, "status", code, "reason", reason)
	}
	return store.DeliveryOutcome{Status: status, NextAttemptAt: next, LastStatus: code, LastError: reason}
}

// retry schedules the next attempt after a backoff (or the push service's
// Retry-After), or gives up when that would be past the delivery's age limit.
func (s *Service) retry(d store.PushDelivery, code int, reason string, after time.Duration) store.DeliveryOutcome {
	now := s.clock.Now()
	wait := after
	if wait <= 0 {
		wait = s.backoff(d.Attempts)
	}
	next := now.Add(wait)
	if !next.Before(d.ExpiresAt) {
		return s.giveUp(d, code, reason)
	}
	return s.outcome(d, store.DeliveryPending, code, reason, next)
}

func (s *Service) giveUp(d store.PushDelivery, code int, reason string) store.DeliveryOutcome {
	s.metrics.delivery("gave_up")
	s.log.Warn("push delivery given up", "delivery", d.ID, "area", d.AreaID, "type", d.Type, "attempts", d.Attempts, "reason", reason)
	return store.DeliveryOutcome{Status: store.DeliveryFailed, LastStatus: code,
		LastError: "gave up after " + strconv.Itoa(d.Attempts) + " attempts: " + reason}
}

// backoff doubles from RetryBase up to RetryMax, with "equal jitter": half the
// wait is fixed, half random, so many deliveries failing together (a push
// service outage) do not all come back at the same moment.
func (s *Service) backoff(attempts int) time.Duration {
	wait := s.cfg.RetryBase
	for i := 1; i < attempts && wait < s.cfg.RetryMax; i++ {
		wait *= 2
	}
	wait = min(wait, s.cfg.RetryMax)
	return wait/2 + rand.N(wait/2+1)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil {
		return time.Duration(max(secs, 1)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func shortError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return printable(err.Error(), 200)
}

// printable keeps a push service's answer safe to store and show: one line,
// printable characters, at most n runes.
func printable(s string, n int) string {
	var b strings.Builder
	count := 0
	for _, r := range strings.TrimSpace(s) {
		if count >= n {
			b.WriteString("…")
			break
		}
		if !unicode.IsPrint(r) {
			r = ' '
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}
