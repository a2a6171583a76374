package api

import (
	"encoding/csv"
	"encoding/json"
	"heard/i18n"
	"net/http/httptest"
	"strings"
	"testing"

	"heard"
)

func init() {
	for _, path := range []string{"/api/kpis", "/api/kpis/export.csv", "/api/kpis/export.json"} {
		registerMatrix("GET "+path, matrixEntry{Roles: kpiRoles, Need: needNothing})
	}
}

// kpisTile finds a tile in a dashboard response.
func kpisTile(t *testing.T, r response, id string) map[string]any {
	t.Helper()
	tiles, _ := r.Body["tiles"].([]any)
	for _, x := range tiles {
		if tl := x.(map[string]any); tl["id"] == id {
			return tl
		}
	}
	t.Fatalf("no tile %s in %s", id, r.Raw)
	return nil
}

// kpisAnswer has YP answer a fresh request from their key worker.
func (w *world) kpisAnswer(f areaFixture, kw heard.Staff, y heard.YoungPerson, listened, words string) {
	w.t.Helper()
	b := feedbackBody(w.feedbackRequest(f, kw, y), listened)
	b["words"] = words
	w.expect(w.call("POST", "/api/feedback", w.youngToken(f, y), b), 201, "")
}

func TestKPIsAccess(t *testing.T) {
	w := newWorld(t)
	for _, path := range []string{"/api/kpis", "/api/kpis/export.csv", "/api/kpis/export.json"} {
		for _, st := range []heard.Staff{w.A.Commish, w.A.Admin} {
			if r := w.call("GET", path, w.tokenFor(st), nil); r.Status != 200 {
				t.Errorf("%s for %s: %d %s", path, st.Role, r.Status, r.Raw)
			}
		}
		for _, st := range []heard.Staff{w.A.KW1, w.A.Manager, w.A.Duty, w.A.OakStaff} {
			if r := w.call("GET", path, w.tokenFor(st), nil); r.Status != 403 {
				t.Errorf("%s for %s: %d", path, st.Role, r.Status)
			}
		}
		if r := w.call("GET", path, w.youngToken(w.A, w.A.YP1), nil); r.Status != 403 {
			t.Errorf("%s for a young person: %d", path, r.Status)
		}
		if r := w.call("GET", path, "", nil); r.Status != 401 {
			t.Errorf("%s without a token: %d", path, r.Status)
		}
	}
}

func TestKPIsValidation(t *testing.T) {
	w := newWorld(t)
	tok := w.tokenFor(w.A.Commish)
	cases := []struct{ query, field, code string }{
		{"from=2026-13", "from", "month_format"},
		{"from=2026-1&to=2026-11", "from", "month_format"},
		{"to=november", "to", "month_format"},
		{"from=2026-10&to=2026-09", "from", "after_to"},
		{"from=2023-01&to=2026-11", "from", "too_long"},
		{"to=2026-12", "to", "in_future"},
		{"service=school", "service", "one_of"},
		{"placementType=castle", "placementType", "one_of"},
	}
	for _, c := range cases {
		for _, path := range []string{"/api/kpis", "/api/kpis/export.csv", "/api/kpis/export.json"} {
			r := w.call("GET", path+"?"+c.query, tok, nil)
			if r.Status != 400 || r.Field(c.field) != c.code {
				t.Errorf("%s?%s: %d %s", path, c.query, r.Status, r.Raw)
			}
		}
	}
	r := w.call("GET", "/api/kpis", tok, nil)
	w.expect(r, 200, "")
	if r.Body["from"] != "2025-12" || r.Body["to"] != "2026-11" || len(r.Body["months"].([]any)) != 12 {
		t.Errorf("default period: %v to %v", r.Body["from"], r.Body["to"])
	}
	r = w.call("GET", "/api/kpis?from=2026-11&to=2026-11&service=camhs&placementType=none", tok, nil)
	w.expect(r, 200, "")
	if r.Body["level"] != "below_area" || r.Body["definitions"].(map[string]any)["satisfaction"] == nil || r.Body["disclosure"] == "" {
		t.Errorf("dashboard: %s", r.Raw)
	}
}

