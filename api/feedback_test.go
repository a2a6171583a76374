package api

import (
	"context"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"heard"
	"heard/notify"
	"heard/testkit"
)

func init() {
	keyWorker := []heard.Role{heard.RoleKeyWorker}
	youngPerson := []heard.Role{heard.RoleYoungPerson}
	registerMatrix("POST /api/young-people/:id/contacts", matrixEntry{Roles: keyWorker, Need: needKeyWorker, OK: 201,
		Request: func(m matrixCall) (string, any) {
			return "/api/young-people/" + m.YoungPerson().ID + "/contacts", map[string]any{"kind": "meeting"}
		}})
	registerMatrix("GET /api/me/feedback-requests", matrixEntry{Roles: youngPerson, Need: needNothing})
	// The young person answers a request made for the target: only their own.
	registerMatrix("POST /api/feedback", matrixEntry{Roles: youngPerson, OK: 201,
		Allow:   func(role heard.Role, target matrixTarget) bool { return target == targetOwn },
		Refused: map[matrixTarget]int{targetOtherCaseload: 404},
		Request: func(m matrixCall) (string, any) {
			y, kw := m.YoungPerson(), m.KeyWorker()
			logged, _, err := m.W.srv.cfg.Services.LogContact(context.Background(), heard.Principal{ID: kw.ID, AreaID: kw.AreaID, Role: kw.Role,
				Name: kw.Name, TeamID: kw.TeamID}, y.ID, heard.NewContact{Kind: heard.ContactMeeting})
			must(m.W.t, err)
			return "/api/feedback", feedbackBody(logged.Request.ID, "yes")
		}})
	registerMatrix("GET /api/young-people/:id/feedback", matrixEntry{Roles: keyWorker, Need: needKeyWorker,
		Request: func(m matrixCall) (string, any) { return "/api/young-people/" + m.YoungPerson().ID + "/feedback", nil }})
	registerMatrix("GET /api/feedback/follow-ups", matrixEntry{Roles: followUpRoles, Need: needNothing})
	// Closing a follow-up: the team's manager, or an administrator of the area.
	registerMatrix("POST /api/feedback/follow-ups/:id/done", matrixEntry{Roles: followUpRoles,
		Allow: func(role heard.Role, target matrixTarget) bool {
			return target == targetOwn || role == heard.RoleAdministrator && target == targetOtherCaseload
		},
		Request: func(m matrixCall) (string, any) {
			y := m.YoungPerson()
			f := heard.FollowUp{ID: heard.NewID(), AreaID: y.AreaID, YoungPersonID: y.ID, TeamID: m.Team().ID, AboutStaffID: m.KeyWorker().ID,
				CreatedAt: m.W.clock.Now()}
			_, err := m.W.store.CreateFollowUp(context.Background(), f)
			must(m.W.t, err)
			return "/api/feedback/follow-ups/" + f.ID + "/done", nil
		}})
}

// feedbackWorld is the test world with the real notify service as its notifier,
// so notifications land in the real outbox.
func feedbackWorld(t *testing.T) *world {
	t.Helper()
	private, public, err := webpush.GenerateVAPIDKeys()
	must(t, err)
	return newWorld(t, func(c *Config) {
		svc, err := notify.New(notify.Config{Store: c.Store, Log: testkit.Quiet(), Clock: c.Clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
			Subject: "feedback@heard.test", Instance: "feedback-test"})
		must(t, err)
		c.Notifier = svc
	})
}

// feedbackOutbox lists the notifications waiting in the real outbox (no
// dispatcher runs in these tests) for a recipient.
func (w *world) feedbackOutbox(recipient string) []heard.Notification {
	w.t.Helper()
	all, err := w.store.PendingNotifications(context.Background(), 1000)
	must(w.t, err)
	var out []heard.Notification
	for _, n := range all {
		if n.RecipientID == recipient {
			out = append(out, n)
		}
	}
	return out
}

// feedbackLog logs a contact as a staff member and returns the response.
func (w *world) feedbackLog(st heard.Staff, y heard.YoungPerson, body map[string]any) response {
	w.t.Helper()
	return w.call("POST", "/api/young-people/"+y.ID+"/contacts", w.tokenFor(st), body)
}

