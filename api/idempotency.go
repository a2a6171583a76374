package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Idempotency keys, for every create route (a signed-in POST answering 201):
// a request sent with an Idempotency-Key header runs once, and the same
// request with the same key again, from the same person, gets the first
// answer (with Idempotent-Replayed: true) instead of creating a second thing.
// So a double tap or a retry after a timeout never logs a contact, plans a
// move, adds a person or puts someone on duty twice. Only successful answers
// are kept (for 24 hours); a refused or failed request lets its key go, so
// correcting and sending again works.

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
	// idempotencyLease is how long a running first request holds its key: past
	// any request's time limit, so only a request that died loses it.
	idempotencyLease  = 60 * time.Second
	maxIdempotencyKey = 255
	// createKeyLocal holds the request's key, as heard.Principal.CreateKey.
	createKeyLocal = "heard.createKey"
)

func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

func sha(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// idempotent runs behind authentication on create routes.
func (s *Server) idempotent(c *fiber.Ctx) error {
	key := c.Get(headerIdempotencyKey)
	if key == "" {
		return c.Next()
	}
	if !validIdempotencyKey(key) {
		return apiError(400, "idempotency_key_format", "Idempotency-Key must be 1 to 255 visible ASCII characters.")
	}
	p := principal(c)
	// Keyed by who sends it and where, so one person's key never answers another's request.
	id := sha(p.AreaID, p.ID, c.Method(), c.Path(), key)
	fingerprint := sha(string(c.Body()))
	cx, cancel := ctx(c)
	rec, claimed, err := s.store.ClaimIdempotencyKey(cx, p.AreaID, id, fingerprint, idempotencyLease)
	cancel()
	if err != nil {
		return err
	}
	if !claimed {
		switch {
		case rec.Fingerprint != fingerprint:
			return apiError(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request; use a new key for a new request.")
		case rec.State != "done":
			return &Error{Status: 409, Code: "idempotency_in_progress", Message: "The first request with this Idempotency-Key is still running; try again in a moment.", RetryAfter: 1}
		}
		c.Set(headerReplayed, "true")
		if rec.ContentType != "" {
			c.Set(fiber.HeaderContentType, rec.ContentType)
		}
		return c.Status(rec.Status).Send(rec.Body)
	}
	// What the request creates takes ids made from its key, so should this
	// process die before the answer is kept, the retry (once the lease has run
	// out) finds what was made instead of making it again.
	c.Locals(createKeyLocal, id)
	// The outcome is recorded even when the caller has gone (a timeout), so
	// its retry finds the first answer.
	after, done := context.WithTimeout(context.WithoutCancel(c.UserContext()), 10*time.Second)
	defer done()
	err = c.Next()
	status := c.Response().StatusCode()
	if err != nil || status < 200 || status > 299 {
		if rerr := s.store.ReleaseIdempotencyKey(after, p.AreaID, id); rerr != nil {
			s.log.Warn("idempotency key not released", "requestId", requestID(c), "err", rerr.Error())
		}
		return err
	}
	body := append([]byte(nil), c.Response().Body()...)
	if ferr := s.store.FinishIdempotencyKey(after, p.AreaID, id, status, string(c.Response().Header.ContentType()), body); ferr != nil {
		// The action is done; only its replay is missing. The key stays
		// claimed until its lease runs out, so a quick retry is told to wait.
		s.log.Warn("idempotent answer not kept", "requestId", requestID(c), "err", ferr.Error())
	}
	return nil
}
