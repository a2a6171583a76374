package service

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"heard"
	"heard/i18n"
)

var _ heard.PeopleService = (*Service)(nil)

// intentKeyWorkers is the workflow of adding a young person or changing their
// key worker. Its subject is "<young person>/<assignment>", one intent per
// change, so that one change's end never ends another's.
const intentKeyWorkers = "key_workers"

func keyWorkersSubject(youngPersonID, assignmentID string) string {
	return youngPersonID + "/" + assignmentID
}

// auditID makes an audit entry's id from what it records, so a workflow
// finished twice writes it once.
func auditID(action, subject string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("heard:audit:"+action+":"+subject)).String()
}

// youngPersonFor loads a young person and applies heard.YoungPersonAccess.
// Another area's or an unknown id is "not found"; a young person of the area
// without a relationship is "forbidden". A staff read with an action is
// written to the audit log.
func (s *Service) youngPersonFor(ctx context.Context, p heard.Principal, id string, need heard.Access, action string) (heard.YoungPerson, error) {
	if !heard.ValidID(id) {
		return heard.YoungPerson{}, heard.ErrNotFound
	}
	y, err := s.store.YoungPerson(ctx, p.AreaID, id)
	if err != nil {
		return y, err
	}
	rel, err := s.store.Relation(ctx, p, id)
	if err != nil {
		return y, err
	}
	if heard.YoungPersonAccess(p, y, rel) < need {
		return y, heard.ErrForbidden
	}
	if p.Role.IsStaff() && action != "" {
		if err := s.store.Audit(ctx, auditEntry(p, action, y.ID)); err != nil {
			return y, err
		}
	}
	return y, nil
}

// keyWorkerOnly narrows an action to the young person's own key worker.
func (s *Service) keyWorkerOnly(ctx context.Context, p heard.Principal, id, action string) (heard.YoungPerson, error) {
	y, err := s.youngPersonFor(ctx, p, id, heard.AccessRecord, "")
	if err != nil {
		return y, err
	}
	ok, err := s.store.IsKeyWorker(ctx, p.AreaID, p.ID, y.ID)
	if err != nil {
		return y, err
	}
	if !ok || p.Role != heard.RoleKeyWorker {
		return y, heard.ErrForbidden
	}
	if action != "" {
		if err := s.store.Audit(ctx, auditEntry(p, action, y.ID)); err != nil {
			return y, err
		}
	}
	return y, nil
}

// staffNames reads staff accounts by _id, each once.
type staffNames struct {
	s     *Service
	area  string
	known map[string]*heard.Staff
}

func (s *Service) staffNames(area string) *staffNames {
	return &staffNames{s: s, area: area, known: map[string]*heard.Staff{}}
}

