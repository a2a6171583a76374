package heard

import (
	"regexp"
	"time"
)

// Area is a local authority or health area. Every record in Heard belongs to one
// area and every query is filtered by it, so areas never see each other's data.
type Area struct {
	ID             string           `bson:"_id" json:"id"`
	Name           string           `bson:"name" json:"name"`
	TimeZone       string           `bson:"timeZone" json:"timeZone"`
	Languages      []string         `bson:"languages" json:"languages"`
	Escalation     EscalationPolicy `bson:"escalation" json:"escalation"`
	CrisisContacts []CrisisContact  `bson:"crisisContacts" json:"crisisContacts"`
	CreatedAt      time.Time        `bson:"createdAt" json:"createdAt"`
	// RetentionDays is how long a young person's records are kept after they
	// leave (DefaultRetentionDays when 0).
	RetentionDays int `bson:"retentionDays,omitempty" json:"retentionDays,omitempty"`
}

// EscalationPolicy says how long an alert may wait before it goes further.
type EscalationPolicy struct {
	// UrgentToDuty: an urgent item not acknowledged in this time goes to the duty workers.
	UrgentToDuty time.Duration `bson:"urgentToDuty" json:"-"`
	// DutyToManager: after a further wait it goes to the team manager.
	DutyToManager time.Duration `bson:"dutyToManager" json:"-"`
	// ConcerningAfter: a concerning item not acknowledged in this time goes to the duty workers.
	ConcerningAfter time.Duration `bson:"concerningAfter" json:"-"`
}

// DefaultEscalation is the policy SPEC.md names: 15 minutes, a further 15, and 4 hours.
func DefaultEscalation() EscalationPolicy {
	return EscalationPolicy{UrgentToDuty: 15 * time.Minute, DutyToManager: 15 * time.Minute, ConcerningAfter: 4 * time.Hour}
}

// CrisisContact is a number shown at once when a young person says they are not safe.
type CrisisContact struct {
	// Label is an i18n key or the area's own wording (e.g. "Childline").
	Label string `bson:"label" json:"label"`
	// Number is what is dialled or texted, digits and spaces only.
	Number string `bson:"number" json:"number"`
	// Kind is "call" or "text".
	Kind string `bson:"kind" json:"kind"`
	// Text is the message to send for a text line (e.g. "SHOUT").
	Text string `bson:"text,omitempty" json:"text,omitempty"`
	// Note is the administrator's extra words shown beside the number, such
	// as "free, day or night". The app translates the notes Heard starts with.
	Note string `bson:"note,omitempty" json:"note,omitempty"`
}

// DefaultCrisisContacts are the UK national lines an area starts with.
func DefaultCrisisContacts() []CrisisContact {
	return []CrisisContact{
		{Label: "Emergency", Number: "999", Kind: "call"},
		{Label: "NHS 111 (mental health: option 2)", Number: "111", Kind: "call"},
		{Label: "Childline", Number: "0800 1111", Kind: "call", Note: "Free, day or night"},
		{Label: "Shout", Number: "85258", Kind: "text", Text: "SHOUT", Note: "Free, day or night"},
	}
}

var phoneNumber = regexp.MustCompile(`^[0-9+][0-9 ]{1,19}$`)

// Validate checks a crisis contact an administrator entered.
func (c CrisisContact) Validate() map[string]string {
	errs := map[string]string{}
	if problem := nameProblem(c.Label, 1, 80); problem != "" {
		errs["label"] = problem
	}
	if !phoneNumber.MatchString(c.Number) {
		errs["number"] = "phone_format"
	}
	if c.Kind != "call" && c.Kind != "text" {
		errs["kind"] = "one_of"
	}
	if len([]rune(c.Text)) > 40 {
		errs["text"] = "length"
	}
	if len([]rune(c.Note)) > 80 {
		errs["note"] = "length"
	}
	return errs
}

// Team is a team or service inside an area (a CAMHS team, a social care team ...).
type Team struct {
	ID        string    `bson:"_id" json:"id"`
	AreaID    string    `bson:"area" json:"-"`
	Name      string    `bson:"name" json:"name"`
	Service   Service   `bson:"service" json:"service"`
	CreatedAt time.Time `bson:"createdAt" json:"createdAt"`
}

// PlacementType is the kind of home a young person may move to.
type PlacementType string

const (
	PlacementChildrensHome     PlacementType = "childrens_home"
	PlacementFoster            PlacementType = "foster"
	PlacementSupportedLodgings PlacementType = "supported_lodgings"
	PlacementInpatient         PlacementType = "inpatient"
)

// PlacementTypes lists every placement type.
var PlacementTypes = []PlacementType{PlacementChildrensHome, PlacementFoster, PlacementSupportedLodgings, PlacementInpatient}

// Valid reports whether t is a known placement type.
func (t PlacementType) Valid() bool {
	for _, v := range PlacementTypes {
		if t == v {
			return true
		}
	}
	return false
}

// Placement is a children's home, foster home, supported lodging or inpatient unit.
type Placement struct {
	ID        string        `bson:"_id" json:"id"`
	AreaID    string        `bson:"area" json:"-"`
	Name      string        `bson:"name" json:"name"`
	Type      PlacementType `bson:"type" json:"type"`
	CreatedAt time.Time     `bson:"createdAt" json:"createdAt"`
}

