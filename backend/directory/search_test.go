package directory

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
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
		{"mixed case", "sMiTh & JoNeS", 0, "SMJOCD"},
		{"word prefixes", "smi jon", 0, "SMJOCD"},
		{"prefixes in any order", "fam smi", 0, "SMJOCD"},
		{"tabs and newlines in query", "smith\t\njones", 0, "SMJOCD"},
		{"city tells duplicates apart", "test facility orlando", 0, "TFA002"},
		{"state tells duplicates apart", "test facility ca", 0, "TFA001"},
		{"city alone", "westborough", 0, "TFA003 JAFJCD"},
		{"accented city", "castaner pr", 0, "CLCACD CASTCD"},
		{"city words as prefixes", "clinica san ju", 0, "CLCACD"},
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

func TestSearchPrefixesKeepMatching(t *testing.T) {
	ix := NewIndex(loadFixture(t))
	word := []rune("Castañer")
	for n := 1; n <= len(word); n++ {
		q := string(word[:n])
		got := " " + codes(ix.Search(q, 0)) + " "
		for _, want := range []string{"CLCACD", "CASTCD"} {
			if !strings.Contains(got, " "+want+" ") {
				t.Errorf("Search(%q) = [%s], lacks %s", q, got, want)
			}
		}
	}
}

func TestSearchResultsCarryPlace(t *testing.T) {
	ix := NewIndex(loadFixture(t))
	got := ix.Search("test facility", 0)
	want := []Practice{wantFixture["TFA001"], wantFixture["TFA002"], wantFixture["TFA003"]}
	if !slices.Equal(got, want) {
		t.Errorf("Search(test facility) = %+v\nwant %+v", got, want)
	}
	seen := map[string]bool{}
	for _, p := range got {
		key := p.City + ", " + p.State
		if p.City == "" || seen[key] {
			t.Errorf("%s: place %q does not tell it apart", p.Code, key)
		}
		seen[key] = true
	}
}

func TestSearchNameBeforePlace(t *testing.T) {
	ix := NewIndex([]Practice{
		{Code: "A", Name: "Family Care", City: "Boston", State: "MA"},
		{Code: "B", Name: "Boston Heart Partners", City: "Cambridge", State: "MA"},
		{Code: "C", Name: "Boston Heart", City: "Newton", State: "MA"},
	})
	cases := []struct{ query, want string }{
		{"boston", "C B A"},
		{"boston heart", "C B"},
		{"family boston", "A"},
		{"ma", "A C B"},
	}
	for _, tc := range cases {
		if got := codes(ix.Search(tc.query, 0)); got != tc.want {
			t.Errorf("Search(%q) = [%s], want [%s]", tc.query, got, tc.want)
		}
	}
}

func TestSearchHideTest(t *testing.T) {
	ix := NewIndex(loadFixture(t))
	cases := []struct {
		name, query string
		hide        bool
		limit       int
		want        string
	}{
		{"test facility shown", "test facility", false, 0, "TFA001 TFA002 TFA003"},
		{"test facility hidden", "test facility", true, 0, ""},
		{"sandbox code hidden", "JAFJCD", true, 0, ""},
		{"sandbox code shown", "JAFJCD", false, 0, "JAFJCD"},
		{"test word in name hidden", "synergy", true, 0, ""},
		{"only test tenants in that city", "westborough", true, 0, ""},
		{"real practices kept", "castaner", true, 0, "CLCACD CASTCD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := SearchOptions{Limit: tc.limit, HideTest: tc.hide}
			got := codes(ix.SearchWith(tc.query, o))
			if got != tc.want {
				t.Errorf("SearchWith(%q, hide=%v) = [%s], want [%s]",
					tc.query, tc.hide, got, tc.want)
			}
		})
	}
}

func TestSearchHidesBeforeLimit(t *testing.T) {
	ix := NewIndex([]Practice{{Code: "T", Name: "Ortho Train"},
		{Code: "R", Name: "Bone and Ortho"}})
	if got := codes(ix.SearchWith("ortho", SearchOptions{Limit: 1})); got != "T" {
		t.Errorf("shown: [%s], want [T] (a better rank beats being a test tenant)", got)
	}
	if got := codes(ix.SearchWith("ortho", SearchOptions{Limit: 1, HideTest: true})); got != "R" {
		t.Errorf("hidden: [%s], want [R]", got)
	}
}

func TestByBase(t *testing.T) {
	ix := NewIndex(loadFixture(t))
	if p, ok := ix.ByBase(h + "WELLMED"); !ok || p.Code != "WELLMED" {
		t.Errorf("ByBase(WELLMED) = %+v, %v", p, ok)
	}
	if p, ok := ix.ByBase(h + "WELLMED/"); ok {
		t.Errorf("ByBase with a trailing slash = %+v, want none", p)
	}
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
