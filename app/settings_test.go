package app

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSettingsValidate(t *testing.T) {
	ok := Settings{ClientID: "abc", PublicURL: "https://me.ngrok-free.app", CallbackPort: 53682}
	tests := []struct {
		name      string
		mutate    func(*Settings)
		allowHTTP bool
		code      string
	}{
		{"valid", func(*Settings) {}, false, ""},
		{"no client id", func(s *Settings) { s.ClientID = " " }, false, CodeNeedsSetup},
		{"no public url", func(s *Settings) { s.PublicURL = "" }, false, CodeNeedsSetup},
		{"http refused", func(s *Settings) { s.PublicURL = "http://me.example" }, false, CodeInvalidInput},
		{"http loopback in demo", func(s *Settings) { s.PublicURL = "http://127.0.0.1:5" }, true, ""},
		{"path refused", func(s *Settings) { s.PublicURL += "/healow/callback" }, false, CodeInvalidInput},
		{"query refused", func(s *Settings) { s.PublicURL += "?x=1" }, false, CodeInvalidInput},
		{"trailing slash allowed", func(s *Settings) { s.PublicURL += "/" }, false, ""},
		{"privileged port", func(s *Settings) { s.CallbackPort = 80 }, false, CodeInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.mutate(&s)
			err := s.validate(tc.allowHTTP)
			var e *Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("validate(%+v) = %v, want nil", s, err)
			case tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code):
				t.Fatalf("validate(%+v) = %v, want code %s", s, err, tc.code)
			}
		})
	}
}

func TestRedirectURI(t *testing.T) {
	s := Settings{PublicURL: "https://me.ngrok-free.app/"}
	if got, want := s.RedirectURI(), "https://me.ngrok-free.app/healow/callback"; got != want {
		t.Errorf("RedirectURI = %q, want %q", got, want)
	}
}

func TestSettingsFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	if err := saveSettings(dir, Settings{ClientID: "saved", PublicURL: "https://a.example",
		CallbackPort: 50000, Demo: true}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, settingsFile))
	if strings.Contains(string(b), `"demo": true`) {
		t.Errorf("demo flag was saved: %s", b)
	}
	t.Setenv("HEALOW_CLIENT_ID", "from-env")
	t.Setenv("PUBLIC_URL", "https://env.example")
	s, err := loadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.ClientID != "from-env" || s.PublicURL != "https://env.example" || s.CallbackPort != 50000 {
		t.Errorf("loadSettings = %+v", s)
	}
}

func TestDamagedSettingsFileIsReported(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, settingsFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadSettings(dir); err == nil {
		t.Fatal("a damaged settings file was accepted")
	}
}

func TestFormatError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"app error kept", errorf(CodeNeedsSetup, "Enter the client ID."), CodeNeedsSetup,
			"Enter the client ID."},
		{"wrapped app error kept", errors.Join(errors.New("x"), errorf(CodeNotFound, "Gone.")),
			CodeNotFound, "Gone."},
		{"internal detail hidden", errors.New("open /home/x/secret.db: denied"), CodeInternal,
			"Something went wrong inside Chartkeep. Details are in the log file."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got map[string]string
			if err := json.Unmarshal([]byte(FormatError(tc.err).(string)), &got); err != nil {
				t.Fatal(err)
			}
			if got["code"] != tc.code || got["message"] != tc.msg {
				t.Errorf("FormatError(%v) = %v, want %s / %s", tc.err, got, tc.code, tc.msg)
			}
		})
	}
}
