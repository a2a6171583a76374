package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"heard"
)

// The validation tests send every route that takes a body or a path id the
// kinds of bad input clients send by mistake or on purpose, and check each gets
// a 4xx in the one error shape with a stable code, and changes nothing. They
// build a good request for each route from its access-matrix entry, so a new
// route is covered as soon as it has one.

// validationCaller finds a role that may call the route on its own target, and
// the good request for it.
func validationCaller(w *world, e matrixEntry) (token, path string, body map[string]any) {
	m := matrixCall{W: w, Role: heard.RoleAdministrator, Target: targetOwn, Seq: 1000}
	if !e.Public {
		found := false
		for _, role := range matrixRoles {
			if e.allowed(role, targetOwn) {
				m.Role, found = role, true
				break
			}
		}
		if !found {
			w.t.Fatal("no role may call this route on its own target")
		}
		_, token = m.Caller()
	}
	var raw any
	path = ""
	if e.Request != nil {
		path, raw = e.Request(m)
	}
	if _, upload := raw.([]byte); raw != nil && !upload { // an upload's body is not JSON
		j, err := json.Marshal(raw)
		must(w.t, err)
		must(w.t, json.Unmarshal(j, &body))
	}
	return token, path, body
}

// validationSend sends raw bytes with a given content type.
func (w *world) validationSend(method, path, token, contentType string, body []byte) response {
	w.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := w.srv.App().Test(req, -1)
	must(w.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if err := json.Unmarshal(raw, &r.Body); err != nil && len(raw) > 0 {
		w.t.Errorf("%s %s: the error is not JSON: %s", method, path, raw)
	}
	if r.Status >= 500 {
		w.t.Errorf("%s %s answered %d: %s", method, path, r.Status, raw)
	}
	return r
}

// validationField is one top-level field of a request body.
type validationField struct {
	Name string
	Type reflect.Type
}

func validationFields(t reflect.Type) []validationField {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []validationField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			out = append(out, validationFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		out = append(out, validationField{Name: name, Type: ft})
	}
	return out
}

// wrongValue is a JSON value of the wrong type for a field.
func wrongValue(t reflect.Type) any {
	switch {
	case t == reflect.TypeOf(time.Time{}):
		return 12345
	case t.Kind() == reflect.String:
		return 12345
	case t.Kind() == reflect.Bool:
		return "yes"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return "many"
	case t.Kind() == reflect.Slice, t.Kind() == reflect.Array:
		return "not a list"
	default:
		return 7
	}
}

func withField(body map[string]any, key string, value any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	out[key] = value
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	j, err := json.Marshal(v)
	must(t, err)
	return j
}

var pathParams = regexp.MustCompile(`:([A-Za-z]+)`)

func isIDParam(name string) bool { return name == "id" || strings.HasSuffix(name, "Id") }

// validationRoutes lists the routes to check, with their entries.
func validationRoutes(t *testing.T) (*world, []route) {
	probe := newWorld(t)
	var out []route
	for _, r := range probe.srv.routes {
		takesID := false
		for _, p := range pathParams.FindAllStringSubmatch(r.Path, -1) {
			takesID = takesID || isIDParam(p[1])
		}
		if r.Doc.Request == nil && !takesID {
			continue
		}
		if _, ok := accessMatrix[r.Method+" "+r.Path]; !ok {
			continue // TestAccessMatrix reports it
		}
		out = append(out, r)
	}
	return probe, out
}

func TestBadBodiesAreRefusedAndChangeNothing(t *testing.T) {
	_, routes := validationRoutes(t)
	for _, rt := range routes {
		if rt.Doc.Request == nil {
			continue
		}
		rt := rt
		t.Run(strings.ReplaceAll(rt.Method+" "+rt.Path, "/", "."), func(t *testing.T) {
			t.Parallel()
			w := matrixWorld(t)
			e := accessMatrix[rt.Method+" "+rt.Path]
			token, path, good := validationCaller(w, e)
			before := matrixSnapshot(t, w.store)
			type sentRequest struct {
				what, contentType string
				body              []byte
			}
			var sent []sentRequest
			send := func(what, contentType string, body []byte, status int, codes ...string) response {
				t.Helper()
				sent = append(sent, sentRequest{what, contentType, body})
				r := w.validationSend(rt.Method, path, token, contentType, body)
				ok := r.Status == status || status == 0 && r.Status >= 400 && r.Status < 500
				if ok && len(codes) > 0 {
					ok = false
					for _, c := range codes {
						ok = ok || r.ErrorCode() == c
					}
				}
				if !ok {
					t.Errorf("%s: want %d %v, got %d %s", what, status, codes, r.Status, r.Raw)
				}
				if r.Status >= 400 && (r.ErrorCode() == "" || str(errorPart(r), "message") == "" || !heard.ValidID(str(r.Body, "requestId"))) {
					t.Errorf("%s: not Heard's error shape: %s", what, r.Raw)
				}
				return r
			}
			const jsonType = "application/json"
			goodJSON := mustJSON(t, good)
			send("malformed JSON", jsonType, []byte(`{"a":`), 400, "invalid_json")
			send("not JSON at all", jsonType, []byte(`hello`), 400, "invalid_json")
			if !rt.Doc.OptionalBody {
				send("empty body", jsonType, nil, 400, "invalid_json")
				send("only spaces", jsonType, []byte("  \n "), 400, "invalid_json")
				send("null", jsonType, []byte(`null`), 400, "validation_failed", "invalid_json")
			}
			send("a list instead of an object", jsonType, []byte(`[]`), 400, "invalid_json")
			send("a string instead of an object", jsonType, []byte(`"text"`), 400, "invalid_json")
			send("two objects", jsonType, append(append([]byte{}, goodJSON...), goodJSON...), 400, "invalid_json")
			send("good JSON as text/plain", "text/plain", goodJSON, 415, "unsupported_media_type")
			send("good JSON as a form", "application/x-www-form-urlencoded", goodJSON, 415, "unsupported_media_type")
			send("good JSON without a content type", "", goodJSON, 415, "unsupported_media_type")
			r := send("an unknown field", jsonType, mustJSON(t, withField(good, "isAdmin", true)), 400, "validation_failed")
			if r.Field("isAdmin") != "unknown_field" {
				t.Errorf("the unknown field should be named: %s", r.Raw)
			}
			for _, f := range validationFields(reflect.TypeOf(rt.Doc.Request)) {
				isTime := f.Type == reflect.TypeOf(time.Time{})
				r := send("wrong type for "+f.Name, jsonType, mustJSON(t, withField(good, f.Name, wrongValue(f.Type))), 400, "validation_failed", "invalid_json")
				if !isTime && r.Field(f.Name) != "wrong_type" {
					t.Errorf("wrong type for %s should be named: %s", f.Name, r.Raw)
				}
				long := strings.Repeat("ب", 10000)
				switch {
				case f.Type.Kind() == reflect.String:
					r := send("10,000 characters in "+f.Name, jsonType, mustJSON(t, withField(good, f.Name, long)), 400, "validation_failed")
					if r.Field(f.Name) == "" {
						t.Errorf("over-long %s should be named: %s", f.Name, r.Raw)
					}
				case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
					send("10,000 characters in a value of "+f.Name, jsonType, mustJSON(t, withField(good, f.Name, []string{long})), 400, "validation_failed")
				case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
					// Each text inside each item of the list, made too long in turn.
					items, _ := good[f.Name].([]any)
					for i, it := range items {
						item, _ := it.(map[string]any)
						for k, v := range item {
							if _, isText := v.(string); !isText {
								continue
							}
							changed := append([]any{}, items...)
							changed[i] = withField(item, k, long)
							send(fmt.Sprintf("10,000 characters in %s[%d].%s", f.Name, i, k), jsonType, mustJSON(t, withField(good, f.Name, changed)), 400, "validation_failed")
						}
					}
				}
				if isIDParam(f.Name) && f.Type.Kind() == reflect.String {
					r := send("a malformed id in "+f.Name, jsonType, mustJSON(t, withField(good, f.Name, "not-a-uuid")), 400, "validation_failed")
					if r.Field(f.Name) == "" {
						t.Errorf("the malformed %s should be named: %s", f.Name, r.Raw)
					}
					// An id that names nothing: any 4xx, never a success or a 500.
					// ("id" itself is the new item's own id, which the client makes.)
					if f.Name != "id" {
						send("an id of nothing in "+f.Name, jsonType, mustJSON(t, withField(good, f.Name, heard.NewID())), 0)
					}
				}
			}
			if after := matrixSnapshot(t, w.store); after != before {
				t.Errorf("bad requests changed the database: %s", matrixDiff(before, after))
				// Send each again alone to name the ones that change things.
				state := after
				for _, b := range sent {
					w.validationSend(rt.Method, path, token, b.contentType, b.body)
					if now := matrixSnapshot(t, w.store); now != state {
						t.Errorf("... %q changed %s", b.what, matrixDiff(state, now))
						state = now
					}
				}
			}
		})
	}
}

// segmentOf is the value of :param in a path made from pattern.
func segmentOf(pattern, segments []string, param string) string {
	for i, p := range pattern {
		if p == ":"+param {
			return segments[i]
		}
	}
	return ""
}

func TestBadPathIDsAreRefusedAndChangeNothing(t *testing.T) {
	_, routes := validationRoutes(t)
	for _, rt := range routes {
		params := pathParams.FindAllStringSubmatch(rt.Path, -1)
		var ids []string
		for _, p := range params {
			if isIDParam(p[1]) {
				ids = append(ids, p[1])
			}
		}
		if len(ids) == 0 {
			continue
		}
		rt := rt
		t.Run(strings.ReplaceAll(rt.Method+" "+rt.Path, "/", "."), func(t *testing.T) {
			t.Parallel()
			w := matrixWorld(t)
			e := accessMatrix[rt.Method+" "+rt.Path]
			token, path, good := validationCaller(w, e)
			var body []byte
			if good != nil {
				body = mustJSON(t, good)
			}
			// Which segments of the good path are the ids.
			pattern := strings.Split(rt.Path, "/")
			segments := strings.Split(path, "/")
			if len(pattern) != len(segments) {
				t.Fatalf("the matrix path %s does not match %s", path, rt.Path)
			}
			before := matrixSnapshot(t, w.store)
			with := func(param, value string) string {
				out := append([]string{}, segments...)
				for i, p := range pattern {
					if p == ":"+param {
						out[i] = value
					}
				}
				return strings.Join(out, "/")
			}
			for _, param := range ids {
				for _, bad := range []string{"not-a-uuid", "1", strings.Repeat("a", 500), "00000000-0000-0000-0000-000000000000",
					"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "%7B%22$ne%22:null%7D", "..%2F..%2Fadmin", "%20",
					// One written form only: the real id in capitals, in braces, without dashes.
					strings.ToUpper(segmentOf(pattern, segments, param)), "%7B" + segmentOf(pattern, segments, param) + "%7D",
					strings.ReplaceAll(segmentOf(pattern, segments, param), "-", "")} {
					r := w.validationSend(rt.Method, with(param, bad), token, "application/json", body)
					if r.Status != 400 || r.ErrorCode() != "validation_failed" || r.Field(param) != "id_format" {
						t.Errorf("%s = %q: want 400 id_format, got %d %s", param, bad, r.Status, r.Raw)
					}
				}
				// Ids that could be Heard's but name nothing.
				for _, none := range []string{heard.NewID()} {
					r := w.validationSend(rt.Method, with(param, none), token, "application/json", body)
					if r.Status != 404 || r.ErrorCode() != "not_found" {
						t.Errorf("%s of nothing (%s): want 404 not_found, got %d %s", param, none, r.Status, r.Raw)
					}
				}
			}
			if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
				t.Errorf("bad ids changed the database: %s", d)
			}
			// Another area's id, through the same caller.
			other := matrixCall{W: w, Role: heard.RoleAdministrator, Target: targetOtherArea, Seq: 2000}
			for _, role := range matrixRoles {
				if e.allowed(role, targetOwn) {
					other.Role = role
					break
				}
			}
			// A public route has no caller whose area could be crossed (the
			// lock screen's help numbers are any phone's own area's).
			if e.Request != nil && !e.Public {
				otherPath, otherBody := e.Request(other)
				if otherPath != path {
					var ob []byte
					if otherBody != nil {
						ob = mustJSON(t, otherBody)
					}
					before = matrixSnapshot(t, w.store) // the request builder may have added fixtures
					r := w.validationSend(rt.Method, otherPath, token, "application/json", ob)
					if r.Status != 404 || r.ErrorCode() != "not_found" {
						t.Errorf("another area's id: want 404 not_found, got %d %s", r.Status, r.Raw)
					}
				}
			}
			if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
				t.Errorf("bad ids changed the database: %s", d)
			}
		})
	}
}

