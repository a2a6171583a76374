package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"heard"
	"heard/store"
)

// cardsMatrixAckedCard is cardsMatrixCard, acknowledged by the target's key worker.
func cardsMatrixAckedCard(m matrixCall) string {
	id := cardsMatrixCard(m)
	_, _, err := m.W.store.AcknowledgeCard(context.Background(), m.Area().Area.ID, id, store.CardAcknowledgement{At: m.W.clock.Now(),
		By: m.KeyWorker().ID, ByName: "Kim", ByRole: heard.RoleKeyWorker})
	must(m.W.t, err)
	return id
}

func init() {
	// The card's young person, their key worker and a duty worker it was
	// escalated to may write; nobody else reaches the card.
	writers := func(role heard.Role, target matrixTarget) bool {
		return target == targetOwn && heard.Can(role, heard.RoleYoungPerson, heard.RoleKeyWorker, heard.RoleDutyWorker)
	}
	registerMatrix("POST /api/cards/:id/messages", matrixEntry{Roles: append([]heard.Role{heard.RoleYoungPerson}, cardReaders...), Allow: writers, OK: 201,
		Request: func(m matrixCall) (string, any) {
			return "/api/cards/" + cardsMatrixAckedCard(m) + "/messages", map[string]any{"id": heard.NewID(), "text": fmt.Sprint("message ", m.Seq)}
		}})
	registerMatrix("POST /api/cards/:id/looked", matrixEntry{Roles: []heard.Role{heard.RoleYoungPerson}, Need: needSelf, OK: 204,
		Request: func(m matrixCall) (string, any) { return "/api/cards/" + cardsMatrixAckedCard(m) + "/looked", nil }})
}

// TestCardMessagesRefuseBadBodies: bad messages get a clear 400 and add nothing.
func TestCardMessagesRefuseBadBodies(t *testing.T) {
	w := newWorld(t)
	id := cardsMatrixAckedCard(matrixCall{W: w, Role: heard.RoleKeyWorker, Target: targetOwn})
	path := "/api/cards/" + id + "/messages"
	kw, yp := w.tokenFor(w.A.KW1), w.youngToken(w.A, w.A.YP1)
	cases := []struct {
		token, who string
		body       any
		code       string
		field      string
		want       string
	}{
		{yp, "young person", map[string]any{"id": heard.NewID(), "text": ""}, "validation_failed", "text", "required"},
		{yp, "young person", map[string]any{"id": heard.NewID(), "text": strings.Repeat("x", heard.CardAnswerMaxChars+1)}, "validation_failed", "text", "too_long"},
		{yp, "young person", map[string]any{"id": heard.NewID(), "quickReply": "thank_you"}, "validation_failed", "quickReply", "not_allowed"},
		{yp, "young person", map[string]any{"id": "nope", "text": "hi"}, "validation_failed", "id", "id_format"},
		{kw, "key worker", map[string]any{"id": heard.NewID()}, "validation_failed", "text", "required"},
		{kw, "key worker", map[string]any{"id": heard.NewID(), "quickReply": "talk_at"}, "validation_failed", "at", "required"},
		{kw, "key worker", map[string]any{"id": heard.NewID(), "text": 5}, "validation_failed", "text", "wrong_type"},
		{kw, "key worker", "{", "invalid_json", "", ""},
	}
	for _, c := range cases {
		r := w.call("POST", path, c.token, c.body)
		if r.Status != 400 || r.ErrorCode() != c.code || c.field != "" && r.Field(c.field) != c.want {
			t.Errorf("%s %v: %d %s", c.who, c.body, r.Status, r.Raw)
		}
	}
	card, err := w.store.Card(context.Background(), w.A.Area.ID, id)
	must(t, err)
	if len(card.Messages) != 0 {
		t.Fatalf("refused messages were added: %+v", card.Messages)
	}
	// Before anyone has acknowledged a card, nobody can write on it.
	fresh := cardsMatrixCard(matrixCall{W: w, Role: heard.RoleKeyWorker, Target: targetOwn})
	w.expect(w.call("POST", "/api/cards/"+fresh+"/messages", yp, map[string]any{"id": heard.NewID(), "text": "hello?"}), 409, "not_acknowledged")
}