// feedbackRequest logs a meeting with the young person's key worker and returns the request id.
func (w *world) feedbackRequest(f areaFixture, kw heard.Staff, y heard.YoungPerson) string {
	w.t.Helper()
	r := w.feedbackLog(kw, y, map[string]any{"kind": "meeting"})
	w.expect(r, 201, "")
	return r.Body["request"].(map[string]any)["id"].(string)
}

func feedbackBody(requestID, listened string) map[string]any {
	return map[string]any{"id": heard.NewID(), "requestId": requestID, "listened": listened, "serious": "a_bit", "hadSay": "yes", "experience": "good"}
}

func TestFeedbackContactAsksTheYoungPerson(t *testing.T) {
	w := feedbackWorld(t)
	id := heard.NewID()
	r := w.feedbackLog(w.A.KW1, w.A.YP1, map[string]any{"id": id, "kind": "review", "date": "2026-10-30"})
	w.expect(r, 201, "")
	req := r.Body["request"].(map[string]any)
	reqID := req["id"].(string)
	contact := r.Body["contact"].(map[string]any)
	if contact["service"] != "social_care" || contact["kind"] != "review" || !strings.HasPrefix(contact["date"].(string), "2026-10-30") {
		t.Errorf("contact: %v", contact)
	}
	if req["expiresAt"] != w.clock.Now().Add(14*24*time.Hour).Format(time.RFC3339) {
		t.Errorf("expires %v", req["expiresAt"])
	}
	// The young person is asked by push, through the real outbox...
	out := w.feedbackOutbox(w.A.YP1.ID)
	if len(out) != 1 || out[0].Type != "feedback_request" || out[0].Link != "/#/feedback/"+reqID {
		t.Fatalf("outbox: %+v", out)
	}
	// ...and in the app.
	r = w.call("GET", "/api/me/feedback-requests", w.youngToken(w.A, w.A.YP1), nil)
	w.expect(r, 200, "")
	if items := r.Items(); len(items) != 1 || items[0]["id"] != reqID || items[0]["workerName"] != "Kim" || items[0]["kind"] != "review" {
		t.Fatalf("requests: %s", r.Raw)
	}
	// A retry of the same contact changes nothing.
	r = w.feedbackLog(w.A.KW1, w.A.YP1, map[string]any{"id": id, "kind": "review", "date": "2026-10-30"})
	w.expect(r, 200, "")
	if r.Body["request"].(map[string]any)["id"] != reqID || len(w.feedbackOutbox(w.A.YP1.ID)) != 1 {
		t.Fatal("a retry made a second request or notification")
	}
	// Nobody else sees the request.
	for _, y := range []heard.YoungPerson{w.A.YP2, w.A.YP3} {
		if r := w.call("GET", "/api/me/feedback-requests", w.youngToken(w.A, y), nil); len(r.Items()) != 0 {
			t.Errorf("%s sees another young person's request", y.FirstName)
		}
	}
	// The contact's service can be another one; the request is counted once.
	r = w.feedbackLog(w.A.KW1, w.A.YP1, map[string]any{"kind": "appointment", "service": "camhs"})
	w.expect(r, 201, "")
	if got := w.cardsCounters(w.A, "feedback_requests"); got["review"] != 1 || got["appointment"] != 1 {
		t.Errorf("counted requests: %v", got)
	}
}

func TestFeedbackContactAccess(t *testing.T) {
	w := feedbackWorld(t)
	body := map[string]any{"kind": "meeting"}
	cases := []struct {
		name   string
		st     heard.Staff
		y      heard.YoungPerson
		status int
		code   string
	}{
		{"another key worker's young person", w.A.KW2, w.A.YP1, 403, "forbidden"},
		{"own area, own role, not on the caseload", w.A.KW1, w.A.YP3, 403, "forbidden"},
		{"another area", w.B.KW1, w.A.YP1, 404, "not_found"},
		{"team manager", w.A.Manager, w.A.YP1, 403, "forbidden"},
		{"administrator", w.A.Admin, w.A.YP1, 403, "forbidden"},
		{"commissioner", w.A.Commish, w.A.YP1, 403, "forbidden"},
		{"duty worker", w.A.Duty, w.A.YP1, 403, "forbidden"},
		{"placement staff", w.A.OakStaff, w.A.YP1, 403, "forbidden"},
	}
	for _, c := range cases {
		r := w.feedbackLog(c.st, c.y, body)
		if r.Status != c.status || r.ErrorCode() != c.code {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
		}
	}
	if r := w.call("POST", "/api/young-people/"+w.A.YP1.ID+"/contacts", w.youngToken(w.A, w.A.YP1), body); r.Status != 403 {
		t.Errorf("a young person logging a contact: %d", r.Status)
	}
	if r := w.call("POST", "/api/young-people/"+w.A.YP1.ID+"/contacts", "", body); r.Status != 401 {
		t.Errorf("no token: %d", r.Status)
	}
	// Another key worker reusing a contact id does not get its request.
	id := heard.NewID()
	w.expect(w.feedbackLog(w.A.KW1, w.A.YP1, map[string]any{"id": id, "kind": "meeting"}), 201, "")
	w.expect(w.feedbackLog(w.A.KW2, w.A.YP3, map[string]any{"id": id, "kind": "meeting"}), 409, "conflict")
	if n := len(w.feedbackOutbox(w.A.YP3.ID)); n != 0 {
		t.Errorf("YP3 was asked about a contact that is not theirs: %d", n)
	}
}

