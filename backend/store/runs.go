package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// StartRun records the start of a sync for connID. Runs of connID still
// marked running were cut short by a crash and become RunInterrupted:
// callers run one sync per connection at a time.
func (s *Store) StartRun(ctx context.Context, connID string) (*SyncRun, error) {
	r := &SyncRun{
		ConnectionID: connID,
		StartedAt:    time.Now().UTC(),
		Status:       RunRunning,
		Counts:       "{}",
		Errors:       "{}",
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		err := tx.Model(&SyncRun{}).Where("connection_id = ? AND status = ?", connID, RunRunning).
			Update("status", RunInterrupted).Error
		if err != nil {
			return err
		}
		return tx.Create(r).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store: start run: %w", err)
	}
	return r, nil
}

// FinishRun records the end of run with its status (RunOK, RunPartial,
// RunFailed, RunCancelled or the caller's own), per-type counts and
// per-type errors, and run's Cycle and Resumed fields.
func (s *Store) FinishRun(ctx context.Context, run *SyncRun, status string,
	counts map[string]int, errs map[string]string) error {
	c, err := json.Marshal(nonNil(counts))
	if err != nil {
		return fmt.Errorf("store: finish run: %w", err)
	}
	e, err := json.Marshal(nonNil(errs))
	if err != nil {
		return fmt.Errorf("store: finish run: %w", err)
	}
	now := time.Now().UTC()
	run.FinishedAt, run.Status, run.Counts, run.Errors = &now, status, string(c), string(e)
	err = s.write(ctx, func(tx *gorm.DB) error {
		return tx.Model(run).
			Select("finished_at", "status", "counts", "errors", "cycle", "resumed").
			Updates(run).Error
	})
	if err != nil {
		return fmt.Errorf("store: finish run: %w", err)
	}
	return nil
}

// LastRun returns the latest sync run of connID, or ErrNotFound.
func (s *Store) LastRun(ctx context.Context, connID string) (*SyncRun, error) {
	var r SyncRun
	err := s.db.WithContext(ctx).Where("connection_id = ?", connID).Order("id DESC").
		Take(&r).Error
	if err != nil {
		return nil, fmt.Errorf("store: last run: %w", notFound(err))
	}
	return &r, nil
}

// ListRuns returns connID's sync runs, newest first, at most limit of them
// (all when limit <= 0).
func (s *Store) ListRuns(ctx context.Context, connID string, limit int) ([]SyncRun, error) {
	q := s.db.WithContext(ctx).Where("connection_id = ?", connID).Order("id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var rs []SyncRun
	if err := q.Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	return rs, nil
}

// CountsMap decodes Counts: distinct resources stored per type.
func (r *SyncRun) CountsMap() (map[string]int, error) {
	m := map[string]int{}
	if err := json.Unmarshal([]byte(r.Counts), &m); err != nil {
		return nil, fmt.Errorf("store: run counts: %w", err)
	}
	return m, nil
}

// ErrorsMap decodes Errors: what failed, per type.
func (r *SyncRun) ErrorsMap() (map[string]string, error) {
	m := map[string]string{}
	if err := json.Unmarshal([]byte(r.Errors), &m); err != nil {
		return nil, fmt.Errorf("store: run errors: %w", err)
	}
	return m, nil
}

// Duration is how long the run took; zero while it has not finished.
func (r *SyncRun) Duration() time.Duration {
	if r.FinishedAt == nil {
		return 0
	}
	return r.FinishedAt.Sub(r.StartedAt)
}

func nonNil[M ~map[string]V, V any](m M) M {
	if m == nil {
		return M{}
	}
	return m
}
