package heard

import (
	"context"
	"time"
)

// Urgency is how quickly someone must respond to something a young person sent.
type Urgency string

const (
	UrgencyOrdinary   Urgency = "ordinary"
	UrgencyConcerning Urgency = "concerning"
	UrgencyUrgent     Urgency = "urgent"
)

// Notification is one message to one person's devices. It holds no words of its
// own: the lock-screen text is chosen from Type in the recipient's language when
// it is delivered, and never names a young person or says how they feel.
type Notification struct {
	ID     string `bson:"_id" json:"id"`
	AreaID string `bson:"area" json:"-"`
	// RecipientID is a staff member's or young person's id.
	RecipientID string `bson:"recipientId" json:"-"`
	// Type chooses the wording, e.g. "card", "card_urgent", "reply", "feedback_request", "escalation".
	Type string `bson:"type" json:"type"`
	// Link is the in-app place a tap opens, e.g. "/#/cards/<id>".
	Link string `bson:"link" json:"url"`
	// Urgency sets the Web Push Urgency header: urgent items are "high".
	Urgency Urgency `bson:"urgency" json:"-"`
	// SubjectID is the item the notification is about (a card, a feedback request).
	SubjectID string    `bson:"subjectId,omitempty" json:"-"`
	CreatedAt time.Time `bson:"createdAt" json:"-"`
	// New says the notification is the first word of something just stored
	// for the first time (a new card's alert), so it cannot have been sent
	// before and queuing it does not look in the delivery log for an earlier
	// copy. (Only a retry that began after the store and finished its own
	// send before this one was queued could have sent it; the app shows a
	// second push with the same id once.) Kept only in memory.
	New bool `bson:"-" json:"-"`
}

// Notifier queues notifications for delivery. Queuing writes to the database
// first, so a notification accepted here is delivered or retried, never lost.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// Alert is something a young person sent that an adult must acknowledge: the
// key worker is told at once; if nobody acknowledges in time it goes further
// (EscalationPolicy).
type Alert struct {
	// ID is the item's id (for a card, the card id), so acknowledging the item
	// stops the alert.
	ID            string    `bson:"_id" json:"id"`
	AreaID        string    `bson:"area" json:"-"`
	YoungPersonID string    `bson:"youngPersonId" json:"youngPersonId"`
	KeyWorkerID   string    `bson:"keyWorkerId" json:"keyWorkerId"`
	TeamID        string    `bson:"teamId" json:"teamId"`
	Urgency       Urgency   `bson:"urgency" json:"urgency"`
	Type          string    `bson:"type" json:"type"`
	Link          string    `bson:"link" json:"link"`
	CreatedAt     time.Time `bson:"createdAt" json:"createdAt"`
	// Policy is the area's escalation policy when the raiser has just read
	// the area, so raising does not read it again. The policy the alert keeps
	// is stored with its timer.
	Policy *EscalationPolicy `bson:"-" json:"-"`
	// New says the raiser has just stored, for the first time, the item the
	// alert is about, so the alert cannot have been raised before and raising
	// does not look for an earlier raise. (Should a phone's retry raise it at
	// the same moment, nobody is told twice: the notifications of a step have
	// fixed ids.)
	New bool `bson:"-" json:"-"`
}

// Alert types. Only cards raise alerts today; a card's alert has the card's id.
const (
	AlertCard       = "card"
	AlertCardUrgent = "card_urgent"
)

// IsCard reports whether the alert is about a card.
func (a Alert) IsCard() bool { return a.Type == AlertCard || a.Type == AlertCardUrgent }

// Escalator raises alerts and stops them when acknowledged.
type Escalator interface {
	// Raise tells the key worker (and for urgent items the duty workers) now and
	// starts the escalation timers. Raising the same alert id twice does nothing.
	Raise(ctx context.Context, a Alert) error
	// Acknowledge stops the alert's timers and records who acknowledged.
	Acknowledge(ctx context.Context, areaID, alertID, byStaffID string) error
}
