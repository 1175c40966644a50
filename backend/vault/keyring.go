package vault

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zalando/go-keyring"
)

// chunkSize is the most bytes of a value kept in one entry. It stays well
// under Windows' 2560-byte blob and macOS' limit of about 3000 bytes, which
// go-keyring reaches after base64 (4/3) on a 4096-byte command line.
const chunkSize = 1800

// maxChunks bounds how many entries one value may use (about 900 KB).
const maxChunks = 512

// headerPrefix starts the first entry of every value written here:
// "ck1:<chunks>:<crc32 hex>:" and then the first chunk.
const headerPrefix = "ck1:"

// DefaultTimeout bounds one Vault call when NewKeyring gets 0.
const DefaultTimeout = 10 * time.Second

// backend is one keychain entry store, keyed by service and user; it is
// the shape of go-keyring's provider and of Memory.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, value string) error
	Delete(service, user string) error
}

// osBackend is the real keychain through go-keyring.
type osBackend struct{}

func (osBackend) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (osBackend) Set(s, u, v string) error        { return keyring.Set(s, u, v) }
func (osBackend) Delete(s, u string) error        { return keyring.Delete(s, u) }

// chunked is the Vault over a backend: chunking, timeout and error mapping.
type chunked struct {
	service string
	timeout time.Duration
	b       backend
	// busy admits one call at a time. A call stuck in the keychain keeps
	// it, so later calls time out instead of piling up goroutines, and
	// chunk writes of two calls never interleave.
	busy chan struct{}
}

// NewKeyring returns the Vault over the OS keychain, with entries under
// service. Each call (all its chunk reads or writes together) is bounded by
// timeout, DefaultTimeout when 0; a call that times out returns
// ErrUnavailable while its keychain request goes on in the background, and
// the next calls also return ErrUnavailable until it finishes.
func NewKeyring(service string, timeout time.Duration) Vault {
	return newChunked(service, timeout, osBackend{})
}

func newChunked(service string, timeout time.Duration, b backend) *chunked {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &chunked{service: service, timeout: timeout, b: b, busy: make(chan struct{}, 1)}
}

// run executes op in its own goroutine, bounded by the timeout and ctx.
func (c *chunked) run(ctx context.Context, what string, op func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case c.busy <- struct{}{}:
	case <-timer.C:
		return fmt.Errorf("%w: an earlier keychain request has not finished after %s",
			ErrUnavailable, c.timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-c.busy }()
		done <- op()
	}()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		slog.Warn("vault: keychain did not answer", "op", what, "timeout", c.timeout)
		return fmt.Errorf("%w: no answer after %s (is a keychain unlock prompt waiting?)",
			ErrUnavailable, c.timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Get reads the first entry, then the other chunks it announces.
func (c *chunked) Get(ctx context.Context, key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	var value string
	err := c.run(ctx, "get", func() error {
		v, err := c.read(key)
		value = v
		return err
	})
	return value, err
}

func (c *chunked) read(key string) (string, error) {
	head, err := c.get(key)
	if err != nil {
		return "", err
	}
	n, sum, first, ok := parseHeader(head)
	if !ok {
		return head, nil // written by something else, kept as it is
	}
	var b strings.Builder
	b.WriteString(first)
	for i := 1; i < n; i++ {
		part, err := c.get(chunkKey(key, i))
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("%w: chunk %d of %d is missing", ErrCorrupt, i, n)
		}
		if err != nil {
			return "", err
		}
		b.WriteString(part)
	}
	if crc32.ChecksumIEEE([]byte(b.String())) != sum {
		return "", fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return b.String(), nil
}

// Set writes the other chunks first and the first entry last, so the
// header announces only chunks already written; then it removes chunks a
// longer earlier value left behind.
func (c *chunked) Set(ctx context.Context, key, value string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	parts := split(value)
	if len(parts) > maxChunks {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(value))
	}
	return c.run(ctx, "set", func() error {
		old := c.chunkCount(key)
		for i := len(parts) - 1; i >= 1; i-- {
			if err := c.set(chunkKey(key, i), parts[i]); err != nil {
				return err
			}
		}
		head := fmt.Sprintf("%s%d:%08x:%s", headerPrefix, len(parts),
			crc32.ChecksumIEEE([]byte(value)), parts[0])
		if err := c.set(key, head); err != nil {
			return err
		}
		return c.deleteChunks(key, len(parts), old)
	})
}

