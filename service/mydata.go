package service

import (
	"context"
	"errors"

	"heard"
)

var _ heard.MyDataService = (*Service)(nil)

// MyData gathers everything Heard holds about the signed-in young person:
// their record, key workers, every card with its reply, the answers they
// shared, the moves shown to them and their phones. The download is written to
// the audit log first, so none leaves unrecorded.
func (s *Service) MyData(ctx context.Context, p heard.Principal) (heard.MyData, error) {
	if p.Role != heard.RoleYoungPerson {
		return heard.MyData{}, heard.ErrForbidden
	}
	y, err := s.store.YoungPerson(ctx, p.AreaID, p.ID)
	if err != nil {
		return heard.MyData{}, err
	}
	if err := s.store.Audit(ctx, auditEntry(p, "own_data_downloaded", y.ID)); err != nil {
		return heard.MyData{}, err
	}
	area, err := s.store.Area(ctx, y.AreaID)
	if err != nil {
		return heard.MyData{}, err
	}
	out := heard.MyData{MadeAt: s.now(), Me: heard.MyDetails{FirstName: y.FirstName, PreferredName: y.PreferredName, Language: y.Language,
		Area: area.Name, Service: y.Service, Since: y.CreatedAt}}
	if y.TeamID != "" {
		t, err := s.store.Team(ctx, y.AreaID, y.TeamID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return heard.MyData{}, err
		}
		out.Me.Team = t.Name
	}
	if out.KeyWorkers, err = s.myKeyWorkers(ctx, y); err != nil {
		return heard.MyData{}, err
	}
	cards, err := s.store.AllCardsOf(ctx, y.AreaID, y.ID)
	if err != nil {
		return heard.MyData{}, err
	}
	out.Cards = make([]heard.CardView, 0, len(cards))
	for _, c := range cards {
		out.Cards = append(out.Cards, heard.NewCardView(c, nil))
	}
	answers, err := s.store.AnswersOf(ctx, y.AreaID, y.ID)
	if err != nil {
		return heard.MyData{}, err
	}
	out.Answers = make([]heard.SharedAnswerView, 0, len(answers))
	for _, a := range answers {
		out.Answers = append(out.Answers, heard.NewSharedAnswerView(a))
	}
	if out.Moves, err = s.myMoves(ctx, y); err != nil {
		return heard.MyData{}, err
	}
	devices, err := s.store.Devices(ctx, y.AreaID, y.ID)
	if err != nil {
		return heard.MyData{}, err
	}
	out.Phones = make([]heard.DeviceView, 0, len(devices))
	for _, d := range devices {
		out.Phones = append(out.Phones, heard.DeviceView{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt, RevokedAt: d.RevokedAt})
	}
	return out, nil
}

func (s *Service) myKeyWorkers(ctx context.Context, y heard.YoungPerson) ([]heard.MyKeyWorker, error) {
	history, err := s.store.AssignmentHistory(ctx, y.AreaID, y.ID)
	if err != nil {
		return nil, err
	}
	out := make([]heard.MyKeyWorker, 0, len(history))
	for _, a := range history {
		st, err := s.store.StaffMember(ctx, y.AreaID, a.StaffID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return nil, err
		}
		out = append(out, heard.MyKeyWorker{Name: st.FirstName(), From: a.Start, Until: a.End})
	}
	return out, nil
}

// myMoves are the moves shown to the young person (a move only planned is not
// yet theirs to see), with the questions they asked about each.
func (s *Service) myMoves(ctx context.Context, y heard.YoungPerson) ([]heard.MyMove, error) {
	moves, err := s.store.MovesOf(ctx, y.AreaID, y.ID)
	if err != nil {
		return nil, err
	}
	out := make([]heard.MyMove, 0, len(moves))
	for _, m := range moves {
		if m.Status == heard.MovePlanned {
			continue
		}
		pl, err := s.store.Placement(ctx, y.AreaID, m.PlacementID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return nil, err
		}
		questions, err := s.store.Questions(ctx, y.AreaID, m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, heard.MyMove{Placement: pl.Name, PlacementType: pl.Type, Date: m.Date, Status: m.Status, SharedAt: m.SharedAt,
			Questions: questions})
	}
	return out, nil
}
