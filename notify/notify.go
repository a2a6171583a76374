// Package notify brings what young people send to the right adult by Web Push,
// and brings replies and requests back to young people.
//
// Everything goes through the database first. Notify writes a notification to
// the outbox; the dispatcher (RunOnce, or Run in a loop) expands it into one
// delivery per registered browser of the recipient and sends each with VAPID and
// aes128gcm encryption, retrying with backoff for up to a day. Raise stores an
// alert whose escalation timer lives in the same database, so timers survive a
// restart and go on in whichever instance is running. Instances share the work
// through short leases, renewed while a job is worked on (store/leases.go):
// two instances never send the same delivery at the same time, and the work of
// an instance that dies is taken over within one lease.
package notify

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"heard"
	"heard/store"
)

// Config is what the service needs from its wiring. Zero durations and counts
// take the defaults below.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	Clock heard.Clock
	// VAPID key pair, URL-safe base64 (uncompressed P-256 public point, 32-byte private scalar).
	VAPIDPublicKey  string
	VAPIDPrivateKey string
	// Subject is who push services may contact about Heard's messages: a bare
	// email address or an https URL.
	Subject string
	// Instance names this process in leases; a random name when empty. A
	// name kept across restarts (unique among the running instances) lets a
	// restarted instance take back at once the jobs its previous process held.
	Instance string
	// HTTPClient sends to push services. When nil, a client with SendTimeout that
	// refuses private and (unless AllowLoopbackEndpoints) loopback addresses.
	HTTPClient *http.Client
	// AllowLoopbackEndpoints accepts http://127.0.0.1 and http://localhost
	// endpoints: for tests and development only.
	AllowLoopbackEndpoints bool
	// MetricsToken, when set, lets /metrics answer to a request that is not from
	// this machine if it carries "Authorization: Bearer <token>".
	MetricsToken string

	SendTimeout time.Duration // one request to a push service (10s)
	Lease       time.Duration // how long a taken job is ours unless renewed (30s, at least 2 × SendTimeout)
	RenewEvery  time.Duration // how often a job being worked on renews its lease (Lease / 3)
	PollEvery   time.Duration // how often Run looks for due work (1s)
	Workers     int           // deliveries sent at once (16)
	// SendAtOnce is how many notifications may be sent straight after they
	// are queued, each by a goroutine of its own, without waiting for Run's
	// next pass (0: only Run sends). Run's pass reads the queues, which on
	// the embedded database means decoding every waiting job, so under load
	// the first push is sent sooner, and more cheaply, from here.
	SendAtOnce int
	Batch      int           // jobs taken at a time (64)
	MaxAge     time.Duration // retries stop this long after queuing (24h)
	RetryBase  time.Duration // first backoff (15s), doubling
	RetryMax   time.Duration // longest backoff (1h)
	KeepFor    time.Duration // finished deliveries are deleted after (7 days)
	KeepFailed time.Duration // failed deliveries are deleted after (30 days)
	SweepEvery time.Duration // (10m)
}

// Service is Heard's heard.Notifier and heard.Escalator.
type Service struct {
	cfg      Config
	store    *store.Store
	log      *slog.Logger
	clock    heard.Clock
	client   *http.Client
	instance string
	subject  string
	wake     chan struct{}
	metrics  *metrics
	// atOnce holds a place for each notification being sent at once (nil
	// when SendAtOnce is 0).
	atOnce  chan struct{}
	sending sync.WaitGroup
}

var (
	_ heard.Notifier  = (*Service)(nil)
	_ heard.Escalator = (*Service)(nil)
)

// New checks the configuration and builds the service. It starts nothing: call
// Run (or RunOnce and RunDue) to deliver.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("notify: a store is required")
	}
	if err := checkVAPIDKeys(cfg.VAPIDPublicKey, cfg.VAPIDPrivateKey); err != nil {
		return nil, err
	}
	subject, err := normaliseSubject(cfg.Subject)
	if err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = heard.SystemClock{}
	}
	defaults(&cfg)
	if cfg.Instance == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		cfg.Instance = fmt.Sprintf("%s-%x", host, b)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = guardedClient(cfg.SendTimeout, cfg.AllowLoopbackEndpoints)
	}
	s := &Service{cfg: cfg, store: cfg.Store, log: cfg.Log, clock: cfg.Clock, client: client, instance: cfg.Instance,
		subject: subject, wake: make(chan struct{}, 1), metrics: newMetrics()}
	if cfg.SendAtOnce > 0 {
		s.atOnce = make(chan struct{}, cfg.SendAtOnce)
	}
	return s, nil
}

func defaults(c *Config) {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.SendTimeout, 10*time.Second)
	set(&c.Lease, 30*time.Second)
	// A lease must outlast a send even when a renewal fails, or a slow send
	// could be taken over and sent again.
	c.Lease = max(c.Lease, 2*c.SendTimeout)
	set(&c.RenewEvery, c.Lease/3)
	c.RenewEvery = min(c.RenewEvery, c.Lease/2)
	set(&c.PollEvery, time.Second)
	set(&c.MaxAge, 24*time.Hour)
	set(&c.RetryBase, 15*time.Second)
	set(&c.RetryMax, time.Hour)
	set(&c.KeepFor, 7*24*time.Hour)
	set(&c.KeepFailed, 30*24*time.Hour)
	set(&c.SweepEvery, 10*time.Minute)
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.Batch <= 0 {
		c.Batch = 64
	}
}

