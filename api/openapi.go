package api

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// The OpenAPI 3 description is built from the routes as they are registered, so
// every served route is described and nothing described is missing.

var pathParam = regexp.MustCompile(`:([A-Za-z]+)`)

func (s *Server) openAPIRoute() {
	s.route(http.MethodGet, "/api/openapi.json", doc{Tag: "Meta", Public: true, Summary: "This description of Heard's API (OpenAPI 3.0)."}, func(c *fiber.Ctx) error {
		return c.JSON(s.OpenAPI())
	})
}

// OpenAPI returns the description of every registered route.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	schemas := map[string]any{}
	for _, r := range s.routes {
		p := pathParam.ReplaceAllString(r.Path, "{$1}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		op := map[string]any{"summary": r.Doc.Summary, "operationId": operationID(r.Method, r.Path)}
		if r.Doc.Tag != "" {
			op["tags"] = []string{r.Doc.Tag}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Doc.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
		}
		if creates(r.Method, r.Doc) {
			params = append(params, map[string]any{"name": headerIdempotencyKey, "in": "header", "required": false,
				"description": "Any new value (a UUID) per thing to create; the same request sent again with the same key returns the first answer, with Idempotent-Replayed: true, instead of creating it twice.",
				"schema":      map[string]any{"type": "string", "maxLength": maxIdempotencyKey}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Doc.Public {
			op["security"] = []any{}
		} else if len(r.Doc.Roles) > 0 {
			roles := make([]string, len(r.Doc.Roles))
			for i, role := range r.Doc.Roles {
				roles[i] = string(role)
			}
			op["x-roles"] = roles
		}
		if r.Doc.Request != nil {
			op["requestBody"] = map[string]any{"required": !r.Doc.OptionalBody, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Doc.Request), schemas)}}}
		}
		status := r.Doc.Status
		if status == 0 {
			status = 200
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if r.Doc.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Doc.Response), schemas)}}
		}
		errRef := map[string]any{"description": "An error in Heard's one error shape.", "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
		op["responses"] = map[string]any{strconv.Itoa(status): ok, "4XX": errRef}
		item[strings.ToLower(r.Method)] = op
	}
	schemas["Error"] = schemaOf(reflect.TypeOf(errorBody{}), schemas)
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Heard API", "version": "1",
			"description": "Heard lets young people in care and in mental health services say how they feel and be heard. " +
				"Every route except those marked public needs `Authorization: Bearer <access token>`; x-roles lists who may call. " +
				"Errors always have the shape {error:{code,message,fields}, requestId}."},
		"paths": paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
		},
		"security": []any{map[string]any{"bearer": []string{}}},
	}
}

func operationID(method, path string) string {
	parts := []string{strings.ToLower(method)}
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		seg = strings.TrimPrefix(seg, ":")
		seg = strings.ReplaceAll(seg, "-", "_")
		seg = strings.ReplaceAll(seg, ".", "_")
		parts = append(parts, seg)
	}
	return strings.Join(parts, "_")
}

var timeType, dayRangeType = reflect.TypeOf(time.Time{}), reflect.TypeOf(heard.DayRange{})

// schemaOf describes a Go type as a JSON schema, using json tags. Named structs go
// into components so each is described once.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == dayRangeType: // written as YYYY-MM-DD days (heard.DayRange.MarshalJSON)
		return schemaOf(reflect.TypeOf(heard.DateRange{}), schemas)
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": true}
	case t.Kind() == reflect.Interface:
		return map[string]any{}
	case t.Kind() != reflect.Struct:
		return map[string]any{}
	case t.Name() == "":
		// An anonymous struct has no name to file it under: describe it in place.
		props := map[string]any{}
		addStructFields(t, props, schemas)
		return map[string]any{"type": "object", "properties": props}
	}
	name := schemaName(t)
	ref := map[string]any{"$ref": "#/components/schemas/" + name}
	if _, done := schemas[name]; done {
		return ref
	}
	schemas[name] = map[string]any{} // placeholder against recursion
	props := map[string]any{}
	addStructFields(t, props, schemas)
	schemas[name] = map[string]any{"type": "object", "properties": props}
	return ref
}

func addStructFields(t reflect.Type, props map[string]any, schemas map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addStructFields(ft, props, schemas)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, schemas)
	}
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

func schemaName(t reflect.Type) string {
	name := t.Name()
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	name = nonWord.ReplaceAllString(name, "_")
	name = strings.Trim(name, "_")
	if pkg == "heard" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}