func TestFeedbackContactValidation(t *testing.T) {
	w := feedbackWorld(t)
	cases := []struct {
		name  string
		body  any
		field string
		code  string
	}{
		{"no kind", map[string]any{}, "kind", "one_of"},
		{"unknown kind", map[string]any{"kind": "party"}, "kind", "one_of"},
		{"unknown service", map[string]any{"kind": "visit", "service": "school"}, "service", "one_of"},
		{"bad date", map[string]any{"kind": "visit", "date": "2/11/2026"}, "date", "date_format"},
		{"future date", map[string]any{"kind": "visit", "date": "2026-11-03"}, "date", "range"},
		{"too long ago", map[string]any{"kind": "visit", "date": "2026-10-02"}, "date", "range"},
		{"bad id", map[string]any{"kind": "visit", "id": "123"}, "id", "id_format"},
		{"unknown field", map[string]any{"kind": "visit", "note": "hi"}, "note", "unknown_field"},
		{"wrong type", map[string]any{"kind": 3}, "kind", "wrong_type"},
		{"not json", "kind=visit", "", "invalid_json"},
	}
	for _, c := range cases {
		r := w.call("POST", "/api/young-people/"+w.A.YP1.ID+"/contacts", w.tokenFor(w.A.KW1), c.body)
		if r.Status != 400 || r.ErrorCode() != c.code && r.ErrorCode() != "validation_failed" || c.field != "" && r.Field(c.field) != c.code {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
		}
	}
	if r := w.call("POST", "/api/young-people/not-an-id/contacts", w.tokenFor(w.A.KW1), map[string]any{"kind": "visit"}); r.Status != 400 || r.Field("id") != "id_format" {
		t.Errorf("bad path id: %s", r.Raw)
	}
	// 30 days ago is still fine. Nothing was stored by the refused requests.
	w.expect(w.feedbackLog(w.A.KW1, w.A.YP1, map[string]any{"kind": "visit", "date": "2026-10-03"}), 201, "")
	if got := w.cardsCounters(w.A, "feedback_requests"); got["visit"] != 1 || len(got) != 1 {
		t.Errorf("counted: %v", got)
	}
}

