package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// Bulk seeding, for benchmarks and tools: the documents Heard's workflows leave
// behind after a long time in use, written with InsertMany instead of one
// workflow at a time (200,000 cards through SendCard would take hours on the
// embedded database). Each document is the one a workflow writes, named in the
// comments, so what is measured afterwards meets the data a real area would
// have. Left out is what lives only for a moment or a few days and is read only
// by _id or by the dispatcher: intents, the push outbox, queue, log and claims.

// Seeder writes an area's history in bulk. Cards and Feedback may be called many
// times; Finish then writes what gathers across calls (the area's list of
// escalatable cards, KPI month documents and day counters, escalated access).
type Seeder struct {
	s        *Store
	timeZone string
	now      time.Time
	// escalated holds each staff member's list of escalated cards by list id.
	escalated map[string]*cardList
	months    map[string]*seedMonth
	days      map[string]*Counter
	access    map[string]escalatedAccess
}

// seedMonth is a KPI month document being gathered: its counts, as folded.
type seedMonth struct {
	doc    kpiMonth
	writes int64
}

// NewSeeder starts a bulk seed whose days are counted in timeZone.
func (s *Store) NewSeeder(timeZone string) *Seeder {
	return &Seeder{s: s, timeZone: timeZone, now: s.now(), escalated: map[string]*cardList{},
		months: map[string]*seedMonth{}, days: map[string]*Counter{}, access: map[string]escalatedAccess{}}
}

// SeededCard is a card as SendCard, the escalator and AcknowledgeCard left it:
// the card (acknowledged when AckAt is set) and its alert record.
type SeededCard struct {
	Card  heard.Card
	Alert AlertRecord
	// Timer is the alert's escalation timer while a step is still due.
	Timer *AlertTimer
}

// Cards stores every card of some young people, with everything that follows
// from them. cards must hold all the cards of each young person it names, since
// their lists are written whole.
func (sd *Seeder) Cards(ctx context.Context, cards []SeededCard) error {
	steps := []func(context.Context, []SeededCard) error{
		sd.insertCards, sd.insertYoungPersonLists, sd.insertAlerts, sd.insertAckAudit,
	}
	for _, step := range steps {
		if err := step(ctx, cards); err != nil {
			return err
		}
	}
	for _, sc := range cards {
		sd.countCard(sc)
		sd.grantAccess(sc.Alert)
		sd.listEscalated(sc.Card, sc.Alert)
	}
	return nil
}

func entryOf(c heard.Card) cardEntry {
	return cardEntry{ID: c.ID, ReceivedAt: c.ReceivedAt.UTC().Truncate(time.Millisecond), Urgency: c.Urgency, Acked: c.AckAt != nil}
}

// insertCards writes the cards as InsertCard stored them and AcknowledgeCard
// (through update, which adds a revision) changed them.
func (sd *Seeder) insertCards(ctx context.Context, cards []SeededCard) error {
	docs := make([]any, 0, len(cards))
	for _, sc := range cards {
		if sc.Card.AckAt == nil {
			docs = append(docs, sc.Card)
			continue
		}
		d, err := withRev(sc.Card, 1)
		if err != nil {
			return err
		}
		docs = append(docs, d)
	}
	return sd.insertMany(ctx, colCards, docs)
}

// insertYoungPersonLists writes each young person's card list as ListCard keeps
// it: newest first, every card not yet acknowledged and CardBoxKeep acknowledged.
func (sd *Seeder) insertYoungPersonLists(ctx context.Context, cards []SeededCard) error {
	lists := map[string]*cardList{}
	var order []string
	writes := map[string]int64{}
	for _, sc := range cards {
		id := youngPersonListID(sc.Card.AreaID, sc.Card.YoungPersonID)
		l, ok := lists[id]
		if !ok {
			l = &cardList{ID: id, AreaID: sc.Card.AreaID}
			lists[id] = l
			order = append(order, id)
		}
		l.Entries = append(l.Entries, entryOf(sc.Card))
		writes[id]++
		if sc.Card.AckAt != nil {
			writes[id]++
		}
	}
	docs := make([]any, 0, len(order))
	for _, id := range order {
		l := lists[id]
		sortEntries(l.Entries)
		l.Entries = keepUnacknowledgedAnd(l.Entries, CardBoxKeep)
		d, err := withRev(l, writes[id])
		if err != nil {
			return err
		}
		docs = append(docs, d)
	}
	return sd.insertMany(ctx, colCardLists, docs)
}

