package sync

import (
	"context"
	"errors"
	"slices"
	gosync "sync"
	"testing"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/simulator"
	"chartkeep/backend/store"
)

// TestSyncResumes interrupts a sync of the largest Synthea patient after a
// few pages, then resumes it: searches completed before are not fetched
// again, the others go on from their last committed page (or from the
// start when the server forgot the cursor), and the database ends up as an
// uninterrupted sync leaves it.
func TestSyncResumes(t *testing.T) {
	tests := []struct {
		name string
		// interrupt stops the first run once some pages are stored.
		interrupt  func(e *simEnv, cancel context.CancelFunc)
		wantErr    error
		wantStatus string
		// forget makes the server drop its paging state before the resume.
		forget bool
	}{
		{"token expires", func(e *simEnv, _ context.CancelFunc) { e.sim.ExpireTokens() },
			fhirclient.ErrUnauthorized, store.RunFailed, false},
		{"token expires, cursors forgotten", func(e *simEnv, _ context.CancelFunc) {
			e.sim.ExpireTokens()
		}, fhirclient.ErrUnauthorized, store.RunFailed, true},
		{"cancelled", func(_ *simEnv, cancel context.CancelFunc) { cancel() },
			context.Canceled, store.RunCancelled, false},
	}
	pt := syntheaPatient(t, largestSynthea)
	e := newSimEnv(t, pt, simulator.Options{})
	want := openStore(t)
	if _, err := e.syncer(t, want, e.token(t)).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.rec.take()
			st := openStore(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := e.syncer(t, st, e.token(t))
			var once gosync.Once
			// The short Observation searches take 9 pages in all, the long
			// one 11: at 12 it is part way through.
			s.Progress = func(p Progress) {
				if p.Type == "Observation" && p.Pages >= 12 {
					once.Do(func() { tt.interrupt(e, cancel) })
				}
			}
			if _, err := s.Run(ctx); !errors.Is(err, tt.wantErr) {
				t.Fatalf("first run: %v, want %v", err, tt.wantErr)
			}
			done, next := cursorsOf(t, st)
			if len(done) == 0 || len(next) == 0 {
				t.Fatalf("after the interruption %d searches done, %d part way: the test "+
					"needs both", len(done), len(next))
			}
			if tt.forget {
				e.sim.ExpirePages()
			}
			e.rec.take()

			s = e.syncer(t, st, e.token(t))
			s.Resume = true
			res, err := s.Run(context.Background())
			if err != nil || res.Partial || !res.Resumed {
				t.Fatalf("resumed run = %+v, %v", res, err)
			}
			starts, pages := searchStarts(e.rec.take())
			for _, k := range done {
				if starts[k] != 0 {
					t.Errorf("%s was complete but searched again", k)
				}
			}
			for _, k := range next {
				if want := map[bool]int{false: 0, true: 1}[tt.forget]; starts[k] != want {
					t.Errorf("%s searched from the start %d times, want %d", k, starts[k], want)
				}
			}
			if pages == 0 {
				t.Error("the resumed run followed no next link")
			}
			sameDB(t, "resumed", st, want)
			checkCountsMatch(t, res, want)
			checkHistory(t, st, tt.wantStatus)
		})
	}
}

// cursorsOf returns the searches of the open cycle that are done and those
// stopped part way (with a next link).
func cursorsOf(t *testing.T, st *store.Store) (done, next []string) {
	t.Helper()
	c, err := st.LastCycle(context.Background(), "conn1")
	if err != nil || c.Closed {
		t.Fatalf("cycle after the interruption: %+v, %v; want it open", c, err)
	}
	cs, err := st.Cursors(context.Background(), "conn1", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for k, cur := range cs {
		switch {
		case cur.Done:
			done = append(done, k)
		case cur.Next != "":
			next = append(next, k)
		}
	}
	slices.Sort(done)
	slices.Sort(next)
	return done, next
}

func checkCountsMatch(t *testing.T, res *Result, want *store.Store) {
	t.Helper()
	counts, _ := want.CountByType(context.Background(), "conn1")
	for typ, n := range counts {
		if res.Counts[typ] != n {
			t.Errorf("resumed result counts %d %s, the database %d", res.Counts[typ], typ, n)
		}
	}
}

// checkHistory wants two runs: the interrupted one with wantFirst, then an
// ok resumed one of the same cycle with counts and a duration.
func checkHistory(t *testing.T, st *store.Store, wantFirst string) {
	t.Helper()
	runs, err := st.ListRuns(context.Background(), "conn1", 10)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs = %d, %v; want 2", len(runs), err)
	}
	last, first := runs[0], runs[1]
	if first.Status != wantFirst || first.Resumed || last.Status != store.RunOK ||
		!last.Resumed || last.Cycle != first.Cycle || first.Cycle != first.ID {
		t.Errorf("runs = %+v / %+v", first, last)
	}
	counts, err := last.CountsMap()
	if err != nil || counts["Observation"] == 0 || last.Duration() <= 0 {
		t.Errorf("last run counts %v (%v), duration %v", counts, err, last.Duration())
	}
	if errs, _ := first.ErrorsMap(); wantFirst == store.RunFailed && len(errs) == 0 {
		t.Error("the failed run recorded no error")
	}
}

func TestSyncStartsAfreshAfterACompleteCycle(t *testing.T) {
	e := newSimEnv(t, syntheaPatient(t, "Beatris270"), simulator.Options{})
	st := openStore(t)
	s := e.syncer(t, st, e.token(t))
	s.Resume = true
	for i := range 2 {
		res, err := s.Run(context.Background())
		if err != nil || res.Resumed {
			t.Fatalf("run %d = %+v, %v; want a fresh run", i, res, err)
		}
		starts, _ := searchStarts(e.rec.take())
		if len(starts) != len(Plan("x"))-1 {
			t.Errorf("run %d searched %d searches from the start, want all %d", i, len(starts),
				len(Plan("x"))-1)
		}
	}
}
