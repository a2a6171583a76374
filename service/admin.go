package service

import (
	"context"
	"errors"
	"strings"

	"heard"
	"heard/i18n"
)

var _ heard.AdminService = (*Service)(nil)

// administrator refuses anyone who does not administer their area.
func administrator(p heard.Principal) error {
	if !heard.CanAdminister(p) {
		return heard.ErrForbidden
	}
	return nil
}

// Teams lists the area's teams.
func (s *Service) Teams(ctx context.Context, p heard.Principal) ([]heard.Team, error) {
	if err := administrator(p); err != nil {
		return nil, err
	}
	return s.store.Teams(ctx, p.AreaID)
}

// AddTeam adds a team; a name already used in the area is a conflict.
func (s *Service) AddTeam(ctx context.Context, p heard.Principal, n heard.NewTeam) (heard.Team, error) {
	if err := administrator(p); err != nil {
		return heard.Team{}, err
	}
	if errs := n.Validate(); len(errs) > 0 {
		return heard.Team{}, heard.Invalid(errs)
	}
	t := heard.Team{ID: p.NewIDFor("team"), AreaID: p.AreaID, Name: strings.TrimSpace(n.Name), Service: n.Service, CreatedAt: s.now()}
	err := s.store.CreateTeam(ctx, t)
	if made, ok := madeBefore(p, err, func() (heard.Team, error) { return s.store.Team(ctx, p.AreaID, t.ID) }); ok {
		return made, nil
	}
	return t, err
}

