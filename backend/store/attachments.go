package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// attachmentMeta are the columns of an Attachment without its bytes.
var attachmentMeta = []string{
	"connection_id", "resource_type", "resource_id", "idx", "content_type", "title", "url",
	"size", "message", "fetched_at",
}

// SaveAttachment inserts or replaces one attachment. When Bytes are given,
// Size is set from them and Message cleared; a zero FetchedAt is set to
// now.
func (s *Store) SaveAttachment(ctx context.Context, a *Attachment) error {
	err := s.write(ctx, func(tx *gorm.DB) error { return saveAttachment(tx, a) })
	if err != nil {
		return fmt.Errorf("store: save attachment: %w", err)
	}
	return nil
}

func saveAttachment(db *gorm.DB, a *Attachment) error {
	if len(a.Bytes) > 0 {
		a.Size, a.Message = int64(len(a.Bytes)), ""
	}
	if a.FetchedAt.IsZero() {
		a.FetchedAt = time.Now().UTC()
	}
	return db.Clauses(clause.OnConflict{UpdateAll: true}).Create(a).Error
}

// GetAttachment returns one attachment with its bytes, or ErrNotFound. The
// bytes are exactly those downloaded: hand them to the viewer as they are,
// with ContentType, and never convert them to text on the way.
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
	err := s.db.WithContext(ctx).Select(attachmentMeta).
		Where("connection_id = ? AND resource_type = ? AND resource_id = ?", connID, typ, id).
		Order("idx").Find(&as).Error
	if err != nil {
		return nil, fmt.Errorf("store: list attachments: %w", err)
	}
	return as, nil
}

// AllAttachments returns every attachment of connID without its bytes.
func (s *Store) AllAttachments(ctx context.Context, connID string) ([]Attachment, error) {
	var as []Attachment
	err := s.db.WithContext(ctx).Select(attachmentMeta).Where("connection_id = ?", connID).
		Order("resource_type, resource_id, idx").Find(&as).Error
	if err != nil {
		return nil, fmt.Errorf("store: list attachments: %w", err)
	}
	return as, nil
}
