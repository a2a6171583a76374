package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// Key workers. A young person's key workers, past and present, are kept in the
// young person's own document ("keyWorkers", oldest first; the last one, while
// it has no end, is the key worker now). A change of key worker is one exact
// write of that document (update, guard.go): two changes at once can never
// leave two open assignments, as one of them goes second and ends the other's.
//
// What follows from a change is written afterwards, from that document, by
// WriteKeyWorkers; every step is safe to repeat and to run in any order:
//   - the assignments collection, one document per assignment by its id, kept
//     for the consistency KPI (KeyWorkerHistories); an ended assignment is
//     never opened again;
//   - each key worker's caseload ("caseload/<area>/<staff>"), the read model a
//     card send and an inbox read by _id. It says, per young person, whether
//     they are on it and the number of the change that said so, so that an
//     older word, written late, never overrides a newer one;
//   - the audit entries the change owes, with ids made from the assignment's.
//
// The service records an intent before a change, so a failure after it is
// finished by a retry or by the background worker. Every read here is by _id.
const colCaseloads = "caseloads"

// keyWorkersVersion is the version of the key-worker records an area's
// document says it is at: an area made before them (whose history is in the
// assignments collection only) is brought up to date once, on first use.
const keyWorkersVersion = 1

func init() {
	registerIndexes(index{collection: colAssignments, keys: bson.D{{Key: "area", Value: 1}, {Key: "start", Value: 1}}})
}

// keyWorkerSpell is one assignment of a young person's key workers. OpenSeq
// and EndSeq number the changes that began and ended it.
type keyWorkerSpell struct {
	ID      string     `bson:"id"`
	StaffID string     `bson:"staffId"`
	Start   time.Time  `bson:"start"`
	End     *time.Time `bson:"end,omitempty"`
	OpenSeq int64      `bson:"openSeq"`
	EndSeq  int64      `bson:"endSeq,omitempty"`
}

func (k keyWorkerSpell) assignment(area, youngPersonID string) heard.Assignment {
	return heard.Assignment{ID: k.ID, AreaID: area, YoungPersonID: youngPersonID, StaffID: k.StaffID, Start: k.Start, End: k.End}
}

// pendingAudit is an audit entry a change still owes the audit log.
type pendingAudit struct {
	ID        string     `bson:"id"`
	At        time.Time  `bson:"at"`
	ActorID   string     `bson:"actorId"`
	ActorName string     `bson:"actorName"`
	ActorRole heard.Role `bson:"actorRole"`
	Action    string     `bson:"action"`
	RequestID string     `bson:"requestId"`
}

func toPending(e heard.AuditEntry, at time.Time) pendingAudit {
	if !e.At.IsZero() {
		at = e.At
	}
	return pendingAudit{ID: e.ID, At: at, ActorID: e.ActorID, ActorName: e.ActorName, ActorRole: e.ActorRole, Action: e.Action, RequestID: e.RequestID}
}

// writeOwedAudit writes the audit entries a change of a young person's
// record owes (each once: its id is made from what it records) and returns
// the ids written.
func (s *Store) writeOwedAudit(ctx context.Context, area, youngPersonID string, owed []pendingAudit) (map[string]bool, error) {
	written := map[string]bool{}
	for _, e := range owed {
		_, err := s.c(colAudit).InsertOne(ctx, heard.AuditEntry{ID: e.ID, AreaID: area, At: e.At, ActorID: e.ActorID, ActorName: e.ActorName,
			ActorRole: e.ActorRole, Action: e.Action, YoungPersonID: youngPersonID, RequestID: e.RequestID})
		if err != nil && duplicate(err) != heard.ErrConflict {
			return written, err
		}
		written[e.ID] = true
	}
	return written, nil
}

