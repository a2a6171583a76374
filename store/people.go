package store

import (
	"context"
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
		index{collection: colAssignments, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}, {Key: "start", Value: 1}}},
		index{collection: colAssignments, keys: bson.D{{Key: "area", Value: 1}, {Key: "staffId", Value: 1}, {Key: "end", Value: 1}}},
		index{collection: colDuty, keys: bson.D{{Key: "area", Value: 1}, {Key: "start", Value: 1}, {Key: "end", Value: 1}}},
		index{collection: colPlacements, keys: bson.D{{Key: "area", Value: 1}, {Key: "name", Value: 1}}},
		index{collection: colMoves, keys: bson.D{{Key: "area", Value: 1}, {Key: "placementId", Value: 1}, {Key: "date", Value: 1}}},
		index{collection: colMoves, keys: bson.D{{Key: "area", Value: 1}, {Key: "youngPersonId", Value: 1}}},
	)
}

func inArea(area string, more ...bson.E) bson.D {
	return append(bson.D{{Key: "area", Value: area}}, more...)
}

// CreateArea stores a new area.
func (s *Store) CreateArea(ctx context.Context, a heard.Area) error {
	_, err := s.c(colAreas).InsertOne(ctx, a)
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

// UpdateStaff changes the fields given (role, team, placement, disabled, hours, language).
func (s *Store) UpdateStaff(ctx context.Context, area, id string, set bson.D) error {
	if _, err := s.StaffMember(ctx, area, id); err != nil {
		return err
	}
	_, err := s.c(colStaff).UpdateOne(ctx, idFilter(id), bson.D{{Key: "$set", Value: set}})
	return err
}

// SetStaffLanguage saves a staff member's language choice.
func (s *Store) SetStaffLanguage(ctx context.Context, area, id, lang string) error {
	return s.UpdateStaff(ctx, area, id, bson.D{{Key: "language", Value: lang}})
}

// CreateYoungPerson stores a young person.
func (s *Store) CreateYoungPerson(ctx context.Context, y heard.YoungPerson) error {
	_, err := s.c(colYoungPeople).InsertOne(ctx, y)
	return duplicate(err)
}

// YoungPerson returns one young person of the area.
func (s *Store) YoungPerson(ctx context.Context, area, id string) (heard.YoungPerson, error) {
	return findByID[heard.YoungPerson](ctx, s.c(colYoungPeople), area, id)
}

// YoungPeople returns the young people of the area with the ids given.
func (s *Store) YoungPeople(ctx context.Context, area string, ids []string) ([]heard.YoungPerson, error) {
	return findAll[heard.YoungPerson](ctx, s.c(colYoungPeople), inArea(area, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}),
		options.Find().SetSort(bson.D{{Key: "firstName", Value: 1}}))
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
	if _, err := s.YoungPerson(ctx, area, id); err != nil {
		return err
	}
	_, err := s.c(colYoungPeople).UpdateOne(ctx, idFilter(id), bson.D{{Key: "$set", Value: bson.D{{Key: "language", Value: lang}}}})
	return err
}

// Assign makes staffID the young person's key worker from now, closing the
// current assignment first. Closing before opening means a crash between the two
// writes leaves no worker rather than two; running Assign again completes it.
func (s *Store) Assign(ctx context.Context, area, youngPersonID, staffID string) (heard.Assignment, error) {
	now := s.now()
	current, err := s.CurrentAssignment(ctx, area, youngPersonID)
	switch {
	case err == nil && current.StaffID == staffID:
		return current, nil
	case err == nil:
		if _, err := s.c(colAssignments).UpdateOne(ctx, idFilter(current.ID),
			bson.D{{Key: "$set", Value: bson.D{{Key: "end", Value: now}}}}); err != nil {
			return heard.Assignment{}, err
		}
	case err != heard.ErrNotFound:
		return heard.Assignment{}, err
	}
	a := heard.Assignment{ID: heard.NewID(), AreaID: area, YoungPersonID: youngPersonID, StaffID: staffID, Start: now}
	_, err = s.c(colAssignments).InsertOne(ctx, a)
	return a, err
}

// CurrentAssignment is the open assignment of a young person.
func (s *Store) CurrentAssignment(ctx context.Context, area, youngPersonID string) (heard.Assignment, error) {
	return findOne[heard.Assignment](ctx, s.c(colAssignments), inArea(area,
		bson.E{Key: "youngPersonId", Value: youngPersonID}, bson.E{Key: "end", Value: nil}))
}

// AssignmentHistory lists every key worker a young person has had, oldest first.
func (s *Store) AssignmentHistory(ctx context.Context, area, youngPersonID string) ([]heard.Assignment, error) {
	return findAll[heard.Assignment](ctx, s.c(colAssignments), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID}),
		options.Find().SetSort(bson.D{{Key: "start", Value: 1}}))
}

// Caseload returns the ids of the young people a key worker holds now.
func (s *Store) Caseload(ctx context.Context, area, staffID string) ([]string, error) {
	as, err := findAll[heard.Assignment](ctx, s.c(colAssignments), inArea(area,
		bson.E{Key: "staffId", Value: staffID}, bson.E{Key: "end", Value: nil}))
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(as))
	for _, a := range as {
		ids = append(ids, a.YoungPersonID)
	}
	return ids, nil
}

// IsKeyWorker reports whether staffID is the young person's key worker now.
func (s *Store) IsKeyWorker(ctx context.Context, area, staffID, youngPersonID string) (bool, error) {
	n, err := s.c(colAssignments).CountDocuments(ctx, inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID},
		bson.E{Key: "staffId", Value: staffID}, bson.E{Key: "end", Value: nil}))
	return n > 0, err
}

// AddDutyShift puts a staff member on the duty rota.
func (s *Store) AddDutyShift(ctx context.Context, d heard.DutyShift) error {
	_, err := s.c(colDuty).InsertOne(ctx, d)
	return err
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

// CreateMove stores a planned move.
func (s *Store) CreateMove(ctx context.Context, m heard.Move) error {
	_, err := s.c(colMoves).InsertOne(ctx, m)
	return duplicate(err)
}

// MovesToPlacement lists the moves into a placement that are not cancelled.
func (s *Store) MovesToPlacement(ctx context.Context, area, placementID string) ([]heard.Move, error) {
	return findAll[heard.Move](ctx, s.c(colMoves), inArea(area, bson.E{Key: "placementId", Value: placementID},
		bson.E{Key: "status", Value: bson.D{{Key: "$ne", Value: heard.MoveCancelled}}}), options.Find().SetSort(bson.D{{Key: "date", Value: 1}}))
}

// MovesOf lists a young person's moves.
func (s *Store) MovesOf(ctx context.Context, area, youngPersonID string) ([]heard.Move, error) {
	return findAll[heard.Move](ctx, s.c(colMoves), inArea(area, bson.E{Key: "youngPersonId", Value: youngPersonID}),
		options.Find().SetSort(bson.D{{Key: "date", Value: 1}}))
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
		if p.PlacementID == "" {
			return r, nil
		}
		var moves []heard.Move
		moves, err = findAll[heard.Move](ctx, s.c(colMoves), inArea(p.AreaID, bson.E{Key: "youngPersonId", Value: youngPersonID},
			bson.E{Key: "placementId", Value: p.PlacementID}, bson.E{Key: "status", Value: bson.D{{Key: "$ne", Value: heard.MoveCancelled}}}))
		for _, m := range moves {
			r.IncomingMove = true
			if m.Status == heard.MoveConfirmed || m.Status == heard.MoveArrived {
				r.MoveConfirmed = true
			}
		}
	}
	return r, err
}
