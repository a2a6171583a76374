package heard

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"math"
	"strings"
	"time"
)

// PushEndpoints is what the push service (notify) tells about Web Push: the
// key browsers subscribe with and which endpoints Heard may post to. The
// service finds it on its Notifier; without one, Heard runs without push.
type PushEndpoints interface {
	// PublicKey is the VAPID public key browsers subscribe with.
	PublicKey() string
	// EndpointProblem checks a browser's push endpoint: "" or a problem code.
	EndpointProblem(endpoint string) string
}

// NewPushSubscription is a browser's PushSubscription, as its toJSON() gives it.
type NewPushSubscription struct {
	Endpoint string
	// ExpirationTime is when the browser will end the subscription (ms since 1970), or nil.
	ExpirationTime *float64
	// P256dh is the browser's P-256 public key (65 bytes) and Auth its
	// authentication secret (16 bytes), URL-safe base64 with or without padding.
	P256dh, Auth string
}

// Validate checks the keys and the expiry; endpointProblem is the push
// service's verdict on the endpoint ("" when it may be used).
func (n NewPushSubscription) Validate(endpointProblem string) map[string]string {
	errs := map[string]string{}
	if endpointProblem != "" {
		errs["endpoint"] = endpointProblem
	}
	if key, ok := browserKey(n.P256dh); !ok || len(key) != 65 {
		errs["keys.p256dh"] = "p256dh_format"
	} else if _, err := ecdh.P256().NewPublicKey(key); err != nil {
		errs["keys.p256dh"] = "p256dh_format"
	}
	if secret, ok := browserKey(n.Auth); !ok || len(secret) != 16 {
		errs["keys.auth"] = "auth_format"
	}
	if n.ExpirationTime != nil {
		if ms := *n.ExpirationTime; math.IsNaN(ms) || math.IsInf(ms, 0) || ms < 0 || ms >= 1e14 {
			errs["expirationTime"] = "time_format"
		}
	}
	return errs
}

// Keys are the browser's keys as stored: without base64 padding.
func (n NewPushSubscription) Keys() (p256dh, auth string) {
	return strings.TrimRight(n.P256dh, "="), strings.TrimRight(n.Auth, "=")
}

// Expires is when the browser will end the subscription, or nil (after Validate).
func (n NewPushSubscription) Expires() *time.Time {
	if n.ExpirationTime == nil {
		return nil
	}
	t := time.UnixMilli(int64(*n.ExpirationTime)).UTC()
	return &t
}

// browserKey reads a key as browsers write it: URL-safe base64, with or without padding.
func browserKey(s string) ([]byte, bool) {
	if len(s) > 200 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

// MaxPushEndpointLength bounds an endpoint named in a request.
const MaxPushEndpointLength = 2048

// PushSubscriptionView is a registered browser, as its owner sees it.
type PushSubscriptionView struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

// DeliveryProblem is one notification that could not be delivered or is being
// retried, for administrators. It says nothing of what it said or whom it was for.
type DeliveryProblem struct {
	At time.Time `json:"at"`
	// Status is "failed" (given up) or "retrying".
	Status        string `json:"status"`
	Type          string `json:"type"`
	RecipientRole Role   `json:"recipientRole"`
	// StatusCode is the push service's last answer (0: it could not be reached).
	StatusCode int    `json:"statusCode"`
	Reason     string `json:"reason"`
	Attempts   int    `json:"attempts"`
}

// PushService is registering browsers for notifications and seeing what could
// not be delivered.
type PushService interface {
	// PushKey is the key a browser subscribes with.
	PushKey(ctx context.Context) (string, error)
	// Subscribe registers the signed-in person's browser (a young person's, for
	// this phone). The same endpoint again updates it; an endpoint belongs to
	// whoever registered it last.
	Subscribe(ctx context.Context, p Principal, n NewPushSubscription) (PushSubscriptionView, error)
	// Unsubscribe stops notifications to one of the caller's own browsers.
	Unsubscribe(ctx context.Context, p Principal, endpoint string) error
	// DeliveryProblems are the area's recent notifications that met a problem (administrators).
	DeliveryProblems(ctx context.Context, p Principal) ([]DeliveryProblem, error)
}
