package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"heard"
	"heard/i18n"
)

// youngPersonView is a young person as staff see them in lists and records.
type youngPersonView struct {
	ID            string        `json:"id"`
	FirstName     string        `json:"firstName"`
	PreferredName string        `json:"preferredName,omitempty"`
	Language      string        `json:"language"`
	Service       heard.Service `json:"service"`
	TeamID        string        `json:"teamId,omitempty"`
	KeyWorker     *personRef    `json:"keyWorker,omitempty"`
	CreatedAt     time.Time     `json:"createdAt"`
}

type newYoungPerson struct {
	FirstName     string `json:"firstName"`
	PreferredName string `json:"preferredName"`
	Language      string `json:"language"`
	TeamID        string `json:"teamId"`
	// KeyWorkerID is set by administrators; a key worker who adds a young person becomes theirs.
	KeyWorkerID string `json:"keyWorkerId"`
}

type joinCodeView struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expiresAt"`
	// JoinURL is what the QR code holds: the app's join screen with the code filled in.
	JoinURL   string `json:"joinUrl"`
	QRDataURL string `json:"qrDataUrl"`
}

type deviceView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastSeenAt time.Time  `json:"lastSeenAt"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

type assignmentView struct {
	StaffID   string     `json:"staffId"`
	StaffName string     `json:"staffName"`
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end,omitempty"`
}

var staffWhoSeePeople = []heard.Role{heard.RoleKeyWorker, heard.RoleTeamManager, heard.RoleAdministrator, heard.RoleDutyWorker}

func (s *Server) youngPeopleRoutes() {
	s.route(http.MethodGet, "/api/young-people", doc{Tag: "Young people", Roles: staffWhoSeePeople,
		Summary:  "The young people the caller works with: a key worker's caseload, a team manager's team, an administrator's area.",
		Response: list[youngPersonView]{}}, s.listYoungPeople)
	s.route(http.MethodPost, "/api/young-people", doc{Tag: "Young people", Roles: []heard.Role{heard.RoleKeyWorker, heard.RoleAdministrator}, Status: 201,
		Summary: "Add a young person. A key worker who adds one becomes their key worker.", Request: newYoungPerson{}, Response: youngPersonView{}}, s.createYoungPerson)
	s.route(http.MethodGet, "/api/young-people/:id", doc{Tag: "Young people", Roles: staffWhoSeePeople,
		Summary: "One young person's record (audit-logged).", Response: youngPersonView{}}, s.getYoungPerson)
	s.route(http.MethodGet, "/api/young-people/:id/key-workers", doc{Tag: "Young people", Roles: staffWhoSeePeople,
		Summary: "Who has been this young person's key worker, and when (audit-logged).", Response: list[assignmentView]{}}, s.keyWorkerHistory)
	s.route(http.MethodPost, "/api/young-people/:id/join-codes", doc{Tag: "Young people", Roles: []heard.Role{heard.RoleKeyWorker}, Status: 201,
		Summary:  "The young person's key worker makes a one-time join code (also as a QR code) for a phone. It works once, for 24 hours.",
		Response: joinCodeView{}}, s.createJoinCode)
	s.route(http.MethodGet, "/api/young-people/:id/devices", doc{Tag: "Young people", Roles: []heard.Role{heard.RoleKeyWorker},
		Summary: "The phones the young person has joined with.", Response: list[deviceView]{}}, s.listDevices)
	s.route(http.MethodDelete, "/api/young-people/:id/devices/:deviceId", doc{Tag: "Young people", Roles: []heard.Role{heard.RoleKeyWorker}, Status: 204,
		Summary: "Sign a lost or shared phone out: its PIN and sessions stop working at once."}, s.revokeDevice)
}

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

