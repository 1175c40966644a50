// Package store keeps a patient's downloaded records in an SQLite database
// that is encrypted at rest.
//
// It uses GORM over github.com/ncruces/go-sqlite3 (pure Go, no cgo) and its
// "adiantum" VFS, which encrypts every page of the database and of its WAL
// with a 32-byte key. The key comes from the caller (the OS keychain); the
// store never writes it anywhere. The schema is created with AutoMigrate.
//
// TODO(#migrations): AutoMigrate only adds tables and columns; renames and
// type changes need versioned migrations before the first release.
package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/gormlite"
	_ "github.com/ncruces/go-sqlite3/vfs/adiantum" // registers the "adiantum" VFS
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// KeySize is the length of a database key in bytes.
const KeySize = 32

// Sentinel errors.
var (
	// ErrWrongKey reports a database that does not decrypt with the key
	// given (SQLite sees "file is not a database"). A file that is not a
	// Chartkeep database at all gives the same error.
	ErrWrongKey = errors.New("store: wrong key, or not a Chartkeep database")
	// ErrBadKey reports a key that is not KeySize bytes long.
	ErrBadKey = errors.New("store: key must be 32 bytes")
	// ErrNotFound reports a missing row.
	ErrNotFound = errors.New("store: not found")
)

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db *gorm.DB
	// wmu serialises the store's write transactions in the process. SQLite
	// takes one writer at a time anyway, and a writer that finds the lock
	// taken sleeps in SQLite's busy handler, with growing backoffs, which
	// stalls a sync's pages for milliseconds each time.
	wmu chan struct{}
}

// NewKey returns a fresh random database key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails (crypto/rand, Go 1.24+)
	return k
}

// Open opens or creates the encrypted database at path with key and brings
// its schema up to date.
func Open(path string, key []byte) (*Store, error) {
	if len(key) != KeySize {
		return nil, ErrBadKey
	}
	dsn, err := dsn(path, key)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(gormlite.Open(dsn), &gorm.Config{
		// GORM's default logger prints SQL with its values: resource
		// content. Keep it silent.
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, openError(err)
	}
	s := &Store{db: db, wmu: make(chan struct{}, 1)}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, openError(err)
	}
	return s, nil
}

// dsn builds the driver's URI. Only _pragma parameters reach SQLite through
// this driver (mattn-style _busy_timeout and friends are ignored), and the
// key must come first (driver docs).
//
// journal_mode is WAL: the adiantum VFS encrypts the WAL file like the
// database (it leaves only super journals in clear, which WAL never uses),
// and the -shm index holds page numbers and checksums, no content. WAL lets
// the UI read while a sync writes. synchronous(normal) is the usual WAL
// pairing: a power cut may lose the last commit, never corrupt the file.
func dsn(path string, key []byte) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String() + "?vfs=adiantum&hexkey=" + hex.EncodeToString(key) +
		"&_pragma=busy_timeout(10000)" +
		"&_pragma=journal_mode(wal)" +
		"&_pragma=synchronous(normal)" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=temp_store(memory)" +
		"&_txlock=immediate", nil
}

// openError maps SQLite's NOTADB to ErrWrongKey and drops nothing else.
func openError(err error) error {
	if errors.Is(err, sqlite3.NOTADB) {
		return ErrWrongKey
	}
	return fmt.Errorf("store: open: %w", err)
}

func (s *Store) migrate() error {
	return s.db.AutoMigrate(&Connection{}, &Resource{}, &Attachment{}, &SyncRun{},
		&SyncCycle{}, &SyncCursor{}, &DirectoryCache{}, &ManualPractice{})
}

// Close closes the database.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return sqlDB.Close()
}

// notFound maps GORM's record-not-found to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// ErrCorrupt reports a database that fails SQLite's integrity check.
var ErrCorrupt = errors.New("store: database is damaged")

// IntegrityCheck runs PRAGMA integrity_check over the whole database and
// fails with ErrCorrupt, and SQLite's first findings, unless it answers ok.
// It reads every page: expect it to take a while on a large database.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.db.WithContext(ctx).Raw("PRAGMA integrity_check").Rows()
	if errors.Is(err, sqlite3.CORRUPT) || errors.Is(err, sqlite3.NOTADB) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() && len(found) < 5 {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: integrity check: %w", err)
		}
		found = append(found, line)
	}
	if err := rows.Err(); errors.Is(err, sqlite3.CORRUPT) || errors.Is(err, sqlite3.NOTADB) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	} else if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(found, "; "))
}

// write runs fn in a write transaction, one at a time in the process
// (Store.wmu). Waiting for the turn ends with ctx.
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	select {
	case s.wmu <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wmu }()
	return s.db.WithContext(ctx).Transaction(fn)
}
