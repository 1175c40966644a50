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
	"category", "removed", "fetched_at",
}

// resourceBatch keeps each INSERT below maxVars: 14 columns a row.
var resourceBatch = maxVars / (len(resourceColumns) + 3) / 2

// UpsertResources inserts rs, or replaces the stored rows with the same
// key, in one transaction. A replaced row is no longer Removed. A zero
// FetchedAt is set to now.
func (s *Store) UpsertResources(ctx context.Context, rs []Resource) error {
	if len(rs) == 0 {
		return nil
	}
	rows := make([]Resource, len(rs))
	now := time.Now().UTC()
	for i, r := range rs {
		if r.ConnectionID == "" || r.Type == "" || r.ID == "" {
			return fmt.Errorf("store: upsert: resource %d has an empty key", i)
		}
		if len(r.Raw) == 0 {
			return fmt.Errorf("store: upsert: resource %d has no content", i)
		}
		r.SortTime = normalTime(r.SortTime)
		r.Removed = false
		if r.FetchedAt.IsZero() {
			r.FetchedAt = now
		}
		r.FetchedAt = r.FetchedAt.UTC()
		rows[i] = r
	}
	conflict := clause.OnConflict{
		Columns: []clause.Column{
			{Name: "connection_id"}, {Name: "type"}, {Name: "id"},
		},
		DoUpdates: clause.AssignmentColumns(resourceColumns),
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Clauses(conflict).CreateInBatches(&rows, resourceBatch).Error
	})
	if err != nil {
		return fmt.Errorf("store: upsert %d resources: %w", len(rs), err)
	}
	return nil
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
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
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
