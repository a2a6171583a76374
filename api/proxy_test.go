package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// Behind a trusted proxy, sign-in limits count each person's address from
// X-Forwarded-For; without one, the header is ignored so nobody can dodge the
// limit by writing it themselves.
func TestTrustedProxyGivesEachPersonTheirOwnLimit(t *testing.T) {
	login := func(w *world, forwardedFor string) int {
		req := httptest.NewRequest("POST", "/api/auth/login", strings.NewReader(`{"email":"nobody@example.test","password":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", forwardedFor)
		res, err := w.srv.App().Test(req, -1)
		must(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	behindProxy := newWorld(t, func(c *Config) { c.AuthRateLimit = 3; c.TrustedProxies = []string{"0.0.0.0/0"} })
	for i := 0; i < 3; i++ {
		if got := login(behindProxy, "198.51.100.1"); got != 401 {
			t.Fatalf("attempt %d: want 401, got %d", i+1, got)
		}
	}
	if got := login(behindProxy, "198.51.100.1"); got != 429 {
		t.Fatalf("the fourth attempt from one person should be limited, got %d", got)
	}
	if got := login(behindProxy, "198.51.100.2"); got != 401 {
		t.Fatalf("another person behind the same proxy should not be limited, got %d", got)
	}

	direct := newWorld(t, func(c *Config) { c.AuthRateLimit = 3 })
	for i, addr := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		if got := login(direct, addr); got != 401 {
			t.Fatalf("attempt %d: want 401, got %d", i+1, got)
		}
	}
	if got := login(direct, "198.51.100.4"); got != 429 {
		t.Fatalf("without a trusted proxy, a made-up X-Forwarded-For must not dodge the limit, got %d", got)
	}
}
