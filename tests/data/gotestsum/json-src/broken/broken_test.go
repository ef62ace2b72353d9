// Package broken does not compile: `go test -json` reports the package failed, with no test events.
package broken

import "testing"

func TestNeverBuilt(t *testing.T) {
	if undefinedHelper() != 1 {
		t.Fatal("unreachable")
	}
}
