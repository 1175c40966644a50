package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// SaveAttachment inserts or replaces one attachment. Size is set from the
// bytes and a zero FetchedAt is set to now.
func (s *Store) SaveAttachment(ctx context.Context, a *Attachment) error {
	a.Size = int64(len(a.Bytes))
	if a.FetchedAt.IsZero() {
		a.FetchedAt = time.Now().UTC()
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(a).Error
	if err != nil {
		return fmt.Errorf("store: save attachment: %w", err)
	}
	return nil
}

// GetAttachment returns one attachment with its bytes, or ErrNotFound.
func (s *Store) GetAttachment(ctx context.Context, connID, typ, id string,
	index int) (*Attachment, error) {
	var a Attachment
	err := s.db.WithContext(ctx).
		Where("connection_id = ? AND resource_type = ? AND resource_id = ? AND idx = ?",
			connID, typ, id, index).
		Take(&a).Error
	if err != nil {
		return nil, fmt.Errorf("store: get attachment: %w", notFound(err))
	}
	return &a, nil
}

// ListAttachments returns a resource's attachments without their bytes,
// by index.
func (s *Store) ListAttachments(ctx context.Context, connID, typ, id string) ([]Attachment, error) {
	var as []Attachment
	err := s.db.WithContext(ctx).
		Select("connection_id", "resource_type", "resource_id", "idx", "content_type",
			"size", "fetched_at").
		Where("connection_id = ? AND resource_type = ? AND resource_id = ?", connID, typ, id).
		Order("idx").Find(&as).Error
	if err != nil {
		return nil, fmt.Errorf("store: list attachments: %w", err)
	}
	return as, nil
}
