package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readyTimeout bounds the readiness write: a database that cannot take a small
// write in this time cannot serve young people either.
const readyTimeout = 2 * time.Second

// healthRoutes: /healthz says the process is alive; /readyz says Heard can
// take traffic, which means it can write now (store.CanWrite, at most one
// small write a second whatever the probes). Neither is shed under load.
func (s *Server) healthRoutes() {
	s.route(http.MethodGet, "/healthz", doc{Summary: "The process is alive.", Public: true, Response: statusBody{}}, func(c *fiber.Ctx) error {
		return c.JSON(statusBody{Status: "ok"})
	})
	s.route(http.MethodGet, "/readyz", doc{Summary: "The database takes writes; ready for traffic.", Public: true, Response: statusBody{}}, func(c *fiber.Ctx) error {
		cx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
		defer cancel()
		if err := s.store.CanWrite(cx); err != nil {
			s.log.Warn("not ready", "requestId", requestID(c), "err", err.Error())
			return apiError(fiber.StatusServiceUnavailable, "not_ready", "The database is not taking writes.")
		}
		return c.JSON(statusBody{Status: "ready"})
	})
}

type statusBody struct {
	Status string `json:"status"`
}
