package api

import (
	"context"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// The buddy week: placement staff keep the roster; the key worker or the
// placement confirm a buddy for a move; the young person says a little about
// themselves, checks in each evening, may ask for a different buddy or to
// keep theirs longer, and rates the week.

var moveBuddyRoles = []heard.Role{heard.RoleKeyWorker, heard.RolePlacementStaff}
var buddyWeekRoles = []heard.Role{heard.RolePlacementStaff, heard.RoleYoungPerson}
var buddyPhotoRoles = []heard.Role{heard.RolePlacementStaff, heard.RoleYoungPerson}

// buddyPhotoUpload reports whether a request uploads a roster buddy's photo.
func buddyPhotoUpload(method, path string) bool {
	return method == http.MethodPut && strings.HasPrefix(path, "/api/placement/buddies/") && strings.HasSuffix(path, "/photo")
}

func (s *Server) buddiesRoutes() {
	svc := func() heard.BuddyService { return s.cfg.Services }
	// The young person.
	s.route(http.MethodGet, "/api/me/about-me", doc{Tag: "Buddy week", Roles: youngPersonOnly,
		Summary: "The young person's \"about me\" (an empty one if never filled).", Response: heard.AboutMe{}},
		func(c *fiber.Ctx) error { return answer(c, 200, svc().MyAboutMe) })
	s.route(http.MethodPut, "/api/me/about-me", doc{Tag: "Buddy week", Roles: youngPersonOnly,
		Summary: "The young person says a little about themselves (picture codes, a few words) and chooses what the placement may see.",
		Request: heard.AboutMe{}, Response: heard.AboutMe{}},
		func(c *fiber.Ctx) error { return answerBody(c, 200, svc().SetMyAboutMe) })
	s.route(http.MethodGet, "/api/me/buddy-week", doc{Tag: "Buddy week", Roles: youngPersonOnly,
		Summary: "The young person's buddy week (null when none) and the weeks they are the buddy of.", Response: heard.MyBuddyWeek{}},
		func(c *fiber.Ctx) error { return answer(c, 200, svc().MyBuddyWeek) })
	s.route(http.MethodPut, "/api/me/buddy-week/checkins/:day", doc{Tag: "Buddy week", Roles: youngPersonOnly,
		Summary: "The young person answers a day's check-in (YYYY-MM-DD, a day of their week up to today); answering again replaces it. " +
			"The words reach staff only with shareWords.",
		Request: heard.BuddyCheckinAnswer{}, Response: heard.MyBuddyWeek{}},
		func(c *fiber.Ctx) error {
			day := c.Params("day")
			if (heard.BuddyContact{Day: day}).Validate()["day"] != "" {
				return errValidation(map[string]string{"day": "date_format"})
			}
			return answerBody(c, 200, func(cx context.Context, p heard.Principal, a heard.BuddyCheckinAnswer) (heard.MyBuddyWeek, error) {
				return svc().CheckIn(cx, p, day, a)
			})
		})
	s.route(http.MethodPost, "/api/me/buddy-week/requests", doc{Tag: "Buddy week", Roles: youngPersonOnly,
		Summary: "The young person asks for a different buddy or to keep theirs longer; placement staff see it. One open request per kind: asking again changes nothing.",
		Request: heard.BuddyAsk{}, Response: heard.MyBuddyWeek{}},
		func(c *fiber.Ctx) error { return answerBody(c, 200, svc().AskBuddy) })
	s.route(http.MethodPut, "/api/me/buddy-week/rating", doc{Tag: "Buddy week", Roles: youngPersonOnly,
		Summary: "The young person rates their buddy week (1 to 5) once it has ended, and may say why.",
		Request: heard.BuddyRatingAnswer{}, Response: heard.MyBuddyWeek{}},
		func(c *fiber.Ctx) error { return answerBody(c, 200, svc().RateBuddyWeek) })
	s.route(http.MethodPost, "/api/me/buddy-consent/withdraw", doc{Tag: "Buddy week", Roles: youngPersonOnly, Status: 204,
		Summary: "A resident buddy stops being a buddy: they are never proposed again."},
		func(c *fiber.Ctx) error { return answerNone(c, svc().WithdrawMyBuddyConsent) })

	// The key worker and the placement's staff.
	s.route(http.MethodGet, "/api/moves/:id/buddy", doc{Tag: "Buddy week", Roles: moveBuddyRoles,
		Summary: "The buddy proposed for a move and why, the others who fit, what the young person lets the placement see, and the week once a buddy is chosen. " +
			"For the young person's key worker and the placement's staff.", Response: heard.BuddyMatch{}},
		func(c *fiber.Ctx) error { return answer(c, 200, ofPath(c, "id", svc().BuddyMatch)) })
	s.route(http.MethodPut, "/api/moves/:id/buddy", doc{Tag: "Buddy week", Roles: moveBuddyRoles,
		Summary: "Confirm the proposed buddy or choose another who fits; on a running week this is the rematch. 409 when the buddy no longer fits.",
		Request: heard.BuddyChoice{}, Response: heard.BuddyMatch{}},
		func(c *fiber.Ctx) error { return bodyAtPath(c, "id", svc().ChooseBuddy) })

	// The placement's staff.
	s.route(http.MethodGet, "/api/placement/buddies", doc{Tag: "Buddy week", Roles: placementStaffOnly,
		Summary: "The caller's placement's buddy roster.", Response: list[heard.RosterBuddy]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().RosterBuddies) })
	s.route(http.MethodPost, "/api/placement/buddies", doc{Tag: "Buddy week", Roles: placementStaffOnly, Status: 201,
		Summary: "Add a volunteer to the roster with their consent recorded (who agreed; when is now). Idempotency-Key makes a retry add them once.",
		Request: heard.NewRosterBuddy{}, Response: heard.RosterBuddy{}},
		func(c *fiber.Ctx) error { return answerBody(c, 201, svc().AddRosterBuddy) })
	s.route(http.MethodPatch, "/api/placement/buddies/:id", doc{Tag: "Buddy week", Roles: placementStaffOnly,
		Summary: "Change a volunteer's details, capacity (1 to 3) or days away (YYYY-MM-DD ranges).",
		Request: heard.RosterBuddyChange{}, Response: heard.RosterBuddy{}},
		func(c *fiber.Ctx) error { return bodyAtPath(c, "id", svc().ChangeRosterBuddy) })
	s.route(http.MethodPost, "/api/placement/buddies/:id/withdraw", doc{Tag: "Buddy week", Roles: placementStaffOnly,
		Summary: "A volunteer's consent is withdrawn: recorded when, and they are never proposed again.", Response: heard.RosterBuddy{}},
		func(c *fiber.Ctx) error { return answer(c, 200, ofPath(c, "id", svc().WithdrawRosterBuddy)) })
	s.route(http.MethodPut, "/api/placement/buddies/:id/photo", doc{Tag: "Buddy week", Roles: placementStaffOnly,
		Summary: "A volunteer's photo: the body is the photo itself (JPEG, PNG or WebP, as placement photos). It is turned upright, resized and " +
			"re-encoded, so no location or camera data is kept. Shown only while the volunteer agrees (photoAgreed).",
		Response: heard.RosterBuddy{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			contentType, upload := c.Get(fiber.HeaderContentType), c.Body()
			return answer(c, 200, func(cx context.Context, p heard.Principal) (heard.RosterBuddy, error) {
				return svc().SetBuddyPhoto(cx, p, id, contentType, upload)
			})
		})
	s.route(http.MethodDelete, "/api/placement/buddies/:id/photo", doc{Tag: "Buddy week", Roles: placementStaffOnly, Status: 204,
		Summary: "Delete a volunteer's photo."},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answerNone(c, func(cx context.Context, p heard.Principal) error { return svc().RemoveBuddyPhoto(cx, p, id) })
		})
	s.route(http.MethodGet, "/api/buddies/:id/photo", doc{Tag: "Buddy week", Roles: buddyPhotoRoles,
		Summary: "A volunteer's photo as JPEG (size: 320, 720 or 1280) for the placement's staff and the young person whose week has this buddy, " +
			"only while the volunteer agrees. Cache-Control: private, no-cache.", Query: []string{"size"}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			width, err := photoWidth(c, "size", 320)
			if err != nil {
				return err
			}
			cx, cancel := ctx(c)
			defer cancel()
			jpeg, served, err := svc().BuddyPhoto(cx, principal(c), id, width)
			if err != nil {
				return err
			}
			// Each upload is kept under a new photo id, so the buddy's id, the
			// width and a digest of the bytes name them.
			return servePhoto(c, jpeg, `"`+id+"."+strconv.Itoa(served)+"."+strconv.FormatUint(uint64(crc32.ChecksumIEEE(jpeg)), 36)+`"`)
		})
	s.route(http.MethodGet, "/api/placement/buddy-weeks", doc{Tag: "Buddy week", Roles: placementStaffOnly,
		Summary:  "The caller's placement's buddy weeks: upcoming, active, and ended in the last 14 days, with check-ins, contacts, morning flags and requests.",
		Response: list[heard.BuddyWeekView]{}},
		func(c *fiber.Ctx) error { return answerList(c, svc().PlacementBuddyWeeks) })
	s.route(http.MethodPost, "/api/buddy-weeks/:id/contacts", doc{Tag: "Buddy week", Roles: buddyWeekRoles,
		Summary: "A buddy contact happened on a day of the week (placement staff, or the resident buddy themself).",
		Request: heard.BuddyContact{}, Response: heard.BuddyWeekView{}},
		func(c *fiber.Ctx) error { return bodyAtPath(c, "id", svc().LogBuddyContact) })
	s.route(http.MethodPost, "/api/buddy-weeks/:id/requests/:kind/handled", doc{Tag: "Buddy week", Roles: placementStaffOnly,
		Summary:  "Staff handled the young person's request: \"longer\" keeps the buddy 7 more days (21 days at most in all); \"different\" after a rematch.",
		Response: heard.BuddyWeekView{}},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			kind := c.Params("kind")
			if kind != heard.BuddyAskDifferent && kind != heard.BuddyAskLonger {
				return errValidation(map[string]string{"kind": "one_of"})
			}
			return answer(c, 200, func(cx context.Context, p heard.Principal) (heard.BuddyWeekView, error) {
				return svc().HandleBuddyRequest(cx, p, id, kind)
			})
		})
}