// The felt-listened cell appears only once 10 answers exist; counts below area
// level are hidden or rounded; nothing a young person wrote ever reaches the
// dashboard; areas never mix.
func TestKPIsShowACellOnlyWithEnoughAnswers(t *testing.T) {
	w := newWorld(t)
	tok := w.tokenFor(w.A.Commish)
	for i := 0; i < 9; i++ {
		listened := "yes"
		if i == 4 || i == 8 {
			listened = "no"
		}
		w.kpisAnswer(w.A, w.A.KW1, w.A.YP1, listened, "secret words")
	}
	r := w.call("GET", "/api/kpis?from=2026-11&to=2026-11", tok, nil)
	w.expect(r, 200, "")
	fl := kpisTile(t, r, "felt_listened")["total"].(map[string]any)
	if fl["suppressed"] != true || fl["percent"] != nil || fl["n"].(map[string]any)["value"] != 9.0 {
		t.Fatalf("9 answers: %v", fl)
	}
	w.kpisAnswer(w.A, w.A.KW1, w.A.YP2, "yes", "secret words")
	r = w.call("GET", "/api/kpis?from=2026-11&to=2026-11", tok, nil)
	fl = kpisTile(t, r, "felt_listened")["total"].(map[string]any)
	// 8 yes of 10: 80%, Wilson 49–94%.
	if fl["suppressed"] != false || fl["percent"] != 80.0 || fl["low"] != 49.0 || fl["high"] != 94.0 || fl["n"].(map[string]any)["value"] != 10.0 {
		t.Fatalf("10 answers: %v", fl)
	}
	if rr := kpisTile(t, r, "response_rate")["total"].(map[string]any); rr["percent"] != 100.0 {
		t.Errorf("response rate: %v", rr)
	}
	if strings.Contains(string(r.Raw), "secret words") || strings.Contains(string(r.Raw), w.A.YP1.ID) {
		t.Fatal("the dashboard carries a young person's words or id")
	}
	// Social care alone is below area level: 8 of 10 round to 10 of 10, the share
	// is worked out from the exact counts, and with every answer in social care
	// nothing needs hiding.
	r = w.call("GET", "/api/kpis?from=2026-11&to=2026-11&service=social_care", tok, nil)
	fl = kpisTile(t, r, "felt_listened")["total"].(map[string]any)
	if fl["suppressed"] != false || fl["percent"] != 80.0 || fl["n"].(map[string]any)["value"] != 10.0 || fl["k"].(map[string]any)["value"] != 10.0 {
		t.Errorf("social care: %v", fl)
	}
	// Three CAMHS answers: hidden, and social care with them (the area total is exact).
	for i := 0; i < 3; i++ {
		w.kpisAnswer(w.A, w.A.KW2, w.A.YP3, "yes", "")
	}
	r = w.call("GET", "/api/kpis?from=2026-11&to=2026-11&service=camhs", tok, nil)
	if fl := kpisTile(t, r, "felt_listened")["total"].(map[string]any); fl["suppressed"] != true || fl["n"].(map[string]any)["suppressed"] != true {
		t.Errorf("CAMHS with 3 answers: %v", fl)
	}
	r = w.call("GET", "/api/kpis?from=2026-11&to=2026-11&service=social_care", tok, nil)
	if fl := kpisTile(t, r, "felt_listened")["total"].(map[string]any); fl["n"].(map[string]any)["suppressed"] != true {
		t.Errorf("social care must be hidden beside the exact area total 13 and CAMHS hidden: %v", fl)
	}
	// Area B sees none of it.
	r = w.call("GET", "/api/kpis?from=2026-11&to=2026-11", w.tokenFor(w.B.Commish), nil)
	if fl := kpisTile(t, r, "felt_listened")["total"].(map[string]any); fl["n"].(map[string]any)["value"] != 0.0 {
		t.Errorf("area B: %v", fl)
	}
}

