package heard

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCardCatalogue(t *testing.T) {
	cards := CardCatalogue()
	if len(cards) < 14 || len(cards) > 18 {
		t.Fatalf("catalogue has %d cards, want about 16", len(cards))
	}
	seen := map[string]bool{}
	var urgent []string
	for _, k := range cards {
		if seen[k.ID] {
			t.Errorf("card %q twice", k.ID)
		}
		seen[k.ID] = true
		if k.Art != "/cards/"+k.ID+".svg" {
			t.Errorf("card %q art %q", k.ID, k.Art)
		}
		switch k.Group {
		case CardGroupGood, CardGroupOkay, CardGroupHard, CardGroupAsk, CardGroupUrgent:
		default:
			t.Errorf("card %q group %q", k.ID, k.Group)
		}
		if (k.Group == CardGroupUrgent) != (k.Urgency == UrgencyUrgent) {
			t.Errorf("card %q: group %s but urgency %s", k.ID, k.Group, k.Urgency)
		}
		if k.Urgency == UrgencyUrgent {
			urgent = append(urgent, k.ID)
		}
	}
	if got := strings.Join(urgent, ","); got != "not_safe,unhappy_where_i_live,might_hurt_myself" {
		t.Errorf("urgent cards are %s", got)
	}
	for _, id := range []string{"happy", "sad", "scared", "want_to_talk", "sit_with_me", "not_safe"} {
		if !seen[id] {
			t.Errorf("SPEC's card %q is missing", id)
		}
	}
	// The copy is the caller's: changing it leaves the catalogue alone.
	cards[0].ID = "changed"
	if _, ok := CardKindByID("happy"); !ok {
		t.Error("catalogue changed through its copy")
	}
}

func TestCardUrgency(t *testing.T) {
	kind := func(id string) CardKind {
		k, ok := CardKindByID(id)
		if !ok {
			t.Fatalf("no card %q", id)
		}
		return k
	}
	cases := []struct {
		card   string
		amount CardAmount
		help   CardHelp
		want   Urgency
	}{
		{"happy", "", "", UrgencyOrdinary},
		{"happy", AmountALot, "", UrgencyOrdinary},
		{"happy", "", HelpTalkNow, UrgencyConcerning},
		{"sad", "", "", UrgencyOrdinary},
		{"sad", AmountQuite, HelpTalkLater, UrgencyOrdinary},
		{"sad", AmountALot, "", UrgencyConcerning},
		{"worried", "", HelpSitWithMe, UrgencyConcerning},
		{"tired", AmountALot, "", UrgencyOrdinary},
		{"lonely", AmountALittle, HelpLeaveMeBe, UrgencyConcerning},
		{"scared", "", "", UrgencyConcerning},
		{"want_to_talk", "", HelpJustLetting, UrgencyConcerning},
		{"not_safe", AmountALittle, HelpLeaveMeBe, UrgencyUrgent},
		{"might_hurt_myself", "", "", UrgencyUrgent},
		{"unhappy_where_i_live", "", "", UrgencyUrgent},
	}
	for _, c := range cases {
		if got := CardUrgency(kind(c.card), c.amount, c.help); got != c.want {
			t.Errorf("%s/%s/%s: %s, want %s", c.card, c.amount, c.help, got, c.want)
		}
	}
}

