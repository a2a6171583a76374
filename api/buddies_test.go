package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"heard"
)

// Buddy weeks in the access matrix (matrixWorld). Each target's placement
// (Oak of A for own, Willow of A for the other caseload, Oak of B) has one
// volunteer; Willow's is a resident who is A.YP1 in Heard, so the signed-in
// young person is the resident buddy of another young person's week (A.YP3's)
// and the newcomer of their own (A.YP1's at Oak).

var matrixBuddies sync.Map // placement + target → heard.RosterBuddy

// matrixBuddy is the volunteer at the target's placement, made once.
func matrixBuddy(m matrixCall) heard.RosterBuddy {
	key := fmt.Sprintf("%s/%d", m.Placement().ID, m.Target) // ids are new in every world
	if b, ok := matrixBuddies.Load(key); ok {
		return b.(heard.RosterBuddy)
	}
	pl := m.Placement()
	b := heard.RosterBuddy{ID: heard.NewID(), PlacementID: pl.ID, Kind: heard.BuddyResident, FirstName: "Amal", AgeBand: heard.Age13to15,
		Languages: []string{"en"}, Interests: []string{"football"}, Capacity: 3, Absences: []heard.DayRange{}, PhotoAgreed: true,
		Consent: heard.BuddyConsent{GivenBy: "Amal and her social worker", GivenAt: m.W.clock.Now().AddDate(0, 0, -30)}}
	if m.Target == targetOtherCaseload {
		b.YoungPersonID = m.W.A.YP1.ID
	}
	must(m.W.t, m.W.store.AddRosterBuddy(context.Background(), pl.AreaID, b))
	matrixBuddies.Store(key, b)
	return b
}

// matrixBuddyPhoto gives the target's volunteer a photo, as an upload would.
func matrixBuddyPhoto(m matrixCall) heard.RosterBuddy {
	b := matrixBuddy(m)
	ctx := context.Background()
	photoID := heard.NewID()
	must(m.W.t, m.W.store.PutPhotoFile(ctx, m.Area().Area.ID, b.PlacementID, photoID, 320, matrixJPEG))
	_, err := m.W.store.ChangeRosterBuddy(ctx, m.Area().Area.ID, b.ID, func(b *heard.RosterBuddy) (bool, error) {
		b.PhotoID, b.PhotoWidths = photoID, []int{320}
		return true, nil
	})
	must(m.W.t, err)
	return b
}

// matrixAboutMe fills the target young person's "about me" so that the volunteer fits.
func matrixAboutMe(m matrixCall) {
	y := m.YoungPerson()
	must(m.W.t, m.W.store.SetAboutMe(context.Background(), y.AreaID, y.ID, heard.AboutMe{Languages: []string{"en"}, Interests: []string{"football"},
		HardDay: []string{"music"}, RatherNotWith: []string{}, PlacementMaySee: []heard.AboutMeField{heard.AboutMeLanguages, heard.AboutMeInterests}}))
}

// matrixWeek stores the target's move's buddy week with the target's
// volunteer, from the day daysAgo before today, and lists it.
func matrixWeek(m matrixCall, daysAgo int) heard.BuddyWeekRecord {
	mv, b := m.Move(), matrixBuddy(m)
	ctx := context.Background()
	today := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	w, _, err := m.W.store.ChangeBuddyWeek(ctx, mv.AreaID, heard.BuddyWeekID(mv.ID), func(w *heard.BuddyWeekRecord, exists bool) (bool, error) {
		*w = heard.NewBuddyWeek(mv, b.ID, m.KeyWorker().ID, m.W.clock.Now())
		w.From = today.AddDate(0, 0, -daysAgo)
		w.Last, w.Arrived = w.From.AddDate(0, 0, heard.BuddyWeekDays-1), true
		return true, nil
	})
	must(m.W.t, err)
	must(m.W.t, m.W.store.ListBuddyWeek(ctx, mv.AreaID, w))
	return w
}

// own is the call on the caller's own target: the /api/me routes are always the signed-in young person's.
func (m matrixCall) own() matrixCall { m.Target = targetOwn; return m }

