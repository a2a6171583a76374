package heard

import (
	"errors"
	"time"
)

// ErrInvalid is the kind of a Problem with what a person sent.
var ErrInvalid = errors.New("invalid")

// ErrBusy means Heard cannot take more work just now; the person may try again.
var ErrBusy = errors.New("busy")

// Problem is a failure a person can act on: a stable Code for programs (the
// app translates it), a plain Message, and per-field problems. Its Kind
// (ErrInvalid, ErrNotFound, ErrForbidden, ErrConflict, ErrBusy, and sign-in's
// ErrUnauthenticated, ErrLocked, ErrTooManyAttempts) decides how the API
// answers. Services return Problems; they never know about HTTP.
type Problem struct {
	Kind    error
	Code    string
	Message string
	Fields  map[string]string
	// RetryAfter says when trying again can work (a pause, a busy server).
	RetryAfter time.Duration
	// AttemptsLeft counts the tries left before a pause (a wrong PIN).
	AttemptsLeft *int
}

func (p *Problem) Error() string { return p.Code + ": " + p.Message }

// Unwrap lets errors.Is match the Problem's kind.
func (p *Problem) Unwrap() error { return p.Kind }

// Invalid is the problem of a request whose fields are missing or wrong.
func Invalid(fields map[string]string) error {
	return &Problem{Kind: ErrInvalid, Code: "validation_failed", Message: "Some fields are missing or not valid.", Fields: fields}
}

// Conflict is the problem of a request that clashes with what is stored.
func Conflict(code, message string) error {
	return &Problem{Kind: ErrConflict, Code: code, Message: message}
}
