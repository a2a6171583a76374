package heard

import (
	"strings"
	"testing"
	"time"
)

func TestNewCardMessageValidate(t *testing.T) {
	id := NewID()
	cases := []struct {
		n            NewCardMessage
		young        bool
		field, wants string
	}{
		{NewCardMessage{ID: id, Text: "ok thanks"}, true, "", ""},
		{NewCardMessage{ID: id, Text: "  "}, true, "text", "required"},
		{NewCardMessage{ID: id, Text: strings.Repeat("x", CardAnswerMaxChars+1)}, true, "text", "too_long"},
		{NewCardMessage{ID: id, QuickReply: "thank_you"}, true, "quickReply", "not_allowed"},
		{NewCardMessage{ID: "x", Text: "hi"}, true, "id", "id_format"},
		{NewCardMessage{ID: id, QuickReply: "here_for_you"}, false, "", ""},
		{NewCardMessage{ID: id, QuickReply: "talk_at", At: "16:30", Text: "in the kitchen"}, false, "", ""},
		{NewCardMessage{ID: id}, false, "text", "required"},
		{NewCardMessage{ID: id, QuickReply: "talk_at"}, false, "at", "required"},
		{NewCardMessage{ID: id, Text: strings.Repeat("x", CardReplyMaxChars+1)}, false, "text", "too_long"},
	}
	for _, c := range cases {
		n := c.n
		errs := n.Validate(c.young)
		if c.field == "" && len(errs) != 0 || c.field != "" && errs[c.field] != c.wants {
			t.Errorf("%+v young=%v: %v, want %s=%s", c.n, c.young, errs, c.field, c.wants)
		}
	}
}

func TestCardNews(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	at := func(m int) *time.Time { v := t0.Add(time.Duration(m) * time.Minute); return &v }
	staff := func(m int) CardMessage { return CardMessage{ID: NewID(), At: *at(m), FromRole: RoleKeyWorker} }
	young := func(m int) CardMessage { return CardMessage{ID: NewID(), At: *at(m), FromRole: RoleYoungPerson} }
	cases := []struct {
		name string
		c    Card
		want bool
	}{
		{"not seen yet", Card{}, false},
		{"seen, not looked", Card{AckAt: at(1)}, true},
		{"seen and looked", Card{AckAt: at(1), LookedAt: at(2)}, false},
		{"a reply after looking", Card{AckAt: at(1), LookedAt: at(2), Messages: []CardMessage{staff(3)}}, true},
		{"own answer after looking is not news", Card{AckAt: at(1), LookedAt: at(2), Messages: []CardMessage{young(3)}}, false},
		{"looked after the last reply", Card{AckAt: at(1), LookedAt: at(5), Messages: []CardMessage{staff(3), young(4)}}, false},
	}
	for _, c := range cases {
		if got := CardNews(c.c); got != c.want {
			t.Errorf("%s: news %v, want %v", c.name, got, c.want)
		}
	}
}