func ownPlacementStaffOrYoungPerson(role heard.Role, target matrixTarget) bool {
	return target == targetOwn && heard.Can(role, heard.RolePlacementStaff, heard.RoleKeyWorker, heard.RoleYoungPerson)
}

// staffOrTheirBuddy: the week's placement staff, or the resident buddy of the week.
func staffOrTheirBuddy(role heard.Role, target matrixTarget) bool {
	return role == heard.RolePlacementStaff && target == targetOwn || role == heard.RoleYoungPerson && target == targetOtherCaseload
}

func init() {
	me := func(path string, body func(m matrixCall) any, prepare func(m matrixCall)) func(m matrixCall) (string, any) {
		return func(m matrixCall) (string, any) {
			if prepare != nil {
				prepare(m.own())
			}
			if body == nil {
				return path, nil
			}
			return path, body(m)
		}
	}
	active := func(m matrixCall) { matrixWeek(m, 2) }
	registerMatrix("GET /api/me/about-me", matrixEntry{Roles: youngPersonOnly, Need: needNothing})
	registerMatrix("PUT /api/me/about-me", matrixEntry{Roles: youngPersonOnly, Need: needNothing,
		Request: me("/api/me/about-me", func(m matrixCall) any {
			return heard.AboutMe{Languages: []string{"en"}, Interests: []string{"football", "music"}, HardDay: []string{"walk"},
				RatherNotWith: []string{}, PlacementMaySee: []heard.AboutMeField{heard.AboutMeInterests}, Note: fmt.Sprint("I like goals ", m.Seq)}
		}, nil)})
	registerMatrix("GET /api/me/buddy-week", matrixEntry{Roles: youngPersonOnly, Need: needNothing, Request: me("/api/me/buddy-week", nil, active)})
	registerMatrix("PUT /api/me/buddy-week/checkins/:day", matrixEntry{Roles: youngPersonOnly, Need: needNothing,
		Request: me("/api/me/buddy-week/checkins/2026-11-02", func(m matrixCall) any {
			return heard.BuddyCheckinAnswer{Rating: 1 + m.Seq%5, Words: fmt.Sprint("We played football ", m.Seq)}
		}, active)})
	registerMatrix("POST /api/me/buddy-week/requests", matrixEntry{Roles: youngPersonOnly, Need: needNothing,
		Request: me("/api/me/buddy-week/requests", func(m matrixCall) any { return heard.BuddyAsk{Kind: heard.BuddyAskLonger} }, active)})
	registerMatrix("PUT /api/me/buddy-week/rating", matrixEntry{Roles: youngPersonOnly, Need: needNothing,
		Request: me("/api/me/buddy-week/rating", func(m matrixCall) any { return heard.BuddyRatingAnswer{Rating: 4} }, func(m matrixCall) { matrixWeek(m, 10) })})
	registerMatrix("POST /api/me/buddy-consent/withdraw", matrixEntry{Roles: youngPersonOnly, Need: needNothing, OK: 204,
		Request: func(m matrixCall) (string, any) {
			m.Target = targetOtherCaseload // the caller is the resident buddy at Willow
			matrixBuddy(m)
			return "/api/me/buddy-consent/withdraw", nil
		}})

	moveBuddy := func(body bool) func(m matrixCall) (string, any) {
		return func(m matrixCall) (string, any) {
			matrixAboutMe(m)
			b := matrixBuddy(m)
			if !body {
				return "/api/moves/" + m.Move().ID + "/buddy", nil
			}
			return "/api/moves/" + m.Move().ID + "/buddy", heard.BuddyChoice{BuddyID: b.ID}
		}
	}
	moveAllowed := func(role heard.Role, target matrixTarget) bool {
		return target == targetOwn && heard.Can(role, moveBuddyRoles...)
	}
	registerMatrix("GET /api/moves/:id/buddy", matrixEntry{Roles: moveBuddyRoles, Allow: moveAllowed, Request: moveBuddy(false)})
	registerMatrix("PUT /api/moves/:id/buddy", matrixEntry{Roles: moveBuddyRoles, Allow: moveAllowed, Request: moveBuddy(true)})

	registerMatrix("GET /api/placement/buddies", matrixEntry{Roles: placementStaffOnly, Need: needNothing,
		Request: func(m matrixCall) (string, any) { matrixBuddy(m.own()); return "/api/placement/buddies", nil }})
	registerMatrix("POST /api/placement/buddies", matrixEntry{Roles: placementStaffOnly, Need: needNothing, OK: 201,
		Request: func(m matrixCall) (string, any) {
			return "/api/placement/buddies", heard.NewRosterBuddy{Kind: heard.BuddyStaff, FirstName: fmt.Sprint("Olu", m.Seq), AgeBand: heard.Age18Plus,
				Languages: []string{"en", "yo"}, Interests: []string{"cooking"}, Capacity: 2, ConsentGivenBy: "Olu"}
		}})
	buddyPath := func(suffix string, body any) func(m matrixCall) (string, any) {
		return func(m matrixCall) (string, any) { return "/api/placement/buddies/" + matrixBuddy(m).ID + suffix, body }
	}
	registerMatrix("PATCH /api/placement/buddies/:id", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement,
		Request: buddyPath("", map[string]any{"capacity": 2, "absences": []map[string]string{{"from": "2026-12-20", "to": "2026-12-27"}}})})
	registerMatrix("POST /api/placement/buddies/:id/withdraw", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement, Request: buddyPath("/withdraw", nil)})
	registerMatrix("PUT /api/placement/buddies/:id/photo", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement, Request: buddyPath("/photo", matrixJPEG)})
	registerMatrix("DELETE /api/placement/buddies/:id/photo", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement, OK: 204,
		Request: func(m matrixCall) (string, any) {
			return "/api/placement/buddies/" + matrixBuddyPhoto(m).ID + "/photo", nil
		}})
	registerMatrix("GET /api/buddies/:id/photo", matrixEntry{Roles: buddyPhotoRoles, Allow: func(role heard.Role, target matrixTarget) bool {
		return target == targetOwn && heard.Can(role, buddyPhotoRoles...)
	}, Request: func(m matrixCall) (string, any) {
		matrixWeek(m, 2)
		return "/api/buddies/" + matrixBuddyPhoto(m).ID + "/photo?size=320", nil
	}})
	registerMatrix("GET /api/placement/buddy-weeks", matrixEntry{Roles: placementStaffOnly, Need: needNothing,
		Request: func(m matrixCall) (string, any) { matrixWeek(m.own(), 2); return "/api/placement/buddy-weeks", nil }})
	registerMatrix("POST /api/buddy-weeks/:id/contacts", matrixEntry{Roles: buddyWeekRoles, Allow: staffOrTheirBuddy,
		Request: func(m matrixCall) (string, any) {
			return "/api/buddy-weeks/" + matrixWeek(m, 2).ID + "/contacts", heard.BuddyContact{Day: "2026-11-01"}
		}})
	registerMatrix("POST /api/buddy-weeks/:id/requests/:kind/handled", matrixEntry{Roles: placementStaffOnly, Allow: keepsPlacement,
		Request: func(m matrixCall) (string, any) {
			return "/api/buddy-weeks/" + matrixWeek(m, 2).ID + "/requests/longer/handled", nil
		}})
}

