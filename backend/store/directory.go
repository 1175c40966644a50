package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrCorruptDirectory reports a cached directory that does not decode. The
// caller should treat it as no cache and download the directory again.
var ErrCorruptDirectory = errors.New("store: cached practice directory is damaged")

// DirectoryCache is the last practice directory downloaded: one row, which
// every download replaces whole.
//
// The practices are kept as one JSON blob rather than a table of rows.
// They are only ever written and read whole (search runs in memory over an
// index built from them), so a table would cost 17,000 inserts on every
// weekly refresh and a reflective scan of 17,000 rows on every start, for
// queries nobody makes; one blob is one write and one read, and it is
// replaced atomically, so a refresh that fails halfway leaves the previous
// list as it was.
type DirectoryCache struct {
	// URL is the directory address the practices came from.
	URL string `gorm:"primaryKey"`
	// FetchedAt is when the download finished, in UTC.
	FetchedAt time.Time `gorm:"not null"`
	// Count is the number of practices in Practices, checked on load.
	Count int `gorm:"not null"`
	// Practices is a JSON array of CachedPractice.
	Practices []byte `gorm:"not null"`
}

// CachedPractice is one practice of the cached directory. Its fields match
// directory.Practice, so either converts to the other; the short JSON names
// keep the blob near 2 MB for the live directory.
type CachedPractice struct {
	Code  string `json:"c"`
	Name  string `json:"n"`
	Base  string `json:"b"`
	City  string `json:"t,omitempty"`
	State string `json:"s,omitempty"`
}

// ManualPractice is a practice the patient added by its FHIR base URL
// because the directory does not list it. Its smart-configuration answered
// when it was added; that says nothing about whether logins will work.
type ManualPractice struct {
	// Base is the FHIR base URL, https, without a trailing slash.
	Base string `gorm:"primaryKey"`
	// Code identifies the practice to Connect; the app keeps it unique
	// among the directory's codes and the other manual practices.
	Code      string `gorm:"not null;uniqueIndex"`
	Name      string
	CreatedAt time.Time
}

// SaveDirectory replaces the cached directory with ps, downloaded from url
// at fetchedAt. A directory cached from another URL is dropped in the same
// transaction: only one list is ever kept.
func (s *Store) SaveDirectory(ctx context.Context, url string, ps []CachedPractice,
	fetchedAt time.Time) error {
	if url == "" {
		return fmt.Errorf("store: save directory: empty url")
	}
	if ps == nil {
		ps = []CachedPractice{}
	}
	blob, err := json.Marshal(ps)
	if err != nil {
		return fmt.Errorf("store: save directory: %w", err)
	}
	row := DirectoryCache{URL: url, FetchedAt: fetchedAt.UTC(), Count: len(ps), Practices: blob}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("url <> ?", url).Delete(&DirectoryCache{}).Error; err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("store: save directory: %w", err)
	}
	return nil
}

// LoadDirectory returns the directory cached from url and when it was
// downloaded. It returns ErrNotFound when nothing from url is cached, and
// ErrCorruptDirectory when the cached list does not decode.
func (s *Store) LoadDirectory(ctx context.Context, url string) ([]CachedPractice, time.Time,
	error) {
	var row DirectoryCache
	if err := s.db.WithContext(ctx).Where("url = ?", url).Take(&row).Error; err != nil {
		return nil, time.Time{}, fmt.Errorf("store: load directory: %w", notFound(err))
	}
	var ps []CachedPractice
	if err := json.Unmarshal(row.Practices, &ps); err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %v", ErrCorruptDirectory, err)
	}
	if len(ps) != row.Count {
		return nil, time.Time{}, fmt.Errorf("%w: %d practices, %d recorded",
			ErrCorruptDirectory, len(ps), row.Count)
	}
	return ps, row.FetchedAt, nil
}

// SaveManualPractice inserts p, or updates the manual practice with its
// Base, keeping its CreatedAt.
func (s *Store) SaveManualPractice(ctx context.Context, p *ManualPractice) error {
	if p.Base == "" || p.Code == "" {
		return fmt.Errorf("store: save manual practice: empty base or code")
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(p).Error
	if err != nil {
		return fmt.Errorf("store: save manual practice: %w", err)
	}
	return nil
}

// ListManualPractices returns every manual practice, oldest first.
func (s *Store) ListManualPractices(ctx context.Context) ([]ManualPractice, error) {
	var ps []ManualPractice
	if err := s.db.WithContext(ctx).Order("created_at, base").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("store: list manual practices: %w", err)
	}
	return ps, nil
}
