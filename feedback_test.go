package heard

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFeedbackRequestExpiresAfter14Days(t *testing.T) {
	made := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	r := NewFeedbackRequest(Contact{ID: NewID(), AreaID: "a", YoungPersonID: "y", StaffID: "s", Kind: ContactReview, Service: ServiceCAMHS}, PlacementFoster, made)
	if got := r.ExpiresAt.Sub(made); got != 14*24*time.Hour {
		t.Fatalf("lifetime %v", got)
	}
	cases := []struct {
		at   time.Duration
		open bool
	}{
		{0, true},
		{14*24*time.Hour - time.Millisecond, true},
		{14 * 24 * time.Hour, false},
		{15 * 24 * time.Hour, false},
	}
	for _, c := range cases {
		if got := r.Open(made.Add(c.at)); got != c.open {
			t.Errorf("open at +%v = %v, want %v", c.at, got, c.open)
		}
	}
}

func TestFeedbackRequestTakesOneAnswer(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	open := FeedbackRequest{ExpiresAt: now.Add(time.Hour)}
	answered := FeedbackRequest{ExpiresAt: now.Add(time.Hour), AnswerKey: "first"}
	expired := FeedbackRequest{ExpiresAt: now}
	expiredButAnswered := FeedbackRequest{ExpiresAt: now, AnswerKey: "first"}
	cases := []struct {
		name string
		r    FeedbackRequest
		id   string
		want error
	}{
		{"open", open, "first", nil},
		{"retry of the same answer", answered, "first", nil},
		{"second answer", answered, "second", ErrAlreadyAnswered},
		{"expired", expired, "first", ErrRequestExpired},
		{"retry after expiry still succeeds", expiredButAnswered, "first", nil},
		{"second answer after expiry", expiredButAnswered, "second", ErrAlreadyAnswered},
	}
	for _, c := range cases {
		if err := c.r.CheckAnswerable(c.id, now); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if !errors.Is(ErrAlreadyAnswered, ErrConflict) {
		t.Error("a second answer should be a conflict")
	}
	if answered.Open(now) || !open.Open(now) {
		t.Error("an answered request is open, or an open one is not")
	}
}

// The ids that keep an anonymous answer apart from its request: the stored id
// and the request's key are both made from the phone's id, each by its own
// one-way function, so neither leads to the other, and both look like any
// other id Heard makes.
func TestAnonymousAnswerIDsLeadNowhere(t *testing.T) {
	phone := NewID()
	stored, key := StoredAnswerID("yp", phone, true), FeedbackAnswerKey(phone)
	if stored == phone || key == phone || stored == key {
		t.Fatalf("phone %s, stored %s, key %s", phone, stored, key)
	}
	for _, id := range []string{stored, key, FeedbackRequestID(phone)} {
		if !ValidID(id) {
			t.Errorf("%s is not shaped like Heard's ids", id)
		}
	}
	if StoredAnswerID("yp", phone, true) != stored || FeedbackAnswerKey(phone) != key {
		t.Error("a retry would not find the same answer")
	}
	if FeedbackAnswerKey(stored) == key || StoredAnswerID("yp", key, true) == stored {
		t.Error("one id leads to the other")
	}
	// Another young person presenting the same phone id finds nothing of this answer.
	if other := StoredAnswerID("another", phone, true); other == stored || !ValidID(other) {
		t.Error("another young person's phone id leads to this answer")
	}
	if shared := StoredAnswerID("yp", phone, false); shared == stored || shared == phone || shared == StoredAnswerID("another", phone, false) {
		t.Error("a shared answer's id is made apart, per young person")
	}
	if FeedbackRequestID(phone) != FeedbackRequestID(phone) || FeedbackRequestID(phone) == FeedbackRequestID(NewID()) {
		t.Error("a contact's request id should be its own and stable")
	}
}

func TestNewAnswerKeepsOnlyWhatItMay(t *testing.T) {
	now := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)
	req := FeedbackRequest{ID: NewID(), Kind: ContactReview, Service: ServiceCAMHS, ExpiresAt: now.Add(time.Hour)}
	about := AnswerAbout{AreaID: "area", YoungPersonID: "yp", Request: &req, WorkerID: "kw", PlacementType: PlacementFoster,
		TimeZone: "Europe/London", Now: now}
	n := NewAnswer{ID: NewID(), RequestID: req.ID, Listened: ESQNo, Serious: ESQABit, HadSay: ESQYes, Experience: FFTPoor, Words: "  not heard "}

	anon, problems := n.Answer(about)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := Answer{ID: StoredAnswerID("yp", n.ID, true), AreaID: "area", Service: ServiceCAMHS, PlacementType: PlacementFoster, Month: "2026-11",
		Listened: ESQNo, Serious: ESQABit, HadSay: ESQYes, Experience: FFTPoor, Words: "not heard"}
	if !reflect.DeepEqual(anon, want) {
		t.Fatalf("anonymous answer:\n%+v\nwant\n%+v", anon, want)
	}

	n.ShareWithWorker = true
	shared, _ := n.Answer(about)
	if shared.ID != StoredAnswerID("yp", n.ID, false) || shared.YoungPersonID != "yp" || shared.StaffID != "kw" || shared.RequestID != req.ID || shared.Kind != "review" ||
		shared.Day != "2026-11-30" || !shared.CreatedAt.Equal(now) {
		t.Fatalf("shared answer: %+v", shared)
	}
	n.ShareWithWorker, n.FollowUp = false, true
	followUp, _ := n.Answer(about)
	if followUp.ID != StoredAnswerID("yp", n.ID, false) || followUp.YoungPersonID != "" || followUp.RequestID != "" || !followUp.FollowUp {
		t.Fatalf("answer with a follow-up: %+v", followUp)
	}

	other := n
	other.Service = ServiceSocialCare
	if _, p := other.Answer(about); !reflect.DeepEqual(p, map[string]string{"service": "not_the_request_service"}) {
		t.Errorf("another service than the request's: %v", p)
	}
	anyTime := NewAnswer{Listened: ESQYes, Serious: ESQYes, HadSay: ESQYes, Experience: FFTGood, ShareWithWorker: true}
	if _, p := anyTime.Answer(AnswerAbout{Now: now}); p["service"] != "required" || p["shareWithWorker"] != "no_worker" {
		t.Errorf("any time, no service, no worker: %v", p)
	}
	if p := (NewAnswer{ID: "x", RequestID: "y"}).CheckIDs(); p["id"] != "id_format" || p["requestId"] != "id_format" {
		t.Errorf("ids: %v", p)
	}
}

