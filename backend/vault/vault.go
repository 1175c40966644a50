// Package vault keeps secrets (access tokens, the database key) in the
// operating system's keychain: Keychain on macOS, Credential Manager on
// Windows, the Secret Service (GNOME Keyring, KWallet) on Linux.
//
// Keychains cap the size of one entry (Windows 2560 bytes, macOS about
// 3000), so values are split across numbered entries. Keychain calls can
// block forever on Linux, waiting for an unlock prompt nobody answers, so
// each call is bounded by a timeout. Memory is an in-memory Vault for tests.
package vault

import (
	"context"
	"errors"
)

// Vault stores string secrets under keys.
type Vault interface {
	// Get returns the value under key, or ErrNotFound.
	Get(ctx context.Context, key string) (string, error)
	// Set stores value under key, replacing any previous value.
	Set(ctx context.Context, key, value string) error
	// Delete removes key. It returns nil when key is absent.
	Delete(ctx context.Context, key string) error
}

var (
	// ErrNotFound: no value is stored under the key.
	ErrNotFound = errors.New("vault: not found")
	// ErrUnavailable: the keychain cannot be used right now: it is locked,
	// missing (no Secret Service on D-Bus), or did not answer in time. The
	// error wraps the cause when there is one.
	ErrUnavailable = errors.New("vault: the system keychain is unavailable")
	// ErrTooLarge: a single entry is larger than the keychain accepts.
	ErrTooLarge = errors.New("vault: value too large for one keychain entry")
	// ErrCorrupt: the stored chunks do not add up to the value that was
	// written, for instance after a write was interrupted.
	ErrCorrupt = errors.New("vault: stored value is damaged")
	// ErrBadKey: the key is empty or has a reserved form.
	ErrBadKey = errors.New("vault: unusable key")
)