func (s *Server) listYoungPeople(c *fiber.Ctx) error {
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	var people []heard.YoungPerson
	var err error
	switch p.Role {
	case heard.RoleKeyWorker:
		var ids []string
		if ids, err = s.store.Caseload(cx, p.AreaID, p.ID); err == nil {
			people, err = s.store.YoungPeople(cx, p.AreaID, ids)
		}
	case heard.RoleTeamManager:
		people, err = s.store.YoungPeopleInTeam(cx, p.AreaID, p.TeamID)
	case heard.RoleAdministrator:
		people, err = s.store.YoungPeopleInArea(cx, p.AreaID)
	default:
		// Duty workers see young people through the alerts escalated to them.
		people = []heard.YoungPerson{}
	}
	if err != nil {
		return err
	}
	out := make([]youngPersonView, 0, len(people))
	for _, y := range people {
		v, err := s.youngPersonView(c, y)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return c.JSON(list[youngPersonView]{Items: out})
}

func (s *Server) youngPersonView(c *fiber.Ctx, y heard.YoungPerson) (youngPersonView, error) {
	cx, cancel := ctx(c)
	defer cancel()
	v := youngPersonView{ID: y.ID, FirstName: y.FirstName, PreferredName: y.PreferredName, Language: y.Language,
		Service: y.Service, TeamID: y.TeamID, CreatedAt: y.CreatedAt}
	a, err := s.store.CurrentAssignment(cx, y.AreaID, y.ID)
	if errors.Is(err, heard.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	st, err := s.store.StaffMember(cx, y.AreaID, a.StaffID)
	if err != nil && !errors.Is(err, heard.ErrNotFound) {
		return v, err
	}
	if err == nil {
		v.KeyWorker = &personRef{ID: st.ID, Name: st.Name}
	}
	return v, nil
}

func (s *Server) createYoungPerson(c *fiber.Ctx) error {
	var req newYoungPerson
	if err := decode(c, &req); err != nil {
		return err
	}
	p := principal(c)
	if req.Language == "" {
		req.Language = i18n.Default
	}
	if p.Role == heard.RoleKeyWorker {
		if req.TeamID == "" {
			req.TeamID = p.TeamID
		}
		if req.KeyWorkerID != "" && req.KeyWorkerID != p.ID {
			return errValidation(map[string]string{"keyWorkerId": "not_allowed"})
		}
		req.KeyWorkerID = p.ID
	}
	f := fields{}
	f.check(textLength(req.FirstName, 1, 40), "firstName", "length")
	f.check(textLength(req.PreferredName, 0, 40), "preferredName", "length")
	f.check(i18n.Supported(req.Language), "language", "unsupported_language")
	f.check(heard.ValidID(req.TeamID), "teamId", "id_format")
	f.check(req.KeyWorkerID == "" || heard.ValidID(req.KeyWorkerID), "keyWorkerId", "id_format")
	if err := f.err(); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	team, err := s.store.Team(cx, p.AreaID, req.TeamID)
	if errors.Is(err, heard.ErrNotFound) {
		return errValidation(map[string]string{"teamId": "unknown"})
	}
	if err != nil {
		return err
	}
	if req.KeyWorkerID != "" {
		kw, err := s.store.StaffMember(cx, p.AreaID, req.KeyWorkerID)
		if errors.Is(err, heard.ErrNotFound) || err == nil && (kw.Role != heard.RoleKeyWorker || kw.Disabled) {
			return errValidation(map[string]string{"keyWorkerId": "unknown"})
		}
		if err != nil {
			return err
		}
	}
	y := heard.YoungPerson{ID: heard.NewID(), AreaID: p.AreaID, FirstName: strings.TrimSpace(req.FirstName),
		PreferredName: strings.TrimSpace(req.PreferredName), Language: req.Language, TeamID: team.ID, Service: team.Service, CreatedAt: s.clock.Now()}
	if err := s.store.CreateYoungPerson(cx, y); err != nil {
		return err
	}
	if req.KeyWorkerID != "" {
		if _, err := s.store.Assign(cx, p.AreaID, y.ID, req.KeyWorkerID); err != nil {
			return err
		}
	}
	if err := s.audit(c, "young_person_added", y.ID); err != nil {
		return err
	}
	v, err := s.youngPersonView(c, y)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(v)
}

func (s *Server) getYoungPerson(c *fiber.Ctx) error {
	y, err := s.youngPersonFor(c, "id", heard.AccessRecord, "record_read")
	if err != nil {
		return err
	}
	v, err := s.youngPersonView(c, y)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) keyWorkerHistory(c *fiber.Ctx) error {
	y, err := s.youngPersonFor(c, "id", heard.AccessRecord, "key_worker_history_read")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	history, err := s.store.AssignmentHistory(cx, y.AreaID, y.ID)
	if err != nil {
		return err
	}
	out := make([]assignmentView, 0, len(history))
	for _, a := range history {
		v := assignmentView{StaffID: a.StaffID, Start: a.Start, End: a.End}
		if st, err := s.store.StaffMember(cx, y.AreaID, a.StaffID); err == nil {
			v.StaffName = st.Name
		}
		out = append(out, v)
	}
	return c.JSON(list[assignmentView]{Items: out})
}

func (s *Server) createJoinCode(c *fiber.Ctx) error {
	// Changes are audited once they are made, so a refused request leaves no entry.
	y, err := s.currentKeyWorkerOnly(c, "")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	code, expires, err := s.store.CreateJoinCode(cx, y.AreaID, y.ID, principal(c).ID)
	if err != nil {
		return err
	}
	if err := s.audit(c, "join_code_created", y.ID); err != nil {
		return err
	}
	joinURL := c.BaseURL() + "/#/join/" + strings.ReplaceAll(code, "-", "")
	png, err := qrcode.Encode(joinURL, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(joinCodeView{Code: code, ExpiresAt: expires, JoinURL: joinURL,
		QRDataURL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)})
}

func (s *Server) listDevices(c *fiber.Ctx) error {
	y, err := s.currentKeyWorkerOnly(c, "devices_read")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	devices, err := s.store.Devices(cx, y.AreaID, y.ID)
	if err != nil {
		return err
	}
	out := make([]deviceView, 0, len(devices))
	for _, d := range devices {
		out = append(out, deviceView{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt, RevokedAt: d.RevokedAt})
	}
	return c.JSON(list[deviceView]{Items: out})
}

func (s *Server) revokeDevice(c *fiber.Ctx) error {
	deviceID, err := pathID(c, "deviceId")
	if err != nil {
		return err
	}
	y, err := s.currentKeyWorkerOnly(c, "")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.store.RevokeDevice(cx, y.AreaID, y.ID, deviceID, principal(c).ID); err != nil {
		return err
	}
	if err := s.audit(c, "device_signed_out", y.ID); err != nil {
		return err
	}
	return c.SendStatus(204)
}
