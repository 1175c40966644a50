package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"chartkeep/backend/store"
)

// storeAll upserts the resources of one page (or one read) in one
// transaction, each under its own resourceType and id, and records them
// and their references. Entries without a type or id are skipped and
// logged by type only.
func (s *Syncer) storeAll(ctx context.Context, st *state, searchType string,
	raws []json.RawMessage) error {
	now := time.Now().UTC()
	rows := make([]store.Resource, 0, len(raws))
	keys := make([]ref, 0, len(raws))
	var refs []ref
	for _, raw := range raws {
		m, ok := decode(raw)
		typ, id := str(m, "resourceType"), rawID(m)
		if !ok || !typeOK(typ) || id == "" {
			s.log().Warn("sync: entry without a resource type or id", "type", searchType)
			continue
		}
		f := fieldsOf(typ, m)
		rows = append(rows, store.Resource{
			ConnectionID: s.ConnectionID, Type: typ, ID: id, Raw: raw,
			Date: f.Date, SortTime: f.SortTime, Display: f.Display, Status: f.Status,
			Code: f.Code, Value: f.Value, Unit: f.Unit, Category: f.Category,
			FetchedAt: now,
		})
		keys = append(keys, ref{typ, id})
		refs = s.collectRefs(m, refs)
	}
	if err := s.Store.UpsertResources(ctx, rows); err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	st.stored(searchType, keys, refs)
	return nil
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
// ReferenceTypes that the FHIR client can resolve onto its base.
func (s *Syncer) collectRefs(v any, acc []ref) []ref {
	switch x := v.(type) {
	case obj:
		for k, e := range x {
			if r, ok := e.(string); ok && k == "reference" {
				if typ, id, ok := s.FHIR.Reference(r); ok && slices.Contains(ReferenceTypes, typ) {
					acc = append(acc, ref{typ, id})
				}
				continue
			}
			acc = s.collectRefs(e, acc)
		}
	case []any:
		for _, e := range x {
			acc = s.collectRefs(e, acc)
		}
	}
	return acc
}
