package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// The welcome booklet: its pages (JSON) and its PDF, which is served only to
// those who may see the placement, as an attachment that never runs in Heard's pages.

func (s *Server) bookletsRoutes() {
	svc := func() heard.BookletService { return s.cfg.Services }
	s.route(http.MethodPut, "/api/placements/:id/booklet", doc{Tag: "Placements", Roles: placementStaffOnly,
		Summary: "The placement's own staff write the welcome booklet's pages (what to expect, your rights, how to complain, how to get an advocate, who to call, their own), each in a language.",
		Request: heard.Booklet{}, Response: heard.Booklet{}},
		func(c *fiber.Ctx) error { return bodyAtPath(c, "id", svc().ChangeBooklet) })
	s.route(http.MethodPost, "/api/placements/:id/booklet.pdf", doc{Tag: "Placements", Roles: placementStaffOnly, Status: 201,
		Summary: "The placement's staff upload the booklet as a PDF (the body is the file, at most 10 MB); it replaces the one before.", Response: heard.BookletPDF{}},
		func(c *fiber.Ctx) error {
			pdf := c.Body()
			return answer(c, 201, ofPath(c, "id", func(cx context.Context, p heard.Principal, id string) (heard.BookletPDF, error) {
				return svc().PutBookletPDF(cx, p, id, pdf)
			}))
		})
	s.route(http.MethodDelete, "/api/placements/:id/booklet.pdf", doc{Tag: "Placements", Roles: placementStaffOnly, Status: 204,
		Summary: "Remove the booklet's PDF."},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerNone(c, func(cx context.Context, p heard.Principal) error { return svc().RemoveBookletPDF(cx, p, id) })
		})
	s.route(http.MethodGet, "/api/placements/:id/booklet.pdf", doc{Tag: "Placements", Roles: seePlacement,
		Summary: "The booklet's PDF (application/pdf, as an attachment), to whoever may see the placement; never kept in a shared cache."},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			cx, cancel := ctx(c)
			defer cancel()
			pdf, name, err := svc().BookletPDFFile(cx, principal(c), id)
			if err != nil {
				return err
			}
			c.Set(fiber.HeaderCacheControl, "private, no-cache")
			c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
			// Opened, it runs nowhere near Heard's own pages.
			c.Set(fiber.HeaderContentSecurityPolicy, "sandbox; default-src 'none'")
			c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+pdfName(name)+`"`)
			c.Set(fiber.HeaderContentType, "application/pdf")
			return c.Send(pdf)
		})
}

var notFileName = regexp.MustCompile(`[^A-Za-z0-9]+`)

// pdfName is a plain ASCII file name for a placement's booklet.
func pdfName(placement string) string {
	base := strings.Trim(notFileName.ReplaceAllString(placement, "-"), "-")
	if base == "" {
		base = "placement"
	}
	return strings.ToLower(base) + "-welcome-booklet.pdf"
}
