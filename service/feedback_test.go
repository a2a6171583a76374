package service_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
	"heard/notify"
	"heard/service"
	"heard/store"
	"heard/testkit"
)

// feedbackWorld is one area with a key worker, their young person (with a
// joined phone and a signed-in session), a team manager and an administrator,
// the real outbox as notifier, and a store whose writes can be made to fail.
type feedbackWorld struct {
	t       *testing.T
	ctx     context.Context
	clock   *testkit.Clock
	st      *store.Store
	svc     *service.Service
	area    heard.Area
	kw      heard.Staff
	manager heard.Staff
	yp      heard.YoungPerson
	device  heard.Device
	session string
	writes  *writeLog
}

func newFeedbackWorld(t *testing.T) *feedbackWorld {
	t.Helper()
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	st := testkit.Store(t, clock)
	w := &feedbackWorld{t: t, ctx: ctx, clock: clock, st: st, writes: &writeLog{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.area = heard.Area{ID: heard.NewID(), Name: "Riverside", TimeZone: "Europe/London", Escalation: heard.DefaultEscalation(), CreatedAt: clock.Now()}
	must(st.CreateArea(ctx, w.area))
	team := heard.Team{ID: heard.NewID(), AreaID: w.area.ID, Name: "Social care"}
	must(st.CreateTeam(ctx, team))
	staff := func(name string, role heard.Role) heard.Staff {
		s := heard.Staff{ID: heard.NewID(), AreaID: w.area.ID, Email: strings.ToLower(strings.Fields(name)[0]) + "@heard.test", Name: name,
			Role: role, TeamID: team.ID, Language: "en", CreatedAt: clock.Now()}
		must(st.CreateStaff(ctx, s))
		return s
	}
	w.kw = staff("Kim Worker", heard.RoleKeyWorker)
	w.manager = staff("Morgan Manager", heard.RoleTeamManager)
	staff("Ada Admin", heard.RoleAdministrator)
	w.yp = heard.YoungPerson{ID: heard.NewID(), AreaID: w.area.ID, FirstName: "Jay", Language: "en", TeamID: team.ID, Service: heard.ServiceSocialCare}
	must(st.CreateYoungPerson(ctx, w.yp))
	_, err := st.Assign(ctx, w.area.ID, w.yp.ID, w.kw.ID)
	must(err)
	w.device = heard.Device{ID: heard.NewID(), AreaID: w.area.ID, YoungPersonID: w.yp.ID, Name: "Phone", SecretHash: heard.HashSecret("s"),
		CreatedAt: clock.Now(), LastSeenAt: clock.Now()}
	must(st.CreateDevice(ctx, w.device))
	w.session = heard.NewID()
	_, err = st.IssueRefreshToken(ctx, store.RefreshToken{Family: w.session, SubjectID: w.yp.ID, Role: heard.RoleYoungPerson, AreaID: w.area.ID,
		DeviceID: w.device.ID}, time.Hour)
	must(err)
	w.svc = w.service("first")
	st.Faults = w.writes.fault
	return w
}

// service is an instance of the service (another instance is another name).
func (w *feedbackWorld) service(instance string) *service.Service {
	private, public, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		w.t.Fatal(err)
	}
	n, err := notify.New(notify.Config{Store: w.st, Log: testkit.Quiet(), Clock: w.clock, VAPIDPublicKey: public, VAPIDPrivateKey: private,
		Subject: "feedback@heard.test", Instance: instance})
	if err != nil {
		w.t.Fatal(err)
	}
	return service.New(service.Config{Store: w.st, Notifier: n, Clock: w.clock, Log: testkit.Quiet(), Instance: instance})
}

func (w *feedbackWorld) worker() heard.Principal {
	return heard.Principal{ID: w.kw.ID, AreaID: w.area.ID, Role: heard.RoleKeyWorker, Name: w.kw.Name, TeamID: w.kw.TeamID, RequestID: heard.NewID()}
}

func (w *feedbackWorld) youngPerson() heard.Principal {
	return heard.Principal{ID: w.yp.ID, AreaID: w.area.ID, Role: heard.RoleYoungPerson, Name: w.yp.FirstName, TeamID: w.yp.TeamID,
		DeviceID: w.device.ID, SessionID: w.session, RequestID: heard.NewID()}
}

// logContact logs a meeting and returns its request's id.
func (w *feedbackWorld) logContact() string {
	w.t.Helper()
	v, _, err := w.svc.LogContact(w.ctx, w.worker(), w.yp.ID, heard.NewContact{ID: heard.NewID(), Kind: heard.ContactMeeting})
	if err != nil {
		w.t.Fatal(err)
	}
	return v.Request.ID
}

// writeLog counts the store's writes and fails the one numbered failAt (as a
// crash or a lost connection right after it would: it has taken effect).
type writeLog struct {
	mu     sync.Mutex
	on     bool
	n      int
	failAt int
	ops    []string
}

func (l *writeLog) fault(ctx context.Context, op, collection string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.on {
		return nil
	}
	l.n++
	l.ops = append(l.ops, op+" "+collection)
	if l.n == l.failAt {
		return errInjected
	}
	return nil
}

// record counts the writes of what runs until stop, failing the failAt-th (0: none).
func (l *writeLog) record(failAt int) (stop func() []string) {
	l.mu.Lock()
	l.on, l.n, l.failAt, l.ops = true, 0, failAt, nil
	l.mu.Unlock()
	return func() []string {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.on = false
		return l.ops
	}
}

// count returns how many documents of a collection match.
func (w *feedbackWorld) count(collection string, filter bson.D) int {
	w.t.Helper()
	if filter == nil {
		filter = bson.D{}
	}
	n, err := w.st.DB.Collection(collection).CountDocuments(w.ctx, filter)
	if err != nil {
		w.t.Fatal(err)
	}
	return int(n)
}

// counters sums the area's KPI counters by "metric/dim".
func (w *feedbackWorld) counters() map[string]int64 {
	w.t.Helper()
	buckets, err := w.st.KPIBuckets(w.ctx, w.area.ID, []string{"2026-10", "2026-11", "2026-12"})
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range buckets {
		out[b.Metric+"/"+b.Dim] += b.N
	}
	return out
}

// pushes counts the notifications of a type waiting in the outbox for someone.
func (w *feedbackWorld) pushes(recipient, kind string) int {
	w.t.Helper()
	all, err := w.st.PendingNotifications(w.ctx, 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, x := range all {
		if x.RecipientID == recipient && x.Type == kind {
			n++
		}
	}
	return n
}

// faultEveryWrite runs a workflow once to list its writes, then, for each write
// in a fresh world, fails the workflow right after that write and recovers in
// two ways: the phone (or browser) sends it again; or it never comes back and
// another instance takes the workflow over once its lease has run out (the
// end state is checked then, when the first write that stores the subject had
// been made, and again after a late retry by the phone). stored says whether
// the subject (the contact, the answer) was stored.
func faultEveryWrite(t *testing.T, setup func(w *feedbackWorld) (run func() error), stored func(w *feedbackWorld) bool, check func(w *feedbackWorld)) {
	w := newFeedbackWorld(t)
	run := setup(w)
	stop := w.writes.record(0)
	if err := run(); err != nil {
		t.Fatal(err)
	}
	ops := stop()
	check(w)
	t.Logf("%d writes: %s", len(ops), strings.Join(ops, ", "))
	failAfter := func(t *testing.T, i int) (*feedbackWorld, func() error) {
		w := newFeedbackWorld(t)
		run := setup(w)
		stop := w.writes.record(i + 1)
		err := run()
		stop()
		if !errors.Is(err, errInjected) {
			t.Fatalf("the failure was not reported: %v", err)
		}
		return w, run
	}
	for i := range ops {
		t.Run(fmt.Sprintf("fail after %d (%s), the phone retries", i+1, ops[i]), func(t *testing.T) {
			w, again := failAfter(t, i)
			if err := again(); err != nil {
				t.Fatalf("retry: %v", err)
			}
			check(w)
		})
		t.Run(fmt.Sprintf("fail after %d (%s), another instance takes over", i+1, ops[i]), func(t *testing.T) {
			w, again := failAfter(t, i)
			w.clock.Advance(31 * time.Second)
			if _, err := w.service("second").RunOnce(w.ctx); err != nil {
				t.Fatalf("run: %v", err)
			}
			if stored(w) {
				check(w)
			} else if n := w.count("intents", nil); n != 0 {
				t.Errorf("%d workflows left in progress", n)
			}
			if err := again(); err != nil {
				t.Fatalf("late retry: %v", err)
			}
			check(w)
		})
	}
}

// Logging a contact: whatever write fails, a retry or another instance ends
// with one contact, one request, counted once, and one push to the young person.
func TestFeedbackLogContactExactUnderFaults(t *testing.T) {
	faultEveryWrite(t, func(w *feedbackWorld) func() error {
		n := heard.NewContact{ID: heard.NewID(), Kind: heard.ContactReview}
		p := w.worker()
		return func() error {
			_, _, err := w.svc.LogContact(w.ctx, p, w.yp.ID, n)
			return err
		}
	}, func(w *feedbackWorld) bool { return w.count("contacts", nil) > 0 }, func(w *feedbackWorld) {
		if n := w.count("contacts", nil); n != 1 {
			w.t.Fatalf("%d contacts", n)
		}
		if n := w.count("feedback_requests", nil); n != 1 {
			w.t.Errorf("%d requests", n)
		}
		if got := w.counters(); got["feedback_requests/review"] != 1 || len(got) != 1 {
			w.t.Errorf("counted %v", got)
		}
		if n := w.pushes(w.yp.ID, "feedback_request"); n != 1 {
			w.t.Errorf("%d pushes to the young person", n)
		}
		if n := w.count("audit", bson.D{{Key: "action", Value: "contact_logged"}}); n != 1 {
			w.t.Errorf("%d audit entries", n)
		}
		if n := w.count("intents", nil); n != 0 {
			w.t.Errorf("%d workflows left in progress", n)
		}
	})
}

// answerFaultCase answers a fresh request and checks the end state exact.
func answerFaultCase(t *testing.T, n heard.NewAnswer, checkMore func(w *feedbackWorld, phoneID string)) {
	var phoneID string
	faultEveryWrite(t, func(w *feedbackWorld) func() error {
		n := n
		n.ID, n.RequestID = heard.NewID(), w.logContact()
		phoneID = n.ID
		w.clock.Advance(2 * time.Hour)
		p := w.youngPerson()
		return func() error {
			_, _, err := w.svc.AnswerFeedback(w.ctx, p, n)
			return err
		}
	}, func(w *feedbackWorld) bool { return w.count("feedback_answers", nil) > 0 }, func(w *feedbackWorld) {
		if n := w.count("feedback_answers", nil); n != 1 {
			w.t.Fatalf("%d answers stored", n)
		}
		if n := w.count("feedback_answers", bson.D{{Key: "pending", Value: bson.D{{Key: "$exists", Value: true}}}}); n != 0 {
			w.t.Errorf("an answer is still being stored")
		}
		want := map[string]int64{"feedback_requests/meeting": 1, "feedback_responses/meeting": 1, "feedback_answers/": 1,
			"esq_listened/" + string(n.Listened): 1, "esq_serious/" + string(n.Serious): 1, "had_say/" + string(n.HadSay): 1,
			"fft/" + string(n.Experience): 1}
		got := w.counters()
		for k, v := range want {
			if got[k] != v {
				w.t.Errorf("counted %v, want %v", got, want)
				break
			}
		}
		if len(got) != len(want) {
			w.t.Errorf("counted %v, want %v", got, want)
		}
		if open, err := w.svc.MyFeedbackRequests(w.ctx, w.youngPerson()); err != nil || len(open) != 0 {
			w.t.Errorf("still asked: %v %v", err, open)
		}
		if n := w.count("intents", nil); n != 0 {
			w.t.Errorf("%d workflows left in progress", n)
		}
		checkMore(w, phoneID)
	})
}

// An anonymous answer: whatever write fails, a retry or another instance ends
// with one answer, counted once, and the request answered.
func TestFeedbackAnonymousAnswerExactUnderFaults(t *testing.T) {
	answerFaultCase(t, heard.NewAnswer{Listened: heard.ESQABit, Serious: heard.ESQYes, HadSay: heard.ESQNotSure, Experience: heard.FFTGood},
		func(w *feedbackWorld, phoneID string) {
			if _, err := w.st.FeedbackAnswer(w.ctx, w.area.ID, heard.StoredAnswerID(w.yp.ID, phoneID, true)); err != nil {
				w.t.Errorf("the answer: %v", err)
			}
		})
}

// An answer asking for a follow-up: also one follow-up, and one push to the
// manager (never the worker it is about).
func TestFeedbackFollowUpAnswerExactUnderFaults(t *testing.T) {
	answerFaultCase(t, heard.NewAnswer{Listened: heard.ESQNo, Serious: heard.ESQNo, HadSay: heard.ESQNo, Experience: heard.FFTPoor,
		Words: "Nobody let me speak", FollowUp: true},
		func(w *feedbackWorld, phoneID string) {
			if n := w.count("feedback_follow_ups", nil); n != 1 {
				w.t.Errorf("%d follow-ups", n)
			}
			if n := w.pushes(w.manager.ID, "feedback_follow_up"); n != 1 {
				w.t.Errorf("%d pushes to the manager", n)
			}
			if n := w.pushes(w.kw.ID, "feedback_follow_up"); n != 0 {
				w.t.Errorf("the worker it is about was told")
			}
			fus, err := w.svc.FollowUps(w.ctx, heard.Principal{ID: w.manager.ID, AreaID: w.area.ID, Role: heard.RoleTeamManager, TeamID: w.manager.TeamID})
			if err != nil || len(fus) != 1 || fus[0].ID != heard.StoredAnswerID(w.yp.ID, phoneID, false) || fus[0].Answer == nil || fus[0].Answer.Words != "Nobody let me speak" {
				w.t.Errorf("the manager's follow-ups: %v %+v", err, fus)
			}
		})
}

// A shared answer keeps who and which request, for that worker only.
func TestFeedbackSharedAnswerExactUnderFaults(t *testing.T) {
	answerFaultCase(t, heard.NewAnswer{Listened: heard.ESQYes, Serious: heard.ESQYes, HadSay: heard.ESQYes, Experience: heard.FFTVeryGood,
		Words: "Thanks", ShareWithWorker: true},
		func(w *feedbackWorld, phoneID string) {
			got, err := w.svc.SharedFeedback(w.ctx, w.worker(), w.yp.ID)
			if err != nil || len(got) != 1 || got[0].ID != heard.StoredAnswerID(w.yp.ID, phoneID, false) || got[0].Words != "Thanks" {
				w.t.Errorf("the worker's view: %v %+v", err, got)
			}
		})
}

// Anonymous means unlinkable: after an anonymous answer, nothing in any
// collection lets anyone reading the database (an administrator included)
// connect the answer to the young person. The answer holds only its area,
// service, placement type, month, answers and words, under an id no other
// document holds; the request keeps only a key no answer leads to; the
// counters remember the answer by an id kept nowhere else; no document holds
// the phone's id for the answer, and no time in the database is the time it
// was given.
func TestFeedbackAnonymousAnswerIsUnlinkable(t *testing.T) {
	w := newFeedbackWorld(t)
	p := w.youngPerson()
	requestID := w.logContact()
	r, err := w.st.FeedbackRequest(w.ctx, w.area.ID, requestID)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(2*time.Hour + 17*time.Minute + 3*time.Second)
	answeredAt := w.clock.Now()
	n := heard.NewAnswer{ID: heard.NewID(), RequestID: requestID, Listened: heard.ESQNo, Serious: heard.ESQABit, HadSay: heard.ESQNo,
		Experience: heard.FFTPoor, Words: "they talked over me"}
	if _, created, err := w.svc.AnswerFeedback(w.ctx, p, n); err != nil || !created {
		t.Fatalf("answer: %v %v", err, created)
	}
	stored := heard.StoredAnswerID(w.yp.ID, n.ID, true)
	key := heard.FeedbackAnswerKey(n.ID)
	// What identifies the young person, or leads to them.
	identifying := map[string]string{"young person": w.yp.ID, "device": w.device.ID, "session": w.session, "request": requestID,
		"contact": r.ContactID, "key worker": w.kw.ID, "phone's answer id": n.ID, "request's answer key": key,
		"request id of the call": p.RequestID}

	docs := w.everyDocument()
	var answerDocs, keyDocs []string
	for _, d := range docs {
		if strings.Contains(d.json, stored) {
			answerDocs = append(answerDocs, d.collection)
			if d.collection != "feedback_answers" {
				t.Errorf("%s holds the answer's id: %s", d.collection, d.json)
			}
			for what, id := range identifying {
				if strings.Contains(d.json, id) {
					t.Errorf("the answer is stored with the %s: %s", what, d.json)
				}
			}
			for field := range d.doc {
				if !slices.Contains([]string{"_id", "area", "service", "placementType", "month", "listened", "serious", "hadSay", "experience",
					"words", "shareWithWorker", "followUp", "_rev"}, field) {
					t.Errorf("the anonymous answer keeps %s: %s", field, d.json)
				}
			}
			if d.doc["month"] != "2026-11" {
				t.Errorf("month %v", d.doc["month"])
			}
		}
		if strings.Contains(d.json, "they talked over me") && !strings.Contains(d.json, stored) {
			t.Errorf("%s holds the answer's words: %s", d.collection, d.json)
		}
		if strings.Contains(d.json, n.ID) {
			t.Errorf("%s holds the phone's id for the answer: %s", d.collection, d.json)
		}
		if strings.Contains(d.json, key) {
			keyDocs = append(keyDocs, d.collection)
		}
		for _, at := range d.times {
			if at.Equal(answeredAt) || at.Equal(answeredAt.Truncate(time.Millisecond)) {
				t.Errorf("%s holds the time of the answer: %s", d.collection, d.json)
			}
		}
		if d.collection == "kpi_months" {
			for what, id := range identifying {
				if what != "request" && strings.Contains(d.json, id) {
					t.Errorf("the counters hold the %s: %s", what, d.json)
				}
			}
			// The counters' memory of what they counted: the request (counted
			// when the contact was logged) and one event id that no other
			// document holds.
			recent, _ := d.doc["recent"].(bson.A)
			for _, e := range recent {
				id := fmt.Sprint(e)
				if id == "feedback_request/"+requestID {
					continue
				}
				for _, other := range docs {
					if other.collection != "kpi_months" && strings.Contains(other.json, id) {
						t.Errorf("the answer's count event %s is in %s: %s", id, other.collection, other.json)
					}
				}
			}
		}
	}
	if len(answerDocs) != 1 {
		t.Fatalf("the answer's id is in %v", answerDocs)
	}
	if !slices.Equal(keyDocs, []string{"feedback_requests"}) {
		t.Errorf("the request's key is in %v", keyDocs)
	}
}

type storedDoc struct {
	collection string
	doc        bson.M
	json       string
	times      []time.Time
}

// everyDocument reads every document of every collection of the database.
func (w *feedbackWorld) everyDocument() []storedDoc {
	w.t.Helper()
	names, err := w.st.DB.ListCollectionNames(w.ctx, bson.D{})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []storedDoc
	for _, name := range names {
		cur, err := w.st.DB.Collection(name).Find(w.ctx, bson.D{})
		if err != nil {
			w.t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(w.ctx, &docs); err != nil {
			w.t.Fatal(err)
		}
		for _, d := range docs {
			j, err := bson.MarshalExtJSON(d, false, false)
			if err != nil {
				w.t.Fatal(err)
			}
			out = append(out, storedDoc{collection: name, doc: d, json: string(j), times: timesIn(d)})
		}
	}
	return out
}

// timesIn lists every time value in a document, however deep.
func timesIn(v any) []time.Time {
	switch x := v.(type) {
	case bson.DateTime:
		return []time.Time{x.Time().UTC()}
	case time.Time:
		return []time.Time{x.UTC()}
	case bson.M:
		var out []time.Time
		for _, e := range x {
			out = append(out, timesIn(e)...)
		}
		return out
	case bson.D:
		var out []time.Time
		for _, e := range x {
			out = append(out, timesIn(e.Value)...)
		}
		return out
	case bson.A:
		var out []time.Time
		for _, e := range x {
			out = append(out, timesIn(e)...)
		}
		return out
	}
	return nil
}

// Answers to one request sent at the same moment: exactly one is stored and
// counted; the others are told it was answered and leave nothing behind.
func TestFeedbackConcurrentAnswersOneWins(t *testing.T) {
	w := newFeedbackWorld(t)
	requestID := w.logContact()
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := w.svc.AnswerFeedback(w.ctx, w.youngPerson(), heard.NewAnswer{ID: heard.NewID(), RequestID: requestID,
				Listened: heard.ESQYes, Serious: heard.ESQYes, HadSay: heard.ESQYes, Experience: heard.FFTGood})
			mu.Lock()
			defer mu.Unlock()
			outcomes[fmt.Sprint(err)]++
		}()
	}
	wg.Wait()
	if outcomes["<nil>"] != 1 || outcomes[heard.ErrAlreadyAnswered.Error()] != 7 {
		t.Errorf("outcomes: %v", outcomes)
	}
	if w.count("feedback_answers", nil) != 1 || w.counters()["feedback_answers/"] != 1 || w.count("intents", nil) != 0 {
		t.Fatalf("%d stored, counted %v, %d in progress", w.count("feedback_answers", nil), w.counters(), w.count("intents", nil))
	}
}

func TestFeedbackAnswerRules(t *testing.T) {
	w := newFeedbackWorld(t)
	p := w.youngPerson()
	requestID := w.logContact()
	answer := heard.NewAnswer{ID: heard.NewID(), RequestID: requestID, Listened: heard.ESQYes, Serious: heard.ESQYes, HadSay: heard.ESQYes,
		Experience: heard.FFTGood}
	v, created, err := w.svc.AnswerFeedback(w.ctx, p, answer)
	if err != nil || !created || v.ID != answer.ID || v.RequestID != requestID || v.SharedWithWorker {
		t.Fatalf("answer: %v %v %+v", err, created, v)
	}
	if _, created, err := w.svc.AnswerFeedback(w.ctx, p, answer); err != nil || created {
		t.Fatalf("retry: %v %v", err, created)
	}
	second := answer
	second.ID = heard.NewID()
	if _, _, err := w.svc.AnswerFeedback(w.ctx, p, second); !errors.Is(err, heard.ErrAlreadyAnswered) {
		t.Errorf("second answer: %v", err)
	}
	// The same phone id with other choices is not a second answer either.
	changed := answer
	changed.ShareWithWorker = true
	if _, _, err := w.svc.AnswerFeedback(w.ctx, p, changed); !errors.Is(err, heard.ErrAlreadyAnswered) {
		t.Errorf("same id, shared this time: %v", err)
	}
	// The phone's id for one answer cannot answer another request.
	other := answer
	other.RequestID = w.logContact()
	if _, _, err := w.svc.AnswerFeedback(w.ctx, p, other); !errors.Is(err, heard.ErrAnswerIDInUse) {
		t.Errorf("one id for two requests: %v", err)
	}
	// Another young person cannot answer it; it is not found.
	stranger := p
	stranger.ID = heard.NewID()
	if _, _, err := w.svc.AnswerFeedback(w.ctx, stranger, heard.NewAnswer{RequestID: other.RequestID, Listened: heard.ESQYes,
		Serious: heard.ESQYes, HadSay: heard.ESQYes, Experience: heard.FFTGood}); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("someone else's request: %v", err)
	}
	// Fourteen days on, the request has closed.
	w.clock.Advance(14 * 24 * time.Hour)
	late := answer
	late.ID, late.RequestID = heard.NewID(), other.RequestID
	if _, _, err := w.svc.AnswerFeedback(w.ctx, p, late); !errors.Is(err, heard.ErrRequestExpired) {
		t.Errorf("late answer: %v", err)
	}
	if got := w.counters(); got["feedback_answers/"] != 1 || got["feedback_responses/meeting"] != 1 || got["feedback_requests/meeting"] != 2 {
		t.Errorf("counted %v", got)
	}
}

