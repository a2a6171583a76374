package api

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/google/uuid"

	"heard"
	"heard/store"
)

// Error is the one shape of every error Heard's API returns:
// {"error":{"code":"...","message":"...","fields":{...}},"requestId":"..."}.
// Code is stable for programs (and the PWA translates it); Message is for people
// reading logs or the API description.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Extra carries numbers such as retryAfter or attemptsLeft.
	RetryAfter   int  `json:"retryAfter,omitempty"`
	AttemptsLeft *int `json:"attemptsLeft,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

type errorBody struct {
	Error     *Error `json:"error"`
	RequestID string `json:"requestId"`
}

func apiError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Errors used across the API.
func errValidation(fields map[string]string) *Error {
	return &Error{Status: fiber.StatusBadRequest, Code: "validation_failed", Message: "Some fields are missing or not valid.", Fields: fields}
}

var (
	errUnauthenticated = func() *Error { return apiError(401, "unauthenticated", "Sign in to continue.") }
	errTokenExpired    = func() *Error { return apiError(401, "token_expired", "The access token has expired; refresh it.") }
	errForbidden       = func() *Error { return apiError(403, "forbidden", "You do not have access to this.") }
	errNotFound        = func() *Error { return apiError(404, "not_found", "Nothing was found here.") }
)

// errorHandler turns every error into the JSON shape above. Unknown errors are
// logged with the request id and answered without their text, which could leak
// internals. refusedEarly gives the security headers to answers made before
// any middleware ran.
func errorHandler(log *slog.Logger, refusedEarly func(*fiber.Ctx)) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var e *Error
		var fe *fiber.Error
		var pr *heard.Problem
		switch {
		case errors.As(err, &e):
		case errors.As(err, &pr):
			e = problemError(pr)
		case errors.As(err, &fe):
			e = fiberError(fe)
		case errors.Is(err, heard.ErrNotFound):
			e = errNotFound()
		case errors.Is(err, heard.ErrForbidden):
			e = errForbidden()
		case errors.Is(err, heard.ErrConflict):
			e = apiError(409, "conflict", "This already exists.")
		case store.Busy(err):
			// The database could not do it in time: "try again", not "broken".
			log.Warn("database busy", "requestId", requestID(c), "path", c.Route().Path, "err", err.Error())
			e = errBusy()
		default:
			log.Error("request failed", "requestId", requestID(c), "path", c.Route().Path, "err", err.Error())
			e = apiError(500, "internal", "Something went wrong on our side. Please try again.")
		}
		if e.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(e.RetryAfter))
		}
		if c.Locals(accessLogged) == nil {
			// Refused before any middleware ran (a body too large): give it a
			// request id and its line in the access log here.
			if requestID(c) == "" {
				id := uuid.NewString()
				c.Locals(requestid.ConfigDefault.ContextKey, id)
				c.Set(fiber.HeaderXRequestID, id)
			}
			refusedEarly(c)
			defer logRequest(log, c, 0)
		}
		return c.Status(e.Status).JSON(errorBody{Error: e, RequestID: requestID(c)})
	}
}

// problemError answers a service's Problem with the status its kind means.
func problemError(p *heard.Problem) *Error {
	status := 500
	switch {
	case errors.Is(p.Kind, heard.ErrInvalid):
		status = fiber.StatusBadRequest
	case errors.Is(p.Kind, heard.ErrUnauthenticated):
		status = fiber.StatusUnauthorized
	case errors.Is(p.Kind, heard.ErrNotFound):
		status = fiber.StatusNotFound
	case errors.Is(p.Kind, heard.ErrForbidden):
		status = fiber.StatusForbidden
	case errors.Is(p.Kind, heard.ErrConflict):
		status = fiber.StatusConflict
	case errors.Is(p.Kind, heard.ErrLocked):
		status = fiber.StatusLocked
	case errors.Is(p.Kind, heard.ErrTooManyAttempts):
		status = fiber.StatusTooManyRequests
	case errors.Is(p.Kind, heard.ErrBusy):
		status = fiber.StatusServiceUnavailable
	}
	e := &Error{Status: status, Code: p.Code, Message: p.Message, Fields: p.Fields, AttemptsLeft: p.AttemptsLeft}
	if p.RetryAfter > 0 {
		e.RetryAfter = max(1, int(math.Ceil(p.RetryAfter.Seconds())))
	} else if status == fiber.StatusServiceUnavailable {
		e.RetryAfter = 5
	}
	return e
}

func fiberError(fe *fiber.Error) *Error {
	switch fe.Code {
	case fiber.StatusRequestEntityTooLarge:
		return apiError(413, "body_too_large", "The request body is too large.")
	case fiber.StatusNotFound:
		return errNotFound()
	case fiber.StatusMethodNotAllowed:
		return apiError(405, "method_not_allowed", "This method is not allowed here.")
	case fiber.StatusTooManyRequests:
		return &Error{Status: 429, Code: "too_many_attempts", Message: "Too many requests; wait a little and try again.", RetryAfter: 60}
	case fiber.StatusUnsupportedMediaType:
		return apiError(415, "unsupported_media_type", "Send JSON with Content-Type: application/json.")
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return apiError(fe.Code, "bad_request", fmt.Sprintf("The request could not be used (%d).", fe.Code))
	}
	return apiError(500, "internal", "Something went wrong on our side. Please try again.")
}

// answerMade answers a create that may find what an earlier try made (a
// retry with the same id): 201 when it was made now, 200 when it was there.
func answerMade(c *fiber.Ctx, v any, made bool, err error) error {
	if err != nil {
		return err
	}
	if made {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(v)
}
