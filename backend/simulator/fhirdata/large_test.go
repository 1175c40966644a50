package fhirdata

import (
	"slices"
	"testing"
)

func TestLargePatient(t *testing.T) {
	const n = 3000
	p := LargePatient(7, n)
	total := 0
	for _, c := range p.Counts() {
		total += c
	}
	if total < n || total > n+20 {
		t.Errorf("holds %d resources, want about %d", total, n)
	}
	served := 0
	for _, ids := range p.Served() {
		served += len(ids)
	}
	if served < n*9/10 {
		t.Errorf("serves %d resources of %d", served, total)
	}
	again := LargePatient(7, n)
	if !slices.Equal(p.Served()["Observation"], again.Served()["Observation"]) {
		t.Error("same seed and size gave different Observations")
	}
}
