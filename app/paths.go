package app

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// DataDir returns the per-user directory where Chartkeep keeps its database,
// settings and logs: %LOCALAPPDATA%\Chartkeep on Windows,
// ~/Library/Application Support/Chartkeep on macOS and
// $XDG_DATA_HOME/chartkeep (~/.local/share/chartkeep) elsewhere.
// CHARTKEEP_DATA_DIR overrides it, which tests and the demo use.
func DataDir() (string, error) {
	if d := os.Getenv("CHARTKEEP_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Chartkeep"), nil
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Application Support", "Chartkeep"), nil
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "chartkeep"), nil
		}
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".local", "share", "chartkeep"), nil
		}
	}
	return "", errors.New("app: no per-user data directory could be determined")
}