func TestNewCardValidate(t *testing.T) {
	good := func() NewCard {
		return NewCard{ID: NewID(), CardID: "sad", Amount: AmountQuite, Help: HelpTalkLater, Note: "  school was hard  "}
	}
	n := good()
	if errs := n.Validate(); len(errs) != 0 {
		t.Fatalf("good card: %v", errs)
	}
	if n.Note != "school was hard" {
		t.Errorf("note not trimmed: %q", n.Note)
	}
	cases := []struct {
		name  string
		edit  func(*NewCard)
		field string
		want  string
	}{
		{"no id", func(n *NewCard) { n.ID = "" }, "id", "id_format"},
		{"not a uuid", func(n *NewCard) { n.ID = "card-1" }, "id", "id_format"},
		{"uuid v1", func(n *NewCard) { n.ID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8" }, "id", "id_format"},
		{"no card", func(n *NewCard) { n.CardID = "" }, "card", "required"},
		{"unknown card", func(n *NewCard) { n.CardID = "ecstatic" }, "card", "unknown"},
		{"bad amount", func(n *NewCard) { n.Amount = "loads" }, "amount", "one_of"},
		{"bad help", func(n *NewCard) { n.Help = "money" }, "help", "one_of"},
		{"long note", func(n *NewCard) { n.Note = strings.Repeat("a", CardNoteMaxChars+1) }, "note", "too_long"},
		{"control chars", func(n *NewCard) { n.Note = "hi\x1b[2J" }, "note", "invalid_characters"},
		{"replacement char", func(n *NewCard) { n.Note = "bad \uFFFD byte" }, "note", "invalid_characters"},
	}
	for _, c := range cases {
		n := good()
		c.edit(&n)
		errs := n.Validate()
		if errs[c.field] != c.want || len(errs) != 1 {
			t.Errorf("%s: %v, want %s=%s only", c.name, errs, c.field, c.want)
		}
	}
	// Limits count characters, not bytes: 280 Arabic letters are fine.
	n = good()
	n.Note = strings.Repeat("ب", CardNoteMaxChars)
	n.Note = n.Note + "\n"
	if errs := n.Validate(); len(errs) != 0 {
		t.Errorf("280 Arabic letters: %v", errs)
	}
}

func TestCardSentAt(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	if CardSentAt(nil, now) != nil {
		t.Error("nil should stay nil")
	}
	if got := CardSentAt(at(-2*time.Hour), now); !got.Equal(now.Add(-2 * time.Hour)) {
		t.Errorf("two hours offline: %v", got)
	}
	if got := CardSentAt(at(10*time.Minute), now); !got.Equal(now) {
		t.Errorf("fast clock should be trimmed to arrival: %v", got)
	}
	if got := CardSentAt(at(-400*24*time.Hour), now); got != nil {
		t.Errorf("impossible past time kept: %v", got)
	}
}

func TestCardAckValidate(t *testing.T) {
	cases := []struct {
		ack   CardAck
		field string
		want  string
	}{
		{CardAck{}, "", ""},
		{CardAck{QuickReply: "thank_you"}, "", ""},
		{CardAck{QuickReply: "talk_at", At: "16:30"}, "", ""},
		{CardAck{Reply: "I'll ring you after school."}, "", ""},
		{CardAck{QuickReply: "nope"}, "quickReply", "unknown"},
		{CardAck{QuickReply: "talk_at"}, "at", "required"},
		{CardAck{QuickReply: "talk_at", At: "4pm"}, "at", "time_format"},
		{CardAck{QuickReply: "talk_at", At: "24:10"}, "at", "time_format"},
		{CardAck{QuickReply: "talk_at", At: "9:30"}, "at", "time_format"},
		{CardAck{QuickReply: "thank_you", At: "10:00"}, "at", "not_allowed"},
		{CardAck{At: "10:00"}, "at", "not_allowed"},
		// A quick reply and own words are both kept, never one dropped.
		{CardAck{QuickReply: "thank_you", Reply: "I'll come by at four."}, "", ""},
		{CardAck{Reply: strings.Repeat("x", CardReplyMaxChars+1)}, "reply", "too_long"},
		{CardAck{Reply: "a\x00b"}, "reply", "invalid_characters"},
	}
	for _, c := range cases {
		a := c.ack
		errs := a.Validate()
		if c.field == "" && len(errs) != 0 || c.field != "" && errs[c.field] != c.want {
			t.Errorf("%+v: %v, want %s=%s", c.ack, errs, c.field, c.want)
		}
	}
	if (CardAck{}).CardReply() != nil {
		t.Error("an acknowledgement alone has no reply")
	}
	if r := (CardAck{QuickReply: "talk_at", At: "16:30"}).CardReply(); r == nil || r.QuickReplyID != "talk_at" || r.At != "16:30" {
		t.Errorf("quick reply: %+v", r)
	}
	if r := (CardAck{QuickReply: "thank_you", Reply: "See you at four."}).CardReply(); r == nil || r.QuickReplyID != "thank_you" || r.Text != "See you at four." {
		t.Errorf("quick reply and own words: %+v, want both kept", r)
	}
}

func TestCardAutoReply(t *testing.T) {
	area := Area{TimeZone: "Europe/London", Escalation: DefaultEscalation()}
	sam := &Staff{Name: "Sam Smith", Hours: DefaultHours()}
	london, _ := time.LoadLocation("Europe/London")
	monday9 := time.Date(2026, 11, 9, 9, 0, 0, 0, london).UTC()

	// Monday 2 November 2026, 10:00 in London: Sam is working, no automatic reply.
	if r := CardAutoReply(sam, area, UrgencyUrgent, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)); r != nil {
		t.Errorf("working hours: %+v", r)
	}
	// Saturday evening: Sam is back on Monday at 9:00.
	sat := time.Date(2026, 11, 7, 19, 0, 0, 0, time.UTC)
	r := CardAutoReply(sam, area, UrgencyOrdinary, sat)
	if r == nil || r.WorkerName != "Sam" || r.NextAt == nil || !r.NextAt.Equal(monday9) || r.DutyToldNow || r.DutyAt != nil || r.TimeZone != "Europe/London" {
		t.Fatalf("weekend, ordinary: %+v", r)
	}
	// Urgent: the duty workers are told now.
	if r := CardAutoReply(sam, area, UrgencyUrgent, sat); r == nil || !r.DutyToldNow {
		t.Errorf("weekend, urgent: %+v", r)
	}
	// Concerning: duty are told after 4 hours, which is before Monday.
	if r := CardAutoReply(sam, area, UrgencyConcerning, sat); r == nil || r.DutyAt == nil || !r.DutyAt.Equal(sat.Add(4*time.Hour)) {
		t.Errorf("weekend, concerning: %+v", r)
	}
	// Concerning at 7:00 on a Monday: Sam starts at 9:00, before the 4 hours run out.
	early := time.Date(2026, 11, 9, 7, 0, 0, 0, time.UTC)
	if r := CardAutoReply(sam, area, UrgencyConcerning, early); r == nil || r.DutyAt != nil || !r.NextAt.Equal(monday9) {
		t.Errorf("early Monday, concerning: %+v", r)
	}
	// In summer time, 8:30 UTC is 9:30 in London: working.
	if r := CardAutoReply(sam, area, UrgencyOrdinary, time.Date(2026, 6, 1, 8, 30, 0, 0, time.UTC)); r != nil {
		t.Errorf("summer time: %+v", r)
	}
	// No key worker.
	if r := CardAutoReply(nil, area, UrgencyUrgent, sat); r == nil || !r.NoWorker || !r.DutyToldNow {
		t.Errorf("no worker: %+v", r)
	}
	// A worker with no hours: honest that we do not know when.
	if r := CardAutoReply(&Staff{Name: "Ali"}, area, UrgencyOrdinary, sat); r == nil || r.NextAt != nil || r.WorkerName != "Ali" {
		t.Errorf("no hours: %+v", r)
	}
	// An unknown zone falls back to London.
	if r := CardAutoReply(sam, Area{TimeZone: "Mars/Base"}, UrgencyOrdinary, sat); r == nil || r.TimeZone != "Europe/London" {
		t.Errorf("unknown zone: %+v", r)
	}
}

func TestCardDay(t *testing.T) {
	// 23:30 UTC on 31 May is 00:30 on 1 June in London (summer time).
	if got := CardDay("Europe/London", time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)); got != "2026-06-01" {
		t.Errorf("day %s", got)
	}
}

