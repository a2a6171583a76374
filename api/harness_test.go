package api

import (
	"bytes"
	"context"
	"encoding/json"
	"heard/service"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"heard"
	"heard/store"
	"heard/testkit"
)

// world is a test fixture: two areas, each with every role, teams, placements,
// caseloads and young people with joined phones. Tests use it to try to cross
// every line between roles, caseloads and areas.
type world struct {
	t      *testing.T
	srv    *Server
	store  *store.Store
	clock  *testkit.Clock
	tokens *Tokens
	A, B   areaFixture
	// sessions holds one access token per role for the access matrix.
	sessions map[heard.Role]string
}

type areaFixture struct {
	Area                       heard.Area
	Social, CAMHS              heard.Team
	Oak, Willow                heard.Placement
	Admin, KW1, KW2, Duty      heard.Staff
	Manager, OakStaff, Commish heard.Staff
	// YP1 and YP2 are KW1's (social team); YP3 is KW2's (CAMHS team).
	YP1, YP2, YP3 heard.YoungPerson
	// Devices holds each young person's joined phone.
	Devices map[string]heard.Device
}

// testPassword is every fixture staff account's password.
const testPassword = "correct horse battery"

var fixtureHash = heard.HashPassword(testPassword)

// newWorld builds the fixture on a fresh database. Extra options may change the config.
func newWorld(t *testing.T, opts ...func(*Config)) *world {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)) // a Monday, 10:00
	st := testkit.Store(t, clock)
	tokens, err := NewTokens(bytes.Repeat([]byte("k"), 32), clock)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Tokens: tokens, Log: testkit.Quiet(), Clock: clock, AuthRateLimit: 10000}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.Services = service.New(service.Config{Store: cfg.Store, Notifier: cfg.Notifier, Escalator: cfg.Escalator, Clock: cfg.Clock, Log: cfg.Log})
	w := &world{t: t, store: st, clock: clock, tokens: tokens}
	w.srv = New(cfg)
	w.A = w.seedArea("a")
	w.B = w.seedArea("b")
	return w
}

