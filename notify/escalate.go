package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"heard"
	"heard/store"
)

// Escalation steps, in order. Each alert's timer is its next step and when it is
// due, kept on the alert in the database.
const (
	// stepNotify tells the key worker, and for urgent alerts the duty workers, at once.
	stepNotify = "notify"
	// stepDuty tells the duty workers not yet told.
	stepDuty = "duty"
	// stepManager tells the young person's team manager(s).
	stepManager = "manager"
)

// Notification types the escalator sends besides the alert's own type.
const (
	typeDutyAlert            = "duty_alert"
	typeEscalation           = "escalation"
	typeEscalationConcerning = "escalation_concerning"
)

// Raise stores the alert, tells the key worker (and for urgent alerts the duty
// workers on duty) and starts its escalation timer. Raising an alert id again
// does nothing. Once the alert is stored Raise returns nil: if telling people
// fails now, the timer loop (RunDue) tells them on its next pass.
func (s *Service) Raise(ctx context.Context, a heard.Alert) error {
	switch {
	case a.ID == "" || a.AreaID == "" || a.YoungPersonID == "":
		return errors.New("notify: an alert needs an id, an area and a young person")
	case !validUrgency(a.Urgency):
		return fmt.Errorf("notify: urgency %q is not an urgency", a.Urgency)
	case !notificationType.MatchString(a.Type):
		return fmt.Errorf("notify: alert type %q is not a type", a.Type)
	case !validLink(a.Link):
		return fmt.Errorf("notify: link %q is not an address inside the app", a.Link)
	}
	if a.Policy == nil {
		area, err := s.store.Area(ctx, a.AreaID)
		if err != nil {
			return fmt.Errorf("notify: alert's area: %w", err)
		}
		a.Policy = &area.Escalation
	}
	if a.TeamID == "" {
		if y, err := s.store.YoungPerson(ctx, a.AreaID, a.YoungPersonID); err == nil {
			a.TeamID = y.TeamID
		}
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	return s.raiseAtOnce(ctx, store.AlertTimer{Alert: a, Policy: withDefaults(*a.Policy), NextStep: stepNotify, DueAt: now})
}

// raiseAtOnce takes an alert's first step here and now, before any timer
// exists: it tells the key worker (and for an urgent alert those on duty),
// then, when a later step may follow, starts the timer at that step, and
// records the step last. Only a card's workflow raises alerts, under the
// card's intent, so should anything after the step fail, or this instance
// die, the workflow raises the alert again: its record is not there yet, the
// step's notifications have fixed ids (nobody is told twice) and the timer
// is started once. Should telling fail, a timer due now leaves the first
// step to the timer loop, and the alert counts as raised.
//
// Starting the timer already leased to this instance, as before, cost the
// timer's insert, then its update to the next step, each read back into the
// escalator's mirror (mirror.go): a tenth of a concerning card's writes.
func (s *Service) raiseAtOnce(ctx context.Context, t store.AlertTimer) error {
	if !t.New {
		raised, err := s.store.AlertRaised(ctx, t.AreaID, t.ID)
		if err != nil || raised {
			return err
		}
	}
	decided, err := s.step(ctx, t)
	if err != nil {
		s.log.Warn("telling people about an alert failed; the timer will retry", "alert", t.ID, "err", err.Error())
		// Written even when the request has ended, so that another instance
		// takes the step at once rather than after the card's lease.
		_, _, err = s.store.RaiseAlert(context.WithoutCancel(ctx), t, "", 0)
		return err
	}
	if decided.next != "" {
		if err := s.store.StartAlertTimer(ctx, t, decided.step, decided.next, decided.due); err != nil {
			return err
		}
	}
	return s.store.RecordAlertStep(ctx, t, decided.step, decided.escalated, decided.next, decided.due)
}

// withDefaults fills an area's unset limits with SPEC.md's defaults.
func withDefaults(p heard.EscalationPolicy) heard.EscalationPolicy {
	d := heard.DefaultEscalation()
	if p.UrgentToDuty <= 0 {
		p.UrgentToDuty = d.UrgentToDuty
	}
	if p.DutyToManager <= 0 {
		p.DutyToManager = d.DutyToManager
	}
	if p.ConcerningAfter <= 0 {
		p.ConcerningAfter = d.ConcerningAfter
	}
	return p
}

// Acknowledge records that a staff member has the alert in hand. No further
// step is taken from this moment: every step checks for an acknowledgement
// before telling anyone. Acknowledging again keeps the first acknowledgement.
func (s *Service) Acknowledge(ctx context.Context, areaID, alertID, byStaffID string) error {
	first, err := s.store.AcknowledgeAlert(ctx, areaID, alertID, byStaffID)
	if first {
		s.metrics.ack()
	}
	return err
}

// RunDue takes every escalation step that is due and returns how many it took.
// Tests drive the escalator with it; Run calls it in a loop.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	done := 0
	for ctx.Err() == nil {
		alerts, err := s.store.TakeAlerts(ctx, s.instance, "", s.cfg.Lease, s.cfg.Batch)
		if err != nil {
			return done, err
		}
		if len(alerts) == 0 {
			break
		}
		n, err := s.runTaken(ctx, alerts)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// runTaken takes the due step of alerts this instance holds the leases of.
func (s *Service) runTaken(ctx context.Context, alerts []store.AlertTimer) (int, error) {
	done := 0
	// Each lease is renewed from the take until its step is recorded.
	leases := make([]func(), len(alerts))
	works := make([]context.Context, len(alerts))
	for i, a := range alerts {
		works[i], leases[i] = s.keepLeased(ctx, "alert", a.ID, func(ctx context.Context) (bool, error) {
			return s.store.RenewAlert(ctx, a, s.cfg.Lease)
		})
	}
	var failure error
	for i, a := range alerts {
		decided, err := s.step(works[i], a)
		// Recording the step lets go of the lease, so renewing stops first;
		// what is left of the lease covers the recording.
		leases[i]()
		if err == nil {
			err = s.store.AdvanceAlert(ctx, a, s.instance, decided.step, decided.escalated, decided.next, decided.due)
		}
		if err != nil {
			// Let go at once (the request that raised the alert ended, the
			// database failed), so the step is taken again on the next
			// pass, here or by another instance, instead of after the
			// lease. Its notifications have fixed ids, so nobody is told twice.
			if rerr := s.store.ReleaseAlert(context.WithoutCancel(ctx), a); rerr != nil {
				s.log.Warn("letting go of an alert step failed; its lease will run out", "alert", a.ID, "err", rerr.Error())
			}
			failure = cmp.Or(failure, fmt.Errorf("alert %s step %s: %w", a.ID, a.NextStep, err))
			continue
		}
		done++
		if decided.step != nil && decided.step.Step != stepNotify {
			// Counted once the step is recorded: a crash before this loses
			// a count, never doubles one.
			if err := s.countEscalation(ctx, a, decided.step.At); err != nil {
				failure = cmp.Or(failure, fmt.Errorf("alert %s: counting step %s: %w", a.ID, a.NextStep, err))
			}
		}
	}
	if failure != nil {
		return done, failure
	}
	return done, nil
}

// decision is what taking an alert's step decided, for AdvanceAlert to
// record: the step taken (nil when the alert was acknowledged: no step is
// taken), those it was escalated to, and the next step and when it is due
// ("" when there is none).
type decision struct {
	step      *store.AlertStep
	escalated []string
	next      string
	due       time.Time
}

// step takes an alert's next step: tells the people it names and decides the
// next one.
func (s *Service) step(ctx context.Context, a store.AlertTimer) (decision, error) {
	// A new alert's first step comes moments after its card was stored,
	// before anyone can have read the card, let alone acknowledged it, and
	// its notifications cannot have been sent before.
	firstOfNew := a.New && a.NextStep == stepNotify
	if !firstOfNew {
		acknowledged, err := s.store.AlertAcknowledged(ctx, a.AreaID, a.ID)
		if err != nil {
			return decision{}, err
		}
		if acknowledged {
			return decision{}, nil
		}
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	var told, escalated []string
	next, due := "", time.Time{}
	tell := func(ids []string, typ string, urgency heard.Urgency) error {
		for _, id := range ids {
			n := heard.Notification{ID: stepNotificationID(a.ID, a.NextStep, id), AreaID: a.AreaID, RecipientID: id,
				Type: typ, Link: a.Link, Urgency: urgency, SubjectID: a.ID, New: firstOfNew}
			if err := s.Notify(ctx, n); err != nil {
				return err
			}
			told = append(told, id)
		}
		return nil
	}
	switch a.NextStep {
	case stepNotify:
		if a.KeyWorkerID != "" {
			if err := tell([]string{a.KeyWorkerID}, a.Type, a.Urgency); err != nil {
				return decision{}, err
			}
		}
		switch a.Urgency {
		case heard.UrgencyUrgent:
			duty, err := s.dutyWorkers(ctx, a.AreaID, now, told)
			if err != nil {
				return decision{}, err
			}
			if err := tell(duty, typeDutyAlert, heard.UrgencyUrgent); err != nil {
				return decision{}, err
			}
			escalated = duty
			next, due = stepDuty, a.CreatedAt.Add(a.Policy.UrgentToDuty)
		case heard.UrgencyConcerning:
			next, due = stepDuty, a.CreatedAt.Add(a.Policy.ConcerningAfter)
		}
	case stepDuty:
		duty, err := s.dutyWorkers(ctx, a.AreaID, now, a.Told)
		if err != nil {
			return decision{}, err
		}
		typ := typeEscalation
		if a.Urgency != heard.UrgencyUrgent {
			typ = typeEscalationConcerning
		}
		if err := tell(duty, typ, a.Urgency); err != nil {
			return decision{}, err
		}
		escalated = duty
		s.metrics.escalation(stepDuty)
		if len(duty) == 0 {
			s.log.Warn("an alert reached the duty step with nobody on duty to tell", "alert", a.ID, "area", a.AreaID)
		}
		if a.Urgency == heard.UrgencyUrgent {
			next, due = stepManager, a.DueAt.Add(a.Policy.DutyToManager)
		}
	case stepManager:
		managers, err := s.teamManagers(ctx, a, a.Told)
		if err != nil {
			return decision{}, err
		}
		if err := tell(managers, typeEscalation, a.Urgency); err != nil {
			return decision{}, err
		}
		escalated = managers
		s.metrics.escalation(stepManager)
		if len(managers) == 0 {
			s.log.Warn("an alert reached the manager step with no team manager to tell", "alert", a.ID, "area", a.AreaID)
		}
	}
	return decision{step: &store.AlertStep{Step: a.NextStep, At: now, Told: told}, escalated: escalated, next: next, due: due}, nil
}

// countEscalation adds a fired escalation step to the area's KPI counters, by
// the young person's service and placement type.
func (s *Service) countEscalation(ctx context.Context, a store.AlertTimer, now time.Time) error {
	area, err := s.store.Area(ctx, a.AreaID)
	if err != nil {
		return err
	}
	y, err := s.store.YoungPerson(ctx, a.AreaID, a.YoungPersonID)
	if err != nil {
		return err
	}
	placementType := ""
	if y.PlacementID != "" {
		if pl, err := s.store.Placement(ctx, a.AreaID, y.PlacementID); err == nil {
			placementType = string(pl.Type)
		}
	}
	dim := a.NextStep
	if a.NextStep == stepDuty && a.Urgency != heard.UrgencyUrgent {
		dim = "concerning_duty"
	}
	// Counted once per alert and step, however often the step is taken again.
	return s.store.Count(ctx, "escalation/"+a.ID+"/"+a.NextStep, store.CounterAdd{Key: store.CounterKey{Area: a.AreaID,
		Metric: heard.KPIMetrics.Escalations, Day: heard.CardDay(area.TimeZone, now), Service: string(y.Service),
		PlacementType: placementType, Dim: dim}, N: 1})
}

// stepNamespace makes notification ids from (alert, step, person), so a step
// taken again after a crash queues the same notifications, which the outbox
// ignores.
var stepNamespace = uuid.MustParse("3c1f1a7e-6f51-4e55-9a0e-2b7f0c2d8a41")

func stepNotificationID(alertID, step, staffID string) string {
	return uuid.NewSHA1(stepNamespace, []byte(alertID+"/"+step+"/"+staffID)).String()
}

// dutyWorkers are the staff on the duty rota at t whose accounts work, less those already told.
func (s *Service) dutyWorkers(ctx context.Context, area string, t time.Time, exclude []string) ([]string, error) {
	ids, err := s.store.OnDuty(ctx, area, t)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		if slices.Contains(exclude, id) || slices.Contains(out, id) {
			continue
		}
		st, err := s.store.StaffMember(ctx, area, id)
		if errors.Is(err, heard.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !st.Disabled {
			out = append(out, id)
		}
	}
	return out, nil
}

// teamManagers are the managers of the young person's team; when the team has
// none, every team manager in the area, so the alert still reaches a manager.
// Those already told are left out.
func (s *Service) teamManagers(ctx context.Context, a store.AlertTimer, exclude []string) ([]string, error) {
	all, err := s.store.StaffList(ctx, a.AreaID, heard.RoleTeamManager)
	if err != nil {
		return nil, err
	}
	var team, area []string
	for _, st := range all {
		if st.Disabled {
			continue
		}
		area = append(area, st.ID)
		if a.TeamID != "" && st.TeamID == a.TeamID {
			team = append(team, st.ID)
		}
	}
	if len(team) == 0 {
		team = area
	}
	return slices.DeleteFunc(team, func(id string) bool { return slices.Contains(exclude, id) }), nil
}
