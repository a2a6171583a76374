package store

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"heard"
)

func init() {
	registerIndexes(
		index{collection: colStaff, keys: bson.D{{Key: "email", Value: 1}}, unique: true},
		index{collection: colStaff, keys: bson.D{{Key: "area", Value: 1}, {Key: "role", Value: 1}}},
		index{collection: colTeams, keys: bson.D{{Key: "area", Value: 1}, {Key: "name", Value: 1}}, unique: true},
		index{collection: colYoungPeople, keys: bson.D{{Key: "area", Value: 1}, {Key: "teamId", Value: 1}}},
		index{collection: colDuty, keys: bson.D{{Key: "area", Value: 1}, {Key: "start", Value: 1}, {Key: "end", Value: 1}}},
		index{collection: colPlacements, keys: bson.D{{Key: "area", Value: 1}, {Key: "name", Value: 1}}},
	)
}

func inArea(area string, more ...bson.E) bson.D {
	return append(bson.D{{Key: "area", Value: area}}, more...)
}

// areaDoc is an area's document: the area, and the version of its key-worker
// records (keyworkers.go), so that an area made before they existed is brought
// up to date once.
type areaDoc struct {
	heard.Area `bson:",inline"`
	KeyWorkers int `bson:"keyWorkersVersion,omitempty"`
}

// CreateArea stores a new area.
func (s *Store) CreateArea(ctx context.Context, a heard.Area) error {
	_, err := s.c(colAreas).InsertOne(ctx, areaDoc{Area: a, KeyWorkers: keyWorkersVersion})
	return duplicate(err)
}

// Area returns one area.
func (s *Store) Area(ctx context.Context, id string) (heard.Area, error) {
	return findOne[heard.Area](ctx, s.c(colAreas), bson.D{{Key: "_id", Value: id}})
}

// UpdateAreaSettings replaces an area's escalation policy, crisis contacts and
// languages, and its name unless name is empty.
func (s *Store) UpdateAreaSettings(ctx context.Context, id, name string, esc heard.EscalationPolicy, contacts []heard.CrisisContact, languages []string) error {
	set := bson.D{{Key: "escalation", Value: esc}, {Key: "crisisContacts", Value: contacts}, {Key: "languages", Value: languages}}
	if name != "" {
		set = append(set, bson.E{Key: "name", Value: name})
	}
	res, err := s.c(colAreas).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	if err == nil && res.MatchedCount == 0 {
		return heard.ErrNotFound
	}
	return err
}

