package api

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/google/uuid"

	"heard"
	"heard/notify"
	"heard/pwa"
	"heard/store"
	"heard/testkit"
)

// cardsSend posts a card as a young person.
func (w *world) cardsSend(f areaFixture, y heard.YoungPerson, body map[string]any) response {
	w.t.Helper()
	return w.call("POST", "/api/cards", w.youngToken(f, y), body)
}

// cardsNew posts a new card and expects it to be created.
func (w *world) cardsNew(f areaFixture, y heard.YoungPerson, card string) map[string]any {
	w.t.Helper()
	r := w.cardsSend(f, y, map[string]any{"id": heard.NewID(), "card": card})
	w.expect(r, 201, "")
	return r.Body
}

// cardsCounters sums a metric's counters in an area by dimension, as the
// dashboard reads them (the month documents).
func (w *world) cardsCounters(f areaFixture, metric string) map[string]int64 {
	w.t.Helper()
	out := map[string]int64{}
	for _, b := range w.monthBuckets(f, metric) {
		out[b.Dim] += b.N
	}
	return out
}

func (w *world) monthBuckets(f areaFixture, metric string) []heard.KPIBucket {
	w.t.Helper()
	buckets, err := w.store.KPIBuckets(context.Background(), f.Area.ID, []string{"2026-10", "2026-11", "2026-12"})
	must(w.t, err)
	var out []heard.KPIBucket
	for _, b := range buckets {
		if b.Metric == metric {
			out = append(out, b)
		}
	}
	return out
}

// cardsEscalate records that a card's alert was escalated to staff, as the
// escalator does when nobody acknowledges in time.
func (w *world) cardsEscalate(f areaFixture, cardID, youngPersonID string, to ...heard.Staff) {
	w.t.Helper()
	ids := []string{}
	for _, st := range to {
		ids = append(ids, st.ID)
	}
	_, err := w.store.CreateAlert(context.Background(), store.AlertRecord{Alert: heard.Alert{ID: cardID, AreaID: f.Area.ID,
		YoungPersonID: youngPersonID, Urgency: heard.UrgencyUrgent, Type: "card_urgent", CreatedAt: w.clock.Now()}, EscalatedTo: ids})
	must(w.t, err)
}

func TestCardCatalogueAndQuickReplies(t *testing.T) {
	w := newWorld(t)
	r := w.call("GET", "/api/cards/catalogue", w.youngToken(w.A, w.A.YP1), nil)
	w.expect(r, 200, "")
	cards, _ := r.Body["cards"].([]any)
	if len(cards) != len(heard.CardCatalogue()) {
		t.Fatalf("catalogue: %s", r.Raw)
	}
	first, _ := cards[0].(map[string]any)
	if first["id"] != "happy" || first["art"] != "/cards/happy.svg" || first["urgency"] != "ordinary" {
		t.Errorf("first card %v", first)
	}
	r = w.call("GET", "/api/cards/quick-replies", w.tokenFor(w.A.KW1), nil)
	w.expect(r, 200, "")
	if len(r.Items()) != len(heard.QuickReplies()) {
		t.Errorf("quick replies %s", r.Raw)
	}
	w.expect(w.call("GET", "/api/cards/quick-replies", w.youngToken(w.A, w.A.YP1), nil), 403, "forbidden")
	w.expect(w.call("GET", "/api/cards/catalogue", "", nil), 401, "unauthenticated")
}

func TestCardSendAndRetryIsIdempotent(t *testing.T) {
	w := newWorld(t)
	id := heard.NewID()
	sent := w.clock.Now().Add(-3 * time.Hour) // made while the phone was offline
	body := map[string]any{"id": id, "card": "sad", "amount": "a_lot", "help": "talk_later", "note": "  bad day at school ", "sentAt": sent}
	r := w.cardsSend(w.A, w.A.YP1, body)
	w.expect(r, 201, "")
	if r.Body["id"] != id || r.Body["state"] != "sent" || r.Body["urgency"] != "concerning" || r.Body["note"] != "bad day at school" {
		t.Fatalf("created card: %s", r.Raw)
	}
	if r.Body["autoReply"] != nil {
		t.Errorf("Kim is working on Monday at 10:00, yet an automatic reply: %s", r.Raw)
	}
	if got, _ := time.Parse(time.RFC3339, r.Body["sentAt"].(string)); !got.Equal(sent) {
		t.Errorf("sentAt %v", r.Body["sentAt"])
	}
	for _, hidden := range []string{"area", "keyWorkerId", "service", "placementType", "day", "ackBy"} {
		if _, ok := r.Body[hidden]; ok {
			t.Errorf("card shows internal field %q", hidden)
		}
	}
	received := r.Body["receivedAt"]

	// The phone did not hear the answer and sends again, later, even with another note.
	w.clock.Advance(time.Minute)
	body["note"] = "changed"
	r = w.cardsSend(w.A, w.A.YP1, body)
	w.expect(r, 200, "")
	if r.Body["receivedAt"] != received || r.Body["note"] != "bad day at school" {
		t.Errorf("retry changed the card: %s", r.Raw)
	}
	r = w.call("GET", "/api/me/cards", w.youngToken(w.A, w.A.YP1), nil)
	w.expect(r, 200, "")
	if len(r.Items()) != 1 {
		t.Fatalf("want exactly one card, got %s", r.Raw)
	}
	if got := w.cardsCounters(w.A, "cards"); len(got) != 1 || got["sad"] != 1 {
		t.Errorf("cards counted %v", got)
	}

	// Another young person, here or in another area, cannot use the id.
	w.expect(w.cardsSend(w.A, w.A.YP2, map[string]any{"id": id, "card": "happy"}), 409, "id_in_use")
	w.expect(w.cardsSend(w.B, w.B.YP1, map[string]any{"id": id, "card": "happy"}), 409, "id_in_use")
	if got := w.cardsCounters(w.A, "cards"); got["happy"] != 0 {
		t.Errorf("a refused card was counted: %v", got)
	}
	// And the first young person's card stays theirs alone.
	r = w.call("GET", "/api/me/cards", w.youngToken(w.A, w.A.YP2), nil)
	if len(r.Items()) != 0 {
		t.Errorf("YP2 sees cards: %s", r.Raw)
	}
}