func TestKPIsExports(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 10; i++ {
		w.kpisAnswer(w.A, w.A.KW1, w.A.YP1, "yes", "")
	}
	tok := w.tokenFor(w.A.Commish)
	r := w.call("GET", "/api/kpis/export.csv?from=2026-10&to=2026-11", tok, nil)
	w.expect(r, 200, "")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %s", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="heard-kpis-2026-10-to-2026-11.csv"`) {
		t.Errorf("disposition %s", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Raw))).ReadAll()
	must(t, err)
	if strings.Join(rows[0], ",") != "kpi,dim,month,service,placement_type,n,k,suppressed,percent,low,high,median_seconds,p90_seconds,rate,median_days,p90_days,kpi_name,mean" {
		t.Fatalf("header %v", rows[0])
	}
	found := false
	for _, row := range rows[1:] {
		if row[0] == "felt_listened" && row[2] == "all" {
			found = row[5] == "10" && row[6] == "10" && row[8] == "100" && row[9] == "72" && row[10] == "100"
		}
	}
	if !found {
		t.Errorf("no felt_listened period row with 10 of 10: %s", r.Raw)
	}
	if rows[1][16] != "Felt listened to" {
		t.Errorf("the KPI's name in English: %q", rows[1][16])
	}
	// A commissioner reading in Arabic gets the names in Arabic.
	req := httptest.NewRequest("GET", "/api/kpis/export.csv?from=2026-10&to=2026-11", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept-Language", "ar")
	res, err := w.srv.App().Test(req, -1)
	must(t, err)
	arabic, err := csv.NewReader(res.Body).ReadAll()
	must(t, err)
	_ = res.Body.Close()
	if want := i18n.T("ar", "kpis.tile.felt_listened"); arabic[1][0] != "felt_listened" || arabic[1][16] != want || want == "Felt listened to" {
		t.Errorf("the KPI's name in Arabic: %q, want %q", arabic[1][16], want)
	}
	r = w.call("GET", "/api/kpis/export.json?from=2026-10&to=2026-11&service=social_care", tok, nil)
	w.expect(r, 200, "")
	var export struct {
		From string `json:"from"`
		Rows []struct {
			KPI     string `json:"kpi"`
			Month   string `json:"month"`
			Service string `json:"service"`
			N       string `json:"n"`
		} `json:"rows"`
	}
	must(t, json.Unmarshal(r.Raw, &export))
	if export.From != "2026-10" || len(export.Rows) < 10 || export.Rows[0].Service != "social_care" {
		t.Errorf("json export: %s", r.Raw)
	}
	if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Error("json export is not a download")
	}
}

func TestKPIsDescribedInOpenAPI(t *testing.T) {
	w := newWorld(t)
	r := w.call("GET", "/api/openapi.json", "", nil)
	w.expect(r, 200, "")
	paths := r.Body["paths"].(map[string]any)
	for _, p := range []string{"/api/kpis", "/api/kpis/export.csv", "/api/kpis/export.json", "/api/feedback", "/api/me/feedback-requests",
		"/api/young-people/{id}/contacts", "/api/young-people/{id}/feedback", "/api/feedback/follow-ups", "/api/feedback/follow-ups/{id}/done"} {
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Errorf("%s is not described", p)
			continue
		}
		for _, op := range item {
			o := op.(map[string]any)
			if o["summary"] == "" || o["x-roles"] == nil {
				t.Errorf("%s: summary or roles missing", p)
			}
		}
	}
	get := paths["/api/kpis"].(map[string]any)["get"].(map[string]any)
	if len(get["parameters"].([]any)) != 4 || !strings.Contains(get["summary"].(string), "95% interval") {
		t.Errorf("kpis operation: %v", get)
	}
	if roles := get["x-roles"].([]any); len(roles) != 2 || roles[0] != "commissioner" {
		t.Errorf("kpis roles: %v", roles)
	}
}
