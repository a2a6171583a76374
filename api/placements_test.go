package api

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"heard"
	"heard/testkit"
)

// Placements in the access matrix: targetOwn is Oak of area A (the placement
// staff's own, where young person A.YP1 is moving), targetOtherCaseload is
// Willow of area A (another placement, where nobody signed in is moving), and
// targetOtherArea is Oak of area B.

func (m matrixCall) Placement() heard.Placement {
	if m.Target == targetOtherCaseload {
		return m.W.A.Willow
	}
	return m.Area().Oak
}

// seesPlacement: its own staff and the young person moving there see their
// own placement; administrators, key workers and managers every placement of
// their area.
func seesPlacement(role heard.Role, target matrixTarget) bool {
	switch target {
	case targetOwn:
		return true
	case targetOtherCaseload:
		return heard.Can(role, heard.RoleAdministrator, heard.RoleKeyWorker, heard.RoleTeamManager)
	}
	return false
}

func keepsPlacement(role heard.Role, target matrixTarget) bool {
	return role == heard.RolePlacementStaff && target == targetOwn
}

// matrixPhoto stores a photo of the target's placement, as an upload would
// have, and returns its id.
func matrixPhoto(m matrixCall) string {
	pl := m.Placement()
	ctx := context.Background()
	ph := heard.Photo{ID: heard.NewID(), Kind: heard.PhotoBedroom, Caption: "Room", Widths: []int{320}, Width: 320, Height: 240, AddedAt: m.W.clock.Now()}
	must(m.W.t, m.W.store.PutPhotoFile(ctx, pl.AreaID, pl.ID, ph.ID, 320, []byte("\xff\xd8\xff\xd9")))
	_, err := m.W.store.ChangePlacementProfile(ctx, pl.AreaID, pl.ID, func(p *heard.PlacementProfile) (bool, error) {
		p.Photos = append(p.Photos, ph)
		return true, nil
	})
	must(m.W.t, err)
	return ph.ID
}

var matrixJPEG = testkit.PhoneJPEG(testkit.Halves(64, 48), 1)

func init() {
	registerMatrix("GET /api/placements", matrixEntry{Roles: []heard.Role{heard.RoleKeyWorker, heard.RoleTeamManager, heard.RoleAdministrator}, Need: needNothing})
	registerMatrix("GET /api/placements/:id", matrixEntry{Roles: seePlacement, Allow: seesPlacement,
		Request: func(m matrixCall) (string, any) { return "/api/placements/" + m.Placement().ID, nil }})
	registerMatrix("PUT /api/placements/:id/profile", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement,
		Request: func(m matrixCall) (string, any) {
			return "/api/placements/" + m.Placement().ID + "/profile", heard.PlacementProfileText{Welcome: fmt.Sprint("Welcome ", m.Seq),
				People: []heard.ProfilePerson{{Name: "Sam", About: "Cooks on Sundays"}}, Pets: "A cat called Biscuit"}
		}})
	registerMatrix("PATCH /api/admin/placements/:id", matrixEntry{Roles: adminOnly, Need: needArea,
		Request: func(m matrixCall) (string, any) {
			return "/api/admin/placements/" + m.Placement().ID, map[string]any{"name": fmt.Sprint("Oak house ", m.Seq)}
		}})
	registerMatrix("POST /api/placements/:id/photos", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement, OK: 201,
		Request: func(m matrixCall) (string, any) {
			return fmt.Sprintf("/api/placements/%s/photos?kind=bedroom&caption=Room%%20%d", m.Placement().ID, m.Seq), matrixJPEG
		}})
	registerMatrix("PATCH /api/placements/:id/photos/:photoId", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement,
		Request: func(m matrixCall) (string, any) {
			return "/api/placements/" + m.Placement().ID + "/photos/" + matrixPhoto(m), map[string]any{"caption": fmt.Sprint("Your room ", m.Seq)}
		}})
	registerMatrix("PUT /api/placements/:id/photo-order", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement,
		Request: func(m matrixCall) (string, any) {
			// The order of every photo the placement has, newest first.
			matrixPhoto(m)
			prof, err := m.W.store.PlacementProfile(context.Background(), m.Placement().AreaID, m.Placement().ID)
			must(m.W.t, err)
			ids := []string{}
			for i := len(prof.Photos) - 1; i >= 0; i-- {
				ids = append(ids, prof.Photos[i].ID)
			}
			return "/api/placements/" + m.Placement().ID + "/photo-order", map[string]any{"ids": ids}
		}})
	registerMatrix("DELETE /api/placements/:id/photos/:photoId", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement, OK: 204,
		Request: func(m matrixCall) (string, any) {
			return "/api/placements/" + m.Placement().ID + "/photos/" + matrixPhoto(m), nil
		}})
	registerMatrix("GET /api/placements/:id/photos/:photoId", matrixEntry{Roles: seePlacement, Allow: seesPlacement,
		Request: func(m matrixCall) (string, any) {
			return "/api/placements/" + m.Placement().ID + "/photos/" + matrixPhoto(m) + "?w=320", nil
		}})
}

