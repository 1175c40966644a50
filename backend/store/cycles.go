package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// StartCycle opens a new sync cycle for connID with the given id (the ID of
// the run that starts it), replacing the previous cycle and dropping its
// cursors, in one transaction.
func (s *Store) StartCycle(ctx context.Context, connID string, id uint) (*SyncCycle, error) {
	c := &SyncCycle{ConnectionID: connID, ID: id, StartedAt: time.Now().UTC()}
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("connection_id = ?", connID).Delete(&SyncCursor{}).Error; err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(c).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store: start cycle: %w", err)
	}
	return c, nil
}

// LastCycle returns connID's latest cycle, closed or not, or ErrNotFound.
func (s *Store) LastCycle(ctx context.Context, connID string) (*SyncCycle, error) {
	var c SyncCycle
	err := s.db.WithContext(ctx).Where("connection_id = ?", connID).Take(&c).Error
	if err != nil {
		return nil, fmt.Errorf("store: last cycle: %w", notFound(err))
	}
	return &c, nil
}

// CloseCycle ends connID's cycle id, in one transaction: for each of
// staleTypes, the resources the cycle did not store (their Cycle differs)
// are marked Removed, and the cycle is closed, so that a later resume
// starts afresh. It returns how many it marked per type.
//
// Name in staleTypes only the types whose every search completed without
// error in the cycle: a partial download would hide records that still
// exist.
func (s *Store) CloseCycle(ctx context.Context, connID string, id uint,
	staleTypes []string) (map[string]int, error) {
	marked := map[string]int{}
	err := s.write(ctx, func(tx *gorm.DB) error {
		for _, typ := range staleTypes {
			res := tx.Model(&Resource{}).
				Where("connection_id = ? AND type = ? AND cycle <> ? AND removed = ?",
					connID, typ, id, false).
				Update("removed", true)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected > 0 {
				marked[typ] = int(res.RowsAffected)
			}
		}
		return tx.Model(&SyncCycle{}).Where("connection_id = ? AND id = ?", connID, id).
			Update("closed", true).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store: close cycle: %w", err)
	}
	return marked, nil
}

// Cursors returns the cursors of connID's cycle id, keyed by search.
func (s *Store) Cursors(ctx context.Context, connID string, id uint) (map[string]SyncCursor,
	error) {
	var cs []SyncCursor
	err := s.db.WithContext(ctx).Where("connection_id = ? AND cycle = ?", connID, id).
		Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("store: cursors: %w", err)
	}
	out := make(map[string]SyncCursor, len(cs))
	for _, c := range cs {
		out[c.Search] = c
	}
	return out, nil
}
