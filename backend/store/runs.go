package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// StartRun records the start of a sync for connID.
func (s *Store) StartRun(ctx context.Context, connID string) (*SyncRun, error) {
	r := &SyncRun{
		ConnectionID: connID,
		StartedAt:    time.Now().UTC(),
		Status:       RunRunning,
		Counts:       "{}",
		Errors:       "{}",
	}
	if err := s.db.WithContext(ctx).Create(r).Error; err != nil {
		return nil, fmt.Errorf("store: start run: %w", err)
	}
	return r, nil
}

// FinishRun records the end of run with its status (RunOK, RunPartial,
// RunFailed or the caller's own), per-type counts and per-type errors.
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
	err = s.db.WithContext(ctx).Model(run).Select("finished_at", "status", "counts", "errors").
		Updates(run).Error
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

func nonNil[M ~map[string]V, V any](m M) M {
	if m == nil {
		return M{}
	}
	return m
}
