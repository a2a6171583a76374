package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"heard"
)

// Signing in: the service (heard.AuthService) decides who is signed in; this
// file decodes, mints the access token (tokens.go) and encodes.

const principalKey = "heard.principal"

// principal is the signed-in person; set by authenticate.
func principal(c *fiber.Ctx) heard.Principal {
	p, _ := c.Locals(principalKey).(heard.Principal)
	p.RequestID = requestID(c)
	p.CreateKey, _ = c.Locals(createKeyLocal).(string)
	return p
}

// authenticate checks the bearer token, then asks the service whether its
// holder may still use Heard: a staff account not disabled, a young person's
// phone not signed out, the session not ended.
func (s *Server) authenticate(c *fiber.Ctx) error {
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || token == "" {
		return errUnauthenticated()
	}
	claims, err := s.tokens.Parse(token)
	if errors.Is(err, errExpired) {
		return errTokenExpired()
	}
	if err != nil {
		return errUnauthenticated()
	}
	cx, cancel := ctx(c)
	defer cancel()
	p, err := s.cfg.Services.Authenticate(cx, heard.Principal{ID: claims.Subject, AreaID: claims.Area, Role: claims.Role,
		DeviceID: claims.Device, SessionID: claims.Session})
	if err != nil {
		return err
	}
	c.Locals(principalKey, p)
	return c.Next()
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type joinRequest struct {
	Code       string `json:"code"`
	PIN        string `json:"pin"`
	DeviceName string `json:"deviceName"`
}

type unlockRequest struct {
	DeviceID     string `json:"deviceId"`
	DeviceSecret string `json:"deviceSecret"`
	PIN          string `json:"pin"`
}

type newPasswordRequest struct {
	Code        string `json:"code"`
	NewPassword string `json:"newPassword"`
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

// session is what sign-in, join, unlock and refresh return.
type session struct {
	AccessToken  string      `json:"accessToken"`
	RefreshToken string      `json:"refreshToken"`
	ExpiresIn    int         `json:"expiresIn"`
	DeviceID     string      `json:"deviceId,omitempty"`
	DeviceSecret string      `json:"deviceSecret,omitempty"`
	User         *heard.User `json:"user,omitempty"`
}

func (s *Server) authRoutes() {
	limit := s.authLimiter()
	s.app.Use("/api/auth/login", limit)
	s.app.Use("/api/auth/join", limit)
	s.app.Use("/api/auth/unlock", limit)
	s.app.Use("/api/auth/password", limit)
	s.route(http.MethodPost, "/api/auth/login", doc{Tag: "Sign-in", Public: true, Summary: "Staff sign in with email and password. Failures are counted per account and per address; after too many, sign-in pauses for a while. The error never says whether the account exists.",
		Request: loginRequest{}, Response: session{}}, s.login)
	s.route(http.MethodPost, "/api/auth/join", doc{Tag: "Sign-in", Public: true, Status: 201, Summary: "A young person joins on their phone with a one-time code from their key worker and chooses a PIN. Returns the device credentials kept on the phone. A join that failed before the phone was made can be tried again with the same code.",
		Request: joinRequest{}, Response: session{}}, s.join)
	s.route(http.MethodPost, "/api/auth/unlock", doc{Tag: "Sign-in", Public: true, Summary: "A young person unlocks the app on a joined phone with their PIN. Wrong PINs pause the phone and, after many, sign it out.",
		Request: unlockRequest{}, Response: session{}}, s.unlock)
	s.route(http.MethodPost, "/api/auth/password", doc{Tag: "Sign-in", Public: true, Summary: "A staff member chooses a new password with the one-time code their administrator was shown, and is signed in. Wrong codes count as failed sign-ins from the address.",
		Request: newPasswordRequest{}, Response: session{}}, s.chooseNewPassword)
	s.route(http.MethodPost, "/api/auth/refresh", doc{Tag: "Sign-in", Public: true, Summary: "Swap a refresh token for a new access token and a new refresh token. A refresh token works once; using one twice ends the whole session.",
		Request: refreshRequest{}, Response: session{}}, s.refresh)
	s.route(http.MethodPost, "/api/auth/logout", doc{Tag: "Sign-in", Public: true, Status: 204, Summary: "Sign out: the session's refresh tokens stop working.",
		Request: refreshRequest{}}, s.logout)
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	signed, err := s.cfg.Services.SignIn(cx, heard.SignIn{Email: req.Email, Password: req.Password, Address: c.IP()})
	if err != nil {
		return err
	}
	return s.sendSession(c, fiber.StatusOK, signed)
}

func (s *Server) join(c *fiber.Ctx) error {
	var req joinRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	signed, err := s.cfg.Services.Join(cx, heard.Join{Code: req.Code, PIN: req.PIN, DeviceName: req.DeviceName, Address: c.IP()})
	if err != nil {
		return err
	}
	return s.sendSession(c, fiber.StatusCreated, signed)
}

func (s *Server) unlock(c *fiber.Ctx) error {
	var req unlockRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	signed, err := s.cfg.Services.Unlock(cx, heard.Unlock{DeviceID: req.DeviceID, DeviceSecret: req.DeviceSecret, PIN: req.PIN})
	if err != nil {
		return err
	}
	return s.sendSession(c, fiber.StatusOK, signed)
}

func (s *Server) chooseNewPassword(c *fiber.Ctx) error {
	var req newPasswordRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	signed, err := s.cfg.Services.ChooseNewPassword(cx, heard.NewPassword{Code: req.Code, Password: req.NewPassword, Address: c.IP()})
	if err != nil {
		return err
	}
	return s.sendSession(c, fiber.StatusOK, signed)
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	signed, err := s.cfg.Services.Refresh(cx, req.RefreshToken)
	if err != nil {
		return err
	}
	return s.sendSession(c, fiber.StatusOK, signed)
}

func (s *Server) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cx, cancel := ctx(c)
	defer cancel()
	if err := s.cfg.Services.SignOut(cx, req.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// sendSession mints the access token of a new session and answers with it.
func (s *Server) sendSession(c *fiber.Ctx, status int, signed heard.SignedIn) error {
	access, err := s.tokens.Issue(signed.Principal)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(session{AccessToken: access, RefreshToken: signed.RefreshToken, ExpiresIn: int(AccessLifetime.Seconds()),
		DeviceID: signed.DeviceID, DeviceSecret: signed.DeviceSecret, User: signed.User})
}
