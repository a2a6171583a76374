package heard

import (
	"context"
	"strings"
	"time"
)

// My new home: once a move is shared, the young person previews the placement
// (its page, photos, the day itself, a countdown), asks the placement
// questions, which its staff answer, and may ask to visit first. The preview
// closes when the move is cancelled, and a month after the move day.

// Preview is what a young person sees of a move shared with them.
type Preview struct {
	Move      PreviewMove      `json:"move"`
	Placement PlacementProfile `json:"placement"`
	// KeyWorker is the young person's key worker, by first name.
	KeyWorker string `json:"keyWorker,omitempty"`
}

// PreviewMove is the young person's own view of their move.
type PreviewMove struct {
	ID           string     `json:"id"`
	Date         time.Time  `json:"date"`
	Status       MoveStatus `json:"status"`
	Day          *MoveDay   `json:"day,omitempty"`
	SharedAt     *time.Time `json:"sharedAt,omitempty"`
	VisitAskedAt *time.Time `json:"visitAskedAt,omitempty"`
	// Until is when the preview leaves the phone (a month after the move day).
	Until time.Time `json:"until"`
}

// NewPreviewMove is the young person's view of m.
func NewPreviewMove(m Move) PreviewMove {
	return PreviewMove{ID: m.ID, Date: m.Date, Status: m.Status, Day: m.Day, SharedAt: m.SharedAt, VisitAskedAt: m.VisitAskedAt,
		Until: m.Date.AddDate(0, 0, PreviewDaysAfterArrival)}
}

// Limits of questions and the bring list.
const (
	QuestionMaxChars = 500
	AnswerMaxChars   = 1000
	BringMaxItems    = 40
	BringMaxChars    = 80
	QuestionsMax     = 50
)

// Question is a young person's question to the placement they are moving to,
// with its answer.
type Question struct {
	ID         string     `bson:"id" json:"id"`
	MoveID     string     `bson:"-" json:"moveId"`
	FirstName  string     `bson:"-" json:"firstName,omitempty"`
	Text       string     `bson:"text" json:"text"`
	AskedAt    time.Time  `bson:"askedAt" json:"askedAt"`
	Answer     string     `bson:"answer,omitempty" json:"answer,omitempty"`
	AnsweredBy string     `bson:"answeredBy,omitempty" json:"answeredBy,omitempty"`
	AnsweredAt *time.Time `bson:"answeredAt,omitempty" json:"answeredAt,omitempty"`
}

// NewQuestion is a question a young person asks.
type NewQuestion struct {
	// ID is chosen by the phone, so a question sent again is kept once.
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Validate checks the fields.
func (n NewQuestion) Validate() map[string]string {
	f := problems{}
	f.check(ValidID(n.ID), "id", "id_format")
	f.check(textFits(n.Text, 1, QuestionMaxChars), "text", "length")
	return f
}

// QuestionAnswer is a placement's answer to a question.
type QuestionAnswer struct {
	Text string `json:"text"`
}

// Validate checks the fields.
func (n QuestionAnswer) Validate() map[string]string {
	f := problems{}
	f.check(textFits(n.Text, 1, AnswerMaxChars), "text", "length")
	return f
}

// BringList is the young person's "things I want to bring", when they choose
// to share it with their key worker (it is kept on their phone otherwise).
type BringList struct {
	Items []string `json:"items"`
}

// Normalize trims the items and drops empty ones.
func (b BringList) Normalize() BringList {
	if b.Items == nil {
		return b
	}
	out := BringList{Items: []string{}}
	for _, it := range b.Items {
		if it = strings.TrimSpace(it); it != "" {
			out.Items = append(out.Items, it)
		}
	}
	return out
}

// Validate checks the list.
func (b BringList) Validate() map[string]string {
	f := problems{}
	f.check(b.Items != nil, "items", "required")
	f.check(len(b.Items) <= BringMaxItems, "items", "count")
	for _, it := range b.Items {
		f.check(textFits(it, 1, BringMaxChars), "items", "length")
	}
	return f
}

// PreviewService is what a young person does with the preview of their
// move, what their key worker does to the move, and how the placement answers.
type PreviewService interface {
	// ChangeMoveStatus lets the young person's key worker share, confirm,
	// mark arrived or cancel a move (MoveStatus.Next). Sharing tells the young
	// person; cancelling withdraws the preview at once.
	ChangeMoveStatus(ctx context.Context, p Principal, moveID string, c MoveChange) (Move, error)
	// SetMoveDay lets the key worker tell the day itself.
	SetMoveDay(ctx context.Context, p Principal, moveID string, d MoveDay) (Move, error)
	// MyPreviews lists the previews open to the signed-in young person.
	MyPreviews(ctx context.Context, p Principal) ([]Preview, error)
	// OpenPreview records that the young person opened the preview (the first time counts).
	OpenPreview(ctx context.Context, p Principal, moveID string) (PreviewMove, error)
	// AskVisit tells the key worker the young person would like to visit first.
	AskVisit(ctx context.Context, p Principal, moveID string) (PreviewMove, error)
	// ShareBringList shares the young person's list with their key worker.
	ShareBringList(ctx context.Context, p Principal, moveID string, b BringList) (BringList, error)
	// AskQuestion sends the placement a question; its staff are told.
	AskQuestion(ctx context.Context, p Principal, moveID string, n NewQuestion) (Question, error)
	// MyQuestions lists the young person's questions about a move, with answers.
	MyQuestions(ctx context.Context, p Principal, moveID string) ([]Question, error)
	// PlacementQuestions lists the questions to the caller's placement (first name only).
	PlacementQuestions(ctx context.Context, p Principal) ([]Question, error)
	// AnswerQuestion answers one; the young person is told.
	AnswerQuestion(ctx context.Context, p Principal, moveID, questionID string, n QuestionAnswer) (Question, error)
}
