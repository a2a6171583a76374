package heard

import (
	"crypto/sha256"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// "Was I listened to?": after a contact with a worker, a young person is asked a
// short questionnaire built on the Experience of Service Questionnaire (ESQ) and
// the NHS Friends and Family Test (FFT). They may also give feedback at any time.

// ContactKind is what kind of contact a key worker logs.
type ContactKind string

const (
	ContactMeeting     ContactKind = "meeting"
	ContactReview      ContactKind = "review"
	ContactVisit       ContactKind = "visit"
	ContactAppointment ContactKind = "appointment"
)

// ContactKinds lists every contact kind in display order.
var ContactKinds = []ContactKind{ContactMeeting, ContactReview, ContactVisit, ContactAppointment}

// Valid reports whether k is a known contact kind.
func (k ContactKind) Valid() bool {
	for _, v := range ContactKinds {
		if k == v {
			return true
		}
	}
	return false
}

// AnyTimeKind marks an answer the young person gave without being asked.
const AnyTimeKind = "any_time"

// FeedbackRequestLifetime is how long a young person can answer a request.
const FeedbackRequestLifetime = 14 * 24 * time.Hour

// ContactMaxAge is how far back a key worker can log a contact: long enough to
// catch up after leave, short enough that the young person still remembers it.
const ContactMaxAge = 30 * 24 * time.Hour

// NewContact is a contact as a key worker logs it.
type NewContact struct {
	// ID is optional: the app makes one so that a retried request is recognised.
	ID   string
	Kind ContactKind
	// Service defaults to the young person's service.
	Service Service
	// Date is the day of the contact, YYYY-MM-DD (default: today in the area).
	Date string
}

// Validate checks the fields on their own (the date's range needs the area's
// day: ContactDay).
func (n NewContact) Validate() map[string]string {
	errs := map[string]string{}
	if n.ID != "" && !ValidID(n.ID) {
		errs["id"] = "id_format"
	}
	if !n.Kind.Valid() {
		errs["kind"] = "one_of"
	}
	if n.Service != "" && !n.Service.Valid() {
		errs["service"] = "one_of"
	}
	if n.Date != "" {
		if _, err := time.Parse(time.DateOnly, n.Date); err != nil {
			errs["date"] = "date_format"
		}
	}
	return errs
}

// ContactDay is the day of the contact (midnight UTC of that calendar day):
// today in the area's time zone when no date is given, otherwise a day from
// ContactMaxAge ago to today. ok is false for a day outside that range.
func (n NewContact) ContactDay(timeZone string, now time.Time) (day time.Time, ok bool) {
	today, _ := time.Parse(time.DateOnly, KPIDay(timeZone, now))
	if n.Date == "" {
		return today, true
	}
	day, err := time.Parse(time.DateOnly, n.Date)
	if err != nil || day.After(today) || day.Before(today.Add(-ContactMaxAge)) {
		return day, false
	}
	return day, true
}

// Contact is a meeting, review, visit or appointment a key worker logged.
type Contact struct {
	ID            string      `bson:"_id" json:"id"`
	AreaID        string      `bson:"area" json:"-"`
	YoungPersonID string      `bson:"youngPersonId" json:"youngPersonId"`
	StaffID       string      `bson:"staffId" json:"staffId"`
	Kind          ContactKind `bson:"kind" json:"kind"`
	Service       Service     `bson:"service" json:"service"`
	// PlacementType is the young person's placement type when it was logged,
	// so that its request is counted in that bucket whenever it is made.
	PlacementType PlacementType `bson:"placementType,omitempty" json:"-"`
	// Date is the day of the contact (midnight UTC of that calendar day).
	Date      time.Time `bson:"date" json:"date"`
	CreatedAt time.Time `bson:"createdAt" json:"createdAt"`
}

// FeedbackRequest asks a young person about one contact. It takes one answer and
// expires FeedbackRequestLifetime after it was made.
//
// It never says which answer it took: AnswerKey is made from the phone's id for
// the answer by a one-way function other than the one that makes the stored
// answer's id (FeedbackAnswerKey, StoredAnswerID), so the phone sending the
// same answer again is recognised, while nobody reading the database can tell
// which answer, or when (a request keeps no time of answering), answered it.
type FeedbackRequest struct {
	ID            string      `bson:"_id" json:"id"`
	AreaID        string      `bson:"area" json:"-"`
	ContactID     string      `bson:"contactId" json:"contactId"`
	YoungPersonID string      `bson:"youngPersonId" json:"-"`
	StaffID       string      `bson:"staffId" json:"-"`
	Kind          ContactKind `bson:"kind" json:"kind"`
	Service       Service     `bson:"service" json:"service"`
	// PlacementType is the young person's placement type when asked, so that the
	// answer is counted in the same bucket as the request.
	PlacementType PlacementType `bson:"placementType" json:"-"`
	ContactDate   time.Time     `bson:"contactDate" json:"contactDate"`
	CreatedAt     time.Time     `bson:"createdAt" json:"createdAt"`
	ExpiresAt     time.Time     `bson:"expiresAt" json:"expiresAt"`
	// AnswerKey is set when the request is answered (FeedbackAnswerKey).
	AnswerKey string `bson:"answerKey,omitempty" json:"-"`
}

// FeedbackRequestID is the id of the request a contact makes: made from the
// contact's id, so that whoever finishes logging the contact (a retry, or the
// background worker) makes the same request.
func FeedbackRequestID(contactID string) string {
	return derivedID("heard:feedback-request", contactID)
}

// NewFeedbackRequest makes the request for a contact, expiring after the lifetime.
func NewFeedbackRequest(c Contact, placementType PlacementType, now time.Time) FeedbackRequest {
	return FeedbackRequest{ID: FeedbackRequestID(c.ID), AreaID: c.AreaID, ContactID: c.ID, YoungPersonID: c.YoungPersonID, StaffID: c.StaffID,
		Kind: c.Kind, Service: c.Service, PlacementType: placementType, ContactDate: c.Date, CreatedAt: now, ExpiresAt: now.Add(FeedbackRequestLifetime)}
}

// Expired reports whether the request can no longer be answered at now.
func (r FeedbackRequest) Expired(now time.Time) bool { return !now.Before(r.ExpiresAt) }

// Open reports whether the request is waiting for an answer at now.
func (r FeedbackRequest) Open(now time.Time) bool { return r.AnswerKey == "" && !r.Expired(now) }

// Errors of answering a request.
var (
	ErrRequestExpired  = errors.New("feedback request expired")
	ErrAlreadyAnswered = Conflict("already_answered", "This request already has an answer.")
	// ErrAnswerIDInUse: the phone's id for an answer was used for another answer.
	ErrAnswerIDInUse = Conflict("id_in_use", "This answer id is already in use; make a new id for a new answer.")
)

// CheckAnswerable says whether the answer with this key (FeedbackAnswerKey)
// may answer the request at now: a retry of the answer already given is fine,
// a second different answer is not.
func (r FeedbackRequest) CheckAnswerable(answerKey string, now time.Time) error {
	switch {
	case r.AnswerKey == answerKey:
		return nil
	case r.AnswerKey != "":
		return ErrAlreadyAnswered
	case r.Expired(now):
		return ErrRequestExpired
	}
	return nil
}

// derivedID makes an id from another by a one-way function (SHA-256, with a
// purpose so two purposes never give the same id), shaped like the random ids
// Heard makes (UUIDv4), so it cannot be told apart from one.
func derivedID(purpose, from string) string {
	sum := sha256.Sum256([]byte(purpose + "\x00" + from))
	u, _ := uuid.FromBytes(sum[:16])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// FeedbackAnswerKey is what a request keeps of the answer that took it: made
// from the phone's id for the answer, never from the stored answer's id.
func FeedbackAnswerKey(phoneID string) string { return derivedID("heard:feedback-answer-key", phoneID) }

// StoredAnswerID is the id an answer is stored under, made from the young
// person's id and the phone's id for the answer by a one-way function: the
// phone's retry finds it, nothing stored (the request's AnswerKey included)
// leads to it, and another young person presenting the same phone id (a copy,
// or a guess) finds nothing of it, not even that it exists: theirs is another
// answer. An anonymous answer's id is made apart from a shared one's.
func StoredAnswerID(youngPersonID, phoneID string, anonymous bool) string {
	if !anonymous {
		return derivedID("heard:shared-answer", youngPersonID+"\x00"+phoneID)
	}
	return derivedID("heard:anonymous-answer", youngPersonID+"\x00"+phoneID)
}

// ESQAnswer answers an ESQ item: yes (certainly true), a bit (partly true), no
// (not true), not sure (don't know). "Did you have a say" uses the same answers.
type ESQAnswer string

const (
	ESQYes     ESQAnswer = "yes"
	ESQABit    ESQAnswer = "a_bit"
	ESQNo      ESQAnswer = "no"
	ESQNotSure ESQAnswer = "not_sure"
)

// ESQAnswers lists the answers in display order.
var ESQAnswers = []ESQAnswer{ESQYes, ESQABit, ESQNo, ESQNotSure}

// Valid reports whether a is one of the answers.
func (a ESQAnswer) Valid() bool {
	for _, v := range ESQAnswers {
		if a == v {
			return true
		}
	}
	return false
}

// FFTAnswer answers the Friends and Family Test question "Overall, how was your
// experience of our service?".
type FFTAnswer string

const (
	FFTVeryGood FFTAnswer = "very_good"
	FFTGood     FFTAnswer = "good"
	FFTNeither  FFTAnswer = "neither"
	FFTPoor     FFTAnswer = "poor"
	FFTVeryPoor FFTAnswer = "very_poor"
	FFTDontKnow FFTAnswer = "dont_know"
)

// FFTAnswers lists the answers in display order.
var FFTAnswers = []FFTAnswer{FFTVeryGood, FFTGood, FFTNeither, FFTPoor, FFTVeryPoor, FFTDontKnow}

// Valid reports whether a is one of the answers.
func (a FFTAnswer) Valid() bool {
	for _, v := range FFTAnswers {
		if a == v {
			return true
		}
	}
	return false
}

// Positive reports whether the answer counts as satisfied (very good or good).
func (a FFTAnswer) Positive() bool { return a == FFTVeryGood || a == FFTGood }

// MaxFeedbackWords is the longest optional text, in characters.
const MaxFeedbackWords = 500

// NewAnswer is a young person's answer as the phone sends it.
type NewAnswer struct {
	// ID is made by the phone and kept for every retry (one is made when empty).
	ID string
	// RequestID answers a request; without it, Service says which service the
	// feedback is about.
	RequestID       string
	Service         Service
	Listened        ESQAnswer
	Serious         ESQAnswer
	HadSay          ESQAnswer
	Experience      FFTAnswer
	Words           string
	ShareWithWorker bool
	FollowUp        bool
}

// CheckIDs checks the ids, before anything is looked up with them.
func (n NewAnswer) CheckIDs() map[string]string {
	errs := map[string]string{}
	if n.ID != "" && !ValidID(n.ID) {
		errs["id"] = "id_format"
	}
	if n.RequestID != "" && !ValidID(n.RequestID) {
		errs["requestId"] = "id_format"
	}
	return errs
}

// Anonymous reports whether the answer counts only in anonymous totals: the
// young person neither shared it with their worker nor asked for a follow-up.
func (n NewAnswer) Anonymous() bool { return !n.ShareWithWorker && !n.FollowUp }

// Answer is one young person's answer to the questionnaire, as stored.
//
// An anonymous answer (the default) holds only what the KPIs need: the area,
// service, placement type and month, the four answers and any words, under an
// id nothing else leads to (StoredAnswerID). No young person, worker, device,
// request or contact, no kind of contact and no time finer than the month: the
// month cannot be matched to a request's times, and nothing stored anywhere
// names the answer. An answer the young person shared with their worker keeps
// who and which request, so that worker can read it; one with a follow-up is
// shown, with their name, to the manager who follows it up (FollowUp), as the
// app tells them before they send it.
type Answer struct {
	ID     string `bson:"_id" json:"id"`
	AreaID string `bson:"area" json:"-"`
	// Kind is the contact kind asked about, or AnyTimeKind (not kept when anonymous).
	Kind    string  `bson:"kind,omitempty" json:"kind"`
	Service Service `bson:"service" json:"service"`
	// PlacementType is the young person's placement type when they answered ("" for none).
	PlacementType PlacementType `bson:"placementType" json:"-"`
	// Month is when it was given, in the area's time zone (YYYY-MM); Day
	// (YYYY-MM-DD) only when not anonymous.
	Day   string `bson:"day,omitempty" json:"-"`
	Month string `bson:"month" json:"-"`

	Listened   ESQAnswer `bson:"listened" json:"listened"`
	Serious    ESQAnswer `bson:"serious" json:"serious"`
	HadSay     ESQAnswer `bson:"hadSay" json:"hadSay"`
	Experience FFTAnswer `bson:"experience" json:"experience"`
	Words      string    `bson:"words,omitempty" json:"words,omitempty"`

	// ShareWithWorker is the young person's choice; false (the default) keeps the
	// answer to anonymous totals.
	ShareWithWorker bool `bson:"shareWithWorker" json:"shareWithWorker"`
	// FollowUp asks a manager (never the worker it is about) to get in touch.
	FollowUp bool `bson:"followUp" json:"followUp"`

	// RequestID, YoungPersonID and StaffID are kept only on shared answers.
	RequestID     string `bson:"requestId,omitempty" json:"requestId,omitempty"`
	YoungPersonID string `bson:"youngPersonId,omitempty" json:"-"`
	StaffID       string `bson:"staffId,omitempty" json:"-"`

	// CreatedAt is kept only when not anonymous.
	CreatedAt time.Time `bson:"createdAt,omitempty" json:"createdAt"`

	// Pending is the rest of the workflow while it is in progress, removed by its
	// last step (see AnswerPending).
	Pending *AnswerPending `bson:"pending,omitempty" json:"-"`
}

// AnswerPending is what storing an answer still has to do after the answer is
// written: take its request, count it, make its follow-up. It is written with
// the answer, so that whoever finishes the workflow (a retry, or the background
// worker after a failure) needs nothing else, and removed when all is done: it
// is the only thing that ever joins an anonymous answer to its request, and
// only while the answer is being stored.
type AnswerPending struct {
	RequestID string `bson:"requestId,omitempty"`
	// Key is the request's AnswerKey for this answer.
	Key string `bson:"key,omitempty"`
	// CountEvent is a random id the counters remember this answer by, so that it
	// is counted once whoever finishes it; it is kept nowhere else, so the
	// counters' list of what they counted does not lead to the answer either.
	CountEvent string `bson:"countEvent"`
	// FollowUp is the follow-up to make, when the young person asked for one.
	FollowUp *FollowUp `bson:"followUp,omitempty"`
}

// CleanWords trims the optional text and removes control characters (keeping
// line breaks), so what a worker reads is what the young person typed.
func CleanWords(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// Validate checks an answer's items and returns field problems (empty when fine).
func (a Answer) Validate() map[string]string {
	errs := map[string]string{}
	if !a.Listened.Valid() {
		errs["listened"] = "one_of"
	}
	if !a.Serious.Valid() {
		errs["serious"] = "one_of"
	}
	if !a.HadSay.Valid() {
		errs["hadSay"] = "one_of"
	}
	if !a.Experience.Valid() {
		errs["experience"] = "one_of"
	}
	if !a.Service.Valid() {
		errs["service"] = "one_of"
	}
	if len([]rune(a.Words)) > MaxFeedbackWords {
		errs["words"] = "length"
	}
	// A follow-up is offered only to someone who said they were not listened to.
	if a.FollowUp && a.Listened != ESQNo {
		errs["followUp"] = "only_when_not_listened"
	}
	return errs
}

// AnswerAbout is what the service found out about an answer as it arrived.
type AnswerAbout struct {
	AreaID        string
	YoungPersonID string
	// Request is the request answered (nil for feedback at any time).
	Request *FeedbackRequest
	// WorkerID is the worker the answer is about: the request's, or for feedback
	// at any time the current key worker ("" for none).
	WorkerID      string
	PlacementType PlacementType
	TimeZone      string
	Now           time.Time
}

// Answer makes the answer to store, or says what is wrong with it. What an
// anonymous answer keeps is decided here (see Answer).
func (n NewAnswer) Answer(about AnswerAbout) (Answer, map[string]string) {
	kind := AnyTimeKind
	if r := about.Request; r != nil {
		if n.Service != "" && n.Service != r.Service {
			return Answer{}, map[string]string{"service": "not_the_request_service"}
		}
		kind, n.Service = string(r.Kind), r.Service
	}
	day := KPIDay(about.TimeZone, about.Now)
	a := Answer{ID: StoredAnswerID(about.YoungPersonID, n.ID, n.Anonymous()), AreaID: about.AreaID, Kind: kind, Service: n.Service, PlacementType: about.PlacementType,
		Day: day, Month: day[:7], Listened: n.Listened, Serious: n.Serious, HadSay: n.HadSay, Experience: n.Experience,
		Words: CleanWords(n.Words), ShareWithWorker: n.ShareWithWorker, FollowUp: n.FollowUp, CreatedAt: about.Now}
	problems := a.Validate()
	if n.Service == "" {
		problems["service"] = "required"
	}
	if n.ShareWithWorker && about.WorkerID == "" {
		problems["shareWithWorker"] = "no_worker"
	}
	if len(problems) > 0 {
		return Answer{}, problems
	}
	switch {
	case n.ShareWithWorker:
		a.YoungPersonID, a.StaffID = about.YoungPersonID, about.WorkerID
		if about.Request != nil {
			a.RequestID = about.Request.ID
		}
	case n.Anonymous():
		a.Kind, a.Day, a.CreatedAt = "", "", time.Time{}
	}
	return a, nil
}

// FollowUp is a young person's request, after saying they were not listened to,
// that someone gets in touch. It goes to the team's managers, or to the area's
// administrators when the only manager is the worker the answer is about, and
// never to that worker.
type FollowUp struct {
	// ID is the answer's id: one follow-up per answer.
	ID            string    `bson:"_id" json:"id"`
	AreaID        string    `bson:"area" json:"-"`
	YoungPersonID string    `bson:"youngPersonId" json:"youngPersonId"`
	TeamID        string    `bson:"teamId" json:"-"`
	AboutStaffID  string    `bson:"aboutStaffId,omitempty" json:"-"`
	RecipientIDs  []string  `bson:"recipientIds" json:"-"`
	CreatedAt     time.Time `bson:"createdAt" json:"createdAt"`
	// DoneAt is when someone recorded that they followed it up.
	DoneAt *time.Time `bson:"doneAt,omitempty" json:"doneAt,omitempty"`
	DoneBy string     `bson:"doneBy,omitempty" json:"-"`
}

// FollowUpRecipients chooses who is told about a follow-up: the team's managers
// except the worker the answer is about; if that leaves nobody, the area's
// administrators except that worker. Disabled accounts are never chosen.
func FollowUpRecipients(teamID, aboutStaffID string, staff []Staff) []string {
	pick := func(role Role, team bool) []string {
		var ids []string
		for _, st := range staff {
			if st.Role != role || st.Disabled || st.ID == aboutStaffID || team && (teamID == "" || st.TeamID != teamID) {
				continue
			}
			ids = append(ids, st.ID)
		}
		return ids
	}
	if ids := pick(RoleTeamManager, true); len(ids) > 0 {
		return ids
	}
	return pick(RoleAdministrator, false)
}

// CanCloseFollowUp is who may record that a follow-up was done: an
// administrator, or a manager of the young person's team; never the worker the
// answer is about.
func CanCloseFollowUp(p Principal, f FollowUp) bool {
	if f.AboutStaffID == p.ID {
		return false
	}
	switch p.Role {
	case RoleAdministrator:
		return true
	case RoleTeamManager:
		return p.TeamID != "" && f.TeamID == p.TeamID
	}
	return false
}
