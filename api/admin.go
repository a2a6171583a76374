package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/i18n"
)

var adminOnly = []heard.Role{heard.RoleAdministrator}

type newTeam struct {
	Name    string        `json:"name"`
	Service heard.Service `json:"service"`
}

type staffView struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Email       string        `json:"email"`
	Role        heard.Role    `json:"role"`
	TeamID      string        `json:"teamId,omitempty"`
	TeamName    string        `json:"teamName,omitempty"`
	PlacementID string        `json:"placementId,omitempty"`
	Language    string        `json:"language"`
	Hours       []heard.Hours `json:"hours"`
	Disabled    bool          `json:"disabled"`
}

type newStaff struct {
	Name        string     `json:"name"`
	Email       string     `json:"email"`
	Password    string     `json:"password"`
	Role        heard.Role `json:"role"`
	TeamID      string     `json:"teamId"`
	PlacementID string     `json:"placementId"`
	Language    string     `json:"language"`
}

type staffUpdate struct {
	Role        *heard.Role    `json:"role"`
	TeamID      *string        `json:"teamId"`
	PlacementID *string        `json:"placementId"`
	Disabled    *bool          `json:"disabled"`
	Hours       *[]heard.Hours `json:"hours"`
}

type newAssignment struct {
	YoungPersonID string `json:"youngPersonId"`
	StaffID       string `json:"staffId"`
}

