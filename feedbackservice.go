package heard

import (
	"context"
	"time"
)

// FeedbackService is every action of "Was I listened to?", one method per
// thing a person does.
type FeedbackService interface {
	// LogContact records a key worker's contact with a young person on their
	// caseload and asks the young person for feedback (in the app and by push).
	// Logging the same id again finishes anything an earlier attempt left undone
	// and returns the same request with created false.
	LogContact(ctx context.Context, p Principal, youngPersonID string, n NewContact) (v ContactLogged, created bool, err error)
	// MyFeedbackRequests lists a young person's requests still waiting for an answer.
	MyFeedbackRequests(ctx context.Context, p Principal) ([]FeedbackRequestView, error)
	// AnswerFeedback stores a young person's answer once (to a request, or at any
	// time) and counts it. Sending the same id again finishes anything an earlier
	// attempt left undone and returns created false. ErrAlreadyAnswered,
	// ErrRequestExpired and ErrAnswerIDInUse say why an answer was refused.
	AnswerFeedback(ctx context.Context, p Principal, n NewAnswer) (v AnswerReceipt, created bool, err error)
	// SharedFeedback lists the answers a young person shared with the calling
	// key worker (audit-logged).
	SharedFeedback(ctx context.Context, p Principal, youngPersonID string) ([]SharedAnswerView, error)
	// FollowUps lists the follow-ups a manager or administrator may see (audit-logged).
	FollowUps(ctx context.Context, p Principal) ([]FollowUpView, error)
	// FollowUpDone records that a follow-up was done (the first record stands).
	FollowUpDone(ctx context.Context, p Principal, id string) (FollowUpView, error)
	// CompleteFeedbackContact and CompleteFeedbackAnswer finish what logging a
	// contact or storing an answer left undone; the background worker calls them
	// for work a failed request left behind.
	CompleteFeedbackContact(ctx context.Context, areaID, contactID string) error
	CompleteFeedbackAnswer(ctx context.Context, areaID, storedAnswerID string) error
}

// ContactLogged is a logged contact and the request it made.
type ContactLogged struct {
	Contact Contact            `json:"contact"`
	Request FeedbackRequestRef `json:"request"`
}

// FeedbackRequestRef names a request to the worker who made it.
type FeedbackRequestRef struct {
	ID        string    `json:"id"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// FeedbackRequestView is a request as the young person sees it.
type FeedbackRequestView struct {
	ID          string      `json:"id"`
	Kind        ContactKind `json:"kind"`
	Service     Service     `json:"service"`
	ContactDate time.Time   `json:"contactDate"`
	ExpiresAt   time.Time   `json:"expiresAt"`
	// WorkerName is the first name of the worker who logged the contact.
	WorkerName string `json:"workerName,omitempty"`
}

// AnswerReceipt is all the phone is told back: never the stored answer itself.
type AnswerReceipt struct {
	// ID is the phone's id for the answer.
	ID               string `json:"id"`
	RequestID        string `json:"requestId,omitempty"`
	SharedWithWorker bool   `json:"sharedWithWorker"`
	// WorkerName is who can see a shared answer.
	WorkerName string `json:"workerName,omitempty"`
	FollowUp   bool   `json:"followUp"`
}

// SharedAnswerView is an answer a young person chose to share with this
// worker, or asked a manager to follow up.
type SharedAnswerView struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Service    Service   `json:"service"`
	Listened   ESQAnswer `json:"listened"`
	Serious    ESQAnswer `json:"serious"`
	HadSay     ESQAnswer `json:"hadSay"`
	Experience FFTAnswer `json:"experience"`
	Words      string    `json:"words,omitempty"`
	FollowUp   bool      `json:"followUp"`
	CreatedAt  time.Time `json:"createdAt"`
}

// NewSharedAnswerView shows an answer the reader may see.
func NewSharedAnswerView(a Answer) SharedAnswerView {
	return SharedAnswerView{ID: a.ID, Kind: a.Kind, Service: a.Service, Listened: a.Listened, Serious: a.Serious, HadSay: a.HadSay,
		Experience: a.Experience, Words: ShownWords(a.Words), FollowUp: a.FollowUp, CreatedAt: a.CreatedAt}
}

// FollowUpView is a follow-up as a manager or administrator sees it: the young
// person asked for it, so it names them and shows their answer.
type FollowUpView struct {
	ID          string            `json:"id"`
	YoungPerson PersonRef         `json:"youngPerson"`
	AboutWorker *PersonRef        `json:"aboutWorker,omitempty"`
	Answer      *SharedAnswerView `json:"answer,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	DoneAt      *time.Time        `json:"doneAt,omitempty"`
	DoneByName  string            `json:"doneByName,omitempty"`
}
