package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// answer is what one HTTP request got.
type answer struct {
	status int // noAnswer when no HTTP answer came
	// retryAfterHeader and retryAfterJSON say whether the answer told the
	// client when to try again, as a header and in Heard's JSON error shape.
	retryAfterHeader, retryAfterJSON bool
	body                             []byte
	took                             time.Duration
	err                              error
}

// errorBody is Heard's JSON error shape.
type errorBody struct {
	Error struct {
		Code       string `json:"code"`
		RetryAfter int    `json:"retryAfter"`
	} `json:"error"`
}

func (a answer) errorCode() string {
	var e errorBody
	_ = json.Unmarshal(a.body, &e)
	return e.Error.Code
}

func (a answer) ok() bool { return a.status >= 200 && a.status < 300 }

// decode reads a 2xx JSON answer into v.
func (a answer) decode(v any) error {
	if !a.ok() {
		if a.err != nil {
			return a.err
		}
		return fmt.Errorf("HTTP %d %.200s", a.status, a.body)
	}
	return json.Unmarshal(a.body, v)
}

// client sends JSON requests to one base address.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, timeout time.Duration, maxConns int) *client {
	transport := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{base: base, http: &http.Client{Transport: transport, Timeout: timeout}}
}

// call sends one request; body, when not nil, is sent as JSON (raw bytes as they are).
func (c *client) call(ctx context.Context, method, path, token string, body any) answer {
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		reader = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return answer{err: err}
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		return answer{err: err}
	}
	if reader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		return answer{took: time.Since(start), err: err}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, body: raw, took: time.Since(start), retryAfterHeader: res.Header.Get("Retry-After") != ""}
	if err != nil {
		a.status, a.err = noAnswer, err
	}
	if a.status >= 400 {
		var e errorBody
		a.retryAfterJSON = json.Unmarshal(raw, &e) == nil && e.Error.RetryAfter > 0
	}
	return a
}

// tokens is what sign-in, join, unlock and refresh return.
type tokens struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	ExpiresIn    int    `json:"expiresIn"`
	DeviceID     string `json:"deviceId"`
	DeviceSecret string `json:"deviceSecret"`
	User         *struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	} `json:"user"`
}

// session keeps one person signed in: access tokens last 15 minutes, so it
// refreshes them shortly before they end, one refresh at a time (a refresh
// token used twice ends the whole session). When refreshing fails it signs in
// afresh (a password, or a phone's PIN).
type session struct {
	mu      sync.Mutex
	access  string
	refresh string
	expires time.Time
	signIn  func(ctx context.Context) (tokens, error)
}

// errSessionLost: neither refreshing nor signing in again worked.
var errSessionLost = errors.New("session lost")

// refreshAhead is how long before expiry a token is refreshed.
const refreshAhead = 2 * time.Minute

func newSession(ctx context.Context, signIn func(ctx context.Context) (tokens, error)) (*session, tokens, error) {
	t, err := signIn(ctx)
	if err != nil {
		return nil, t, err
	}
	s := &session{signIn: signIn}
	s.set(t)
	return s, t, nil
}

func (s *session) set(t tokens) {
	s.access, s.refresh = t.AccessToken, t.RefreshToken
	s.expires = time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)
}

// token returns a current access token.
func (s *session) token(ctx context.Context, c *client) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Until(s.expires) > refreshAhead {
		return s.access, nil
	}
	return s.access, s.renewLocked(ctx, c)
}

// renew replaces the access token stale, unless another request already did.
func (s *session) renew(ctx context.Context, c *client, stale string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access != stale {
		return nil
	}
	return s.renewLocked(ctx, c)
}

func (s *session) renewLocked(ctx context.Context, c *client) error {
	var t tokens
	err := c.call(ctx, http.MethodPost, "/api/auth/refresh", "", map[string]string{"refreshToken": s.refresh}).decode(&t)
	if err != nil {
		t, err = s.signIn(ctx)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", errSessionLost, err)
	}
	s.set(t)
	return nil
}

// as sends a request as the session's person. An answer saying the token has
// expired or the session ended renews the session and tries once more (every
// request the tool sends may be repeated: card ids make sends idempotent).
func (c *client) as(ctx context.Context, s *session, method, path string, body any) answer {
	token, err := s.token(ctx, c)
	if err != nil {
		return answer{err: err}
	}
	a := c.call(ctx, method, path, token, body)
	if code := a.errorCode(); a.status == 401 && (code == "token_expired" || code == "session_expired") {
		if err := s.renew(ctx, c, token); err != nil {
			return answer{err: errors.Join(fmt.Errorf("HTTP 401 %s", code), err)}
		}
		token, _ = s.token(ctx, c)
		a = c.call(ctx, method, path, token, body)
	}
	return a
}
