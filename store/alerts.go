package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Alerts and their escalation. An alert's timer (alert_timers) is its next step
// and when it is due: a job taken under a lease (leases.go), which only ever
// holds alerts with a step to come. What happened (alerts), who acknowledged
// (alert_acks) and who may read the young person's record because of it
// (escalated_access) are kept apart and read by _id.
const (
	colAlerts          = "alerts"
	colAlertTimers     = "alert_timers"
	colAlertAcks       = "alert_acks"
	colEscalatedAccess = "escalated_access"
)

func init() {
	registerIndexes(
		index{collection: colAlertTimers, keys: bson.D{{Key: "dueAt", Value: 1}}},
		index{collection: colAlerts, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "createdAt", Value: -1}}},
		index{collection: colEscalatedAccess, keys: bson.D{{Key: "until", Value: 1}}},
	)
}

// Alert states.
const (
	AlertOpen = "open" // more escalation steps may follow
	AlertDone = "done" // no more steps: all taken, or acknowledged
)

// AlertStep records one escalation step: who was told, and when.
type AlertStep struct {
	Step string    `bson:"step" json:"step"`
	At   time.Time `bson:"at" json:"at"`
	Told []string  `bson:"told" json:"told"`
}

// AlertTimer is an alert's escalation timer: its next step and when it is due.
// It carries the alert, so a step can be taken from the timer alone, and is
// deleted when no step is left.
type AlertTimer struct {
	heard.Alert `bson:",inline"`
	JobLease    `bson:",inline"`
	// Policy is the area's escalation policy when the alert was raised.
	Policy   heard.EscalationPolicy `bson:"policy"`
	NextStep string                 `bson:"nextStep"`
	DueAt    time.Time              `bson:"dueAt"`
	// Told is everyone told so far, so a step does not tell them again.
	Told []string `bson:"told"`
	// Recorded is set once the alert's record is written (its first step).
	Recorded bool `bson:"recorded"`
}

// AlertRecord is what is kept about an alert: each step taken (who was told,
// when), who it was escalated to, and who acknowledged it when.
type AlertRecord struct {
	heard.Alert `bson:",inline"`
	Policy      heard.EscalationPolicy `bson:"policy"`
	Status      string                 `bson:"status"`
	// NextStep and DueAt are the timer's, while one is set.
	NextStep string    `bson:"nextStep"`
	DueAt    time.Time `bson:"dueAt"`
	// StepsTaken is keyed by step name, so taking a step again after a crash
	// records it once.
	StepsTaken  map[string]AlertStep `bson:"steps"`
	Told        []string             `bson:"told"`
	EscalatedTo []string             `bson:"escalatedTo"`
	UpdatedAt   time.Time            `bson:"updatedAt"`
	// Acknowledgement, read from its own collection (see AcknowledgeAlert).
	AcknowledgedAt *time.Time `bson:"-"`
	AcknowledgedBy string     `bson:"-"`
}

// Steps lists the steps taken, in order.
func (a AlertRecord) Steps() []AlertStep {
	out := make([]AlertStep, 0, len(a.StepsTaken))
	for _, s := range a.StepsTaken {
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y AlertStep) int { return x.At.Compare(y.At) })
	return out
}

// alertAck records the first acknowledgement of an alert. It is a document of its
// own, never a field written onto the alert, because the alert is written by
// whichever instance holds its timer; keeping the two apart means neither write
// can undo the other.
type alertAck struct {
	AlertID string    `bson:"_id"`
	AreaID  string    `bson:"area"`
	By      string    `bson:"by"`
	At      time.Time `bson:"at"`
}

// CreateAlert stores an alert record as given, with no timer (seeding, tools and
// tests; Heard raises alerts with RaiseAlert). Those it lists as escalated to get
// access to the young person's record. It reports false when the alert exists.
func (s *Store) CreateAlert(ctx context.Context, a AlertRecord) (bool, error) {
	if a.Status == "" {
		a.Status = AlertDone
	}
	for _, list := range []*[]string{&a.Told, &a.EscalatedTo} {
		if *list == nil {
			*list = []string{}
		}
	}
	a.UpdatedAt = s.now()
	_, err := s.c(colAlerts).InsertOne(ctx, a)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, s.escalate(ctx, a.Alert, a.EscalatedTo)
}

