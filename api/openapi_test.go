package api

import (
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// openapiMismatches compares what the app serves with what /api/openapi.json
// describes, both ways, and returns every difference.
func openapiMismatches(w *world) (problems []string, served int) {
	r := w.call("GET", "/api/openapi.json", "", nil)
	w.expect(r, 200, "")
	paths, _ := r.Body["paths"].(map[string]any)
	serving := map[string]bool{}
	for _, rt := range w.srv.App().GetRoutes(true) { // true: leave out middleware (Use)
		if rt.Method == http.MethodHead {
			continue // fiber's automatic HEAD for GET routes
		}
		serving[rt.Method+" "+pathParam.ReplaceAllString(rt.Path, "{$1}")] = true
	}
	described := map[string]bool{}
	for p, item := range paths {
		for method := range item.(map[string]any) {
			described[strings.ToUpper(method)+" "+p] = true
		}
	}
	for _, key := range sortedKeys(serving) {
		if !described[key] {
			problems = append(problems, key+" is served but missing from /api/openapi.json (register it with s.route, not s.app directly)")
		}
	}
	for _, key := range sortedKeys(described) {
		if !serving[key] {
			problems = append(problems, "/api/openapi.json describes "+key+", which is not served")
		}
	}
	return problems, len(serving)
}

func TestOpenAPIDescribesExactlyTheServedRoutes(t *testing.T) {
	w := newWorld(t)
	problems, served := openapiMismatches(w)
	for _, p := range problems {
		t.Error(p)
	}
	if served < 30 {
		t.Fatalf("only %d routes served; the comparison is not seeing the app", served)
	}
}

// TestOpenAPICheckCatchesDrift shows the comparison above notices a route added
// behind the description's back, and a description of a route that is gone.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	w := newWorld(t)
	w.srv.App().Get("/api/rogue/:id", func(c *fiber.Ctx) error { return nil })
	w.srv.routes = append(w.srv.routes, route{Method: "DELETE", Path: "/api/ghost", Doc: doc{Summary: "A route that was removed."}})
	problems, _ := openapiMismatches(w)
	joined := strings.Join(problems, "\n")
	if len(problems) != 2 || !strings.Contains(joined, "GET /api/rogue/{id} is served but missing") || !strings.Contains(joined, "describes DELETE /api/ghost") {
		t.Fatalf("drift not reported as expected: %v", problems)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var braceParam = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// TestOpenAPIDocumentIsWellFormed checks the description is usable by tools:
// OpenAPI 3, every operation summarised with responses and its path
// parameters, unique operation ids, and every $ref pointing at a schema.
func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	w := newWorld(t)
	r := w.call("GET", "/api/openapi.json", "", nil)
	w.expect(r, 200, "")
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("content type %q", r.Header.Get("Content-Type"))
	}
	doc := r.Body
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi version %q", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if str(info, "title") == "" || str(info, "version") == "" {
		t.Fatalf("info needs a title and a version: %v", info)
	}
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	if _, ok := schemas["Error"]; !ok {
		t.Fatal("the error shape is not described")
	}
	schemes, _ := components["securitySchemes"].(map[string]any)
	if bearer, _ := schemes["bearer"].(map[string]any); bearer["scheme"] != "bearer" {
		t.Fatalf("bearer security scheme: %v", schemes)
	}

	ids := map[string]string{}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "options": true, "head": true, "trace": true}
	for p, rawItem := range paths {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, ":") {
			t.Errorf("path %q should be an OpenAPI template like /a/{id}", p)
		}
		for method, rawOp := range rawItem.(map[string]any) {
			where := strings.ToUpper(method) + " " + p
			if !methods[method] {
				t.Errorf("%s: %q is not an HTTP method", where, method)
			}
			op := rawOp.(map[string]any)
			if s := str(op, "summary"); len(s) < 10 {
				t.Errorf("%s: summary %q says too little", where, s)
			}
			id := str(op, "operationId")
			if id == "" || ids[id] != "" {
				t.Errorf("%s: operationId %q is empty or also used by %s", where, id, ids[id])
			}
			ids[id] = where
			responses, _ := op["responses"].(map[string]any)
			success := false
			for code := range responses {
				n, err := strconv.Atoi(code)
				success = success || err == nil && n >= 200 && n < 300
			}
			if !success || responses["4XX"] == nil {
				t.Errorf("%s: responses need a success and the error shape: %v", where, responses)
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, raw := range params {
				pm := raw.(map[string]any)
				if pm["in"] == "path" {
					declared[str(pm, "name")] = pm["required"] == true
				}
			}
			for _, m := range braceParam.FindAllStringSubmatch(p, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s is not declared as required", where, m[1])
				}
			}
			if method == "get" || method == "delete" {
				if op["requestBody"] != nil {
					t.Errorf("%s: a %s with a request body", where, method)
				}
			}
		}
	}
	// Every $ref resolves.
	refs := 0
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if k == "$ref" {
					refs++
					ref, _ := child.(string)
					name, ok := strings.CutPrefix(ref, "#/components/schemas/")
					if !ok || schemas[name] == nil {
						t.Errorf("%s: $ref %q does not resolve", at, ref)
					}
					continue
				}
				walk(child, at+"/"+k)
			}
		case []any:
			for i, child := range x {
				walk(child, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "#")
	if refs < 20 {
		t.Fatalf("only %d $refs found; the walk is not seeing the schemas", refs)
	}
	// Public routes say so; the rest need the bearer token.
	login := paths["/api/auth/login"].(map[string]any)["post"].(map[string]any)
	if sec, ok := login["security"].([]any); !ok || len(sec) != 0 {
		t.Errorf("sign-in must be marked as needing no token: %v", login["security"])
	}
	me := paths["/api/me"].(map[string]any)["get"].(map[string]any)
	if _, overridden := me["security"]; overridden {
		t.Error("/api/me must need the token")
	}
	staff := paths["/api/admin/staff"].(map[string]any)["get"].(map[string]any)
	if roles, _ := staff["x-roles"].([]any); len(roles) != 1 || roles[0] != "administrator" {
		t.Errorf("x-roles of the staff list: %v", staff["x-roles"])
	}
}

// TestOpenAPIDescribesAnonymousStructs guards the fix for a description built
// from a struct with no name (it used to panic at start).
func TestOpenAPIDescribesAnonymousStructs(t *testing.T) {
	schemas := map[string]any{}
	got := schemaOf(reflect.TypeOf(struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}{}), schemas)
	props, _ := got["properties"].(map[string]any)
	if got["type"] != "object" || props["name"] == nil || props["count"] == nil {
		t.Fatalf("anonymous struct described as %v", got)
	}
}
