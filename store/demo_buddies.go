package store

import (
	"context"
	"time"

	"heard"
)

// The demo's buddy week: Oak House has three volunteers (two residents and a
// member of staff), and Mia arrived there two days ago: she is on day 3 of
// her week with Amal, answered the first two evenings' check-ins, and staff
// logged one contact. The rest of her week's evenings and mornings are
// scheduled as the service schedules them, so the demo goes on by itself.
func (s *Store) seedDemoBuddies(ctx context.Context, area heard.Area, oak heard.Placement, mia heard.YoungPerson, keyWorker heard.Staff) error {
	now := s.now()
	consent := func(by string) heard.BuddyConsent {
		return heard.BuddyConsent{GivenBy: by, GivenAt: now.AddDate(0, -2, 0)}
	}
	roster := []heard.RosterBuddy{
		{ID: heard.NewID(), PlacementID: oak.ID, Kind: heard.BuddyResident, FirstName: "Amal", AgeBand: heard.Age13to15, Gender: "girl",
			Languages: []string{"en", "ar"}, Interests: []string{"football", "music", "drawing"}, Capacity: 1, Consent: consent("Amal and her social worker")},
		{ID: heard.NewID(), PlacementID: oak.ID, Kind: heard.BuddyResident, FirstName: "Tomi", AgeBand: heard.Age16to17, Gender: "boy",
			Languages: []string{"en", "yo"}, Interests: []string{"gaming", "cooking", "films"}, Capacity: 2, Consent: consent("Tomi and his social worker")},
		{ID: heard.NewID(), PlacementID: oak.ID, Kind: heard.BuddyStaff, FirstName: "Marcus", AgeBand: heard.Age18Plus,
			Languages: []string{"en"}, Interests: []string{"football", "sport", "cooking"}, Capacity: 3, Consent: consent("Marcus")},
	}
	for _, b := range roster {
		b.Absences = []heard.DayRange{}
		if err := s.AddRosterBuddy(ctx, area.ID, b); err != nil {
			return err
		}
	}
	if err := s.SetAboutMe(ctx, area.ID, mia.ID, heard.AboutMe{Languages: []string{"en", "ar"}, Interests: []string{"football", "music"},
		HardDay: []string{"music", "walk"}, RatherNotWith: []string{}, Note: "I like to be asked before people come into my room.",
		PlacementMaySee: []heard.AboutMeField{heard.AboutMeLanguages, heard.AboutMeInterests, heard.AboutMeHardDay}, AgeBand: heard.Age13to15}); err != nil {
		return err
	}
	today := area.Today(now)
	from := today.AddDate(0, 0, -2)
	arrived := now.Add(-48 * time.Hour)
	move := heard.Move{ID: heard.NewID(), AreaID: area.ID, YoungPersonID: mia.ID, PlacementID: oak.ID, Date: from, Status: heard.MoveArrived,
		CreatedBy: keyWorker.ID, CreatedAt: now.AddDate(0, 0, -20), SharedAt: &arrived, ChangedAt: &arrived}
	if err := s.CreateMove(ctx, move); err != nil {
		return err
	}
	if _, err := s.ChangeYoungPerson(ctx, area.ID, mia.ID, func(y *heard.YoungPerson) error {
		y.PlacementID = oak.ID
		return nil
	}); err != nil {
		return err
	}
	w := heard.NewBuddyWeek(move, roster[0].ID, keyWorker.ID, now.AddDate(0, 0, -7))
	day := func(n int) string { return from.AddDate(0, 0, n).Format(time.DateOnly) }
	w.Checkins = []heard.BuddyCheckin{{Day: day(0), Rating: 4, At: heard.AtAreaTime(area, from, 20)},
		{Day: day(1), Rating: 3, Words: "Amal showed me the park", Shared: true, At: heard.AtAreaTime(area, from.AddDate(0, 0, 1), 20)}}
	w.Contacts = []string{day(0)}
	w.Flags = []heard.BuddyFlag{{Day: day(1), Reason: heard.BuddyFlagNoContact}}
	if _, _, err := s.ChangeBuddyWeek(ctx, area.ID, w.ID, func(d *heard.BuddyWeekRecord, exists bool) (bool, error) {
		*d = w
		return !exists, nil
	}); err != nil {
		return err
	}
	if err := s.ListBuddyWeek(ctx, area.ID, w); err != nil {
		return err
	}
	var jobs []BuddyJob
	for i, d := range w.Days() {
		evening := heard.AtAreaTime(area, from.AddDate(0, 0, i), heard.BuddyCheckinHour)
		morning := heard.AtAreaTime(area, from.AddDate(0, 0, i+1), heard.BuddyReviewHour)
		if evening.After(now) {
			jobs = append(jobs, BuddyJob{ID: heard.BuddyJobID(w.ID, d, heard.BuddyJobCheckin), AreaID: area.ID, WeekID: w.ID, Day: d, Kind: heard.BuddyJobCheckin, DueAt: evening})
		}
		if morning.After(now) {
			jobs = append(jobs, BuddyJob{ID: heard.BuddyJobID(w.ID, d, heard.BuddyJobReview), AreaID: area.ID, WeekID: w.ID, Day: d, Kind: heard.BuddyJobReview, DueAt: morning})
		}
	}
	return s.AddBuddyJobs(ctx, jobs)
}
