package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// DemoPassword is every demo staff account's password.
const DemoPassword = "heard-demo-2026"

// DemoAccount is one demo sign-in printed at start.
type DemoAccount struct {
	Role  heard.Role
	Name  string
	Email string
	// JoinCode is set for young people: a fresh code for a phone.
	JoinCode string
}

type demoMarker struct {
	ID     string `bson:"_id"`
	AreaID string `bson:"areaId"`
}

// SeedDemo creates, once, an area with every role so a newcomer can try Heard,
// and on every call makes fresh join codes for its young people.
func (s *Store) SeedDemo(ctx context.Context) ([]DemoAccount, error) {
	var m demoMarker
	err := s.c(colMeta).FindOne(ctx, bson.D{{Key: "_id", Value: "demo"}}).Decode(&m)
	if errors.Is(notFound(err), heard.ErrNotFound) {
		m.AreaID, err = s.seedDemoArea(ctx)
		if err == nil {
			_, err = s.c(colMeta).InsertOne(ctx, demoMarker{ID: "demo", AreaID: m.AreaID})
		}
	}
	if err != nil {
		return nil, err
	}
	staff, err := s.StaffList(ctx, m.AreaID)
	if err != nil {
		return nil, err
	}
	var out []DemoAccount
	for _, st := range staff {
		out = append(out, DemoAccount{Role: st.Role, Name: st.Name, Email: st.Email})
	}
	people, err := s.YoungPeopleInArea(ctx, m.AreaID)
	if err != nil {
		return nil, err
	}
	for _, y := range people {
		a, err := s.CurrentAssignment(ctx, m.AreaID, y.ID)
		if err != nil {
			return nil, err
		}
		code, _, err := s.CreateJoinCode(ctx, m.AreaID, y.ID, a.StaffID)
		if err != nil {
			return nil, err
		}
		out = append(out, DemoAccount{Role: heard.RoleYoungPerson, Name: y.FirstName, JoinCode: code})
	}
	return out, nil
}

