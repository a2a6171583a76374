// Package api is Heard's HTTP interface: routing, sign-in, access checks, the
// JSON error shape, the OpenAPI description, and serving the PWA.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/google/uuid"

	"heard"
	"heard/store"
)

// Config is what the API needs from its wiring.
type Config struct {
	Store  *store.Store
	Tokens *Tokens
	Log    *slog.Logger
	Clock  heard.Clock
	// Notifier queues Web Push notifications; Escalator raises alerts that must be acknowledged.
	Notifier  heard.Notifier
	Escalator heard.Escalator
	// Services are the workflows the handlers call (service.Service).
	Services Services
	// PWA is the app's files, served at /.
	PWA fs.FS
	// TLS turns on HSTS (only meaningful when Heard itself, or its proxy, serves HTTPS).
	TLS bool
	// BodyLimit caps request bodies in bytes.
	BodyLimit int
	// AuthRateLimit caps sign-in, join and unlock requests per address per minute.
	AuthRateLimit int
	// TrustedProxies are the addresses (or CIDR ranges) of proxies in front of Heard.
	// Requests from them are taken to come from the address in X-Forwarded-For, so
	// sign-in limits count each person, not the proxy. Empty: no proxy is trusted.
	TrustedProxies []string
	// MaxInFlight bounds the API requests worked on at once (DefaultMaxInFlight
	// when zero); QueueWait is how long one more may wait for a place
	// (DefaultQueueWait when zero) before it is answered 503 busy.
	MaxInFlight int
	QueueWait   time.Duration
}

// Services is every workflow the API calls, one interface per feature from the
// root package; service.Service implements them all.
type Services interface {
	heard.CardService
	heard.CardConversationService
	heard.FeedbackService
	heard.AuthService
	heard.MeService
	heard.PushService
	heard.KPIService
	heard.PeopleService
	heard.AdminService
	heard.MoveService
	heard.MyDataService
	heard.RetentionService
	heard.PlacementService
	heard.PhotoService
	heard.PreviewService
	heard.BookletService
	heard.BuddyService
}

// Server holds the dependencies every handler uses.
type Server struct {
	cfg    Config
	store  *store.Store
	tokens *Tokens
	log    *slog.Logger
	clock  heard.Clock
	app    *fiber.App
	routes []route
	shed   *shedder
	// helmetHeaders are the security headers of every answer, for the answers
	// given before the middleware runs (hygiene.go).
	helmetHeaders [][2]string
}

// DefaultBodyLimit is 1 MiB: enough for any JSON Heard accepts.
const DefaultBodyLimit = 1 << 20