// Delete removes the first entry and every chunk.
func (c *chunked) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return c.run(ctx, "delete", func() error {
		old := c.chunkCount(key)
		if err := c.del(key); err != nil && !errors.Is(err, errAbsent) {
			return err
		}
		return c.deleteChunks(key, 1, old)
	})
}

// chunkCount is how many chunks the stored value announces (1 if none).
func (c *chunked) chunkCount(key string) int {
	head, err := c.get(key)
	if err != nil {
		return 1
	}
	n, _, _, ok := parseHeader(head)
	if !ok {
		return 1
	}
	return n
}

// deleteChunks removes chunks from..to-1, then any further chunk left by an
// interrupted write, stopping at the first one absent.
func (c *chunked) deleteChunks(key string, from, to int) error {
	for i := from; i < maxChunks; i++ {
		err := c.del(chunkKey(key, i))
		if errors.Is(err, errAbsent) && i >= to {
			return nil
		}
		if err != nil && !errors.Is(err, errAbsent) {
			return err
		}
	}
	return nil
}

// errAbsent marks a delete of an entry that was not there.
var errAbsent = errors.New("vault: entry absent")

func (c *chunked) get(user string) (string, error) {
	v, err := c.b.Get(c.service, user)
	return v, mapErr(err)
}

func (c *chunked) set(user, value string) error {
	return mapErr(c.b.Set(c.service, user, value))
}

func (c *chunked) del(user string) error {
	err := mapErr(c.b.Delete(c.service, user))
	if errors.Is(err, ErrNotFound) {
		return errAbsent
	}
	return err
}

// mapErr turns keychain errors into this package's sentinels. Anything not
// understood (no D-Bus session, no Secret Service, a locked collection, a
// dismissed prompt, an unsupported platform) means the keychain cannot be
// used; the cause stays wrapped for the log.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound), errors.Is(err, ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig), errors.Is(err, ErrTooLarge):
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	case errors.Is(err, ErrUnavailable):
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// checkKey refuses empty keys and keys that look like a chunk entry.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrBadKey)
	}
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		if _, err := strconv.Atoi(key[i+1:]); err == nil {
			return fmt.Errorf("%w: %q ends like a chunk entry", ErrBadKey, key)
		}
	}
	return nil
}

// chunkKey names chunk i (i >= 1) of key.
func chunkKey(key string, i int) string { return key + "." + strconv.Itoa(i) }

// split cuts value into chunks of at most chunkSize bytes, on rune
// boundaries when the value is valid UTF-8. An empty value is one chunk.
func split(value string) []string {
	var parts []string
	for len(value) > chunkSize {
		cut := chunkSize
		for cut > chunkSize-utf8.UTFMax && !utf8.RuneStart(value[cut]) {
			cut--
		}
		parts = append(parts, value[:cut])
		value = value[cut:]
	}
	return append(parts, value)
}

// parseHeader reads "ck1:<n>:<crc>:<first chunk>".
func parseHeader(head string) (n int, sum uint32, first string, ok bool) {
	rest, found := strings.CutPrefix(head, headerPrefix)
	if !found {
		return 0, 0, "", false
	}
	count, rest, found := strings.Cut(rest, ":")
	if !found {
		return 0, 0, "", false
	}
	hexSum, first, found := strings.Cut(rest, ":")
	if !found {
		return 0, 0, "", false
	}
	n, err := strconv.Atoi(count)
	s, serr := strconv.ParseUint(hexSum, 16, 32)
	if err != nil || serr != nil || n < 1 || n > maxChunks {
		return 0, 0, "", false
	}
	return n, uint32(s), first, true
}
