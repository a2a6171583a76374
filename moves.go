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