// AreaIDs lists every area's id (a short list: one per local authority or trust).
func (s *Store) AreaIDs(ctx context.Context) ([]string, error) {
	areas, err := findAll[heard.Area](ctx, s.c(colAreas), bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	ids := make([]string, 0, len(areas))
	for _, a := range areas {
		ids = append(ids, a.ID)
	}
	return ids, err
}

// CreateTeam stores a team.
func (s *Store) CreateTeam(ctx context.Context, t heard.Team) error {
	_, err := s.c(colTeams).InsertOne(ctx, t)
	return duplicate(err)
}

// Teams lists an area's teams.
func (s *Store) Teams(ctx context.Context, area string) ([]heard.Team, error) {
	return findAll[heard.Team](ctx, s.c(colTeams), inArea(area), options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
}

// Team returns one team of the area.
func (s *Store) Team(ctx context.Context, area, id string) (heard.Team, error) {
	return findByID[heard.Team](ctx, s.c(colTeams), area, id)
}

// staffDoc is a staff account's document as stored: the account, and fields
// other parts of the store keep there (when the password changed, ...), kept
// as they are when the account is changed.
type staffDoc struct {
	heard.Staff `bson:",inline"`
	Other       bson.M `bson:",inline"`
}

// noteOther sets a field kept beside the account.
func (d *staffDoc) noteOther(key string, v any) {
	if d.Other == nil {
		d.Other = bson.M{}
	}
	d.Other[key] = v
}

// CreateStaff stores a staff account; the email must be new.
func (s *Store) CreateStaff(ctx context.Context, st heard.Staff) error {
	_, err := s.c(colStaff).InsertOne(ctx, st)
	return duplicate(err)
}

// StaffByEmail finds an account for sign-in. Emails are unique across areas.
func (s *Store) StaffByEmail(ctx context.Context, email string) (heard.Staff, error) {
	return findOne[heard.Staff](ctx, s.c(colStaff), bson.D{{Key: "email", Value: email}})
}

// StaffMember returns one staff account of the area.
func (s *Store) StaffMember(ctx context.Context, area, id string) (heard.Staff, error) {
	return findByID[heard.Staff](ctx, s.c(colStaff), area, id)
}

// StaffList lists an area's staff, optionally only some roles.
func (s *Store) StaffList(ctx context.Context, area string, roles ...heard.Role) ([]heard.Staff, error) {
	f := inArea(area)
	if len(roles) > 0 {
		f = append(f, bson.E{Key: "role", Value: bson.D{{Key: "$in", Value: roles}}})
	}
	return findAll[heard.Staff](ctx, s.c(colStaff), f, options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
}

// ChangeStaff changes a staff account by one exact read-change-write: change
// gets the account as it is now and may refuse (its error is returned and
// nothing is written). It returns the account as changed.
func (s *Store) ChangeStaff(ctx context.Context, area, id string, change func(st *heard.Staff) error) (heard.Staff, error) {
	d, _, err := update(ctx, s, colStaff, area, id, func(d *staffDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		if err := change(&d.Staff); err != nil {
			return false, err
		}
		return true, nil
	})
	return d.Staff, err
}

// UpdateStaff sets the fields given (a password, a language); ChangeStaff is
// the exact change of an account's role, team, placement, hours or state. It
// takes the document's guard and moves its revision on, so neither overwrites
// the other.
func (s *Store) UpdateStaff(ctx context.Context, area, id string, set bson.D) error {
	defer s.guard(colStaff, id)()
	if _, err := s.StaffMember(ctx, area, id); err != nil {
		return err
	}
	_, err := s.c(colStaff).UpdateOne(ctx, idFilter(id), bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: revField, Value: 1}}}})
	return err
}

// SetStaffLanguage saves a staff member's language choice.
func (s *Store) SetStaffLanguage(ctx context.Context, area, id, lang string) error {
	_, err := s.ChangeStaff(ctx, area, id, func(st *heard.Staff) error {
		st.Language = lang
		return nil
	})
	return err
}

// CreateYoungPerson stores a young person without a key worker.
func (s *Store) CreateYoungPerson(ctx context.Context, y heard.YoungPerson) error {
	return s.InsertYoungPerson(ctx, y, "", "", nil)
}

// YoungPerson returns one young person of the area.
func (s *Store) YoungPerson(ctx context.Context, area, id string) (heard.YoungPerson, error) {
	return findByID[heard.YoungPerson](ctx, s.c(colYoungPeople), area, id)
}

