package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

// Buddies: the roster (one document per volunteer), each young person's
// "about me", the buddy weeks (one per move, its id made from the move's),
// and the week's background jobs. Every hot read is by _id: a placement's
// roster and weeks, and a young person's current week and roster entries,
// are read models (buddy_index) kept as the documents they list are written.
const (
	colBuddies      = "buddies"
	colBuddyAboutMe = "buddy_about_me"
	colBuddyWeeks   = "buddy_weeks"
	colBuddyIndex   = "buddy_index"
	colBuddyJobs    = "buddy_jobs"
)

func init() {
	registerIndexes(index{collection: colBuddyJobs, keys: bson.D{{Key: "dueAt", Value: 1}}})
}

type buddyDoc struct {
	ID                string `bson:"_id"`
	AreaID            string `bson:"area"`
	heard.RosterBuddy `bson:"buddy"`
}

type aboutMeDoc struct {
	ID            string `bson:"_id"`
	AreaID        string `bson:"area"`
	heard.AboutMe `bson:"aboutMe"`
}

type buddyWeekDoc struct {
	ID                    string `bson:"_id"`
	AreaID                string `bson:"area"`
	heard.BuddyWeekRecord `bson:"week"`
}

// buddyIndexDoc lists, for a placement ("placement/<id>") or a young person
// ("person/<id>"), roster entries and weeks by id; a young person's CurrentWeek
// is their own latest week.
type buddyIndexDoc struct {
	ID          string   `bson:"_id"`
	AreaID      string   `bson:"area"`
	Roster      []string `bson:"roster"`
	Weeks       []string `bson:"weeks"`
	CurrentWeek string   `bson:"currentWeek"`
	// Spans holds each listed week's first and last day, to choose the
	// current week and to let go of weeks long over.
	Spans map[string]weekSpan `bson:"spans"`
}

type weekSpan struct {
	From time.Time `bson:"from"`
	Last time.Time `bson:"last"`
}

// listWeek lists w in an index with its days and lets go of weeks that
// ended more than heard.BuddyFairnessDays before the latest listed began: nothing reads them
// from a list any more (matching's fairness looks back that far); they stay
// readable by their id.
func (d *buddyIndexDoc) listWeek(w heard.BuddyWeekRecord) bool {
	if d.Spans == nil {
		d.Spans = map[string]weekSpan{}
	}
	changed := addTo(&d.Weeks, w.ID)
	if span := (weekSpan{w.From, w.Last}); d.Spans[w.ID] != span {
		d.Spans[w.ID], changed = span, true
	}
	latest := w.From
	for _, span := range d.Spans {
		if span.From.After(latest) {
			latest = span.From
		}
	}
	horizon := latest.AddDate(0, 0, -heard.BuddyFairnessDays-1)
	for _, id := range slices.Clone(d.Weeks) {
		if span, ok := d.Spans[id]; ok && span.Last.Before(horizon) {
			removeFrom(&d.Weeks, id)
			delete(d.Spans, id)
			changed = true
		}
	}
	return changed
}

// current is the listed week that begins last.
func (d *buddyIndexDoc) current() string {
	cur := ""
	for _, id := range d.Weeks {
		if cur == "" || d.Spans[id].From.After(d.Spans[cur].From) {
			cur = id
		}
	}
	return cur
}

func placementIndexID(placementID string) string { return "placement/" + placementID }
func personIndexID(youngPersonID string) string  { return "person/" + youngPersonID }

// BuddyJob is a week's evening check-in or morning review, taken under a lease.
type BuddyJob struct {
	ID       string    `bson:"_id"`
	AreaID   string    `bson:"area"`
	WeekID   string    `bson:"weekId"`
	Day      string    `bson:"day"`
	Kind     string    `bson:"kind"`
	DueAt    time.Time `bson:"dueAt"`
	JobLease `bson:",inline"`
}

// changeIndex changes a read model in one exact read-change-write.
func (s *Store) changeIndex(ctx context.Context, area, id string, change func(d *buddyIndexDoc) bool) error {
	_, _, err := update(s.guarded(ctx), s, colBuddyIndex, area, id, func(d *buddyIndexDoc, exists bool) (bool, error) {
		if !exists {
			d.ID, d.AreaID = id, area
		}
		return change(d) || !exists, nil
	})
	return err
}

func addTo(list *[]string, id string) bool {
	if slices.Contains(*list, id) {
		return false
	}
	*list = append(*list, id)
	return true
}

func removeFrom(list *[]string, id string) bool {
	n := len(*list)
	*list = slices.DeleteFunc(*list, func(x string) bool { return x == id })
	return len(*list) != n
}

func (s *Store) buddyIndex(ctx context.Context, area, id string) (buddyIndexDoc, error) {
	d, err := findByID[buddyIndexDoc](ctx, s.c(colBuddyIndex), area, id)
	if errors.Is(err, heard.ErrNotFound) {
		return buddyIndexDoc{}, nil
	}
	return d, err
}