// escalate gives those an alert was escalated to access to the young person's
// record and, for a card's alert, puts the card in their list of escalated
// cards. Safe to repeat.
func (s *Store) escalate(ctx context.Context, a heard.Alert, to []string) error {
	for _, staffID := range to {
		if err := s.grantEscalatedAccess(ctx, a.AreaID, staffID, a.YoungPersonID, a.CreatedAt.Add(EscalatedAccessFor)); err != nil {
			return err
		}
		if a.IsCard() {
			if err := s.listEscalated(ctx, a, staffID); err != nil {
				return err
			}
		}
	}
	return nil
}

// AlertRaised reports whether an alert has a record: its first step was taken.
func (s *Store) AlertRaised(ctx context.Context, area, id string) (bool, error) {
	_, err := findByID[AlertRecord](ctx, s.c(colAlerts), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// RaiseAlert starts an alert's timer with its first step due at dueAt, held
// under a lease for owner (who takes the first step at once) when leaseFor is
// not zero. It returns the timer as stored, and false when the alert was
// raised before (its timer or its record exists), and then changes nothing.
func (s *Store) RaiseAlert(ctx context.Context, t AlertTimer, owner string, leaseFor time.Duration) (AlertTimer, bool, error) {
	if raised, err := s.AlertRaised(ctx, t.AreaID, t.ID); err != nil || raised {
		return t, false, err
	}
	t.JobLease = JobLease{LeaseUntil: noLease}
	if leaseFor > 0 {
		t.JobLease = JobLease{LeaseOwner: owner, LeaseUntil: s.now().Add(leaseFor), LeaseID: heard.NewID()}
	}
	if t.Told == nil {
		t.Told = []string{}
	}
	_, err := s.c(colAlertTimers).InsertOne(ctx, t)
	if mongo.IsDuplicateKeyError(err) {
		return t, false, nil
	}
	return t, err == nil, err
}

// StartAlertTimer starts the timer of an alert whose first step was just
// taken, at its next step, due at dueAt and held by nobody; those the step
// told are not told again. Starting it again changes nothing.
func (s *Store) StartAlertTimer(ctx context.Context, t AlertTimer, taken *AlertStep, next string, dueAt time.Time) error {
	// Recorded: the record is written next, or else by the upsert of a later step.
	t.NextStep, t.DueAt, t.JobLease, t.Recorded = next, dueAt, JobLease{LeaseUntil: noLease}, true
	t.Told = []string{}
	if taken != nil && taken.Told != nil {
		t.Told = distinct(taken.Told)
	}
	_, err := s.c(colAlertTimers).InsertOne(ctx, t)
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return err
}

// dueAlertTimers lists up to max timers that are due and that nobody holds
// (the filter), soonest first. The embedded server reads them from its mirror
// of the timers (mirror.go) rather than reading every timer each time.
func (s *Store) dueAlertTimers(ctx context.Context, filter bson.D, now time.Time, max int) ([]AlertTimer, error) {
	col := s.c(colAlertTimers)
	if col.mirror() == nil {
		return findAll[AlertTimer](ctx, col, filter, options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}}).SetLimit(int64(max)))
	}
	raws, err := col.readWhole(ctx)
	if err != nil {
		return nil, err
	}
	var out []AlertTimer
	for _, r := range raws {
		// Most timers wait for hours (a concerning card not yet acknowledged):
		// look at the two times first, and decode only the timers due.
		dueAt, ok1 := r.Lookup("dueAt").TimeOK()
		leaseUntil, ok2 := r.Lookup("leaseUntil").TimeOK()
		if ok1 && ok2 && (dueAt.After(now) || leaseUntil.After(now)) {
			continue
		}
		var t AlertTimer
		if err := bson.Unmarshal(r, &t); err != nil {
			return nil, err
		}
		if !t.DueAt.After(now) && !t.LeaseUntil.After(now) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DueAt.Before(out[j].DueAt) })
	return out[:min(len(out), max)], nil
}

// TakeAlerts leases, for owner, up to max alert timers whose step is due and
// that nobody holds, soonest first, each in one conditional write. When id is
// given only that alert is considered.
func (s *Store) TakeAlerts(ctx context.Context, owner, id string, leaseFor time.Duration, max int) ([]AlertTimer, error) {
	now := s.now()
	due := bson.D{{Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}}}
	ids := []string{id}
	if id == "" {
		candidates, err := s.dueAlertTimers(ctx, append(due, unheld(now)), now, max)
		if err != nil {
			return nil, err
		}
		ids = ids[:0]
		for _, t := range candidates {
			ids = append(ids, t.ID)
		}
	}
	var taken []AlertTimer
	for _, id := range ids {
		var t AlertTimer
		ok, err := s.takeJob(ctx, colAlertTimers, id, due, owner, leaseFor, nil, nil, &t)
		if err != nil {
			return taken, err
		}
		if ok {
			taken = append(taken, t)
		}
	}
	return taken, nil
}

