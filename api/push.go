package api

import (
	"context"
	"crypto/ecdh"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"heard"
	"heard/store"
)

// pushService is what the push routes need besides heard.Notifier; the notify
// package's Service provides it (Config.Notifier).
type pushService interface {
	// PublicKey is the VAPID public key browsers subscribe with.
	PublicKey() string
	// EndpointProblem checks a browser's push endpoint: "" or a problem code.
	EndpointProblem(endpoint string) string
	// WriteMetrics writes the push and escalation metrics in Prometheus' text format.
	WriteMetrics(ctx context.Context, w io.Writer) error
	// MetricsToken opens /metrics to other machines ("" : only to this one).
	MetricsToken() string
}

// push is the configured push service, or nil when Heard runs without one.
func (s *Server) push() pushService {
	p, _ := s.cfg.Notifier.(pushService)
	return p
}

func errPushUnavailable() *Error {
	return apiError(404, "push_unavailable", "Notifications are not set up on this server.")
}

type pushKey struct {
	PublicKey string `json:"publicKey"`
}

// pushSubscriptionRequest is the browser's PushSubscription, as its toJSON() gives it.
type pushSubscriptionRequest struct {
	Endpoint string `json:"endpoint"`
	// ExpirationTime is when the browser will end the subscription (ms since 1970), or null.
	ExpirationTime *float64 `json:"expirationTime"`
	Keys           pushKeys `json:"keys"`
}

type pushKeys struct {
	// P256dh is the browser's P-256 public key (65 bytes, URL-safe base64).
	P256dh string `json:"p256dh"`
	// Auth is the browser's authentication secret (16 bytes, URL-safe base64).
	Auth string `json:"auth"`
}

type pushSubscriptionView struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

// deliveryProblemView is one delivery that met a problem, for administrators.
// It says nothing of what the notification said or whom it was for.
type deliveryProblemView struct {
	At time.Time `json:"at"`
	// Status is "failed" (given up) or "retrying".
	Status        string     `json:"status"`
	Type          string     `json:"type"`
	RecipientRole heard.Role `json:"recipientRole"`
	// StatusCode is the push service's last answer (0: it could not be reached).
	StatusCode int    `json:"statusCode"`
	Reason     string `json:"reason"`
	Attempts   int    `json:"attempts"`
}

func (s *Server) pushRoutes() {
	s.route(http.MethodGet, "/api/push/key", doc{Tag: "Notifications", Response: pushKey{},
		Summary: "The key a browser subscribes to Web Push with (applicationServerKey)."}, s.pushKey)
	s.route(http.MethodPost, "/api/push/subscriptions", doc{Tag: "Notifications", Status: 201, Request: pushSubscriptionRequest{}, Response: pushSubscriptionView{},
		Summary: "Register this browser's push subscription for the signed-in person (a young person's for this phone). Registering the same endpoint again updates it; an endpoint belongs to whoever registered it last. Signing out removes it."}, s.subscribe)
	s.route(http.MethodDelete, "/api/push/subscriptions", doc{Tag: "Notifications", Status: 204, Query: []string{"endpoint"},
		Summary: "Stop notifications to this browser: ?endpoint= is the subscription's endpoint, URL-encoded. Only the caller's own subscription can be removed."}, s.unsubscribe)
	s.route(http.MethodGet, "/api/admin/deliveries", doc{Tag: "Administration", Roles: adminOnly, Response: list[deliveryProblemView]{},
		Summary: "Recent notifications that could not be delivered or are being retried in the area: when, what kind, to which role, the push service's answer. Never what they said or to whom."}, s.deliveryProblems)
	s.route(http.MethodGet, "/metrics", doc{Tag: "Meta", Public: true,
		Summary: "Prometheus metrics (text format): push queue depth, deliveries by result, delivery latency, escalations. Answers only to this machine, or with \"Authorization: Bearer <HEARD_METRICS_TOKEN>\"; anyone else gets 404."}, s.metrics)
}

func (s *Server) pushKey(c *fiber.Ctx) error {
	p := s.push()
	if p == nil {
		return errPushUnavailable()
	}
	return c.JSON(pushKey{PublicKey: p.PublicKey()})
}

