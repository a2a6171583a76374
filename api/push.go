package api

import (
	"context"
	"crypto/subtle"
	"io"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// metricsService is what /metrics needs of the push service (notify's Service,
// Config.Notifier): an operations read, not something a person does.
type metricsService interface {
	// WriteMetrics writes the push and escalation metrics in Prometheus' text format.
	WriteMetrics(ctx context.Context, w io.Writer) error
	// MetricsToken opens /metrics to other machines ("" : only to this one).
	MetricsToken() string
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

type pushSubscriptionView = heard.PushSubscriptionView

type deliveryProblemView = heard.DeliveryProblem

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
	cx, cancel := ctx(c)
	defer cancel()
	key, err := s.cfg.Services.PushKey(cx)
	if err != nil {
		return err
	}
	return c.JSON(pushKey{PublicKey: key})
}

func (s *Server) subscribe(c *fiber.Ctx) error {
	var req pushSubscriptionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	v, err := s.cfg.Services.Subscribe(cx, principal(c), heard.NewPushSubscription{Endpoint: req.Endpoint, ExpirationTime: req.ExpirationTime,
		P256dh: req.Keys.P256dh, Auth: req.Keys.Auth})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) unsubscribe(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.Unsubscribe(cx, principal(c), c.Query("endpoint")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) deliveryProblems(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	items, err := s.cfg.Services.DeliveryProblems(cx, principal(c))
	if err != nil {
		return err
	}
	return c.JSON(list[deliveryProblemView]{Items: items})
}

// metrics answers Prometheus. Metrics say how busy Heard is, so they are shown
// only to a scraper on this machine or one holding the token. A request that
// came through a proxy (it carries forwarding headers) is not from this machine
// even when the proxy connects from the loopback address.
func (s *Server) metrics(c *fiber.Ctx) error {
	push, ok := s.cfg.Notifier.(metricsService)
	if !ok {
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
