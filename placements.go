package heard

import (
	"context"
	"strings"
	"time"
)

// Placements: a placement's own staff keep its profile (who lives and works
// there, pets, a day, food, house rules, what is nearby, a welcome message)
// and its photos, so a young person moving there can see the place before the
// day. Administrators add placements and change their name and type.

// Limits of a profile, in characters (people: entries).
const (
	ProfileTextMaxChars  = 1000
	ProfilePeopleMax     = 12
	ProfileNameMaxChars  = 40
	ProfileAboutMaxChars = 200
	PhotoCaptionMaxChars = 200
	PlacementPhotosMax   = 24
)

// ProfilePerson is someone who lives or works at a placement, as the young
// person meets them: a first name, a line about them, optionally their photo
// (one of the placement's photos).
type ProfilePerson struct {
	Name    string `bson:"name" json:"name"`
	About   string `bson:"about" json:"about"`
	PhotoID string `bson:"photoId,omitempty" json:"photoId,omitempty"`
}

// PlacementProfileText is what the placement's staff write about it.
type PlacementProfileText struct {
	Welcome string          `bson:"welcome" json:"welcome"`
	People  []ProfilePerson `bson:"people" json:"people"`
	Pets    string          `bson:"pets" json:"pets"`
	Day     string          `bson:"day" json:"day"`
	Food    string          `bson:"food" json:"food"`
	Rules   string          `bson:"rules" json:"rules"`
	Nearby  string          `bson:"nearby" json:"nearby"`
}

// PlacementProfile is a placement as a young person moving there sees it.
type PlacementProfile struct {
	PlacementID          string        `bson:"_id" json:"placementId"`
	AreaID               string        `bson:"area" json:"-"`
	Name                 string        `bson:"-" json:"name"`
	Type                 PlacementType `bson:"-" json:"type"`
	PlacementProfileText `bson:",inline"`
	// Photos are in the order the placement chose.
	Photos []Photo `bson:"photos" json:"photos"`
	// Booklet is the welcome booklet's pages; PDF, when set, describes its PDF.
	Booklet   []BookletPage `bson:"booklet" json:"booklet"`
	PDF       *BookletPDF   `bson:"pdf,omitempty" json:"pdf,omitempty"`
	UpdatedAt *time.Time    `bson:"updatedAt,omitempty" json:"updatedAt,omitempty"`
}

// Photo finds a photo of the profile by id.
func (p PlacementProfile) Photo(id string) (Photo, bool) {
	for _, ph := range p.Photos {
		if ph.ID == id {
			return ph, true
		}
	}
	return Photo{}, false
}

// Normalize trims every text, and keeps people without a name out.
func (t PlacementProfileText) Normalize() PlacementProfileText {
	out := PlacementProfileText{Welcome: strings.TrimSpace(t.Welcome), Pets: strings.TrimSpace(t.Pets),
		Day: strings.TrimSpace(t.Day), Food: strings.TrimSpace(t.Food), Rules: strings.TrimSpace(t.Rules),
		Nearby: strings.TrimSpace(t.Nearby), People: []ProfilePerson{}}
	for _, p := range t.People {
		out.People = append(out.People, ProfilePerson{Name: strings.TrimSpace(p.Name), About: strings.TrimSpace(p.About), PhotoID: p.PhotoID})
	}
	return out
}

// Validate checks the text; photos are the placement's current photos, which
// a person's photo must be one of.
func (t PlacementProfileText) Validate(photos []Photo) map[string]string {
	f := problems{}
	f.check(textFits(t.Welcome, 1, ProfileTextMaxChars), "welcome", "length")
	for field, v := range map[string]string{"pets": t.Pets, "day": t.Day, "food": t.Food, "rules": t.Rules, "nearby": t.Nearby} {
		f.check(textFits(v, 0, ProfileTextMaxChars), field, "length")
	}
	f.check(len(t.People) <= ProfilePeopleMax, "people", "count")
	for _, p := range t.People {
		f.check(textFits(p.Name, 1, ProfileNameMaxChars), "people.name", "length")
		f.check(textFits(p.About, 0, ProfileAboutMaxChars), "people.about", "length")
		if p.PhotoID != "" {
			found := false
			for _, ph := range photos {
				found = found || ph.ID == p.PhotoID
			}
			f.check(found, "people.photoId", "unknown")
		}
	}
	return f
}