func (s *Store) seedDemoArea(ctx context.Context) (string, error) {
	now := s.now()
	area := heard.Area{ID: heard.NewID(), Name: "Riverside (demo)", TimeZone: "Europe/London", Languages: []string{"en", "ar"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: now}
	if err := s.CreateArea(ctx, area); err != nil {
		return "", err
	}
	camhs := heard.Team{ID: heard.NewID(), AreaID: area.ID, Name: "Riverside CAMHS", Service: heard.ServiceCAMHS, CreatedAt: now}
	social := heard.Team{ID: heard.NewID(), AreaID: area.ID, Name: "Riverside Children's Social Care", Service: heard.ServiceSocialCare, CreatedAt: now}
	for _, t := range []heard.Team{camhs, social} {
		if err := s.CreateTeam(ctx, t); err != nil {
			return "", err
		}
	}
	oak := heard.Placement{ID: heard.NewID(), AreaID: area.ID, Name: "Oak House", Type: heard.PlacementChildrensHome, CreatedAt: now}
	foster := heard.Placement{ID: heard.NewID(), AreaID: area.ID, Name: "Willow foster home", Type: heard.PlacementFoster, CreatedAt: now}
	for _, p := range []heard.Placement{oak, foster} {
		if err := s.CreatePlacement(ctx, p); err != nil {
			return "", err
		}
	}
	hash := heard.HashPassword(DemoPassword)
	person := func(name, email string, role heard.Role, team, placement string) heard.Staff {
		return heard.Staff{ID: heard.NewID(), AreaID: area.ID, Name: name, Email: email, Role: role, TeamID: team, PlacementID: placement,
			Language: "en", PasswordHash: hash, Hours: heard.DefaultHours(), CreatedAt: now}
	}
	sam := person("Sam Okafor", "sam@demo.heard", heard.RoleKeyWorker, social.ID, "")
	alex := person("Alex Rahman", "alex@demo.heard", heard.RoleKeyWorker, camhs.ID, "")
	duty := person("Dana Lewis", "duty@demo.heard", heard.RoleDutyWorker, social.ID, "")
	staff := []heard.Staff{
		person("Ada Admin", "admin@demo.heard", heard.RoleAdministrator, "", ""),
		sam, alex, duty,
		person("Morgan Price", "manager@demo.heard", heard.RoleTeamManager, social.ID, ""),
		person("Priya Shah", "oak@demo.heard", heard.RolePlacementStaff, "", oak.ID),
		person("Chris Willow", "willow@demo.heard", heard.RolePlacementStaff, "", foster.ID),
		person("Kim Commissioner", "commissioner@demo.heard", heard.RoleCommissioner, "", ""),
	}
	for _, st := range staff {
		if err := s.CreateStaff(ctx, st); err != nil {
			return "", err
		}
	}
	// The duty worker is on duty around the clock for the next year in the
	// demo, in week-long shifts: no longer than the rota's form allows.
	for _, shift := range heard.DutyShiftsCovering(now, 365*24*time.Hour) {
		d := heard.DutyShift{ID: heard.NewID(), AreaID: area.ID, StaffID: duty.ID, Start: shift.Start, End: shift.End}
		if err := s.AddDutyShift(ctx, d); err != nil {
			return "", err
		}
	}
	// Jay's move is shared, Mia has just arrived at Oak House with a buddy,
	// and Ava has no move yet, so her key worker can plan one from the start.
	young := []struct {
		name string
		team heard.Team
		kw   heard.Staff
	}{{"Jay", social, sam}, {"Mia", social, sam}, {"Ava", social, sam}, {"Leo", camhs, alex}}
	var jay, mia heard.YoungPerson
	for _, yp := range young {
		y := heard.YoungPerson{ID: heard.NewID(), AreaID: area.ID, FirstName: yp.name, Language: "en", TeamID: yp.team.ID, Service: yp.team.Service, CreatedAt: now}
		if err := s.CreateYoungPerson(ctx, y); err != nil {
			return "", err
		}
		if _, err := s.Assign(ctx, area.ID, y.ID, yp.kw.ID); err != nil {
			return "", err
		}
		switch yp.name {
		case "Jay":
			jay = y
		case "Mia":
			mia = y
		}
	}
	if err := s.seedDemoPlacements(ctx, area, oak, foster, jay, sam); err != nil {
		return "", err
	}
	if err := s.seedDemoBuddies(ctx, area, oak, mia, sam); err != nil {
		return "", err
	}
	return area.ID, nil
}

// SeedDemoHistory adds, once, six months of made-up anonymous feedback to the
// demo area, so the demo's commissioner has figures to read. (Tests seed the
// demo area without it, to count their own answers.)
func (s *Store) SeedDemoHistory(ctx context.Context) error {
	var m demoMarker
	if err := s.c(colMeta).FindOne(ctx, bson.D{{Key: "_id", Value: "demo"}}).Decode(&m); err != nil {
		return notFound(err)
	}
	if err := s.c(colMeta).FindOne(ctx, bson.D{{Key: "_id", Value: "demo-history"}}).Err(); err == nil {
		return nil
	}
	area, err := s.Area(ctx, m.AreaID)
	if err != nil {
		return err
	}
	if err := s.seedDemoFeedback(ctx, area); err != nil {
		return err
	}
	_, err = s.c(colMeta).InsertOne(ctx, demoMarker{ID: "demo-history", AreaID: m.AreaID})
	return err
}

// seedDemoFeedback gives the demo's commissioner something to read: six months
// of anonymous "was I listened to?" answers, stored the way the app stores them
// (so the counters the dashboard reads are kept as in real use).
func (s *Store) seedDemoFeedback(ctx context.Context, area heard.Area) error {
	// Answers repeat these mixes (mostly good, some not), each at its own pace
	// so the combinations vary.
	listened := weighted(heard.ESQAnswers, 5, 3, 2, 1)
	serious := weighted(heard.ESQAnswers, 4, 3, 2, 1)
	hadSay := weighted(heard.ESQAnswers, 3, 3, 3, 1)
	experience := weighted(heard.FFTAnswers, 5, 4, 2, 1, 1, 1)
	now := s.now()
	for i := 0; i < 120; i++ {
		// Spread over the last six months, about one answer every 36 hours.
		at := now.Add(-time.Duration(1+i*36) * time.Hour)
		day := heard.KPIDay(area.TimeZone, at)
		service := []heard.Service{heard.ServiceSocialCare, heard.ServiceCAMHS}[i%2]
		a := heard.Answer{ID: heard.NewID(), AreaID: area.ID, Kind: heard.AnyTimeKind, Service: service, Day: day, Month: day[:7],
			Listened: listened[i%len(listened)], Serious: serious[(i*7)%len(serious)], HadSay: hadSay[(i*5)%len(hadSay)],
			Experience: experience[(i*3)%len(experience)], CreatedAt: at}
		if _, err := s.SaveAnswer(ctx, a, nil, area.TimeZone); err != nil {
			return err
		}
	}
	return nil
}

// weighted repeats each value as many times as its weight.
func weighted[T any](values []T, weights ...int) []T {
	var out []T
	for i, v := range values {
		for range weights[i] {
			out = append(out, v)
		}
	}
	return out
}