func TestFeedbackAnswerOnceAndExpiry(t *testing.T) {
	w := feedbackWorld(t)
	yp := w.youngToken(w.A, w.A.YP1)
	reqID := w.feedbackRequest(w.A, w.A.KW1, w.A.YP1)
	body := feedbackBody(reqID, "yes")
	r := w.call("POST", "/api/feedback", yp, body)
	w.expect(r, 201, "")
	if r.Body["sharedWithWorker"] != false || r.Body["requestId"] != reqID {
		t.Errorf("stored: %s", r.Raw)
	}
	// The phone retries: same answer, 200, counted once.
	w.expect(w.call("POST", "/api/feedback", yp, body), 200, "")
	// A second answer is refused.
	w.expect(w.call("POST", "/api/feedback", yp, feedbackBody(reqID, "no")), 409, "already_answered")
	if got := w.cardsCounters(w.A, "esq_listened"); got["yes"] != 1 || len(got) != 1 {
		t.Errorf("counted: %v", got)
	}
	if r := w.call("GET", "/api/me/feedback-requests", yp, nil); len(r.Items()) != 0 {
		t.Error("an answered request is still waiting")
	}
	// Another young person cannot answer it.
	other := w.feedbackRequest(w.A, w.A.KW1, w.A.YP1)
	w.expect(w.call("POST", "/api/feedback", w.youngToken(w.A, w.A.YP2), feedbackBody(other, "yes")), 404, "not_found")
	w.expect(w.call("POST", "/api/feedback", w.youngToken(w.B, w.B.YP1), feedbackBody(other, "yes")), 404, "not_found")
	// Fourteen days on, it has closed.
	w.clock.Advance(14 * 24 * time.Hour)
	yp = w.youngToken(w.A, w.A.YP1) // a fresh session
	w.expect(w.call("POST", "/api/feedback", yp, feedbackBody(other, "yes")), 410, "request_expired")
	if r := w.call("GET", "/api/me/feedback-requests", yp, nil); len(r.Items()) != 0 {
		t.Error("an expired request is still waiting")
	}
	// Feedback at any time still works, about any service.
	anyTime := map[string]any{"service": "camhs", "listened": "a_bit", "serious": "yes", "hadSay": "not_sure", "experience": "dont_know"}
	r = w.call("POST", "/api/feedback", yp, anyTime)
	w.expect(r, 201, "")
	if got := w.cardsCounters(w.A, "feedback_answers"); got[""] != 2 {
		t.Errorf("answers counted: %v", got)
	}
	if got := w.cardsCounters(w.A, "feedback_responses"); got["meeting"] != 1 {
		t.Errorf("responses counted: %v", got)
	}
}

func TestFeedbackAnswerValidation(t *testing.T) {
	w := feedbackWorld(t)
	yp := w.youngToken(w.A, w.A.YP1)
	reqID := w.feedbackRequest(w.A, w.A.KW1, w.A.YP1)
	with := func(change map[string]any) map[string]any {
		b := feedbackBody(reqID, "yes")
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	cases := []struct {
		name  string
		body  any
		field string
		code  string
	}{
		{"no listened", with(map[string]any{"listened": nil}), "listened", "one_of"},
		{"unknown serious", with(map[string]any{"serious": "maybe"}), "serious", "one_of"},
		{"no had say", with(map[string]any{"hadSay": nil}), "hadSay", "one_of"},
		{"unknown experience", with(map[string]any{"experience": "fine"}), "experience", "one_of"},
		{"follow-up after yes", with(map[string]any{"followUp": true}), "followUp", "only_when_not_listened"},
		{"501 characters", with(map[string]any{"words": strings.Repeat("x", 501)}), "words", "length"},
		{"bad answer id", with(map[string]any{"id": "abc"}), "id", "id_format"},
		{"bad request id", with(map[string]any{"requestId": "abc"}), "requestId", "id_format"},
		{"another service than the request's", with(map[string]any{"service": "camhs"}), "service", "not_the_request_service"},
		{"any time without a service", with(map[string]any{"requestId": nil}), "service", "required"},
		{"any time, unknown service", with(map[string]any{"requestId": nil, "service": "school"}), "service", "one_of"},
		{"share as a string", with(map[string]any{"shareWithWorker": "yes"}), "shareWithWorker", "wrong_type"},
		{"unknown field", with(map[string]any{"youngPersonId": w.A.YP2.ID}), "youngPersonId", "unknown_field"},
		{"not json", "listened=yes", "", "invalid_json"},
	}
	for _, c := range cases {
		r := w.call("POST", "/api/feedback", yp, c.body)
		if r.Status != 400 || c.field != "" && r.Field(c.field) != c.code || c.field == "" && r.ErrorCode() != c.code {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Raw)
		}
	}
	if got := w.cardsCounters(w.A, "feedback_answers"); len(got) != 0 {
		t.Errorf("refused answers were counted: %v", got)
	}
	// Staff cannot answer.
	for _, st := range []heard.Staff{w.A.KW1, w.A.Manager, w.A.Commish, w.A.Admin} {
		if r := w.call("POST", "/api/feedback", w.tokenFor(st), feedbackBody(reqID, "yes")); r.Status != 403 {
			t.Errorf("%s answered: %d", st.Role, r.Status)
		}
	}
	// 500 characters are fine, in any script.
	w.expect(w.call("POST", "/api/feedback", yp, with(map[string]any{"words": strings.Repeat("ش", 500)})), 201, "")
	// A young person with no key worker cannot share with one.
	ctx := context.Background()
	loner := heard.YoungPerson{ID: heard.NewID(), AreaID: w.A.Area.ID, FirstName: "Lou", Language: "en", TeamID: w.A.Social.ID, Service: heard.ServiceSocialCare}
	must(t, w.store.CreateYoungPerson(ctx, loner))
	d := heard.Device{ID: heard.NewID(), AreaID: w.A.Area.ID, YoungPersonID: loner.ID, Name: "Phone", SecretHash: heard.HashSecret("s"), PINHash: fixtureHash}
	must(t, w.store.CreateDevice(ctx, d))
	w.A.Devices[loner.ID] = d
	r := w.call("POST", "/api/feedback", w.youngToken(w.A, loner), map[string]any{"service": "other", "listened": "yes", "serious": "yes",
		"hadSay": "yes", "experience": "good", "shareWithWorker": true})
	if r.Status != 400 || r.Field("shareWithWorker") != "no_worker" {
		t.Errorf("share with no worker: %s", r.Raw)
	}
}

