package service_test

import (
	"testing"

	"heard/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }
