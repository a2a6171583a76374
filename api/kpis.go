package api

import (
	"encoding/csv"
	"encoding/json"
	"heard/i18n"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// The commissioners' dashboard: area-wide KPIs after disclosure control. Nothing
// here can reach an individual answer, a young person or their words: the
// figures are built from counters alone (and key-worker histories, counted).

var kpiRoles = heard.KPIReaders

var kpiQuery = []string{"from", "to", "service", "placementType"}

type kpiDashboardView = heard.KPIReport

// kpiRow is one figure of the export, flat for spreadsheets.
type kpiRow struct {
	KPI           string `json:"kpi"`
	Dim           string `json:"dim,omitempty"`
	Month         string `json:"month"`
	Service       string `json:"service"`
	PlacementType string `json:"placementType"`
	N             string `json:"n"`
	K             string `json:"k,omitempty"`
	Suppressed    bool   `json:"suppressed"`
	Percent       *int   `json:"percent,omitempty"`
	Low           *int   `json:"low,omitempty"`
	High          *int   `json:"high,omitempty"`
	MedianSeconds string `json:"medianSeconds,omitempty"`
	P90Seconds    string `json:"p90Seconds,omitempty"`
	Rate          string `json:"rate,omitempty"`
	MedianDays    string `json:"medianDays,omitempty"`
	P90Days       string `json:"p90Days,omitempty"`
	// Mean is the mean buddy-week rating (1 to 5), when published.
	Mean string `json:"mean,omitempty"`
	// Name is the KPI's name in the reader's language.
	Name string `json:"name"`
}

type kpiExport struct {
	AreaName    string    `json:"areaName"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	GeneratedAt time.Time `json:"generatedAt"`
	Disclosure  string    `json:"disclosure"`
	Rows        []kpiRow  `json:"rows"`
}

func (s *Server) kpiRoutes() {
	s.route(http.MethodGet, "/api/kpis", doc{Tag: "KPIs", Roles: kpiRoles, Query: kpiQuery, Response: kpiDashboardView{},
		Summary: "Area-wide KPIs for a period (from, to: YYYY-MM, default the last 12 months, at most 36) and optionally one service " +
			"(camhs, social_care, placement, other) and placement type (childrens_home, foster, supported_lodgings, inpatient, none): " +
			"a tile per KPI with its n, share and 95% interval for the period and for each month. Counts are suppressed and rounded as " +
			"`disclosure` explains; `definitions` says how each figure is worked out."}, s.kpis)
	s.route(http.MethodGet, "/api/kpis/export.csv", doc{Tag: "KPIs", Roles: kpiRoles, Query: kpiQuery,
		Summary: "The same figures as /api/kpis as CSV (text/csv), one row per KPI, month (\"all\" for the period) and part; suppressed counts are \"*\"."}, s.kpiCSV)
	s.route(http.MethodGet, "/api/kpis/export.json", doc{Tag: "KPIs", Roles: kpiRoles, Query: kpiQuery, Response: kpiExport{},
		Summary: "The same figures as /api/kpis as a download of flat JSON rows, one per KPI, month (\"all\" for the period) and part."}, s.kpiJSON)
}

// dashboard decodes the query and asks for the figures.
func (s *Server) dashboard(c *fiber.Ctx) (kpiDashboardView, error) {
	cx, cancel := ctx(c)
	defer cancel()
	return s.cfg.Services.KPIs(cx, principal(c), heard.KPIQuery{From: c.Query("from"), To: c.Query("to"),
		Service: c.Query("service"), PlacementType: c.Query("placementType")})
}

func (s *Server) kpis(c *fiber.Ctx) error {
	v, err := s.dashboard(c)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func optionalSeconds(v *int64, over bool) string {
	switch {
	case over:
		return "over_86400"
	case v == nil:
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

func optionalDays(v *int64, over bool) string {
	switch {
	case over:
		return "over_56"
	case v == nil:
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

// kpiRows flattens the dashboard: each tile's period figure and monthly figures,
// then each part of a counts tile.
func kpiRows(v kpiDashboardView, lang string) []kpiRow {
	orAll := func(s string) string {
		if s == "" {
			return "all"
		}
		return s
	}
	var rows []kpiRow
	figure := func(id string, f heard.Figure) kpiRow {
		r := kpiRow{KPI: id, Name: i18n.T(lang, "kpis.tile."+id), Month: orAll(f.Month), Service: orAll(v.Service), PlacementType: orAll(v.PlacementType), N: f.N.Display(),
			Suppressed: f.Suppressed || f.N.Suppressed, Percent: f.Percent, Low: f.Low, High: f.High,
			MedianSeconds: optionalSeconds(f.MedianSeconds, f.MedianOver), P90Seconds: optionalSeconds(f.P90Seconds, f.P90Over)}
		if f.K != nil {
			r.K = f.K.Display()
		}
		if f.Rate != nil {
			r.Rate = strconv.FormatFloat(*f.Rate, 'f', 1, 64)
		}
		r.MedianDays, r.P90Days = optionalDays(f.MedianDays, f.MedianDaysOver), optionalDays(f.P90Days, f.P90DaysOver)
		if f.Mean != nil {
			r.Mean = strconv.FormatFloat(*f.Mean, 'f', 1, 64)
		}
		return r
	}
	for _, t := range v.Tiles {
		rows = append(rows, figure(t.ID, t.Total))
		for _, f := range t.Trend {
			rows = append(rows, figure(t.ID, f))
		}
		for _, p := range t.Parts {
			part := func(month string, c heard.Count) kpiRow {
				return kpiRow{KPI: t.ID, Name: i18n.T(lang, "kpis.tile."+t.ID), Dim: p.Dim, Month: orAll(month), Service: orAll(v.Service), PlacementType: orAll(v.PlacementType),
					N: c.Display(), Suppressed: c.Suppressed}
			}
			rows = append(rows, part("", p.Total))
			for i, c := range p.Trend {
				rows = append(rows, part(v.Months[i], c))
			}
		}
	}
	return rows
}

// exportLanguage is the language an export names its KPIs in: the reader's,
// as the app asks for it (codes and numbers stay as they are, for tools).
func exportLanguage(c *fiber.Ctx) string {
	return i18n.Negotiate(c.Get(fiber.HeaderAcceptLanguage))
}

func exportName(v kpiDashboardView, ext string) string {
	name := "heard-kpis-" + v.From + "-to-" + v.To
	if v.Service != "" {
		name += "-" + v.Service
	}
	if v.PlacementType != "" {
		name += "-" + v.PlacementType
	}
	return name + "." + ext
}

func (s *Server) kpiCSV(c *fiber.Ctx) error {
	v, err := s.dashboard(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName(v, "csv")+`"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	_ = w.Write([]string{"kpi", "dim", "month", "service", "placement_type", "n", "k", "suppressed", "percent", "low", "high",
		"median_seconds", "p90_seconds", "rate", "median_days", "p90_days", "kpi_name", "mean"})
	num := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	for _, r := range kpiRows(v, exportLanguage(c)) {
		_ = w.Write([]string{r.KPI, r.Dim, r.Month, r.Service, r.PlacementType, r.N, r.K, strconv.FormatBool(r.Suppressed),
			num(r.Percent), num(r.Low), num(r.High), r.MedianSeconds, r.P90Seconds, r.Rate, r.MedianDays, r.P90Days, r.Name, r.Mean})
	}
	w.Flush()
	return w.Error()
}

func (s *Server) kpiJSON(c *fiber.Ctx) error {
	v, err := s.dashboard(c)
	if err != nil {
		return err
	}
	body, err := json.Marshal(kpiExport{AreaName: v.AreaName, From: v.From, To: v.To, GeneratedAt: v.GeneratedAt, Disclosure: v.Disclosure, Rows: kpiRows(v, exportLanguage(c))})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName(v, "json")+`"`)
	return c.Send(body)
}
