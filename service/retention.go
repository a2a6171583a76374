package service

import (
	"context"
	"errors"

	"heard"
)

var _ heard.RetentionService = (*Service)(nil)

// MarkLeft says a young person has left Heard: the date is kept (the first
// time), every phone of theirs is signed out, and the audit log says who did it.
func (s *Service) MarkLeft(ctx context.Context, p heard.Principal, id string) (heard.YoungPersonView, error) {
	if err := administrator(p); err != nil {
		return heard.YoungPersonView{}, err
	}
	if !heard.ValidID(id) {
		return heard.YoungPersonView{}, heard.ErrNotFound
	}
	y, err := s.store.MarkYoungPersonLeft(ctx, p.AreaID, id)
	if err != nil {
		return heard.YoungPersonView{}, err
	}
	devices, err := s.store.Devices(ctx, y.AreaID, y.ID)
	if err != nil {
		return heard.YoungPersonView{}, err
	}
	for _, d := range devices {
		if d.RevokedAt == nil {
			if err := s.revokeDevice(ctx, y.AreaID, y.ID, d.ID, p.ID); err != nil {
				return heard.YoungPersonView{}, err
			}
		}
	}
	audit := auditEntry(p, "young_person_left", y.ID)
	audit.ID = auditID(audit.Action, y.ID)
	if err := s.store.AuditOnce(ctx, audit); err != nil {
		return heard.YoungPersonView{}, err
	}
	return heard.NewYoungPersonView(y, nil), nil
}

// SweepRetention removes, in every area, the records of young people whose
// area's period after leaving has passed. For each, what will go is counted
// and written to the audit log first (once, by an id made from the young
// person's), then removed, their own document last: a sweep cut short is
// finished by the next one, and the count stays the first.
func (s *Service) SweepRetention(ctx context.Context) (int, error) {
	areas, err := s.store.AreaIDs(ctx)
	if err != nil {
		return 0, err
	}
	now, removed := s.now(), 0
	for _, areaID := range areas {
		area, err := s.store.Area(ctx, areaID)
		if errors.Is(err, heard.ErrNotFound) {
			continue
		}
		if err != nil {
			return removed, err
		}
		left, err := s.store.LeftYoungPeople(ctx, areaID)
		if err != nil {
			return removed, err
		}
		for _, y := range left {
			if at, ok := area.RemoveAfter(y); !ok || now.Before(at) {
				continue
			}
			n, err := s.store.CountYoungPersonRecords(ctx, areaID, y.ID)
			if err != nil {
				return removed, err
			}
			audit := heard.AuditEntry{ID: auditID("records_removed", y.ID), AreaID: areaID, At: now, ActorName: "Heard",
				Action: "records_removed", YoungPersonID: y.ID, Count: n}
			if err := s.store.AuditOnce(ctx, audit); err != nil {
				return removed, err
			}
			if err := s.store.RemoveYoungPerson(ctx, areaID, y.ID); err != nil {
				return removed, err
			}
			s.log.Info("records removed after the retention period", "area", areaID, "records", n)
			removed++
		}
	}
	return removed, nil
}