func TestCardValidationErrors(t *testing.T) {
	w := newWorld(t)
	tok := w.youngToken(w.A, w.A.YP1)
	good := func() map[string]any {
		return map[string]any{"id": heard.NewID(), "card": "worried", "amount": "quite", "help": "talk_now", "note": "hi"}
	}
	with := func(k string, v any) map[string]any { b := good(); b[k] = v; return b }
	without := func(k string) map[string]any { b := good(); delete(b, k); return b }
	cases := []struct {
		name  string
		body  any
		code  string
		field string
		want  string
	}{
		{"empty body", "", "invalid_json", "", ""},
		{"not JSON", "{card:", "invalid_json", "", ""},
		{"an array", "[]", "invalid_json", "", ""},
		{"two objects", `{"card":"sad"} {}`, "invalid_json", "", ""},
		{"unknown field", with("mood", "x"), "validation_failed", "mood", "unknown_field"},
		{"card not a string", with("card", 5), "validation_failed", "card", "wrong_type"},
		{"sentAt not a time", with("sentAt", "yesterday"), "validation_failed", "sentAt", "time_format"},
		{"sentAt not a string", with("sentAt", 12), "validation_failed", "sentAt", "wrong_type"},
		{"no id", without("id"), "validation_failed", "id", "id_format"},
		{"bad id", with("id", "1234"), "validation_failed", "id", "id_format"},
		{"no card", without("card"), "validation_failed", "card", "required"},
		{"unknown card", with("card", "hungry"), "validation_failed", "card", "unknown"},
		{"bad amount", with("amount", "huge"), "validation_failed", "amount", "one_of"},
		{"bad help", with("help", "money"), "validation_failed", "help", "one_of"},
		{"note too long", with("note", strings.Repeat("é", heard.CardNoteMaxChars+1)), "validation_failed", "note", "too_long"},
		{"note with control characters", with("note", "hello\u0007"), "validation_failed", "note", "invalid_characters"},
	}
	for _, c := range cases {
		r := w.call("POST", "/api/cards", tok, c.body)
		if r.Status != 400 || r.ErrorCode() != c.code || c.field != "" && r.Field(c.field) != c.want {
			t.Errorf("%s: got %d %s", c.name, r.Status, r.Raw)
		}
	}
	// Form data instead of JSON.
	req := w.call("POST", "/api/cards", tok, nil)
	w.expect(req, 415, "unsupported_media_type")

	r := w.call("GET", "/api/me/cards", tok, nil)
	if len(r.Items()) != 0 {
		t.Errorf("a refused card was stored: %s", r.Raw)
	}
	if got := w.cardsCounters(w.A, "cards"); len(got) != 0 {
		t.Errorf("a refused card was counted: %v", got)
	}
	// Only young people send cards.
	for _, st := range []heard.Staff{w.A.KW1, w.A.Duty, w.A.Admin, w.A.Commish} {
		w.expect(w.call("POST", "/api/cards", w.tokenFor(st), good()), 403, "forbidden")
	}
	w.expect(w.call("POST", "/api/cards", "", good()), 401, "unauthenticated")
}

