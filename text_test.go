package heard

import (
	"strings"
	"testing"
)

func TestNamesRefuseControlAndDirectionCharacters(t *testing.T) {
	for _, tc := range []struct {
		name, want string
	}{
		{"Kim Worker", ""},
		{"سارا أحمدی", ""},
		{"Zahra\u200cNazari", ""}, // a zero-width non-joiner is part of Persian spelling
		{"  ", "length"},
		{strings.Repeat("a", 81), "length"},
		{"Kim\nAdmin", "control_characters"},
		{"Kim\x00", "control_characters"},
		{"Kim\x1b[31m", "control_characters"},
		{"Kim\u0085", "control_characters"},
		{"Kim \u202enimdA", "direction_characters"},
		{"\u2067Kim\u2069", "direction_characters"},
		{"Kim\u200f", "direction_characters"},
		{"Kim\u202a", "direction_characters"},
	} {
		if got := nameProblem(tc.name, 1, 80); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.name, got, tc.want)
		}
	}
	for name, errs := range map[string]map[string]string{
		"staff":        NewStaff{Name: "Ada\u202e", Email: "a@b.c", Password: "long enough pw", Role: RoleKeyWorker}.Validate(func(string) bool { return true }),
		"young person": NewYoungPerson{FirstName: "Jay", PreferredName: "J\u0007", Language: "en", TeamID: NewID()}.Validate(func(string) bool { return true }),
		"team":         NewTeam{Name: "\u2066Social", Service: ServiceCAMHS}.Validate(),
		"placement":    NewPlacement{Name: "Oak\r\nHouse", Type: PlacementFoster}.Validate(),
	} {
		if len(errs) != 1 {
			t.Errorf("%s: %v", name, errs)
		}
	}
	j := Join{Code: "KFRW-4829", PIN: "2580", DeviceName: "my \u202ephone"}
	if errs := j.Validate(); errs["deviceName"] != "direction_characters" {
		t.Errorf("a phone's name: %v", errs)
	}
}

func TestShownWordsCannotReorderWhatIsAround(t *testing.T) {
	for in, want := range map[string]string{
		"I'm okay":                     "I'm okay",
		"line one\nline two":           "line one\nline two",
		"see \u202eemoc\u202c please":  "see emoc please",
		"\u2067بابا\u2069 said":        "بابا said",
		"bell\x07 and escape\x1b[2J":   "bell and escape[2J",
		"صباح الخير \u200f (with RLM)": "صباح الخير \u200f (with RLM)",
	} {
		if got := ShownWords(in); got != want {
			t.Errorf("ShownWords(%q) = %q, want %q", in, got, want)
		}
	}
}