// decodeBrowserKey reads a key as browsers write it: URL-safe base64, with or
// without padding.
func decodeBrowserKey(s string) ([]byte, bool) {
	if len(s) > 200 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

func (s *Server) subscribe(c *fiber.Ctx) error {
	var req pushSubscriptionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	push := s.push()
	if push == nil {
		return errPushUnavailable()
	}
	f := fields{}
	if problem := push.EndpointProblem(req.Endpoint); problem != "" {
		f.check(false, "endpoint", problem)
	}
	key, ok := decodeBrowserKey(req.Keys.P256dh)
	if ok && len(key) == 65 {
		_, err := ecdh.P256().NewPublicKey(key)
		ok = err == nil
	}
	f.check(ok && len(key) == 65, "keys.p256dh", "p256dh_format")
	auth, ok := decodeBrowserKey(req.Keys.Auth)
	f.check(ok && len(auth) == 16, "keys.auth", "auth_format")
	var expires *time.Time
	if req.ExpirationTime != nil {
		ms := *req.ExpirationTime
		valid := !math.IsNaN(ms) && !math.IsInf(ms, 0) && ms >= 0 && ms < 1e14
		f.check(valid, "expirationTime", "time_format")
		if valid {
			t := time.UnixMilli(int64(ms)).UTC()
			expires = &t
		}
	}
	if err := f.err(); err != nil {
		return err
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	sub, err := s.store.SavePushSubscription(cx, store.PushSubscription{AreaID: p.AreaID, Endpoint: req.Endpoint,
		P256dh: strings.TrimRight(req.Keys.P256dh, "="), Auth: strings.TrimRight(req.Keys.Auth, "="),
		OwnerID: p.ID, OwnerRole: p.Role, DeviceID: p.DeviceID, SessionID: p.SessionID, ExpiresAt: expires})
	if err != nil {
		return err
	}
	return c.Status(201).JSON(pushSubscriptionView{ID: sub.ID, CreatedAt: sub.CreatedAt})
}

func (s *Server) unsubscribe(c *fiber.Ctx) error {
	endpoint := c.Query("endpoint")
	f := fields{}
	f.check(endpoint != "", "endpoint", "required")
	f.check(len(endpoint) <= 2048, "endpoint", "too_long")
	if err := f.err(); err != nil {
		return err
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	deleted, err := s.store.DeletePushSubscription(cx, p.AreaID, p.ID, endpoint)
	if err != nil {
		return err
	}
	if !deleted {
		return errNotFound()
	}
	return c.SendStatus(204)
}

func (s *Server) deliveryProblems(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	ds, err := s.store.DeliveryProblems(cx, principal(c).AreaID, 100)
	if err != nil {
		return err
	}
	out := make([]deliveryProblemView, 0, len(ds))
	for _, d := range ds {
		status := d.Status
		if status == store.DeliveryPending || status == store.DeliverySending {
			status = "retrying"
		}
		out = append(out, deliveryProblemView{At: d.UpdatedAt, Status: status, Type: d.Type, RecipientRole: d.RecipientRole,
			StatusCode: d.LastStatus, Reason: d.LastError, Attempts: d.Attempts})
	}
	return c.JSON(list[deliveryProblemView]{Items: out})
}

// metrics answers Prometheus. Metrics say how busy Heard is, so they are shown
// only to a scraper on this machine or one holding the token. A request that
// came through a proxy (it carries forwarding headers) is not from this machine
// even when the proxy connects from the loopback address.
func (s *Server) metrics(c *fiber.Ctx) error {
	push := s.push()
	if push == nil {
		return errNotFound()
	}
	local := c.Context().RemoteIP().IsLoopback() && c.Get("X-Forwarded-For") == "" && c.Get("Forwarded") == "" && c.Get("X-Real-Ip") == ""
	bearer, hasBearer := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	token := push.MetricsToken()
	withToken := token != "" && hasBearer && subtle.ConstantTimeCompare([]byte(bearer), []byte(token)) == 1
	if !local && !withToken {
		return errNotFound()
	}
	cx, cancel := ctx(c)
	defer cancel()
	var sb strings.Builder
	if err := push.WriteMetrics(cx, &sb); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString(sb.String())
}
