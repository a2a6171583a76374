package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"heard"
)

var matrixPDF = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// matrixBookletPDF keeps a PDF for the target's placement, as an upload would.
func matrixBookletPDF(m matrixCall) heard.Placement {
	pl := m.Placement()
	ctx := context.Background()
	must(m.W.t, m.W.store.PutBookletPDF(ctx, pl.AreaID, pl.ID, matrixPDF))
	_, err := m.W.store.ChangePlacementProfile(ctx, pl.AreaID, pl.ID, func(p *heard.PlacementProfile) (bool, error) {
		p.PDF = &heard.BookletPDF{Bytes: len(matrixPDF), AddedAt: m.W.clock.Now()}
		return true, nil
	})
	must(m.W.t, err)
	return pl
}

func init() {
	registerMatrix("PUT /api/placements/:id/booklet", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement,
		Request: func(m matrixCall) (string, any) {
			return "/api/placements/" + m.Placement().ID + "/booklet", map[string]any{"pages": []map[string]any{
				{"kind": "your_rights", "title": "Your rights", "body": fmt.Sprint("You have the right to be heard. ", m.Seq), "lang": "en"}}}
		}})
	registerMatrix("POST /api/placements/:id/booklet.pdf", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement, OK: 201,
		Request: func(m matrixCall) (string, any) {
			return "/api/placements/" + m.Placement().ID + "/booklet.pdf", matrixPDF
		}})
	registerMatrix("DELETE /api/placements/:id/booklet.pdf", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement, OK: 204,
		Request: func(m matrixCall) (string, any) {
			return "/api/placements/" + matrixBookletPDF(m).ID + "/booklet.pdf", nil
		}})
	registerMatrix("GET /api/placements/:id/booklet.pdf", matrixEntry{Roles: seePlacement, Allow: seesPlacement,
		Request: func(m matrixCall) (string, any) {
			return "/api/placements/" + matrixBookletPDF(m).ID + "/booklet.pdf", nil
		}})
}

// TestBookletPDFCheckedAndServedSafely: what is not a PDF, or is too big, is
// refused and kept nowhere; a PDF is served as an attachment of type
// application/pdf, sandboxed, never from a shared cache; the young person
// moving there reads the pages in their language.
func TestBookletPDFCheckedAndServedSafely(t *testing.T) {
	w := matrixWorld(t)
	oak := w.A.Oak
	staff := w.tokenFor(w.A.OakStaff)
	path := "/api/placements/" + oak.ID + "/booklet.pdf"
	before := matrixSnapshot(t, w.store)
	for _, c := range []struct {
		name string
		body []byte
		code string
	}{
		{"a web page", []byte("<html><script>alert(1)</script></html>"), "pdf_format"},
		{"a jpeg", matrixJPEG, "pdf_format"},
		{"a PDF header with no end", []byte("%PDF-1.7\n" + strings.Repeat("x", 3000)), "pdf_format"},
		{"nothing", nil, "pdf_required"},
		{"11 MB", append(append([]byte("%PDF-1.4\n"), make([]byte, 11<<20)...), "%%EOF"...), "pdf_too_large"},
	} {
		r := w.validationSend(http.MethodPost, path, staff, "application/pdf", c.body)
		if r.Status != 400 || r.ErrorCode() != c.code {
			t.Errorf("%s: want 400 %s, got %d %s", c.name, c.code, r.Status, r.Raw)
		}
	}
	if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
		t.Errorf("refused PDFs changed %s", d)
	}
	w.expect(w.validationSend(http.MethodPost, path, staff, "application/pdf", matrixPDF), 201, "")
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+w.youngToken(w.A, w.A.YP1))
	res, err := w.srv.App().Test(req, -1)
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || string(body) != string(matrixPDF) ||
		res.Header.Get("Content-Disposition") != `attachment; filename="oak-a-welcome-booklet.pdf"` ||
		res.Header.Get("Cache-Control") != "private, no-cache" || !strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox") ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the PDF answered %d %v", res.StatusCode, res.Header)
	}
	// Pages in two languages: the young person reads theirs.
	w.expect(w.call(http.MethodPut, "/api/placements/"+oak.ID+"/booklet", staff, map[string]any{"pages": []map[string]any{
		{"kind": "complaints", "title": "How to complain", "body": "Tell any adult, or call your advocate.", "lang": "en"},
		{"kind": "complaints", "title": "كيف تشتكي", "body": "أخبر أي شخص بالغ.", "lang": "ar"},
	}}), 200, "")
	r := w.call(http.MethodGet, "/api/me/moves", w.youngToken(w.A, w.A.YP1), nil)
	w.expect(r, 200, "")
	items := r.Items()
	if len(items) != 1 {
		t.Fatalf("previews: %s", r.Raw)
	}
	pl, _ := items[0]["placement"].(map[string]any)
	pages, _ := pl["booklet"].([]any)
	pdf, _ := pl["pdf"].(map[string]any)
	if len(pages) != 1 || pages[0].(map[string]any)["title"] != "How to complain" || pdf["bytes"] != float64(len(matrixPDF)) {
		t.Errorf("the young person's booklet: %v, pdf %v", pages, pdf)
	}
	r = w.call(http.MethodPut, "/api/placements/"+oak.ID+"/booklet", staff, map[string]any{"pages": []map[string]any{{"kind": "gossip", "title": "", "body": "x", "lang": "xx"}}})
	if r.Status != 400 || r.Field("pages.kind") != "one_of" || r.Field("pages.title") != "length" || r.Field("pages.lang") != "unsupported_language" {
		t.Errorf("a bad page: %d %s", r.Status, r.Raw)
	}
}
