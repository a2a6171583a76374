package heard

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"math"
	"testing"
	"time"
)

func TestNewPushSubscriptionValidate(t *testing.T) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	key, secret := b64(k.PublicKey().Bytes()), b64(make([]byte, 16))
	ms := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name     string
		n        NewPushSubscription
		endpoint string
		want     map[string]string
	}{
		{"good", NewPushSubscription{P256dh: key, Auth: secret}, "", map[string]string{}},
		{"padded keys", NewPushSubscription{P256dh: key + "=", Auth: secret + "=="}, "", map[string]string{}},
		{"endpoint refused", NewPushSubscription{P256dh: key, Auth: secret}, "host_not_allowed", map[string]string{"endpoint": "host_not_allowed"}},
		{"short key", NewPushSubscription{P256dh: b64(make([]byte, 64)), Auth: secret}, "", map[string]string{"keys.p256dh": "p256dh_format"}},
		{"key off the curve", NewPushSubscription{P256dh: b64(append([]byte{4}, make([]byte, 64)...)), Auth: secret}, "", map[string]string{"keys.p256dh": "p256dh_format"}},
		{"key not base64", NewPushSubscription{P256dh: "%%%", Auth: secret}, "", map[string]string{"keys.p256dh": "p256dh_format"}},
		{"short secret", NewPushSubscription{P256dh: key, Auth: b64(make([]byte, 15))}, "", map[string]string{"keys.auth": "auth_format"}},
		{"negative expiry", NewPushSubscription{P256dh: key, Auth: secret, ExpirationTime: ms(-5)}, "", map[string]string{"expirationTime": "time_format"}},
		{"NaN expiry", NewPushSubscription{P256dh: key, Auth: secret, ExpirationTime: ms(math.NaN())}, "", map[string]string{"expirationTime": "time_format"}},
		{"far expiry", NewPushSubscription{P256dh: key, Auth: secret, ExpirationTime: ms(1e14)}, "", map[string]string{"expirationTime": "time_format"}},
	} {
		if got := tc.n.Validate(tc.endpoint); !equalFields(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	n := NewPushSubscription{P256dh: key + "=", Auth: secret + "==", ExpirationTime: ms(1_800_000_000_000)}
	if p, a := n.Keys(); p != key || a != secret {
		t.Errorf("keys are kept without padding: %q %q", p, a)
	}
	if e := n.Expires(); e == nil || !e.Equal(time.UnixMilli(1_800_000_000_000)) {
		t.Errorf("expires %v", e)
	}
	if (NewPushSubscription{}).Expires() != nil {
		t.Error("no expiry given, none kept")
	}
}
