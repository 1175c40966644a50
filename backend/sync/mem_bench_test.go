//go:build bench

package sync

import (
	"path/filepath"
	"testing"

	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"
	"chartkeep/backend/store"
)

// TestBenchSyncMemory syncs a generated 50,000-resource patient in a child
// process, the simulator staying in this one so that its copy of the data
// is not counted, and reports the child's peak heap (runtime.MemStats
// HeapInuse and HeapAlloc, sampled every 5 ms during the sync). The issue
// asks for less than 150 MB.
//
//	go test -tags bench -run TestBenchSyncMemory -v ./backend/sync/
func TestBenchSyncMemory(t *testing.T) {
	const n, limit = 50_000, 150 << 20
	pt := fhirdata.LargePatient(11, n)
	e := newSimEnv(t, pt, simulator.Options{})
	served := 0
	for _, ids := range pt.Served() {
		served += len(ids)
	}
	path := filepath.Join(t.TempDir(), "large.db")
	cfg := e.childFor(t, path, store.NewKey())
	cfg.Heap = true
	rep := startChild(t, cfg).report(t)
	mb := func(n uint64) float64 { return float64(n) / (1 << 20) }
	t.Logf("%d resources served, %d stored in %.1f s; peak heap in use %.1f MB, "+
		"peak heap allocated %.1f MB (limit %d MB); peak RSS of the process %.1f MB",
		served, rep.Resources, rep.Seconds, mb(rep.PeakHeapInuse), mb(rep.PeakHeapAlloc),
		limit>>20, mb(rep.PeakRSS))
	if rep.Resources < served {
		t.Errorf("stored %d of %d resources", rep.Resources, served)
	}
	if rep.PeakHeapInuse >= limit {
		t.Errorf("peak heap %d MB, want under %d MB", rep.PeakHeapInuse>>20, limit>>20)
	}
}
