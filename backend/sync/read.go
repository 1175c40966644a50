package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"chartkeep/backend/store"
)

// read reads one resource: the plan's Patient, or a referenced one at the
// given depth of references.
func (r *runner) read(ctx context.Context, q Search, depth int) {
	defer r.st.finished(q.Type)
	if ctx.Err() != nil {
		return
	}
	raw, err := r.s.FHIR.Read(ctx, q.Type, q.ID)
	// A referenced resource answered Gone was deleted upstream; the
	// patient's own record answered so is a failure to report.
	if statusOf(err) == 410 && depth > 0 {
		r.gone(ctx, q)
		return
	}
	if err != nil {
		r.fail(ctx, q.Type, q.Label(), err)
		return
	}
	b := r.rows(q.Type, []json.RawMessage{raw})
	if err := r.s.Store.UpsertResources(context.WithoutCancel(ctx), b.rows); err != nil {
		r.fail(ctx, q.Type, q.Label(), fmt.Errorf("%w: %w", ErrStore, err))
		return
	}
	for i := range b.inline {
		if err := r.s.Store.SaveAttachment(context.WithoutCancel(ctx), &b.inline[i]); err != nil {
			r.fail(ctx, q.Type, q.Label(), fmt.Errorf("%w: %w", ErrStore, err))
			return
		}
	}
	r.st.stored(q.Type, b.keys)
	r.storedInline(b.inline)
	if depth < maxRefDepth {
		r.follow(b.refs, depth+1)
	}
	r.attach(b.atts)
}

// gone marks a resource the server answered 410 Gone for: it was deleted
// upstream, which is news, not an error.
func (r *runner) gone(ctx context.Context, q Search) {
	marked, err := r.s.Store.MarkRemoved(context.WithoutCancel(ctx), r.s.ConnectionID, q.Type,
		q.ID)
	if err != nil {
		r.fail(ctx, q.Type, q.Label(), fmt.Errorf("%w: %w", ErrStore, err))
		return
	}
	if marked {
		r.st.markedRemoved(q.Type, 1)
	}
	r.st.stored(q.Type, nil)
}

// follow queues a read of each reference not stored nor queued yet.
func (r *runner) follow(refs []ref, depth int) {
	for _, rf := range r.st.want(refs) {
		r.st.expect(rf.typ)
		q := Search{Type: rf.typ, ID: rf.id}
		r.pool.add(func(ctx context.Context) { r.read(ctx, q, depth) })
	}
}

// batch is what one page or read yields.
type batch struct {
	rows   []store.Resource
	keys   []ref
	refs   []ref
	inline []store.Attachment // attachments with inline data, decoded
	atts   []attJob           // attachments to download
}

// rows turns resources into rows, each under its own resourceType and id,
// with the references and attachments they carry. Entries without a type
// or id cannot be keyed: they are skipped and counted by type only.
func (r *runner) rows(reqType string, raws []json.RawMessage) batch {
	now := time.Now().UTC()
	b := batch{rows: make([]store.Resource, 0, len(raws)), keys: make([]ref, 0, len(raws))}
	for _, raw := range raws {
		m, ok := decode(raw)
		typ, id := str(m, "resourceType"), rawID(m)
		if !ok || !typeOK(typ) || id == "" {
			r.st.noteFor(reqType, "entries without a resource type or id skipped")
			continue
		}
		f := fieldsOf(typ, m)
		if f.Date != "" && f.SortTime == nil {
			r.st.noteFor(typ, "dates not understood")
		}
		b.rows = append(b.rows, store.Resource{
			ConnectionID: r.s.ConnectionID, Type: typ, ID: id, Raw: raw,
			Date: f.Date, SortTime: f.SortTime, Display: f.Display, Status: f.Status,
			Code: f.Code, Value: f.Value, Unit: f.Unit, RefRange: f.RefRange,
			Category: f.Category, Cycle: r.cycle, FetchedAt: now,
		})
		b.keys = append(b.keys, ref{typ, id})
		b.refs = r.collectRefs(m, b.refs)
		for _, a := range attachmentsOf(typ, id, m) {
			if a.inline {
				b.inline = append(b.inline, r.inlineRow(a))
			} else {
				b.atts = append(b.atts, a)
			}
		}
	}
	return b
}

// rawID is the id exactly as written: str trims spaces, and ids are
// compared byte for byte.
func rawID(m obj) string {
	id, _ := m["id"].(string)
	return id
}

func typeOK(t string) bool {
	if t == "" || len(t) > 64 || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	for _, r := range t {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

// collectRefs appends the references of v, anywhere in it, to the
// reference types (Syncer.ReferenceTypes) that the FHIR client can resolve
// onto its base.
func (r *runner) collectRefs(v any, acc []ref) []ref {
	switch x := v.(type) {
	case obj:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "reference" {
				typ, id, ok := r.s.FHIR.Reference(s)
				if ok && slices.Contains(r.s.refTypes(), typ) {
					acc = append(acc, ref{typ, id})
				}
				continue
			}
			acc = r.collectRefs(e, acc)
		}
	case []any:
		for _, e := range x {
			acc = r.collectRefs(e, acc)
		}
	}
	return acc
}
