//go:build shareddata

package directory

import (
	"strings"
	"testing"
)

// This test reads healow's directory snapshot in ../shared; the Makefile
// builds it in when that folder is there, and always under CI.

func TestSearchSnapshot(t *testing.T) {
	ix := NewIndex(mereSnapshot(t))
	if ix.Len() != 6919 {
		t.Errorf("snapshot has %d practices, want 6919", ix.Len())
	}
	cases := []struct {
		name, query string
		check       func(ps []Practice) bool
		desc        string
	}{
		{"accent folded", "castaner", func(ps []Practice) bool {
			return len(ps) == 1 && ps[0].Name == "Hospital General Castañer INC"
		}, "the Castañer hospital"},
		{"test facilities first", "test facility", func(ps []Practice) bool {
			for _, p := range ps[:10] {
				if p.Name != "Test Facility" {
					return false
				}
			}
			return len(ps) > 10
		}, "ten exact Test Facility first"},
		{"percent-encoded name", "synergy ortho", func(ps []Practice) bool {
			return len(ps) > 0 && strings.Contains(ps[0].Name, " ")
		}, "a decoded name"},
		{"html entity name", "grayslake foot and ankle", func(ps []Practice) bool {
			return len(ps) == 1 && ps[0].Name == "Grayslake Foot & Ankle Center"
		}, "Grayslake Foot & Ankle Center"},
		{"sandbox code", "JAFJCD", func(ps []Practice) bool {
			return len(ps) == 1 && ps[0].Code == "JAFJCD"
		}, "the public sandbox"},
		{"common words", "family medicine", func(ps []Practice) bool {
			return len(ps) > 50
		}, "many practices"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ix.Search(tc.query, 0)
			if !tc.check(got) {
				n := min(len(got), 12)
				t.Errorf("Search(%q) gave %d results, want %s; first: %+v",
					tc.query, len(got), tc.desc, got[:n])
			}
		})
	}
}