// AddRosterBuddy stores a new volunteer and lists them for their placement
// (and their own young person's record); a conflict when the id is taken.
// Listing is safe to repeat, so a retry after a failure finishes it.
func (s *Store) AddRosterBuddy(ctx context.Context, area string, b heard.RosterBuddy) error {
	_, err := s.c(colBuddies).InsertOne(ctx, buddyDoc{ID: b.ID, AreaID: area, RosterBuddy: b})
	if err = duplicate(err); err != nil {
		return err
	}
	return s.ListRosterBuddy(ctx, area, b)
}

// ListRosterBuddy lists a stored volunteer in the read models.
func (s *Store) ListRosterBuddy(ctx context.Context, area string, b heard.RosterBuddy) error {
	if err := s.changeIndex(ctx, area, placementIndexID(b.PlacementID), func(d *buddyIndexDoc) bool { return addTo(&d.Roster, b.ID) }); err != nil {
		return err
	}
	if b.YoungPersonID == "" {
		return nil
	}
	return s.changeIndex(ctx, area, personIndexID(b.YoungPersonID), func(d *buddyIndexDoc) bool { return addTo(&d.Roster, b.ID) })
}

// RosterBuddy reads one volunteer.
func (s *Store) RosterBuddy(ctx context.Context, area, id string) (heard.RosterBuddy, error) {
	d, err := findByID[buddyDoc](ctx, s.c(colBuddies), area, id)
	return d.RosterBuddy, err
}

// ChangeRosterBuddy changes a volunteer in one exact read-change-write.
func (s *Store) ChangeRosterBuddy(ctx context.Context, area, id string, change func(b *heard.RosterBuddy) (bool, error)) (heard.RosterBuddy, error) {
	d, _, err := update(s.guarded(ctx), s, colBuddies, area, id, func(d *buddyDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		return change(&d.RosterBuddy)
	})
	return d.RosterBuddy, err
}

