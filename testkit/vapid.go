package testkit

import (
	"sync"
	"testing"

	webpush "github.com/SherClockHolmes/webpush-go"
)

var (
	vapidOnce          sync.Once
	vapidPub, vapidKey string
	vapidErr           error
)

// VAPID is one VAPID key pair for the whole test binary (making one is slow).
func VAPID(t testing.TB) (public, private string) {
	vapidOnce.Do(func() { vapidKey, vapidPub, vapidErr = webpush.GenerateVAPIDKeys() })
	if vapidErr != nil {
		t.Fatal(vapidErr)
	}
	return vapidPub, vapidKey
}