// sendPhoto uploads a photo as the app does: the body is the photo.
func (w *world) sendPhoto(token, path, contentType string, photo []byte) response {
	w.t.Helper()
	return w.validationSend(http.MethodPost, path, token, contentType, photo)
}

// TestPhotoServedPrivately: an uploaded photo is served as JPEG only with
// caching that keeps it off shared caches and asks again each time (a 304
// while it is unchanged), so that a withdrawn preview is withdrawn at once.
func TestPhotoServedPrivately(t *testing.T) {
	w := matrixWorld(t)
	oak := w.A.Oak
	staffToken := w.tokenFor(w.A.OakStaff)
	r := w.sendPhoto(staffToken, "/api/placements/"+oak.ID+"/photos?kind=garden&caption=The%20garden", "image/jpeg",
		testkit.PhoneJPEG(testkit.Halves(900, 600), 1))
	w.expect(r, 201, "")
	id, _ := r.Body["id"].(string)
	yp := w.youngToken(w.A, w.A.YP1)
	get := func(token, etag string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, "/api/placements/"+oak.ID+"/photos/"+id+"?w=700", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := w.srv.App().Test(req, -1)
		must(t, err)
		return res
	}
	res := get(yp, "")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || res.Header.Get("Cache-Control") != "private, no-cache" ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.HasPrefix(body, []byte{0xFF, 0xD8}) {
		t.Fatalf("photo answered %d %v", res.StatusCode, res.Header)
	}
	etag := res.Header.Get("ETag")
	if res := get(yp, etag); res.StatusCode != 304 {
		t.Errorf("unchanged photo: %d, want 304", res.StatusCode)
	}
	// The move is cancelled: the young person's phone asks again and is refused.
	ctx := context.Background()
	moves, err := w.store.MovesOf(ctx, w.A.Area.ID, w.A.YP1.ID)
	must(t, err)
	_, err = w.store.ChangeMove(ctx, w.A.Area.ID, moves[0].ID, func(m *heard.Move) (bool, error) { m.Status = heard.MoveCancelled; return true, nil })
	must(t, err)
	if res := get(yp, etag); res.StatusCode != 403 {
		t.Errorf("after the move was cancelled: %d, want 403", res.StatusCode)
	}
}

