//go:build bench

package sync

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"

	"golang.org/x/time/rate"
)

// benchLatency and benchRate are the settings: 50 ms added to every
// request, and healow's 250 requests a minute.
const (
	benchLatency = 50 * time.Millisecond
	benchRate    = 250
)

// TestBenchSyncWallTime syncs Synthea patients against the simulator with
// benchLatency and benchRate on, and compares the wall time with the lower
// bound those two settings impose on the requests the sync needs (see
// lowerBound). The issue asks for at most 1.25 times the bound.
//
//	go test -tags bench -run TestBenchSyncWallTime -v ./backend/sync/
func TestBenchSyncWallTime(t *testing.T) {
	for _, tc := range []struct {
		patient string
		gate    bool
	}{
		// The Synthea patient with the most records served (1,769) and the
		// longest search: the one the figure is about.
		{largestSynthea, true},
		// The largest bundle file, whose records (986 served) all fit in two
		// pages per search: its bound is two latencies, 100 ms, and the
		// sync's own processing weighs on it. Reported, not gated.
		{"Milagros256", false},
	} {
		pt := syntheaPatient(t, tc.patient)
		b := lowerBound(t, pt)
		var walls []time.Duration
		for range 5 {
			wall, reqs := timedSync(t, pt, fhirclient.NewHealowLimiter())
			if reqs != b.requests {
				t.Errorf("%s: the sync made %d requests, the bound counts %d", tc.patient, reqs,
					b.requests)
			}
			walls = append(walls, wall)
		}
		slices.Sort(walls)
		ratio := walls[len(walls)/2].Seconds() / b.bound.Seconds()
		t.Logf("%s: %d requests, longest chain %d, bound %v; wall %v (median; min %v, all %v): "+
			"ratio %.2f (min %.2f)", tc.patient, b.requests, b.depth, b.bound,
			walls[len(walls)/2].Round(time.Millisecond), walls[0].Round(time.Millisecond),
			roundAll(walls), ratio, walls[0].Seconds()/b.bound.Seconds())
		if tc.gate && ratio > 1.25 {
			t.Errorf("%s: wall time %.2f times the lower bound, want at most 1.25", tc.patient,
				ratio)
		}

		// For comparison, the limiter app/limiter.go used before the window
		// limiter: a token bucket of 230 a minute with a burst of 20 holds
		// every request past the 20th.
		app, _ := timedSync(t, pt, rate.NewLimiter(rate.Limit(230.0/60), 20))
		t.Logf("%s with the former token bucket (230/min, burst 20): wall %v, ratio %.2f", tc.patient,
			app.Round(time.Millisecond), app.Seconds()/b.bound.Seconds())
	}
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// timedSync runs one first sync of pt into a fresh database against a
// fresh simulator and returns its wall time and the FHIR requests made.
func timedSync(t *testing.T, pt *fhirdata.Patient, lim fhirclient.Limiter) (time.Duration, int) {
	e := newSimEnv(t, pt, simulator.Options{Latency: benchLatency, RateLimit: benchRate})
	s := e.syncerWith(t, openStore(t), e.token(t), lim)
	if c := os.Getenv("BENCH_CONCURRENCY"); c != "" {
		fmt.Sscan(c, &s.Concurrency)
	}
	start := time.Now()
	res, err := s.Run(context.Background())
	wall := time.Since(start)
	if err != nil || res.Partial {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	return wall, len(e.rec.take())
}

// bound is the lower bound on a sync's wall time.
type bound struct {
	requests int // requests the sync needs
	depth    int // the longest chain of requests that must follow each other
	bound    time.Duration
}

// lowerBound works out, from the patient's data alone, the requests a sync
// needs and the longest chain among them, and the least time that
// benchLatency and benchRate allow for them:
//
//   - Requests: the Patient read; every page of every search of Plan
//     (ceil(matches/_count), at least one); one read per distinct
//     Practitioner, Organization, Location or Medication referenced
//     (following references up to maxRefDepth); one Binary read per
//     attachment given by url.
//   - Chain: page k of a search can only be asked for once page k-1 has
//     come back (its next link), so a search of k pages is a chain of k
//     requests; a reference first seen on page k is read at step k+1, one
//     seen in such a resource at k+2, and so on; a Binary at the step after
//     its resource's page. The depth is the longest chain.
//   - Latency bound: depth × benchLatency, since no request returns in less
//     than the added latency. It assumes unbounded parallelism and a server
//     and a network that take no time: the sync's own processing, its
//     database writes and the server's work all count against it.
//   - Rate bound: healow counts fixed wall-clock minutes. R requests fill
//     ceil(R/250) minutes; at best the first minute ends right after the
//     sync starts, so the sync lasts at least (ceil(R/250)-2) minutes, and
//     nothing when R <= 500. With the patients measured here R < 250, so
//     the rate limit imposes nothing and the bound is the latency bound.
func lowerBound(t *testing.T, pt *fhirdata.Patient) bound {
	t.Helper()
	r := &runner{s: &Syncer{FHIR: fhirclient.New("https://x.example/fhir/r4/"+simPractice, nil,
		func() string { return "" }, nil)}, st: newState("", nil)}
	size := 0
	fmt.Sscan(pageSize, &size)
	type at struct{ step, hop int }
	best := map[ref]at{}
	refer := func(m obj, step, hop int) {
		for _, rf := range r.collectRefs(m, nil) {
			if b, ok := best[rf]; !ok || step < b.step {
				best[rf] = at{step, hop}
			}
		}
	}
	requests, depth := 0, 0
	for _, q := range Plan(pt.ID()) {
		if q.ID != "" {
			raw, _ := pt.Read(q.Type, q.ID)
			m, _ := decode(raw)
			requests, depth = requests+1, max(depth, 1)
			refer(m, 2, 1)
			continue
		}
		params := url.Values{}
		for k, v := range q.Query {
			if k != "_count" {
				params[k] = v
			}
		}
		found, err := pt.Search(q.Type, params)
		if err != nil {
			t.Fatal(err)
		}
		pages := max(1, int(math.Ceil(float64(len(found))/float64(size))))
		requests, depth = requests+pages, max(depth, pages)
		for i, raw := range found {
			m, _ := decode(raw)
			k := i/size + 1
			refer(m, k+1, 1)
			for _, a := range attachmentsOf(q.Type, str(m, "id"), m) {
				if !a.inline {
					requests, depth = requests+1, max(depth, k+1)
				}
			}
		}
	}
	// Referenced resources, nearest first; their own references follow.
	done := map[ref]bool{}
	for {
		var next []ref
		for rf := range best {
			if !done[rf] {
				next = append(next, rf)
			}
		}
		if len(next) == 0 {
			break
		}
		slices.SortFunc(next, func(a, b ref) int { return best[a].step - best[b].step })
		rf := next[0]
		done[rf] = true
		b := best[rf]
		requests, depth = requests+1, max(depth, b.step)
		if raw, ok := pt.Read(rf.typ, rf.id); ok && b.hop < maxRefDepth {
			m, _ := decode(raw)
			refer(m, b.step+1, b.hop+1)
		}
	}
	latency := time.Duration(depth) * benchLatency
	minutes := max(0, int(math.Ceil(float64(requests)/benchRate))-2)
	return bound{requests: requests, depth: depth,
		bound: max(latency, time.Duration(minutes)*time.Minute)}
}