// get returns the account, or nil when there is none.
func (n *staffNames) get(ctx context.Context, id string) (*heard.Staff, error) {
	if st, ok := n.known[id]; ok {
		return st, nil
	}
	st, err := n.s.store.StaffMember(ctx, n.area, id)
	if errors.Is(err, heard.ErrNotFound) {
		n.known[id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	n.known[id] = &st
	return &st, nil
}

// view shows a young person with their key worker now (one read by _id each).
func (s *Service) youngPersonView(ctx context.Context, y heard.YoungPerson, names *staffNames) (heard.YoungPersonView, error) {
	a, err := s.store.CurrentAssignment(ctx, y.AreaID, y.ID)
	if errors.Is(err, heard.ErrNotFound) {
		return heard.NewYoungPersonView(y, nil), nil
	}
	if err != nil {
		return heard.YoungPersonView{}, err
	}
	st, err := names.get(ctx, a.StaffID)
	if err != nil {
		return heard.YoungPersonView{}, err
	}
	return heard.NewYoungPersonView(y, st), nil
}

// YoungPeople lists a key worker's caseload, a team manager's team or an
// administrator's area. Duty workers see young people only through the alerts
// escalated to them.
func (s *Service) YoungPeople(ctx context.Context, p heard.Principal) ([]heard.YoungPersonView, error) {
	var people []heard.YoungPerson
	var err error
	switch p.Role {
	case heard.RoleKeyWorker:
		var ids []string
		if ids, err = s.store.Caseload(ctx, p.AreaID, p.ID); err == nil {
			people, err = s.store.YoungPeople(ctx, p.AreaID, ids)
		}
	case heard.RoleTeamManager:
		people, err = s.store.YoungPeopleInTeam(ctx, p.AreaID, p.TeamID)
	case heard.RoleAdministrator:
		people, err = s.store.YoungPeopleInArea(ctx, p.AreaID)
	case heard.RoleDutyWorker:
	default:
		return nil, heard.ErrForbidden
	}
	if err != nil {
		return nil, err
	}
	names := s.staffNames(p.AreaID)
	out := make([]heard.YoungPersonView, 0, len(people))
	for _, y := range people {
		v, err := s.youngPersonView(ctx, y, names)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// AddYoungPerson adds a young person and, when one is named, their key
// worker. One write stores the young person with their key worker and the
// audit entry the adding owes; the rest (the history, the caseload, the audit
// log) follows from it, finished by the background worker if this request
// fails part way.
func (s *Service) AddYoungPerson(ctx context.Context, p heard.Principal, n heard.NewYoungPerson) (heard.YoungPersonView, error) {
	if !heard.Can(p.Role, heard.RoleKeyWorker, heard.RoleAdministrator) {
		return heard.YoungPersonView{}, heard.ErrForbidden
	}
	n, errs := n.For(p)
	if len(errs) > 0 {
		return heard.YoungPersonView{}, heard.Invalid(errs)
	}
	if n.Language == "" {
		n.Language = i18n.Default
	}
	if errs := n.Validate(i18n.Supported); len(errs) > 0 {
		return heard.YoungPersonView{}, heard.Invalid(errs)
	}
	team, err := s.store.Team(ctx, p.AreaID, n.TeamID)
	if errors.Is(err, heard.ErrNotFound) {
		return heard.YoungPersonView{}, heard.Invalid(map[string]string{"teamId": "unknown"})
	}
	if err != nil {
		return heard.YoungPersonView{}, err
	}
	var keyWorker *heard.Staff
	if n.KeyWorkerID != "" {
		kw, err := s.store.StaffMember(ctx, p.AreaID, n.KeyWorkerID)
		if errors.Is(err, heard.ErrNotFound) || err == nil && !heard.CanBeKeyWorker(kw) {
			return heard.YoungPersonView{}, heard.Invalid(map[string]string{"keyWorkerId": "unknown"})
		}
		if err != nil {
			return heard.YoungPersonView{}, err
		}
		keyWorker = &kw
	}
	y := heard.YoungPerson{ID: p.NewIDFor("young-person"), AreaID: p.AreaID, FirstName: strings.TrimSpace(n.FirstName),
		PreferredName: strings.TrimSpace(n.PreferredName), Language: n.Language, TeamID: team.ID, Service: team.Service, CreatedAt: s.now()}
	staffID, assignmentID := "", ""
	if keyWorker != nil {
		staffID, assignmentID = keyWorker.ID, p.NewIDFor("assignment")
	}
	subject := keyWorkersSubject(y.ID, y.ID)
	if err := s.store.BeginIntent(ctx, y.AreaID, intentKeyWorkers, subject, s.instance, s.lease); err != nil {
		return heard.YoungPersonView{}, err
	}
	added := auditEntry(p, "young_person_added", y.ID)
	added.ID = auditID(added.Action, y.ID)
	err = s.store.InsertYoungPerson(ctx, y, staffID, assignmentID, []heard.AuditEntry{added})
	if made, ok := madeBefore(p, err, func() (heard.YoungPerson, error) { return s.store.YoungPerson(ctx, p.AreaID, y.ID) }); ok {
		y = made // finished below, as the first run would have
	} else if err != nil {
		return heard.YoungPersonView{}, err
	}
	fctx, cancel := s.finishing(ctx)
	defer cancel()
	if err := s.completeKeyWorkers(fctx, y.AreaID, subject); err != nil {
		return heard.YoungPersonView{}, err
	}
	return heard.NewYoungPersonView(y, keyWorker), nil
}

// CompleteKeyWorkers writes what follows from a young person's key workers:
// the history, the caseloads and the audit entries the changes owe.
func (s *Service) CompleteKeyWorkers(ctx context.Context, areaID, youngPersonID string) error {
	return s.store.WriteKeyWorkers(ctx, areaID, youngPersonID)
}

// completeKeyWorkers finishes one change's workflow and removes its intent.
func (s *Service) completeKeyWorkers(ctx context.Context, areaID, subject string) error {
	youngPersonID, _, _ := strings.Cut(subject, "/")
	if err := s.CompleteKeyWorkers(ctx, areaID, youngPersonID); err != nil {
		return err
	}
	return s.store.EndIntent(ctx, intentKeyWorkers, subject)
}

// YoungPerson shows one young person's record (staff reads are audit-logged).
func (s *Service) YoungPerson(ctx context.Context, p heard.Principal, id string) (heard.YoungPersonView, error) {
	y, err := s.youngPersonFor(ctx, p, id, heard.AccessRecord, "record_read")
	if err != nil {
		return heard.YoungPersonView{}, err
	}
	return s.youngPersonView(ctx, y, s.staffNames(y.AreaID))
}

// KeyWorkerHistory lists a young person's key workers, oldest first (audit-logged).
func (s *Service) KeyWorkerHistory(ctx context.Context, p heard.Principal, id string) ([]heard.KeyWorkerSpell, error) {
	y, err := s.youngPersonFor(ctx, p, id, heard.AccessRecord, "key_worker_history_read")
	if err != nil {
		return nil, err
	}
	history, err := s.store.AssignmentHistory(ctx, y.AreaID, y.ID)
	if err != nil {
		return nil, err
	}
	names := s.staffNames(y.AreaID)
	out := make([]heard.KeyWorkerSpell, 0, len(history))
	for _, a := range history {
		v := heard.KeyWorkerSpell{StaffID: a.StaffID, Start: a.Start, End: a.End}
		st, err := names.get(ctx, a.StaffID)
		if err != nil {
			return nil, err
		}
		if st != nil {
			v.StaffName = st.Name
		}
		out = append(out, v)
	}
	return out, nil
}

// CreateJoinCode makes a one-time join code for the young person's phone (their key worker only).
func (s *Service) CreateJoinCode(ctx context.Context, p heard.Principal, id string) (heard.JoinCodeView, error) {
	// Audited once the code is made, so a refused request leaves no entry.
	y, err := s.keyWorkerOnly(ctx, p, id, "")
	if err != nil {
		return heard.JoinCodeView{}, err
	}
	code, expires, err := s.store.CreateJoinCode(ctx, y.AreaID, y.ID, p.ID)
	if err != nil {
		return heard.JoinCodeView{}, err
	}
	if err := s.store.Audit(ctx, auditEntry(p, "join_code_created", y.ID)); err != nil {
		return heard.JoinCodeView{}, err
	}
	return heard.JoinCodeView{Code: code, ExpiresAt: expires}, nil
}

// Devices lists the phones the young person has joined with (their key worker only, audit-logged).
func (s *Service) Devices(ctx context.Context, p heard.Principal, id string) ([]heard.DeviceView, error) {
	y, err := s.keyWorkerOnly(ctx, p, id, "devices_read")
	if err != nil {
		return nil, err
	}
	devices, err := s.store.Devices(ctx, y.AreaID, y.ID)
	if err != nil {
		return nil, err
	}
	out := make([]heard.DeviceView, 0, len(devices))
	for _, d := range devices {
		out = append(out, heard.DeviceView{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt, RevokedAt: d.RevokedAt})
	}
	return out, nil
}

// SignOutDevice signs one of the young person's phones out (their key worker only).
func (s *Service) SignOutDevice(ctx context.Context, p heard.Principal, id, deviceID string) error {
	y, err := s.keyWorkerOnly(ctx, p, id, "")
	if err != nil {
		return err
	}
	if !heard.ValidID(deviceID) {
		return heard.ErrNotFound
	}
	// Another young person's phone, or none, is not found and changes nothing.
	d, err := s.store.DeviceByID(ctx, deviceID)
	if errors.Is(err, heard.ErrNotFound) || err == nil && (d.AreaID != y.AreaID || d.YoungPersonID != y.ID) {
		return heard.ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := s.revokeDevice(ctx, y.AreaID, y.ID, deviceID, p.ID); err != nil {
		return err
	}
	return s.store.Audit(ctx, auditEntry(p, "device_signed_out", y.ID))
}