func TestCardUrgencyAndCounters(t *testing.T) {
	w := newWorld(t)
	r := w.cardsSend(w.A, w.A.YP1, map[string]any{"id": heard.NewID(), "card": "not_safe"})
	w.expect(r, 201, "")
	if r.Body["urgency"] != "urgent" {
		t.Errorf("not_safe is %v", r.Body["urgency"])
	}
	w.cardsNew(w.A, w.A.YP3, "happy")
	w.cardsNew(w.A, w.A.YP3, "happy")
	if got := w.cardsCounters(w.A, "cards"); got["not_safe"] != 1 || got["happy"] != 2 {
		t.Errorf("cards %v", got)
	}
	if got := w.cardsCounters(w.A, "cards_urgent"); got[""] != 1 {
		t.Errorf("cards_urgent %v", got)
	}
	// Counters are kept by service and month in the area's zone.
	var cs []heard.KPIBucket
	for _, b := range w.monthBuckets(w.A, "cards") {
		if b.Service == "camhs" {
			cs = append(cs, b)
		}
	}
	if len(cs) != 1 || cs[0].Dim != "happy" || cs[0].N != 2 || cs[0].Month != "2026-11" {
		t.Errorf("camhs counters %+v", cs)
	}
	if got := w.cardsCounters(w.B, "cards"); len(got) != 0 {
		t.Errorf("area B counted A's cards: %v", got)
	}
}

func TestCardAutoReplyOutOfHours(t *testing.T) {
	w := newWorld(t)
	// Saturday 7 November 2026, 20:00 in London: Kim is back on Monday at 9:00.
	w.clock.Advance(5*24*time.Hour + 10*time.Hour)
	r := w.cardsSend(w.A, w.A.YP1, map[string]any{"id": heard.NewID(), "card": "tired"})
	w.expect(r, 201, "")
	auto, _ := r.Body["autoReply"].(map[string]any)
	if auto == nil || auto["workerName"] != "Kim" || auto["nextAt"] != "2026-11-09T09:00:00Z" || auto["timeZone"] != "Europe/London" || auto["dutyToldNow"] != nil {
		t.Fatalf("auto reply %s", r.Raw)
	}
	r = w.cardsSend(w.A, w.A.YP1, map[string]any{"id": heard.NewID(), "card": "might_hurt_myself"})
	auto, _ = r.Body["autoReply"].(map[string]any)
	if auto == nil || auto["dutyToldNow"] != true {
		t.Errorf("urgent auto reply %s", r.Raw)
	}
	r = w.cardsSend(w.A, w.A.YP1, map[string]any{"id": heard.NewID(), "card": "lonely"})
	auto, _ = r.Body["autoReply"].(map[string]any)
	if auto == nil || auto["dutyAt"] != "2026-11-08T00:00:00Z" {
		t.Errorf("concerning auto reply %s", r.Raw)
	}
}

