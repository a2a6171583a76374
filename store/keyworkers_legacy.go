package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Areas made before the key-worker records (keyworkers.go) keep their
// history in the assignments collection only; each is brought up to date
// once, on first use, by any instance.

// keyWorkersReady brings an area made before the key-worker records up to
// date, once: the first call for an area in a process checks its document and,
// for an older area, migrates it (in the background, so a request's deadline
// does not cut it short; calls meanwhile wait for it, or for their deadline).
func (s *Store) keyWorkersReady(ctx context.Context, area string) error {
	key := s.DB.Name() + "\x00" + area
	v, started := readyAreas.Load(key)
	if !started {
		v, started = readyAreas.LoadOrStore(key, &areaReadiness{done: make(chan struct{})})
	}
	r := v.(*areaReadiness)
	if !started {
		go func() {
			mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Minute)
			defer cancel()
			r.err = s.bringUpToDate(mctx, area)
			if r.err != nil {
				readyAreas.Delete(key) // tried again by the next call
			}
			close(r.done)
		}()
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readyAreas holds, per database and area, whether its key-worker records are
// up to date (or being brought up to date).
var readyAreas sync.Map

type areaReadiness struct {
	done chan struct{}
	err  error
}

// bringUpToDate migrates an area whose document says it is older than the
// key-worker records.
func (s *Store) bringUpToDate(ctx context.Context, area string) error {
	a, err := findOne[areaDoc](ctx, s.c(colAreas), bson.D{{Key: "_id", Value: area}})
	if errors.Is(err, heard.ErrNotFound) || err == nil && a.KeyWorkers >= keyWorkersVersion {
		return nil // no such area (nothing of it to read), or up to date
	}
	if err != nil {
		return err
	}
	return s.migrateKeyWorkers(ctx, area)
}

// migrateKeyWorkers moves an area's key-worker history from the assignments
// collection into its young people's documents (where none is there yet),
// ending every assignment but the last of each young person (an older Heard
// could leave two open), writes the caseloads, and marks the area done. Safe
// to run twice, on two instances at once, or with changes of key worker.
func (s *Store) migrateKeyWorkers(ctx context.Context, area string) error {
	legacy, err := findAll[heard.Assignment](ctx, s.c(colAssignments), inArea(area), options.Find().SetSort(bson.D{{Key: "start", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return err
	}
	byPerson := map[string][]heard.Assignment{}
	var people []string
	for _, a := range legacy {
		if _, seen := byPerson[a.YoungPersonID]; !seen {
			people = append(people, a.YoungPersonID)
		}
		byPerson[a.YoungPersonID] = append(byPerson[a.YoungPersonID], a)
	}
	ins, outs := map[string]map[string]int64{}, map[string]map[string]int64{}
	add := func(m map[string]map[string]int64, staff, yp string, seq int64) {
		if m[staff] == nil {
			m[staff] = map[string]int64{}
		}
		m[staff][yp] = seq
	}
	for _, yp := range people {
		spells, _ := legacySpells(byPerson[yp])
		for _, k := range spells {
			if k.End == nil {
				add(ins, k.StaffID, yp, k.OpenSeq)
			} else {
				add(outs, k.StaffID, yp, k.EndSeq)
			}
		}
	}
	_, err = forEachID(ctx, people, func(ctx context.Context, yp string) (struct{}, error) {
		history := byPerson[yp]
		spells, seq := legacySpells(history)
		_, _, err := update(ctx, s, colYoungPeople, area, yp, func(d *youngPersonDoc, exists bool) (bool, error) {
			if !exists || len(d.KeyWorkers) > 0 {
				return false, nil
			}
			d.KeyWorkers, d.KeyWorkerSeq, d.KeyWorkersWritten = spells, seq, len(spells)
			if spells[len(spells)-1].End == nil {
				d.KeyWorkersWritten--
			}
			return true, nil
		})
		for i, k := range spells {
			if err == nil && history[i].End == nil && k.End != nil {
				err = s.writeAssignment(ctx, area, yp, k) // one an older Heard left open
			}
		}
		return struct{}{}, err
	})
	if err != nil {
		return err
	}
	for in, caseloads := range map[bool]map[string]map[string]int64{true: ins, false: outs} {
		for staff, seqs := range caseloads {
			if err := s.setCaseloadMembers(ctx, area, staff, seqs, in); err != nil {
				return err
			}
		}
	}
	_, err = s.c(colAreas).UpdateOne(ctx, bson.D{{Key: "_id", Value: area}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "keyWorkersVersion", Value: keyWorkersVersion}}}})
	return err
}

// legacySpells turns a history from the assignments collection, oldest first,
// into spells, each ended when the next began; it returns the last change's number.
func legacySpells(history []heard.Assignment) ([]keyWorkerSpell, int64) {
	out := make([]keyWorkerSpell, len(history))
	seq := int64(0)
	for i, a := range history {
		seq = int64(i + 1)
		out[i] = keyWorkerSpell{ID: a.ID, StaffID: a.StaffID, Start: a.Start, End: a.End, OpenSeq: seq}
		if i+1 < len(history) && out[i].End == nil {
			end := history[i+1].Start
			out[i].End = &end
		}
	}
	for i := range out {
		if out[i].End != nil {
			out[i].EndSeq = int64(i + 2)
			seq = max(seq, out[i].EndSeq)
		}
	}
	return out, seq
}
