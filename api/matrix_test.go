package api

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
	"heard/store"
)

// The access matrix says, for every route Heard serves, which roles may call it
// and what relationship they need with the data it reaches. TestAccessMatrix
// calls every route as every role (all signed in to area A) against three
// targets, and checks each call is allowed or refused as the matrix says, and
// that a refused call changed nothing in the database.
//
// A route without an entry fails the test with "route X has no access-matrix
// entry". To add one, from your feature's own test file:
//
//	func init() {
//		registerMatrix("POST /api/things/:id", matrixEntry{
//			Roles: []heard.Role{heard.RoleKeyWorker},
//			Need:  needKeyWorker,
//			OK:    201,
//			Request: func(m matrixCall) (string, any) {
//				return "/api/things/" + m.YoungPerson().ID, map[string]any{"name": fmt.Sprint("thing ", m.Seq)}
//			},
//		})
//	}
//
// The key is the method and the path exactly as registered. Request builds one
// call for a caller and target; it may write fixtures to m.W.store first (they
// are written before the "nothing changed" snapshot is taken). Allowed calls
// run after all refused ones, so an allowed call that changes things (signing
// a phone out) cannot spoil a refusal check.
var accessMatrix = map[string]matrixEntry{}

// registerMatrix adds a route's entry; registering one route twice is a mistake.
func registerMatrix(key string, e matrixEntry) {
	if _, dup := accessMatrix[key]; dup {
		panic("access matrix: " + key + " registered twice")
	}
	accessMatrix[key] = e
}

// matrixEntry is who may call one route.
type matrixEntry struct {
	// Public routes need no token: they are called once without one and must answer OK.
	Public bool
	// Roles may call the route (empty: every signed-in role). Every other role gets 403 forbidden.
	Roles []heard.Role
	// Need is the relationship a caller in Roles must have with the target.
	Need matrixNeed
	// Allow, when set, replaces Need: it says whether role may reach target.
	Allow func(role heard.Role, target matrixTarget) bool
	// Request builds the call; nil means the registered path as it is, with no body.
	Request func(m matrixCall) (path string, body any)
	// OK is the status of an allowed call (200 when zero).
	OK int
	// Refused overrides the status of a refused target (by default 403 in the
	// caller's area and 404 for another area's data), e.g. 400 where another
	// area's id is refused as an unknown id in the body.
	Refused map[matrixTarget]int
}

// matrixNeed is the relationship a route requires.
type matrixNeed int

const (
	// needNothing: the route serves the caller's own things; the target does not matter.
	needNothing matrixNeed = iota
	// needArea: the target must be in the caller's area (administration).
	needArea
	// needRecord: the caller may read the target young person's record: their
	// key worker, their team's manager, an administrator of the area, the young
	// person themself, placement staff once a move to their placement is confirmed.
	needRecord
	// needKeyWorker: only the young person's current key worker.
	needKeyWorker
	// needSelf: only the young person themself.
	needSelf
)

// matrixTarget is whose data a call reaches, seen from a caller in area A.
type matrixTarget int

const (
	// targetOwn: the caller's own. Young person A.YP1: Kim's (KW1) caseload,
	// the social team of Max (Manager), moving to Oak (OakStaff, confirmed), and
	// the signed-in young person herself.
	targetOwn matrixTarget = iota
	// targetOtherCaseload: A.YP3, in the same area: Kai's (KW2) caseload, CAMHS team, no move.
	targetOtherCaseload
	// targetOtherArea: B.YP1, the same place in area B.
	targetOtherArea
)

func (t matrixTarget) String() string {
	return [...]string{"own", "other caseload", "other area"}[t]
}

var matrixTargets = []matrixTarget{targetOwn, targetOtherCaseload, targetOtherArea}

// matrixRoles are the callers, all in area A.
var matrixRoles = []heard.Role{heard.RoleAdministrator, heard.RoleKeyWorker, heard.RoleDutyWorker, heard.RoleTeamManager,
	heard.RolePlacementStaff, heard.RoleCommissioner, heard.RoleYoungPerson}

