// Package store keeps Heard's data in MongoDB through the official driver. The
// same code runs against the embedded FerretDB server and a real MongoDB, so it
// uses only what both support (see ARCHITECTURE.md).
package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"heard"
)

// Store is Heard's database. Every method that reads or writes a young person's,
// staff member's or area's data takes the area id and filters by it.
type Store struct {
	Client *mongo.Client
	DB     *mongo.Database
	Clock  heard.Clock
	// embedded is set when the database is the in-process embedded server; the
	// store then makes up, at this one depth, for what that server lacks: see
	// Embedded.indexID and Store.guard.
	embedded *Embedded
	ids      idIndexes
	// lookups answer whether an _id is stored straight from SQLite (embedded_ids.go).
	lookups idLookups
	// groups gathers writes that wait for a write turn together (batch.go).
	groups writeGroups
	// Faults, for tests only, fails a workflow after a chosen write (faults.go).
	Faults Faults
	// Beneath, for tests only, sees the calls made beneath the embedded server (faults.go).
	Beneath Beneath
	// writes remembers the last answer of CanWrite (health.go).
	writes writeCheck
	// movingPages names the young people's lists whose cards this process is
	// moving into pages (cardpages.go).
	movingPages sync.Map
	uri         string
}

// Open connects to uri and uses the database name given.
func Open(ctx context.Context, uri, database string, clock heard.Clock) (*Store, error) {
	return open(ctx, uri, database, clock)
}

func open(ctx context.Context, uri, database string, clock heard.Clock, extra ...*options.ClientOptions) (*Store, error) {
	opts := append([]*options.ClientOptions{options.Client().ApplyURI(uri).SetTimeout(30 * time.Second)}, extra...)
	client, err := mongo.Connect(opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s := &Store{Client: client, DB: client.Database(database), Clock: clock, uri: uri}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return s, nil
}

// OpenEmbedded connects to the embedded server e and uses the database name given.
func OpenEmbedded(ctx context.Context, e *Embedded, database string, clock heard.Clock) (*Store, error) {
	s, err := Open(ctx, e.URI(), database, clock)
	if err != nil {
		return nil, err
	}
	s.embedded = e
	return s, nil
}

// Reopen connects to the same database again, with connections of its own, as
// another Heard instance would: tests run two instances on one database so.
// Extra client options (a dialer, a command monitor) let fault-injection tests
// cut an instance off at a chosen moment.
func (s *Store) Reopen(ctx context.Context, extra ...*options.ClientOptions) (*Store, error) {
	other, err := open(ctx, s.uri, s.DB.Name(), s.Clock, extra...)
	if err != nil {
		return nil, err
	}
	other.embedded = s.embedded
	return other, nil
}

// Embedded reports whether the store runs on the in-process embedded server.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.Client.Ping(ctx, readpref.Primary()) }

// Close disconnects.
func (s *Store) Close(ctx context.Context) error {
	s.writes.closed.Store(true)
	s.lookups.close() // embedded_ids.go
	return s.Client.Disconnect(ctx)
}

func (s *Store) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Millisecond) }

// c returns a collection. On the embedded server the collection's first use in
// this store also creates it with its working _id index (Embedded.indexID), so
// every collection, including ones added later, is looked up by _id quickly.
func (s *Store) c(name string) collection {
	col := collection{Collection: s.DB.Collection(name), s: s}
	if s.embedded == nil {
		return col
	}
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	if s.ids.done[name] {
		return col
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.DB.CreateCollection(ctx, name); err != nil && !isNamespaceExists(err) {
		return col // tried again on the next use
	}
	if err := s.embedded.indexID(ctx, s.DB.Name(), name); err != nil {
		return col
	}
	if s.ids.done == nil {
		s.ids.done = map[string]bool{}
	}
	s.ids.done[name] = true
	return col
}

// isNamespaceExists recognises "collection already exists" (code 48).
func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == 48
}

// Collection names, one per feature.
const (
	colAreas         = "areas"
	colTeams         = "teams"
	colStaff         = "staff"
	colYoungPeople   = "young_people"
	colAssignments   = "assignments"
	colDuty          = "duty_shifts"
	colPlacements    = "placements"
	colMoves         = "moves"
	colJoinCodes     = "join_codes"
	colDevices       = "devices"
	colRefreshTokens = "refresh_tokens"
	colLoginAttempts = "login_attempts"
	colAudit         = "audit"
	colMeta          = "meta"
)

// index is one index a feature needs.
type index struct {
	collection string
	keys       bson.D
	unique     bool
	// expireAfter makes a TTL index where the server has them; the sweeper
	// deletes the same documents where it does not.
	expireAfter *int32
}

var indexes []index

// registerIndexes lets each feature's file declare the indexes it needs.
func registerIndexes(ix ...index) { indexes = append(indexes, ix...) }

