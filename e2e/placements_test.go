package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"heard"
	"heard/testkit"
)

// demoPlacement is the demo placement a member of staff works at.
func demoPlacement(t *testing.T, h *heardServer, email string) heard.Placement {
	t.Helper()
	st := h.staffMember(t, email)
	pl, err := h.Store.Placement(context.Background(), st.AreaID, st.PlacementID)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// Placement staff keep their home's page and photos from a phone: they read
// the guidance, write the page, add a phone photo carrying its position and
// camera, caption it; what Heard keeps has none of that metadata.
func TestPlacementStaffKeepTheirPage(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	oak := demoPlacement(t, h, "oak@demo.heard")
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "oak@demo.heard")
	run(t, ctx, "home shows the placement's links",
		chromedp.WaitVisible("#placement-profile-link", chromedp.ByQuery),
		chromedp.WaitVisible("#placement-photos-link", chromedp.ByQuery))
	docScreenshot(t, ctx, "placements-home-en")

	run(t, ctx, "write the page",
		chromedp.Click("#placement-profile-link", chromedp.ByQuery),
		chromedp.WaitVisible("#profile-welcome", chromedp.ByQuery),
		adminFormsSet("#profile-welcome", ""),
		chromedp.SendKeys("#profile-welcome", "Hello! We're really looking forward to meeting you.", chromedp.ByQuery),
		chromedp.Click("#profile-person-add", chromedp.ByQuery),
		chromedp.WaitVisible("#profile-people li:last-child input", chromedp.ByQuery),
		chromedp.SendKeys("#profile-people li:last-child input", "Marcus", chromedp.ByQuery),
		chromedp.SendKeys("#profile-day", "School, then tea at half five.", chromedp.ByQuery))
	docScreenshot(t, ctx, "placements-profile-en")
	adminFormsNarrow(t, ctx, "the placement's page")
	run(t, ctx, "save the page",
		chromedp.Click("#profile-save", chromedp.ByQuery),
		waitText("#profile-message", "Saved"))
	prof, err := h.Store.PlacementProfile(context.Background(), oak.AreaID, oak.ID)
	if err != nil {
		t.Fatal(err)
	}
	if prof.Welcome != "Hello! We're really looking forward to meeting you." || prof.People[len(prof.People)-1].Name != "Marcus" {
		t.Fatalf("the page kept %+v", prof.PlacementProfileText)
	}

	photo := filepath.Join(t.TempDir(), "IMG_2041.jpg")
	if err := os.WriteFile(photo, testkit.PhoneJPEG(testkit.Halves(1200, 900), 6), 0o644); err != nil {
		t.Fatal(err)
	}
	before := len(prof.Photos)
	run(t, ctx, "add a photo",
		chromedp.Navigate(h.URL+"/#/placements/"+oak.ID+"/photos"),
		chromedp.WaitVisible("#photo-guidance", chromedp.ByQuery),
		chromedp.SetUploadFiles("#photo-file", []string{photo}, chromedp.ByQuery),
		adminFormsSelect("#photo-kind", "bedroom"),
		chromedp.SendKeys("#photo-caption", "Your room, with a desk by the window", chromedp.ByQuery),
		chromedp.Click("#photo-add-save", chromedp.ByQuery),
		waitText("#photos-status", "Photo added"),
		chromedp.Poll(`[...document.querySelectorAll('.photo-thumb')].some((i) => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0)`, nil))
	docScreenshot(t, ctx, "placements-photos-en")
	adminFormsNarrow(t, ctx, "the photos")
	prof, err = h.Store.PlacementProfile(context.Background(), oak.AreaID, oak.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(prof.Photos) != before+1 {
		t.Fatalf("%d photos, want %d", len(prof.Photos), before+1)
	}
	added := prof.Photos[len(prof.Photos)-1]
	if added.Caption != "Your room, with a desk by the window" || added.Width >= added.Height {
		t.Errorf("photo kept as %+v (a phone held upright is tall)", added)
	}
	for _, w := range added.Widths {
		b, err := h.Store.PhotoFile(context.Background(), oak.AreaID, oak.ID, added.ID, w)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte(testkit.TestCamera)) {
			t.Errorf("width %d keeps the photo's EXIF", w)
		}
	}

	last := `.photo-item[data-id="` + added.ID + `"]`
	run(t, ctx, "move the new photo first, change its caption, remove another",
		chromedp.Navigate(h.URL+"/#/placements/"+oak.ID+"/photos"),
		chromedp.WaitVisible(last, chromedp.ByQuery),
		chromedp.ActionFunc(func(c context.Context) error {
			// Tap "Move earlier" until it is first, waiting for the list each time.
			place := `[...document.querySelectorAll('.photo-item')].findIndex((li) => li.dataset.id === '` + added.ID + `')`
			for i := len(prof.Photos) - 1; i > 0; i-- {
				if err := chromedp.Run(c,
					chromedp.Evaluate(`document.querySelector('`+last+` .photo-up').click()`, nil),
					chromedp.Poll(place+` === `+strconv.Itoa(i-1), nil, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
					return err
				}
			}
			return nil
		}),
		chromedp.Poll(`document.querySelector('.photo-item').dataset.id === '`+added.ID+`'`, nil),
		adminFormsSet(last+" .photo-caption-form input", "Your room, sunny in the morning"),
		chromedp.Click(last+" .photo-caption-save", chromedp.ByQuery),
		waitText(last+" .photo-caption-form", "Caption saved"),
		chromedp.Click(".photo-item:last-child .photo-remove", chromedp.ByQuery),
		chromedp.Click(".photo-item:last-child .photo-remove-confirm", chromedp.ByQuery),
		waitText("#photos-status", "Photo removed"))
	after, err := h.Store.PlacementProfile(context.Background(), oak.AreaID, oak.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Photos) != len(prof.Photos)-1 || after.Photos[0].ID != added.ID || after.Photos[0].Caption != "Your room, sunny in the morning" {
		t.Errorf("photos after ordering, captioning and removing: %+v", after.Photos)
	}

	run(t, ctx, "the booklet: Heard's pages, changed, saved",
		chromedp.Navigate(h.URL+"/#/placements/"+oak.ID+"/booklet"),
		chromedp.WaitVisible("#booklet-template", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('.booklet-page-remove').forEach((b) => b.click())`, nil),
		chromedp.Click("#booklet-template", chromedp.ByQuery),
		chromedp.WaitVisible(".booklet-page input", chromedp.ByQuery),
		adminFormsSet(".booklet-page input", "What to expect at Oak House"),
		chromedp.Click("#booklet-save", chromedp.ByQuery),
		waitText("#booklet-message", "Saved"))
	docScreenshot(t, ctx, "placements-booklet-en")
	adminFormsNarrow(t, ctx, "the booklet")
	prof, err = h.Store.PlacementProfile(context.Background(), oak.AreaID, oak.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(prof.Booklet) != 5 || prof.Booklet[0].Title != "What to expect at Oak House" || prof.Booklet[1].Kind != "your_rights" || prof.Booklet[4].Lang != "en" {
		t.Errorf("the booklet kept: %+v", prof.Booklet)
	}

	adminFormsArabic(t, ctx, h, "/placements/"+oak.ID+"/photos")
	run(t, ctx, "the photos in Arabic", chromedp.WaitVisible("#photo-guidance", chromedp.ByQuery), chromedp.WaitVisible(".photo-thumb", chromedp.ByQuery))
	docScreenshot(t, ctx, "placements-photos-ar")
	run(t, ctx, "the page in Arabic", chromedp.Navigate(h.URL+"/#/placements/"+oak.ID+"/profile"), chromedp.WaitVisible("#profile-welcome", chromedp.ByQuery))
	docScreenshot(t, ctx, "placements-profile-ar")
	adminFormsNarrow(t, ctx, "the page in Arabic")
	run(t, ctx, "the booklet in Arabic", chromedp.Navigate(h.URL+"/#/placements/"+oak.ID+"/booklet"), chromedp.WaitVisible("#booklet-template", chromedp.ByQuery))
	docScreenshot(t, ctx, "placements-booklet-ar")
}

// The administrator sees every placement with who works there, renames one
// and moves a member of placement staff to it.
func TestAdministratorKeepsPlacements(t *testing.T) {
	chromiumPath(t)
	h := startHeard(t)
	oak := demoPlacement(t, h, "oak@demo.heard")
	chris := h.staffMember(t, "willow@demo.heard")
	ctx := newBrowser(t, "en-GB")
	signIn(t, ctx, h, "admin@demo.heard")
	row := `.placement-item[data-id="` + oak.ID + `"]`
	run(t, ctx, "open the placements",
		chromedp.Click("#admin-placements-link", chromedp.ByQuery),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		waitText(row+" .placement-staff", "Priya Shah"))
	docScreenshot(t, ctx, "placements-admin-en")
	adminFormsNarrow(t, ctx, "the placements")
	run(t, ctx, "rename Oak House",
		chromedp.Click(row+" .disclose", chromedp.ByQuery),
		adminFormsSet(row+" .placement-change-form input", "Oak House (Northside)"),
		chromedp.Click(row+" .placement-change-save", chromedp.ByQuery),
		waitText("#placements-status", "Oak House (Northside) has been changed"))
	run(t, ctx, "move Chris to Oak House",
		chromedp.WaitVisible(row+" .placement-staff-form select", chromedp.ByQuery),
		adminFormsSelect(row+" .placement-staff-form select", chris.ID),
		chromedp.Click(row+" .placement-staff-save", chromedp.ByQuery),
		waitText("#placements-status", "Chris Willow now works at"),
		waitText(row+" .placement-staff", "Chris Willow"))
	if st := h.staffMember(t, "willow@demo.heard"); st.PlacementID != oak.ID {
		t.Errorf("Chris works at %s, want Oak House", st.PlacementID)
	}
	adminFormsArabic(t, ctx, h, "/admin/placements")
	run(t, ctx, "the placements in Arabic", chromedp.WaitVisible(row, chromedp.ByQuery))
	docScreenshot(t, ctx, "placements-admin-ar")
	adminFormsNarrow(t, ctx, "the placements in Arabic")
}
