package heard

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
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

// Contact is a meeting, review, visit or appointment a key worker logged.
type Contact struct {
	ID            string      `bson:"_id" json:"id"`
	AreaID        string      `bson:"area" json:"-"`
	YoungPersonID string      `bson:"youngPersonId" json:"youngPersonId"`
	StaffID       string      `bson:"staffId" json:"staffId"`
	Kind          ContactKind `bson:"kind" json:"kind"`
	Service       Service     `bson:"service" json:"service"`
	// Date is the day of the contact (midnight UTC of that calendar day).
	Date      time.Time `bson:"date" json:"date"`
	CreatedAt time.Time `bson:"createdAt" json:"createdAt"`
}

// FeedbackRequest asks a young person about one contact. It takes one answer and
// expires FeedbackRequestLifetime after it was made.
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
	// AnswerID is set when the request is answered; it is how a retried answer is
	// recognised as the same one rather than a second answer.
	AnswerID   string     `bson:"answerId,omitempty" json:"-"`
	AnsweredAt *time.Time `bson:"answeredAt,omitempty" json:"-"`
}

// NewFeedbackRequest makes the request for a contact, expiring after the lifetime.
func NewFeedbackRequest(c Contact, placementType PlacementType, now time.Time) FeedbackRequest {
	return FeedbackRequest{ID: NewID(), AreaID: c.AreaID, ContactID: c.ID, YoungPersonID: c.YoungPersonID, StaffID: c.StaffID,
		Kind: c.Kind, Service: c.Service, PlacementType: placementType, ContactDate: c.Date, CreatedAt: now, ExpiresAt: now.Add(FeedbackRequestLifetime)}
}

// Expired reports whether the request can no longer be answered at now.
func (r FeedbackRequest) Expired(now time.Time) bool { return !now.Before(r.ExpiresAt) }

// Open reports whether the request is waiting for an answer at now.
func (r FeedbackRequest) Open(now time.Time) bool { return r.AnswerID == "" && !r.Expired(now) }

// Errors of answering a request.
var (
	ErrRequestExpired  = errors.New("feedback request expired")
	ErrAlreadyAnswered = fmt.Errorf("%w: feedback request already answered", ErrConflict)
)

// CheckAnswerable says whether answerID may answer the request at now: a retry of
// the answer already given is fine, a second different answer is not.
func (r FeedbackRequest) CheckAnswerable(answerID string, now time.Time) error {
	switch {
	case r.AnswerID == answerID:
		return nil
	case r.AnswerID != "":
		return ErrAlreadyAnswered
	case r.Expired(now):
		return ErrRequestExpired
	}
	return nil
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

// Answer is one young person's answer to the questionnaire. Unless they chose to
// share it with their worker it holds nothing that says who gave it: it counts
// only in anonymous totals.
type Answer struct {
	ID     string `bson:"_id" json:"id"`
	AreaID string `bson:"area" json:"-"`
	// Kind is the contact kind asked about, or AnyTimeKind.
	Kind    string  `bson:"kind" json:"kind"`
	Service Service `bson:"service" json:"service"`
	// PlacementType is the young person's placement type when they answered ("" for none).
	PlacementType PlacementType `bson:"placementType" json:"-"`
	// Day and Month are when it was given, in the area's time zone (YYYY-MM-DD, YYYY-MM).
	Day   string `bson:"day" json:"-"`
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

	// RequestID, YoungPersonID and StaffID are kept only on shared answers, so an
	// anonymous answer cannot be read back to a person from its own record.
	RequestID     string `bson:"requestId,omitempty" json:"requestId,omitempty"`
	YoungPersonID string `bson:"youngPersonId,omitempty" json:"-"`
	StaffID       string `bson:"staffId,omitempty" json:"-"`

	CreatedAt time.Time `bson:"createdAt" json:"createdAt"`
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
