package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"heard"
)

type newMove struct {
	PlacementID string `json:"placementId"`
	// Date is the move day, YYYY-MM-DD.
	Date string `json:"date"`
}

// incomingMoveView is what a placement sees of an incoming young person: first
// name and date only until the move is confirmed.
type incomingMoveView struct {
	ID        string           `json:"id"`
	FirstName string           `json:"firstName"`
	Date      time.Time        `json:"date"`
	Status    heard.MoveStatus `json:"status"`
	// YoungPersonID is given only once the move is confirmed.
	YoungPersonID string `json:"youngPersonId,omitempty"`
}

func (s *Server) movesRoutes() {
	s.route(http.MethodPost, "/api/young-people/:id/moves", doc{Tag: "Moves", Roles: []heard.Role{heard.RoleKeyWorker}, Status: 201,
		Summary: "The key worker plans a move to a placement on a date.", Request: newMove{}, Response: heard.Move{}}, s.planMove)
	s.route(http.MethodGet, "/api/young-people/:id/moves", doc{Tag: "Moves", Roles: staffWhoSeePeople,
		Summary: "A young person's planned and past moves (audit-logged).", Response: list[heard.Move]{}}, s.listMoves)
	s.route(http.MethodGet, "/api/placement/moves", doc{Tag: "Moves", Roles: []heard.Role{heard.RolePlacementStaff},
		Summary: "Moves into the caller's placement: first name and date only until a move is confirmed.", Response: list[incomingMoveView]{}}, s.incomingMoves)
}

func (s *Server) planMove(c *fiber.Ctx) error {
	var req newMove
	if err := decode(c, &req); err != nil {
		return err
	}
	date, dateErr := time.Parse(time.DateOnly, req.Date)
	f := fields{}
	f.check(heard.ValidID(req.PlacementID), "placementId", "id_format")
	f.check(dateErr == nil, "date", "date_format")
	today := s.clock.Now().Truncate(24 * time.Hour)
	f.check(dateErr != nil || !date.Before(today) && date.Before(today.AddDate(2, 0, 0)), "date", "range")
	if err := f.err(); err != nil {
		return err
	}
	y, err := s.currentKeyWorkerOnly(c, "") // audited once the move is made
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	if _, err := s.store.Placement(cx, y.AreaID, req.PlacementID); errors.Is(err, heard.ErrNotFound) {
		return errValidation(map[string]string{"placementId": "unknown"})
	} else if err != nil {
		return err
	}
	m := heard.Move{ID: heard.NewID(), AreaID: y.AreaID, YoungPersonID: y.ID, PlacementID: req.PlacementID, Date: date,
		Status: heard.MovePlanned, CreatedBy: principal(c).ID, CreatedAt: s.clock.Now()}
	if err := s.store.CreateMove(cx, m); err != nil {
		return err
	}
	if err := s.audit(c, "move_planned", y.ID); err != nil {
		return err
	}
	return c.Status(201).JSON(m)
}

func (s *Server) listMoves(c *fiber.Ctx) error {
	y, err := s.youngPersonFor(c, "id", heard.AccessRecord, "moves_read")
	if err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	moves, err := s.store.MovesOf(cx, y.AreaID, y.ID)
	if err != nil {
		return err
	}
	return c.JSON(list[heard.Move]{Items: moves})
}

func (s *Server) incomingMoves(c *fiber.Ctx) error {
	p := principal(c)
	if p.PlacementID == "" {
		return c.JSON(list[incomingMoveView]{Items: []incomingMoveView{}})
	}
	cx, cancel := ctx(c)
	defer cancel()
	moves, err := s.store.MovesToPlacement(cx, p.AreaID, p.PlacementID)
	if err != nil {
		return err
	}
	out := make([]incomingMoveView, 0, len(moves))
	for _, m := range moves {
		y, err := s.store.YoungPerson(cx, p.AreaID, m.YoungPersonID)
		if err != nil {
			return err
		}
		v := incomingMoveView{ID: m.ID, FirstName: y.FirstName, Date: m.Date, Status: m.Status}
		if m.Status == heard.MoveConfirmed || m.Status == heard.MoveArrived {
			v.YoungPersonID = y.ID
		}
		out = append(out, v)
	}
	return c.JSON(list[incomingMoveView]{Items: out})
}