// matrixCall is one call: a caller in area A acting on a target.
type matrixCall struct {
	W      *world
	Role   heard.Role
	Target matrixTarget
	// Seq is unique per call, for bodies that must not collide (emails, names).
	Seq int
}

// Area is the target's area: A, or B for targetOtherArea.
func (m matrixCall) Area() areaFixture {
	if m.Target == targetOtherArea {
		return m.W.B
	}
	return m.W.A
}

// YoungPerson is the target young person.
func (m matrixCall) YoungPerson() heard.YoungPerson {
	if m.Target == targetOtherCaseload {
		return m.W.A.YP3
	}
	return m.Area().YP1
}

// KeyWorker is the target young person's key worker.
func (m matrixCall) KeyWorker() heard.Staff {
	if m.Target == targetOtherCaseload {
		return m.W.A.KW2
	}
	return m.Area().KW1
}

// Team is the target young person's team.
func (m matrixCall) Team() heard.Team {
	if m.Target == targetOtherCaseload {
		return m.W.A.CAMHS
	}
	return m.Area().Social
}

// Device is the target young person's joined phone.
func (m matrixCall) Device() heard.Device { return m.Area().Devices[m.YoungPerson().ID] }

// Caller is the signed-in person making the call, and Token their access token.
func (m matrixCall) Caller() (id string, token string) {
	a := m.W.A
	staff := map[heard.Role]heard.Staff{heard.RoleAdministrator: a.Admin, heard.RoleKeyWorker: a.KW1, heard.RoleDutyWorker: a.Duty,
		heard.RoleTeamManager: a.Manager, heard.RolePlacementStaff: a.OakStaff, heard.RoleCommissioner: a.Commish}
	// One session per caller for the whole route, as one person's phone or
	// computer would have: a call that changes the caller's password keeps it.
	if m.W.sessions == nil {
		m.W.sessions = map[heard.Role]string{}
	}
	tok, ok := m.W.sessions[m.Role]
	id = a.YP1.ID
	if m.Role != heard.RoleYoungPerson {
		id = staff[m.Role].ID
	}
	if !ok {
		if m.Role == heard.RoleYoungPerson {
			tok = m.W.youngToken(a, a.YP1)
		} else {
			tok = m.W.tokenFor(staff[m.Role])
		}
		m.W.sessions[m.Role] = tok
	}
	return id, tok
}

// allowed says whether the matrix lets role reach target through the entry.
func (e matrixEntry) allowed(role heard.Role, target matrixTarget) bool {
	if len(e.Roles) > 0 && !heard.Can(role, e.Roles...) {
		return false
	}
	if e.Allow != nil {
		return e.Allow(role, target)
	}
	switch e.Need {
	case needNothing:
		return true
	case needArea:
		return target != targetOtherArea
	case needRecord:
		switch target {
		case targetOwn:
			return heard.Can(role, heard.RoleAdministrator, heard.RoleKeyWorker, heard.RoleTeamManager, heard.RolePlacementStaff, heard.RoleYoungPerson)
		case targetOtherCaseload:
			return role == heard.RoleAdministrator
		}
	case needKeyWorker:
		return role == heard.RoleKeyWorker && target == targetOwn
	case needSelf:
		return role == heard.RoleYoungPerson && target == targetOwn
	}
	return false
}

func (e matrixEntry) refusedStatus(role heard.Role, target matrixTarget) int {
	if len(e.Roles) > 0 && !heard.Can(role, e.Roles...) {
		return 403 // the role check runs before anything is looked up
	}
	if s, ok := e.Refused[target]; ok {
		return s
	}
	if target == targetOtherArea {
		return 404
	}
	return 403
}

var statusCode = map[int]string{400: "validation_failed", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}

