package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// errLocked is the cause a locked Memory reports inside ErrUnavailable.
var errLocked = errors.New("vault: memory keychain is locked")

// Memory is an in-memory keychain for tests. Used directly it is a Vault
// that keeps each value in one entry, refusing values over its cap with
// ErrTooLarge as a real keychain would; Keychain puts NewKeyring's chunking
// in front of it. SetLocked makes every call fail with ErrUnavailable. It is
// safe for concurrent use.
type Memory struct {
	mu      sync.Mutex
	max     int
	locked  bool
	entries map[memKey]string
}

// memKey is one entry: a service (empty for direct use) and a user.
type memKey struct{ service, user string }

// NewMemory returns an empty Memory whose entries may hold at most
// maxValueBytes bytes; 0 or less means no cap.
func NewMemory(maxValueBytes int) *Memory {
	return &Memory{max: maxValueBytes, entries: make(map[memKey]string)}
}

// Keychain returns a Vault that chunks, bounds and maps errors exactly as
// NewKeyring does, but stores its entries in m under service.
func (m *Memory) Keychain(service string, timeout time.Duration) Vault {
	return newChunked(service, timeout, memBackend{m})
}

// SetLocked locks or unlocks m. While locked, every call returns an error
// wrapping ErrUnavailable, as a locked login keyring does.
func (m *Memory) SetLocked(locked bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.locked = locked
}

// Entries returns the names of the stored entries of service, sorted.
func (m *Memory) Entries(service string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for k := range m.entries {
		if k.service == service {
			names = append(names, k.user)
		}
	}
	slices.Sort(names)
	return names
}

// Get returns the value under key.
func (m *Memory) Get(_ context.Context, key string) (string, error) {
	return m.get(memKey{user: key})
}

// Set stores value under key in one entry.
func (m *Memory) Set(_ context.Context, key, value string) error {
	return m.set(memKey{user: key}, value)
}

// Delete removes key; it returns nil when key is absent.
func (m *Memory) Delete(_ context.Context, key string) error {
	err := m.del(memKey{user: key})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (m *Memory) get(k memKey) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locked {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, errLocked)
	}
	v, ok := m.entries[k]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (m *Memory) set(k memKey, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locked {
		return fmt.Errorf("%w: %w", ErrUnavailable, errLocked)
	}
	if m.max > 0 && len(value) > m.max {
		return fmt.Errorf("%w: %d bytes, cap %d", ErrTooLarge, len(value), m.max)
	}
	m.entries[k] = value
	return nil
}

func (m *Memory) del(k memKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locked {
		return fmt.Errorf("%w: %w", ErrUnavailable, errLocked)
	}
	if _, ok := m.entries[k]; !ok {
		return ErrNotFound
	}
	delete(m.entries, k)
	return nil
}

// memBackend adapts Memory to the backend NewKeyring's chunking runs on.
type memBackend struct{ m *Memory }

func (b memBackend) Get(s, u string) (string, error) { return b.m.get(memKey{s, u}) }
func (b memBackend) Set(s, u, v string) error        { return b.m.set(memKey{s, u}, v) }
func (b memBackend) Delete(s, u string) error        { return b.m.del(memKey{s, u}) }
