package store_test

import (
	"bytes"
	"image/jpeg"
	"testing"
	"time"

	"heard"
)

// The demo's placements have a page, photos and a booklet (Oak House also a
// PDF), and Jay's move to Oak House is shared, ten days ahead.
func TestDemoPlacementsAreReadyToSee(t *testing.T) {
	ctx, st := storeAt(t, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	if _, err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	priya, err := st.StaffByEmail(ctx, "oak@demo.heard")
	if err != nil {
		t.Fatal(err)
	}
	area := priya.AreaID
	places, err := st.Placements(ctx, area)
	if err != nil || len(places) != 2 {
		t.Fatalf("placements: %v %v", places, err)
	}
	for _, pl := range places {
		prof, err := st.PlacementProfile(ctx, area, pl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if prof.Welcome == "" || len(prof.People) == 0 || len(prof.Photos) < 2 || len(prof.Booklet) < 5 {
			t.Errorf("%s: welcome %q, %d people, %d photos, %d pages", pl.Name, prof.Welcome, len(prof.People), len(prof.Photos), len(prof.Booklet))
		}
		for _, ph := range prof.Photos {
			b, err := st.PhotoFile(ctx, area, pl.ID, ph.ID, ph.Widths[len(ph.Widths)-1])
			if err != nil {
				t.Fatal(err)
			}
			if img, err := jpeg.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() != ph.Width {
				t.Errorf("%s: photo %q does not decode at its width: %v", pl.Name, ph.Caption, err)
			}
		}
		if pl.ID == priya.PlacementID {
			pdf, err := st.BookletPDF(ctx, area, pl.ID)
			if err != nil || prof.PDF == nil || heard.CheckPDF(pdf) != nil || prof.PDF.Bytes != len(pdf) {
				t.Errorf("Oak House's PDF: %v %v", err, heard.CheckPDF(pdf))
			}
		}
	}
	people, err := st.YoungPeopleInArea(ctx, area)
	if err != nil {
		t.Fatal(err)
	}
	shared := 0
	for _, y := range people {
		moves, err := st.MovesOf(ctx, area, y.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range moves {
			if y.FirstName == "Jay" && m.Status == heard.MoveShared && m.PlacementID == priya.PlacementID && m.Date.Format(time.DateOnly) == "2026-11-12" && m.Day != nil {
				shared++
			}
		}
	}
	if shared != 1 {
		t.Errorf("Jay's shared move in ten days: %d", shared)
	}
}