// EnsureIndexes creates every registered index. It is run at start and is safe
// to run again.
//
// On the embedded server only unique indexes are made, for what they forbid:
// it answers every query but one by _id by reading the whole collection, so an
// index there speeds no read, and each one is another SQLite index every
// write to its collection keeps up (measured with heard-load -mode capacity:
// about a fifth more card sends a second without them). Plain indexes an
// earlier Heard made there are dropped.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, ix := range indexes {
		if s.embedded != nil && !ix.unique {
			continue
		}
		opts := options.Index().SetUnique(ix.unique)
		if ix.expireAfter != nil {
			opts.SetExpireAfterSeconds(*ix.expireAfter)
		}
		if _, err := s.c(ix.collection).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys, Options: opts}); err != nil {
			return fmt.Errorf("index on %s %v: %w", ix.collection, ix.keys, err)
		}
	}
	if s.embedded != nil {
		return s.dropPlainIndexes(ctx)
	}
	return nil
}

// dropPlainIndexes drops every index that is neither _id's nor unique from
// the collections that have registered indexes (see EnsureIndexes).
func (s *Store) dropPlainIndexes(ctx context.Context) error {
	seen := map[string]bool{}
	for _, ix := range indexes {
		if seen[ix.collection] {
			continue
		}
		seen[ix.collection] = true
		list, err := s.c(ix.collection).Indexes().ListSpecifications(ctx)
		if err != nil {
			return fmt.Errorf("indexes of %s: %w", ix.collection, err)
		}
		for _, spec := range list {
			if spec.Name == "_id_" || (spec.Unique != nil && *spec.Unique) {
				continue
			}
			if err := s.c(ix.collection).Indexes().DropOne(ctx, spec.Name); err != nil {
				return fmt.Errorf("drop index %s of %s: %w", spec.Name, ix.collection, err)
			}
		}
	}
	return nil
}

// notFound maps the driver's "no documents" to the domain's ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return heard.ErrNotFound
	}
	return err
}

// duplicate maps a unique-index violation to the domain's ErrConflict.
func duplicate(err error) error {
	if mongo.IsDuplicateKeyError(err) {
		return heard.ErrConflict
	}
	return err
}

// findAll runs a find and decodes every document.
func findAll[T any](ctx context.Context, col collection, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	// The whole read is one call (see collection), later batches included.
	ctx, end, err := col.s.begin(ctx, reading)
	if err != nil {
		return nil, err
	}
	defer end()
	cur, err := col.Collection.Find(ctx, filter, opts...)
	if err != nil {
		return nil, err
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// findByID reads one document of an area by its _id. The embedded database
// finds a document by _id alone without scanning the collection (any other
// filter makes it read every document), so the area is checked here instead of
// in the filter. A document of another area is "not found", exactly as if the
// filter had held it.
func findByID[T any](ctx context.Context, col collection, area, id string) (T, error) {
	var v T
	raw, err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		return v, notFound(err)
	}
	if a, ok := raw.Lookup("area").StringValueOK(); !ok || a != area {
		return v, heard.ErrNotFound
	}
	return v, bson.Unmarshal(raw, &v)
}

// findNewID is findByID for an id that is usually not stored yet (one a
// phone made for what it sends, and sends again when unsure it arrived). On
// the embedded server the common answer, none, comes from SQLite directly
// (embedded_ids.go).
func findNewID[T any](ctx context.Context, col collection, area, id string) (T, error) {
	if col.s.embedded != nil {
		stored, err := col.s.hasID(ctx, col.Name(), id)
		if err != nil {
			var none T
			return none, err
		}
		if !stored {
			var none T
			return none, heard.ErrNotFound
		}
	}
	return findByID[T](ctx, col, area, id)
}

// idFilter is the filter for a document already known (by findByID) to be in the
// area; area never changes once a document is written.
func idFilter(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// findOne finds one document or returns heard.ErrNotFound.
func findOne[T any](ctx context.Context, col collection, filter any) (T, error) {
	var v T
	err := col.FindOne(ctx, filter).Decode(&v)
	return v, notFound(err)
}

// once runs a change to stored data that earlier versions left (at start), and
// leaves a mark when it has finished, so later runs read only the mark. The
// change must be safe to run again: a run stopped short is run again whole.
func (s *Store) once(ctx context.Context, mark string, change func(context.Context) (int, error)) (int, error) {
	if err := s.c(colMeta).FindOne(ctx, idFilter(mark)).Err(); err == nil {
		return 0, nil
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, err
	}
	changed, err := change(ctx)
	if err != nil {
		return changed, err
	}
	_, err = s.c(colMeta).InsertOne(ctx, bson.D{{Key: "_id", Value: mark}, {Key: "at", Value: s.now()}})
	if mongo.IsDuplicateKeyError(err) {
		err = nil
	}
	return changed, err
}