// New builds the Fiber app with every route.
func New(cfg Config) *Server {
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.AuthRateLimit == 0 {
		cfg.AuthRateLimit = 30
	}
	if cfg.Clock == nil {
		cfg.Clock = heard.SystemClock{}
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight()
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = DefaultQueueWait
	}
	s := &Server{cfg: cfg, store: cfg.Store, tokens: cfg.Tokens, log: cfg.Log, clock: cfg.Clock, shed: newShedder(cfg.MaxInFlight, cfg.QueueWait)}
	fcfg := fiber.Config{
		AppName:               "Heard",
		BodyLimit:             max(cfg.BodyLimit, PhotoBodyLimit), // every route but a photo upload: limitBodies
		ErrorHandler:          errorHandler(cfg.Log, func(c *fiber.Ctx) { s.securityHeaders(c) }),
		DisableStartupMessage: true,
		// Handlers keep strings from the request after returning (in logs, in goroutines).
		Immutable:    true,
		ReadTimeout:  30 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  120 * time.Second,
	}
	if len(cfg.TrustedProxies) > 0 {
		fcfg.EnableTrustedProxyCheck = true
		fcfg.TrustedProxies = cfg.TrustedProxies
		fcfg.ProxyHeader = fiber.HeaderXForwardedFor
	}
	s.app = fiber.New(fcfg)
	s.helmetHeaders = headersOf(newHelmet(cfg.TLS))
	s.app.Server().Handler = s.screenRequests(s.app.Server().Handler)
	// The access log comes first, so that it sees every answer as sent,
	// recovered panics included.
	s.app.Use(s.accessLog)
	s.app.Use(recover.New())
	s.app.Use(func(c *fiber.Ctx) error {
		// A request id from outside is kept only when it looks like one of ours:
		// it is written to the logs and to the audit log.
		if id := c.Get(fiber.HeaderXRequestID); id != "" && !heard.ValidID(id) {
			c.Request().Header.Del(fiber.HeaderXRequestID)
		}
		return c.Next()
	})
	s.app.Use(requestid.New(requestid.Config{Generator: uuid.NewString}))
	s.app.Use(newHelmet(cfg.TLS))
	s.app.Use(compressResponses()) // static.go
	s.app.Use(func(c *fiber.Ctx) error {
		if p := c.Path(); strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" {
			// Personal data must never sit in a shared cache, nor a stale health answer.
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		return c.Next()
	})
	s.app.Use(s.limitBodies)

	s.app.Use("/api", s.shed.handle)

	s.healthRoutes()
	s.i18nRoutes()
	s.authRoutes()
	s.meRoutes()
	s.youngPeopleRoutes()
	s.adminRoutes()
	s.movesRoutes()
	s.placementsRoutes()
	s.photosRoutes()
	s.previewsRoutes()
	s.bookletsRoutes()
	s.buddiesRoutes()
	s.cardsRoutes()
	s.cardMessagesRoutes()
	s.feedbackRoutes()
	s.kpiRoutes()
	s.pushRoutes()
	s.openAPIRoute()

	s.app.Use("/api", func(c *fiber.Ctx) error { return errNotFound() })
	s.staticFiles() // static.go
	return s
}

// limitBodies refuses a body over the configured limit, except a photo
// upload's, which may be up to PhotoBodyLimit.
func (s *Server) limitBodies(c *fiber.Ctx) error {
	if len(c.Request().Body()) > s.cfg.BodyLimit && !photoUpload(c.Method(), c.Path()) {
		return fiber.ErrRequestEntityTooLarge
	}
	return c.Next()
}

func hstsMaxAge(tls bool) int {
	if tls {
		return 31536000
	}
	return 0
}

// App returns the Fiber app, for serving and for tests.
func (s *Server) App() *fiber.App { return s.app }

// authLimiter caps sign-in style requests per address, before any account
// lockout. Its counters are kept in the database (rateStorage), so the cap
// holds across every Heard instance.
func (s *Server) authLimiter() fiber.Handler {
	return limiter.New(limiter.Config{
		Max: s.cfg.AuthRateLimit, Expiration: time.Minute, Storage: rateStorage{s.store},
		LimitReached: func(c *fiber.Ctx) error {
			return &Error{Status: 429, Code: "too_many_attempts", Message: "Too many attempts; wait a minute and try again.", RetryAfter: 60}
		},
	})
}

// accessLog writes one structured line per request: never bodies, query strings
// or headers, which can hold tokens, PINs or a young person's words. It answers
// an error itself (through the error handler) before it logs, so the status
// logged is the status the client got.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	c.Locals(accessLogged, true)
	if err := c.Next(); err != nil {
		if err := s.app.ErrorHandler(c, err); err != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	logRequest(s.log, c, time.Since(start))
	return nil
}

// accessLogged marks a request the access log sees. The few it cannot see (a
// body too large is refused before any middleware runs) are logged by the
// error handler.
const accessLogged = "heard.accessLogged"

func logRequest(log *slog.Logger, c *fiber.Ctx, took time.Duration) {
	log.Info("request", "requestId", requestID(c), "method", c.Method(), "route", c.Route().Path,
		"status", c.Response().StatusCode(), "ms", took.Milliseconds())
}

func requestID(c *fiber.Ctx) string {
	if v, ok := c.Locals(requestid.ConfigDefault.ContextKey).(string); ok {
		return v
	}
	return c.GetRespHeader(fiber.HeaderXRequestID)
}

// ctx gives a request's database calls their deadline. Past it, calls not yet
// sent are not sent; a call already sent runs to its end (see store.collection).
func ctx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 10*time.Second)
}
