package service_test

import (
	"testing"

	"heard/testkit"
)

// TestMain runs the service's tests against the real embedded database, each
// on a fresh database of its own.
func TestMain(m *testing.M) { testkit.Main(m) }
