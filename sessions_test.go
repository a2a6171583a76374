package heard

import (
	"strings"
	"testing"
	"time"
)

func TestSessionRotate(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	fresh := func() Session {
		return Session{ID: "s", Role: RoleKeyWorker, TokenHash: "h1", Spent: []string{"h0"}, Lifetime: 30 * time.Minute, CreatedAt: now.Add(-time.Hour),
			ExpiresAt: now.Add(time.Minute)}
	}
	ended := fresh()
	ended.End(now.Add(-time.Second))
	expired := fresh()
	expired.ExpiresAt = now
	tooOld := fresh()
	tooOld.CreatedAt = now.Add(-StaffSessionMaxAge)
	for _, tc := range []struct {
		name      string
		s         Session
		hash      string
		want      SessionUse
		wantHash  string
		wantEnded bool
	}{
		{"the newest token rotates", fresh(), "h1", SessionRotated, "h2", false},
		{"a spent token ends the session", fresh(), "h0", SessionReused, "h1", true},
		{"an unknown token changes nothing", fresh(), "hx", SessionUnknown, "h1", false},
		{"an ended session rotates no more", ended, "h1", SessionUnknown, "h1", true},
		{"an ended session is not ended again", ended, "h0", SessionUnknown, "h1", true},
		{"a session unused for its lifetime has run out", expired, "h1", SessionUnknown, "h1", false},
		{"a session however used ends at its fixed age", tooOld, "h1", SessionUnknown, "h1", false},
	} {
		s := tc.s
		got := s.Rotate(tc.hash, "h2", now)
		if got != tc.want || s.TokenHash != tc.wantHash || (s.EndedAt != nil) != tc.wantEnded {
			t.Errorf("%s: %v, hash %s, ended %v", tc.name, got, s.TokenHash, s.EndedAt)
		}
		if got == SessionRotated && (!s.ExpiresAt.Equal(now.Add(30*time.Minute)) || !s.Holds("h1") || !s.Holds("h2") || s.Holds("hx")) {
			t.Errorf("%s: after rotating %+v", tc.name, s)
		}
	}
	s := fresh()
	for i := range SessionSpentKept + 5 {
		next := "n" + string(rune('A'+i))
		if s.Rotate(s.TokenHash, next, now) != SessionRotated {
			t.Fatalf("rotation %d refused", i)
		}
	}
	if len(s.Spent) != SessionSpentKept || s.Holds("h0") {
		t.Fatalf("a session remembers its last %d spent tokens, not %d", SessionSpentKept, len(s.Spent))
	}
}

func TestSessionNeverOutlivesItsFixedAge(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	s := Session{Role: RoleYoungPerson, TokenHash: "h"}
	s.Start(now, YoungPersonSessionLifetime)
	if !s.ExpiresAt.Equal(now.Add(YoungPersonSessionLifetime)) {
		t.Fatalf("a new session runs for its lifetime: %v", s.ExpiresAt)
	}
	at := now.Add(YoungPersonSessionMaxAge - 10*time.Minute)
	s.ExpiresAt = at.Add(time.Minute) // refreshed all day long
	if s.Rotate("h", "h2", at) != SessionRotated || !s.ExpiresAt.Equal(s.EndsBy()) {
		t.Fatalf("near its fixed end, a rotation runs only to it: %v, want %v", s.ExpiresAt, s.EndsBy())
	}
}

func TestSessionAdmitsOnlyItsOwnerUnderThePresentTrust(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	s := Session{SubjectID: "kim", AreaID: "a", Role: RoleKeyWorker, Trust: 2}
	s.Start(now, StaffSessionLifetime)
	kim := Principal{ID: "kim", AreaID: "a", Role: RoleKeyWorker, Trust: 2}
	if !s.Admits(kim, now) {
		t.Fatal("the owner under the same trust is admitted")
	}
	moved := kim
	moved.Trust = 3
	other := kim
	other.ID = "kai"
	phone := kim
	phone.DeviceID = "d"
	ended := s
	ended.End(now)
	for name, c := range map[string]struct {
		s Session
		p Principal
	}{"trust moved on": {s, moved}, "someone else": {s, other}, "another phone": {s, phone}, "ended": {ended, kim}} {
		if c.s.Admits(c.p, now) {
			t.Errorf("%s: admitted", name)
		}
	}
	if s.Admits(kim, now.Add(StaffSessionMaxAge)) {
		t.Error("past its fixed age: admitted")
	}
}

func TestRefreshTokens(t *testing.T) {
	session := NewID()
	token, hash := NewRefreshToken(session)
	if !strings.HasPrefix(token, session+".") || len(token) > MaxRefreshTokenLength || hash != HashSecret(token) {
		t.Fatalf("token %q, hash %q", token, hash)
	}
	if got, h, ok := ParseRefreshToken(token); !ok || got != session || h != hash {
		t.Fatalf("ParseRefreshToken(%q) = %q, %q, %v", token, got, h, ok)
	}
	for _, bad := range []string{"", "never-issued", session, session + ".", session + ".short", "not-an-id." + NewSecret(),
		session + "." + strings.Repeat("x", MaxRefreshTokenLength)} {
		if _, _, ok := ParseRefreshToken(bad); ok {
			t.Errorf("%q read as a refresh token", bad)
		}
	}
	if SessionLifetime(RoleYoungPerson) != 30*time.Minute || SessionLifetime(RoleKeyWorker) != 12*time.Hour {
		t.Fatal("a young person's session lasts 30 minutes unused, staff's 12 hours")
	}
}
