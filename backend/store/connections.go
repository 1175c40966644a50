package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SaveConnection inserts c or updates the stored connection with its ID,
// all fields but CreatedAt, then reloads c from the database.
func (s *Store) SaveConnection(ctx context.Context, c *Connection) error {
	if c.ID == "" {
		return fmt.Errorf("store: save connection: empty id")
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		// UpdateAll leaves autoCreateTime columns alone: a Connection built
		// afresh for an existing ID keeps its CreatedAt.
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(c).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", c.ID).Take(c).Error
	})
	if err != nil {
		return fmt.Errorf("store: save connection: %w", err)
	}
	return nil
}

// GetConnection returns the connection with id, or ErrNotFound.
func (s *Store) GetConnection(ctx context.Context, id string) (*Connection, error) {
	var c Connection
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&c).Error; err != nil {
		return nil, fmt.Errorf("store: get connection: %w", notFound(err))
	}
	return &c, nil
}

// ListConnections returns every connection, oldest first.
func (s *Store) ListConnections(ctx context.Context) ([]Connection, error) {
	var cs []Connection
	if err := s.db.WithContext(ctx).Order("created_at, id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("store: list connections: %w", err)
	}
	return cs, nil
}

// DeleteConnection deletes a connection and all its data in one
// transaction. Deleting a missing connection is not an error.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := deleteData(tx, id); err != nil {
			return err
		}
		return tx.Where("id = ?", id).Delete(&Connection{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: delete connection: %w", err)
	}
	return nil
}

// DeleteConnectionData deletes a connection's resources, attachments, sync
// runs, cycle and cursors in one transaction, keeping the connection
// itself.
func (s *Store) DeleteConnectionData(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		return deleteData(tx, id)
	})
	if err != nil {
		return fmt.Errorf("store: delete connection data: %w", err)
	}
	return nil
}

func deleteData(tx *gorm.DB, id string) error {
	for _, model := range []any{&Resource{}, &Attachment{}, &SyncRun{}, &SyncCycle{},
		&SyncCursor{}} {
		if err := tx.Where("connection_id = ?", id).Delete(model).Error; err != nil {
			return err
		}
	}
	return nil
}