// TestPhotoUploadsRefusedClearly: what a phone might send by mistake gets a
// 4xx naming the problem and keeps nothing; a body past the upload limit is
// a 413 (through a real listener: app.Test cannot show one).
func TestPhotoUploadsRefusedClearly(t *testing.T) {
	w := matrixWorld(t)
	oak := w.A.Oak
	token := w.tokenFor(w.A.OakStaff)
	path := "/api/placements/" + oak.ID + "/photos?kind=bedroom"
	before := matrixSnapshot(t, w.store)
	for _, c := range []struct {
		name, contentType string
		body              []byte
		code              string
	}{
		{"a png said to be a jpeg", "image/jpeg", testkit.PNG(testkit.Halves(20, 20)), "photo_not_clean"},
		{"a pdf", "application/pdf", []byte("%PDF-1.4\n%%EOF"), "photo_format"},
		{"a bomb", "image/png", testkit.PNGBomb(30000, 30000), "photo_too_many_pixels"},
		{"nothing", "image/jpeg", nil, "photo_required"},
	} {
		r := w.sendPhoto(token, path, c.contentType, c.body)
		if r.Status != 400 || r.ErrorCode() != c.code {
			t.Errorf("%s: want 400 %s, got %d %s", c.name, c.code, r.Status, r.Raw)
		}
	}
	r := w.sendPhoto(token, "/api/placements/"+oak.ID+"/photos?kind=castle", "image/jpeg", matrixJPEG)
	if r.Status != 400 || r.Field("kind") != "one_of" {
		t.Errorf("an unknown kind: %d %s", r.Status, r.Raw)
	}
	if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
		t.Errorf("refused uploads changed %s", d)
	}
	base := foundListen(t, w)
	// Past the limit, the server answers as soon as it has read the headers.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	must(t, err)
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n",
		path, token, PhotoBodyLimit+1024)
	must(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	must(t, err)
	raw, _ := io.ReadAll(res.Body)
	conn.Close()
	if res.StatusCode != 413 || !bytes.Contains(raw, []byte("body_too_large")) {
		t.Errorf("an upload past the limit: %d %s", res.StatusCode, raw)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	for _, size := range []int{2 << 20} {
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(make([]byte, size)))
		req.Header.Set("Content-Type", "image/jpeg")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		must(t, err)
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		want, code := 400, "photo_format" // read, and refused for what it is
		if res.StatusCode != want || !bytes.Contains(raw, []byte(code)) {
			t.Errorf("%d bytes: want %d %s, got %d %s", size, want, code, res.StatusCode, raw)
		}
	}
	// Any other route still refuses a body past the JSON limit.
	req, _ := http.NewRequest(http.MethodPut, base+"/api/placements/"+oak.ID+"/profile", bytes.NewReader(make([]byte, 2<<20)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = client.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Errorf("a 2 MB profile: %d, want 413", res.StatusCode)
	}
	if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
		t.Errorf("refused uploads changed %s", d)
	}
}

// TestPlacementProfileKeptByItsStaff: Oak's staff write the profile, and a key
// worker and the young person moving there read it as written.
func TestPlacementProfileKeptByItsStaff(t *testing.T) {
	w := matrixWorld(t)
	oak := w.A.Oak
	r := w.call(http.MethodPut, "/api/placements/"+oak.ID+"/profile", w.tokenFor(w.A.OakStaff), map[string]any{
		"welcome": "  We're looking forward to meeting you. ", "people": []map[string]any{{"name": "Priya", "about": "Loves football"}},
		"pets": "Biscuit the cat", "day": "School, then tea at five", "food": "Pizza on Fridays", "rules": "Home by nine", "nearby": "A park and the 12 bus"})
	w.expect(r, 200, "")
	for _, token := range []string{w.tokenFor(w.A.KW1), w.youngToken(w.A, w.A.YP1)} {
		r := w.call(http.MethodGet, "/api/placements/"+oak.ID, token, nil)
		w.expect(r, 200, "")
		people, _ := r.Body["people"].([]any)
		if r.Body["welcome"] != "We're looking forward to meeting you." || r.Body["name"] != oak.Name || len(people) != 1 || r.Body["pets"] != "Biscuit the cat" {
			t.Errorf("profile read back: %s", r.Raw)
		}
	}
	r = w.call(http.MethodPut, "/api/placements/"+oak.ID+"/profile", w.tokenFor(w.A.OakStaff), map[string]any{
		"people": []map[string]any{{"name": "", "about": "x"}}, "welcome": string(bytes.Repeat([]byte("a"), 1001))})
	if r.Status != 400 || r.Field("welcome") != "length" || r.Field("people.name") != "length" {
		t.Errorf("a bad profile: %d %s", r.Status, r.Raw)
	}
}
