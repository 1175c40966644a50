package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// maxVars is SQLite's default limit on bound variables per statement
// (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
const maxVars = 32766

// resourceColumns are the columns an upsert overwrites on conflict: all but
// the key.
var resourceColumns = []string{
	"raw", "date", "sort_time", "display", "status", "code", "value", "unit",
	"ref_range", "category", "removed", "cycle", "fetched_at",
}

// resourceBatch keeps each INSERT below maxVars: 16 columns a row.
var resourceBatch = maxVars / (len(resourceColumns) + 3) / 2

var resourceConflict = clause.OnConflict{
	Columns: []clause.Column{
		{Name: "connection_id"}, {Name: "type"}, {Name: "id"},
	},
	DoUpdates: clause.AssignmentColumns(resourceColumns),
}

// UpsertResources inserts rs, or replaces the stored rows with the same
// key, in one transaction. A replaced row is no longer Removed. A zero
// FetchedAt is set to now.
func (s *Store) UpsertResources(ctx context.Context, rs []Resource) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		return upsert(tx, rs)
	})
	if err != nil {
		return fmt.Errorf("store: upsert %d resources: %w", len(rs), err)
	}
	return nil
}

// Page is what one search page stores at once: its resources, the
// attachments they carry inline, and the search's cursor after the page.
type Page struct {
	Resources   []Resource
	Attachments []Attachment
	Cursor      *SyncCursor
}

// SavePage stores a page in one transaction, so that a crash leaves either
// all of it or none (the resume point never runs ahead of the data).
// Resources and Attachments may be empty; a zero FetchedAt is set to now.
func (s *Store) SavePage(ctx context.Context, p *Page) error {
	cur := p.Cursor
	if cur == nil || cur.ConnectionID == "" || cur.Search == "" {
		return fmt.Errorf("store: save page: cursor without a key")
	}
	cur.UpdatedAt = time.Now().UTC()
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := upsert(tx, p.Resources); err != nil {
			return err
		}
		for i := range p.Attachments {
			if err := saveAttachment(tx, &p.Attachments[i]); err != nil {
				return err
			}
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(cur).Error
	})
	if err != nil {
		return fmt.Errorf("store: save page of %d resources: %w", len(p.Resources), err)
	}
	return nil
}

func upsert(tx *gorm.DB, rs []Resource) error {
	if len(rs) == 0 {
		return nil
	}
	rows := make([]Resource, len(rs))
	now := time.Now().UTC()
	for i, r := range rs {
		if r.ConnectionID == "" || r.Type == "" || r.ID == "" {
			return fmt.Errorf("resource %d has an empty key", i)
		}
		if len(r.Raw) == 0 {
			return fmt.Errorf("resource %d has no content", i)
		}
		r.SortTime = normalTime(r.SortTime)
		r.Removed = false
		if r.FetchedAt.IsZero() {
			r.FetchedAt = now
		}
		r.FetchedAt = r.FetchedAt.UTC()
		rows[i] = r
	}
	return tx.Clauses(resourceConflict).CreateInBatches(&rows, resourceBatch).Error
}

// normalTime returns t in UTC truncated to the second, so that the stored
// RFC 3339 text sorts like the instants (mixed offsets and fractions would
// not).
func normalTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

// ListResources returns a connection's resources of one type that are not
// Removed, newest first, undated ones last, ties by id.
func (s *Store) ListResources(ctx context.Context, connID, typ string) ([]Resource, error) {
	var rs []Resource
	err := s.db.WithContext(ctx).
		Where("connection_id = ? AND type = ? AND removed = ?", connID, typ, false).
		Order("sort_time DESC NULLS LAST, id").
		Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", typ, err)
	}
	return rs, nil
}

// GetResource returns one resource, Removed or not, or ErrNotFound.
func (s *Store) GetResource(ctx context.Context, connID, typ, id string) (*Resource, error) {
	var r Resource
	err := s.db.WithContext(ctx).
		Where("connection_id = ? AND type = ? AND id = ?", connID, typ, id).
		Take(&r).Error
	if err != nil {
		return nil, fmt.Errorf("store: get %s: %w", typ, notFound(err))
	}
	return &r, nil
}

