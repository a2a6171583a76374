package notify

import (
	"context"
	"time"
)

// keepLeased renews the lease on a job every RenewEvery while work on it runs,
// so leases can be short (a crashed instance's jobs are free again within one
// lease) and still outlast slow work. The work context it returns ends with
// ctx, or when a renewal finds the lease lost (it ran out and another instance
// took the job over), so the work stops instead of being done twice; stop ends
// the renewing and that context.
func (s *Service) keepLeased(ctx context.Context, kind, id string, renew func(context.Context) (bool, error)) (work context.Context, stop func()) {
	work, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(s.cfg.RenewEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-work.Done():
				return
			case <-tick.C:
			}
			held, err := renew(work)
			switch {
			case err != nil && work.Err() == nil:
				// The lease still has time; the next tick tries again.
				s.log.Warn("renewing a lease failed", "job", kind, "id", id, "err", err.Error())
			case err == nil && !held:
				s.log.Warn("a lease was lost while its job was worked on", "job", kind, "id", id)
				cancel()
				return
			}
		}
	}()
	return work, func() {
		close(done)
		<-finished
		cancel()
	}
}