// PhotoKind says what a photo shows.
type PhotoKind string

const (
	PhotoBedroom PhotoKind = "bedroom"
	PhotoHouse   PhotoKind = "house"
	PhotoGarden  PhotoKind = "garden"
	PhotoAdults  PhotoKind = "adults"
	PhotoPets    PhotoKind = "pets"
	PhotoOther   PhotoKind = "other"
)

// PhotoKinds lists every kind of photo, in the order the app offers them.
var PhotoKinds = []PhotoKind{PhotoBedroom, PhotoHouse, PhotoGarden, PhotoAdults, PhotoPets, PhotoOther}

// Valid reports whether k is a known kind.
func (k PhotoKind) Valid() bool {
	for _, v := range PhotoKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Photo is one of a placement's photos: only its renditions exist (the upload
// is decoded, turned upright, resized and encoded again, so no metadata of the
// original survives, and the original is never kept).
type Photo struct {
	ID      string    `bson:"id" json:"id"`
	Kind    PhotoKind `bson:"kind" json:"kind"`
	Caption string    `bson:"caption" json:"caption"`
	// Widths are the widths of the renditions, smallest first.
	Widths  []int     `bson:"widths" json:"widths"`
	Width   int       `bson:"width" json:"width"`
	Height  int       `bson:"height" json:"height"`
	AddedAt time.Time `bson:"addedAt" json:"addedAt"`
}

// PhotoWidths are the widths a photo is kept at: a small one for lists, one
// for a phone's screen, one for a large screen. A photo narrower than a width
// is kept at its own width instead (never enlarged).
var PhotoWidths = []int{320, 720, 1280}

// RenditionWidth is the kept width that best serves a request for width w:
// the smallest kept width at least w, else the largest.
func (ph Photo) RenditionWidth(w int) int {
	for _, kw := range ph.Widths {
		if kw >= w {
			return kw
		}
	}
	if len(ph.Widths) == 0 {
		return 0
	}
	return ph.Widths[len(ph.Widths)-1]
}

// NewPhoto is what the placement says about an upload.
type NewPhoto struct {
	// ID is chosen by the phone, so an upload retried after a timeout is kept once.
	ID      string    `json:"id"`
	Kind    PhotoKind `json:"kind"`
	Caption string    `json:"caption"`
	// ContentType is the type the upload says it is; when it names an image
	// format, the bytes must be that format.
	ContentType string `json:"-"`
}

// Validate checks the fields.
func (n NewPhoto) Validate() map[string]string {
	f := problems{}
	f.check(n.ID == "" || ValidID(n.ID), "id", "id_format")
	f.check(n.Kind.Valid(), "kind", "one_of")
	f.check(textFits(n.Caption, 0, PhotoCaptionMaxChars), "caption", "length")
	return f
}

// PhotoChange changes a photo's caption or kind.
type PhotoChange struct {
	Kind    *PhotoKind `json:"kind"`
	Caption *string    `json:"caption"`
}

// Apply checks the change and applies it to ph.
func (c PhotoChange) Apply(ph *Photo) map[string]string {
	f := problems{}
	f.check(c.Kind != nil || c.Caption != nil, "caption", "required")
	if c.Kind != nil {
		f.check(c.Kind.Valid(), "kind", "one_of")
		ph.Kind = *c.Kind
	}
	if c.Caption != nil {
		f.check(textFits(*c.Caption, 0, PhotoCaptionMaxChars), "caption", "length")
		ph.Caption = strings.TrimSpace(*c.Caption)
	}
	return f
}

// PhotoOrder is the order a placement wants its photos shown in.
type PhotoOrder struct {
	IDs []string `json:"ids"`
}

// Reorder returns photos in the order of o: the photos it names first, in
// its order, then any it does not name (added on another phone meanwhile) in
// the order they were. Each id must name one of photos, once.
func (o PhotoOrder) Reorder(photos []Photo) ([]Photo, map[string]string) {
	f := problems{}
	byID := map[string]Photo{}
	for _, ph := range photos {
		byID[ph.ID] = ph
	}
	f.check(len(o.IDs) >= 1, "ids", "required")
	out := []Photo{}
	seen := map[string]bool{}
	for _, id := range o.IDs {
		ph, ok := byID[id]
		f.check(ok && !seen[id], "ids", "unknown")
		seen[id] = true
		out = append(out, ph)
	}
	for _, ph := range photos {
		if !seen[ph.ID] {
			out = append(out, ph)
		}
	}
	return out, f
}

// PlacementChange is an administrator's change of a placement's name or type.
type PlacementChange struct {
	Name *string        `json:"name"`
	Type *PlacementType `json:"type"`
}

// Apply checks the change and applies it to pl.
func (c PlacementChange) Apply(pl *Placement) map[string]string {
	f := problems{}
	f.check(c.Name != nil || c.Type != nil, "name", "required")
	if c.Name != nil {
		f.check(textFits(*c.Name, 1, TeamNameMaxChars), "name", "length")
		pl.Name = strings.TrimSpace(*c.Name)
	}
	if c.Type != nil {
		f.check(c.Type.Valid(), "type", "one_of")
		pl.Type = *c.Type
	}
	return f
}

// KeepsPlacement reports whether p is on the staff of the placement, and so
// keeps its profile, photos and booklet.
func KeepsPlacement(p Principal, pl Placement) bool {
	return p.Role == RolePlacementStaff && p.AreaID == pl.AreaID && p.PlacementID != "" && p.PlacementID == pl.ID
}

// SeesPlacement reports whether p may see a placement's profile and photos:
// its own staff, the area's administrators, and the staff who plan moves
// (key workers and team managers). A young person sees it only while a move
// there is shared with them (moving), which the service finds out.
func SeesPlacement(p Principal, pl Placement, moving bool) bool {
	if p.AreaID == "" || p.AreaID != pl.AreaID {
		return false
	}
	switch p.Role {
	case RolePlacementStaff:
		return KeepsPlacement(p, pl)
	case RoleAdministrator, RoleKeyWorker, RoleTeamManager:
		return true
	case RoleYoungPerson:
		return moving
	}
	return false
}

// PlacementService is what placement staff and administrators do with a
// placement's profile and photos.
type PlacementService interface {
	// PlacementProfile shows a placement's profile and the list of its photos.
	PlacementProfile(ctx context.Context, p Principal, placementID string) (PlacementProfile, error)
	// ChangePlacementProfile replaces the text of the profile (its own staff).
	ChangePlacementProfile(ctx context.Context, p Principal, placementID string, t PlacementProfileText) (PlacementProfile, error)
	// PlacementsToChoose lists the area's placements, for the staff who plan moves.
	PlacementsToChoose(ctx context.Context, p Principal) ([]Placement, error)
	// ChangePlacement changes a placement's name or type (administrators).
	ChangePlacement(ctx context.Context, p Principal, placementID string, c PlacementChange) (Placement, error)
}

// PhotoService is what placement staff do with photos, and how anyone
// allowed to see a placement gets them.
type PhotoService interface {
	// AddPhoto decodes an upload, turns it upright, resizes and re-encodes it,
	// and adds it to the placement's photos. An upload retried with the same id
	// is kept once.
	AddPhoto(ctx context.Context, p Principal, placementID string, n NewPhoto, upload []byte) (Photo, error)
	ChangePhoto(ctx context.Context, p Principal, placementID, photoID string, c PhotoChange) (Photo, error)
	ReorderPhotos(ctx context.Context, p Principal, placementID string, o PhotoOrder) ([]Photo, error)
	RemovePhoto(ctx context.Context, p Principal, placementID, photoID string) error
	// PhotoFile returns the JPEG of a photo at the kept width nearest to
	// width, and that width.
	PhotoFile(ctx context.Context, p Principal, placementID, photoID string, width int) ([]byte, int, error)
}