// CountByType counts a connection's resources that are not Removed.
func (s *Store) CountByType(ctx context.Context, connID string) (map[string]int, error) {
	var rows []struct {
		Type string
		N    int
	}
	err := s.db.WithContext(ctx).Model(&Resource{}).
		Select("type, count(*) AS n").
		Where("connection_id = ? AND removed = ?", connID, false).
		Group("type").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: count: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Type] = r.N
	}
	return out, nil
}

// MarkRemovedExcept marks Removed every resource of typ for connID whose
// id is not in keepIDs, and returns how many it marked. Call it only after
// a complete, error-free download of that type: a partial one would hide
// records that still exist.
func (s *Store) MarkRemovedExcept(ctx context.Context, connID, typ string,
	keepIDs []string) (int, error) {
	keep := make(map[string]bool, len(keepIDs))
	for _, id := range keepIDs {
		keep[id] = true
	}
	marked := 0
	err := s.write(ctx, func(tx *gorm.DB) error {
		var ids []string
		err := tx.Model(&Resource{}).
			Where("connection_id = ? AND type = ? AND removed = ?", connID, typ, false).
			Pluck("id", &ids).Error
		if err != nil {
			return err
		}
		var gone []string
		for _, id := range ids {
			if !keep[id] {
				gone = append(gone, id)
			}
		}
		for start := 0; start < len(gone); start += maxVars / 2 {
			batch := gone[start:min(start+maxVars/2, len(gone))]
			res := tx.Model(&Resource{}).
				Where("connection_id = ? AND type = ? AND id IN ?", connID, typ, batch).
				Update("removed", true)
			if res.Error != nil {
				return res.Error
			}
			marked += int(res.RowsAffected)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: mark removed %s: %w", typ, err)
	}
	return marked, nil
}

// ListIDs returns the ids of a connection's resources that are not
// Removed, by type, each list sorted. It reads no resource content.
func (s *Store) ListIDs(ctx context.Context, connID string) (map[string][]string, error) {
	var rows []struct{ Type, ID string }
	err := s.db.WithContext(ctx).Model(&Resource{}).Select("type, id").
		Where("connection_id = ? AND removed = ?", connID, false).
		Order("type, id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: list ids: %w", err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Type] = append(out[r.Type], r.ID)
	}
	return out, nil
}

// MarkRemoved marks one resource Removed, for a server that answered 410
// Gone. A missing resource is not an error; it reports whether a row
// changed.
func (s *Store) MarkRemoved(ctx context.Context, connID, typ, id string) (bool, error) {
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Resource{}).
			Where("connection_id = ? AND type = ? AND id = ? AND removed = ?", connID, typ, id,
				false).
			Update("removed", true)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("store: mark removed %s: %w", typ, err)
	}
	return n > 0, nil
}

// EachInCycle calls fn for every resource of connID that cycle stored, in
// key order, streaming rows so that memory stays flat. fn must not keep
// raw after it returns. fn's error stops the walk and is returned as is.
func (s *Store) EachInCycle(ctx context.Context, connID string, cycle uint,
	fn func(typ, id string, raw []byte) error) error {
	rows, err := s.db.WithContext(ctx).Model(&Resource{}).Select("type", "id", "raw").
		Where("connection_id = ? AND cycle = ?", connID, cycle).
		Order("type, id").Rows()
	if err != nil {
		return fmt.Errorf("store: walk cycle: %w", err)
	}
	defer rows.Close()
	var typ, id string
	var raw []byte
	for rows.Next() {
		if err := rows.Scan(&typ, &id, &raw); err != nil {
			return fmt.Errorf("store: walk cycle: %w", err)
		}
		if err := fn(typ, id, raw); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: walk cycle: %w", err)
	}
	return nil
}

// EachResource calls fn for every resource of connID, Removed ones
// included, in key order, streaming rows. fn must not keep the Resource
// after it returns; its error stops the walk and is returned as is.
func (s *Store) EachResource(ctx context.Context, connID string, fn func(*Resource) error) error {
	db := s.db.WithContext(ctx)
	rows, err := db.Model(&Resource{}).Where("connection_id = ?", connID).
		Order("type, id").Rows()
	if err != nil {
		return fmt.Errorf("store: walk resources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Resource
		if err := db.ScanRows(rows, &r); err != nil {
			return fmt.Errorf("store: walk resources: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: walk resources: %w", err)
	}
	return nil
}
