// Package crash panics in its second test: the test fails with the panic as output, and the tests
// after it never run (go test stops the package binary).
package crash

import "testing"

func TestBefore(t *testing.T) {}

func TestPanics(t *testing.T) {
	var m map[string]int
	m["boom"] = 1
}

func TestAfter(t *testing.T) {}