func TestHugeBodiesAreRefusedWith413(t *testing.T) {
	const limit = 4 << 10
	w := newWorld(t, func(c *Config) { c.BodyLimit = limit })
	base := foundListen(t, w)
	client := &http.Client{Timeout: 10 * time.Second}
	_, routes := validationRoutes(t)
	checked := 0
	for _, rt := range routes {
		if rt.Doc.Request == nil {
			continue
		}
		e := accessMatrix[rt.Method+" "+rt.Path]
		token, path, good := validationCaller(w, e)
		before := matrixSnapshot(t, w.store) // after the request builder's fixtures
		huge := withField(good, "padding", strings.Repeat("x", 2*limit))
		req, err := http.NewRequest(rt.Method, base+path, bytes.NewReader(mustJSON(t, huge)))
		must(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", rt.Method, rt.Path, err)
			continue
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		e2, _ := body["error"].(map[string]any)
		if res.StatusCode != 413 || e2["code"] != "body_too_large" {
			t.Errorf("%s %s with %d bytes: want 413 body_too_large, got %d %s", rt.Method, rt.Path, 2*limit, res.StatusCode, raw)
		}
		if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
			t.Errorf("%s %s: a refused huge body changed %s", rt.Method, rt.Path, d)
		}
		checked++
	}
	if checked < 15 {
		t.Fatalf("only %d routes with bodies were tried", checked)
	}
	// Just under the limit is still read (and refused for its own reasons, not its size).
	token, _, _ := validationCaller(w, accessMatrix["PATCH /api/me"])
	req, _ := http.NewRequest("PATCH", base+"/api/me", strings.NewReader(`{"language":"`+strings.Repeat("x", limit-100)+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("a body under the limit: %d, want 400 for the unsupported language", res.StatusCode)
	}
}

// TestFieldRules checks the meaning of the foundation's fields, beyond their types.
func TestFieldRules(t *testing.T) {
	w := matrixWorld(t)
	admin, kw := w.tokenFor(w.A.Admin), w.tokenFor(w.A.KW1)
	yp := "/api/young-people/" + w.A.YP1.ID
	tomorrow := w.clock.Now().Add(24 * time.Hour)
	contacts := heard.DefaultCrisisContacts()
	area := func(change func(map[string]any)) map[string]any {
		m := map[string]any{"urgentToDutyMinutes": 15, "dutyToManagerMinutes": 15, "concerningAfterMinutes": 240, "crisisContacts": contacts, "languages": []string{"en"}}
		change(m)
		return m
	}
	before := matrixSnapshot(t, w.store)
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		field, problem            string
	}{
		{"email without @", "POST", "/api/auth/login", "", map[string]string{"email": "kim", "password": "x"}, "email", "email_format"},
		{"no password", "POST", "/api/auth/login", "", map[string]string{"email": "kim@a.test"}, "password", "required"},
		{"code with letters that are never used", "POST", "/api/auth/join", "", map[string]string{"code": "BDEG-1234", "pin": "1234"}, "code", "code_format"},
		{"three-digit PIN", "POST", "/api/auth/join", "", map[string]string{"code": "KFRW-4829", "pin": "123"}, "pin", "pin_format"},
		{"unlock with letters in the PIN", "POST", "/api/auth/unlock", "", map[string]string{"deviceId": heard.NewID(), "deviceSecret": "s", "pin": "12ab"}, "pin", "pin_format"},
		{"unlock without the phone's secret", "POST", "/api/auth/unlock", "", map[string]string{"deviceId": heard.NewID(), "pin": "1234"}, "deviceSecret", "required"},
		{"refresh without a token", "POST", "/api/auth/refresh", "", map[string]string{}, "refreshToken", "required"},
		{"a reset code of the wrong shape", "POST", "/api/auth/password", "", map[string]string{"code": "KFRW-4829", "newPassword": "long enough pw"}, "code", "code_format"},
		{"a short new password with a reset code", "POST", "/api/auth/password", "", map[string]string{"code": "KFRW-4829-HMAC-2345", "newPassword": "short"}, "newPassword", "password_length"},
		{"an administrator resetting their own password", "POST", "/api/admin/staff/" + w.A.Admin.ID + "/password-reset", admin, nil, "id", "own_account"},
		{"sign out without a token", "POST", "/api/auth/logout", "", map[string]string{}, "refreshToken", "required"},
		{"a language Heard does not speak", "PATCH", "/api/me", kw, map[string]string{"language": "xx"}, "language", "unsupported_language"},
		{"no language", "PATCH", "/api/me", kw, map[string]string{}, "language", "unsupported_language"},
		{"young person without a name", "POST", "/api/young-people", kw, map[string]string{"firstName": "  "}, "firstName", "length"},
		{"young person in another area's team", "POST", "/api/young-people", admin, map[string]string{"firstName": "Sam", "teamId": w.B.Social.ID}, "teamId", "unknown"},
		{"a key worker adding someone for a colleague", "POST", "/api/young-people", kw, map[string]string{"firstName": "Sam", "keyWorkerId": w.A.KW2.ID}, "keyWorkerId", "not_allowed"},
		{"an administrator naming a manager as key worker", "POST", "/api/young-people", admin, map[string]string{"firstName": "Sam", "teamId": w.A.Social.ID, "keyWorkerId": w.A.Manager.ID}, "keyWorkerId", "unknown"},
		{"move in the past", "POST", yp + "/moves", kw, map[string]string{"placementId": w.A.Oak.ID, "date": "2026-11-01"}, "date", "range"},
		{"move three years away", "POST", yp + "/moves", kw, map[string]string{"placementId": w.A.Oak.ID, "date": "2029-11-01"}, "date", "range"},
		{"move date as a time", "POST", yp + "/moves", kw, map[string]string{"placementId": w.A.Oak.ID, "date": "2026-11-20T10:00:00Z"}, "date", "date_format"},
		{"move to another area's home", "POST", yp + "/moves", kw, map[string]string{"placementId": w.B.Oak.ID, "date": "2026-11-20"}, "placementId", "unknown"},
		{"team without a service", "POST", "/api/admin/teams", admin, map[string]string{"name": "New"}, "service", "one_of"},
		{"placement of an unknown type", "POST", "/api/admin/placements", admin, map[string]string{"name": "New", "type": "castle"}, "type", "one_of"},
		{"short first password", "POST", "/api/admin/staff", admin, map[string]string{"name": "N", "email": "n@a.test", "password": "short", "role": "key_worker"}, "password", "password_length"},
		{"a young person's role for staff", "POST", "/api/admin/staff", admin, map[string]string{"name": "N", "email": "n@a.test", "password": "long enough pw", "role": "young_person"}, "role", "one_of"},
		{"placement staff without a placement", "POST", "/api/admin/staff", admin, map[string]string{"name": "N", "email": "n@a.test", "password": "long enough pw", "role": "placement_staff"}, "placementId", "required"},
		{"another area's placement", "POST", "/api/admin/staff", admin, map[string]string{"name": "N", "email": "n@a.test", "password": "long enough pw", "role": "placement_staff", "placementId": w.B.Oak.ID}, "placementId", "unknown"},
		{"nothing to change", "PATCH", "/api/admin/staff/" + w.A.KW1.ID, admin, map[string]any{}, "body", "nothing_to_change"},
		{"hours that end before they start", "PATCH", "/api/admin/staff/" + w.A.KW1.ID, admin, map[string]any{"hours": []map[string]int{{"weekday": 1, "start": 600, "end": 540}}}, "hours", "hours_range"},
		{"hours on day 9", "PATCH", "/api/admin/staff/" + w.A.KW1.ID, admin, map[string]any{"hours": []map[string]int{{"weekday": 9, "start": 540, "end": 600}}}, "hours", "hours_range"},
		{"assigning a duty worker as key worker", "POST", "/api/admin/assignments", admin, map[string]string{"youngPersonId": w.A.YP1.ID, "staffId": w.A.Duty.ID}, "staffId", "not_a_key_worker"},
		{"a commissioner on duty", "POST", "/api/admin/duty-rota", admin, map[string]any{"staffId": w.A.Commish.ID, "start": tomorrow, "end": tomorrow.Add(time.Hour)}, "staffId", "cannot_be_on_duty"},
		{"a shift that ends before it starts", "POST", "/api/admin/duty-rota", admin, map[string]any{"staffId": w.A.Duty.ID, "start": tomorrow, "end": tomorrow.Add(-time.Hour)}, "end", "range"},
		{"a shift of two weeks", "POST", "/api/admin/duty-rota", admin, map[string]any{"staffId": w.A.Duty.ID, "start": tomorrow, "end": tomorrow.Add(14 * 24 * time.Hour)}, "end", "range"},
		{"escalation after 0 minutes", "PUT", "/api/admin/area", admin, area(func(m map[string]any) { m["urgentToDutyMinutes"] = 0 }), "urgentToDutyMinutes", "range"},
		{"no crisis contacts", "PUT", "/api/admin/area", admin, area(func(m map[string]any) { m["crisisContacts"] = []any{} }), "crisisContacts", "count"},
		{"a crisis number with letters", "PUT", "/api/admin/area", admin, area(func(m map[string]any) {
			m["crisisContacts"] = []map[string]string{{"label": "Line", "number": "call us", "kind": "call"}}
		}), "crisisContacts.number", "phone_format"},
		{"no languages", "PUT", "/api/admin/area", admin, area(func(m map[string]any) { m["languages"] = []string{} }), "languages", "required"},
	} {
		r := w.call(tc.method, tc.path, tc.token, tc.body)
		if r.Status != 400 || r.ErrorCode() != "validation_failed" || r.Field(tc.field) != tc.problem {
			t.Errorf("%s: want 400 with %s=%s, got %d %s", tc.name, tc.field, tc.problem, r.Status, r.Raw)
		}
	}
	for _, q := range []string{"from=yesterday", "to=2026-13-01T00:00:00Z", "from=2026-11-10T00:00:00Z&to=2026-11-01T00:00:00Z", "from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z"} {
		r := w.call("GET", "/api/admin/duty-rota?"+q, admin, nil)
		w.expect(r, 400, "validation_failed")
	}
	if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
		t.Errorf("refused requests changed the database: %s", d)
	}
	// Conflicts are 409s in the same shape.
	w.expect(w.call("POST", "/api/admin/teams", admin, map[string]string{"name": w.A.Social.Name, "service": "camhs"}), 409, "conflict")
	r := w.call("POST", "/api/admin/staff", admin, map[string]string{"name": "N", "email": strings.ToUpper(w.B.KW1.Email), "password": "long enough pw", "role": "key_worker"})
	w.expect(r, 409, "email_taken")
	// The area's name can be changed, and is kept.
	w.expect(w.call("PUT", "/api/admin/area", admin, area(func(m map[string]any) { m["name"] = "Riverside" })), 200, "")
	if got := w.call("GET", "/api/admin/area", admin, nil); got.Body["name"] != "Riverside" {
		t.Fatalf("the new name was not kept: %s", got.Raw)
	}
}

