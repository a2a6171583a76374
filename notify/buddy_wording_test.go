package notify

import (
	"testing"

	"heard"
	"heard/i18n"
)

// TestBuddyWeekWording: the buddy week's pushes say "Heard" and plain words
// of their own in English and Arabic, never a name or how someone felt.
func TestBuddyWeekWording(t *testing.T) {
	want := map[string]string{
		heard.NoticeBuddyCheckin:     "How was today? Tap to tell us.",
		heard.NoticeBuddyCheckinLast: "Last day with your buddy. How was it? Tap to tell us.",
		heard.NoticeBuddyMorning:     "A newcomer may need you this morning.",
		heard.NoticeBuddyMatched:     "You have a buddy for your first week.",
		heard.NoticeBuddyRequest:     "A newcomer has asked something about their buddy. Please open Heard.",
	}
	for typ, english := range want {
		en := Wording("en", typ, heard.UrgencyOrdinary)
		if en.Title != "Heard" || en.Body != english {
			t.Errorf("%s in English: %+v", typ, en)
		}
		ar := Wording("ar", typ, heard.UrgencyOrdinary)
		if ar.Dir != "rtl" || ar.Body == english || ar.Body != i18n.T("ar", "push."+typ+".body") {
			t.Errorf("%s in Arabic: %+v", typ, ar)
		}
	}
}