func TestCardAccess(t *testing.T) {
	card := Card{AreaID: "a", YoungPersonID: "yp"}
	cases := []struct {
		name                string
		p                   Principal
		keyWorker, escalate bool
		read, ack           bool
	}{
		{"own card", Principal{AreaID: "a", ID: "yp", Role: RoleYoungPerson}, false, false, true, false},
		{"another young person", Principal{AreaID: "a", ID: "yp2", Role: RoleYoungPerson}, false, false, false, false},
		{"current key worker", Principal{AreaID: "a", Role: RoleKeyWorker}, true, false, true, true},
		{"other key worker", Principal{AreaID: "a", Role: RoleKeyWorker}, false, false, false, false},
		{"key worker, escalation does not apply", Principal{AreaID: "a", Role: RoleKeyWorker}, false, true, false, false},
		{"duty, escalated", Principal{AreaID: "a", Role: RoleDutyWorker}, false, true, true, true},
		{"duty, not escalated", Principal{AreaID: "a", Role: RoleDutyWorker}, false, false, false, false},
		{"manager, escalated", Principal{AreaID: "a", Role: RoleTeamManager}, false, true, true, true},
		{"manager, not escalated", Principal{AreaID: "a", Role: RoleTeamManager}, false, false, false, false},
		{"administrator", Principal{AreaID: "a", Role: RoleAdministrator}, true, true, false, false},
		{"commissioner", Principal{AreaID: "a", Role: RoleCommissioner}, true, true, false, false},
		{"placement", Principal{AreaID: "a", Role: RolePlacementStaff}, true, true, false, false},
		{"other area key worker", Principal{AreaID: "b", Role: RoleKeyWorker}, true, true, false, false},
		{"other area young person", Principal{AreaID: "b", ID: "yp", Role: RoleYoungPerson}, false, false, false, false},
		{"no area", Principal{Role: RoleKeyWorker}, true, true, false, false},
	}
	for _, c := range cases {
		read, ack := CardAccess(c.p, card, c.keyWorker, c.escalate)
		if read != c.read || ack != c.ack {
			t.Errorf("%s: read %v ack %v, want %v %v", c.name, read, ack, c.read, c.ack)
		}
	}
}