func TestNewContactDay(t *testing.T) {
	// 00:30 on 2 November in London is still 1 November in New York.
	now := time.Date(2026, 11, 2, 0, 30, 0, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	cases := []struct {
		date, zone string
		want       time.Time
		ok         bool
	}{
		{"", "Europe/London", day("2026-11-02"), true},
		{"", "America/New_York", day("2026-11-01"), true},
		{"2026-11-02", "America/New_York", day("2026-11-02"), false},
		{"2026-10-03", "Europe/London", day("2026-10-03"), true},
		{"2026-10-02", "Europe/London", day("2026-10-02"), false},
	}
	for _, c := range cases {
		got, ok := NewContact{Kind: ContactMeeting, Date: c.date}.ContactDay(c.zone, now)
		if ok != c.ok || ok && !got.Equal(c.want) {
			t.Errorf("%q in %s: %v %v", c.date, c.zone, got, ok)
		}
	}
	if p := (NewContact{ID: "1", Kind: "party", Service: "school", Date: "2/11/2026"}).Validate(); len(p) != 4 {
		t.Errorf("problems: %v", p)
	}
}

func TestCanCloseFollowUp(t *testing.T) {
	f := FollowUp{TeamID: "team", AboutStaffID: "worker"}
	cases := []struct {
		p    Principal
		want bool
	}{
		{Principal{ID: "m", Role: RoleTeamManager, TeamID: "team"}, true},
		{Principal{ID: "m", Role: RoleTeamManager, TeamID: "other"}, false},
		{Principal{ID: "m", Role: RoleTeamManager}, false},
		{Principal{ID: "worker", Role: RoleTeamManager, TeamID: "team"}, false},
		{Principal{ID: "a", Role: RoleAdministrator}, true},
		{Principal{ID: "worker", Role: RoleAdministrator}, false},
		{Principal{ID: "k", Role: RoleKeyWorker, TeamID: "team"}, false},
	}
	for _, c := range cases {
		if got := CanCloseFollowUp(c.p, f); got != c.want {
			t.Errorf("%+v: %v", c.p, got)
		}
	}
}

func TestAnswerValidate(t *testing.T) {
	ok := Answer{Listened: ESQYes, Serious: ESQABit, HadSay: ESQNotSure, Experience: FFTDontKnow, Service: ServiceSocialCare}
	cases := []struct {
		name   string
		change func(a *Answer)
		want   map[string]string
	}{
		{"fine", func(a *Answer) {}, map[string]string{}},
		{"missing listened", func(a *Answer) { a.Listened = "" }, map[string]string{"listened": "one_of"}},
		{"unknown serious", func(a *Answer) { a.Serious = "maybe" }, map[string]string{"serious": "one_of"}},
		{"unknown had say", func(a *Answer) { a.HadSay = "YES" }, map[string]string{"hadSay": "one_of"}},
		{"unknown experience", func(a *Answer) { a.Experience = "ok" }, map[string]string{"experience": "one_of"}},
		{"unknown service", func(a *Answer) { a.Service = "school" }, map[string]string{"service": "one_of"}},
		{"500 characters of Arabic", func(a *Answer) { a.Words = strings.Repeat("ش", 500) }, map[string]string{}},
		{"501 characters", func(a *Answer) { a.Words = strings.Repeat("a", 501) }, map[string]string{"words": "length"}},
		{"follow-up after no", func(a *Answer) { a.Listened, a.FollowUp = ESQNo, true }, map[string]string{}},
		{"follow-up after a bit", func(a *Answer) { a.Listened, a.FollowUp = ESQABit, true }, map[string]string{"followUp": "only_when_not_listened"}},
		{"follow-up after yes", func(a *Answer) { a.FollowUp = true }, map[string]string{"followUp": "only_when_not_listened"}},
	}
	for _, c := range cases {
		a := ok
		c.change(&a)
		if got := a.Validate(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFeedbackKindsAndAnswers(t *testing.T) {
	for _, k := range []string{"meeting", "review", "visit", "appointment"} {
		if !ContactKind(k).Valid() {
			t.Errorf("%s should be a contact kind", k)
		}
	}
	for _, k := range []string{"", "any_time", "Meeting", "call"} {
		if ContactKind(k).Valid() {
			t.Errorf("%q should not be a contact kind", k)
		}
	}
	positive := map[FFTAnswer]bool{FFTVeryGood: true, FFTGood: true}
	for _, a := range FFTAnswers {
		if a.Positive() != positive[a] {
			t.Errorf("%s positive = %v", a, a.Positive())
		}
	}
}

func TestCleanWords(t *testing.T) {
	cases := map[string]string{
		"  thank you  ":           "thank you",
		"line one\nline two":      "line one\nline two",
		"bell\a and nul\x00 gone": "bell and nul gone",
		"شكرا لك":                 "شكرا لك",
		"\u200fRTL mark kept":     "\u200fRTL mark kept",
	}
	for in, want := range cases {
		if got := CleanWords(in); got != want {
			t.Errorf("CleanWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFollowUpRecipientsNeverTheWorker(t *testing.T) {
	team, other := "team", "other-team"
	manager := Staff{ID: "manager", Role: RoleTeamManager, TeamID: team}
	manager2 := Staff{ID: "manager2", Role: RoleTeamManager, TeamID: team}
	otherManager := Staff{ID: "other-manager", Role: RoleTeamManager, TeamID: other}
	gone := Staff{ID: "gone", Role: RoleTeamManager, TeamID: team, Disabled: true}
	admin := Staff{ID: "admin", Role: RoleAdministrator}
	admin2 := Staff{ID: "admin2", Role: RoleAdministrator}
	worker := Staff{ID: "worker", Role: RoleKeyWorker, TeamID: team}
	cases := []struct {
		name  string
		about string
		staff []Staff
		want  []string
	}{
		{"the team's managers", worker.ID, []Staff{worker, manager, manager2, otherManager, admin}, []string{"manager", "manager2"}},
		{"not a disabled manager", worker.ID, []Staff{worker, manager, gone, admin}, []string{"manager"}},
		{"the manager is the worker: the other manager", manager.ID, []Staff{manager, manager2, admin}, []string{"manager2"}},
		{"the only manager is the worker: administrators", manager.ID, []Staff{manager, otherManager, admin, admin2}, []string{"admin", "admin2"}},
		{"no manager: administrators", worker.ID, []Staff{worker, otherManager, admin}, []string{"admin"}},
		{"an administrator who is the worker is left out", admin.ID, []Staff{admin, admin2}, []string{"admin2"}},
		{"nobody", worker.ID, []Staff{worker}, nil},
	}
	for _, c := range cases {
		got := FollowUpRecipients(team, c.about, c.staff)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
		for _, id := range got {
			if id == c.about {
				t.Errorf("%s: the worker the answer is about was told", c.name)
			}
		}
	}
}