// A contact logged with another's id is refused, and nobody is asked.
func TestFeedbackLogContactRules(t *testing.T) {
	w := newFeedbackWorld(t)
	id := heard.NewID()
	if _, created, err := w.svc.LogContact(w.ctx, w.worker(), w.yp.ID, heard.NewContact{ID: id, Kind: heard.ContactVisit}); err != nil || !created {
		t.Fatal(err, created)
	}
	other := heard.Staff{ID: heard.NewID(), AreaID: w.area.ID, Email: "sam@heard.test", Name: "Sam Other", Role: heard.RoleKeyWorker, Language: "en"}
	if err := w.st.CreateStaff(w.ctx, other); err != nil {
		t.Fatal(err)
	}
	lou := heard.YoungPerson{ID: heard.NewID(), AreaID: w.area.ID, FirstName: "Lou", Language: "en", Service: heard.ServiceCAMHS}
	if err := w.st.CreateYoungPerson(w.ctx, lou); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.Assign(w.ctx, w.area.ID, lou.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	p := heard.Principal{ID: other.ID, AreaID: w.area.ID, Role: heard.RoleKeyWorker}
	if _, _, err := w.svc.LogContact(w.ctx, p, lou.ID, heard.NewContact{ID: id, Kind: heard.ContactVisit}); !errors.Is(err, heard.ErrConflict) {
		t.Errorf("another's contact id: %v", err)
	}
	if _, _, err := w.svc.LogContact(w.ctx, p, w.yp.ID, heard.NewContact{Kind: heard.ContactVisit}); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("not their young person: %v", err)
	}
	if _, _, err := w.svc.LogContact(w.ctx, w.worker(), w.yp.ID, heard.NewContact{Kind: heard.ContactVisit, Date: "2026-11-03"}); !errors.Is(err, heard.ErrInvalid) {
		t.Errorf("tomorrow: %v", err)
	}
	if n := w.pushes(lou.ID, "feedback_request"); n != 0 {
		t.Errorf("Lou was asked about a contact that is not theirs")
	}
	if got := w.counters(); got["feedback_requests/visit"] != 1 {
		t.Errorf("counted %v", got)
	}
}