// RenewAlert extends the lease on an alert's timer while its step is being
// taken. It reports false when the lease was lost.
func (s *Store) RenewAlert(ctx context.Context, t AlertTimer, leaseFor time.Duration) (bool, error) {
	return s.renewJob(ctx, colAlertTimers, t.ID, t.JobLease, leaseFor)
}

// ReleaseAlert lets go of an alert's timer whose step could not be taken now
// (a request ended, the database failed), so any instance can take the step
// again at once rather than after the lease.
func (s *Store) ReleaseAlert(ctx context.Context, t AlertTimer) error {
	_, err := s.releaseJob(ctx, colAlertTimers, t.ID, t.JobLease)
	return err
}

// AdvanceAlert records a step taken by the holder of the alert's timer (none
// when step is nil: the alert was acknowledged), gives those it was escalated
// to access to the young person's record, and sets the next step, or deletes the
// timer when next is "".
func (s *Store) AdvanceAlert(ctx context.Context, t AlertTimer, owner string, step *AlertStep, escalated []string, next string, dueAt time.Time) error {
	if err := s.RecordAlertStep(ctx, t, step, escalated, next, dueAt); err != nil {
		return err
	}
	lease := t.JobLease
	lease.LeaseOwner = owner
	var held bool
	var err error
	told := []string{}
	if step != nil {
		told = step.Told
	}
	if next == "" {
		held, err = s.deleteHeld(ctx, colAlertTimers, t.ID, lease)
	} else {
		held, err = s.updateHeld(ctx, colAlertTimers, t.ID, lease, bson.D{
			{Key: "$set", Value: append(bson.D{{Key: "nextStep", Value: next}, {Key: "dueAt", Value: dueAt}, {Key: "recorded", Value: true}}, letGo()...)},
			{Key: "$addToSet", Value: bson.D{{Key: "told", Value: bson.D{{Key: "$each", Value: told}}}}}})
	}
	if err == nil && !held {
		return fmt.Errorf("alert %s: %w before its step was recorded", t.ID, ErrLeaseLost)
	}
	return err
}

// RecordAlertStep writes a step into the alert's record (as AdvanceAlert,
// whose timer part it leaves out) and gives those it was escalated to access
// to the young person's record. An alert's first step is taken before it has
// a timer and recorded so (its timer, when a step follows, is started just
// before); the workflow that raised it raises it again should this fail.
func (s *Store) RecordAlertStep(ctx context.Context, t AlertTimer, step *AlertStep, escalated []string, next string, dueAt time.Time) error {
	now := s.now()
	status := AlertOpen
	if next == "" {
		status, dueAt = AlertDone, time.Time{}
	}
	told := []string{}
	if step != nil && step.Told != nil {
		told = step.Told
	}
	if escalated == nil {
		escalated = []string{}
	}
	set := bson.D{{Key: "status", Value: status}, {Key: "nextStep", Value: next}, {Key: "dueAt", Value: dueAt}, {Key: "updatedAt", Value: now}}
	if step != nil {
		step.Told = told
		set = append(set, bson.E{Key: "steps." + step.Step, Value: step})
	}
	a := t.Alert
	if err := s.recordStep(ctx, t, AlertRecord{Alert: a, Policy: t.Policy, Status: status, NextStep: next, DueAt: dueAt,
		Told: distinct(told), EscalatedTo: distinct(escalated), UpdatedAt: now}, step, set); err != nil {
		return err
	}
	return s.escalate(ctx, a, escalated)
}