// checkVAPIDKeys makes sure the keys decode and belong together, so a bad
// setting stops Heard at start rather than failing every push.
func checkVAPIDKeys(public, private string) error {
	pub, err1 := decodeKey(public)
	priv, err2 := decodeKey(private)
	if err1 != nil || err2 != nil || len(pub) != 65 || len(priv) != 32 {
		return errors.New("notify: the VAPID keys must be a URL-safe base64 P-256 public point (65 bytes) and private key (32 bytes)")
	}
	key, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return fmt.Errorf("notify: VAPID private key: %w", err)
	}
	if string(key.PublicKey().Bytes()) != string(pub) {
		return errors.New("notify: the VAPID public key does not belong to the private key")
	}
	return nil
}

// decodeKey reads URL-safe base64 with or without padding, as browsers and key
// generators write it.
func decodeKey(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

var simpleEmail = regexp.MustCompile(`^[^@\s<>"]+@[^@\s<>"]+$`)

// normaliseSubject accepts "someone@example.org", "mailto:someone@example.org"
// or an https URL, and returns what webpush-go expects: a bare email (it adds
// "mailto:" itself) or the URL.
func normaliseSubject(s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "mailto:")
	switch {
	case strings.HasPrefix(s, "https://") && len(s) > len("https://"):
		return s, nil
	case simpleEmail.MatchString(s):
		return s, nil
	}
	return "", fmt.Errorf("notify: the VAPID subject %q must be an email address or an https URL", s)
}

// PublicKey is the VAPID public key browsers subscribe with (applicationServerKey).
func (s *Service) PublicKey() string { return strings.TrimRight(s.cfg.VAPIDPublicKey, "=") }

// MetricsToken is the bearer token that opens /metrics to other machines ("" : none).
func (s *Service) MetricsToken() string { return s.cfg.MetricsToken }

// Instance is the name this service takes leases under.
func (s *Service) Instance() string { return s.instance }

var notificationType = regexp.MustCompile(`^[a-z][a-z_]{0,39}$`)

// validLink accepts only addresses inside the app, so a notification can never
// send someone elsewhere.
func validLink(l string) bool {
	return strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//") && !strings.ContainsAny(l, "\\\r\n\t ") && len(l) <= 500
}

func validUrgency(u heard.Urgency) bool {
	return u == heard.UrgencyOrdinary || u == heard.UrgencyConcerning || u == heard.UrgencyUrgent
}

// Notify stores a notification and has it sent. Once it returns nil the
// notification is stored and will be delivered or retried; queuing the same
// id again does nothing. When a place to send at once is free, its
// deliveries are queued already taken by this instance and sent straight
// away (sendAtOnce); otherwise it waits in the outbox for the dispatcher.
func (s *Service) Notify(ctx context.Context, n heard.Notification) error {
	if n.ID == "" {
		n.ID = heard.NewID()
	}
	if n.Urgency == "" {
		n.Urgency = heard.UrgencyOrdinary
	}
	switch {
	case n.AreaID == "" || n.RecipientID == "":
		return errors.New("notify: a notification needs an area and a recipient")
	case !notificationType.MatchString(n.Type):
		return fmt.Errorf("notify: notification type %q is not a type", n.Type)
	case !validLink(n.Link):
		return fmt.Errorf("notify: link %q is not an address inside the app", n.Link)
	case !validUrgency(n.Urgency):
		return fmt.Errorf("notify: urgency %q is not an urgency", n.Urgency)
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.clock.Now()
	}
	n.CreatedAt = n.CreatedAt.UTC().Truncate(time.Millisecond)
	if s.placeToSendAtOnce() {
		err := s.sendAtOnce(ctx, n)
		if err == nil {
			return nil
		}
		s.log.Warn("sending a notification at once failed; the dispatcher will", "notification", n.ID, "err", err.Error())
	}
	if _, err := s.store.QueueNotification(ctx, n); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// placeToSendAtOnce takes a place among SendAtOnce, if one is free; sendAtOnce gives it back.
func (s *Service) placeToSendAtOnce() bool {
	select {
	case s.atOnce <- struct{}{}:
		return true
	default:
		return false // none free, or SendAtOnce is 0 (a nil channel)
	}
}

// Wake makes Run look for work now instead of at its next tick.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers notifications and takes escalation steps until ctx ends, then
// finishes what it has in hand and returns. Run it once per process. It starts
// by taking back the jobs a previous process of the same instance name held.
func (s *Service) Run(ctx context.Context) {
	if n, err := s.store.ReleaseLeasesOf(ctx, s.instance); err != nil && ctx.Err() == nil {
		s.log.Warn("taking back this instance's jobs failed; their leases will run out", "err", err.Error())
	} else if n > 0 {
		s.log.Info("took back the jobs of this instance's previous process", "jobs", n)
	}
	tick := time.NewTicker(s.cfg.PollEvery)
	defer tick.Stop()
	sweep := time.NewTicker(s.cfg.SweepEvery)
	defer sweep.Stop()
	for {
		if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("escalation steps failed; will retry", "err", err.Error())
		}
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("push dispatch failed; will retry", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			// Sends started at once finish too, or their leases run out.
			s.sending.Wait()
			return
		case <-s.wake:
		case <-tick.C:
		case <-sweep.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("push sweep failed", "err", err.Error())
			}
		}
	}
}

// Sweep deletes old finished deliveries and ended escalated access (the
// embedded database has no TTL indexes).
func (s *Service) Sweep(ctx context.Context) error {
	return s.store.SweepPush(ctx, s.cfg.KeepFor, s.cfg.KeepFailed)
}

// parallel runs f for each item with at most n running at once.
func parallel[T any](items []T, n int, f func(T)) {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(it)
		}()
	}
	wg.Wait()
}
