package service

import (
	"context"
	"errors"

	"heard"
)

// cardAlert gathers what an adult needs to act on a card (heard.CardAlert),
// every read by _id: the alert's steps, the people told, the young person's
// key worker and placement.
func (s *Service) cardAlert(ctx context.Context, card heard.Card) (*heard.CardAlert, error) {
	out := &heard.CardAlert{Told: []heard.CardAlertStep{}, CrisisShown: card.CrisisShown}
	names := map[string]heard.StaffPerson{}
	staff := func(id string) (heard.StaffPerson, error) {
		if p, ok := names[id]; ok {
			return p, nil
		}
		st, err := s.store.StaffMember(ctx, card.AreaID, id)
		if errors.Is(err, heard.ErrNotFound) {
			return heard.StaffPerson{ID: id}, nil
		}
		if err != nil {
			return heard.StaffPerson{}, err
		}
		p := heard.StaffPerson{ID: st.ID, Name: st.Name, Role: st.Role}
		names[id] = p
		return p, nil
	}
	if card.KeyWorkerID != "" {
		kw, err := staff(card.KeyWorkerID)
		if err != nil {
			return nil, err
		}
		out.KeyWorker = &heard.PersonRef{ID: kw.ID, Name: kw.Name}
	}
	y, err := s.store.YoungPerson(ctx, card.AreaID, card.YoungPersonID)
	if err != nil && !errors.Is(err, heard.ErrNotFound) {
		return nil, err
	}
	if y.PlacementID != "" {
		pl, err := s.store.Placement(ctx, card.AreaID, y.PlacementID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return nil, err
		}
		out.LivesAt = pl.Name
	}
	a, err := s.store.Alert(ctx, card.AreaID, card.ID)
	if errors.Is(err, heard.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, step := range a.Steps() {
		v := heard.CardAlertStep{Step: step.Step, At: step.At, People: []heard.StaffPerson{}}
		for _, id := range step.Told {
			p, err := staff(id)
			if err != nil {
				return nil, err
			}
			v.People = append(v.People, p)
		}
		out.Told = append(out.Told, v)
	}
	if card.AckAt == nil && a.AcknowledgedAt == nil && a.NextStep != "" && !a.DueAt.IsZero() {
		at := a.DueAt
		out.NextStep, out.NextAt = a.NextStep, &at
	}
	return out, nil
}
