package heard

import (
	"context"
	"time"
)

// Moves: a key worker plans a young person's move to a placement on a date;
// the placement sees the young person's first name and the date only, until
// the move is confirmed.

// MoveHorizonYears is how far ahead a move can be planned.
const MoveHorizonYears = 2

// NewMove is a move a key worker plans.
type NewMove struct {
	PlacementID string `json:"placementId"`
	// Date is the move day, YYYY-MM-DD.
	Date string `json:"date"`
}

// Validate checks the fields against the area's calendar at now, and returns
// the move day (midnight UTC of that date). The day is the area's: late in
// the evening in a zone behind UTC, or early in the morning in one ahead of
// it, "today" is not the UTC date.
func (n NewMove) Validate(area Area, now time.Time) (time.Time, map[string]string) {
	f := problems{}
	f.check(ValidID(n.PlacementID), "placementId", "id_format")
	day, err := time.Parse(time.DateOnly, n.Date)
	f.check(err == nil, "date", "date_format")
	if err == nil {
		today := area.Today(now)
		f.check(!day.Before(today) && day.Before(today.AddDate(MoveHorizonYears, 0, 0)), "date", "range")
	}
	return day, f
}

// Confirmed reports whether a move is confirmed (or done): only then does the
// placement see who is coming.
func (s MoveStatus) Confirmed() bool { return s == MoveConfirmed || s == MoveArrived }

// IncomingMove is what a placement sees of an incoming young person: first
// name and date only until the move is confirmed.
type IncomingMove struct {
	ID        string     `json:"id"`
	FirstName string     `json:"firstName"`
	Date      time.Time  `json:"date"`
	Status    MoveStatus `json:"status"`
	// YoungPersonID is given only once the move is confirmed.
	YoungPersonID string `json:"youngPersonId,omitempty"`
}

// NewIncomingMove shows a move to the placement it goes to.
func NewIncomingMove(m Move, y YoungPerson) IncomingMove {
	v := IncomingMove{ID: m.ID, FirstName: y.FirstName, Date: m.Date, Status: m.Status}
	if m.Status.Confirmed() {
		v.YoungPersonID = y.ID
	}
	return v
}

// MoveService is every action on moves, one method per thing a person does.
type MoveService interface {
	// PlanMove lets the young person's key worker plan a move to a placement on a date.
	PlanMove(ctx context.Context, p Principal, youngPersonID string, n NewMove) (Move, error)
	// Moves lists a young person's planned and past moves (audit-logged).
	Moves(ctx context.Context, p Principal, youngPersonID string) ([]Move, error)
	// IncomingMoves lists the moves into the caller's placement.
	IncomingMoves(ctx context.Context, p Principal) ([]IncomingMove, error)
}

// PreviewDaysAfterArrival is how long after the move day a young person keeps
// the preview of their new home (then it leaves their phone).
const PreviewDaysAfterArrival = 30

// PreviewOpen reports whether the young person may see the preview of the
// placement of m at now: from when the move is shared until a month after the
// move day; never while it is only planned, nor once it is cancelled.
func PreviewOpen(m Move, now time.Time) bool {
	switch m.Status {
	case MoveShared, MoveConfirmed, MoveArrived:
		return now.Before(m.Date.AddDate(0, 0, PreviewDaysAfterArrival))
	}
	return false
}

// MoveDay is the day itself, as the key worker tells it: who takes the young
// person, when they leave, how long the journey is, who meets them.
type MoveDay struct {
	TakenBy string `bson:"takenBy" json:"takenBy"`
	// LeaveAt is the time they leave, HH:MM on the move day.
	LeaveAt string `bson:"leaveAt" json:"leaveAt"`
	Journey string `bson:"journey" json:"journey"`
	MetBy   string `bson:"metBy" json:"metBy"`
}

// MoveDayMaxChars bounds each line of the day.
const MoveDayMaxChars = 200

// Validate checks the day's fields.
func (d MoveDay) Validate() map[string]string {
	f := problems{}
	f.check(d != MoveDay{}, "takenBy", "required")
	f.check(textFits(d.TakenBy, 0, MoveDayMaxChars), "takenBy", "length")
	f.check(textFits(d.Journey, 0, MoveDayMaxChars), "journey", "length")
	f.check(textFits(d.MetBy, 0, MoveDayMaxChars), "metBy", "length")
	if d.LeaveAt != "" {
		_, err := time.Parse("15:04", d.LeaveAt)
		f.check(err == nil && len(d.LeaveAt) == 5, "leaveAt", "time_format")
	}
	return f
}

// MoveChange is the key worker moving a move on: to shared (the young person
// may see the preview), confirmed (the placement sees who is coming), arrived
// or cancelled.
type MoveChange struct {
	Status MoveStatus `json:"status"`
}

// Next is the status a move goes to from s when asked for want, or a problem:
// a move is shared before it is confirmed, confirmed before arrival, and
// cancelled at any time before arrival. Asking for the status it already has
// changes nothing (a retried tap).
func (s MoveStatus) Next(want MoveStatus) (MoveStatus, error) {
	if want == s {
		return s, nil
	}
	ok := false
	switch want {
	case MoveShared:
		ok = s == MovePlanned
	case MoveConfirmed:
		ok = s == MoveShared
	case MoveArrived:
		ok = s == MoveConfirmed
	case MoveCancelled:
		ok = s == MovePlanned || s == MoveShared || s == MoveConfirmed
	default:
		return s, Invalid(map[string]string{"status": "one_of"})
	}
	if !ok {
		return s, Conflict("move_status", "A move goes planned, shared, confirmed, arrived; it can be cancelled until the day.")
	}
	return want, nil
}
