package api

import (
	"bytes"
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/valyala/fasthttp"

	"heard/store"
)

// Every answer is JSON (or the app), with the security headers and a request
// id, even for requests refused before Fiber's middleware runs: a body or
// headers too large (fasthttp refuses them while reading), a method nobody
// knows (Fiber answers those in plain text), and a request line with control
// bytes in its path (which would otherwise be served the app).

// knownMethods are the methods a request may use; anything else is refused
// before routing.
var knownMethods = map[string]bool{
	fiber.MethodGet: true, fiber.MethodHead: true, fiber.MethodPost: true, fiber.MethodPut: true, fiber.MethodPatch: true,
	fiber.MethodDelete: true, fiber.MethodOptions: true,
}

const allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

// screenRequests refuses, in the one JSON shape, what must never reach the
// routes; everything else goes on to next (Fiber's handler).
func (s *Server) screenRequests(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(fctx *fasthttp.RequestCtx) {
		var refusal *Error
		switch {
		case !knownMethods[string(fctx.Method())]:
			refusal = apiError(fiber.StatusMethodNotAllowed, "method_not_allowed", "This method is not allowed here.")
			fctx.Response.Header.Set(fiber.HeaderAllow, allowedMethods)
		case hasControlBytes(fctx.Request.Header.RequestURI()) || hasControlBytes(fctx.Path()):
			refusal = apiError(fiber.StatusBadRequest, "bad_request", "The request's address holds characters that cannot be in one.")
		}
		if refusal == nil {
			next(fctx)
			return
		}
		c := s.app.AcquireCtx(fctx)
		defer s.app.ReleaseCtx(c)
		if err := s.app.ErrorHandler(c, refusal); err != nil {
			fctx.SetStatusCode(fiber.StatusInternalServerError)
		}
	}
}

// hasControlBytes reports whether b holds an ASCII control character or DEL.
func hasControlBytes(b []byte) bool {
	return bytes.IndexFunc(b, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// headersOf returns the headers a middleware sets on an answer, by running it
// once on a request to nowhere: the refusals above get exactly the security
// headers helmet gives every other answer.
func headersOf(mw fiber.Handler) [][2]string {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(mw)
	app.Use(func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
	var fctx fasthttp.RequestCtx
	fctx.Request.SetRequestURI("/")
	app.Handler()(&fctx)
	var out [][2]string
	fctx.Response.Header.VisitAll(func(k, v []byte) {
		switch string(k) {
		case fiber.HeaderContentType, fiber.HeaderContentLength, fiber.HeaderDate, fiber.HeaderServer:
		default:
			out = append(out, [2]string{string(k), string(v)})
		}
	})
	return out
}

// securityHeaders sets the headers helmet would have set, and no-store.
func (s *Server) securityHeaders(c *fiber.Ctx) {
	for _, kv := range s.helmetHeaders {
		c.Set(kv[0], kv[1])
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// newHelmet is Heard's one helmet configuration.
func newHelmet(tls bool) fiber.Handler {
	return helmet.New(helmet.Config{
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
			"connect-src 'self'; manifest-src 'self'; worker-src 'self'; font-src 'self'; object-src 'none'; " +
			"frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
		ReferrerPolicy:            "no-referrer",
		XFrameOptions:             "DENY",
		CrossOriginEmbedderPolicy: "unsafe-none",
		CrossOriginResourcePolicy: "same-origin",
		HSTSMaxAge:                hstsMaxAge(tls),
		HSTSPreloadEnabled:        false,
		PermissionPolicy:          "camera=(), microphone=(), geolocation=(), payment=()",
	})
}

// rateStorage keeps Fiber's limiter counters in Heard's database.
type rateStorage struct{ st *store.Store }

func rateContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

func (r rateStorage) Get(key string) ([]byte, error) {
	cx, cancel := rateContext()
	defer cancel()
	return r.st.RateGet(cx, key)
}

func (r rateStorage) Set(key string, val []byte, exp time.Duration) error {
	cx, cancel := rateContext()
	defer cancel()
	return r.st.RateSet(cx, key, val, exp)
}

func (r rateStorage) Delete(key string) error {
	cx, cancel := rateContext()
	defer cancel()
	return r.st.RateDelete(cx, key)
}

// Reset and Close are never used by the limiter.
func (rateStorage) Reset() error { return nil }
func (rateStorage) Close() error { return nil }
