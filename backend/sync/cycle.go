package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"

	"chartkeep/backend/store"
)

// doneSet holds the keys of the searches completed in the cycle.
type doneSet struct {
	mu gosync.Mutex
	m  map[string]bool
}

func (d *doneSet) add(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[string]bool{}
	}
	d.m[key] = true
}

func (d *doneSet) has(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m[key]
}

// begin resumes the connection's unfinished cycle or starts a new one, and
// returns the plan in the order to run it.
func (r *runner) begin(ctx context.Context, run *store.SyncRun) ([]Search, error) {
	s := r.s
	plan := s.Searches
	if plan == nil {
		plan = Plan(s.PatientID)
	}
	last, err := s.Store.LastCycle(ctx, s.ConnectionID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	prev := map[string]store.SyncCursor{}
	if last != nil {
		if prev, err = s.Store.Cursors(ctx, s.ConnectionID, last.ID); err != nil {
			return nil, err
		}
	}
	if r.atts, err = r.storedAttachments(ctx); err != nil {
		return nil, err
	}
	pages := map[string]int{}
	for k, c := range prev {
		pages[k] = c.Pages
	}
	plan = longestFirst(plan, pages)

	if s.Resume && last != nil && !last.Closed && time.Since(last.StartedAt) < maxResumeAge {
		r.cycle, r.cursors = last.ID, prev
		run.Cycle, run.Resumed = last.ID, true
		return plan, r.seed(ctx, plan)
	}
	if _, err := s.Store.StartCycle(ctx, s.ConnectionID, run.ID); err != nil {
		return nil, err
	}
	r.cycle, r.cursors, run.Cycle = run.ID, map[string]store.SyncCursor{}, run.ID
	return plan, nil
}

func (r *runner) storedAttachments(ctx context.Context) (map[attKey]store.Attachment, error) {
	all, err := r.s.Store.AllAttachments(ctx, r.s.ConnectionID)
	if err != nil {
		return nil, err
	}
	m := make(map[attKey]store.Attachment, len(all))
	for _, a := range all {
		m[attKey{a.ResourceType, a.ResourceID, a.Index}] = a
	}
	return m, nil
}

// seed takes over what the cycle's earlier runs did: the searches they
// completed, the pages they committed, the resources they stored, and the
// references and downloads of those resources, which may not have been
// fetched before the interruption (execute queues them; downloads already
// stored are not made again).
func (r *runner) seed(ctx context.Context, plan []Search) error {
	pages := map[string]int{}
	for _, q := range plan {
		if c, ok := r.cursors[q.Key()]; ok && q.ID == "" {
			pages[q.Type] += c.Pages
			if c.Done {
				r.done.add(q.Key())
			}
		}
	}
	var keys []ref
	err := r.s.Store.EachInCycle(ctx, r.s.ConnectionID, r.cycle,
		func(typ, id string, raw []byte) error {
			keys = append(keys, ref{typ, id})
			m, ok := decode(raw)
			if !ok {
				return nil
			}
			r.seedRefs = r.collectRefs(m, r.seedRefs)
			// Inline attachments were stored with their page.
			for _, a := range attachmentsOf(typ, id, m) {
				if !a.inline {
					r.seedAtts = append(r.seedAtts, a)
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	r.st.seed(keys, pages)
	return nil
}

// complete ends a run that was not stopped: the searched types whose
// searches all completed in the cycle get their unseen resources marked
// removed, and the cycle is closed so that the next run starts afresh.
func (r *runner) complete(ctx context.Context, plan []Search) error {
	keys := map[string][]string{}
	var types []string
	for _, q := range plan {
		if q.ID == "" {
			if keys[q.Type] == nil {
				types = append(types, q.Type)
			}
			keys[q.Type] = append(keys[q.Type], q.Key())
		}
	}
	var stale []string
	for _, typ := range types {
		if r.allDone(keys[typ]) {
			stale = append(stale, typ)
		}
	}
	marked, err := r.s.Store.CloseCycle(ctx, r.s.ConnectionID, r.cycle, stale)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	for typ, n := range marked {
		r.s.log().Info("sync: marked removed", "type", typ, "count", n)
		r.st.markedRemoved(typ, n)
	}
	return nil
}

func (r *runner) allDone(keys []string) bool {
	for _, k := range keys {
		if !r.done.has(k) {
			return false
		}
	}
	return true
}
