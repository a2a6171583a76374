package heard

import (
	"context"
	"time"
)

// Retention: when a young person leaves Heard (an administrator says so), their
// phones are signed out at once, and everything Heard holds about them is
// removed once the area's retention period has passed. The audit log keeps
// that it happened and how many records went; the area-wide KPI counts, which
// name nobody, stay.

// The retention period an administrator may set, in days after leaving.
const (
	DefaultRetentionDays = 365
	MinRetentionDays     = 30
	MaxRetentionDays     = 3650
)

// RetentionDaysOrDefault is the area's period in days (the default when unset).
func (a Area) RetentionDaysOrDefault() int {
	if a.RetentionDays == 0 {
		return DefaultRetentionDays
	}
	return a.RetentionDays
}

// RemoveAfter reports whether a young person's records are past the area's
// retention period at now: they left, that many days ago or more.
func (a Area) RemoveAfter(y YoungPerson) (time.Time, bool) {
	if y.LeftAt == nil {
		return time.Time{}, false
	}
	return y.LeftAt.AddDate(0, 0, a.RetentionDaysOrDefault()), true
}

// RetentionService is a young person leaving, and the sweeper that removes
// their records once the area's period has passed.
type RetentionService interface {
	// MarkLeft says a young person has left (administrators): their phones
	// are signed out and their records are removed after the area's period.
	// Saying it again changes nothing.
	MarkLeft(ctx context.Context, p Principal, youngPersonID string) (YoungPersonView, error)
	// SweepRetention removes the records of every young person past their
	// area's period, writing what went to the audit log, and reports how many
	// young people's records were removed.
	SweepRetention(ctx context.Context) (int, error)
}
