package sync

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	gosync "sync"
)

// Progress reports one type's state during a run.
type Progress struct {
	ConnectionID string
	Type         string
	// Pages counts the pages (and reads) done for the type.
	Pages int
	// Resources counts the distinct resources of the type stored so far.
	Resources int
	// Errors counts the failed searches and reads of the type.
	Errors int
	// Done is set once every request of the type has finished.
	Done bool
	// Message is the latest error of the type, in plain words.
	Message string
}

// Result sums up a run.
type Result struct {
	// Counts holds the distinct resources stored per type in this run.
	Counts map[string]int
	// Errors holds, per type, what failed; a type in Errors is partial.
	Errors map[string]string
	// Partial is set when any type failed or the run was stopped.
	Partial bool
}

// maxMessages bounds the error messages kept per type.
const maxMessages = 3

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
	refs     map[ref]bool // referenced, not yet read
	tried    map[ref]bool // read once already, whatever came of it
	progress func(Progress)
	fatal    error
}

type ref struct{ typ, id string }

func newState(connID string, progress func(Progress)) *state {
	return &state{
		connID: connID, types: map[string]*typeState{}, refs: map[ref]bool{}, tried: map[ref]bool{},
		progress: progress,
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

// stored records resources stored under their own types, the references
// they carry, and one page of searchType.
func (st *state) stored(searchType string, keys []ref, refs []ref) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, k := range keys {
		st.typ(k.typ).ids[k.id] = true
	}
	for _, r := range refs {
		if !st.typ(r.typ).ids[r.id] {
			st.refs[r] = true
		}
	}
	st.typ(searchType).pages++
	st.emit(searchType)
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

// takeRefs returns the referenced resources not stored yet, and forgets
// them so that each is read once.
func (st *state) takeRefs() []ref {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []ref
	for r := range st.refs {
		if !st.typ(r.typ).ids[r.id] && !st.tried[r] {
			st.tried[r] = true
			out = append(out, r)
		}
	}
	clear(st.refs)
	slices.SortFunc(out, func(a, b ref) int {
		return strings.Compare(a.typ+"/"+a.id, b.typ+"/"+b.id)
	})
	return out
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
	r := &Result{Counts: map[string]int{}, Errors: map[string]string{}}
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
