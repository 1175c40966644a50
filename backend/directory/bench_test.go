package directory

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// typedQueries are searches a patient might type, one keystroke at a time.
var typedQueries = []string{"castañer", "family medicine", "test facility", "pediatric assoc",
	"smith & jones", "JAFJCD", "women's health center", "riverside columbus"}

// keystrokes expands each query into the searches its typing sends: every
// prefix, one rune longer each time.
func keystrokes(queries []string) []string {
	var out []string
	for _, q := range queries {
		r := []rune(q)
		for n := 1; n <= len(r); n++ {
			out = append(out, string(r[:n]))
		}
	}
	return out
}

// Word lists for generatedPractices, dirty on purpose (HEALOW.md §2).
var (
	genSurnames = []string{"Smith", "Johnson", "García", "Nguyen", "Patel", "Castañer", "Müller",
		"O'Brien", "Williams", "Brown", "Jones", "Miller", "Davis", "Rodríguez", "Martínez",
		"Hernández", "López", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
		"Martin", "Lee", "Pérez", "Thompson", "White", "Harris", "Sánchez", "Clark", "Lewis"}
	genFirst     = []string{"Ana", "Robert", "María", "James", "Priya", "Wei", "John", "Fatima"}
	genSpecialty = []string{"Family Medicine", "Pediatrics", "Internal Medicine", "Cardiology",
		"Orthopedics", "Dermatology", "OB/GYN", "Women's Health", "Urgent Care", "Gastroenterology",
		"Pediatric Associates", "Allergy & Asthma", "Foot & Ankle", "Primary Care", "Neurology",
		"Behavioral Health", "Pain Management", "Rheumatology", "Oncology", "Eye Care"}
	genSuffix = []string{"Associates", "Group", "Clinic", "Center", "PA", "LLC", "PLLC", "Inc.",
		"Medical Group", "Partners", ""}
	genTowns = []string{"Columbus", "Riverside", "San Juan", "Springfield", "Westborough",
		"Houston", "Orlando", "Irvine", "Bryan", "Grayslake", "Castañer", "Dayton", "Atlanta",
		"St Petersburg", "Ann Arbor", "Billings", "Manhattan", "Edison", "Rochester", "Boston",
		"Mayagüez", "Ponce", "El Paso", "Fort Worth", "New Brunswick", "Los Ángeles"}
	genStates = []string{"OH", "CA", "PR", "IL", "MA", "TX", "FL", "GA", "MI", "MT", "KS", "NJ",
		"NY", "NM"}
)

// generatedPractices makes a deterministic directory of n practices that
// looks like healow's: names from a few patterns, duplicates, double
// spaces, accents and a few percent of test tenants.
func generatedPractices(n int) []Practice {
	r := rand.New(rand.NewPCG(17, 2024))
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	ps := make([]Practice, n)
	for i := range ps {
		town := pick(genTowns)
		var name string
		switch r.IntN(10) {
		case 0:
			name = "Dr. " + pick(genFirst) + " " + pick(genSurnames) + " MD"
		case 1:
			name = pick(genSurnames) + " & " + pick(genSurnames) + " " + pick(genSpecialty)
		case 2, 3:
			name = town + " " + pick(genSpecialty) + " " + pick(genSuffix)
		case 4:
			if r.IntN(4) == 0 {
				name = pick([]string{"Test Facility", town + " TEST", "TRAIN - " + town,
					"Prodtest EMR"})
				break
			}
			fallthrough
		default:
			name = pick(genSurnames) + "  " + pick(genSpecialty) + " " + pick(genSuffix)
		}
		code := fmt.Sprintf("G%05d", i)
		ps[i] = Practice{Code: code, Name: CleanName(name), Base: h + code,
			City: town, State: pick(genStates)}
	}
	return ps
}

// containsBaseline is the naive search the index is compared with: a
// substring scan over lower-cased names, without ranking or folding.
type containsBaseline struct{ names []string }

func newContainsBaseline(ps []Practice) *containsBaseline {
	c := &containsBaseline{names: make([]string, len(ps))}
	for i, p := range ps {
		c.names[i] = strings.ToLower(p.Name)
	}
	return c
}

func (c *containsBaseline) search(q string, limit int) []int {
	q = strings.ToLower(q)
	var out []int
	for i, n := range c.names {
		if strings.Contains(n, q) {
			out = append(out, i)
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// BenchmarkSearch measures one keystroke's search (limit 50, test tenants
// hidden, as the picker asks) over the 6,919-practice snapshot and over a
// generated 20,000-practice directory, next to the substring baseline.
// Beside ns/op (the mean) it reports the p99 and the slowest keystroke.
func BenchmarkSearch(b *testing.B) {
	corpora := []struct {
		name string
		ps   func(testing.TB) []Practice
	}{
		{"snapshot6919", mereSnapshot},
		{"generated20000", func(testing.TB) []Practice { return generatedPractices(20000) }},
	}
	keys := keystrokes(typedQueries)
	for _, c := range corpora {
		ps := c.ps(b)
		b.Run(c.name+"/index", func(b *testing.B) {
			ix := NewIndex(ps)
			o := SearchOptions{Limit: 50, HideTest: true}
			runKeystrokes(b, keys, func(q string) { ix.SearchWith(q, o) })
		})
		b.Run(c.name+"/contains-baseline", func(b *testing.B) {
			base := newContainsBaseline(ps)
			runKeystrokes(b, keys, func(q string) { base.search(q, 50) })
		})
	}
}

// runKeystrokes runs search over keys in turn, one per iteration, and
// reports the 99th percentile and the slowest single keystroke (which
// includes any GC pause or preemption that hit it).
func runKeystrokes(b *testing.B, keys []string, search func(string)) {
	b.ReportAllocs()
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		search(keys[i%len(keys)])
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(took[len(took)-1].Microseconds()), "max-µs")
}

// BenchmarkNewIndex measures building the index over a live-sized
// directory, which happens once per start (HEALOW.md §2: about 17,000
// entries, so at most that many practices).
func BenchmarkNewIndex(b *testing.B) {
	ps := generatedPractices(17000)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(ps)
	}
}

func TestGeneratedPracticesLookLive(t *testing.T) {
	ps := generatedPractices(20000)
	ix := NewIndex(ps)
	tests, dupes := 0, map[string]int{}
	for _, p := range ps {
		if IsTestTenant(p) {
			tests++
		}
		dupes[p.Name]++
	}
	if ix.Len() != 20000 || tests < 200 || tests > 2000 || dupes["Test Facility"] < 10 {
		t.Errorf("generated: %d practices, %d test tenants, %d Test Facility",
			ix.Len(), tests, dupes["Test Facility"])
	}
	if got := ix.Search("castaner", 5); len(got) != 5 {
		t.Errorf("Search(castaner) in the generated directory = %+v", got)
	}
}
