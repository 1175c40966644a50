package sync

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	gosync "sync"
)

// Progress reports one type's state during a run.
type Progress struct {
	ConnectionID string
	Type         string
	// Pages counts the pages (and reads, and attachment downloads) done
	// for the type, in the whole cycle when the run resumed one.
	Pages int
	// Resources counts the distinct resources of the type stored so far in
	// the cycle; for "Binary", the attachments stored.
	Resources int
	// Errors counts the failed searches and reads of the type.
	Errors int
	// Done is set while no request of the type is queued or running. A
	// reference type may get more work after a Done when a later page
	// refers to more of it.
	Done bool
	// Message is the latest error of the type, in plain words.
	Message string
}

// Result sums up a run.
type Result struct {
	// Counts holds the distinct resources stored per type in the cycle
	// (the whole cycle when the run resumed one). "Binary" counts the
	// attachments whose bytes are stored.
	Counts map[string]int
	// Errors holds, per type, what failed; a type in Errors is partial.
	Errors map[string]string
	// Removed holds, per type, the resources marked removed by this run:
	// stored earlier, no longer served.
	Removed map[string]int
	// Partial is set when any type failed or the run was stopped.
	Partial bool
	// Resumed is set when the run continued an unfinished cycle.
	Resumed bool
}

// maxMessages bounds the error messages kept per type.
const maxMessages = 3

// binaryType is the Progress and Result type of attachment downloads.
const binaryType = "Binary"

type typeState struct {
	pending  int
	pages    int
	errors   int
	messages []string
	ids      map[string]bool
}

// state is what the goroutines of one run share.
type state struct {
	mu       gosync.Mutex
	connID   string
	types    map[string]*typeState
	tried    map[ref]bool // referenced and queued once already
	notes    map[note]int // what could not be read, by type
	removed  map[string]int
	progress func(Progress)
	fatal    error
}

type ref struct{ typ, id string }

type note struct{ typ, what string }

func newState(connID string, progress func(Progress)) *state {
	return &state{
		connID: connID, types: map[string]*typeState{}, tried: map[ref]bool{},
		notes: map[note]int{}, removed: map[string]int{}, progress: progress,
	}
}

func (st *state) typ(t string) *typeState {
	ts := st.types[t]
	if ts == nil {
		ts = &typeState{ids: map[string]bool{}}
		st.types[t] = ts
	}
	return ts
}

// expect registers a request of type t that has not finished yet.
func (st *state) expect(t string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.typ(t).pending++
}

// seed records resources stored earlier in the cycle, and pages committed
// by its earlier runs, without progress events.
func (st *state) seed(keys []ref, pages map[string]int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, k := range keys {
		st.typ(k.typ).ids[k.id] = true
	}
	for t, n := range pages {
		st.typ(t).pages += n
	}
}

// stored records resources stored under their own types, and one page (or
// read, or download) of reqType.
func (st *state) stored(reqType string, keys []ref) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, k := range keys {
		st.typ(k.typ).ids[k.id] = true
	}
	st.typ(reqType).pages++
	st.emit(reqType)
}

// want returns the references not stored in the cycle nor queued yet, and
// remembers them as queued, so that each is read once.
func (st *state) want(refs []ref) []ref {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []ref
	for _, r := range refs {
		if !st.typ(r.typ).ids[r.id] && !st.tried[r] {
			st.tried[r] = true
			out = append(out, r)
		}
	}
	return out
}

// failed records a failed request of type t.
func (st *state) failed(t, msg string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ts := st.typ(t)
	ts.errors++
	ts.messages = append(ts.messages, msg)
	st.emit(t)
}

// finished records the end of one request of type t.
func (st *state) finished(t string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.typ(t).pending--
	st.emit(t)
}

// noteFor counts something of type t that could not be read; logNotes
// reports the counts, by type only (never content).
func (st *state) noteFor(t, what string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.notes[note{t, what}]++
}

func (st *state) logNotes(log *slog.Logger) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for n, count := range st.notes {
		log.Info("sync: "+n.what, "type", n.typ, "count", count)
	}
}

// markedRemoved counts resources of type t marked removed.
func (st *state) markedRemoved(t string, n int) {
	if n == 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.removed[t] += n
}

// abort keeps the first error that must stop the run.
func (st *state) abort(err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.fatal == nil {
		st.fatal = err
	}
}

func (st *state) fatalErr() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.fatal
}

// emit calls the progress callback; st.mu is held, so calls are serial.
func (st *state) emit(t string) {
	if st.progress == nil {
		return
	}
	ts := st.types[t]
	p := Progress{
		ConnectionID: st.connID, Type: t, Pages: ts.pages, Resources: len(ts.ids),
		Errors: ts.errors, Done: ts.pending == 0,
	}
	if n := len(ts.messages); n > 0 {
		p.Message = ts.messages[n-1]
	}
	st.progress(p)
}

// result builds the Result; planned types appear even when empty.
func (st *state) result(planned []string) *Result {
	st.mu.Lock()
	defer st.mu.Unlock()
	r := &Result{Counts: map[string]int{}, Errors: map[string]string{},
		Removed: maps.Clone(st.removed)}
	for _, t := range planned {
		r.Counts[t] = 0
	}
	for _, t := range slices.Sorted(maps.Keys(st.types)) {
		ts := st.types[t]
		if len(ts.ids) > 0 {
			r.Counts[t] = len(ts.ids)
		}
		if len(ts.messages) > 0 {
			r.Errors[t] = joinMessages(ts.messages)
		}
	}
	r.Partial = len(r.Errors) > 0 || st.fatal != nil
	return r
}

func joinMessages(ms []string) string {
	if len(ms) <= maxMessages {
		return strings.Join(ms, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(ms[:maxMessages], "; "),
		len(ms)-maxMessages)
}
