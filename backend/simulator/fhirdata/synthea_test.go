package fhirdata

import (
	"errors"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSyntheaBundles loads every shared Synthea bundle and checks what a
// correct client would see.
func TestSyntheaBundles(t *testing.T) {
	for _, path := range sharedSynthea(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			start := time.Now()
			p := loadFile(t, path, Options{})
			// Generous bound: loading the 4 MB bundle takes ~0.3 s; this catches
			// accidental quadratic work, not jitter.
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("loading took %v", d)
			}
			checkNoBundleReferences(t, p)
			checkServedResolves(t, p)
			checkOffsets(t, p, "-05:00")
			checkObservationNeedsCategory(t, p)
		})
	}
}

func checkNoBundleReferences(t *testing.T, p *Patient) {
	t.Helper()
	for typ, ids := range p.order {
		for _, id := range ids {
			raw, _ := p.Read(typ, id)
			for _, ref := range references(decode(t, raw)) {
				if strings.HasPrefix(ref, "urn:") || strings.Contains(ref, "?") {
					t.Fatalf("%s/%s keeps bundle reference %q", typ, id, ref)
				}
			}
		}
	}
}

// checkServedResolves requires every served id to be readable and every
// Practitioner, Organization, Location or Medication reference of a served
// resource to resolve and itself be served.
func checkServedResolves(t *testing.T, p *Patient) {
	t.Helper()
	served := p.Served()
	if got := served["Patient"]; !slices.Equal(got, []string{p.ID()}) {
		t.Errorf("Served()[Patient] = %v, want [%s]", got, p.ID())
	}
	for typ, ids := range served {
		if !slices.IsSorted(ids) {
			t.Errorf("Served()[%s] not sorted", typ)
		}
		for _, id := range ids {
			raw, ok := p.Read(typ, id)
			if !ok {
				t.Fatalf("served %s/%s is not readable", typ, id)
			}
			for _, ref := range references(decode(t, raw)) {
				rt, rid, _ := strings.Cut(ref, "/")
				if !slices.Contains(referencedTypes, rt) {
					continue
				}
				if _, ok := p.Read(rt, rid); !ok {
					t.Errorf("%s/%s references missing %s", typ, id, ref)
				}
				if !slices.Contains(served[rt], rid) {
					t.Errorf("%s/%s references %s, which Served() leaves out", typ, id, ref)
				}
			}
		}
	}
	for _, typ := range []string{"Claim", "ExplanationOfBenefit", "Provenance", "Binary"} {
		if ids, ok := served[typ]; ok {
			t.Errorf("Served() includes %d %s", len(ids), typ)
		}
	}
}

func checkObservationNeedsCategory(t *testing.T, p *Patient) {
	t.Helper()
	_, err := p.Search("Observation", url.Values{"patient": {p.ID()}, "_count": {"50"}})
	var se *SearchError
	if !errors.As(err, &se) || se.Status != 400 || se.Diagnostics !=
		"Does not know how to handle get operation with parameter [patient,_count]" {
		t.Errorf("Observation?patient&_count = %v, want the HAPI 400", err)
	}
	labs, err := p.Search("Observation", url.Values{"patient": {p.ID()},
		"category": {"laboratory"}})
	if err != nil || len(labs) == 0 {
		t.Errorf("Observation?category=laboratory = %d results, %v", len(labs), err)
	}
}

func BenchmarkLoadLargestBundle(b *testing.B) {
	path := "testdata/references.json"
	if files, _ := filepath.Glob(filepath.Join(sharedBase(b), "fhir-data", "synthea",
		"Milagros*.json")); len(files) > 0 {
		path = files[0]
	}
	for b.Loop() {
		loadFile(b, path, Options{})
	}
}