// keepUnacknowledgedAnd keeps, in order, every entry not yet acknowledged and
// the first n acknowledged ones.
func keepUnacknowledgedAnd(es []cardEntry, n int) []cardEntry {
	out, kept := es[:0], 0
	for _, e := range es {
		if e.Acked && kept >= n {
			continue
		}
		if e.Acked {
			kept++
		}
		out = append(out, e)
	}
	return out
}

// insertAlerts writes each card's alert record as the escalator's steps left it
// (AdvanceAlert), the timer of an alert with a step still due (RaiseAlert), and
// the acknowledgement of each acknowledged card (AcknowledgeAlert).
func (sd *Seeder) insertAlerts(ctx context.Context, cards []SeededCard) error {
	var alerts, timers, acks []any
	for _, sc := range cards {
		a := sc.Alert
		a.UpdatedAt = sd.now
		alerts = append(alerts, a)
		if sc.Timer != nil {
			timers = append(timers, *sc.Timer)
		}
		if c := sc.Card; c.AckAt != nil {
			acks = append(acks, alertAck{AlertID: c.ID, AreaID: c.AreaID, By: c.AckBy, At: *c.AckAt})
		}
	}
	if err := sd.insertMany(ctx, colAlerts, alerts); err != nil {
		return err
	}
	if err := sd.insertMany(ctx, colAlertTimers, timers); err != nil {
		return err
	}
	return sd.insertMany(ctx, colAlertAcks, acks)
}

// insertAckAudit writes the audit entry AcknowledgeCard writes for the first
// acknowledgement of each card.
func (sd *Seeder) insertAckAudit(ctx context.Context, cards []SeededCard) error {
	var docs []any
	for _, sc := range cards {
		c := sc.Card
		if c.AckAt == nil {
			continue
		}
		docs = append(docs, heard.AuditEntry{ID: heard.NewID(), AreaID: c.AreaID, At: *c.AckAt, ActorID: c.AckBy, ActorName: c.AckByName,
			ActorRole: c.AckByRole, Action: "card_acknowledged", YoungPersonID: c.YoungPersonID})
	}
	return sd.insertMany(ctx, colAudit, docs)
}

// countCard adds what Count and Bump add for a card: received (CardCounts),
// acknowledged (CountCardAcknowledged, against the limit stored with its alert)
// and each escalation step that fired (the escalator's countEscalation).
func (sd *Seeder) countCard(sc SeededCard) {
	c := sc.Card
	sd.count(CardCounts(c)...)
	if c.AckAt != nil {
		wait := c.AckAt.Sub(c.ReceivedAt)
		key := CounterKey{Area: c.AreaID, Metric: heard.KPIMetrics.CardAck, Day: c.Day, Service: string(c.Service),
			PlacementType: c.PlacementType, Dim: heard.CardAckBucket(wait)}
		adds := []CounterAdd{{Key: key, N: 1}}
		if c.Urgency == heard.UrgencyUrgent && wait <= sc.Alert.Policy.UrgentToDuty {
			key.Metric, key.Dim = heard.KPIMetrics.UrgentWithinLimit, ""
			adds = append(adds, CounterAdd{Key: key, N: 1})
		}
		sd.count(adds...)
	}
	for name, step := range sc.Alert.StepsTaken {
		if name != "duty" && name != "manager" {
			continue
		}
		dim := name
		if name == "duty" && c.Urgency != heard.UrgencyUrgent {
			dim = "concerning_duty"
		}
		sd.bump(CounterKey{Area: c.AreaID, Metric: heard.KPIMetrics.Escalations, Day: heard.CardDay(sd.timeZone, step.At),
			Service: string(c.Service), PlacementType: c.PlacementType, Dim: dim}, 1)
	}
}

