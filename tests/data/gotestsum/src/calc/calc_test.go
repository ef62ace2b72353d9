// Package calc is a sample for gotestsum's JUnit dialect: subtests, skips, a failure and a flaky test.
package calc

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAdd(t *testing.T) {
	if 2+3 != 5 {
		t.Fatal("2+3 should be 5")
	}
}

func TestSub(t *testing.T) {
	if got := 5 - 3; got != 3 {
		t.Errorf("5-3 = %d, want 3", got)
	}
}

func TestTable(t *testing.T) {
	cases := []struct {
		name    string
		a, b, s int
	}{
		{"small numbers", 1, 2, 3},
		{"negatives", -1, -2, -3},
		{"wrong sum", 2, 2, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.a+c.b != c.s {
				t.Errorf("%d+%d = %d, want %d", c.a, c.b, c.a+c.b, c.s)
			}
		})
	}
}

func TestNeedsDatabase(t *testing.T) {
	t.Skip("no database on this machine")
}

// TestFlaky fails on its first attempt and passes on the rerun: the marker file outlives the process.
func TestFlaky(t *testing.T) {
	marker := filepath.Join(os.Getenv("FLAKY_DIR"), "calc-flaky")
	if _, err := os.Stat(marker); err != nil {
		if err := os.WriteFile(marker, []byte("seen"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Fatal("first attempt fails on purpose")
	}
}
