package store_test

import (
	"testing"
	"time"

	"heard"
)

// TestBuddyRosterAndWeeksReadBack: a volunteer and a week are read back by
// their ids and through their placement's and young person's read models.
func TestBuddyRosterAndWeeksReadBack(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, pl, yp := heard.NewID(), heard.NewID(), heard.NewID()
	b := heard.RosterBuddy{ID: heard.NewID(), PlacementID: pl, Kind: heard.BuddyResident, FirstName: "Amal", AgeBand: heard.Age13to15,
		Languages: []string{"en"}, Capacity: 2, YoungPersonID: yp, Consent: heard.BuddyConsent{GivenBy: "Amal", GivenAt: now}}
	if err := st.AddRosterBuddy(ctx, area, b); err != nil {
		t.Fatal(err)
	}
	if got, err := st.RosterBuddy(ctx, area, b.ID); err != nil || got.FirstName != "Amal" || got.Capacity != 2 {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if _, err := st.RosterBuddy(ctx, heard.NewID(), b.ID); err != heard.ErrNotFound {
		t.Fatalf("another area's read: %v", err)
	}
	if list, err := st.RosterOf(ctx, area, pl); err != nil || len(list) != 1 {
		t.Fatalf("roster %v, %v", list, err)
	}
	if list, err := st.RosterEntriesOf(ctx, area, yp); err != nil || len(list) != 1 {
		t.Fatalf("entries %v, %v", list, err)
	}
	m := heard.Move{ID: heard.NewID(), AreaID: area, YoungPersonID: heard.NewID(), PlacementID: pl, Date: now, Status: heard.MoveArrived}
	w, changed, err := st.ChangeBuddyWeek(ctx, area, heard.BuddyWeekID(m.ID), func(w *heard.BuddyWeekRecord, exists bool) (bool, error) {
		*w = heard.NewBuddyWeek(m, b.ID, "kw", now)
		return !exists, nil
	})
	if err != nil || !changed || w.AreaID != area {
		t.Fatalf("week %+v %v %v", w, changed, err)
	}
	if err := st.ListBuddyWeek(ctx, area, w); err != nil {
		t.Fatal(err)
	}
	if got, err := st.CurrentBuddyWeek(ctx, area, m.YoungPersonID); err != nil || got.BuddyID != b.ID || !got.From.Equal(w.From) {
		t.Fatalf("current week %+v, %v", got, err)
	}
	if weeks, err := st.BuddyWeeksAt(ctx, area, pl); err != nil || len(weeks) != 1 {
		t.Fatalf("weeks %v, %v", weeks, err)
	}
	if err := st.RemoveBuddyWeek(ctx, area, w); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CurrentBuddyWeek(ctx, area, m.YoungPersonID); err != heard.ErrNotFound {
		t.Fatalf("a removed week is still current: %v", err)
	}
}

// TestBuddyWeekListsKeepTheLatestAndLetGoOfOldWeeks: a young person's
// current week is the one that begins last, whichever was listed last; a
// placement's list lets go of weeks over long before a new one begins.
func TestBuddyWeekListsKeepTheLatestAndLetGoOfOldWeeks(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ctx, st := storeAt(t, now)
	area, pl, yp := heard.NewID(), heard.NewID(), heard.NewID()
	week := func(daysAgo int) heard.BuddyWeekRecord {
		m := heard.Move{ID: heard.NewID(), AreaID: area, YoungPersonID: yp, PlacementID: pl, Date: now.AddDate(0, 0, -daysAgo)}
		w, _, err := st.ChangeBuddyWeek(ctx, area, heard.BuddyWeekID(m.ID), func(w *heard.BuddyWeekRecord, exists bool) (bool, error) {
			*w = heard.NewBuddyWeek(m, "b", "kw", now)
			return true, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	old, recent := week(200), week(3)
	for _, w := range []heard.BuddyWeekRecord{recent, old} { // the older one listed last (a retry)
		if err := st.ListBuddyWeek(ctx, area, w); err != nil {
			t.Fatal(err)
		}
	}
	if cur, err := st.CurrentBuddyWeek(ctx, area, yp); err != nil || cur.ID != recent.ID {
		t.Errorf("current week %s, want the recent one: %v", cur.ID, err)
	}
	weeks, err := st.BuddyWeeksAt(ctx, area, pl)
	if err != nil {
		t.Fatal(err)
	}
	if len(weeks) != 1 || weeks[0].ID != recent.ID {
		t.Errorf("placement lists %d weeks", len(weeks))
	}
	if _, err := st.BuddyWeek(ctx, area, old.ID); err != nil {
		t.Errorf("an old week is still readable by its id: %v", err)
	}
}
