package service

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"heard"
)

// KPIs builds the dashboard of the reader's area, after disclosure control,
// from month counters and key-worker histories: nothing here can reach an
// individual answer, a young person or their words.
func (s *Service) KPIs(ctx context.Context, p heard.Principal, q heard.KPIQuery) (heard.KPIReport, error) {
	if !heard.Can(p.Role, heard.KPIReaders...) {
		return heard.KPIReport{}, heard.ErrForbidden
	}
	area, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return heard.KPIReport{}, err
	}
	now := s.clock.Now()
	months, errs := q.Months(heard.KPIDay(area.TimeZone, now)[:7])
	if len(errs) > 0 {
		return heard.KPIReport{}, heard.Invalid(errs)
	}
	buckets, err := s.store.KPIBuckets(ctx, p.AreaID, months)
	if err != nil {
		return heard.KPIReport{}, err
	}
	people, err := s.histories.of(ctx, s, p.AreaID, now)
	if err != nil {
		return heard.KPIReport{}, err
	}
	d := heard.BuildDashboard(heard.KPIFilter{Service: q.Service, PlacementType: q.PlacementType}, months, buckets, people,
		heard.KPILocation(area.TimeZone), now)
	return heard.KPIReport{AreaName: area.Name, From: q.From, To: q.To, Service: q.Service, PlacementType: q.PlacementType, Dashboard: d,
		GeneratedAt: now.UTC().Truncate(time.Second), Definitions: heard.KPIDefinitions, Disclosure: heard.KPIDisclosure}, nil
}

// KeyWorkerHistoriesFresh is how old the key-worker histories behind a
// dashboard may be. Reading them means reading every young person and every
// assignment of the area (about a second of work in an area of 2,000 young
// people on the embedded database), and a change of key worker moves a
// figure counted per person-year: a minute late is not noticed, a dashboard
// read that waits is.
const KeyWorkerHistoriesFresh = time.Minute

// historiesCache keeps each area's key-worker histories for
// KeyWorkerHistoriesFresh, and reads them once however many dashboards ask
// at the same moment.
type historiesCache struct {
	mu      sync.Mutex
	byArea  map[string]keptHistories
	reading singleflight.Group
}

type keptHistories struct {
	at     time.Time
	people []heard.KPIPerson
}

func (c *historiesCache) of(ctx context.Context, s *Service, area string, now time.Time) ([]heard.KPIPerson, error) {
	c.mu.Lock()
	kept, ok := c.byArea[area]
	c.mu.Unlock()
	if ok && now.Sub(kept.at) < KeyWorkerHistoriesFresh && !now.Before(kept.at) {
		return kept.people, nil
	}
	v, err, _ := c.reading.Do(area, func() (any, error) {
		people, err := s.store.KeyWorkerHistories(ctx, area, now)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.byArea == nil {
			c.byArea = map[string]keptHistories{}
		}
		c.byArea[area] = keptHistories{at: now, people: people}
		return people, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]heard.KPIPerson), nil
}
