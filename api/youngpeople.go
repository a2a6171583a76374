package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"heard"
)

// Young people's records: each handler decodes, calls one method of the
// people service (heard.PeopleService) and encodes what it returns.

type joinCodeView struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expiresAt"`
	// JoinURL is what the QR code holds: the app's join screen with the code filled in.
	JoinURL   string `json:"joinUrl"`
	QRDataURL string `json:"qrDataUrl"`
}

var staffWhoSeePeople = []heard.Role{heard.RoleKeyWorker, heard.RoleTeamManager, heard.RoleAdministrator, heard.RoleDutyWorker}

func (s *Server) youngPeopleRoutes() {
	svc := func() heard.PeopleService { return s.cfg.Services }
	s.route(http.MethodGet, "/api/young-people", doc{Tag: "Young people", Roles: staffWhoSeePeople,
		Summary:  "The young people the caller works with: a key worker's caseload, a team manager's team, an administrator's area.",
		Response: list[heard.YoungPersonView]{}}, func(c *fiber.Ctx) error { return answerList(c, svc().YoungPeople) })
	s.route(http.MethodPost, "/api/young-people", doc{Tag: "Young people", Roles: []heard.Role{heard.RoleKeyWorker, heard.RoleAdministrator}, Status: 201,
		Summary: "Add a young person. A key worker who adds one becomes their key worker.", Request: heard.NewYoungPerson{}, Response: heard.YoungPersonView{}},
		func(c *fiber.Ctx) error { return answerBody(c, 201, svc().AddYoungPerson) })
	s.route(http.MethodGet, "/api/young-people/:id", doc{Tag: "Young people", Roles: staffWhoSeePeople,
		Summary: "One young person's record (audit-logged).", Response: heard.YoungPersonView{}},
		func(c *fiber.Ctx) error { return answer(c, 200, ofPath(c, "id", svc().YoungPerson)) })
	s.route(http.MethodGet, "/api/young-people/:id/key-workers", doc{Tag: "Young people", Roles: staffWhoSeePeople,
		Summary: "Who has been this young person's key worker, and when (audit-logged).", Response: list[heard.KeyWorkerSpell]{}},
		func(c *fiber.Ctx) error { return answerList(c, ofPath(c, "id", svc().KeyWorkerHistory)) })
	s.route(http.MethodPost, "/api/young-people/:id/join-codes", doc{Tag: "Young people", Roles: []heard.Role{heard.RoleKeyWorker}, Status: 201,
		Summary:  "The young person's key worker makes a one-time join code (also as a QR code) for a phone. It works once, for 24 hours.",
		Response: joinCodeView{}}, func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		return answer(c, 201, func(cx context.Context, p heard.Principal) (joinCodeView, error) {
			code, err := svc().CreateJoinCode(cx, p, id)
			if err != nil {
				return joinCodeView{}, err
			}
			joinURL := c.BaseURL() + "/#/join/" + strings.ReplaceAll(code.Code, "-", "")
			png, err := qrcode.Encode(joinURL, qrcode.Medium, 320)
			return joinCodeView{Code: code.Code, ExpiresAt: code.ExpiresAt, JoinURL: joinURL,
				QRDataURL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}, err
		})
	})
	s.route(http.MethodPost, "/api/young-people/:id/left", doc{Tag: "Young people", Roles: adminOnly, OptionalBody: true, Response: heard.YoungPersonView{},
		Summary: "An administrator says a young person has left Heard: their phones are signed out, and their records are removed once the area's retention period (retentionDays in the area's settings) has passed, the removal counted in the audit log. Saying it again changes nothing."},
		func(c *fiber.Ctx) error {
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			return answer(c, 200, func(cx context.Context, p heard.Principal) (heard.YoungPersonView, error) {
				return s.cfg.Services.MarkLeft(cx, p, id)
			})
		})
	s.route(http.MethodGet, "/api/young-people/:id/devices", doc{Tag: "Young people", Roles: []heard.Role{heard.RoleKeyWorker},
		Summary: "The phones the young person has joined with.", Response: list[heard.DeviceView]{}},
		func(c *fiber.Ctx) error { return answerList(c, ofPath(c, "id", svc().Devices)) })
	s.route(http.MethodDelete, "/api/young-people/:id/devices/:deviceId", doc{Tag: "Young people", Roles: []heard.Role{heard.RoleKeyWorker}, Status: 204,
		Summary: "Sign a lost or shared phone out: its PIN and sessions stop working at once."}, func(c *fiber.Ctx) error {
		deviceID, err := pathID(c, "deviceId")
		if err != nil {
			return err
		}
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		return answerNone(c, func(cx context.Context, p heard.Principal) error { return svc().SignOutDevice(cx, p, id, deviceID) })
	})
}

// ofPath binds the id in a path parameter to a method about it; a malformed
// id is refused (400 id_format) without calling the method.
func ofPath[T any](c *fiber.Ctx, param string, call func(context.Context, heard.Principal, string) (T, error)) func(context.Context, heard.Principal) (T, error) {
	id, err := pathID(c, param)
	return func(cx context.Context, p heard.Principal) (T, error) {
		if err != nil {
			var zero T
			return zero, err
		}
		return call(cx, p, id)
	}
}

// The helpers below serve handlers of other features that have not moved
// their workflows into the service layer yet (feedback.go); the people service
// (service/youngpeople.go) applies the same rule for its own actions.

// youngPersonFor loads a young person and applies the access rule. Staff reads
// are written to the audit log. Another area's or an unknown id is "not found";
// a young person in the area without a relationship is "forbidden".
func (s *Server) youngPersonFor(c *fiber.Ctx, param string, need heard.Access, action string) (heard.YoungPerson, error) {
	id, err := pathID(c, param)
	if err != nil {
		return heard.YoungPerson{}, err
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	y, err := s.store.YoungPerson(cx, p.AreaID, id)
	if err != nil {
		return y, err
	}
	rel, err := s.store.Relation(cx, p, id)
	if err != nil {
		return y, err
	}
	if heard.YoungPersonAccess(p, y, rel) < need {
		return y, errForbidden()
	}
	if p.Role.IsStaff() && action != "" {
		if err := s.audit(c, action, y.ID); err != nil {
			return y, err
		}
	}
	return y, nil
}

// currentKeyWorkerOnly narrows a route to the young person's own key worker.
func (s *Server) currentKeyWorkerOnly(c *fiber.Ctx, action string) (heard.YoungPerson, error) {
	y, err := s.youngPersonFor(c, "id", heard.AccessRecord, action)
	if err != nil {
		return y, err
	}
	cx, cancel := ctx(c)
	defer cancel()
	p := principal(c)
	ok, err := s.store.IsKeyWorker(cx, p.AreaID, p.ID, y.ID)
	if err != nil {
		return y, err
	}
	if !ok {
		return y, errForbidden()
	}
	return y, nil
}

func (s *Server) audit(c *fiber.Ctx, action, youngPersonID string) error {
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	return s.store.Audit(cx, heard.AuditEntry{AreaID: p.AreaID, ActorID: p.ID, ActorName: p.Name, ActorRole: p.Role,
		Action: action, YoungPersonID: youngPersonID, RequestID: requestID(c)})
}
