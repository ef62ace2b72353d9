// Package text repeats a test name of package calc and uses unicode subtest names.
package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAdd(t *testing.T) {
	if strings.Repeat("a", 2) != "aa" {
		t.Fatal("repeat is broken")
	}
}

func TestUnicode(t *testing.T) {
	t.Run("grüße — «ok»", func(t *testing.T) {
		if utf8.RuneCountInString("grüße") != 5 {
			t.Error("wrong rune count")
		}
	})
	t.Run("日本語", func(t *testing.T) {
		t.Skip("skipped inside a subtest")
	})
}
