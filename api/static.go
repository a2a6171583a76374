package api

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/etag"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"heard/i18n"
	"heard/pwa"
)

// How the app's files travel (see pwa/build.go for how they are built):
//   - content-hashed addresses (/js/app.1a2b3c4d.js) are kept by the browser
//     for a year and never asked for again;
//   - the shell (/), sw.js and plain addresses are checked on every visit
//     (no-cache with an ETag, so an unchanged file costs a 304);
//   - text is sent compressed with brotli, else gzip, compressed once when
//     Heard starts, never per request;
//   - everything else Heard sends (the API's JSON) is compressed by Fiber's
//     compress middleware, and /api/ is never stored (app.go).

// siteSource is what pwa.FS() gives: the built app.
type siteSource interface{ Site() *pwa.Site }

const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheCheck     = "no-cache"
)

// compressResponses compresses what the handlers send, except the app's
// files, which are compressed already.
func compressResponses() fiber.Handler {
	return compress.New(compress.Config{Level: compress.LevelDefault, Next: func(c *fiber.Ctx) bool {
		return !strings.HasPrefix(c.Path(), "/api/") && c.Path() != "/metrics"
	}})
}

// staticFiles serves the app at /.
func (s *Server) staticFiles() {
	if s.cfg.PWA == nil {
		return
	}
	src, ok := s.cfg.PWA.(siteSource)
	if !ok {
		// Any other set of files: served as they are, checked on every visit.
		s.app.Use(etag.New())
		s.app.Use(func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderCacheControl, cacheCheck)
			return c.Next()
		})
		s.app.Use("/", filesystem.New(filesystem.Config{Root: http.FS(s.cfg.PWA), Index: "index.html"}))
		return
	}
	site := src.Site()
	s.app.Use(func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			return c.Next()
		}
		p := c.Path()
		if p == "/" || p == "/index.html" {
			// The shell in the browser's language: its words are preloaded.
			c.Vary(fiber.HeaderAcceptLanguage)
			return sendAsset(c, site.Shell(i18n.Negotiate(c.Get(fiber.HeaderAcceptLanguage))), false)
		}
		a, ok := site.Lookup(p)
		keep := ok && a.Immutable && a.URL == p
		if !ok {
			// An older hashed address (a page open across an update): the
			// current file, not to be kept.
			if a, ok = site.Stale(p); !ok {
				return c.Next()
			}
		}
		return sendAsset(c, a, keep)
	})
}

func sendAsset(c *fiber.Ctx, a *pwa.Asset, keep bool) error {
	c.Set(fiber.HeaderContentType, a.Type)
	if keep {
		c.Set(fiber.HeaderCacheControl, cacheImmutable)
	} else {
		c.Set(fiber.HeaderCacheControl, cacheCheck)
	}
	c.Set(fiber.HeaderETag, a.ETag)
	if a.Compressible() {
		c.Vary(fiber.HeaderAcceptEncoding)
	}
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && strings.Contains(match, a.ETag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	accept := c.Get(fiber.HeaderAcceptEncoding)
	for _, enc := range []string{"br", "gzip"} {
		if body := a.Encoded(enc); body != nil && acceptsEncoding(accept, enc) {
			c.Set(fiber.HeaderContentEncoding, enc)
			return c.Send(body)
		}
	}
	return c.Send(a.Body)
}

// acceptsEncoding reads an Accept-Encoding header ("gzip, deflate, br;q=0").
func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
