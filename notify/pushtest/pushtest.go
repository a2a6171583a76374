// Package pushtest is a loopback Web Push service for Heard's tests. Like a
// browser vendor's push service it receives Heard's encrypted messages; unlike
// one it holds each browser's private key and auth secret, so it decrypts every
// message (RFC 8291, aes128gcm) and checks the VAPID signature (RFC 8292) before
// answering. Tests tell it how to answer: 201, 404, 410, 429 with Retry-After,
// 500, or a dropped connection.
//
// It is used by tests (notify's and the browser tests in e2e) and by the load
// test, cmd/heard-load.
package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Service is the loopback push service.
type Service struct {
	t     testing.TB
	srv   *httptest.Server
	vapid *ecdsa.PublicKey
	vkey  string // the VAPID public key as sent in "k="

	mu       sync.Mutex
	browsers map[string]*Browser
	plans    map[string][]Answer
	always   map[string]Answer
	received []Message
	// OnReceive, when set before messages arrive, is called (outside the lock)
	// for each decrypted message before answering.
	OnReceive func(Message)
}

// Browser is one subscribed browser: its endpoint and the keys it keeps secret.
type Browser struct {
	ID       string
	Endpoint string
	key      *ecdh.PrivateKey
	auth     []byte
}

// P256dh and Auth are the keys the browser hands to the app (PushSubscription.getKey).
func (b *Browser) P256dh() string {
	return base64.RawURLEncoding.EncodeToString(b.key.PublicKey().Bytes())
}
func (b *Browser) Auth() string { return base64.RawURLEncoding.EncodeToString(b.auth) }

// Subscription is the browser's PushSubscription as the app sends it to
// POST /api/push/subscriptions.
func (b *Browser) Subscription() map[string]any {
	return map[string]any{"endpoint": b.Endpoint, "expirationTime": nil,
		"keys": map[string]any{"p256dh": b.P256dh(), "auth": b.Auth()}}
}

// Answer is how the push service answers one message.
type Answer struct {
	Status     int
	RetryAfter string
	Body       string
	// Drop closes the connection without answering (a network error).
	Drop bool
}

// Message is one message the push service decrypted.
type Message struct {
	Browser   string
	TTL       string
	Urgency   string
	Topic     string
	Plaintext []byte
	// Payload is the plaintext read as a JSON object.
	Payload map[string]any
	Status  int // what the service answered (0: dropped)
	At      time.Time
}

