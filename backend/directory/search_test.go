package directory

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func codes(ps []Practice) string {
	c := make([]string, len(ps))
	for i, p := range ps {
		c[i] = p.Code
	}
	return strings.Join(c, " ")
}

func TestSearchFixture(t *testing.T) {
	ix := NewIndex(loadFixture(t))
	cases := []struct {
		name, query string
		limit       int
		want        string // codes, in order
	}{
		{"accent folded", "castaner", 0, "CLCACD CASTCD"},
		{"accent typed", "CASTAÑER", 0, "CLCACD CASTCD"},
		{"decomposed accent typed", "castan\u0303er", 0, "CLCACD CASTCD"},
		{"exact ranks first", "test facility", 0, "TFA001 TFA002 TFA003"},
		{"limit", "test facility", 2, "TFA001 TFA002"},
		{"prefix before words, test tenant", "test", 0, "TFA001 TFA002 TFA003 SYNOCD"},
		{"ampersand typed", "smith & jones", 0, "SMJOCD"},
		{"and typed for ampersand", "smith and jones", 0, "SMJOCD"},
		{"any order", "jones smith", 0, "SMJOCD"},
		{"html entity in data", "foot and ankle", 0, "GRFACD"},
		{"double spaces in data", "allergy rheumatology", 0, "ALRHCD"},
		{"spaces in query", "  allergy    rheum  ", 0, "ALRHCD"},
		{"apostrophe typed", "woman's", 0, "EVWOCD"},
		{"apostrophe left out", "womans obgyn", 0, "EVWOCD"},
		{"escaped apostrophe in data", "saint jude's", 0, "SAJUCD"},
		{"percent-encoded data", "synergy ortho", 0, "SYNOCD"},
		{"code exact", "jafjcd", 0, "JAFJCD"},
		{"code is not prefix-matched", "JAFJ", 0, ""},
		{"long code", "WELLMED", 0, "WELLMED"},
		{"code with digit", "midoc1", 0, "MIDOC1"},
		{"prefix rank then length", "clinic", 0, "CLCACD LOOPCD TRSLCD"},
		{"all words needed", "castaner zebra", 0, ""},
		{"empty", "", 0, ""},
		{"punctuation only", " -/. ", 0, ""},
		{"ampersand alone means and", "&", 0, "GRFACD SMJOCD"},
		{"no match", "zzzz", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := codes(ix.Search(tc.query, tc.limit)); got != tc.want {
				t.Errorf("Search(%q) = [%s], want [%s]", tc.query, got, tc.want)
			}
		})
	}
}

func TestSearchConcurrent(t *testing.T) {
	ix := NewIndex(loadFixture(t))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := codes(ix.Search("Castañer", 0)); got != "CLCACD CASTCD" {
					t.Errorf("Search = [%s]", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSearchDemotesTestTenants(t *testing.T) {
	ix := NewIndex([]Practice{
		{Code: "A", Name: "Ortho TEST"},
		{Code: "B", Name: "Ortho Partners of a Long Town Name"},
		{Code: "C", Name: "Ortho"},
	})
	if got := codes(ix.Search("ortho", 0)); got != "C B A" {
		t.Errorf("Search = [%s], want [C B A]", got)
	}
}

// sharedDir is ../shared beside the repository, or $CHARTKEEP_SHARED.
func sharedDir() string {
	if d := os.Getenv("CHARTKEEP_SHARED"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared")
}

// mereSnapshot converts the Mere Medical snapshot (a JSON array of
// {id, name, url}, not a Bundle) into practices.
func mereSnapshot(t testing.TB) []Practice {
	t.Helper()
	path := filepath.Join(sharedDir(), "fhir-data", "directory", "ecw_healow_R4Endpoints_mere-medical.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("directory snapshot: %v (set CHARTKEEP_SHARED)", err)
	}
	var rows []struct{ ID, Name, URL string }
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	ps := make([]Practice, 0, len(rows))
	for _, r := range rows {
		base, ok := cleanBase(r.URL)
		if !ok {
			t.Fatalf("snapshot row %s has base %q", r.ID, r.URL)
		}
		ps = append(ps, Practice{Code: r.ID, Name: CleanName(r.Name), Base: base})
	}
	return ps
}

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

func BenchmarkSearch(b *testing.B) {
	ix := NewIndex(mereSnapshot(b))
	queries := []string{"castaner", "family medicine", "test facility", "pediatric assoc",
		"a", "smith & jones", "JAFJCD", "women's health center"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Search(queries[i%len(queries)], 20)
	}
}
