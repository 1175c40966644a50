// Package logging sets up Chartkeep's structured logs: text on stderr and
// JSON lines in a size-capped file in the data directory.
//
// It only routes records. Keeping secrets and health data out of them is
// the callers' duty: log types, counts, status codes and durations, never a
// token, a request or response body, or a resource. Types that carry
// secrets implement slog.LogValuer and redact themselves.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// maxFileBytes caps the log file: at start, a larger file is moved aside
// to chartkeep.log.1, replacing the previous one.
const maxFileBytes = 5 << 20

// FileName is the log file's name inside the logs directory.
const FileName = "chartkeep.log"

// Open returns a logger writing to base and, as JSON lines, to
// dir/logs/chartkeep.log, and the file to close at exit.
func Open(dir string, level slog.Level, base slog.Handler) (*slog.Logger, io.Closer, error) {
	logDir := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("logging: %w", err)
	}
	path := filepath.Join(logDir, FileName)
	if st, err := os.Stat(path); err == nil && st.Size() > maxFileBytes {
		_ = os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("logging: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	h := slog.NewMultiHandler(base, slog.NewJSONHandler(f, opts))
	return slog.New(h), f, nil
}
