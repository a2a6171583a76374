package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"heard"
)

// Moves in the access matrix (matrixWorld): A.YP1 is moving to Oak of area A
// (confirmed), A.YP3 to Willow (planned, not shared), B.YP1 to Oak of area B.

// Move is the target young person's move.
func (m matrixCall) Move() heard.Move {
	y := m.YoungPerson()
	moves, err := m.W.store.MovesOf(context.Background(), y.AreaID, y.ID)
	must(m.W.t, err)
	if len(moves) == 0 { // a world without moves (newWorld): one as matrixWorld makes
		now := m.W.clock.Now()
		mv := heard.Move{ID: heard.NewID(), AreaID: y.AreaID, YoungPersonID: y.ID, PlacementID: m.Area().Oak.ID, Date: now.AddDate(0, 0, 14),
			Status: heard.MoveConfirmed, CreatedBy: m.KeyWorker().ID, CreatedAt: now}
		must(m.W.t, m.W.store.CreateMove(context.Background(), mv))
		return mv
	}
	return moves[0]
}

// ownMoveOnly: the young person reaches their own move only; another's is "not found".
var ownMoveOnly = map[matrixTarget]int{targetOtherCaseload: 404}

func youngPersonsOwn(role heard.Role, target matrixTarget) bool {
	return role == heard.RoleYoungPerson && target == targetOwn
}

func init() {
	registerMatrix("PUT /api/moves/:id/status", matrixEntry{Roles: keyWorkerOnly, Need: needKeyWorker,
		Request: func(m matrixCall) (string, any) {
			return "/api/moves/" + m.Move().ID + "/status", map[string]any{"status": "confirmed"}
		}})
	registerMatrix("PUT /api/moves/:id/day", matrixEntry{Roles: keyWorkerOnly, Need: needKeyWorker,
		Request: func(m matrixCall) (string, any) {
			return "/api/moves/" + m.Move().ID + "/day", heard.MoveDay{TakenBy: fmt.Sprint("Kim ", m.Seq), LeaveAt: "10:30", Journey: "About 40 minutes by car", MetBy: "Olu"}
		}})
	registerMatrix("GET /api/me/moves", matrixEntry{Roles: youngPersonOnly, Need: needNothing})
	registerMatrix("POST /api/me/moves/:id/opened", matrixEntry{Roles: youngPersonOnly, Allow: youngPersonsOwn, Refused: ownMoveOnly,
		Request: func(m matrixCall) (string, any) { return "/api/me/moves/" + m.Move().ID + "/opened", nil }})
	registerMatrix("POST /api/me/moves/:id/visit", matrixEntry{Roles: youngPersonOnly, Allow: youngPersonsOwn, Refused: ownMoveOnly,
		Request: func(m matrixCall) (string, any) { return "/api/me/moves/" + m.Move().ID + "/visit", nil }})
	registerMatrix("PUT /api/me/moves/:id/bring", matrixEntry{Roles: youngPersonOnly, Allow: youngPersonsOwn, Refused: ownMoveOnly,
		Request: func(m matrixCall) (string, any) {
			return "/api/me/moves/" + m.Move().ID + "/bring", map[string]any{"items": []string{"My football", fmt.Sprint("Photos ", m.Seq)}}
		}})
	registerMatrix("POST /api/me/moves/:id/questions", matrixEntry{Roles: youngPersonOnly, Allow: youngPersonsOwn, Refused: ownMoveOnly, OK: 201,
		Request: func(m matrixCall) (string, any) {
			return "/api/me/moves/" + m.Move().ID + "/questions", map[string]any{"id": heard.NewID(), "text": fmt.Sprint("Can I bring my bike? ", m.Seq)}
		}})
	registerMatrix("GET /api/me/moves/:id/questions", matrixEntry{Roles: youngPersonOnly, Allow: youngPersonsOwn, Refused: ownMoveOnly,
		Request: func(m matrixCall) (string, any) { return "/api/me/moves/" + m.Move().ID + "/questions", nil }})
	registerMatrix("GET /api/placement/questions", matrixEntry{Roles: placementStaffOnly, Need: needNothing})
	registerMatrix("PUT /api/placement/moves/:moveId/questions/:id/answer", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement,
		Request: func(m matrixCall) (string, any) {
			mv := m.Move()
			q, _, err := m.W.store.AddQuestion(context.Background(), mv, heard.Question{ID: heard.NewID(), Text: "Is there wifi?", AskedAt: m.W.clock.Now()})
			must(m.W.t, err)
			return "/api/placement/moves/" + mv.ID + "/questions/" + q.ID + "/answer", map[string]any{"text": fmt.Sprint("Yes, everywhere ", m.Seq)}
		}})
}

