package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DefaultCallbackPort is the loopback port of the callback listener. It is
// fixed, not random, because the user's tunnel points at it.
const DefaultCallbackPort = 53682

// Settings are the user's choices. None of them is secret: they live in a
// JSON file beside the database so a maintainer can read them.
type Settings struct {
	ClientID     string `json:"clientId"`
	PublicURL    string `json:"publicUrl"`
	CallbackPort int    `json:"callbackPort"`
	DirectoryURL string `json:"directoryUrl"`
	// Demo is set when the app runs on the built-in demo practice. It is
	// not saved; the window reads it to hide the real-practice setup.
	Demo bool `json:"demo"`
}

// RedirectURI is the address healow sends the browser back to.
func (s Settings) RedirectURI() string {
	return strings.TrimRight(s.PublicURL, "/") + "/healow/callback"
}

func (s Settings) withDefaults() Settings {
	if s.CallbackPort == 0 {
		s.CallbackPort = DefaultCallbackPort
	}
	return s
}

// validate checks what can be checked without the network.
func (s Settings) validate(allowHTTP bool) error {
	if strings.TrimSpace(s.ClientID) == "" {
		return errorf(CodeNeedsSetup, "Enter the client ID healow gave your app registration.")
	}
	if s.CallbackPort < 1024 || s.CallbackPort > 65535 {
		return errorf(CodeInvalidInput, "The callback port must be between 1024 and 65535.")
	}
	u, err := url.Parse(s.PublicURL)
	if err != nil || u.Host == "" {
		return errorf(CodeNeedsSetup,
			"Enter the public https address of your tunnel, for example https://example.ngrok-free.app.")
	}
	if u.Scheme != "https" && !(allowHTTP && u.Scheme == "http") {
		return errorf(CodeInvalidInput, "healow only accepts https addresses; the public URL must start with https://.")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errorf(CodeInvalidInput,
			"The public URL must be just the address, with no path or query (for example https://example.ngrok-free.app).")
	}
	return nil
}

const settingsFile = "settings.json"

func loadSettings(dir string) (Settings, error) {
	var s Settings
	b, err := os.ReadFile(filepath.Join(dir, settingsFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return s, fmt.Errorf("app: read settings: %w", err)
	default:
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("app: settings file is damaged: %w", err)
		}
	}
	// healow's own setup instructions use these two variables.
	if v := os.Getenv("HEALOW_CLIENT_ID"); v != "" {
		s.ClientID = v
	}
	if v := os.Getenv("PUBLIC_URL"); v != "" {
		s.PublicURL = v
	}
	return s.withDefaults(), nil
}

func saveSettings(dir string, s Settings) error {
	s.Demo = false
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, settingsFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("app: write settings: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, settingsFile))
}
