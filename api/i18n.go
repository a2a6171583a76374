package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"heard/i18n"
)

type languagesBody struct {
	Default   string          `json:"default"`
	Languages []i18n.Language `json:"languages"`
}

type catalogueBody struct {
	Lang     string         `json:"lang"`
	Dir      string         `json:"dir"`
	Messages i18n.Catalogue `json:"messages"`
}

func (s *Server) i18nRoutes() {
	s.route(http.MethodGet, "/api/i18n", doc{Tag: "Languages", Public: true, Summary: "The languages Heard speaks; default is chosen from Accept-Language.", Response: languagesBody{}},
		func(c *fiber.Ctx) error {
			return c.JSON(languagesBody{Default: i18n.Negotiate(c.Get(fiber.HeaderAcceptLanguage)), Languages: i18n.Languages()})
		})
	s.route(http.MethodGet, "/api/i18n/:lang", doc{Tag: "Languages", Public: true, Summary: "Every message of one language, for the app.", Response: catalogueBody{}},
		func(c *fiber.Ctx) error {
			l, msgs, ok := i18n.Lookup(c.Params("lang"))
			if !ok {
				return apiError(404, "unsupported_language", "Heard does not have this language yet.")
			}
			// Catalogues are public and change only with a new release.
			c.Set(fiber.HeaderCacheControl, "public, max-age=300")
			return c.JSON(catalogueBody{Lang: l.Code, Dir: l.Dir, Messages: msgs})
		})
}