func TestFeedbackWorkerSeesOnlySharedAnswers(t *testing.T) {
	w := feedbackWorld(t)
	yp := w.youngToken(w.A, w.A.YP1)
	shared := feedbackBody(w.feedbackRequest(w.A, w.A.KW1, w.A.YP1), "a_bit")
	shared["shareWithWorker"], shared["words"] = true, "Thanks for listening"
	r := w.call("POST", "/api/feedback", yp, shared)
	w.expect(r, 201, "")
	if r.Body["workerName"] != "Kim" {
		t.Errorf("who can see it: %s", r.Raw)
	}
	private := feedbackBody(w.feedbackRequest(w.A, w.A.KW1, w.A.YP1), "no")
	private["words"] = "private words nobody should read"
	w.expect(w.call("POST", "/api/feedback", yp, private), 201, "")

	r = w.call("GET", "/api/young-people/"+w.A.YP1.ID+"/feedback", w.tokenFor(w.A.KW1), nil)
	w.expect(r, 200, "")
	if items := r.Items(); len(items) != 1 || items[0]["id"] != heard.StoredAnswerID(w.A.YP1.ID, shared["id"].(string), false) || items[0]["words"] != "Thanks for listening" {
		t.Fatalf("worker's view: %s", r.Raw)
	}
	if strings.Contains(string(r.Raw), "private words") {
		t.Fatal("an anonymous answer reached the worker")
	}
	// Reading shared answers is audit-logged.
	entries, err := w.store.AuditLog(context.Background(), w.A.Area.ID, 50)
	must(t, err)
	found := false
	for _, e := range entries {
		found = found || e.Action == "shared_feedback_read" && e.ActorID == w.A.KW1.ID && e.YoungPersonID == w.A.YP1.ID
	}
	if !found {
		t.Error("no audit entry")
	}
	// Nobody else reads them.
	for _, c := range []struct {
		st     heard.Staff
		status int
	}{{w.A.KW2, 403}, {w.A.Manager, 403}, {w.A.Admin, 403}, {w.A.Commish, 403}, {w.A.Duty, 403}, {w.B.KW1, 404}} {
		if r := w.call("GET", "/api/young-people/"+w.A.YP1.ID+"/feedback", w.tokenFor(c.st), nil); r.Status != c.status {
			t.Errorf("%s of %s: %d", c.st.Role, c.st.AreaID[:4], r.Status)
		}
	}
	// A new key worker does not see what was shared with the last one.
	_, err = w.store.Assign(context.Background(), w.A.Area.ID, w.A.YP1.ID, w.A.KW2.ID)
	must(t, err)
	r = w.call("GET", "/api/young-people/"+w.A.YP1.ID+"/feedback", w.tokenFor(w.A.KW2), nil)
	w.expect(r, 200, "")
	if len(r.Items()) != 0 {
		t.Errorf("the new worker sees answers shared with the old one: %s", r.Raw)
	}
}

