//go:build bench

package store

import (
	"slices"
	"testing"
)

// TestBenchIngestRatio measures, in one process, the rate at which the
// store upserts new resources against a plain batched insert of the same
// rows into the same kind of database (BenchmarkUpsert/new and
// BenchmarkSavePage, the sync's call, against BenchmarkPlainInsert),
// alternating them five times and comparing the medians. The issue asks
// for at least half the baseline.
//
//	go test -tags bench -run TestBenchIngestRatio -v ./backend/store/
func TestBenchIngestRatio(t *testing.T) {
	rate := func(f func(*testing.B)) float64 {
		r := testing.Benchmark(f)
		return float64(r.N*benchPage) / r.T.Seconds()
	}
	var up, page, plain []float64
	for range 5 {
		up = append(up, rate(benchUpsertNew))
		page = append(page, rate(BenchmarkSavePage))
		plain = append(plain, rate(BenchmarkPlainInsert))
	}
	u, sp, p := median(up), median(page), median(plain)
	t.Logf("plain insert %.0f resources/s; UpsertResources %.0f (ratio %.2f); SavePage %.0f "+
		"(ratio %.2f); want ratios >= 0.50", p, u, u/p, sp, sp/p)
	if u/p < 0.5 || sp/p < 0.5 {
		t.Errorf("upsert ratios %.2f and %.2f of the plain insert, want at least 0.50",
			u/p, sp/p)
	}
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