// matrixWorld is the fixture world plus moves, so placement staff have someone incoming.
func matrixWorld(t *testing.T) *world {
	w := newWorld(t)
	ctx := context.Background()
	now := w.clock.Now()
	for _, mv := range []struct {
		f      areaFixture
		y      heard.YoungPerson
		pl     heard.Placement
		status heard.MoveStatus
	}{{w.A, w.A.YP1, w.A.Oak, heard.MoveConfirmed}, {w.A, w.A.YP3, w.A.Willow, heard.MovePlanned}, {w.B, w.B.YP1, w.B.Oak, heard.MoveConfirmed}} {
		must(t, w.store.CreateMove(ctx, heard.Move{ID: heard.NewID(), AreaID: mv.f.Area.ID, YoungPersonID: mv.y.ID, PlacementID: mv.pl.ID,
			Date: now.AddDate(0, 0, 14), Status: mv.status, CreatedBy: mv.f.KW1.ID, CreatedAt: now}))
	}
	return w
}

// matrixSnapshot is the whole database as text, to show a refused call changed nothing.
func matrixSnapshot(t *testing.T, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	names, err := st.DB.ListCollectionNames(ctx, bson.D{})
	must(t, err)
	sort.Strings(names)
	var sb strings.Builder
	for _, n := range names {
		if n == "rate_limits" {
			continue // counting requests per address is what a refused request is meant to do
		}
		cur, err := st.DB.Collection(n).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		must(t, err)
		var docs []bson.Raw
		must(t, cur.All(ctx, &docs))
		sb.WriteString("## " + n + "\n")
		for _, d := range docs {
			sb.WriteString(d.String() + "\n")
		}
	}
	return sb.String()
}

// matrixDiff names the collections that differ and the first document added,
// removed or changed in each.
func matrixDiff(before, after string) string {
	split := func(snap string) map[string][]string {
		out := map[string][]string{}
		col := ""
		for _, line := range strings.Split(snap, "\n") {
			if name, ok := strings.CutPrefix(line, "## "); ok {
				col = name
				out[col] = nil
			} else if line != "" {
				out[col] = append(out[col], line)
			}
		}
		return out
	}
	b, a := split(before), split(after)
	var diffs []string
	for _, col := range slices.Sorted(maps.Keys(mergeKeys(b, a))) {
		x, y := b[col], a[col]
		if slices.Equal(x, y) {
			continue
		}
		was := map[string]bool{}
		for _, d := range x {
			was[d] = true
		}
		now := map[string]bool{}
		for _, d := range y {
			now[d] = true
		}
		detail := ""
		for _, d := range y {
			if !was[d] {
				detail = "added or changed " + d
				break
			}
		}
		for _, d := range x {
			if detail == "" && !now[d] {
				detail = "removed " + d
			}
		}
		diffs = append(diffs, fmt.Sprintf("%s (%.400s)", col, detail))
	}
	return strings.Join(diffs, "; ")
}