// New starts a push service that accepts messages signed with this VAPID
// public key (URL-safe base64, uncompressed point); it stops when the test ends.
func New(t testing.TB, vapidPublicKey string) *Service {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(vapidPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		t.Fatal(err)
	}
	p := &Service{t: t, vapid: pub, vkey: vapidPublicKey, browsers: map[string]*Browser{}, plans: map[string][]Answer{}, always: map[string]Answer{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// NewBrowser subscribes a new browser: fresh P-256 keys and auth secret.
func (p *Service) NewBrowser() *Browser {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	p.mu.Lock()
	defer p.mu.Unlock()
	id := strconv.Itoa(len(p.browsers)+1) + "-" + base64.RawURLEncoding.EncodeToString(auth[:6])
	b := &Browser{ID: id, Endpoint: p.srv.URL + "/push/" + id, key: key, auth: auth}
	p.browsers[id] = b
	return b
}

// Plan queues answers for a browser's next messages; after them it answers 201.
func (p *Service) Plan(b *Browser, answers ...Answer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plans[b.ID] = append(p.plans[b.ID], answers...)
}

// AnswerAlways makes every message to the browser get this answer.
func (p *Service) AnswerAlways(b *Browser, a Answer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.always[b.ID] = a
}

// Messages returns what a browser received (nil browser: every browser's).
func (p *Service) Messages(b *Browser) []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Message
	for _, r := range p.received {
		if b == nil || r.Browser == b.ID {
			out = append(out, r)
		}
	}
	return out
}

// Accepted returns the messages a browser received and the service accepted (2xx).
func (p *Service) Accepted(b *Browser) []Message {
	var out []Message
	for _, r := range p.Messages(b) {
		if r.Status >= 200 && r.Status < 300 {
			out = append(out, r)
		}
	}
	return out
}

// Await waits up to 30 seconds for a message to the browser that match
// accepts, and returns the first; the test fails if none comes.
func (p *Service) Await(t testing.TB, b *Browser, match func(Message) bool) Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range p.Messages(b) {
			if match(m) {
				return m
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("push service: no matching message reached browser %s (%d received)", b.ID, len(p.Messages(b)))
	return Message{}
}

func (p *Service) serve(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/push/")
	p.mu.Lock()
	b := p.browsers[id]
	p.mu.Unlock()
	if !ok || r.Method != http.MethodPost || b == nil {
		http.NotFound(w, r)
		return
	}
	if err := p.checkVAPID(r, b); err != nil {
		p.t.Errorf("push service: VAPID: %v", err)
		http.Error(w, "bad VAPID", http.StatusUnauthorized)
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		p.t.Errorf("push service: Content-Encoding %q", ce)
	}
	if _, err := strconv.Atoi(r.Header.Get("TTL")); err != nil {
		p.t.Errorf("push service: TTL header %q", r.Header.Get("TTL"))
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	plain, err := Decrypt(body, b.key, b.auth)
	if err != nil {
		p.t.Errorf("push service: decrypt: %v", err)
		http.Error(w, "cannot decrypt", http.StatusBadRequest)
		return
	}
	msg := Message{Browser: b.ID, TTL: r.Header.Get("TTL"), Urgency: r.Header.Get("Urgency"), Topic: r.Header.Get("Topic"),
		Plaintext: plain, At: time.Now()}
	if err := json.Unmarshal(plain, &msg.Payload); err != nil {
		p.t.Errorf("push service: payload is not a JSON object: %q", plain)
	}

	p.mu.Lock()
	a, always := p.always[b.ID]
	if plan := p.plans[b.ID]; !always && len(plan) > 0 {
		a, p.plans[b.ID] = plan[0], plan[1:]
	} else if !always {
		a = Answer{Status: http.StatusCreated}
	}
	if !a.Drop {
		msg.Status = a.Status
	}
	p.received = append(p.received, msg)
	number := len(p.received)
	hook := p.OnReceive
	p.mu.Unlock()
	if hook != nil {
		hook(msg)
	}

	if a.Drop {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if a.RetryAfter != "" {
		w.Header().Set("Retry-After", a.RetryAfter)
	}
	if a.Status == http.StatusCreated {
		w.Header().Set("Location", b.Endpoint+"/message/"+strconv.Itoa(number))
	}
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Body)
}

// checkVAPID verifies "Authorization: vapid t=<JWT>, k=<public key>" (RFC 8292):
// the key is Heard's, the JWT is ES256-signed by it, its audience is the
// endpoint's origin, it expires within a day, and its subject is a contact.
func (p *Service) checkVAPID(r *http.Request, b *Browser) error {
	h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "vapid ")
	if !ok {
		return fmt.Errorf("authorization %q is not vapid", r.Header.Get("Authorization"))
	}
	var token, key string
	for _, part := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			token = v
		case "k":
			key = v
		}
	}
	if key != p.vkey {
		return fmt.Errorf("k=%q is not Heard's VAPID key", key)
	}
	u, _ := url.Parse(b.Endpoint)
	origin := u.Scheme + "://" + u.Host
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return p.vapid, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(origin), jwt.WithExpirationRequired())
	if err != nil {
		return err
	}
	exp, _ := claims.GetExpirationTime()
	if exp.After(time.Now().Add(24 * time.Hour)) {
		return fmt.Errorf("exp %v is more than a day away", exp)
	}
	sub, _ := claims["sub"].(string)
	if !strings.HasPrefix(sub, "mailto:") && !strings.HasPrefix(sub, "https://") {
		return fmt.Errorf("sub %q is not a mailto: or https: contact", sub)
	}
	return nil
}

// Decrypt opens an aes128gcm message (RFC 8188) encrypted for a Web Push
// subscription (RFC 8291) with the browser's private key and auth secret.
func Decrypt(body []byte, uaKey *ecdh.PrivateKey, authSecret []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("shorter than the header")
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idLen := int(body[20])
	if rs < 18 || len(body) < 21+idLen {
		return nil, errors.New("bad header")
	}
	asPublicBytes := body[21 : 21+idLen]
	ciphertext := body[21+idLen:]
	asPublic, err := ecdh.P256().NewPublicKey(asPublicBytes)
	if err != nil {
		return nil, fmt.Errorf("sender key: %w", err)
	}
	shared, err := uaKey.ECDH(asPublic)
	if err != nil {
		return nil, err
	}
	// RFC 8291 section 3.3: combine the shared secret with the auth secret.
	prkKey, err := hkdf.Extract(sha256.New, shared, authSecret)
	if err != nil {
		return nil, err
	}
	keyInfo := append(append([]byte("WebPush: info\x00"), uaKey.PublicKey().Bytes()...), asPublicBytes...)
	ikm, err := hkdf.Expand(sha256.New, prkKey, string(keyInfo), 32)
	if err != nil {
		return nil, err
	}
	// RFC 8188 section 2.2: the content encryption key and nonce.
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	baseNonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	var out []byte
	for seq := uint64(0); len(ciphertext) > 0; seq++ {
		n := min(int(rs), len(ciphertext))
		record := ciphertext[:n]
		ciphertext = ciphertext[n:]
		nonce := bytes.Clone(baseNonce)
		var s [8]byte
		binary.BigEndian.PutUint64(s[:], seq)
		for i := range 8 {
			nonce[4+i] ^= s[i]
		}
		plain, err := gcm.Open(nil, nonce, record, nil)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", seq, err)
		}
		// Padding: a delimiter (2 for the last record, 1 otherwise) then zeros.
		end := len(plain) - 1
		for end >= 0 && plain[end] == 0 {
			end--
		}
		last := len(ciphertext) == 0
		if end < 0 || last && plain[end] != 2 || !last && plain[end] != 1 {
			return nil, fmt.Errorf("record %d: bad padding delimiter", seq)
		}
		out = append(out, plain[:end]...)
	}
	return out, nil
}
