package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// Photos: a placement's staff upload, caption, order and remove its photos;
// everyone who may see the placement gets them, never from a shared cache.

// PhotoBodyLimit is the largest photo upload the server reads: the service's
// limit and a little more, so that a photo just over it gets the service's
// clear "larger than 15 MB" rather than a bare 413.
const PhotoBodyLimit = 15<<20 + 64<<10

// photoUpload reports whether a request is an upload (a photo, the booklet's
// PDF), whose body may be larger than the JSON bodies every other route takes.
func photoUpload(method, path string) bool {
	return method == http.MethodPost && strings.HasPrefix(path, "/api/placements/") &&
		(strings.HasSuffix(path, "/photos") || strings.HasSuffix(path, "/booklet.pdf")) || buddyPhotoUpload(method, path)
}

func (s *Server) photosRoutes() {
	svc := func() heard.PhotoService { return s.cfg.Services }
	s.route(http.MethodPost, "/api/placements/:id/photos", doc{Tag: "Placements", Roles: placementStaffOnly, Status: 201,
		Summary: "The placement's staff add a photo: the body is the photo itself (JPEG, PNG or WebP, at most 15 MB and 50 megapixels). " +
			"It is turned upright, resized and re-encoded, so no location or camera data is kept; the original is not kept. " +
			"id (chosen by the phone) makes a retried upload count once; kind is bedroom, house, garden, adults, pets or other.",
		Query: []string{"id", "kind", "caption"}, Response: heard.Photo{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			n := heard.NewPhoto{ID: c.Query("id"), Kind: heard.PhotoKind(c.Query("kind")), Caption: c.Query("caption"),
				ContentType: c.Get(fiber.HeaderContentType)}
			upload := c.Body()
			return answer(c, 201, func(cx context.Context, p heard.Principal) (heard.Photo, error) {
				return svc().AddPhoto(cx, p, id, n, upload)
			})
		})
	s.route(http.MethodPatch, "/api/placements/:id/photos/:photoId", doc{Tag: "Placements", Roles: placementStaffOnly,
		Summary: "Change a photo's caption or kind.", Request: heard.PhotoChange{}, Response: heard.Photo{}},
		func(c *fiber.Ctx) error {
			id, photoID, err := photoPath(c)
			if err != nil {
				return err
			}
			return answerBody(c, 200, func(cx context.Context, p heard.Principal, ch heard.PhotoChange) (heard.Photo, error) {
				return svc().ChangePhoto(cx, p, id, photoID, ch)
			})
		})
	s.route(http.MethodPut, "/api/placements/:id/photo-order", doc{Tag: "Placements", Roles: placementStaffOnly,
		Summary: "Put the placement's photos in this order (every photo's id, once).", Request: heard.PhotoOrder{}, Response: list[heard.Photo]{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			var o heard.PhotoOrder
			if err := decode(c, &o); err != nil {
				return err
			}
			return answerList(c, func(cx context.Context, p heard.Principal) ([]heard.Photo, error) {
				return svc().ReorderPhotos(cx, p, id, o)
			})
		})
	s.route(http.MethodDelete, "/api/placements/:id/photos/:photoId", doc{Tag: "Placements", Roles: placementStaffOnly, Status: 204,
		Summary: "Remove a photo: nobody is shown it from then on, and its files are deleted."},
		func(c *fiber.Ctx) error {
			id, photoID, err := photoPath(c)
			if err != nil {
				return err
			}
			return answerNone(c, func(cx context.Context, p heard.Principal) error { return svc().RemovePhoto(cx, p, id, photoID) })
		})
	s.route(http.MethodGet, "/api/placements/:id/photos/:photoId", doc{Tag: "Placements", Roles: seePlacement,
		Summary: "A photo as JPEG, at the kept width nearest to w (320, 720 or 1280), to whoever may see the placement. " +
			"Cache-Control: private, no-cache: kept on the phone, never in a shared cache, and asked again (a 304) so that a withdrawn preview is withdrawn at once.",
		Query: []string{"w"}},
		func(c *fiber.Ctx) error {
			id, photoID, err := photoPath(c)
			if err != nil {
				return err
			}
			width, err := photoWidth(c, "w", 720)
			if err != nil {
				return err
			}
			cx, cancel := ctx(c)
			defer cancel()
			jpeg, served, err := svc().PhotoFile(cx, principal(c), id, photoID, width)
			if err != nil {
				return err
			}
			// A photo's id and width name its bytes for ever.
			return servePhoto(c, jpeg, `"`+photoID+"."+strconv.Itoa(served)+`"`)
		})
}

// photoPath reads a photo's placement and photo ids from the path.
func photoPath(c *fiber.Ctx) (string, string, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return "", "", err
	}
	photoID, err := pathID(c, "photoId")
	return id, photoID, err
}

// photoWidth reads the width a photo is asked for at (def when not given).
func photoWidth(c *fiber.Ctx, param string, def int) (int, error) {
	q := c.Query(param)
	if q == "" {
		return def, nil
	}
	width, err := strconv.Atoi(q)
	if err != nil || width < 1 || width > 10000 {
		return 0, errValidation(map[string]string{param: "range"})
	}
	return width, nil
}

// servePhoto sends a JPEG that only its reader may keep: private, asked
// again each time (a 304 when etag still names it), so a photo withdrawn is
// withdrawn at once.
func servePhoto(c *fiber.Ctx, jpeg []byte, etag string) error {
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "image/jpeg")
	return c.Send(jpeg)
}
