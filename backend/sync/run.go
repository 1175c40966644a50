package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/store"
)

// DefaultConcurrency is the number of requests run at once. healow allows
// 250 requests a minute per practice (HEALOW.md §1); the limiter given to
// the FHIR client enforces that, this only bounds parallel connections. A
// run's time is set by its longest chain of pages, so enough workers to
// start the long searches together keep it close to that.
const DefaultConcurrency = 16

// DefaultMaxAttachmentBytes caps one attachment download.
const DefaultMaxAttachmentBytes = 20 << 20

// maxRefDepth bounds how far references are followed: 1 for those in
// searched resources, 2 for those in the resources they name (a Location's
// managing Organization), and so on.
const maxRefDepth = 3

// maxResumeAge is how old an unfinished cycle may be and still be resumed;
// an older one is started again.
const maxResumeAge = 24 * time.Hour

// ErrStore wraps a store failure that stopped a run.
var ErrStore = errors.New("sync: store failed")

// Syncer downloads one connection's records. Set the fields, then call Run;
// a Syncer runs one Run at a time, and one connection must have one Run at
// a time.
type Syncer struct {
	FHIR         *fhirclient.Client
	Store        *store.Store
	ConnectionID string
	PatientID    string
	// Progress, when set, is called after each page, read, download,
	// failure and completion of a type. Calls are serial, never
	// concurrent, and must not block for long.
	Progress func(Progress)
	// Concurrency bounds parallel requests; 0 means DefaultConcurrency.
	Concurrency int
	// Searches replaces Plan(PatientID) when not nil.
	Searches []Search
	// ReferenceTypes replaces the package's ReferenceTypes when not nil:
	// leave out the types the granted scope does not allow reading.
	ReferenceTypes []string
	// Resume continues the connection's last cycle when an earlier run
	// left it unfinished (expired token, cancel, crash) less than a day
	// ago: searches that completed are not fetched again, the others go
	// on from their last committed page. Without an unfinished cycle, or
	// when Resume is false, the run starts a new cycle from the beginning.
	Resume bool
	// Attachments allows reading Binary resources for attachments given by
	// url; set it only when the granted scope includes Binary (HEALOW.md
	// §4 step 7). Inline attachment data is stored either way; url
	// attachments are recorded with a message instead when it is false.
	Attachments bool
	// MaxAttachmentBytes caps one attachment (DefaultMaxAttachmentBytes
	// when 0); a larger one is recorded with a message, not downloaded.
	MaxAttachmentBytes int64
	// Log receives type-level notes, never content; nil means slog.Default.
	Log *slog.Logger
}

// Run downloads everything, records the run in the store (StartRun and
// FinishRun), and returns what was stored per type.
//
// Failed searches and reads are in Result.Errors and do not fail Run. Run
// fails, with a partial Result, when the token is rejected (errors.Is
// fhirclient.ErrUnauthorized: the connection needs a reconnect, then a
// Resume run), when the store fails (ErrStore), or when ctx ends. Pages
// already fetched when that happens are still stored.
func (s *Syncer) Run(ctx context.Context) (*Result, error) {
	run, err := s.Store.StartRun(ctx, s.ConnectionID)
	if err != nil {
		return nil, fmt.Errorf("sync: %w: %w", ErrStore, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &runner{s: s, st: newState(s.ConnectionID, s.Progress), cancel: cancel}
	plan, err := r.begin(ctx, run)
	if err != nil {
		s.finish(context.WithoutCancel(ctx), run, &Result{}, err)
		return nil, fmt.Errorf("sync: %w: %w", ErrStore, err)
	}

	r.execute(ctx, plan)

	err = r.st.fatalErr()
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = r.complete(context.WithoutCancel(ctx), plan)
	}
	res := r.st.result(plannedTypes(plan))
	res.Resumed = run.Resumed
	res.Partial = res.Partial || err != nil
	r.st.logNotes(s.log())
	s.finish(context.WithoutCancel(ctx), run, res, err)
	if err != nil {
		return res, fmt.Errorf("sync: %w", err)
	}
	return res, nil
}

func (s *Syncer) finish(ctx context.Context, run *store.SyncRun, res *Result, err error) {
	status := store.RunOK
	switch {
	case errors.Is(err, context.Canceled):
		status = store.RunCancelled
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

func (s *Syncer) refTypes() []string {
	if s.ReferenceTypes != nil {
		return s.ReferenceTypes
	}
	return ReferenceTypes
}

func (s *Syncer) maxAttachment() int64 {
	if s.MaxAttachmentBytes > 0 {
		return s.MaxAttachmentBytes
	}
	return DefaultMaxAttachmentBytes
}

func (s *Syncer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
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

// runner is one Run's working state.
type runner struct {
	s       *Syncer
	st      *state
	cancel  context.CancelFunc
	pool    *pool
	cycle   uint
	cursors map[string]store.SyncCursor // as the cycle's earlier runs left them
	done    doneSet                     // searches completed in the cycle
	atts    map[attKey]store.Attachment // stored attachments, without bytes
	// seedRefs and seedAtts come from the resources a resumed cycle
	// stored before; execute queues them.
	seedRefs []ref
	seedAtts []attJob
}

// execute runs the plan's requests and everything they lead to.
func (r *runner) execute(ctx context.Context, plan []Search) {
	r.pool = newPool(ctx, r.s.concurrency())
	for _, q := range plan {
		r.st.expect(q.Type)
		if q.ID != "" {
			r.pool.add(func(ctx context.Context) { r.read(ctx, q, 0) })
		} else {
			r.pool.add(func(ctx context.Context) { r.search(ctx, q) })
		}
	}
	r.follow(r.seedRefs, 1)
	r.attach(r.seedAtts)
	r.seedRefs, r.seedAtts = nil, nil
	r.pool.wait()
}

// fail sorts a request's failure: fatal for the run, or partial for the
// type. It reports nothing once the run is stopping.
func (r *runner) fail(ctx context.Context, typ, label string, err error) {
	switch {
	case ctx.Err() != nil:
	case errors.Is(err, fhirclient.ErrUnauthorized), errors.Is(err, ErrStore):
		r.st.abort(err)
		r.cancel()
		r.s.log().Warn("sync: run stopped", "type", typ, "status", statusOf(err))
		r.st.failed(typ, label+": "+err.Error())
	default:
		r.s.log().Warn("sync: request failed", "type", typ, "status", statusOf(err))
		r.st.failed(typ, label+": "+err.Error())
	}
}

func statusOf(err error) int {
	var se *fhirclient.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}
