package heard

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestRoles(t *testing.T) {
	for _, r := range StaffRoles {
		if !r.Valid() || !r.IsStaff() {
			t.Errorf("%s: want a valid staff role", r)
		}
	}
	if !RoleYoungPerson.Valid() || RoleYoungPerson.IsStaff() {
		t.Error("a young person is a valid role but not staff")
	}
	for _, r := range []Role{"", "admin", "Administrator", "key-worker", "root"} {
		if r.Valid() || r.IsStaff() {
			t.Errorf("%q must not be a role", r)
		}
	}
	if len(StaffRoles) != 6 {
		t.Errorf("six staff roles expected, got %d", len(StaffRoles))
	}
}

func TestServices(t *testing.T) {
	for _, s := range Services {
		if !s.Valid() {
			t.Errorf("%s should be valid", s)
		}
	}
	for _, s := range []Service{"", "CAMHS", "health"} {
		if s.Valid() {
			t.Errorf("%q should not be a service", s)
		}
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !ValidID(id) {
			t.Fatalf("NewID made %q, which ValidID refuses", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
	good := NewID()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{good, true},
		{"", false},
		{"not-a-uuid", false},
		{good[:35], false},
		{good + "0", false},
		{"{" + good + "}", false},
		{"urn:uuid:" + good, false},
		{strings.ReplaceAll(good, "-", ""), false},
		{uuid.Must(uuid.NewUUID()).String(), false}, // version 1: not one Heard made
		{"00000000-0000-0000-0000-000000000000", false},
		{"' OR 1=1 --                         ", false},
		{`{"$ne":null}`, false},
		{strings.ToUpper(good), false}, // one written form only
		{good[:9] + strings.ToUpper(good[9:13]) + good[13:], strings.ToUpper(good[9:13]) == good[9:13]},
		{good[:14] + "4" + good[15:19] + "c" + good[20:], false}, // variant bits not RFC 4122's
	} {
		if got := ValidID(tc.in); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSystemClockIsUTC(t *testing.T) {
	now := SystemClock{}.Now()
	if now.Location() != time.UTC {
		t.Fatalf("clock is in %s, want UTC", now.Location())
	}
	if d := time.Since(now); d < 0 || d > time.Minute {
		t.Fatalf("clock is %s away from the real time", d)
	}
}

// A create request's ids come from its key: the same every time it runs,
// different for each thing it makes, and in the one form ids are accepted in.
func TestNewIDForACreateKey(t *testing.T) {
	p := Principal{CreateKey: "k1"}
	a, b := p.NewIDFor("team"), p.NewIDFor("team")
	if a != b || !ValidID(a) {
		t.Fatalf("ids from one key: %s %s (valid %v)", a, b, ValidID(a))
	}
	if p.NewIDFor("assignment") == a || (Principal{CreateKey: "k2"}).NewIDFor("team") == a {
		t.Fatal("another thing or another key gave the same id")
	}
	if x, y := (Principal{}).NewIDFor("team"), (Principal{}).NewIDFor("team"); x == y || !ValidID(x) {
		t.Fatalf("without a key, fresh ids: %s %s", x, y)
	}
}