func (w *world) seedArea(tag string) areaFixture {
	t, ctx, now := w.t, context.Background(), w.clock.Now()
	f := areaFixture{Devices: map[string]heard.Device{}}
	f.Area = heard.Area{ID: heard.NewID(), Name: "Area " + tag, TimeZone: "Europe/London", Languages: []string{"en", "ar"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: now}
	must(t, w.store.CreateArea(ctx, f.Area))
	f.Social = heard.Team{ID: heard.NewID(), AreaID: f.Area.ID, Name: "Social " + tag, Service: heard.ServiceSocialCare, CreatedAt: now}
	f.CAMHS = heard.Team{ID: heard.NewID(), AreaID: f.Area.ID, Name: "CAMHS " + tag, Service: heard.ServiceCAMHS, CreatedAt: now}
	must(t, w.store.CreateTeam(ctx, f.Social))
	must(t, w.store.CreateTeam(ctx, f.CAMHS))
	f.Oak = heard.Placement{ID: heard.NewID(), AreaID: f.Area.ID, Name: "Oak " + tag, Type: heard.PlacementChildrensHome, CreatedAt: now}
	f.Willow = heard.Placement{ID: heard.NewID(), AreaID: f.Area.ID, Name: "Willow " + tag, Type: heard.PlacementFoster, CreatedAt: now}
	must(t, w.store.CreatePlacement(ctx, f.Oak))
	must(t, w.store.CreatePlacement(ctx, f.Willow))
	staff := func(name string, role heard.Role, team, placement string) heard.Staff {
		st := heard.Staff{ID: heard.NewID(), AreaID: f.Area.ID, Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@" + tag + ".test",
			Role: role, TeamID: team, PlacementID: placement, Language: "en", PasswordHash: fixtureHash, Hours: heard.DefaultHours(), CreatedAt: now}
		must(t, w.store.CreateStaff(ctx, st))
		return st
	}
	f.Admin = staff("Admin "+tag, heard.RoleAdministrator, "", "")
	f.KW1 = staff("Kim Worker "+tag, heard.RoleKeyWorker, f.Social.ID, "")
	f.KW2 = staff("Kai Worker "+tag, heard.RoleKeyWorker, f.CAMHS.ID, "")
	f.Duty = staff("Dee Duty "+tag, heard.RoleDutyWorker, f.Social.ID, "")
	f.Manager = staff("Max Manager "+tag, heard.RoleTeamManager, f.Social.ID, "")
	f.OakStaff = staff("Olu Oak "+tag, heard.RolePlacementStaff, "", f.Oak.ID)
	f.Commish = staff("Cat Commissioner "+tag, heard.RoleCommissioner, "", "")
	must(t, w.store.AddDutyShift(ctx, heard.DutyShift{ID: heard.NewID(), AreaID: f.Area.ID, StaffID: f.Duty.ID, Start: now.Add(-time.Hour), End: now.Add(30 * 24 * time.Hour)}))
	young := func(name string, team heard.Team, kw heard.Staff) heard.YoungPerson {
		y := heard.YoungPerson{ID: heard.NewID(), AreaID: f.Area.ID, FirstName: name, Language: "en", TeamID: team.ID, Service: team.Service, CreatedAt: now}
		must(t, w.store.CreateYoungPerson(ctx, y))
		_, err := w.store.Assign(ctx, f.Area.ID, y.ID, kw.ID)
		must(t, err)
		d := heard.Device{ID: heard.NewID(), AreaID: f.Area.ID, YoungPersonID: y.ID, Name: "Phone", SecretHash: heard.HashSecret("secret-" + y.ID),
			PINHash: fixtureHash, CreatedAt: now, LastSeenAt: now}
		must(t, w.store.CreateDevice(ctx, d))
		f.Devices[y.ID] = d
		return y
	}
	f.YP1 = young("Yara "+tag, f.Social, f.KW1)
	f.YP2 = young("Yusuf "+tag, f.Social, f.KW1)
	f.YP3 = young("Yan "+tag, f.CAMHS, f.KW2)
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tokenFor issues an access token for a staff member (without the cost of a password check).
func (w *world) tokenFor(st heard.Staff) string {
	// The session begins under the account's trust as stored now.
	if now, err := w.store.StaffMember(context.Background(), st.AreaID, st.ID); err == nil {
		st = now
	}
	access, _ := w.sessionFor(heard.Principal{ID: st.ID, AreaID: st.AreaID, Role: st.Role, Trust: st.Trust})
	return access
}

// youngToken issues an access token for a young person's joined phone.
func (w *world) youngToken(f areaFixture, y heard.YoungPerson) string {
	access, _ := w.sessionFor(heard.Principal{ID: y.ID, AreaID: y.AreaID, Role: heard.RoleYoungPerson, DeviceID: f.Devices[y.ID].ID})
	return access
}

// response is a decoded API answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// ErrorCode is the stable error code of an error response ("" when none).
func (r response) ErrorCode() string {
	e, _ := r.Body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// Field is the problem reported for one field of a validation error.
func (r response) Field(name string) string {
	e, _ := r.Body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	v, _ := f[name].(string)
	return v
}

// Items is the "items" list of a list response.
func (r response) Items() []map[string]any {
	raw, _ := r.Body["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

// call sends a request through the app. body may be nil, a string (sent as is) or a
// value (sent as JSON).
func (w *world) call(method, path, token string, body any) response {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		must(w.t, err)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := w.srv.App().Test(req, -1)
	must(w.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	must(w.t, err)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			w.t.Fatalf("%s %s: response is not JSON: %s", method, path, raw)
		}
	}
	if r.Status >= 500 {
		w.t.Errorf("%s %s answered %d: %s", method, path, r.Status, raw)
	}
	return r
}

// expect fails the test unless the response has the status (and, for errors, the code).
func (w *world) expect(r response, status int, code string) {
	w.t.Helper()
	if r.Status != status || code != "" && r.ErrorCode() != code {
		w.t.Fatalf("want %d %s, got %d: %s", status, code, r.Status, r.Raw)
	}
}