func TestFeedbackFollowUpGoesToTheManagerNeverTheWorker(t *testing.T) {
	w := feedbackWorld(t)
	yp := w.youngToken(w.A, w.A.YP1)
	body := feedbackBody(w.feedbackRequest(w.A, w.A.KW1, w.A.YP1), "no")
	body["followUp"], body["words"] = true, "Nobody let me speak"
	w.expect(w.call("POST", "/api/feedback", yp, body), 201, "")
	w.expect(w.call("POST", "/api/feedback", yp, body), 200, "") // a retry tells nobody twice

	if got := w.feedbackOutbox(w.A.Manager.ID); len(got) != 1 || got[0].Type != "feedback_follow_up" || got[0].Link != "/#/follow-ups/"+heard.StoredAnswerID(w.A.YP1.ID, body["id"].(string), false) {
		t.Fatalf("manager's outbox: %+v", got)
	}
	for _, n := range w.feedbackOutbox(w.A.KW1.ID) {
		if n.Type == "feedback_follow_up" {
			t.Fatal("the worker the answer is about was told")
		}
	}
	if got := w.feedbackOutbox(w.A.Admin.ID); len(got) != 0 {
		t.Errorf("administrators told although the team has a manager: %+v", got)
	}
	// The manager sees who asked, and their answer.
	r := w.call("GET", "/api/feedback/follow-ups", w.tokenFor(w.A.Manager), nil)
	w.expect(r, 200, "")
	items := r.Items()
	if len(items) != 1 || items[0]["youngPerson"].(map[string]any)["name"] != "Yara a" ||
		items[0]["answer"].(map[string]any)["words"] != "Nobody let me speak" || items[0]["aboutWorker"].(map[string]any)["id"] != w.A.KW1.ID {
		t.Fatalf("follow-ups: %s", r.Raw)
	}
	fuID := items[0]["id"].(string)
	// Other roles and areas do not.
	for _, st := range []heard.Staff{w.A.KW1, w.A.KW2, w.A.Commish, w.A.Duty} {
		if r := w.call("GET", "/api/feedback/follow-ups", w.tokenFor(st), nil); r.Status != 403 {
			t.Errorf("%s listed follow-ups: %d", st.Role, r.Status)
		}
	}
	if r := w.call("GET", "/api/feedback/follow-ups", w.tokenFor(w.B.Manager), nil); len(r.Items()) != 0 {
		t.Error("another area's manager sees the follow-up")
	}
	w.expect(w.call("POST", "/api/feedback/follow-ups/"+fuID+"/done", w.tokenFor(w.B.Manager), nil), 404, "not_found")
	w.expect(w.call("POST", "/api/feedback/follow-ups/"+fuID+"/done", w.tokenFor(w.A.KW1), nil), 403, "forbidden")
	w.expect(w.call("POST", "/api/feedback/follow-ups/nope/done", w.tokenFor(w.A.Manager), nil), 400, "validation_failed")
	r = w.call("POST", "/api/feedback/follow-ups/"+fuID+"/done", w.tokenFor(w.A.Manager), nil)
	w.expect(r, 200, "")
	if r.Body["doneAt"] == nil || r.Body["doneByName"] != w.A.Manager.Name {
		t.Errorf("done: %s", r.Raw)
	}
}

func TestFeedbackFollowUpWhenTheManagerIsTheWorker(t *testing.T) {
	w := feedbackWorld(t)
	ctx := context.Background()
	// The social team's manager is YP2's key worker: a follow-up about them goes
	// to the area's administrators.
	_, err := w.store.Assign(ctx, w.A.Area.ID, w.A.YP2.ID, w.A.Manager.ID)
	must(t, err)
	r := w.call("POST", "/api/feedback", w.youngToken(w.A, w.A.YP2), map[string]any{"service": "social_care", "listened": "no", "serious": "no",
		"hadSay": "no", "experience": "poor", "followUp": true})
	w.expect(r, 201, "")
	if got := w.feedbackOutbox(w.A.Admin.ID); len(got) != 1 || got[0].Type != "feedback_follow_up" {
		t.Fatalf("administrator's outbox: %+v", got)
	}
	if got := w.feedbackOutbox(w.A.Manager.ID); len(got) != 0 {
		t.Fatalf("the manager the answer is about was told: %+v", got)
	}
	if r := w.call("GET", "/api/feedback/follow-ups", w.tokenFor(w.A.Manager), nil); len(r.Items()) != 0 {
		t.Error("the manager sees a follow-up about themself")
	}
	r = w.call("GET", "/api/feedback/follow-ups", w.tokenFor(w.A.Admin), nil)
	if len(r.Items()) != 1 {
		t.Fatalf("administrator's list: %s", r.Raw)
	}
	if r := w.call("POST", "/api/feedback/follow-ups/"+r.Items()[0]["id"].(string)+"/done", w.tokenFor(w.A.Manager), nil); r.Status != 403 {
		t.Errorf("the manager closed a follow-up about themself: %d", r.Status)
	}
}
