// Package service holds Heard's workflows: one method per thing a person does
// (send a card, acknowledge it, ...). It composes the store, the notifier, the
// escalator and the clock, and is where the order of writes, idempotency and
// the audit log live. The API decodes a request, calls one method and encodes
// the answer; the service never knows about HTTP.
//
// A workflow that makes several writes records an intent first (store
// Intents) and makes every write safe to repeat, so a retry by the phone, or
// the background worker (Run) of any instance once the intent's lease has run
// out, finishes it exactly once.
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"heard"
	"heard/store"
)

// Config is what the service needs from its wiring.
type Config struct {
	Store     *store.Store
	Notifier  heard.Notifier
	Escalator heard.Escalator
	Clock     heard.Clock
	Log       *slog.Logger
	// Instance names this process in leases; a random name when empty.
	Instance string
	// Lease is how long a workflow in progress is this instance's before
	// another may finish it (30s).
	Lease time.Duration
	// FinishTimeout bounds the writes a workflow finishes after its request has
	// gone (a timeout or a closed connection must not leave it half done) (30s).
	FinishTimeout time.Duration
}

// Service implements the root package's service interfaces.
type Service struct {
	store     *store.Store
	notifier  heard.Notifier
	escalator heard.Escalator
	clock     heard.Clock
	log       *slog.Logger
	instance  string
	lease     time.Duration
	finishFor time.Duration
	histories historiesCache
}

var (
	_ heard.CardService = (*Service)(nil)
	_ heard.AuthService = (*Service)(nil)
	_ heard.MeService   = (*Service)(nil)
	_ heard.PushService = (*Service)(nil)
	_ heard.KPIService  = (*Service)(nil)
)

// New builds the service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = heard.SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.FinishTimeout <= 0 {
		cfg.FinishTimeout = 30 * time.Second
	}
	if cfg.Instance == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		cfg.Instance = "service-" + hex.EncodeToString(b)
	}
	return &Service{store: cfg.Store, notifier: cfg.Notifier, escalator: cfg.Escalator, clock: cfg.Clock, log: cfg.Log,
		instance: cfg.Instance, lease: cfg.Lease, finishFor: cfg.FinishTimeout}
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// finishing gives the writes after a workflow's first a context that the
// request's end does not cancel, with its own bound: once a card is accepted,
// a client that hangs up must not leave it half done.
func (s *Service) finishing(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.finishFor)
}

// Intent kinds, one per multi-write workflow.
const (
	intentCard         = "card"
	intentSignOut      = "sign_out"
	intentDeviceRevoke = "device_revoke"
)

// RunOnce finishes the workflows whose intent's lease has run out (a request
// that failed part way, a process that died) and returns how many it finished.
func (s *Service) RunOnce(ctx context.Context) (int, error) {
	intents, err := s.store.TakeIntents(ctx, s.instance, s.lease, 64)
	if err != nil {
		return 0, err
	}
	if err := s.alertJoinPause(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("telling administrators that joining is paused failed; tried again next time", "err", err.Error())
	}
	if _, err := s.RunBuddyJobs(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("buddy-week jobs failed; tried again next time", "err", err.Error())
	}
	// Counted events reach the dashboard's month documents.
	defer func() {
		if err := s.store.FoldCounts(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("folding counters failed; tried again next time", "err", err.Error())
		}
	}()
	done := 0
	for _, in := range intents {
		var err error
		switch in.Kind {
		case intentCard:
			err = s.CompleteCard(ctx, in.AreaID, in.SubjectID)
		case intentFeedbackContact:
			err = s.CompleteFeedbackContact(ctx, in.AreaID, in.SubjectID)
		case intentFeedbackAnswer:
			err = s.CompleteFeedbackAnswer(ctx, in.AreaID, in.SubjectID)
		case intentSignOut:
			err = s.CompleteSignOut(ctx, in.AreaID, in.SubjectID)
		case intentDeviceRevoke:
			err = s.CompleteDeviceRevoke(ctx, in.AreaID, in.SubjectID)
		case intentKeyWorkers:
			err = s.completeKeyWorkers(ctx, in.AreaID, in.SubjectID)
		case intentMove:
			err = s.completeMove(ctx, in.AreaID, in.SubjectID)
		case intentMoveStatus:
			err = s.completeMoveStatus(ctx, in.AreaID, in.SubjectID)
		case intentBuddyWeek:
			err = s.completeBuddyWeek(ctx, in.AreaID, in.SubjectID)
		case intentBuddyRating:
			err = s.completeBuddyRating(ctx, in.AreaID, in.SubjectID)
		default:
			s.log.Error("unknown workflow in progress", "kind", in.Kind)
			continue
		}
		if err != nil {
			s.log.Warn("finishing a workflow failed; it is tried again after its lease", "kind", in.Kind, "err", err.Error())
			continue
		}
		done++
	}
	return done, nil
}

// Run finishes left-behind workflows every few seconds until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("finishing workflows failed", "err", err.Error())
			}
		}
	}
}

// madeBefore reports whether a create that met a conflict is the same request
// run again (after a crash, before its answer was kept: see
// heard.Principal.CreateKey): its id, made from its Idempotency-Key, is taken
// by what the first run made, which read returns.
func madeBefore[T any](p heard.Principal, err error, read func() (T, error)) (T, bool) {
	var none T
	if p.CreateKey == "" || !errors.Is(err, heard.ErrConflict) {
		return none, false
	}
	made, rerr := read()
	return made, rerr == nil
}