func mergeKeys(a, b map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// areaIDs lists every id of an area's fixture, to spot data leaking across areas.
func (f areaFixture) ids() []string {
	ids := []string{f.Area.ID, f.Social.ID, f.CAMHS.ID, f.Oak.ID, f.Willow.ID, f.Admin.ID, f.KW1.ID, f.KW2.ID, f.Duty.ID,
		f.Manager.ID, f.OakStaff.ID, f.Commish.ID, f.YP1.ID, f.YP2.ID, f.YP3.ID}
	for _, d := range f.Devices {
		ids = append(ids, d.ID)
	}
	return ids
}

func TestAccessMatrix(t *testing.T) {
	probe := newWorld(t)
	seen := map[string]bool{}
	var keys []string
	for _, r := range probe.srv.routes {
		key := r.Method + " " + r.Path
		seen[key] = true
		if _, ok := accessMatrix[key]; !ok {
			t.Errorf("route %s has no access-matrix entry (add one with registerMatrix; see matrix_test.go)", key)
			continue
		}
		keys = append(keys, key)
	}
	for key := range accessMatrix {
		if !seen[key] {
			t.Errorf("the access matrix has an entry for %s, which is not a route", key)
		}
	}
	for _, key := range keys {
		e := accessMatrix[key]
		method := strings.Fields(key)[0]
		registered := strings.Fields(key)[1]
		// Slashes would split the subtest name into levels for -run.
		t.Run(strings.ReplaceAll(key, "/", "."), func(t *testing.T) {
			t.Parallel() // each route has its own database
			w := matrixWorld(t)
			seq := 0
			build := func(role heard.Role, target matrixTarget) (matrixCall, string, any) {
				seq++
				m := matrixCall{W: w, Role: role, Target: target, Seq: seq}
				if e.Request == nil {
					return m, registered, nil
				}
				path, body := e.Request(m)
				return m, path, body
			}
			if e.Public {
				_, path, body := build(heard.RoleKeyWorker, targetOwn)
				r := w.call(method, path, "", body)
				w.expect(r, orDefault(e.OK), "")
				return
			}
			if !validRoles(e.Roles) {
				t.Fatalf("entry lists an unknown role: %v", e.Roles)
			}

			type planned struct {
				who        string
				m          matrixCall
				path       string
				body       any
				token      string
				allow      bool
				wantStatus int
			}
			var refused, allowed []planned
			// First, without a token: 401.
			m, path, body := build(matrixRoles[0], targetOwn)
			refused = append(refused, planned{who: "a call without a token", m: m, path: path, body: body, wantStatus: 401})
			for _, role := range matrixRoles {
				for _, target := range matrixTargets {
					m, path, body := build(role, target)
					_, token := m.Caller()
					p := planned{who: fmt.Sprintf("%s on %s", role, target), m: m, path: path, body: body, token: token, allow: e.allowed(role, target)}
					if p.allow {
						p.wantStatus = orDefault(e.OK)
						allowed = append(allowed, p)
					} else {
						p.wantStatus = e.refusedStatus(role, target)
						refused = append(refused, p)
					}
				}
			}
			// Refused calls change nothing, so one snapshot before and one after all
			// of them prove it; only when they differ is each call checked alone.
			state := matrixSnapshot(t, w.store)
			refuse := func(p planned, alone bool) {
				r := w.call(method, p.path, p.token, p.body)
				if !alone && (r.Status != p.wantStatus || r.ErrorCode() != statusCode[p.wantStatus]) {
					t.Errorf("%s (%s): want %d %s, got %d %s", p.who, p.path, p.wantStatus, statusCode[p.wantStatus], r.Status, r.Raw)
				}
				if alone {
					after := matrixSnapshot(t, w.store)
					if d := matrixDiff(state, after); d != "" {
						t.Errorf("%s was refused but changed %s", p.who, d)
						state = after
					}
				}
			}
			for _, p := range refused {
				refuse(p, false)
			}
			if after := matrixSnapshot(t, w.store); after != state {
				t.Errorf("refused calls changed the database: %s", matrixDiff(state, after))
				state = after
				for _, p := range refused { // to name the call, where it changes things again
					refuse(p, true)
				}
			}
			bIDs := w.B.ids()
			for _, p := range allowed {
				r := w.call(method, p.path, p.token, p.body)
				if r.Status != p.wantStatus {
					t.Errorf("%s (%s): want %d, got %d %s", p.who, p.path, p.wantStatus, r.Status, r.Raw)
					continue
				}
				for _, id := range bIDs {
					if strings.Contains(string(r.Raw), id) {
						t.Errorf("%s (a caller in area A) got area B's id %s: %.300s", p.who, id, r.Raw)
					}
				}
				if p.m.Role == heard.RoleCommissioner {
					for _, y := range []heard.YoungPerson{w.A.YP1, w.A.YP2, w.A.YP3} {
						if strings.Contains(string(r.Raw), y.ID) || strings.Contains(string(r.Raw), y.FirstName) {
							t.Errorf("a commissioner saw a young person (%s): %.300s", y.FirstName, r.Raw)
						}
					}
				}
			}
		})
	}
}

func orDefault(ok int) int {
	if ok == 0 {
		return 200
	}
	return ok
}

func validRoles(roles []heard.Role) bool {
	for _, r := range roles {
		if !r.Valid() {
			return false
		}
	}
	return true
}

// TestListsShowOnlyWhatTheCallerMaySee checks the list routes, which every
// caller may call but which must show each only their own part.
func TestListsShowOnlyWhatTheCallerMaySee(t *testing.T) {
	w := matrixWorld(t)
	ids := func(r response) []string {
		var out []string
		for _, it := range r.Items() {
			out = append(out, str(it, "id"))
		}
		sort.Strings(out)
		return out
	}
	sorted := func(ys ...heard.YoungPerson) []string {
		var out []string
		for _, y := range ys {
			out = append(out, y.ID)
		}
		sort.Strings(out)
		return out
	}
	for _, tc := range []struct {
		who  heard.Staff
		want []string
	}{
		{w.A.KW1, sorted(w.A.YP1, w.A.YP2)},
		{w.A.KW2, sorted(w.A.YP3)},
		{w.A.Manager, sorted(w.A.YP1, w.A.YP2)},
		{w.A.Admin, sorted(w.A.YP1, w.A.YP2, w.A.YP3)},
		{w.A.Duty, nil},
		{w.B.KW1, sorted(w.B.YP1, w.B.YP2)},
	} {
		r := w.call("GET", "/api/young-people", w.tokenFor(tc.who), nil)
		w.expect(r, 200, "")
		if got := ids(r); !slices.Equal(got, tc.want) {
			t.Errorf("%s sees %v, want %v", tc.who.Name, got, tc.want)
		}
	}
	// A placement sees its own incoming moves, and the young person's id only once confirmed.
	r := w.call("GET", "/api/placement/moves", w.tokenFor(w.A.OakStaff), nil)
	w.expect(r, 200, "")
	if items := r.Items(); len(items) != 1 || items[0]["firstName"] != w.A.YP1.FirstName || items[0]["youngPersonId"] != w.A.YP1.ID {
		t.Fatalf("Oak's incoming moves: %s", r.Raw)
	}
	ctx := context.Background()
	must(t, w.store.CreateMove(ctx, heard.Move{ID: heard.NewID(), AreaID: w.A.Area.ID, YoungPersonID: w.A.YP2.ID, PlacementID: w.A.Oak.ID,
		Date: w.clock.Now().AddDate(0, 0, 20), Status: heard.MoveShared, CreatedAt: w.clock.Now()}))
	r = w.call("GET", "/api/placement/moves", w.tokenFor(w.A.OakStaff), nil)
	for _, it := range r.Items() {
		if it["firstName"] == w.A.YP2.FirstName && it["youngPersonId"] != nil {
			t.Fatalf("before the move is confirmed the placement sees only a first name and a date: %v", it)
		}
	}
	if len(r.Items()) != 2 {
		t.Fatalf("Oak should see two incoming moves: %s", r.Raw)
	}
	// Staff lists and settings are the caller's area only.
	r = w.call("GET", "/api/admin/staff", w.tokenFor(w.A.Admin), nil)
	if len(r.Items()) != 7 {
		t.Fatalf("area A has 7 staff accounts: %s", r.Raw)
	}
}

// Entries for the foundation's routes.
func init() {
	public := func(key string, ok int, req func(m matrixCall) (string, any)) {
		registerMatrix(key, matrixEntry{Public: true, OK: ok, Request: req})
	}
	public("GET /healthz", 200, nil)
	public("GET /readyz", 200, nil)
	public("GET /api/i18n", 200, nil)
	public("GET /api/i18n/:lang", 200, func(matrixCall) (string, any) { return "/api/i18n/ar", nil })
	public("GET /api/openapi.json", 200, nil)
	public("POST /api/auth/login", 200, func(m matrixCall) (string, any) {
		return "/api/auth/login", map[string]string{"email": m.W.A.KW1.Email, "password": testPassword}
	})
	public("POST /api/auth/join", 201, func(m matrixCall) (string, any) {
		code, _, err := m.W.store.CreateJoinCode(context.Background(), m.W.A.Area.ID, m.W.A.YP2.ID, m.W.A.KW1.ID)
		must(m.W.t, err)
		return "/api/auth/join", map[string]string{"code": code, "pin": "1357"}
	})
	public("POST /api/auth/unlock", 200, func(m matrixCall) (string, any) {
		d := heard.Device{ID: heard.NewID(), AreaID: m.W.A.Area.ID, YoungPersonID: m.W.A.YP2.ID, Name: "Phone", SecretHash: heard.HashSecret("matrix-secret"),
			PINHash: heard.HashPassword("1357"), CreatedAt: m.W.clock.Now(), LastSeenAt: m.W.clock.Now()}
		must(m.W.t, m.W.store.CreateDevice(context.Background(), d))
		return "/api/auth/unlock", map[string]string{"deviceId": d.ID, "deviceSecret": "matrix-secret", "pin": "1357"}
	})
	session := func(m matrixCall) string {
		tok, err := m.W.store.IssueRefreshToken(context.Background(), store.RefreshToken{SubjectID: m.W.A.KW1.ID, Role: heard.RoleKeyWorker, AreaID: m.W.A.Area.ID}, time.Hour)
		must(m.W.t, err)
		return tok
	}
	public("POST /api/auth/password", 200, func(m matrixCall) (string, any) {
		code := heard.NewPasswordResetCode()
		_, err := m.W.store.ResetStaffPassword(context.Background(), m.W.A.Area.ID, m.W.A.KW2.ID, code)
		must(m.W.t, err)
		return "/api/auth/password", map[string]string{"code": code, "newPassword": "a brand new password"}
	})
	public("POST /api/auth/refresh", 200, func(m matrixCall) (string, any) {
		return "/api/auth/refresh", map[string]string{"refreshToken": session(m)}
	})
	public("POST /api/auth/logout", 204, func(m matrixCall) (string, any) {
		return "/api/auth/logout", map[string]string{"refreshToken": session(m)}
	})

	// Everyone signed in: their own profile and the crisis lines.
	registerMatrix("GET /api/me", matrixEntry{})
	registerMatrix("PATCH /api/me", matrixEntry{Request: func(matrixCall) (string, any) { return "/api/me", map[string]string{"language": "ar"} }})
	registerMatrix("GET /api/crisis-contacts", matrixEntry{})

	// Young people's records.
	recordPath := func(suffix string) func(m matrixCall) (string, any) {
		return func(m matrixCall) (string, any) { return "/api/young-people/" + m.YoungPerson().ID + suffix, nil }
	}
	registerMatrix("GET /api/young-people", matrixEntry{Roles: staffWhoSeePeople})
	registerMatrix("POST /api/young-people", matrixEntry{Roles: []heard.Role{heard.RoleKeyWorker, heard.RoleAdministrator}, Need: needArea, OK: 201,
		Refused: map[matrixTarget]int{targetOtherArea: 400},
		Request: func(m matrixCall) (string, any) {
			return "/api/young-people", map[string]string{"firstName": fmt.Sprint("New ", m.Seq), "teamId": m.Team().ID}
		}})
	registerMatrix("GET /api/young-people/:id", matrixEntry{Roles: staffWhoSeePeople, Need: needRecord, Request: recordPath("")})
	registerMatrix("GET /api/young-people/:id/key-workers", matrixEntry{Roles: staffWhoSeePeople, Need: needRecord, Request: recordPath("/key-workers")})
	registerMatrix("GET /api/young-people/:id/moves", matrixEntry{Roles: staffWhoSeePeople, Need: needRecord, Request: recordPath("/moves")})
	keyWorker := []heard.Role{heard.RoleKeyWorker}
	registerMatrix("POST /api/young-people/:id/join-codes", matrixEntry{Roles: keyWorker, Need: needKeyWorker, OK: 201, Request: recordPath("/join-codes")})
	registerMatrix("GET /api/young-people/:id/devices", matrixEntry{Roles: keyWorker, Need: needKeyWorker, Request: recordPath("/devices")})
	registerMatrix("DELETE /api/young-people/:id/devices/:deviceId", matrixEntry{Roles: keyWorker, Need: needKeyWorker, OK: 204,
		Request: func(m matrixCall) (string, any) {
			return "/api/young-people/" + m.YoungPerson().ID + "/devices/" + m.Device().ID, nil
		}})
	registerMatrix("POST /api/young-people/:id/moves", matrixEntry{Roles: keyWorker, Need: needKeyWorker, OK: 201,
		Request: func(m matrixCall) (string, any) {
			return "/api/young-people/" + m.YoungPerson().ID + "/moves",
				map[string]string{"placementId": m.Area().Willow.ID, "date": m.W.clock.Now().AddDate(0, 0, 10).Format(time.DateOnly)}
		}})
	registerMatrix("GET /api/placement/moves", matrixEntry{Roles: []heard.Role{heard.RolePlacementStaff}})

	// Administration: the caller's own area only.
	admin := func(key string, e matrixEntry) {
		e.Roles = adminOnly
		registerMatrix(key, e)
	}
	for _, key := range []string{"GET /api/admin/teams", "GET /api/admin/staff", "GET /api/admin/duty-rota", "GET /api/admin/area", "GET /api/admin/audit", "GET /api/admin/placements"} {
		admin(key, matrixEntry{})
	}
	admin("POST /api/admin/teams", matrixEntry{OK: 201, Request: func(m matrixCall) (string, any) {
		return "/api/admin/teams", map[string]string{"name": fmt.Sprint("Team ", m.Seq), "service": "camhs"}
	}})
	admin("POST /api/admin/placements", matrixEntry{OK: 201, Request: func(m matrixCall) (string, any) {
		return "/api/admin/placements", map[string]string{"name": fmt.Sprint("Home ", m.Seq), "type": "foster"}
	}})
	admin("PUT /api/admin/area", matrixEntry{Request: func(m matrixCall) (string, any) {
		return "/api/admin/area", map[string]any{"urgentToDutyMinutes": 10, "dutyToManagerMinutes": 20, "concerningAfterMinutes": 120,
			"crisisContacts": heard.DefaultCrisisContacts(), "languages": []string{"en", "ar"}}
	}})
	admin("POST /api/admin/staff", matrixEntry{Need: needArea, OK: 201, Refused: map[matrixTarget]int{targetOtherArea: 400},
		Request: func(m matrixCall) (string, any) {
			return "/api/admin/staff", map[string]string{"name": "New Worker", "email": fmt.Sprintf("new%d@a.test", m.Seq),
				"password": "a long first password", "role": "key_worker", "teamId": m.Team().ID}
		}})
	admin("PATCH /api/admin/staff/:id", matrixEntry{Need: needArea, Request: func(m matrixCall) (string, any) {
		return "/api/admin/staff/" + m.KeyWorker().ID, map[string]any{"hours": []heard.Hours{{Weekday: time.Tuesday, Start: 480, End: 960}}}
	}})
	admin("POST /api/admin/staff/:id/password-reset", matrixEntry{Need: needArea, OK: 201, Request: func(m matrixCall) (string, any) {
		return "/api/admin/staff/" + m.KeyWorker().ID + "/password-reset", nil
	}})
	admin("POST /api/admin/assignments", matrixEntry{Need: needArea, OK: 201, Refused: map[matrixTarget]int{targetOtherArea: 400},
		Request: func(m matrixCall) (string, any) {
			return "/api/admin/assignments", map[string]string{"youngPersonId": m.YoungPerson().ID, "staffId": m.Area().KW2.ID}
		}})
	admin("POST /api/admin/duty-rota", matrixEntry{Need: needArea, OK: 201, Refused: map[matrixTarget]int{targetOtherArea: 400},
		Request: func(m matrixCall) (string, any) {
			start := m.W.clock.Now().Add(24 * time.Hour)
			return "/api/admin/duty-rota", map[string]any{"staffId": m.Area().Duty.ID, "start": start, "end": start.Add(8 * time.Hour)}
		}})
	admin("DELETE /api/admin/duty-rota/:id", matrixEntry{Need: needArea, OK: 204, Request: func(m matrixCall) (string, any) {
		now := m.W.clock.Now()
		d := heard.DutyShift{ID: heard.NewID(), AreaID: m.Area().Area.ID, StaffID: m.Area().Duty.ID, Start: now.Add(48 * time.Hour), End: now.Add(56 * time.Hour)}
		must(m.W.t, m.W.store.AddDutyShift(context.Background(), d))
		return "/api/admin/duty-rota/" + d.ID, nil
	}})
}
