package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"heard"
	"heard/store"
	"heard/testkit"
)

// storeStart is the time every store test starts at: a Monday morning.
var storeStart = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func storeNew(t *testing.T) (*store.Store, *testkit.Clock, context.Context) {
	t.Helper()
	clock := testkit.NewClock(storeStart)
	return testkit.Store(t, clock), clock, context.Background()
}

func storeCheck(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesADatabaseThatDoesNotAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	_, err := store.Open(ctx, "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300", "heard", heard.SystemClock{})
	if err == nil {
		t.Fatal("Open should fail when nothing listens")
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("Open took %s to give up", time.Since(start))
	}
}

func TestPingAndClose(t *testing.T) {
	s, _, ctx := storeNew(t)
	storeCheck(t, s.Ping(ctx))
	storeCheck(t, s.Close(ctx))
	if err := s.Ping(ctx); err == nil {
		t.Fatal("a closed store should not answer")
	}
}

func TestIndexesAreCreatedAndSafeToCreateAgain(t *testing.T) {
	s, _, ctx := storeNew(t)
	storeCheck(t, s.EnsureIndexes(ctx)) // testkit already ran it once
	cur, err := s.DB.Collection("staff").Indexes().List(ctx)
	storeCheck(t, err)
	var ixs []struct {
		Key    bson.M `bson:"key"`
		Unique bool   `bson:"unique"`
	}
	storeCheck(t, cur.All(ctx, &ixs))
	unique := false
	for _, ix := range ixs {
		if _, ok := ix.Key["email"]; ok && ix.Unique {
			unique = true
		}
	}
	if !unique {
		t.Fatalf("staff emails need a unique index: %v", ixs)
	}
}

// TestEmbeddedKeepsOnlyUniqueIndexes: on the embedded server a plain index
// speeds no read and slows every write, so EnsureIndexes drops one an earlier
// Heard made, and keeps the unique ones.
func TestEmbeddedKeepsOnlyUniqueIndexes(t *testing.T) {
	s, _, ctx := storeNew(t)
	if !s.Embedded() {
		t.Skip("MongoDB uses its indexes")
	}
	staff := s.DB.Collection("staff")
	_, err := staff.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "area", Value: 1}}})
	storeCheck(t, err)
	storeCheck(t, s.EnsureIndexes(ctx))
	specs, err := staff.Indexes().ListSpecifications(ctx)
	storeCheck(t, err)
	names := []string{}
	for _, spec := range specs {
		names = append(names, spec.Name)
		if spec.Name != "_id_" && (spec.Unique == nil || !*spec.Unique) {
			t.Fatalf("plain index %s is still there: %v", spec.Name, names)
		}
	}
	if len(specs) < 2 {
		t.Fatalf("the unique indexes went too: %v", names)
	}
}

func TestErrorsMapToTheDomain(t *testing.T) {
	s, _, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	b := storeArea(t, s, "B")
	if err := s.CreateArea(ctx, a); !errors.Is(err, heard.ErrConflict) {
		t.Fatalf("a second area with the same id: %v, want ErrConflict", err)
	}
	if _, err := s.Area(ctx, heard.NewID()); !errors.Is(err, heard.ErrNotFound) {
		t.Fatalf("unknown area: %v, want ErrNotFound", err)
	}
	st := storeStaff(t, s, a.ID, "kim@a.test", heard.RoleKeyWorker, "")
	// Emails are unique across areas: sign-in does not know the area yet.
	dup := st
	dup.ID, dup.AreaID = heard.NewID(), b.ID
	if err := s.CreateStaff(ctx, dup); !errors.Is(err, heard.ErrConflict) {
		t.Fatalf("same email in another area: %v, want ErrConflict", err)
	}
}

func TestSweepDeletesOnlyWhatHasExpired(t *testing.T) {
	s, clock, ctx := storeNew(t)
	a := storeArea(t, s, "A")
	y := storeYoung(t, s, a.ID, "Yara", "")
	oldCode, _, err := s.CreateJoinCode(ctx, a.ID, y.ID, "kw")
	storeCheck(t, err)
	oldToken, err := s.IssueRefreshToken(ctx, store.RefreshToken{SubjectID: y.ID, Role: heard.RoleYoungPerson, AreaID: a.ID}, time.Hour)
	storeCheck(t, err)
	storeCheck(t, s.RecordLoginFailure(ctx, "account:old@a.test", 5, heard.LoginWindow, heard.LoginLockFor))

	clock.Advance(25 * time.Hour)
	newCode, _, err := s.CreateJoinCode(ctx, a.ID, y.ID, "kw")
	storeCheck(t, err)
	newToken, err := s.IssueRefreshToken(ctx, store.RefreshToken{SubjectID: y.ID, Role: heard.RoleYoungPerson, AreaID: a.ID}, time.Hour)
	storeCheck(t, err)
	storeCheck(t, s.RecordLoginFailure(ctx, "account:new@a.test", 5, heard.LoginWindow, heard.LoginLockFor))

	storeCheck(t, s.Sweep(ctx))
	for col, want := range map[string]int64{"join_codes": 1, "refresh_tokens": 1, "login_failures": 1} {
		n, err := s.DB.Collection(col).CountDocuments(ctx, bson.D{})
		storeCheck(t, err)
		if n != want {
			t.Errorf("%s: %d left after the sweep, want %d", col, n, want)
		}
	}
	if _, err := s.RedeemJoinCode(ctx, oldCode); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("the swept code: %v", err)
	}
	if _, err := s.UseRefreshToken(ctx, oldToken); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("the swept token: %v", err)
	}
	if _, err := s.RedeemJoinCode(ctx, newCode); err != nil {
		t.Errorf("the live code was swept: %v", err)
	}
	if _, err := s.UseRefreshToken(ctx, newToken); err != nil {
		t.Errorf("the live token was swept: %v", err)
	}
}

// Fixture helpers shared by the store tests.

func storeArea(t *testing.T, s *store.Store, name string) heard.Area {
	t.Helper()
	a := heard.Area{ID: heard.NewID(), Name: name, TimeZone: "Europe/London", Languages: []string{"en"},
		Escalation: heard.DefaultEscalation(), CrisisContacts: heard.DefaultCrisisContacts(), CreatedAt: storeStart}
	storeCheck(t, s.CreateArea(context.Background(), a))
	return a
}

func storeStaff(t *testing.T, s *store.Store, area, email string, role heard.Role, team string) heard.Staff {
	t.Helper()
	st := heard.Staff{ID: heard.NewID(), AreaID: area, Email: email, Name: email, Role: role, TeamID: team,
		Language: "en", PasswordHash: "x", Hours: heard.DefaultHours(), CreatedAt: storeStart}
	storeCheck(t, s.CreateStaff(context.Background(), st))
	return st
}

func storeYoung(t *testing.T, s *store.Store, area, name, team string) heard.YoungPerson {
	t.Helper()
	y := heard.YoungPerson{ID: heard.NewID(), AreaID: area, FirstName: name, Language: "en", TeamID: team, Service: heard.ServiceSocialCare, CreatedAt: storeStart}
	storeCheck(t, s.CreateYoungPerson(context.Background(), y))
	return y
}