func TestSortInbox(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	acked := t0
	cards := []Card{
		{ID: "old-ordinary", Urgency: UrgencyOrdinary, ReceivedAt: t0},
		{ID: "acked-urgent", Urgency: UrgencyUrgent, ReceivedAt: t0.Add(5 * time.Minute), AckAt: &acked},
		{ID: "new-ordinary", Urgency: UrgencyOrdinary, ReceivedAt: t0.Add(3 * time.Minute)},
		{ID: "old-urgent", Urgency: UrgencyUrgent, ReceivedAt: t0.Add(-time.Hour)},
		{ID: "concerning", Urgency: UrgencyConcerning, ReceivedAt: t0.Add(time.Minute)},
		{ID: "new-urgent", Urgency: UrgencyUrgent, ReceivedAt: t0.Add(2 * time.Minute)},
		{ID: "acked-new", Urgency: UrgencyOrdinary, ReceivedAt: t0.Add(10 * time.Minute), AckAt: &acked},
	}
	SortInbox(cards)
	var got []string
	for _, c := range cards {
		got = append(got, c.ID)
	}
	want := "new-urgent,old-urgent,new-ordinary,concerning,old-ordinary,acked-new,acked-urgent"
	if strings.Join(got, ",") != want {
		t.Errorf("order %s\nwant  %s", strings.Join(got, ","), want)
	}
}

// An inbox of many cards is read a page at a time, in inbox order; its counts
// are of the whole inbox.
func TestInboxPagesAndCounts(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var es []InboxEntry
	for i := range CardInboxPage + 7 {
		e := InboxEntry{ID: fmt.Sprintf("c%03d", i), YoungPersonID: []string{"jay", "mia"}[i%2], Urgency: UrgencyOrdinary,
			ReceivedAt: t0.Add(time.Duration(i) * time.Minute), Acknowledged: i%3 == 0}
		if i == 4 {
			e.Urgency = UrgencyUrgent
		}
		es = append(es, e)
	}
	SortInboxEntries(es)
	if es[0].ID != "c004" {
		t.Fatalf("the urgent card waiting is not first: %s", es[0].ID)
	}
	first, more := InboxPageOf(es, 0)
	if len(first) != CardInboxPage || !more {
		t.Fatalf("first page: %d cards, more %v", len(first), more)
	}
	second, more := InboxPageOf(es, 1)
	if len(second) != 7 || more || second[6].ID != "c000" {
		t.Fatalf("second page: %d cards, more %v", len(second), more)
	}
	if none, more := InboxPageOf(es, 2); len(none) != 0 || more {
		t.Fatalf("past the end: %d cards, more %v", len(none), more)
	}
	if none, _ := InboxPageOf(es, -1); len(none) != 0 {
		t.Fatal("a negative page has cards")
	}
	waiting, urgent, by := InboxCounts(es)
	if waiting != 38 || urgent != 1 || by["jay"]+by["mia"] != 38 {
		t.Fatalf("counts: %d waiting, %d urgent, %v", waiting, urgent, by)
	}
}

func TestCardAckBucket(t *testing.T) {
	cases := map[time.Duration]string{
		0:                "60",
		time.Minute:      "60",
		61 * time.Second: "120",
		14 * time.Minute: "900",
		15 * time.Minute: "900",
		3 * time.Hour:    "14400",
		24 * time.Hour:   "86400",
		25 * time.Hour:   "inf",
	}
	for d, want := range cases {
		if got := CardAckBucket(d); got != want {
			t.Errorf("%v: %s, want %s", d, got, want)
		}
	}
}
