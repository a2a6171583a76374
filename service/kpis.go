package service

import (
	"context"
	"time"

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
	people, err := s.store.KeyWorkerHistories(ctx, p.AreaID, now)
	if err != nil {
		return heard.KPIReport{}, err
	}
	d := heard.BuildDashboard(heard.KPIFilter{Service: q.Service, PlacementType: q.PlacementType}, months, buckets, people,
		heard.KPILocation(area.TimeZone), now)
	return heard.KPIReport{AreaName: area.Name, From: q.From, To: q.To, Service: q.Service, PlacementType: q.PlacementType, Dashboard: d,
		GeneratedAt: now.UTC().Truncate(time.Second), Definitions: heard.KPIDefinitions, Disclosure: heard.KPIDisclosure}, nil
}