// TestMoveSharedPreviewedAndWithdrawn: a planned move is not shown to the
// young person; shared, it is, with the placement's page; placement staff
// see only a first name and the date until it is confirmed; cancelled, the
// preview and its photos are gone at once.
func TestMoveSharedPreviewedAndWithdrawn(t *testing.T) {
	w := newWorld(t)
	a := w.A
	kim, yp, oakStaff := w.tokenFor(a.KW1), w.youngToken(a, a.YP2), w.tokenFor(a.OakStaff)
	r := w.call(http.MethodPost, "/api/young-people/"+a.YP2.ID+"/moves", kim, map[string]any{"placementId": a.Oak.ID, "date": "2026-11-12"})
	w.expect(r, 201, "")
	moveID, _ := r.Body["id"].(string)
	previews := func() []map[string]any {
		r := w.call(http.MethodGet, "/api/me/moves", yp, nil)
		w.expect(r, 200, "")
		return r.Items()
	}
	if n := len(previews()); n != 0 {
		t.Fatalf("a planned move shows %d previews", n)
	}
	w.expect(w.call(http.MethodPost, "/api/me/moves/"+moveID+"/opened", yp, nil), 404, "not_found")
	w.expect(w.call(http.MethodPut, "/api/moves/"+moveID+"/status", kim, map[string]any{"status": "confirmed"}), 409, "move_status")
	w.expect(w.call(http.MethodPut, "/api/moves/"+moveID+"/status", kim, map[string]any{"status": "shared"}), 200, "")
	w.expect(w.call(http.MethodPut, "/api/moves/"+moveID+"/status", kim, map[string]any{"status": "shared"}), 200, "") // a second tap
	w.expect(w.call(http.MethodPut, "/api/moves/"+moveID+"/day", kim, map[string]any{"takenBy": "Kim", "leaveAt": "10:30", "journey": "40 minutes", "metBy": "Olu"}), 200, "")
	p := previews()
	if len(p) != 1 {
		t.Fatalf("a shared move shows %d previews", len(p))
	}
	mv, _ := p[0]["move"].(map[string]any)
	pl, _ := p[0]["placement"].(map[string]any)
	day, _ := mv["day"].(map[string]any)
	if mv["id"] != moveID || pl["name"] != a.Oak.Name || day["leaveAt"] != "10:30" || p[0]["keyWorker"] != "Kim" {
		t.Errorf("preview: %v", p[0])
	}
	// The placement sees the first name and date only.
	r = w.call(http.MethodGet, "/api/placement/moves", oakStaff, nil)
	w.expect(r, 200, "")
	for _, it := range r.Items() {
		if it["id"] == moveID && (it["youngPersonId"] != nil || it["firstName"] != a.YP2.FirstName) {
			t.Errorf("before confirmation the placement sees %v", it)
		}
	}
	w.expect(w.call(http.MethodGet, "/api/young-people/"+a.YP2.ID, oakStaff, nil), 403, "forbidden")
	// A question, answered by the placement.
	qid := heard.NewID()
	w.expect(w.call(http.MethodPost, "/api/me/moves/"+moveID+"/questions", yp, map[string]any{"id": qid, "text": "Can I bring my bike?"}), 201, "")
	w.expect(w.call(http.MethodPost, "/api/me/moves/"+moveID+"/questions", yp, map[string]any{"id": qid, "text": "Can I bring my bike?"}), 201, "")
	r = w.call(http.MethodGet, "/api/placement/questions", oakStaff, nil)
	if items := r.Items(); len(items) != 1 || items[0]["firstName"] != a.YP2.FirstName || items[0]["text"] != "Can I bring my bike?" {
		t.Fatalf("placement questions: %s", r.Raw)
	}
	w.expect(w.call(http.MethodPut, "/api/placement/moves/"+moveID+"/questions/"+qid+"/answer", oakStaff, map[string]any{"text": "Yes, there's a shed."}), 200, "")
	r = w.call(http.MethodGet, "/api/me/moves/"+moveID+"/questions", yp, nil)
	if items := r.Items(); len(items) != 1 || items[0]["answer"] != "Yes, there's a shed." || items[0]["answeredBy"] != "Olu" {
		t.Errorf("the young person's questions: %s", r.Raw)
	}
	// Cancelled: gone at once.
	w.expect(w.call(http.MethodPut, "/api/moves/"+moveID+"/status", kim, map[string]any{"status": "cancelled"}), 200, "")
	if n := len(previews()); n != 0 {
		t.Errorf("a cancelled move still shows %d previews", n)
	}
	w.expect(w.call(http.MethodGet, "/api/placements/"+a.Oak.ID, yp, nil), 403, "forbidden")
	w.expect(w.call(http.MethodGet, "/api/me/moves/"+moveID+"/questions", yp, nil), 404, "not_found")
	w.expect(w.call(http.MethodPut, "/api/moves/"+moveID+"/status", kim, map[string]any{"status": "shared"}), 409, "move_status")
}