// StaffAccounts lists the area's staff accounts with their teams' names.
func (s *Service) StaffAccounts(ctx context.Context, p heard.Principal) ([]heard.StaffView, error) {
	if err := administrator(p); err != nil {
		return nil, err
	}
	staff, err := s.store.StaffList(ctx, p.AreaID)
	if err != nil {
		return nil, err
	}
	teams, err := s.store.Teams(ctx, p.AreaID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	out := make([]heard.StaffView, 0, len(staff))
	for _, st := range staff {
		out = append(out, heard.NewStaffView(st, names[st.TeamID]))
	}
	return out, nil
}

// staffRefs checks the team and placement a staff account refers to are the
// area's, and that placement staff have a placement. It returns the team's name.
func (s *Service) staffRefs(ctx context.Context, area string, st heard.Staff) (string, error) {
	errs := map[string]string{}
	teamName := ""
	if st.TeamID != "" {
		t, err := s.store.Team(ctx, area, st.TeamID)
		switch {
		case errors.Is(err, heard.ErrNotFound):
			errs["teamId"] = "unknown"
		case err != nil:
			return "", err
		}
		teamName = t.Name
	}
	if heard.PlacementRequired(st.Role) && st.PlacementID == "" {
		errs["placementId"] = "required"
	}
	if st.PlacementID != "" {
		_, err := s.store.Placement(ctx, area, st.PlacementID)
		switch {
		case errors.Is(err, heard.ErrNotFound):
			errs["placementId"] = "unknown"
		case err != nil:
			return "", err
		}
	}
	if len(errs) > 0 {
		return "", heard.Invalid(errs)
	}
	return teamName, nil
}

var errEmailTaken = &heard.Problem{Kind: heard.ErrConflict, Code: "email_taken", Message: "An account with this email already exists.",
	Fields: map[string]string{"email": "taken"}}

// AddStaff adds a staff account with a first password, working the default hours.
func (s *Service) AddStaff(ctx context.Context, p heard.Principal, n heard.NewStaff) (heard.StaffView, error) {
	if err := administrator(p); err != nil {
		return heard.StaffView{}, err
	}
	if n.Language == "" {
		n.Language = i18n.Default
	}
	if errs := n.Validate(i18n.Supported); len(errs) > 0 {
		return heard.StaffView{}, heard.Invalid(errs)
	}
	st := n.Staff(p.NewIDFor("staff"), p.AreaID, s.now())
	teamName, err := s.staffRefs(ctx, p.AreaID, st)
	if err != nil {
		return heard.StaffView{}, err
	}
	err = s.store.CreateStaff(ctx, st)
	if made, ok := madeBefore(p, err, func() (heard.Staff, error) { return s.store.StaffMember(ctx, p.AreaID, st.ID) }); ok {
		return heard.NewStaffView(made, teamName), nil
	}
	if errors.Is(err, heard.ErrConflict) {
		return heard.StaffView{}, errEmailTaken
	} else if err != nil {
		return heard.StaffView{}, err
	}
	return heard.NewStaffView(st, teamName), nil
}

// ChangeStaff changes a staff account by one exact write, checking the rules
// (heard.StaffChange.Apply) against the account as it is at that write. A
// disabled account's sessions end with it: signing in and every token refuse it.
func (s *Service) ChangeStaff(ctx context.Context, p heard.Principal, id string, c heard.StaffChange) (heard.StaffView, error) {
	if err := administrator(p); err != nil {
		return heard.StaffView{}, err
	}
	if !heard.ValidID(id) {
		return heard.StaffView{}, heard.ErrNotFound
	}
	st, err := s.store.StaffMember(ctx, p.AreaID, id)
	if err != nil {
		return heard.StaffView{}, err
	}
	trustBefore := st.Trust
	if errs := c.Apply(p, &st); len(errs) > 0 {
		return heard.StaffView{}, heard.Invalid(errs)
	}
	// Teams and placements are never removed, so the ones checked here stay valid.
	teamName, err := s.staffRefs(ctx, p.AreaID, st)
	if err != nil {
		return heard.StaffView{}, err
	}
	changed, err := s.store.ChangeStaff(ctx, p.AreaID, id, func(st *heard.Staff) error {
		if errs := c.Apply(p, st); len(errs) > 0 {
			return heard.Invalid(errs)
		}
		if heard.PlacementRequired(st.Role) && st.PlacementID == "" {
			return heard.Invalid(map[string]string{"placementId": "required"})
		}
		return nil
	})
	if err != nil {
		return heard.StaffView{}, err
	}
	if changed.TeamID != st.TeamID { // changed meanwhile by someone else too
		t, err := s.store.Team(ctx, p.AreaID, changed.TeamID)
		if err != nil && !errors.Is(err, heard.ErrNotFound) {
			return heard.StaffView{}, err
		}
		teamName = t.Name
	}
	if changed.Trust != trustBefore {
		// A new role or an account turned off: the sessions it ended are told
		// nothing more, and the audit log says who did it.
		if err := s.store.DeleteOwnerSubscriptions(ctx, p.AreaID, id, ""); err != nil {
			return heard.StaffView{}, err
		}
		audit := auditEntry(p, "staff_sessions_ended", "")
		audit.StaffID = id
		if err := s.store.Audit(ctx, audit); err != nil {
			return heard.StaffView{}, err
		}
	}
	if changed.Disabled {
		s.log.Info("staff account disabled", "requestId", p.RequestID, "staffId", id)
	}
	return heard.NewStaffView(changed, teamName), nil
}

var errOwnPasswordReset = heard.Invalid(map[string]string{"id": "own_account"})

// ResetStaffPassword gives another staff account of the area a one-time reset
// code (heard.Staff.ResetPassword) and writes it to the audit log.
// Administrators change their own password in Settings instead.
func (s *Service) ResetStaffPassword(ctx context.Context, p heard.Principal, id string) (heard.PasswordResetIssued, error) {
	if err := administrator(p); err != nil {
		return heard.PasswordResetIssued{}, err
	}
	if !heard.ValidID(id) {
		return heard.PasswordResetIssued{}, heard.ErrNotFound
	}
	if id == p.ID {
		return heard.PasswordResetIssued{}, errOwnPasswordReset
	}
	if _, err := s.store.StaffMember(ctx, p.AreaID, id); err != nil {
		return heard.PasswordResetIssued{}, err
	}
	code := heard.NewPasswordResetCode()
	st, err := s.store.ResetStaffPassword(ctx, p.AreaID, id, code)
	if err != nil {
		return heard.PasswordResetIssued{}, err
	}
	if err := s.store.DeleteOwnerSubscriptions(ctx, p.AreaID, id, ""); err != nil {
		return heard.PasswordResetIssued{}, err
	}
	audit := auditEntry(p, "staff_password_reset", "")
	audit.StaffID = id
	if err := s.store.Audit(ctx, audit); err != nil {
		return heard.PasswordResetIssued{}, err
	}
	return heard.PasswordResetIssued{StaffID: id, Code: code, ExpiresAt: st.PasswordReset.ExpiresAt}, nil
}

// AssignKeyWorker makes a key worker responsible for a young person from now.
//
// One exact write of the young person's document decides the change (the
// current assignment ends, the new one begins, the audit entry it owes is
// noted), so two changes at once leave one key worker; the intent recorded
// first lets a retry or the background worker write what follows (the
// history, both caseloads, the audit log) should this request fail part way.
func (s *Service) AssignKeyWorker(ctx context.Context, p heard.Principal, n heard.NewAssignment) (heard.Assignment, error) {
	if err := administrator(p); err != nil {
		return heard.Assignment{}, err
	}
	if errs := n.Validate(); len(errs) > 0 {
		return heard.Assignment{}, heard.Invalid(errs)
	}
	errs := map[string]string{}
	if _, err := s.store.YoungPerson(ctx, p.AreaID, n.YoungPersonID); errors.Is(err, heard.ErrNotFound) {
		errs["youngPersonId"] = "unknown"
	} else if err != nil {
		return heard.Assignment{}, err
	}
	if st, err := s.store.StaffMember(ctx, p.AreaID, n.StaffID); errors.Is(err, heard.ErrNotFound) || err == nil && !heard.CanBeKeyWorker(st) {
		errs["staffId"] = "not_a_key_worker"
	} else if err != nil {
		return heard.Assignment{}, err
	}
	if len(errs) > 0 {
		return heard.Assignment{}, heard.Invalid(errs)
	}
	current, err := s.store.CurrentAssignment(ctx, p.AreaID, n.YoungPersonID)
	switch {
	case err == nil && current.StaffID == n.StaffID:
		// Already theirs (perhaps a retry): finish whatever is left, change nothing.
		return current, s.store.WriteKeyWorkers(ctx, p.AreaID, n.YoungPersonID)
	case err != nil && !errors.Is(err, heard.ErrNotFound):
		return heard.Assignment{}, err
	}
	assignmentID := heard.NewID()
	subject := keyWorkersSubject(n.YoungPersonID, assignmentID)
	if err := s.store.BeginIntent(ctx, p.AreaID, intentKeyWorkers, subject, s.instance, s.lease); err != nil {
		return heard.Assignment{}, err
	}
	audit := auditEntry(p, "key_worker_assigned", n.YoungPersonID)
	audit.ID = auditID(audit.Action, assignmentID)
	a, _, err := s.store.AssignKeyWorker(ctx, p.AreaID, n.YoungPersonID, n.StaffID, assignmentID, &audit)
	if err != nil {
		return heard.Assignment{}, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	if err := s.completeKeyWorkers(fctx, p.AreaID, subject); err != nil {
		return heard.Assignment{}, err
	}
	return a, nil
}

// DutyRota lists the duty shifts overlapping [from, to).
func (s *Service) DutyRota(ctx context.Context, p heard.Principal, from, to string) ([]heard.DutyShift, error) {
	if err := administrator(p); err != nil {
		return nil, err
	}
	start, end, errs := heard.DutyRotaWindow(from, to, s.clock.Now())
	if len(errs) > 0 {
		return nil, heard.Invalid(errs)
	}
	return s.store.DutyRota(ctx, p.AreaID, start, end)
}

// AddDutyShift puts someone who may be on duty (heard.CanBeOnDuty) on the rota.
func (s *Service) AddDutyShift(ctx context.Context, p heard.Principal, n heard.NewDutyShift) (heard.DutyShift, error) {
	if err := administrator(p); err != nil {
		return heard.DutyShift{}, err
	}
	if errs := n.Validate(); len(errs) > 0 {
		return heard.DutyShift{}, heard.Invalid(errs)
	}
	st, err := s.store.StaffMember(ctx, p.AreaID, n.StaffID)
	if errors.Is(err, heard.ErrNotFound) || err == nil && !heard.CanBeOnDuty(st) {
		return heard.DutyShift{}, heard.Invalid(map[string]string{"staffId": "cannot_be_on_duty"})
	}
	if err != nil {
		return heard.DutyShift{}, err
	}
	d := heard.DutyShift{ID: p.NewIDFor("duty-shift"), AreaID: p.AreaID, StaffID: st.ID, Start: n.Start.UTC(), End: n.End.UTC()}
	err = s.store.AddDutyShift(ctx, d)
	if made, ok := madeBefore(p, err, func() (heard.DutyShift, error) { return s.store.DutyShift(ctx, p.AreaID, d.ID) }); ok {
		return made, nil
	}
	return d, err
}

// RemoveDutyShift removes a shift from the rota.
func (s *Service) RemoveDutyShift(ctx context.Context, p heard.Principal, id string) error {
	if err := administrator(p); err != nil {
		return err
	}
	if !heard.ValidID(id) {
		return heard.ErrNotFound
	}
	return s.store.DeleteDutyShift(ctx, p.AreaID, id)
}

// AreaSettings shows the area's escalation limits, crisis contacts and languages.
func (s *Service) AreaSettings(ctx context.Context, p heard.Principal) (heard.AreaSettings, error) {
	if err := administrator(p); err != nil {
		return heard.AreaSettings{}, err
	}
	a, err := s.store.Area(ctx, p.AreaID)
	if err != nil {
		return heard.AreaSettings{}, err
	}
	return heard.NewAreaSettings(a), nil
}

// ChangeAreaSettings changes the area's escalation limits, crisis contacts,
// languages and (unless empty) name. Alerts raised before keep the limits
// they were raised with.
func (s *Service) ChangeAreaSettings(ctx context.Context, p heard.Principal, n heard.AreaSettings) (heard.AreaSettings, error) {
	if err := administrator(p); err != nil {
		return heard.AreaSettings{}, err
	}
	if errs := n.Validate(i18n.Supported); len(errs) > 0 {
		return heard.AreaSettings{}, heard.Invalid(errs)
	}
	if err := s.store.UpdateAreaSettings(ctx, p.AreaID, strings.TrimSpace(n.Name), n.Escalation(), n.CrisisContacts, n.Languages); err != nil {
		return heard.AreaSettings{}, err
	}
	if n.RetentionDays != nil {
		if err := s.store.SetAreaRetention(ctx, p.AreaID, *n.RetentionDays); err != nil {
			return heard.AreaSettings{}, err
		}
	}
	return s.AreaSettings(ctx, p)
}

// AuditLog lists the area's latest audit entries, newest first, naming the young people.
func (s *Service) AuditLog(ctx context.Context, p heard.Principal) ([]heard.AuditView, error) {
	if err := administrator(p); err != nil {
		return nil, err
	}
	entries, err := s.store.AuditLog(ctx, p.AreaID, heard.AuditLogLength)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]heard.AuditView, 0, len(entries))
	for _, e := range entries {
		v := heard.AuditView{AuditEntry: e}
		if e.YoungPersonID != "" {
			name, seen := names[e.YoungPersonID]
			if !seen {
				y, err := s.store.YoungPerson(ctx, p.AreaID, e.YoungPersonID)
				if err != nil && !errors.Is(err, heard.ErrNotFound) {
					return nil, err
				}
				name = y.FirstName
				names[e.YoungPersonID] = name
			}
			v.YoungPersonName = name
		}
		if e.StaffID != "" {
			name, seen := names["staff:"+e.StaffID]
			if !seen {
				st, err := s.store.StaffMember(ctx, p.AreaID, e.StaffID)
				if err != nil && !errors.Is(err, heard.ErrNotFound) {
					return nil, err
				}
				name = st.Name
				names["staff:"+e.StaffID] = name
			}
			v.StaffName = name
		}
		out = append(out, v)
	}
	return out, nil
}

// Placements lists the area's placements.
func (s *Service) Placements(ctx context.Context, p heard.Principal) ([]heard.Placement, error) {
	if err := administrator(p); err != nil {
		return nil, err
	}
	return s.store.Placements(ctx, p.AreaID)
}

// AddPlacement adds a placement.
func (s *Service) AddPlacement(ctx context.Context, p heard.Principal, n heard.NewPlacement) (heard.Placement, error) {
	if err := administrator(p); err != nil {
		return heard.Placement{}, err
	}
	if errs := n.Validate(); len(errs) > 0 {
		return heard.Placement{}, heard.Invalid(errs)
	}
	pl := heard.Placement{ID: p.NewIDFor("placement"), AreaID: p.AreaID, Name: strings.TrimSpace(n.Name), Type: n.Type, CreatedAt: s.now()}
	err := s.store.CreatePlacement(ctx, pl)
	if made, ok := madeBefore(p, err, func() (heard.Placement, error) { return s.store.Placement(ctx, p.AreaID, pl.ID) }); ok {
		return made, nil
	}
	return pl, err
}