// count adds to the month document as Count and a later fold do.
func (sd *Seeder) count(adds ...CounterAdd) {
	m := sd.month(adds[0].Key)
	for _, a := range adds {
		m.doc.Counts[kpiCountKey(a.Key)] += a.N
	}
	m.writes++
}

// bump adds to a day counter and its month document, as Bump does.
func (sd *Seeder) bump(k CounterKey, n int64) {
	id := counterID(k)
	c, ok := sd.days[id]
	if !ok {
		c = &Counter{CounterKey: k}
		sd.days[id] = c
	}
	c.N += n
	m := sd.month(k)
	m.doc.Counts[kpiCountKey(k)] += n
	m.writes++
}

func (sd *Seeder) month(k CounterKey) *seedMonth {
	id := kpiMonthID(k.Area, k.Day[:7])
	m, ok := sd.months[id]
	if !ok {
		m = &seedMonth{doc: kpiMonth{ID: id, Area: k.Area, Month: k.Day[:7], Counts: map[string]int64{}}}
		sd.months[id] = m
	}
	return m
}

// grantAccess gives those an alert was escalated to access to the young
// person's record, as AdvanceAlert does; the sweeper deletes ended access.
func (sd *Seeder) grantAccess(a AlertRecord) {
	until := a.CreatedAt.Add(EscalatedAccessFor)
	if !until.After(sd.now) {
		return
	}
	for _, staffID := range a.EscalatedTo {
		id := escalatedAccessID(a.AreaID, staffID, a.YoungPersonID)
		if old, ok := sd.access[id]; !ok || old.Until.Before(until) {
			sd.access[id] = escalatedAccess{ID: id, AreaID: a.AreaID, StaffID: staffID, YoungPersonID: a.YoungPersonID, Until: until}
		}
	}
}

// listEscalated puts a card in the lists of those its alert was escalated
// to, as AdvanceAlert does, while it is within EscalatedAccessFor.
func (sd *Seeder) listEscalated(c heard.Card, a AlertRecord) {
	if a.CreatedAt.Before(sd.now.Add(-EscalatedAccessFor)) {
		return
	}
	for _, staffID := range a.EscalatedTo {
		id := escalatedListID(c.AreaID, staffID)
		l := sd.escalated[id]
		if l == nil {
			l = &cardList{ID: id, AreaID: c.AreaID}
			sd.escalated[id] = l
		}
		e := entryOf(c)
		e.ReceivedAt, e.Acked = a.CreatedAt.UTC().Truncate(time.Millisecond), false
		l.Entries = append(l.Entries, e)
	}
}

// SeededFeedback is one feedback request as LogContact made it (Contact and
// Request) and, when answered, its answer as SaveAnswer stored it; or an answer
// given at any time (Answer alone).
type SeededFeedback struct {
	Contact *heard.Contact
	Request *heard.FeedbackRequest
	Answer  *heard.Answer
}

// Feedback stores contacts, requests, claims and answers, and counts them as
// LogContact and SaveAnswer do. An answered request carries its AnswerKey.
func (sd *Seeder) Feedback(ctx context.Context, fs []SeededFeedback) error {
	var contacts, requests, answers []any
	for _, f := range fs {
		if f.Contact != nil {
			contacts = append(contacts, *f.Contact)
		}
		if r := f.Request; r != nil {
			requests = append(requests, *r)
			sd.bump(CounterKey{Area: r.AreaID, Metric: heard.KPIMetrics.FeedbackRequests, Day: heard.KPIDay(sd.timeZone, r.CreatedAt),
				Service: string(r.Service), PlacementType: string(r.PlacementType), Dim: string(r.Kind)}, 1)
		}
		if a := f.Answer; a != nil {
			answers = append(answers, *a)
			sd.countAnswer(*a, f.Request)
		}
	}
	for _, w := range []struct {
		col  string
		docs []any
	}{{colContacts, contacts}, {colFeedbackRequests, requests}, {colFeedbackAnswers, answers}} {
		if err := sd.insertMany(ctx, w.col, w.docs); err != nil {
			return err
		}
	}
	return nil
}