// recordStep writes a step into the alert's record: the whole record, in
// one insert that goes with others (batch.go), when its timer says none is
// written yet (the alert's first step), else an upsert that sets the step
// (set) and adds who was told and escalated to.
func (s *Store) recordStep(ctx context.Context, t AlertTimer, first AlertRecord, step *AlertStep, set bson.D) error {
	if !t.Recorded {
		if step != nil {
			first.StepsTaken = map[string]AlertStep{step.Step: *step}
		}
		_, err := s.c(colAlerts).InsertOne(ctx, first)
		if !mongo.IsDuplicateKeyError(err) {
			return err
		}
	}
	a := t.Alert
	unlock := s.guard(colAlerts, a.ID)
	defer unlock()
	_, err := s.c(colAlerts).UpdateOne(s.guarded(ctx), bson.D{{Key: "_id", Value: a.ID}}, bson.D{
		{Key: "$setOnInsert", Value: bson.D{{Key: "area", Value: a.AreaID}, {Key: "youngPersonId", Value: a.YoungPersonID},
			{Key: "keyWorkerId", Value: a.KeyWorkerID}, {Key: "teamId", Value: a.TeamID}, {Key: "urgency", Value: a.Urgency},
			{Key: "type", Value: a.Type}, {Key: "link", Value: a.Link}, {Key: "createdAt", Value: a.CreatedAt}, {Key: "policy", Value: t.Policy}}},
		{Key: "$set", Value: set},
		{Key: "$addToSet", Value: bson.D{{Key: "told", Value: bson.D{{Key: "$each", Value: first.Told}}},
			{Key: "escalatedTo", Value: bson.D{{Key: "$each", Value: first.EscalatedTo}}}}},
	}, options.UpdateOne().SetUpsert(true))
	return err
}

// distinct is ids without repeats, in their order, as $addToSet makes them.
func distinct(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// AcknowledgeAlert records that a staff member acknowledged an alert. The first
// acknowledgement stands; it reports whether this one was the first.
func (s *Store) AcknowledgeAlert(ctx context.Context, area, id, by string) (bool, error) {
	if _, err := s.Alert(ctx, area, id); err != nil {
		return false, err
	}
	_, err := s.c(colAlertAcks).InsertOne(ctx, alertAck{AlertID: id, AreaID: area, By: by, At: s.now()})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// AlertAcknowledged reports whether an alert has been acknowledged.
func (s *Store) AlertAcknowledged(ctx context.Context, area, id string) (bool, error) {
	_, err := findByID[alertAck](ctx, s.c(colAlertAcks), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Alert returns an alert with its escalation record and acknowledgement. An
// alert raised whose first step has not been taken yet is read from its timer.
func (s *Store) Alert(ctx context.Context, area, id string) (AlertRecord, error) {
	a, err := findByID[AlertRecord](ctx, s.c(colAlerts), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		t, terr := findByID[AlertTimer](ctx, s.c(colAlertTimers), area, id)
		if terr != nil {
			return a, terr
		}
		a = AlertRecord{Alert: t.Alert, Policy: t.Policy, Status: AlertOpen, NextStep: t.NextStep, DueAt: t.DueAt, Told: t.Told}
	} else if err != nil {
		return a, err
	}
	ack, err := findByID[alertAck](ctx, s.c(colAlertAcks), area, id)
	switch {
	case err == nil:
		a.AcknowledgedAt, a.AcknowledgedBy = &ack.At, ack.By
	case !errors.Is(err, heard.ErrNotFound):
		return a, err
	}
	return a, nil
}

// EscalatedAccessFor is how long being told about an alert lets a duty worker or
// team manager read that young person's record: long enough to respond and
// follow up, not for ever.
const EscalatedAccessFor = 7 * 24 * time.Hour

// escalatedAccess says a staff member may read a young person's record until a
// time because an alert about them was escalated to that staff member. Its _id
// is area, staff and young person, so checking it is one direct lookup.
type escalatedAccess struct {
	ID            string    `bson:"_id"`
	AreaID        string    `bson:"area"`
	StaffID       string    `bson:"staffId"`
	YoungPersonID string    `bson:"youngPersonId"`
	Until         time.Time `bson:"until"`
}

func escalatedAccessID(area, staffID, youngPersonID string) string {
	return area + "/" + staffID + "/" + youngPersonID
}

func (s *Store) grantEscalatedAccess(ctx context.Context, area, staffID, youngPersonID string, until time.Time) error {
	id := escalatedAccessID(area, staffID, youngPersonID)
	unlock := s.guard(colEscalatedAccess, id)
	defer unlock()
	_, err := s.c(colEscalatedAccess).UpdateOne(s.guarded(ctx), bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "area", Value: area}, {Key: "staffId", Value: staffID}, {Key: "youngPersonId", Value: youngPersonID}}},
			{Key: "$max", Value: bson.D{{Key: "until", Value: until}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// EscalatedTo reports whether an alert about the young person was escalated to
// the staff member within EscalatedAccessFor.
func (s *Store) EscalatedTo(ctx context.Context, area, staffID, youngPersonID string) (bool, error) {
	a, err := findByID[escalatedAccess](ctx, s.c(colEscalatedAccess), area, escalatedAccessID(area, staffID, youngPersonID))
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil && a.Until.After(s.now()), err
}