// readListed reads the documents a read model lists, skipping any gone
// (listings are written after what they list and removed before it).
func readListed[T any](ctx context.Context, area string, ids []string, read func(context.Context, string, string) (T, error)) ([]T, error) {
	out := []T{}
	for _, id := range ids {
		v, err := read(ctx, area, id)
		if errors.Is(err, heard.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// RosterOf lists a placement's volunteers, in the order they were added.
func (s *Store) RosterOf(ctx context.Context, area, placementID string) ([]heard.RosterBuddy, error) {
	d, err := s.buddyIndex(ctx, area, placementIndexID(placementID))
	if err != nil {
		return nil, err
	}
	return readListed(ctx, area, d.Roster, s.RosterBuddy)
}

// RosterEntriesOf lists the roster entries that are a young person in Heard.
func (s *Store) RosterEntriesOf(ctx context.Context, area, youngPersonID string) ([]heard.RosterBuddy, error) {
	d, err := s.buddyIndex(ctx, area, personIndexID(youngPersonID))
	if err != nil {
		return nil, err
	}
	return readListed(ctx, area, d.Roster, s.RosterBuddy)
}

// AboutMe reads a young person's "about me"; false when never filled.
func (s *Store) AboutMe(ctx context.Context, area, youngPersonID string) (heard.AboutMe, bool, error) {
	d, err := findByID[aboutMeDoc](ctx, s.c(colBuddyAboutMe), area, youngPersonID)
	if errors.Is(err, heard.ErrNotFound) {
		return heard.AboutMe{}, false, nil
	}
	return d.AboutMe, err == nil, err
}

// SetAboutMe keeps a young person's "about me" (an upsert by their id).
func (s *Store) SetAboutMe(ctx context.Context, area, youngPersonID string, a heard.AboutMe) error {
	_, _, err := update(s.guarded(ctx), s, colBuddyAboutMe, area, youngPersonID, func(d *aboutMeDoc, exists bool) (bool, error) {
		d.ID, d.AreaID, d.AboutMe = youngPersonID, area, a
		return true, nil
	})
	return err
}

// BuddyWeek reads a week.
func (s *Store) BuddyWeek(ctx context.Context, area, id string) (heard.BuddyWeekRecord, error) {
	d, err := findByID[buddyWeekDoc](ctx, s.c(colBuddyWeeks), area, id)
	d.BuddyWeekRecord.AreaID = area
	return d.BuddyWeekRecord, err
}

// ChangeBuddyWeek creates or changes a week in one exact read-change-write;
// change gets exists false for a week not yet stored. It returns the week as
// it now is and whether this call changed it.
func (s *Store) ChangeBuddyWeek(ctx context.Context, area, id string, change func(w *heard.BuddyWeekRecord, exists bool) (bool, error)) (heard.BuddyWeekRecord, bool, error) {
	d, changed, err := update(s.guarded(ctx), s, colBuddyWeeks, area, id, func(d *buddyWeekDoc, exists bool) (bool, error) {
		d.ID, d.AreaID, d.BuddyWeekRecord.AreaID = id, area, area
		return change(&d.BuddyWeekRecord, exists)
	})
	d.BuddyWeekRecord.AreaID = area
	return d.BuddyWeekRecord, changed, err
}

// ListBuddyWeek lists a stored week for its placement and as its young
// person's current week; safe to repeat.
func (s *Store) ListBuddyWeek(ctx context.Context, area string, w heard.BuddyWeekRecord) error {
	if err := s.changeIndex(ctx, area, placementIndexID(w.PlacementID), func(d *buddyIndexDoc) bool { return d.listWeek(w) }); err != nil {
		return err
	}
	return s.changeIndex(ctx, area, personIndexID(w.YoungPersonID), func(d *buddyIndexDoc) bool {
		changed := d.listWeek(w)
		if cur := d.current(); d.CurrentWeek != cur {
			d.CurrentWeek, changed = cur, true
		}
		return changed
	})
}

// RemoveBuddyWeek removes a week (its move was cancelled): its jobs, its
// listings, then the week itself, each safe to repeat.
func (s *Store) RemoveBuddyWeek(ctx context.Context, area string, w heard.BuddyWeekRecord) error {
	ctx = s.guarded(ctx)
	for _, day := range w.Days() {
		for _, kind := range []string{heard.BuddyJobCheckin, heard.BuddyJobReview} {
			if _, err := s.c(colBuddyJobs).DeleteOne(ctx, idFilter(heard.BuddyJobID(w.ID, day, kind))); err != nil {
				return err
			}
		}
	}
	unlist := func(d *buddyIndexDoc) bool {
		delete(d.Spans, w.ID)
		changed := removeFrom(&d.Weeks, w.ID)
		if cur := d.current(); d.CurrentWeek != cur {
			d.CurrentWeek, changed = cur, true
		}
		return changed
	}
	if err := s.changeIndex(ctx, area, placementIndexID(w.PlacementID), unlist); err != nil {
		return err
	}
	if err := s.changeIndex(ctx, area, personIndexID(w.YoungPersonID), unlist); err != nil {
		return err
	}
	_, err := s.deleteIf(ctx, colBuddyWeeks, w.ID, bson.D{{Key: "area", Value: area}})
	return err
}

// BuddyWeeksAt lists a placement's weeks, oldest first.
func (s *Store) BuddyWeeksAt(ctx context.Context, area, placementID string) ([]heard.BuddyWeekRecord, error) {
	d, err := s.buddyIndex(ctx, area, placementIndexID(placementID))
	if err != nil {
		return nil, err
	}
	return readListed(ctx, area, d.Weeks, s.BuddyWeek)
}

// CurrentBuddyWeek is a young person's latest week as a newcomer.
func (s *Store) CurrentBuddyWeek(ctx context.Context, area, youngPersonID string) (heard.BuddyWeekRecord, error) {
	d, err := s.buddyIndex(ctx, area, personIndexID(youngPersonID))
	if err != nil {
		return heard.BuddyWeekRecord{}, err
	}
	if d.CurrentWeek == "" {
		return heard.BuddyWeekRecord{}, heard.ErrNotFound
	}
	return s.BuddyWeek(ctx, area, d.CurrentWeek)
}

// AddBuddyJobs stores jobs not stored yet (a retry adds nothing twice).
func (s *Store) AddBuddyJobs(ctx context.Context, jobs []BuddyJob) error {
	ctx = s.guarded(ctx)
	for _, j := range jobs {
		j.JobLease = JobLease{LeaseUntil: noLease}
		_, err := s.c(colBuddyJobs).InsertOne(ctx, j)
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return err
		}
	}
	return nil
}

// BuddyJobs lists the jobs of a week (tests and tools).
func (s *Store) BuddyJobs(ctx context.Context, weekID string) ([]BuddyJob, error) {
	return findAll[BuddyJob](ctx, s.c(colBuddyJobs), bson.D{{Key: "weekId", Value: weekID}}, options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}}))
}

// TakeBuddyJobs leases, for owner, up to max due jobs nobody holds, soonest
// first, each in one conditional write (leases.go).
func (s *Store) TakeBuddyJobs(ctx context.Context, owner string, leaseFor time.Duration, max int) ([]BuddyJob, error) {
	now := s.now()
	due := bson.D{{Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now}}}}
	candidates, err := findAll[BuddyJob](ctx, s.c(colBuddyJobs), append(due, unheld(now)),
		options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}}).SetLimit(int64(max)))
	if err != nil {
		return nil, err
	}
	var taken []BuddyJob
	for _, c := range candidates {
		var j BuddyJob
		ok, err := s.takeJob(ctx, colBuddyJobs, c.ID, due, owner, leaseFor, nil, nil, &j)
		if err != nil {
			return taken, err
		}
		if ok {
			taken = append(taken, j)
		}
	}
	return taken, nil
}

// FinishBuddyJob deletes a job done, while its lease still holds; false when the lease was lost.
func (s *Store) FinishBuddyJob(ctx context.Context, j BuddyJob) (bool, error) {
	return s.deleteHeld(ctx, colBuddyJobs, j.ID, j.JobLease)
}

// ReleaseBuddyJob lets go of a job that could not be done now.
func (s *Store) ReleaseBuddyJob(ctx context.Context, j BuddyJob) error {
	_, err := s.releaseJob(ctx, colBuddyJobs, j.ID, j.JobLease)
	return err
}