// countAnswer bumps the counters SaveAnswer bumps for an answer.
func (sd *Seeder) countAnswer(a heard.Answer, req *heard.FeedbackRequest) {
	key := CounterKey{Area: a.AreaID, Day: a.Day, Service: string(a.Service), PlacementType: string(a.PlacementType)}
	for _, m := range []struct{ metric, dim string }{
		{heard.KPIMetrics.FeedbackAnswers, ""},
		{heard.KPIMetrics.ESQListened, string(a.Listened)},
		{heard.KPIMetrics.ESQSerious, string(a.Serious)},
		{heard.KPIMetrics.HadSay, string(a.HadSay)},
		{heard.KPIMetrics.FFT, string(a.Experience)},
	} {
		key.Metric, key.Dim = m.metric, m.dim
		sd.bump(key, 1)
	}
	if req != nil {
		sd.bump(CounterKey{Area: req.AreaID, Metric: heard.KPIMetrics.FeedbackResponses, Day: heard.KPIDay(sd.timeZone, req.CreatedAt),
			Service: string(req.Service), PlacementType: string(req.PlacementType), Dim: string(req.Kind)}, 1)
	}
}

// EndedAssignments stores key-worker assignments that have ended, as
// Assign left them when it closed each one.
func (sd *Seeder) EndedAssignments(ctx context.Context, as []heard.Assignment) error {
	docs := make([]any, 0, len(as))
	for _, a := range as {
		docs = append(docs, a)
	}
	return sd.insertMany(ctx, colAssignments, docs)
}

// Finish writes what was gathered across calls: each staff member's list of
// escalated cards (AdvanceAlert, the last EscalatedAccessFor), the KPI month
// documents (Count and Bump, folded), Bump's day
// counters, and escalated access (AdvanceAlert).
func (sd *Seeder) Finish(ctx context.Context) error {
	var lists []any
	for _, l := range sd.escalated {
		sortEntries(l.Entries)
		l.Entries = l.Entries[:min(len(l.Entries), EscalatedListKeep)]
		d, err := withRev(*l, int64(len(l.Entries)))
		if err != nil {
			return err
		}
		lists = append(lists, d)
	}
	if err := sd.insertMany(ctx, colCardLists, lists); err != nil {
		return err
	}
	months := make([]any, 0, len(sd.months))
	for _, m := range sd.months {
		d, err := withRev(m.doc, m.writes)
		if err != nil {
			return err
		}
		months = append(months, d)
	}
	if err := sd.insertMany(ctx, colKPIMonths, months); err != nil {
		return err
	}
	days := make([]any, 0, len(sd.days))
	for id, c := range sd.days {
		days = append(days, dayCounterDoc{ID: id, Counter: *c})
	}
	if err := sd.insertMany(ctx, colCounters, days); err != nil {
		return err
	}
	access := make([]any, 0, len(sd.access))
	for _, a := range sd.access {
		access = append(access, a)
	}
	return sd.insertMany(ctx, colEscalatedAccess, access)
}

// dayCounterDoc is a day bucket as Bump's upsert writes it: _id is its key.
type dayCounterDoc struct {
	ID      string `bson:"_id"`
	Counter `bson:",inline"`
}

// seedBatch bounds one InsertMany, well under the server's message size.
const seedBatch = 5_000

func (sd *Seeder) insertMany(ctx context.Context, col string, docs []any) error {
	for len(docs) > 0 {
		n := min(len(docs), seedBatch)
		if _, err := sd.s.c(col).InsertMany(ctx, docs[:n]); err != nil {
			return err
		}
		docs = docs[n:]
	}
	return nil
}

// DatabaseSize is the size the database takes on its server (dbStats), for
// benchmark reports.
func (s *Store) DatabaseSize(ctx context.Context) (int64, error) {
	var stats bson.Raw
	if err := s.DB.RunCommand(ctx, bson.D{{Key: "dbStats", Value: 1}}).Decode(&stats); err != nil {
		return 0, err
	}
	for _, field := range []string{"totalSize", "storageSize", "dataSize"} {
		if v, ok := stats.Lookup(field).AsInt64OK(); ok && v > 0 {
			return v, nil
		}
	}
	return 0, nil
}