// stillOwed leaves out the entries written.
func stillOwed(owed []pendingAudit, written map[string]bool) []pendingAudit {
	var out []pendingAudit
	for _, e := range owed {
		if !written[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// youngPersonDoc is a young person's document as stored: the record, their
// key workers, and fields others keep there (kept as they are on a change).
type youngPersonDoc struct {
	heard.YoungPerson `bson:",inline"`
	KeyWorkers        []keyWorkerSpell `bson:"keyWorkers,omitempty"`
	// KeyWorkerSeq numbers the changes of key worker.
	KeyWorkerSeq int64 `bson:"keyWorkerSeq,omitempty"`
	// KeyWorkersWritten is how many of the first KeyWorkers are ended and
	// written everywhere they go; WriteKeyWorkers starts after them.
	KeyWorkersWritten int `bson:"keyWorkersWritten,omitempty"`
	// Audit is what the changes owe the audit log.
	Audit []pendingAudit `bson:"auditOwed,omitempty"`
	Other bson.M         `bson:",inline"`
}

// current is the open assignment, or nil.
func (d *youngPersonDoc) current() *keyWorkerSpell {
	if n := len(d.KeyWorkers); n > 0 && d.KeyWorkers[n-1].End == nil {
		return &d.KeyWorkers[n-1]
	}
	return nil
}

// InsertYoungPerson stores a new young person, with staffID as their key
// worker from now under assignmentID (none when staffID is empty), and the
// audit entries their adding owes: one write decides all of it, and
// WriteKeyWorkers then writes what follows.
func (s *Store) InsertYoungPerson(ctx context.Context, y heard.YoungPerson, staffID, assignmentID string, audit []heard.AuditEntry) error {
	if err := s.keyWorkersReady(ctx, y.AreaID); err != nil {
		return err
	}
	now := s.now()
	d := youngPersonDoc{YoungPerson: y}
	if staffID != "" {
		d.KeyWorkerSeq = 1
		d.KeyWorkers = []keyWorkerSpell{{ID: assignmentID, StaffID: staffID, Start: now, OpenSeq: 1}}
	}
	for _, e := range audit {
		d.Audit = append(d.Audit, toPending(e, now))
	}
	_, err := s.c(colYoungPeople).InsertOne(ctx, d)
	return duplicate(err)
}

// AssignKeyWorker makes staffID the young person's key worker from now under
// assignmentID, ending the current assignment, by one exact write; audit, when
// given, is the entry the change owes. When staffID is the key worker already
// nothing changes. It returns the current assignment and whether this call
// made it; WriteKeyWorkers writes what follows.
func (s *Store) AssignKeyWorker(ctx context.Context, area, youngPersonID, staffID, assignmentID string, audit *heard.AuditEntry) (heard.Assignment, bool, error) {
	if err := s.keyWorkersReady(ctx, area); err != nil {
		return heard.Assignment{}, false, err
	}
	now := s.now()
	d, changed, err := update(ctx, s, colYoungPeople, area, youngPersonID, func(d *youngPersonDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		cur := d.current()
		if cur != nil && cur.StaffID == staffID {
			return false, nil
		}
		start := now
		if n := len(d.KeyWorkers); n > 0 && d.KeyWorkers[n-1].Start.After(start) {
			start = d.KeyWorkers[n-1].Start // never before the last one began
		}
		d.KeyWorkerSeq++
		if cur != nil {
			end := start
			cur.End, cur.EndSeq = &end, d.KeyWorkerSeq
		}
		d.KeyWorkers = append(d.KeyWorkers, keyWorkerSpell{ID: assignmentID, StaffID: staffID, Start: start, OpenSeq: d.KeyWorkerSeq})
		if audit != nil {
			d.Audit = append(d.Audit, toPending(*audit, start))
		}
		return true, nil
	})
	if err != nil {
		return heard.Assignment{}, false, err
	}
	return d.current().assignment(area, youngPersonID), changed, nil
}

// WriteKeyWorkers writes what follows from a young person's key workers: the
// assignments, the caseloads and the audit entries owed. Safe to repeat, and
// to run at once with another change or another WriteKeyWorkers: each write
// only moves its document forward.
func (s *Store) WriteKeyWorkers(ctx context.Context, area, youngPersonID string) error {
	d, err := findByID[youngPersonDoc](ctx, s.c(colYoungPeople), area, youngPersonID)
	if errors.Is(err, heard.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, k := range d.KeyWorkers[min(d.KeyWorkersWritten, len(d.KeyWorkers)):] {
		if err := s.writeAssignment(ctx, area, youngPersonID, k); err != nil {
			return err
		}
		seq, in := k.OpenSeq, true
		if k.End != nil {
			seq, in = k.EndSeq, false
		}
		if err := s.setCaseloadMembers(ctx, area, k.StaffID, map[string]int64{youngPersonID: seq}, in); err != nil {
			return err
		}
	}
	written, err := s.writeOwedAudit(ctx, area, youngPersonID, d.Audit)
	if err != nil {
		return err
	}
	ended := len(d.KeyWorkers)
	if d.current() != nil {
		ended--
	}
	if ended <= d.KeyWorkersWritten && len(written) == 0 {
		return nil
	}
	_, _, err = update(ctx, s, colYoungPeople, area, youngPersonID, func(d *youngPersonDoc, exists bool) (bool, error) {
		if !exists {
			return false, nil
		}
		changed := false
		if ended > d.KeyWorkersWritten {
			d.KeyWorkersWritten, changed = ended, true
		}
		owed := stillOwed(d.Audit, written)
		changed = changed || len(owed) != len(d.Audit)
		d.Audit = owed
		return changed, nil
	})
	return err
}

// writeAssignment writes one assignment to the assignments collection: made
// as it is when missing, ended when it has ended, never opened again.
func (s *Store) writeAssignment(ctx context.Context, area, youngPersonID string, k keyWorkerSpell) error {
	_, _, err := update(ctx, s, colAssignments, area, k.ID, func(a *heard.Assignment, exists bool) (bool, error) {
		if !exists {
			*a = k.assignment(area, youngPersonID)
			return true, nil
		}
		if a.End == nil && k.End != nil {
			a.End = k.End
			return true, nil
		}
		return false, nil
	})
	return err
}

// caseload is a key worker's caseload: the read model of who holds whom.
// In holds the young people on it and Out those who have left it, each with
// the number of the change of their key worker that put them there. A young
// person who has left keeps their small entry in Out, so a late write of an
// older change can never put them back.
type caseload struct {
	ID      string           `bson:"_id"`
	AreaID  string           `bson:"area"`
	StaffID string           `bson:"staffId"`
	In      map[string]int64 `bson:"in"`
	Out     map[string]int64 `bson:"out"`
}

// (Maps, not a list of entries: the embedded server parses a document's
// sub-documents slowly, about 5 ms for a list of 50 against 1 ms for a map of
// 50 numbers, and a caseload is read on every card send and inbox.)

func caseloadID(area, staffID string) string { return "caseload/" + area + "/" + staffID }

// setCaseloadMembers puts young people on (in) or off a caseload, each as
// change seqs[id] left it, unless a later change has already said.
func (s *Store) setCaseloadMembers(ctx context.Context, area, staffID string, seqs map[string]int64, in bool) error {
	id := caseloadID(area, staffID)
	_, _, err := update(ctx, s, colCaseloads, area, id, func(c *caseload, exists bool) (bool, error) {
		if !exists {
			*c = caseload{ID: id, AreaID: area, StaffID: staffID}
		}
		if c.In == nil {
			c.In = map[string]int64{}
		}
		if c.Out == nil {
			c.Out = map[string]int64{}
		}
		changed := false
		for yp, seq := range seqs {
			if max(c.In[yp], c.Out[yp]) >= seq {
				continue
			}
			delete(c.In, yp)
			delete(c.Out, yp)
			if in {
				c.In[yp] = seq
			} else {
				c.Out[yp] = seq
			}
			changed = true
		}
		return changed, nil
	})
	return err
}

// Assign makes staffID the young person's key worker from now and writes what
// follows (without an audit entry: for seeding and tests; the service's
// AssignKeyWorker is the administrator's action).
func (s *Store) Assign(ctx context.Context, area, youngPersonID, staffID string) (heard.Assignment, error) {
	a, _, err := s.AssignKeyWorker(ctx, area, youngPersonID, staffID, heard.NewID(), nil)
	if err != nil {
		return a, err
	}
	return a, s.WriteKeyWorkers(ctx, area, youngPersonID)
}

// keyWorkersOf reads a young person's key workers (by _id).
func (s *Store) keyWorkersOf(ctx context.Context, area, youngPersonID string) (youngPersonDoc, error) {
	if err := s.keyWorkersReady(ctx, area); err != nil {
		return youngPersonDoc{}, err
	}
	return findByID[youngPersonDoc](ctx, s.c(colYoungPeople), area, youngPersonID)
}

// CurrentAssignment is the open assignment of a young person: one read by _id.
func (s *Store) CurrentAssignment(ctx context.Context, area, youngPersonID string) (heard.Assignment, error) {
	d, err := s.keyWorkersOf(ctx, area, youngPersonID)
	if err != nil {
		return heard.Assignment{}, err
	}
	cur := d.current()
	if cur == nil {
		return heard.Assignment{}, heard.ErrNotFound
	}
	return cur.assignment(area, youngPersonID), nil
}

// YoungPersonAndKeyWorker reads a young person and their open assignment
// (nil when they have no key worker) in one read by _id.
func (s *Store) YoungPersonAndKeyWorker(ctx context.Context, area, youngPersonID string) (heard.YoungPerson, *heard.Assignment, error) {
	d, err := s.keyWorkersOf(ctx, area, youngPersonID)
	if err != nil {
		return heard.YoungPerson{}, nil, err
	}
	cur := d.current()
	if cur == nil {
		return d.YoungPerson, nil, nil
	}
	a := cur.assignment(area, youngPersonID)
	return d.YoungPerson, &a, nil
}

// IsKeyWorker reports whether staffID is the young person's key worker now:
// one read by _id.
func (s *Store) IsKeyWorker(ctx context.Context, area, staffID, youngPersonID string) (bool, error) {
	a, err := s.CurrentAssignment(ctx, area, youngPersonID)
	if errors.Is(err, heard.ErrNotFound) {
		return false, nil
	}
	return err == nil && a.StaffID == staffID, err
}

// AssignmentHistory lists every key worker a young person has had, oldest
// first (nothing for another area's or an unknown young person).
func (s *Store) AssignmentHistory(ctx context.Context, area, youngPersonID string) ([]heard.Assignment, error) {
	d, err := s.keyWorkersOf(ctx, area, youngPersonID)
	if errors.Is(err, heard.ErrNotFound) {
		return []heard.Assignment{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]heard.Assignment, 0, len(d.KeyWorkers))
	for _, k := range d.KeyWorkers {
		out = append(out, k.assignment(area, youngPersonID))
	}
	return out, nil
}

// Caseload returns the ids of the young people a key worker holds now, from
// their caseload document (one read by _id).
func (s *Store) Caseload(ctx context.Context, area, staffID string) ([]string, error) {
	if err := s.keyWorkersReady(ctx, area); err != nil {
		return nil, err
	}
	c, err := findByID[caseload](ctx, s.c(colCaseloads), area, caseloadID(area, staffID))
	if err != nil && !errors.Is(err, heard.ErrNotFound) {
		return nil, err
	}
	ids := make([]string, 0, len(c.In))
	for yp := range c.In {
		ids = append(ids, yp)
	}
	sort.Strings(ids)
	return ids, nil
}

// CheckKeyWorkers reports where what follows from a young person's key
// workers disagrees with them, once WriteKeyWorkers has run: an assignment
// open before the last, one that does not end when the next begins, the
// assignments collection, the caseloads of the staff given, audit entries
// still owed. It returns nil when everything agrees (tests call it after
// failing a workflow part way).
func (s *Store) CheckKeyWorkers(ctx context.Context, area, youngPersonID string, staff []string) error {
	d, err := s.keyWorkersOf(ctx, area, youngPersonID)
	if err != nil {
		return err
	}
	var problems []error
	for i, k := range d.KeyWorkers {
		if i < len(d.KeyWorkers)-1 && (k.End == nil || !k.End.Equal(d.KeyWorkers[i+1].Start)) {
			problems = append(problems, fmt.Errorf("assignment %d (%s) does not end when the next begins", i, k.StaffID))
		}
		a, err := findByID[heard.Assignment](ctx, s.c(colAssignments), area, k.ID)
		sameEnd := a.End == nil && k.End == nil || a.End != nil && k.End != nil && a.End.Equal(*k.End)
		if err != nil || a.YoungPersonID != youngPersonID || a.StaffID != k.StaffID || !a.Start.Equal(k.Start) || !sameEnd {
			problems = append(problems, fmt.Errorf("assignment %d in the assignments collection: %+v %v", i, a, err))
		}
	}
	if len(d.Audit) > 0 {
		problems = append(problems, fmt.Errorf("%d audit entries still owed", len(d.Audit)))
	}
	current := ""
	if cur := d.current(); cur != nil {
		current = cur.StaffID
	}
	for _, st := range staff {
		load, err := s.Caseload(ctx, area, st)
		if err != nil {
			return err
		}
		if slices.Contains(load, youngPersonID) != (st == current) {
			problems = append(problems, fmt.Errorf("caseload of %s: %v (the key worker is %q)", st, load, current))
		}
	}
	return errors.Join(problems...)
}