func TestCardInboxScopeAndOrder(t *testing.T) {
	w := newWorld(t)
	happy := w.cardsNew(w.A, w.A.YP1, "happy")
	w.clock.Advance(time.Minute)
	urgent := w.cardsNew(w.A, w.A.YP2, "unhappy_where_i_live")
	w.clock.Advance(time.Minute)
	sad := w.cardsNew(w.A, w.A.YP1, "sad")
	yp3 := w.cardsNew(w.A, w.A.YP3, "angry")
	w.cardsNew(w.B, w.B.YP1, "scared")

	r := w.call("GET", "/api/cards/inbox", w.tokenFor(w.A.KW1), nil)
	w.expect(r, 200, "")
	items := r.Items()
	var order []any
	for _, it := range items {
		order = append(order, it["id"])
	}
	if len(items) != 3 || order[0] != urgent["id"] || order[1] != sad["id"] || order[2] != happy["id"] {
		t.Fatalf("KW1's inbox %v", order)
	}
	yp, _ := items[0]["youngPerson"].(map[string]any)
	if yp["name"] != w.A.YP2.FirstName || r.Body["unacknowledged"] != 3.0 || r.Body["urgentUnacknowledged"] != 1.0 {
		t.Errorf("inbox details %s", r.Raw)
	}
	by, _ := r.Body["unacknowledgedByYoungPerson"].(map[string]any)
	if by[w.A.YP1.ID] != 2.0 || by[w.A.YP2.ID] != 1.0 {
		t.Errorf("counts by young person %v", by)
	}

	if r.Body["more"] != false {
		t.Errorf("a short inbox says more follows: %s", r.Raw)
	}
	if r := w.call("GET", "/api/cards/inbox?page=1", w.tokenFor(w.A.KW1), nil); len(r.Items()) != 0 || r.Body["unacknowledged"] != 3.0 {
		t.Errorf("the page after the last: %s", r.Raw)
	}
	for _, q := range []string{"x", "-1", "1.5"} {
		w.expect(w.call("GET", "/api/cards/inbox?page="+q, w.tokenFor(w.A.KW1), nil), 400, "validation_failed")
	}

	r = w.call("GET", "/api/cards/inbox", w.tokenFor(w.A.KW2), nil)
	if len(r.Items()) != 1 || r.Items()[0]["id"] != yp3["id"] {
		t.Errorf("KW2's inbox %s", r.Raw)
	}
	r = w.call("GET", "/api/cards/inbox", w.tokenFor(w.B.KW1), nil)
	if len(r.Items()) != 1 || r.Items()[0]["card"] != "scared" {
		t.Errorf("area B KW1's inbox %s", r.Raw)
	}
	// Duty workers and managers see nothing until something is escalated to them.
	for _, st := range []heard.Staff{w.A.Duty, w.A.Manager} {
		r := w.call("GET", "/api/cards/inbox", w.tokenFor(st), nil)
		w.expect(r, 200, "")
		if len(r.Items()) != 0 {
			t.Errorf("%s sees cards without an escalation: %s", st.Name, r.Raw)
		}
	}
	w.cardsEscalate(w.A, urgent["id"].(string), w.A.YP2.ID, w.A.Duty)
	for range 3 {
		r = w.call("GET", "/api/cards/inbox", w.tokenFor(w.A.Duty), nil)
		if len(r.Items()) != 1 || r.Items()[0]["id"] != urgent["id"] {
			t.Errorf("duty's inbox after escalation %s", r.Raw)
		}
	}
	// The duty worker's reads are audit-logged, once an hour per young person.
	log, err := w.store.AuditLog(context.Background(), w.A.Area.ID, 50)
	must(t, err)
	reads := 0
	for _, e := range log {
		if e.Action == "cards_escalated_read" && e.ActorID == w.A.Duty.ID && e.YoungPersonID == w.A.YP2.ID {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("%d audit entries for three reads in a minute", reads)
	}
	if r := w.call("GET", "/api/cards/inbox", w.tokenFor(w.A.Manager), nil); len(r.Items()) != 0 {
		t.Errorf("manager sees a card escalated only to duty: %s", r.Raw)
	}
	if r := w.call("GET", "/api/cards/inbox", w.tokenFor(w.B.Duty), nil); len(r.Items()) != 0 {
		t.Errorf("area B's duty sees area A's escalation: %s", r.Raw)
	}
	// Roles that never see cards.
	for _, tok := range []string{w.tokenFor(w.A.Admin), w.tokenFor(w.A.Commish), w.tokenFor(w.A.OakStaff), w.youngToken(w.A, w.A.YP1)} {
		w.expect(w.call("GET", "/api/cards/inbox", tok, nil), 403, "forbidden")
	}
}

func TestCardReadAccess(t *testing.T) {
	w := newWorld(t)
	card := w.cardsNew(w.A, w.A.YP1, "worried")
	path := "/api/cards/" + card["id"].(string)

	w.expect(w.call("GET", path, w.youngToken(w.A, w.A.YP1), nil), 200, "")
	r := w.call("GET", path, w.tokenFor(w.A.KW1), nil)
	w.expect(r, 200, "")
	if yp, _ := r.Body["youngPerson"].(map[string]any); yp["id"] != w.A.YP1.ID {
		t.Errorf("staff view %s", r.Raw)
	}
	log, err := w.store.AuditLog(context.Background(), w.A.Area.ID, 10)
	must(t, err)
	if len(log) == 0 || log[0].Action != "card_read" || log[0].ActorID != w.A.KW1.ID || log[0].YoungPersonID != w.A.YP1.ID {
		t.Errorf("staff read not audit-logged: %+v", log)
	}

	forbidden := map[string]string{
		"another young person":       w.youngToken(w.A, w.A.YP2),
		"another key worker":         w.tokenFor(w.A.KW2),
		"duty without escalation":    w.tokenFor(w.A.Duty),
		"manager without escalation": w.tokenFor(w.A.Manager),
		"administrator":              w.tokenFor(w.A.Admin),
		"commissioner":               w.tokenFor(w.A.Commish),
		"placement staff":            w.tokenFor(w.A.OakStaff),
	}
	for who, tok := range forbidden {
		if r := w.call("GET", path, tok, nil); r.Status != 403 {
			t.Errorf("%s: %d %s", who, r.Status, r.Raw)
		}
	}
	// Another area does not even learn that the card exists.
	for who, tok := range map[string]string{"B's key worker": w.tokenFor(w.B.KW1), "B's duty": w.tokenFor(w.B.Duty), "B's young person": w.youngToken(w.B, w.B.YP1)} {
		if r := w.call("GET", path, tok, nil); r.Status != 404 {
			t.Errorf("%s: %d %s", who, r.Status, r.Raw)
		}
	}
	w.expect(w.call("GET", "/api/cards/not-an-id", w.tokenFor(w.A.KW1), nil), 400, "validation_failed")
	w.expect(w.call("GET", "/api/cards/"+heard.NewID(), w.tokenFor(w.A.KW1), nil), 404, "not_found")

	// Escalation opens the card to the duty worker it went to.
	w.cardsEscalate(w.A, card["id"].(string), w.A.YP1.ID, w.A.Duty)
	w.expect(w.call("GET", path, w.tokenFor(w.A.Duty), nil), 200, "")
	w.expect(w.call("GET", path, w.tokenFor(w.A.Manager), nil), 403, "forbidden")

	// A new key worker takes over the young person's cards; the old one loses them.
	_, err = w.store.Assign(context.Background(), w.A.Area.ID, w.A.YP1.ID, w.A.KW2.ID)
	must(t, err)
	w.expect(w.call("GET", path, w.tokenFor(w.A.KW1), nil), 403, "forbidden")
	w.expect(w.call("GET", path, w.tokenFor(w.A.KW2), nil), 200, "")
	if r := w.call("GET", "/api/cards/inbox", w.tokenFor(w.A.KW1), nil); len(r.Items()) != 0 {
		t.Errorf("the old key worker still sees the card: %s", r.Raw)
	}
}

func TestCardAcknowledge(t *testing.T) {
	w := newWorld(t)
	card := w.cardsNew(w.A, w.A.YP1, "not_safe")
	id := card["id"].(string)
	path := "/api/cards/" + id + "/ack"
	kw := w.tokenFor(w.A.KW1)

	// Validation first: nothing is acknowledged by a bad request.
	bad := []struct {
		body  any
		code  string
		field string
		want  string
	}{
		{map[string]any{"quickReply": "nope"}, "validation_failed", "quickReply", "unknown"},
		{map[string]any{"quickReply": "talk_at"}, "validation_failed", "at", "required"},
		{map[string]any{"quickReply": "talk_at", "at": "half four"}, "validation_failed", "at", "time_format"},
		{map[string]any{"quickReply": "thank_you", "at": "16:30"}, "validation_failed", "at", "not_allowed"},
		{map[string]any{"reply": strings.Repeat("x", heard.CardReplyMaxChars+1)}, "validation_failed", "reply", "too_long"},
		{map[string]any{"reply": "a\x00b"}, "validation_failed", "reply", "invalid_characters"},
		{map[string]any{"seen": true}, "validation_failed", "seen", "unknown_field"},
		{"{", "invalid_json", "", ""},
	}
	for _, c := range bad {
		r := w.call("POST", path, kw, c.body)
		if r.Status != 400 || r.ErrorCode() != c.code || c.field != "" && r.Field(c.field) != c.want {
			t.Errorf("%v: %d %s", c.body, r.Status, r.Raw)
		}
	}
	w.expect(w.call("POST", "/api/cards/xyz/ack", kw, nil), 400, "validation_failed")
	w.expect(w.call("POST", "/api/cards/"+heard.NewID()+"/ack", kw, nil), 404, "not_found")
	// Those who may not acknowledge.
	w.expect(w.call("POST", path, w.tokenFor(w.A.KW2), nil), 403, "forbidden")
	w.expect(w.call("POST", path, w.tokenFor(w.A.Duty), nil), 403, "forbidden")
	w.expect(w.call("POST", path, w.youngToken(w.A, w.A.YP1), nil), 403, "forbidden")
	w.expect(w.call("POST", path, w.tokenFor(w.A.Admin), nil), 403, "forbidden")
	w.expect(w.call("POST", path, w.tokenFor(w.B.KW1), nil), 404, "not_found")
	if r := w.call("GET", "/api/me/cards", w.youngToken(w.A, w.A.YP1), nil); r.Items()[0]["state"] != "sent" {
		t.Fatalf("acknowledged by a refused request: %s", r.Raw)
	}

	w.clock.Advance(4 * time.Minute)
	r := w.call("POST", path, kw, map[string]any{"quickReply": "talk_at", "at": "16:30"})
	w.expect(r, 200, "")
	reply, _ := r.Body["reply"].(map[string]any)
	if r.Body["state"] != "seen" || r.Body["ackByName"] != "Kim" || reply["quickReplyId"] != "talk_at" || reply["at"] != "16:30" {
		t.Fatalf("acknowledged card %s", r.Raw)
	}
	ackAt := r.Body["ackAt"]

	// The young person sees "seen", by whom, when, and the reply.
	r = w.call("GET", "/api/me/cards", w.youngToken(w.A, w.A.YP1), nil)
	mine := r.Items()[0]
	if mine["state"] != "seen" || mine["ackByName"] != "Kim" || mine["ackAt"] != ackAt || mine["reply"] == nil {
		t.Errorf("young person's view %s", r.Raw)
	}

	// Tapping again (a retry) changes nothing and is fine.
	w.clock.Advance(time.Minute)
	r = w.call("POST", path, kw, map[string]any{"quickReply": "thank_you"})
	w.expect(r, 200, "")
	if r.Body["ackAt"] != ackAt || r.Body["reply"].(map[string]any)["quickReplyId"] != "talk_at" {
		t.Errorf("second tap changed the acknowledgement: %s", r.Raw)
	}
	// A duty worker it was escalated to is too late.
	w.cardsEscalate(w.A, id, w.A.YP1.ID, w.A.Duty)
	w.expect(w.call("POST", path, w.tokenFor(w.A.Duty), map[string]any{"reply": "I'm here"}), 409, "already_acknowledged")

	// The inbox shows it acknowledged; time to acknowledge counted once.
	r = w.call("GET", "/api/cards/inbox", kw, nil)
	if r.Body["unacknowledged"] != 0.0 || r.Items()[0]["state"] != "seen" {
		t.Errorf("inbox after ack %s", r.Raw)
	}
	if got := w.cardsCounters(w.A, "card_ack"); len(got) != 1 || got["300"] != 1 {
		t.Errorf("card_ack %v", got)
	}
	if got := w.cardsCounters(w.A, "urgent_ack_within_limit"); got[""] != 1 {
		t.Errorf("urgent_ack_within_limit %v", got)
	}
	log, err := w.store.AuditLog(context.Background(), w.A.Area.ID, 20)
	must(t, err)
	acks := 0
	for _, e := range log {
		if e.Action == "card_acknowledged" {
			acks++
		}
	}
	if acks != 1 {
		t.Errorf("%d acknowledgements audit-logged", acks)
	}
}

func TestCardAcknowledgeByEscalation(t *testing.T) {
	w := newWorld(t)
	card := w.cardsNew(w.A, w.A.YP3, "scared")
	id := card["id"].(string)
	w.cardsEscalate(w.A, id, w.A.YP3.ID, w.A.Duty, w.A.Manager)
	w.clock.Advance(5 * time.Hour)
	// An empty body is a plain "seen".
	r := w.call("POST", "/api/cards/"+id+"/ack", w.tokenFor(w.A.Manager), nil)
	w.expect(r, 200, "")
	if r.Body["ackByName"] != "Max" || r.Body["reply"] != nil {
		t.Errorf("manager's acknowledgement %s", r.Raw)
	}
	w.expect(w.call("POST", "/api/cards/"+id+"/ack", w.tokenFor(w.A.Duty), nil), 409, "already_acknowledged")
	// KW2 is still the key worker and may read it, but it is acknowledged already.
	w.expect(w.call("POST", "/api/cards/"+id+"/ack", w.tokenFor(w.A.KW2), nil), 409, "already_acknowledged")
	if got := w.cardsCounters(w.A, "card_ack"); got["28800"] != 1 {
		t.Errorf("card_ack %v", got)
	}
}

func TestCardHistory(t *testing.T) {
	w := newWorld(t)
	tok := w.youngToken(w.A, w.A.YP1)
	// One card made offline two days ago, sent today; two today; one 40 days ago (outside).
	w.clock.Advance(-40 * 24 * time.Hour)
	w.cardsNew(w.A, w.A.YP1, "calm")
	w.clock.Advance(40 * 24 * time.Hour)
	w.expect(w.cardsSend(w.A, w.A.YP1, map[string]any{"id": heard.NewID(), "card": "sad", "sentAt": w.clock.Now().Add(-48 * time.Hour)}), 201, "")
	w.cardsNew(w.A, w.A.YP1, "happy")
	w.cardsNew(w.A, w.A.YP1, "happy")
	w.cardsNew(w.A, w.A.YP2, "angry")

	r := w.call("GET", "/api/cards/history", tok, nil)
	w.expect(r, 200, "")
	days, _ := r.Body["days"].([]any)
	if len(days) != 28 || r.Body["to"] != "2026-11-02" || r.Body["from"] != "2026-10-06" || r.Body["total"] != 3.0 {
		t.Fatalf("history %s", r.Raw)
	}
	last := days[27].(map[string]any)["counts"].(map[string]any)
	if last["happy"] != 2.0 || len(last) != 1 {
		t.Errorf("today %v", last)
	}
	r = w.call("GET", "/api/cards/history?days=7", tok, nil)
	days, _ = r.Body["days"].([]any)
	if len(days) != 7 || days[4].(map[string]any)["counts"].(map[string]any)["sad"] != 1.0 || r.Body["total"] != 3.0 {
		t.Errorf("seven days %s", r.Raw)
	}
	for _, q := range []string{"3", "92", "x", "-1"} {
		w.expect(w.call("GET", "/api/cards/history?days="+q, tok, nil), 400, "validation_failed")
	}
	w.expect(w.call("GET", "/api/cards/history", w.tokenFor(w.A.KW1), nil), 403, "forbidden")
	w.expect(w.call("GET", "/api/me/cards", w.tokenFor(w.A.KW1), nil), 403, "forbidden")
}

// cardsWorldWithNotify is the test world with Heard's real notifier and
// escalator (outbox, alerts and escalation timers in the same database).
func cardsWorldWithNotify(t *testing.T) (*world, *notify.Service) {
	t.Helper()
	private, public, err := webpush.GenerateVAPIDKeys()
	must(t, err)
	var svc *notify.Service
	w := newWorld(t, func(c *Config) {
		svc, err = notify.New(notify.Config{Store: c.Store, Log: testkit.Quiet(), Clock: c.Clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
			Subject: "safeguarding@heard.test", Instance: "api-test", AllowLoopbackEndpoints: true})
		must(t, err)
		c.Notifier, c.Escalator = svc, svc
	})
	return w, svc
}

func TestCardAlertsAndReplyThroughNotify(t *testing.T) {
	w, svc := cardsWorldWithNotify(t)
	ctx := context.Background()

	// An ordinary card tells the key worker only.
	happy := w.cardsNew(w.A, w.A.YP1, "happy")
	alert, err := w.store.Alert(ctx, w.A.Area.ID, happy["id"].(string))
	must(t, err)
	if alert.Type != "card" || alert.Link != "/#/inbox/"+happy["id"].(string) || !slices.Equal(alert.Told, []string{w.A.KW1.ID}) {
		t.Errorf("ordinary card's alert: %+v", alert)
	}

	// An urgent card tells the key worker and the duty worker at once, and lets the
	// duty worker see it.
	urgent := w.cardsNew(w.A, w.A.YP1, "might_hurt_myself")
	id := urgent["id"].(string)
	alert, err = w.store.Alert(ctx, w.A.Area.ID, id)
	must(t, err)
	if alert.Type != "card_urgent" || alert.Urgency != heard.UrgencyUrgent || !slices.Contains(alert.Told, w.A.KW1.ID) || !slices.Contains(alert.EscalatedTo, w.A.Duty.ID) {
		t.Fatalf("urgent card's alert: %+v", alert)
	}
	r := w.call("GET", "/api/cards/inbox", w.tokenFor(w.A.Duty), nil)
	if len(r.Items()) != 1 || r.Items()[0]["id"] != id {
		t.Errorf("duty's inbox: %s", r.Raw)
	}
	// A retry raises nothing new.
	w.expect(w.cardsSend(w.A, w.A.YP1, map[string]any{"id": id, "card": "might_hurt_myself"}), 200, "")
	again, err := w.store.Alert(ctx, w.A.Area.ID, id)
	must(t, err)
	if len(again.Steps()) != len(alert.Steps()) {
		t.Errorf("retry took another step: %+v", again.Steps())
	}

	// Nobody acknowledges: after 15 minutes the escalation goes on to the manager
	// 15 minutes later.
	w.clock.Advance(16 * time.Minute)
	_, err = svc.RunDue(ctx)
	must(t, err)
	w.clock.Advance(15 * time.Minute)
	_, err = svc.RunDue(ctx)
	must(t, err)
	r = w.call("GET", "/api/cards/inbox", w.tokenFor(w.A.Manager), nil)
	if len(r.Items()) != 1 || r.Items()[0]["id"] != id {
		t.Fatalf("the manager was not given the unacknowledged urgent card: %s", r.Raw)
	}

	// The manager acknowledges with a quick reply: the alert stops and the young
	// person is told by push.
	r = w.call("POST", "/api/cards/"+id+"/ack", w.tokenFor(w.A.Manager), map[string]any{"quickReply": "coming_to_sit"})
	w.expect(r, 200, "")
	acked, err := w.store.AlertAcknowledged(ctx, w.A.Area.ID, id)
	if err != nil || !acked {
		t.Errorf("alert not acknowledged: %v %v", acked, err)
	}
	replyID := uuid.NewSHA1(uuid.NameSpaceURL, []byte("heard:card-reply:"+id)).String()
	n, err := w.store.QueuedNotification(ctx, replyID)
	must(t, err)
	if n.RecipientID != w.A.YP1.ID || n.Type != "reply" || n.Link != "/#/cards/card/"+id || n.SubjectID != id {
		t.Errorf("reply notification %+v", n)
	}
	// Over the limit: counted in the histogram, not as within the limit.
	if got := w.cardsCounters(w.A, "urgent_ack_within_limit"); len(got) != 0 {
		t.Errorf("urgent_ack_within_limit %v", got)
	}
	if got := w.cardsCounters(w.A, "card_ack"); got["1800"] != 0 || got["2700"] != 1 {
		t.Errorf("card_ack %v", got)
	}

	// An urgent card acknowledged in time goes no further.
	second := w.cardsNew(w.A, w.A.YP2, "not_safe")["id"].(string)
	w.clock.Advance(2 * time.Minute)
	w.expect(w.call("POST", "/api/cards/"+second+"/ack", w.tokenFor(w.A.KW1), nil), 200, "")
	w.clock.Advance(time.Hour)
	_, err = svc.RunDue(ctx)
	must(t, err)
	alert, err = w.store.Alert(ctx, w.A.Area.ID, second)
	must(t, err)
	for _, st := range alert.Steps() {
		if st.Step != "notify" && len(st.Told) > 0 {
			t.Errorf("escalation went on after the acknowledgement: %+v", alert.Steps())
		}
	}
	if got := w.cardsCounters(w.A, "urgent_ack_within_limit"); got[""] != 1 {
		t.Errorf("urgent_ack_within_limit %v", got)
	}
}

// The app ships the catalogue so the grid works offline: it must match the
// domain's, and every card must have its picture.
func TestCardAppCatalogueMatchesDomain(t *testing.T) {
	app := pwa.FS()
	src, err := fs.ReadFile(app, "js/cardkinds.js")
	must(t, err)
	entry := regexp.MustCompile(`\{ id: '([a-z_]+)', urgency: '([a-z]+)', group: '([a-z]+)' \}`)
	var got []string
	for _, m := range entry.FindAllStringSubmatch(string(src), -1) {
		got = append(got, m[1]+"/"+m[2]+"/"+m[3])
	}
	var want []string
	for _, k := range heard.CardCatalogue() {
		want = append(want, k.ID+"/"+string(k.Urgency)+"/"+k.Group)
		if _, err := fs.Stat(app, strings.TrimPrefix(k.Art, "/")); err != nil {
			t.Errorf("card %s has no picture: %v", k.ID, err)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("app catalogue %v\ndomain catalogue %v", got, want)
	}
	for _, q := range heard.QuickReplies() {
		needle := "{ id: '" + q.ID + "'"
		if q.NeedsTime {
			needle += ", needsTime: true }"
		} else {
			needle += " }"
		}
		if !strings.Contains(string(src), needle) {
			t.Errorf("the app lacks quick reply %s", needle)
		}
	}
	for _, a := range heard.CardAmounts {
		if !strings.Contains(string(src), "'"+string(a)+"'") {
			t.Errorf("the app lacks amount %s", a)
		}
	}
	for _, h := range heard.CardHelps {
		if !strings.Contains(string(src), "'"+string(h)+"'") {
			t.Errorf("the app lacks help %s", h)
		}
	}
}

// cardsMatrixCard stores a card of the call's target young person. The target's
// own card (A.YP1's) was escalated to area A's duty worker; the others were not.
func cardsMatrixCard(m matrixCall) string {
	ctx := context.Background()
	f, y, now := m.Area(), m.YoungPerson(), m.W.clock.Now()
	c := heard.Card{ID: heard.NewID(), AreaID: f.Area.ID, YoungPersonID: y.ID, TeamID: y.TeamID, Service: y.Service, CardID: "scared",
		Urgency: heard.UrgencyConcerning, ReceivedAt: now, Day: heard.CardDay(f.Area.TimeZone, now)}
	_, _, err := m.W.store.InsertCard(ctx, c)
	must(m.W.t, err)
	if m.Target == targetOwn {
		_, err := m.W.store.CreateAlert(ctx, store.AlertRecord{Alert: heard.Alert{ID: c.ID, AreaID: f.Area.ID, YoungPersonID: y.ID,
			Urgency: c.Urgency, Type: "card", CreatedAt: now}, EscalatedTo: []string{f.Duty.ID}})
		must(m.W.t, err)
	}
	return c.ID
}

func init() {
	registerMatrix("GET /api/cards/catalogue", matrixEntry{})
	registerMatrix("GET /api/cards/quick-replies", matrixEntry{Roles: cardReaders})
	registerMatrix("POST /api/cards", matrixEntry{Roles: []heard.Role{heard.RoleYoungPerson}, OK: 201,
		Request: func(m matrixCall) (string, any) {
			return "/api/cards", map[string]any{"id": heard.NewID(), "card": "calm", "note": fmt.Sprint("card ", m.Seq)}
		}})
	registerMatrix("GET /api/me/cards", matrixEntry{Roles: []heard.Role{heard.RoleYoungPerson}})
	registerMatrix("GET /api/cards/history", matrixEntry{Roles: []heard.Role{heard.RoleYoungPerson}})
	registerMatrix("GET /api/cards/inbox", matrixEntry{Roles: cardReaders})
	// A card: its young person, their key worker now, and a duty worker it was
	// escalated to. Team managers see none here (nothing was escalated to them);
	// administrators, placements and commissioners never see a card.
	cardAccess := func(role heard.Role, target matrixTarget) bool {
		return target == targetOwn && heard.Can(role, heard.RoleYoungPerson, heard.RoleKeyWorker, heard.RoleDutyWorker)
	}
	registerMatrix("GET /api/cards/:id", matrixEntry{Roles: append([]heard.Role{heard.RoleYoungPerson}, cardReaders...), Allow: cardAccess,
		Request: func(m matrixCall) (string, any) { return "/api/cards/" + cardsMatrixCard(m), nil }})
	registerMatrix("POST /api/cards/:id/ack", matrixEntry{Roles: cardReaders,
		Allow: func(role heard.Role, target matrixTarget) bool {
			return role != heard.RoleYoungPerson && cardAccess(role, target)
		},
		Request: func(m matrixCall) (string, any) {
			return "/api/cards/" + cardsMatrixCard(m) + "/ack", map[string]any{"quickReply": "thank_you"}
		}})
}
