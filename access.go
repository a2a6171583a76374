package heard

// Principal is the signed-in person making a request, as their token says.
type Principal struct {
	ID          string
	AreaID      string
	Role        Role
	Name        string
	TeamID      string
	PlacementID string
	DeviceID    string
	// SessionID is the sign-in session the token belongs to (its refresh-token
	// family); signing out ends it, and the token with it.
	SessionID string
	// Trust is the account's trust version as it is now (Staff.Trust; 0 for
	// young people, whose phones are signed out instead).
	Trust int
	// RequestID is the request acting, for the audit log.
	RequestID string
	// CreateKey names a create request sent with an Idempotency-Key (made from
	// the key and who sent it). What the request creates takes ids made from
	// it (NewIDFor), so the same request run again after a crash finds what
	// its first run made instead of making a second one.
	CreateKey string
}

// NewIDFor is the id of the thing (what: "team", "young-person", …) this
// request creates: a fresh id, or one made from its CreateKey, the same every
// time the request runs.
func (p Principal) NewIDFor(what string) string {
	if p.CreateKey == "" {
		return NewID()
	}
	return idFrom(p.CreateKey + "/" + what)
}

// Access is how much of a young person's record a principal may see.
type Access int

const (
	// AccessNone: nothing, not even that the young person exists.
	AccessNone Access = iota
	// AccessIncoming: first name and move date only (a placement before the move is confirmed).
	AccessIncoming
	// AccessRecord: the young person's record.
	AccessRecord
)

// Relation holds the facts about a principal and one young person that decide access.
// The store gathers them; this file decides.
type Relation struct {
	// CurrentKeyWorker: the principal is the young person's key worker now.
	CurrentKeyWorker bool
	// Escalated: an alert about this young person was escalated to the principal.
	Escalated bool
	// IncomingMove: the young person has a move to the principal's placement.
	IncomingMove bool
	// MoveConfirmed: that move is confirmed.
	MoveConfirmed bool
}

// YoungPersonAccess is the one rule for reading a young person's record. Areas never
// cross; commissioners never see a person; everyone else needs a relationship.
func YoungPersonAccess(p Principal, y YoungPerson, r Relation) Access {
	if p.AreaID == "" || p.AreaID != y.AreaID {
		return AccessNone
	}
	switch p.Role {
	case RoleYoungPerson:
		if p.ID == y.ID {
			return AccessRecord
		}
	case RoleKeyWorker:
		if r.CurrentKeyWorker {
			return AccessRecord
		}
	case RoleTeamManager:
		if p.TeamID != "" && p.TeamID == y.TeamID || r.Escalated {
			return AccessRecord
		}
	case RoleDutyWorker:
		if r.Escalated {
			return AccessRecord
		}
	case RoleAdministrator:
		// Administrators manage caseloads, so they see who is in the area.
		return AccessRecord
	case RolePlacementStaff:
		if r.IncomingMove && r.MoveConfirmed {
			return AccessRecord
		}
		if r.IncomingMove {
			return AccessIncoming
		}
	}
	return AccessNone
}

// Can reports whether role is one of roles.
func Can(role Role, roles ...Role) bool {
	for _, r := range roles {
		if role == r {
			return true
		}
	}
	return false
}
