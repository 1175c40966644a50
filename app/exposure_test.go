package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/vault"
)

// filesContaining lists the files under dir whose bytes contain s.
func filesContaining(t *testing.T, dir, s string) []string {
	t.Helper()
	var out []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(s)) {
				out = append(out, p)
			}
		}
		return nil
	})
	return out
}

func TestLockedKeychainNeverFallsBackToFiles(t *testing.T) {
	t.Parallel()
	t.Run("locked at start", func(t *testing.T) {
		mem := vault.NewMemory(2560)
		mem.SetLocked(true)
		dir := t.TempDir()
		h := NewHost(Options{DataDir: dir, Vault: mem.Keychain(kcService, time.Second),
			Emit: func(string, any) {}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		err := h.Start(context.Background())
		defer h.Close()
		h.Startup(context.Background()) // as Wails starts it: the error is kept
		if errCode(err) != CodeKeychain || !strings.Contains(err.Error(), "Unlock your keychain") {
			t.Fatalf("Start with a locked keychain = %v", err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 0 {
			t.Errorf("files written without a keychain: %v", entries)
		}
		if _, err := h.App().ListConnections(); errCode(err) != CodeKeychain {
			t.Errorf("a bound call after the failed start = %v, want the keychain message", err)
		}
	})
	t.Run("locked after login", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		id := sh.connectOK(t, alexLogin)
		token := tokenFromVault(t, sh.mem, id)
		sh.mem.SetLocked(true)
		err := sh.App().SyncNow(id)
		if errCode(err) != CodeKeychain || err.Error() != keychainMessage {
			t.Errorf("SyncNow with a locked keychain = %v", err)
		}
		if err := sh.App().DisconnectConnection(id); errCode(err) != CodeKeychain {
			t.Errorf("Disconnect with a locked keychain = %v", err)
		}
		if c := sh.connections(t)[0]; c.Status == statusDisconnected {
			t.Error("marked disconnected although the token could not be deleted")
		}
		if f := filesContaining(t, sh.app.dataDir, token); len(f) != 0 {
			t.Errorf("the token is in files: %v", f)
		}
	})
	t.Run("locked during login", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		run := browse(t, start.AuthURL, alexLogin, "allow", func() { sh.mem.SetLocked(true) })
		wantFailure(t, sh.waitEnded(t, start.AttemptID), run.page, "could not reach the system keychain")
		sh.wantNoConnection(t)
		if f := filesContaining(t, sh.app.dataDir, "access_token"); len(f) != 0 {
			t.Errorf("a token was written to files: %v", f)
		}
	})
}

// TestCallbackListenerExposesNothing sweeps the listener the tunnel
// exposes, once the app holds records, a token and settings.
func TestCallbackListenerExposesNothing(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	id := sh.connectOK(t, alexLogin)
	addr := sh.CallbackAddr()
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Fatalf("callback listener bound %s, want 127.0.0.1 only", addr)
	}
	settingsJSON, _ := json.Marshal(sh.settings)
	secrets := map[string]string{
		"access token": tokenFromVault(t, sh.mem, id), "client id": simClientID,
		"settings": string(settingsJSON), "patient id": sh.alex.ID(),
		"FHIR content": "resourceType", "settings key": "publicUrl",
	}
	for _, part := range strings.Fields(sh.alex.Name()) {
		secrets["patient name "+part] = part
	}
	paths := []string{"/", "/healow/ping", "/healow/callback", "/healow/callback?state=x&code=y",
		"/healow/callback?error=access_denied&state=" + id, "/api/records", "/settings",
		"/settings.json", "/chartkeep.db", "/logs/chartkeep.log", "/wails/ipc", "/.env",
		"/healow/../settings.json", "/%2e%2e/settings.json", "/healow/callback/" + id,
		"/fhir/r4/" + simPractice + "/Patient/" + sh.alex.ID()}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"}
	c := &http.Client{Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, m := range methods {
		for _, p := range paths {
			req, _ := http.NewRequest(m, "http://"+addr+p, strings.NewReader("{}"))
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", m, p, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.Header.Get("Server") != "" {
				t.Errorf("%s %s: Server header %q", m, p, resp.Header.Get("Server"))
			}
			for what, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s %s answered with the %s", m, p, what)
				}
			}
		}
	}
}
