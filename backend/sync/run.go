package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	gosync "sync"
	"time"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/store"
)

// DefaultConcurrency is the number of searches run at once. healow allows
// 250 requests a minute per practice (HEALOW.md §1); the limiter in the
// FHIR client enforces that, this only bounds parallel connections.
const DefaultConcurrency = 4

// maxRefRounds bounds how many times references found in referenced
// resources (a Location's managing Organization) are followed.
const maxRefRounds = 3

// ErrStore wraps a store failure that stopped a run.
var ErrStore = errors.New("sync: store failed")

// Syncer downloads one connection's records. Set the fields, then call Run;
// a Syncer runs one Run at a time.
type Syncer struct {
	FHIR         *fhirclient.Client
	Store        *store.Store
	ConnectionID string
	PatientID    string
	// Progress, when set, is called after each page, read, failure and
	// completion of a type. Calls are serial, never concurrent.
	Progress func(Progress)
	// Concurrency bounds parallel requests; 0 means DefaultConcurrency.
	Concurrency int
	// Searches replaces Plan(PatientID) when not nil.
	Searches []Search
	// Log receives type-level notes, never content; nil means slog.Default.
	Log *slog.Logger
}

// Run downloads everything, records the run in the store (StartRun and
// FinishRun), and returns what was stored per type.
//
// Failed searches and reads are in Result.Errors and do not fail Run. Run
// fails, with a partial Result, when the token is rejected (errors.Is
// fhirclient.ErrUnauthorized: the connection needs a reconnect), when the
// store fails (ErrStore), or when ctx ends.
func (s *Syncer) Run(ctx context.Context) (*Result, error) {
	plan := s.Searches
	if plan == nil {
		plan = Plan(s.PatientID)
	}
	run, err := s.Store.StartRun(ctx, s.ConnectionID)
	if err != nil {
		return nil, fmt.Errorf("sync: %w: %w", ErrStore, err)
	}
	st := newState(s.ConnectionID, s.Progress)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, q := range plan {
		st.expect(q.Type)
	}

	// The Patient read goes first: a rejected token shows there at once.
	reads, searches := splitReads(plan)
	// After a fatal error ctx is cancelled: each then only marks the
	// remaining requests finished.
	s.each(ctx, cancel, st, reads, 1)
	s.each(ctx, cancel, st, searches, s.concurrency())
	s.references(ctx, cancel, st)

	res := st.result(plannedTypes(plan))
	err = st.fatalErr()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
		res.Partial = true
	}
	s.finish(context.WithoutCancel(ctx), run, res, err)
	if err != nil {
		return res, fmt.Errorf("sync: %w", err)
	}
	return res, nil
}

func (s *Syncer) finish(ctx context.Context, run *store.SyncRun, res *Result, err error) {
	status := store.RunOK
	switch {
	case err != nil:
		status = store.RunFailed
	case res.Partial:
		status = store.RunPartial
	}
	if ferr := s.Store.FinishRun(ctx, run, status, res.Counts, res.Errors); ferr != nil {
		s.log().Error("sync: cannot record the run", "status", status)
	}
}

func (s *Syncer) concurrency() int {
	if s.Concurrency > 0 {
		return s.Concurrency
	}
	return DefaultConcurrency
}

func (s *Syncer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func splitReads(plan []Search) (reads, searches []Search) {
	for _, q := range plan {
		if q.ID != "" {
			reads = append(reads, q)
		} else {
			searches = append(searches, q)
		}
	}
	return reads, searches
}

func plannedTypes(plan []Search) []string {
	var ts []string
	for _, q := range plan {
		if !slices.Contains(ts, q.Type) {
			ts = append(ts, q.Type)
		}
	}
	return ts
}

// each runs qs with at most n at a time, stopping early once ctx ends.
func (s *Syncer) each(ctx context.Context, cancel context.CancelFunc, st *state,
	qs []Search, n int) {
	sem := make(chan struct{}, n)
	var wg gosync.WaitGroup
	for _, q := range qs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			st.finished(q.Type)
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			s.do(ctx, cancel, st, q)
		})
	}
	wg.Wait()
}

// do runs one search or read and sorts its failure: fatal for the run, or
// partial for the type.
func (s *Syncer) do(ctx context.Context, cancel context.CancelFunc, st *state, q Search) {
	defer st.finished(q.Type)
	start := time.Now()
	var err error
	if q.ID != "" {
		err = s.read(ctx, st, q)
	} else {
		err = s.FHIR.Search(ctx, q.Type, q.Query, func(p *fhirclient.Page) error {
			return s.storeAll(ctx, st, q.Type, p.Entries)
		})
	}
	switch {
	case err == nil:
		s.log().Debug("sync: done", "type", q.Type, "duration", time.Since(start))
	case errors.Is(err, fhirclient.ErrUnauthorized), errors.Is(err, ErrStore):
		st.abort(err)
		cancel()
		s.log().Warn("sync: run stopped", "type", q.Type, "status", statusOf(err))
		st.failed(q.Type, q.Label()+": "+err.Error())
	case ctx.Err() != nil:
	default:
		s.log().Warn("sync: request failed", "type", q.Type, "status", statusOf(err))
		st.failed(q.Type, q.Label()+": "+err.Error())
	}
}

func statusOf(err error) int {
	var se *fhirclient.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

func (s *Syncer) read(ctx context.Context, st *state, q Search) error {
	raw, err := s.FHIR.Read(ctx, q.Type, q.ID)
	if err != nil {
		return err
	}
	return s.storeAll(ctx, st, q.Type, []json.RawMessage{raw})
}

// references reads the resources of ReferenceTypes that stored resources
// point at, each once, for a few rounds.
func (s *Syncer) references(ctx context.Context, cancel context.CancelFunc, st *state) {
	for range maxRefRounds {
		if ctx.Err() != nil || st.fatalErr() != nil {
			return
		}
		refs := st.takeRefs()
		if len(refs) == 0 {
			return
		}
		qs := make([]Search, len(refs))
		for i, r := range refs {
			qs[i] = Search{Type: r.typ, ID: r.id}
			st.expect(r.typ)
		}
		s.each(ctx, cancel, st, qs, s.concurrency())
	}
}