// decodeTarget has a field of each kind a request body holds.
type decodeTarget struct {
	Name  string              `json:"name"`
	Count int                 `json:"count"`
	On    *bool               `json:"on"`
	Tags  []string            `json:"tags"`
	At    time.Time           `json:"at"`
	Hours []heard.Hours       `json:"hours"`
	Role  heard.Role          `json:"role"`
	Inner *struct{ X string } `json:"inner"`
}

// FuzzDecode feeds decode any bytes and content type: it must never panic, and
// must either accept a single JSON object or refuse with a 4xx in Heard's shape.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{`{"name":"a","count":2,"on":true,"tags":["x"],"at":"2026-11-02T10:00:00Z","hours":[{"weekday":1,"start":540,"end":600}]}`,
		`{"name":1}`, `{"surprise":1}`, `[]`, `null`, `{} {}`, `{"a":`, ``, `  `, `"x"`, `{"count":1e400}`, `{"inner":{"X":"y","Z":1}}`, "\xff\xfe"} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Add([]byte(`{}`), "application/json; charset=utf-8")
	app := fiber.New()
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		fc := &fasthttp.RequestCtx{}
		fc.Request.SetBody(body)
		fc.Request.Header.SetContentType(contentType)
		c := app.AcquireCtx(fc)
		defer app.ReleaseCtx(c)
		var v decodeTarget
		err := decode(c, &v)
		if err == nil {
			if !strings.HasPrefix(strings.ToLower(contentType), "application/json") {
				t.Fatalf("accepted content type %q", contentType)
			}
			trimmed := bytes.TrimSpace(body)
			if !json.Valid(trimmed) || !(bytes.HasPrefix(trimmed, []byte("{")) || bytes.Equal(trimmed, []byte("null"))) {
				t.Fatalf("accepted %q, which is not one JSON object", body)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Code == "" || e.Message == "" {
			t.Fatalf("decode(%q, %q) = %v; want a 4xx Error", body, contentType, err)
		}
		if e.Code != "invalid_json" && e.Code != "unsupported_media_type" && e.Code != "validation_failed" {
			t.Fatalf("unexpected code %q for %q", e.Code, body)
		}
	})
}