type newDutyShift struct {
	StaffID string    `json:"staffId"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// areaSettings is an area's escalation limits (in minutes), crisis contacts and languages.
type areaSettings struct {
	Name                   string                `json:"name,omitempty"`
	UrgentToDutyMinutes    int                   `json:"urgentToDutyMinutes"`
	DutyToManagerMinutes   int                   `json:"dutyToManagerMinutes"`
	ConcerningAfterMinutes int                   `json:"concerningAfterMinutes"`
	CrisisContacts         []heard.CrisisContact `json:"crisisContacts"`
	Languages              []string              `json:"languages"`
}

type auditView struct {
	heard.AuditEntry
	YoungPersonName string `json:"youngPersonName,omitempty"`
}

type newPlacement struct {
	Name string              `json:"name"`
	Type heard.PlacementType `json:"type"`
}

func (s *Server) adminRoutes() {
	s.route(http.MethodGet, "/api/admin/teams", doc{Tag: "Administration", Roles: adminOnly, Summary: "The area's teams and services.", Response: list[heard.Team]{}},
		func(c *fiber.Ctx) error {
			cx, cancel := ctx(c)
			defer cancel()
			teams, err := s.store.Teams(cx, principal(c).AreaID)
			if err != nil {
				return err
			}
			return c.JSON(list[heard.Team]{Items: teams})
		})
	s.route(http.MethodPost, "/api/admin/teams", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Add a team.", Request: newTeam{}, Response: heard.Team{}}, s.createTeam)
	s.route(http.MethodGet, "/api/admin/staff", doc{Tag: "Administration", Roles: adminOnly, Summary: "The area's staff accounts.", Response: list[staffView]{}}, s.listStaff)
	s.route(http.MethodPost, "/api/admin/staff", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Add a staff account with a first password.", Request: newStaff{}, Response: staffView{}}, s.createStaff)
	s.route(http.MethodPatch, "/api/admin/staff/:id", doc{Tag: "Administration", Roles: adminOnly, Summary: "Change a staff account's role, team, placement, working hours, or disable it.", Request: staffUpdate{}, Response: staffView{}}, s.updateStaff)
	s.route(http.MethodPost, "/api/admin/assignments", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Make a key worker responsible for a young person from now; the previous assignment ends.", Request: newAssignment{}, Response: heard.Assignment{}}, s.assign)
	s.route(http.MethodGet, "/api/admin/duty-rota", doc{Tag: "Administration", Roles: adminOnly, Summary: "Duty shifts overlapping [from, to) (RFC 3339; default the next 7 days).", Query: []string{"from", "to"}, Response: list[heard.DutyShift]{}}, s.dutyRota)
	s.route(http.MethodPost, "/api/admin/duty-rota", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Put someone on duty.", Request: newDutyShift{}, Response: heard.DutyShift{}}, s.addDutyShift)
	s.route(http.MethodDelete, "/api/admin/duty-rota/:id", doc{Tag: "Administration", Roles: adminOnly, Status: 204, Summary: "Remove a duty shift."}, func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		cx, cancel := ctx(c)
		defer cancel()
		if err := s.store.DeleteDutyShift(cx, principal(c).AreaID, id); err != nil {
			return err
		}
		return c.SendStatus(204)
	})
	s.route(http.MethodGet, "/api/admin/area", doc{Tag: "Administration", Roles: adminOnly, Summary: "The area's escalation limits, crisis contacts and languages.", Response: areaSettings{}}, s.getAreaSettings)
	s.route(http.MethodPut, "/api/admin/area", doc{Tag: "Administration", Roles: adminOnly, Summary: "Change the area's escalation limits, crisis contacts and languages.", Request: areaSettings{}, Response: areaSettings{}}, s.putAreaSettings)
	s.route(http.MethodGet, "/api/admin/audit", doc{Tag: "Administration", Roles: adminOnly, Summary: "The latest 200 audit entries: staff reads and changes of young people's records.", Response: list[auditView]{}}, s.auditLog)
	s.route(http.MethodGet, "/api/admin/placements", doc{Tag: "Administration", Roles: adminOnly, Summary: "The area's placements.", Response: list[heard.Placement]{}}, func(c *fiber.Ctx) error {
		cx, cancel := ctx(c)
		defer cancel()
		ps, err := s.store.Placements(cx, principal(c).AreaID)
		if err != nil {
			return err
		}
		return c.JSON(list[heard.Placement]{Items: ps})
	})
	s.route(http.MethodPost, "/api/admin/placements", doc{Tag: "Administration", Roles: adminOnly, Status: 201, Summary: "Add a placement.", Request: newPlacement{}, Response: heard.Placement{}}, s.createPlacement)
}

func (s *Server) createTeam(c *fiber.Ctx) error {
	var req newTeam
	if err := decode(c, &req); err != nil {
		return err
	}
	f := fields{}
	f.check(textLength(req.Name, 1, 80), "name", "length")
	f.check(req.Service.Valid(), "service", "one_of")
	if err := f.err(); err != nil {
		return err
	}
	t := heard.Team{ID: heard.NewID(), AreaID: principal(c).AreaID, Name: strings.TrimSpace(req.Name), Service: req.Service, CreatedAt: s.clock.Now()}
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.store.CreateTeam(cx, t); err != nil {
		return err
	}
	return c.Status(201).JSON(t)
}

func (s *Server) listStaff(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	area := principal(c).AreaID
	staff, err := s.store.StaffList(cx, area)
	if err != nil {
		return err
	}
	teams, err := s.store.Teams(cx, area)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	out := make([]staffView, 0, len(staff))
	for _, st := range staff {
		v := toStaffView(st)
		v.TeamName = names[st.TeamID]
		out = append(out, v)
	}
	return c.JSON(list[staffView]{Items: out})
}

func toStaffView(st heard.Staff) staffView {
	return staffView{ID: st.ID, Name: st.Name, Email: st.Email, Role: st.Role, TeamID: st.TeamID, PlacementID: st.PlacementID,
		Language: st.Language, Hours: st.Hours, Disabled: st.Disabled}
}

// checkTeamAndPlacement validates the team and placement ids a staff account refers to.
func (s *Server) checkTeamAndPlacement(c *fiber.Ctx, f fields, role heard.Role, teamID, placementID string) error {
	cx, cancel := ctx(c)
	defer cancel()
	area := principal(c).AreaID
	if teamID != "" {
		if _, err := s.store.Team(cx, area, teamID); errors.Is(err, heard.ErrNotFound) {
			f.check(false, "teamId", "unknown")
		} else if err != nil {
			return err
		}
	}
	if role == heard.RolePlacementStaff {
		f.check(placementID != "", "placementId", "required")
	}
	if placementID != "" {
		if _, err := s.store.Placement(cx, area, placementID); errors.Is(err, heard.ErrNotFound) {
			f.check(false, "placementId", "unknown")
		} else if err != nil {
			return err
		}
	}
	return f.err()
}

func (s *Server) createStaff(c *fiber.Ctx) error {
	var req newStaff
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Language == "" {
		req.Language = i18n.Default
	}
	email := heard.NormaliseEmail(req.Email)
	f := fields{}
	f.check(textLength(req.Name, 1, 80), "name", "length")
	f.check(heard.ValidEmail(email), "email", "email_format")
	f.check(len(req.Password) >= heard.MinPasswordLength && len(req.Password) <= 256, "password", "password_length")
	f.check(req.Role.IsStaff(), "role", "one_of")
	f.check(req.TeamID == "" || heard.ValidID(req.TeamID), "teamId", "id_format")
	f.check(req.PlacementID == "" || heard.ValidID(req.PlacementID), "placementId", "id_format")
	f.check(i18n.Supported(req.Language), "language", "unsupported_language")
	if err := f.err(); err != nil {
		return err
	}
	if err := s.checkTeamAndPlacement(c, f, req.Role, req.TeamID, req.PlacementID); err != nil {
		return err
	}
	st := heard.Staff{ID: heard.NewID(), AreaID: principal(c).AreaID, Email: email, Name: strings.TrimSpace(req.Name), Role: req.Role,
		TeamID: req.TeamID, PlacementID: req.PlacementID, Language: req.Language, PasswordHash: heard.HashPassword(req.Password),
		Hours: heard.DefaultHours(), CreatedAt: s.clock.Now()}
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.store.CreateStaff(cx, st); err != nil {
		if errors.Is(err, heard.ErrConflict) {
			return &Error{Status: 409, Code: "email_taken", Message: "An account with this email already exists.", Fields: map[string]string{"email": "taken"}}
		}
		return err
	}
	return c.Status(201).JSON(toStaffView(st))
}

func (s *Server) updateStaff(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req staffUpdate
	if err := decode(c, &req); err != nil {
		return err
	}
	p := principal(c)
	cx, cancel := ctx(c)
	defer cancel()
	st, err := s.store.StaffMember(cx, p.AreaID, id)
	if err != nil {
		return err
	}
	set := bson.D{}
	f := fields{}
	if req.Role != nil {
		f.check(req.Role.IsStaff(), "role", "one_of")
		// An administrator cannot lock the area out of its own administration.
		f.check(id != p.ID || *req.Role == heard.RoleAdministrator, "role", "own_role")
		st.Role = *req.Role
		set = append(set, bson.E{Key: "role", Value: *req.Role})
	}
	if req.TeamID != nil {
		f.check(*req.TeamID == "" || heard.ValidID(*req.TeamID), "teamId", "id_format")
		st.TeamID = *req.TeamID
		set = append(set, bson.E{Key: "teamId", Value: *req.TeamID})
	}
	if req.PlacementID != nil {
		f.check(*req.PlacementID == "" || heard.ValidID(*req.PlacementID), "placementId", "id_format")
		st.PlacementID = *req.PlacementID
		set = append(set, bson.E{Key: "placementId", Value: *req.PlacementID})
	}
	if req.Disabled != nil {
		f.check(id != p.ID || !*req.Disabled, "disabled", "own_account")
		st.Disabled = *req.Disabled
		set = append(set, bson.E{Key: "disabled", Value: *req.Disabled})
	}
	if req.Hours != nil {
		f.check(len(*req.Hours) <= 21, "hours", "too_many")
		for _, h := range *req.Hours {
			f.check(h.Weekday >= time.Sunday && h.Weekday <= time.Saturday && h.Start >= 0 && h.End <= 24*60 && h.Start < h.End, "hours", "hours_range")
		}
		st.Hours = *req.Hours
		set = append(set, bson.E{Key: "hours", Value: *req.Hours})
	}
	f.check(len(set) > 0, "body", "nothing_to_change")
	if err := f.err(); err != nil {
		return err
	}
	if err := s.checkTeamAndPlacement(c, f, st.Role, st.TeamID, st.PlacementID); err != nil {
		return err
	}
	if err := s.store.UpdateStaff(cx, p.AreaID, id, set); err != nil {
		return err
	}
	if st.Disabled {
		// A disabled account's sessions end with it: authenticate refuses it too.
		s.log.Info("staff account disabled", "requestId", requestID(c), "staffId", id)
	}
	return c.JSON(toStaffView(st))
}

func (s *Server) assign(c *fiber.Ctx) error {
	var req newAssignment
	if err := decode(c, &req); err != nil {
		return err
	}
	f := fields{}
	f.check(heard.ValidID(req.YoungPersonID), "youngPersonId", "id_format")
	f.check(heard.ValidID(req.StaffID), "staffId", "id_format")
	if err := f.err(); err != nil {
		return err
	}
	area := principal(c).AreaID
	cx, cancel := ctx(c)
	defer cancel()
	if _, err := s.store.YoungPerson(cx, area, req.YoungPersonID); errors.Is(err, heard.ErrNotFound) {
		f.check(false, "youngPersonId", "unknown")
	} else if err != nil {
		return err
	}
	if st, err := s.store.StaffMember(cx, area, req.StaffID); errors.Is(err, heard.ErrNotFound) || err == nil && (st.Role != heard.RoleKeyWorker || st.Disabled) {
		f.check(false, "staffId", "not_a_key_worker")
	} else if err != nil {
		return err
	}
	if err := f.err(); err != nil {
		return err
	}
	a, err := s.store.Assign(cx, area, req.YoungPersonID, req.StaffID)
	if err != nil {
		return err
	}
	if err := s.audit(c, "key_worker_assigned", req.YoungPersonID); err != nil {
		return err
	}
	return c.Status(201).JSON(a)
}

func (s *Server) dutyRota(c *fiber.Ctx) error {
	from, to := s.clock.Now(), s.clock.Now().Add(7*24*time.Hour)
	f := fields{}
	for name, t := range map[string]*time.Time{"from": &from, "to": &to} {
		if v := c.Query(name); v != "" {
			parsed, err := time.Parse(time.RFC3339, v)
			f.check(err == nil, name, "time_format")
			*t = parsed
		}
	}
	f.check(to.After(from) && to.Sub(from) <= 366*24*time.Hour, "to", "range")
	if err := f.err(); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	shifts, err := s.store.DutyRota(cx, principal(c).AreaID, from, to)
	if err != nil {
		return err
	}
	return c.JSON(list[heard.DutyShift]{Items: shifts})
}

func (s *Server) addDutyShift(c *fiber.Ctx) error {
	var req newDutyShift
	if err := decode(c, &req); err != nil {
		return err
	}
	f := fields{}
	f.check(heard.ValidID(req.StaffID), "staffId", "id_format")
	f.check(!req.Start.IsZero(), "start", "required")
	f.check(req.End.After(req.Start) && req.End.Sub(req.Start) <= 7*24*time.Hour, "end", "range")
	if err := f.err(); err != nil {
		return err
	}
	area := principal(c).AreaID
	cx, cancel := ctx(c)
	defer cancel()
	st, err := s.store.StaffMember(cx, area, req.StaffID)
	if errors.Is(err, heard.ErrNotFound) || err == nil && (st.Disabled || !heard.Can(st.Role, heard.RoleDutyWorker, heard.RoleKeyWorker, heard.RoleTeamManager)) {
		return errValidation(map[string]string{"staffId": "cannot_be_on_duty"})
	}
	if err != nil {
		return err
	}
	d := heard.DutyShift{ID: heard.NewID(), AreaID: area, StaffID: st.ID, Start: req.Start.UTC(), End: req.End.UTC()}
	if err := s.store.AddDutyShift(cx, d); err != nil {
		return err
	}
	return c.Status(201).JSON(d)
}

func toAreaSettings(a heard.Area) areaSettings {
	return areaSettings{Name: a.Name, UrgentToDutyMinutes: int(a.Escalation.UrgentToDuty.Minutes()), DutyToManagerMinutes: int(a.Escalation.DutyToManager.Minutes()),
		ConcerningAfterMinutes: int(a.Escalation.ConcerningAfter.Minutes()), CrisisContacts: a.CrisisContacts, Languages: a.Languages}
}

func (s *Server) getAreaSettings(c *fiber.Ctx) error {
	cx, cancel := ctx(c)
	defer cancel()
	a, err := s.store.Area(cx, principal(c).AreaID)
	if err != nil {
		return err
	}
	return c.JSON(toAreaSettings(a))
}

func (s *Server) putAreaSettings(c *fiber.Ctx) error {
	var req areaSettings
	if err := decode(c, &req); err != nil {
		return err
	}
	f := fields{}
	f.check(req.Name == "" || textLength(req.Name, 1, 80), "name", "length")
	f.check(req.UrgentToDutyMinutes >= 1 && req.UrgentToDutyMinutes <= 120, "urgentToDutyMinutes", "range")
	f.check(req.DutyToManagerMinutes >= 1 && req.DutyToManagerMinutes <= 120, "dutyToManagerMinutes", "range")
	f.check(req.ConcerningAfterMinutes >= 5 && req.ConcerningAfterMinutes <= 24*60, "concerningAfterMinutes", "range")
	f.check(len(req.CrisisContacts) >= 1 && len(req.CrisisContacts) <= 12, "crisisContacts", "count")
	for _, cc := range req.CrisisContacts {
		for k, v := range cc.Validate() {
			f.check(false, "crisisContacts."+k, v)
		}
	}
	f.check(len(req.Languages) >= 1, "languages", "required")
	for _, l := range req.Languages {
		f.check(i18n.Supported(l), "languages", "unsupported_language")
	}
	if err := f.err(); err != nil {
		return err
	}
	esc := heard.EscalationPolicy{UrgentToDuty: time.Duration(req.UrgentToDutyMinutes) * time.Minute,
		DutyToManager: time.Duration(req.DutyToManagerMinutes) * time.Minute, ConcerningAfter: time.Duration(req.ConcerningAfterMinutes) * time.Minute}
	cx, cancel := ctx(c)
	defer cancel()
	area := principal(c).AreaID
	if err := s.store.UpdateAreaSettings(cx, area, strings.TrimSpace(req.Name), esc, req.CrisisContacts, req.Languages); err != nil {
		return err
	}
	return s.getAreaSettings(c)
}

func (s *Server) auditLog(c *fiber.Ctx) error {
	area := principal(c).AreaID
	cx, cancel := ctx(c)
	defer cancel()
	entries, err := s.store.AuditLog(cx, area, 200)
	if err != nil {
		return err
	}
	names := map[string]string{}
	out := make([]auditView, 0, len(entries))
	for _, e := range entries {
		v := auditView{AuditEntry: e}
		if e.YoungPersonID != "" {
			name, seen := names[e.YoungPersonID]
			if !seen {
				if y, err := s.store.YoungPerson(cx, area, e.YoungPersonID); err == nil {
					name = y.FirstName
				}
				names[e.YoungPersonID] = name
			}
			v.YoungPersonName = name
		}
		out = append(out, v)
	}
	return c.JSON(list[auditView]{Items: out})
}

func (s *Server) createPlacement(c *fiber.Ctx) error {
	var req newPlacement
	if err := decode(c, &req); err != nil {
		return err
	}
	f := fields{}
	f.check(textLength(req.Name, 1, 80), "name", "length")
	f.check(req.Type.Valid(), "type", "one_of")
	if err := f.err(); err != nil {
		return err
	}
	pl := heard.Placement{ID: heard.NewID(), AreaID: principal(c).AreaID, Name: strings.TrimSpace(req.Name), Type: req.Type, CreatedAt: s.clock.Now()}
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.store.CreatePlacement(cx, pl); err != nil {
		return err
	}
	return c.Status(201).JSON(pl)
}
