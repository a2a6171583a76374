package heard

import "testing"

// TestYoungPersonAccess walks the whole truth table: every role, in and out of
// the young person's area, with every combination of relationship facts.
func TestYoungPersonAccess(t *testing.T) {
	const area, otherArea, team, otherTeam = "area-1", "area-2", "team-1", "team-2"
	y := YoungPerson{ID: "yp-1", AreaID: area, TeamID: team}

	want := func(p Principal, r Relation) Access {
		if p.AreaID != y.AreaID {
			return AccessNone
		}
		switch p.Role {
		case RoleYoungPerson:
			if p.ID == y.ID {
				return AccessRecord
			}
		case RoleAdministrator:
			return AccessRecord
		case RoleKeyWorker:
			if r.CurrentKeyWorker {
				return AccessRecord
			}
		case RoleTeamManager:
			if p.TeamID == team || r.Escalated {
				return AccessRecord
			}
		case RoleDutyWorker:
			if r.Escalated {
				return AccessRecord
			}
		case RolePlacementStaff:
			switch {
			case r.IncomingMove && r.MoveConfirmed:
				return AccessRecord
			case r.IncomingMove:
				return AccessIncoming
			}
		}
		return AccessNone
	}

	roles := append(append([]Role{}, StaffRoles...), RoleYoungPerson, Role("intruder"))
	checked := 0
	for _, role := range roles {
		for _, pArea := range []string{area, otherArea, ""} {
			for _, pTeam := range []string{team, otherTeam, ""} {
				for _, id := range []string{"yp-1", "someone-else"} {
					for bits := 0; bits < 16; bits++ {
						r := Relation{CurrentKeyWorker: bits&1 != 0, Escalated: bits&2 != 0, IncomingMove: bits&4 != 0, MoveConfirmed: bits&8 != 0}
						p := Principal{ID: id, AreaID: pArea, Role: role, TeamID: pTeam}
						got := YoungPersonAccess(p, y, r)
						if got != want(p, r) {
							t.Errorf("%s id=%s area=%q team=%q %+v: access %d, want %d", role, id, pArea, pTeam, r, got, want(p, r))
						}
						checked++
					}
				}
			}
		}
	}
	if checked != len(roles)*3*3*2*16 {
		t.Fatalf("checked %d cases", checked)
	}
}

// TestAccessNamedCases states the rules in words, so a change to one is easy to see.
func TestAccessNamedCases(t *testing.T) {
	y := YoungPerson{ID: "yp", AreaID: "a", TeamID: "social"}
	all := Relation{CurrentKeyWorker: true, Escalated: true, IncomingMove: true, MoveConfirmed: true}
	for _, tc := range []struct {
		name string
		p    Principal
		r    Relation
		want Access
	}{
		{"a commissioner never sees a person, whatever the facts", Principal{ID: "c", AreaID: "a", Role: RoleCommissioner, TeamID: "social"}, all, AccessNone},
		{"another area's administrator sees nothing", Principal{ID: "x", AreaID: "b", Role: RoleAdministrator}, Relation{}, AccessNone},
		{"another area's key worker with a stale relation sees nothing", Principal{ID: "x", AreaID: "b", Role: RoleKeyWorker}, all, AccessNone},
		{"a key worker without the young person on their caseload", Principal{ID: "k", AreaID: "a", Role: RoleKeyWorker, TeamID: "social"}, Relation{}, AccessNone},
		{"the young person's own key worker", Principal{ID: "k", AreaID: "a", Role: RoleKeyWorker}, Relation{CurrentKeyWorker: true}, AccessRecord},
		{"a manager of another team", Principal{ID: "m", AreaID: "a", Role: RoleTeamManager, TeamID: "camhs"}, Relation{}, AccessNone},
		{"a manager with no team does not match a person with no team", Principal{ID: "m", AreaID: "a", Role: RoleTeamManager}, Relation{}, AccessNone},
		{"a duty worker without an escalation", Principal{ID: "d", AreaID: "a", Role: RoleDutyWorker, TeamID: "social"}, Relation{CurrentKeyWorker: true}, AccessNone},
		{"a duty worker with an escalation", Principal{ID: "d", AreaID: "a", Role: RoleDutyWorker}, Relation{Escalated: true}, AccessRecord},
		{"a placement before the move is confirmed: first name only", Principal{ID: "p", AreaID: "a", Role: RolePlacementStaff}, Relation{IncomingMove: true}, AccessIncoming},
		{"a confirmed flag without a move means nothing", Principal{ID: "p", AreaID: "a", Role: RolePlacementStaff}, Relation{MoveConfirmed: true}, AccessNone},
		{"another young person", Principal{ID: "other", AreaID: "a", Role: RoleYoungPerson, TeamID: "social"}, all, AccessNone},
		{"a token with no area", Principal{ID: "yp", Role: RoleYoungPerson}, Relation{}, AccessNone},
	} {
		if got := YoungPersonAccess(tc.p, y, tc.r); got != tc.want {
			t.Errorf("%s: access %d, want %d", tc.name, got, tc.want)
		}
	}
	if YoungPersonAccess(Principal{Role: RoleAdministrator}, YoungPerson{}, Relation{}) != AccessNone {
		t.Error("empty areas must not match each other")
	}
}

func TestCan(t *testing.T) {
	if !Can(RoleKeyWorker, RoleAdministrator, RoleKeyWorker) || Can(RoleKeyWorker) || Can(RoleCommissioner, RoleKeyWorker) {
		t.Error("Can must report membership exactly")
	}
}