// Location is the area's time zone (Europe/London when unset or unknown): the
// zone of its working hours, its days and its move dates.
func (a Area) Location() *time.Location { return CardLocation(a.TimeZone) }

// Today is the area's calendar day at now, as midnight UTC of that date (the
// way Heard keeps a date without a time).
func (a Area) Today(now time.Time) time.Time {
	y, m, d := now.In(a.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// The ranges an administrator may set an area's escalation limits in, in minutes.
const (
	UrgentToDutyMinMinutes    = 1
	UrgentToDutyMaxMinutes    = 120
	DutyToManagerMinMinutes   = 1
	DutyToManagerMaxMinutes   = 120
	ConcerningAfterMinMinutes = 5
	ConcerningAfterMaxMinutes = 24 * 60
	MaxCrisisContacts         = 12
	AreaNameMaxChars          = 80
)

// AreaSettings is what an administrator sets for an area: its name, its
// escalation limits (in minutes), its crisis contacts and its languages.
type AreaSettings struct {
	Name                   string          `json:"name,omitempty"`
	UrgentToDutyMinutes    int             `json:"urgentToDutyMinutes"`
	DutyToManagerMinutes   int             `json:"dutyToManagerMinutes"`
	ConcerningAfterMinutes int             `json:"concerningAfterMinutes"`
	CrisisContacts         []CrisisContact `json:"crisisContacts"`
	Languages              []string        `json:"languages"`
	// RetentionDays is how many days a young person's records are kept after
	// they leave; left out, it stays as it is.
	RetentionDays *int `json:"retentionDays,omitempty"`
}

// NewAreaSettings shows an area's settings.
func NewAreaSettings(a Area) AreaSettings {
	s := AreaSettings{Name: a.Name, UrgentToDutyMinutes: int(a.Escalation.UrgentToDuty.Minutes()),
		DutyToManagerMinutes: int(a.Escalation.DutyToManager.Minutes()), ConcerningAfterMinutes: int(a.Escalation.ConcerningAfter.Minutes()),
		CrisisContacts: a.CrisisContacts, Languages: a.Languages}
	days := a.RetentionDaysOrDefault()
	s.RetentionDays = &days
	return s
}

// Validate checks the settings; language reports whether Heard speaks a
// language. An empty name keeps the area's name.
func (s AreaSettings) Validate(language func(string) bool) map[string]string {
	f := problems{}
	if s.Name != "" {
		f.name("name", s.Name, 1, AreaNameMaxChars)
	}
	f.check(s.UrgentToDutyMinutes >= UrgentToDutyMinMinutes && s.UrgentToDutyMinutes <= UrgentToDutyMaxMinutes, "urgentToDutyMinutes", "range")
	f.check(s.DutyToManagerMinutes >= DutyToManagerMinMinutes && s.DutyToManagerMinutes <= DutyToManagerMaxMinutes, "dutyToManagerMinutes", "range")
	f.check(s.ConcerningAfterMinutes >= ConcerningAfterMinMinutes && s.ConcerningAfterMinutes <= ConcerningAfterMaxMinutes, "concerningAfterMinutes", "range")
	f.check(len(s.CrisisContacts) >= 1 && len(s.CrisisContacts) <= MaxCrisisContacts, "crisisContacts", "count")
	for _, cc := range s.CrisisContacts {
		for k, v := range cc.Validate() {
			f.check(false, "crisisContacts."+k, v)
		}
	}
	f.check(s.RetentionDays == nil || *s.RetentionDays >= MinRetentionDays && *s.RetentionDays <= MaxRetentionDays, "retentionDays", "range")
	f.check(len(s.Languages) >= 1, "languages", "required")
	for _, l := range s.Languages {
		f.check(language(l), "languages", "unsupported_language")
	}
	return f
}

// Escalation is the policy the settings give.
func (s AreaSettings) Escalation() EscalationPolicy {
	return EscalationPolicy{UrgentToDuty: time.Duration(s.UrgentToDutyMinutes) * time.Minute,
		DutyToManager: time.Duration(s.DutyToManagerMinutes) * time.Minute, ConcerningAfter: time.Duration(s.ConcerningAfterMinutes) * time.Minute}
}

// NewTeam is a team an administrator adds.
type NewTeam struct {
	Name    string  `json:"name"`
	Service Service `json:"service"`
}

// TeamNameMaxChars bounds a team's and a placement's name.
const TeamNameMaxChars = 80

// Validate checks the fields.
func (n NewTeam) Validate() map[string]string {
	f := problems{}
	f.name("name", n.Name, 1, TeamNameMaxChars)
	f.check(n.Service.Valid(), "service", "one_of")
	return f
}

// NewPlacement is a placement an administrator adds.
type NewPlacement struct {
	Name string        `json:"name"`
	Type PlacementType `json:"type"`
}

// Validate checks the fields.
func (n NewPlacement) Validate() map[string]string {
	f := problems{}
	f.name("name", n.Name, 1, TeamNameMaxChars)
	f.check(n.Type.Valid(), "type", "one_of")
	return f
}