// TestBuddyFieldRules: what the buddy forms mean, beyond their types, is
// checked, each refusal naming the field, and nothing is changed.
func TestBuddyFieldRules(t *testing.T) {
	w := matrixWorld(t)
	a := w.A
	yp, oak := w.youngToken(a, a.YP1), w.tokenFor(a.OakStaff)
	own := matrixCall{W: w, Role: heard.RolePlacementStaff, Target: targetOwn}
	b := matrixBuddy(own)
	week := matrixWeek(own, 2)
	before := matrixSnapshot(t, w.store)
	good := heard.NewRosterBuddy{Kind: heard.BuddyResident, FirstName: "Amal", AgeBand: heard.Age13to15, Languages: []string{"ar"},
		Interests: []string{"music"}, Capacity: 1, ConsentGivenBy: "Amal and her social worker"}
	roster := func(change func(n *heard.NewRosterBuddy)) heard.NewRosterBuddy { n := good; change(&n); return n }
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		field, code               string
	}{
		{"an interest that is not a picture", "PUT", "/api/me/about-me", yp, map[string]any{"interests": []string{"knives"}, "placementMaySee": []string{}}, "interests", "picture_code"},
		{"a hard-day picture that is an interest", "PUT", "/api/me/about-me", yp, map[string]any{"hardDay": []string{"football"}}, "hardDay", "picture_code"},
		{"a language code with a space", "PUT", "/api/me/about-me", yp, map[string]any{"languages": []string{"e n"}}, "languages", "language_code"},
		{"seventeen languages", "PUT", "/api/me/about-me", yp, map[string]any{"languages": []string{"aa", "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj", "ak", "al", "am", "an", "ao", "ap", "aq"}}, "languages", "too_many"},
		{"a note of 281 characters", "PUT", "/api/me/about-me", yp, map[string]any{"note": fmt.Sprintf("%0281d", 0)}, "note", "length"},
		{"letting the placement see a made-up field", "PUT", "/api/me/about-me", yp, map[string]any{"placementMaySee": []string{"address"}}, "placementMaySee", "one_of"},
		{"an age band that does not exist", "PUT", "/api/me/about-me", yp, map[string]any{"ageBand": "12"}, "ageBand", "one_of"},
		{"capacity 0", "POST", "/api/placement/buddies", oak, roster(func(n *heard.NewRosterBuddy) { n.Capacity = 0 }), "capacity", "range"},
		{"capacity 4", "POST", "/api/placement/buddies", oak, roster(func(n *heard.NewRosterBuddy) { n.Capacity = 4 }), "capacity", "range"},
		{"consent given by nobody", "POST", "/api/placement/buddies", oak, roster(func(n *heard.NewRosterBuddy) { n.ConsentGivenBy = " " }), "consentGivenBy", "length"},
		{"a buddy of a kind that does not exist", "POST", "/api/placement/buddies", oak, roster(func(n *heard.NewRosterBuddy) { n.Kind = "parent" }), "kind", "one_of"},
		{"a resident who does not live here", "POST", "/api/placement/buddies", oak, roster(func(n *heard.NewRosterBuddy) { n.YoungPersonID = a.YP3.ID }), "youngPersonId", "not_resident"},
		{"a member of staff who is a young person", "POST", "/api/placement/buddies", oak, roster(func(n *heard.NewRosterBuddy) { n.Kind, n.YoungPersonID = heard.BuddyStaff, a.YP1.ID }), "youngPersonId", "resident_only"},
		{"an interest for a buddy that is not a picture", "POST", "/api/placement/buddies", oak, roster(func(n *heard.NewRosterBuddy) { n.Interests = []string{"vaping"} }), "interests", "picture_code"},
		{"days away as times", "PATCH", "/api/placement/buddies/" + b.ID, oak, map[string]any{"absences": []map[string]string{{"from": "2026-12-20T00:00:00Z", "to": "2026-12-21"}}}, "absences", "date_format"},
		{"days away that end before they start", "PATCH", "/api/placement/buddies/" + b.ID, oak, map[string]any{"absences": []map[string]string{{"from": "2026-12-21", "to": "2026-12-20"}}}, "absences", "range"},
		{"capacity 9 by a change", "PATCH", "/api/placement/buddies/" + b.ID, oak, map[string]any{"capacity": 9}, "capacity", "range"},
		{"a check-in of 6", "PUT", "/api/me/buddy-week/checkins/2026-11-02", yp, map[string]any{"rating": 6}, "rating", "range"},
		{"a check-in of 0", "PUT", "/api/me/buddy-week/checkins/2026-11-02", yp, map[string]any{"rating": 0}, "rating", "range"},
		{"a check-in for tomorrow", "PUT", "/api/me/buddy-week/checkins/2026-11-03", yp, map[string]any{"rating": 3}, "day", "not_in_week"},
		{"a check-in before the week", "PUT", "/api/me/buddy-week/checkins/2026-10-30", yp, map[string]any{"rating": 3}, "day", "not_in_week"},
		{"a check-in for a day that does not exist", "PUT", "/api/me/buddy-week/checkins/2026-02-30", yp, map[string]any{"rating": 3}, "day", "date_format"},
		{"asking for something else", "POST", "/api/me/buddy-week/requests", yp, map[string]any{"kind": "money"}, "kind", "one_of"},
		{"a contact on a day after today", "POST", "/api/buddy-weeks/" + week.ID + "/contacts", oak, map[string]any{"day": "2026-11-05"}, "day", "not_in_week"},
		{"a contact on 1 November written the US way", "POST", "/api/buddy-weeks/" + week.ID + "/contacts", oak, map[string]any{"day": "11/01/2026"}, "day", "date_format"},
		{"a buddy not on the roster", "PUT", "/api/moves/" + w.A.YP1.ID + "/buddy", oak, map[string]any{"buddyId": "x"}, "buddyId", "id_format"},
		{"a request handled of another kind", "POST", "/api/buddy-weeks/" + week.ID + "/requests/money/handled", oak, nil, "kind", "one_of"},
	} {
		r := w.call(tc.method, tc.path, tc.token, tc.body)
		if r.Status != 400 || r.Field(tc.field) != tc.code {
			t.Errorf("%s: want 400 %s=%s, got %d %s", tc.name, tc.field, tc.code, r.Status, r.Raw)
		}
	}
	// A rating before the week has ended, and a hostile "photo", are refused too.
	w.expect(w.call("PUT", "/api/me/buddy-week/rating", yp, map[string]any{"rating": 5}), 409, "buddy_week_running")
	for name, upload := range map[string][]byte{
		"HTML dressed as a photo": []byte("<html><script>alert(1)</script></html>"),
		"a truncated JPEG":        matrixJPEG[:len(matrixJPEG)/3],
		"an empty body":           {},
	} {
		r := w.validationSend(http.MethodPut, "/api/placement/buddies/"+b.ID+"/photo", oak, "image/jpeg", upload)
		if r.Status < 400 || r.Status >= 500 || r.ErrorCode() == "" {
			t.Errorf("%s: want a 4xx JSON error, got %d %s", name, r.Status, r.Raw)
		}
	}
	if d := matrixDiff(before, matrixSnapshot(t, w.store)); d != "" {
		t.Errorf("refused buddy requests changed %s", d)
	}
	// The same upload as a real photo is kept, and shown only while the buddy agrees.
	w.expect(w.validationSend(http.MethodPut, "/api/placement/buddies/"+b.ID+"/photo", oak, "image/jpeg", matrixJPEG), 200, "")
	w.expect(w.call(http.MethodGet, "/api/buddies/"+b.ID+"/photo", yp, nil), 200, "")
	w.expect(w.call(http.MethodPatch, "/api/placement/buddies/"+b.ID, oak, map[string]any{"photoAgreed": false}), 200, "")
	w.expect(w.call(http.MethodGet, "/api/buddies/"+b.ID+"/photo", yp, nil), 404, "not_found")
	r := w.call(http.MethodGet, "/api/me/buddy-week", yp, nil)
	if week, _ := r.Body["week"].(map[string]any); week == nil || week["buddy"].(map[string]any)["photoUrl"] != nil {
		t.Errorf("a photo no longer agreed to is still offered: %s", r.Raw)
	}
}

// TestBuddyKPIInExports: the buddy tiles are in the dashboard and in both
// exports next to the preparation KPI, with their names and the mean column.
func TestBuddyKPIInExports(t *testing.T) {
	w := newWorld(t)
	tok := w.tokenFor(w.A.Commish)
	r := w.call("GET", "/api/kpis", tok, nil)
	w.expect(r, 200, "")
	var ids []string
	for _, tl := range r.Body["tiles"].([]any) {
		ids = append(ids, tl.(map[string]any)["id"].(string))
	}
	want := []string{heard.TilePreviewOpened, heard.TileMoveNotice, heard.TileBuddyStarted, heard.TileBuddySevenDays, heard.TileBuddyRating, heard.TileBuddyRematch}
	if got := ids[len(ids)-len(want):]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the last tiles: %v, want %v", got, want)
	}
	r = w.call("GET", "/api/kpis/export.csv", tok, nil)
	w.expect(r, 200, "")
	for _, s := range []string{"buddy_started,,all,", "buddy_rating,5,all,", "A buddy for at least 7 days", ",mean\n"} {
		if !strings.Contains(string(r.Raw), s) {
			t.Errorf("the CSV lacks %q", s)
		}
	}
}
