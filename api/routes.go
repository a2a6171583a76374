package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// doc describes a route for the OpenAPI description. Every route is registered
// through route(), so the description cannot drift from what is served.
type doc struct {
	Summary string
	Tag     string
	// Public routes need no token; otherwise Roles lists who may call (empty: any signed-in role).
	Public bool
	Roles  []heard.Role
	// Request and Response are example values whose types describe the bodies.
	Request  any
	Response any
	// OptionalBody: the route also accepts no body at all (e.g. a one-tap acknowledgement).
	OptionalBody bool
	// Status is the success status (200 when zero).
	Status int
	Query  []string
}

type route struct {
	Method string
	Path   string
	Doc    doc
}

// route registers a handler. Unless the route is public, it runs behind
// authentication and the role check, which happen before the handler sees anything.
func (s *Server) route(method, path string, d doc, h fiber.Handler) {
	s.routes = append(s.routes, route{Method: method, Path: path, Doc: d})
	handlers := []fiber.Handler{}
	if !d.Public {
		handlers = append(handlers, s.authenticate, requireRoles(d.Roles))
		if creates(method, d) {
			handlers = append(handlers, s.idempotent)
		}
	}
	handlers = append(handlers, h)
	s.app.Add(method, path, handlers...)
}

// creates reports whether a route makes something new: a signed-in POST
// answering 201. Those take an Idempotency-Key (idempotency.go).
func creates(method string, d doc) bool {
	return method == fiber.MethodPost && d.Status == fiber.StatusCreated && !d.Public
}

func requireRoles(roles []heard.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if len(roles) > 0 && !heard.Can(principal(c).Role, roles...) {
			return errForbidden()
		}
		return c.Next()
	}
}

// decode reads a JSON body strictly: it must be JSON, one object, with no fields
// Heard does not know. Anything else is a 4xx with a clear code.
func decode(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return apiError(415, "unsupported_media_type", "Send JSON with Content-Type: application/json.")
	}
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return apiError(400, "invalid_json", "The request body is empty; JSON was expected.")
	}
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return apiError(400, "invalid_json", "The body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				return apiError(400, "invalid_json", "The body must be a JSON object.")
			}
			return errValidation(map[string]string{field: "wrong_type"})
		case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
			return apiError(400, "invalid_json", "The body is not valid JSON.")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return errValidation(map[string]string{name: "unknown_field"})
		default:
			return apiError(400, "invalid_json", "The body is not valid JSON.")
		}
	}
	if dec.More() {
		return apiError(400, "invalid_json", "The body must hold exactly one JSON object.")
	}
	return nil
}

// pathID reads an id parameter and rejects anything that is not an id Heard made.
func pathID(c *fiber.Ctx, name string) (string, error) {
	id := c.Params(name)
	if !heard.ValidID(id) {
		return "", errValidation(map[string]string{name: "id_format"})
	}
	return id, nil
}

// fields collects validation problems.
type fields map[string]string

func (f fields) check(ok bool, field, problem string) {
	if !ok {
		if _, seen := f[field]; !seen {
			f[field] = problem
		}
	}
}

func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	return errValidation(f)
}

// textLength checks a trimmed text's length in characters.
func textLength(s string, min, max int) bool {
	n := len([]rune(strings.TrimSpace(s)))
	return n >= min && n <= max
}

// list is the response shape of every list route.
type list[T any] struct {
	Items []T `json:"items"`
}