// YoungPeople returns the young people of the area with the ids given, by
// first name. Each is read by _id (a lookup, where a filter on several ids
// would read the whole collection on the embedded server); ids of another
// area or of nobody are left out.
func (s *Store) YoungPeople(ctx context.Context, area string, ids []string) ([]heard.YoungPerson, error) {
	out, err := forEachID(ctx, ids, func(ctx context.Context, id string) (heard.YoungPerson, error) { return s.YoungPerson(ctx, area, id) })
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].FirstName != out[j].FirstName {
			return out[i].FirstName < out[j].FirstName
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

// forEachID calls do for each id, a few at a time, and returns the results in
// the order of ids, leaving out those not found.
func forEachID[T any](ctx context.Context, ids []string, do func(context.Context, string) (T, error)) ([]T, error) {
	found := make([]*T, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			v, err := do(ctx, id)
			switch {
			case err == nil:
				found[i] = &v
			case !errors.Is(err, heard.ErrNotFound):
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]T, 0, len(ids))
	for _, v := range found {
		if v != nil {
			out = append(out, *v)
		}
	}
	return out, nil
}

// YoungPeopleInArea lists every young person of the area (administrators).
func (s *Store) YoungPeopleInArea(ctx context.Context, area string) ([]heard.YoungPerson, error) {
	return findAll[heard.YoungPerson](ctx, s.c(colYoungPeople), inArea(area), options.Find().SetSort(bson.D{{Key: "firstName", Value: 1}}))
}

// YoungPeopleInTeam lists a team's young people (team managers).
func (s *Store) YoungPeopleInTeam(ctx context.Context, area, team string) ([]heard.YoungPerson, error) {
	return findAll[heard.YoungPerson](ctx, s.c(colYoungPeople), inArea(area, bson.E{Key: "teamId", Value: team}),
		options.Find().SetSort(bson.D{{Key: "firstName", Value: 1}}))
}

// SetYoungPersonLanguage saves a young person's language choice.
func (s *Store) SetYoungPersonLanguage(ctx context.Context, area, id, lang string) error {
	_, err := s.ChangeYoungPerson(ctx, area, id, func(y *heard.YoungPerson) error {
		y.Language = lang
		return nil
	})
	return err
}

// ChangeYoungPerson changes a young person's record by one exact
// read-change-write, as ChangeStaff does an account.
func (s *Store) ChangeYoungPerson(ctx context.Context, area, id string, change func(y *heard.YoungPerson) error) (heard.YoungPerson, error) {
	d, _, err := update(ctx, s, colYoungPeople, area, id, func(d *youngPersonDoc, exists bool) (bool, error) {
		if !exists {
			return false, heard.ErrNotFound
		}
		return true, change(&d.YoungPerson)
	})
	return d.YoungPerson, err
}

// AddDutyShift puts a staff member on the duty rota.
func (s *Store) AddDutyShift(ctx context.Context, d heard.DutyShift) error {
	_, err := s.c(colDuty).InsertOne(ctx, d)
	return duplicate(err)
}

// DutyShift returns one shift of the area (by _id).
func (s *Store) DutyShift(ctx context.Context, area, id string) (heard.DutyShift, error) {
	return findByID[heard.DutyShift](ctx, s.c(colDuty), area, id)
}

// DutyRota lists shifts overlapping [from, to).
func (s *Store) DutyRota(ctx context.Context, area string, from, to time.Time) ([]heard.DutyShift, error) {
	return findAll[heard.DutyShift](ctx, s.c(colDuty), inArea(area,
		bson.E{Key: "start", Value: bson.D{{Key: "$lt", Value: to}}}, bson.E{Key: "end", Value: bson.D{{Key: "$gt", Value: from}}}),
		options.Find().SetSort(bson.D{{Key: "start", Value: 1}}))
}

// OnDuty returns the ids of staff on duty at t.
func (s *Store) OnDuty(ctx context.Context, area string, t time.Time) ([]string, error) {
	shifts, err := s.DutyRota(ctx, area, t, t.Add(time.Millisecond))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, d := range shifts {
		ids = append(ids, d.StaffID)
	}
	return ids, nil
}

// DeleteDutyShift removes a shift from the rota.
func (s *Store) DeleteDutyShift(ctx context.Context, area, id string) error {
	res, err := s.c(colDuty).DeleteOne(ctx, inArea(area, bson.E{Key: "_id", Value: id}))
	if err == nil && res.DeletedCount == 0 {
		return heard.ErrNotFound
	}
	return err
}

// CreatePlacement stores a placement.
func (s *Store) CreatePlacement(ctx context.Context, p heard.Placement) error {
	_, err := s.c(colPlacements).InsertOne(ctx, p)
	return duplicate(err)
}

// Placements lists an area's placements.
func (s *Store) Placements(ctx context.Context, area string) ([]heard.Placement, error) {
	return findAll[heard.Placement](ctx, s.c(colPlacements), inArea(area), options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
}

// Placement returns one placement of the area.
func (s *Store) Placement(ctx context.Context, area, id string) (heard.Placement, error) {
	return findByID[heard.Placement](ctx, s.c(colPlacements), area, id)
}

// Relation gathers what decides a principal's access to one young person.
func (s *Store) Relation(ctx context.Context, p heard.Principal, youngPersonID string) (heard.Relation, error) {
	var r heard.Relation
	var err error
	switch p.Role {
	case heard.RoleKeyWorker:
		r.CurrentKeyWorker, err = s.IsKeyWorker(ctx, p.AreaID, p.ID, youngPersonID)
	case heard.RoleDutyWorker, heard.RoleTeamManager:
		r.Escalated, err = s.EscalatedTo(ctx, p.AreaID, p.ID, youngPersonID)
	case heard.RolePlacementStaff:
		r.IncomingMove, r.MoveConfirmed, err = s.moveRelation(ctx, p, youngPersonID)
	}
	return r, err
}
