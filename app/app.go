// Package app is the thin layer that Wails binds to the window. Every
// exported method of App is callable from the frontend; each returns
// (T, error) and leaves the work to the domain packages under backend/.
//
// Nothing here is trusted by the window blindly either: strings from the
// practice reach the frontend as plain data, and narrative HTML is sanitized
// before it leaves Go.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"chartkeep/backend/fhirclient"
	ksync "chartkeep/backend/sync"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"chartkeep/backend/callback"
	"chartkeep/backend/logging"
	"chartkeep/backend/simulator"
	"chartkeep/backend/smart"
	"chartkeep/backend/store"
	"chartkeep/backend/vault"
)

// Version is the application version, set at build time with -ldflags.
var Version = "0.1.0"

// Options configure an App. The zero value runs the real product: the OS
// keychain, the live healow directory and the system browser.
type Options struct {
	// DataDir holds the database, settings and logs; empty means DataDir().
	DataDir string
	// Demo runs the built-in demo practice: an in-process healow simulator
	// over plain loopback HTTP with a generated demo patient.
	Demo bool
	// Vault stores tokens and the database key; nil means the OS keychain.
	Vault vault.Vault
	// HTTPClient makes every OAuth, FHIR and directory call; nil means a
	// client with sane timeouts and the system's trusted roots.
	HTTPClient *http.Client
	// AllowHTTPLoopback lets practice bases and the public URL be plain
	// http on 127.0.0.1. Only the demo and tests set it.
	AllowHTTPLoopback bool
	// Settings, when set, replace the saved settings (tests).
	Settings *Settings
	// OpenURL opens the system browser; nil means Wails' BrowserOpenURL.
	OpenURL func(url string)
	// Emit sends an event to the window; nil means Wails' EventsEmit.
	Emit func(name string, data any)
	// ShowWindow brings the window to the front; nil means Wails'
	// WindowUnminimise and WindowShow (none when Emit is set, in tests).
	ShowWindow func()
	// Logger receives structured logs; nil means text on stderr.
	Logger *slog.Logger
	// LogToFile adds a log file in the data directory to Logger's output.
	LogToFile bool
}

// App is the object bound to the window.
type App struct {
	opts    Options
	log     *slog.Logger
	ctx     context.Context
	dataDir string
	hc      *http.Client

	vault   vault.Vault
	store   *store.Store
	pending *smart.Pending
	cb      *callback.Server
	sim     *simulator.Server

	mu        sync.Mutex
	settings  Settings
	directory directoryState
	attempts  map[string]*loginAttempt // by state
	syncs     map[string]*syncState    // by connection id
	limiters  map[string]*fhirclient.WindowLimiter
	smart     *smart.Client
	syncWG    sync.WaitGroup
	logFile   io.Closer
	startErr  error
	setupOK   bool // CheckSetup passed during this run

	// loginTTL is how long a browser login may take; pingTTL bounds the
	// setup check's ping. Tests shorten them.
	loginTTL time.Duration
	pingTTL  time.Duration
	// unlimited turns the per-practice request limiter off (tests).
	unlimited bool
}

// Host runs an App: it starts and stops it and serves tests. It is kept
// apart from App because Wails binds every exported method of App to the
// window, and lifecycle calls must not be callable from there.
type Host struct{ app *App }

// NewHost makes the App and its Host; nothing is opened until Start.
func NewHost(opts Options) *Host { return &Host{app: newApp(opts)} }

// App returns the object to bind to the window.
func (h *Host) App() *App { return h.app }

// Startup is Wails' OnStartup hook. A failure is logged and then reported
// by every bound call, so the window can explain it.
func (h *Host) Startup(ctx context.Context) {
	h.app.ctx = ctx
	if err := h.app.start(ctx); err != nil {
		h.app.log.Error("startup failed", "err", err)
		h.app.startErr = err
	}
}

// Start opens everything; tests call it instead of Startup.
func (h *Host) Start(ctx context.Context) error { return h.app.start(ctx) }

// Shutdown is Wails' OnShutdown hook.
func (h *Host) Shutdown(context.Context) { h.app.close() }

// Close stops syncs and listeners and closes the database.
func (h *Host) Close() { h.app.close() }

// Logger returns the app's logger, which includes the log file once
// started.
func (h *Host) Logger() *slog.Logger { return h.app.log }

// WaitSync blocks until the connection's sync has finished or the timeout
// passes, and reports whether it finished.
func (h *Host) WaitSync(connectionID string, timeout time.Duration) bool {
	return h.app.waitSync(connectionID, timeout)
}

// SecondInstance is Wails' SingleInstanceLock.OnSecondInstanceLaunch hook:
// starting Chartkeep again brings the running window to the front instead.
func (h *Host) SecondInstance(options.SecondInstanceData) { h.app.bringToFront() }

// CallbackAddr is the address the callback listener bound.
func (h *Host) CallbackAddr() string { return h.app.cb.Addr() }

// Simulator is the demo practice's simulator, or nil outside the demo.
func (h *Host) Simulator() *simulator.Server { return h.app.sim }

func newApp(opts Options) *App {
	if opts.Logger == nil {
		// Not slog.Default(): Start may make this logger the default, and a
		// default wrapping the old default would loop through package log.
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return &App{
		opts:     opts,
		log:      opts.Logger,
		pending:  smart.NewPending(smart.DefaultAttemptTTL),
		loginTTL: smart.DefaultAttemptTTL,
		attempts: map[string]*loginAttempt{},
		syncs:    map[string]*syncState{},
		limiters: map[string]*fhirclient.WindowLimiter{},
	}
}

// start opens the data directory, the keychain, the database, the demo
// practice when asked for and the callback listener.
func (a *App) start(ctx context.Context) error {
	if a.ctx == nil {
		a.ctx = ctx
	}
	dir, err := a.resolveDataDir()
	if err != nil {
		return err
	}
	a.dataDir = dir
	if a.opts.LogToFile {
		l, f, err := logging.Open(dir, slog.LevelInfo, a.log.Handler())
		if err != nil {
			return err
		}
		a.log, a.logFile = l, f
		// The backend packages log through the default logger.
		slog.SetDefault(l)
	}
	a.log.Info("chartkeep starting", "version", Version, "demo", a.opts.Demo, "data_dir", dir)

	if err := a.openVault(); err != nil {
		return err
	}
	if err := a.openStore(ctx); err != nil {
		return err
	}
	if err := a.loadSettings(); err != nil {
		return err
	}
	if a.opts.Demo {
		if err := a.startDemo(ctx); err != nil {
			return fmt.Errorf("app: start demo practice: %w", err)
		}
	}
	return a.startCallback()
}

func (a *App) close() {
	a.mu.Lock()
	for _, s := range a.syncs {
		s.cancel()
	}
	a.mu.Unlock()
	a.waitSyncs(10 * time.Second)
	if a.cb != nil {
		_ = a.cb.Close()
	}
	if a.sim != nil {
		a.sim.Close()
	}
	if a.store != nil {
		_ = a.store.Close()
	}
	if a.logFile != nil {
		_ = a.logFile.Close()
	}
}

func (a *App) resolveDataDir() (string, error) {
	dir := a.opts.DataDir
	if dir == "" {
		d, err := DataDir()
		if err != nil {
			return "", err
		}
		dir = d
		if a.opts.Demo {
			// The demo never mixes its patient with real records.
			dir = filepath.Join(dir, "demo")
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("app: create data directory: %w", err)
	}
	return dir, nil
}

func (a *App) keychainService() string {
	if a.opts.Demo {
		return "Chartkeep (demo)"
	}
	return "Chartkeep"
}

func (a *App) openVault() error {
	if a.opts.Vault != nil {
		a.vault = a.opts.Vault
		return nil
	}
	a.vault = vault.NewKeyring(a.keychainService(), 15*time.Second)
	return nil
}

const databaseKeyName = "database-key"

// openStore opens the encrypted database with the key from the keychain,
// making both on first run. A database without its key is never replaced:
// records already saved must not be lost to a keychain hiccup.
func (a *App) openStore(ctx context.Context) error {
	path := filepath.Join(a.dataDir, "chartkeep.db")
	key, err := a.databaseKey(ctx, path)
	if err != nil {
		return err
	}
	st, err := store.Open(path, key)
	if err != nil {
		return fmt.Errorf("app: open database: %w", err)
	}
	a.store = st
	return nil
}

func (a *App) databaseKey(ctx context.Context, path string) ([]byte, error) {
	hexKey, err := a.vault.Get(ctx, databaseKeyName)
	if err == nil {
		return decodeKey(hexKey)
	}
	if !errors.Is(err, vault.ErrNotFound) {
		return nil, newError(CodeKeychain, keychainMessage, err)
	}
	if _, statErr := os.Stat(path); statErr == nil && a.opts.Demo {
		// The demo's records are made up: start it afresh rather than
		// stopping a new user on a keychain that was reset.
		a.log.Warn("demo: database key missing, starting the demo database afresh")
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			_ = os.Remove(path + suffix)
		}
	} else if statErr == nil {
		return nil, newError(CodeKeychain,
			"Your records database exists but its key is missing from the system keychain. "+
				"Chartkeep left the database untouched; restore the keychain, or remove "+
				path+" to start again.", err)
	}
	key := store.NewKey()
	if err := a.vault.Set(ctx, databaseKeyName, encodeKey(key)); err != nil {
		return nil, newError(CodeKeychain, keychainMessage, err)
	}
	return key, nil
}

const keychainMessage = "Chartkeep could not reach the system keychain, where it keeps " +
	"your sign-in and the key to your records. Unlock your keychain (on Linux: the " +
	"\"login\" keyring of GNOME Keyring or KWallet) and try again."

func (a *App) loadSettings() error {
	s, err := loadSettings(a.dataDir)
	if err != nil {
		return err
	}
	if a.opts.Settings != nil {
		s = a.opts.Settings.withDefaults()
	}
	a.settings = s
	return nil
}

func (a *App) startCallback() error {
	a.mu.Lock()
	port := a.settings.CallbackPort
	a.mu.Unlock()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if a.opts.Demo {
		addr = "127.0.0.1:0"
	}
	cb := callback.New(addr, a.receiveCallback)
	if err := cb.Start(); err != nil {
		return fmt.Errorf("app: start callback listener on %s: %w", addr, err)
	}
	a.cb = cb
	if a.opts.Demo {
		a.finishDemoSetup()
	}
	return nil
}

// ready reports an error when Start failed, so each bound method can say so.
func (a *App) ready() error {
	var e *Error
	if errors.As(a.startErr, &e) {
		return e
	}
	if a.store == nil || a.vault == nil {
		return errorf(CodeInternal,
			"Chartkeep could not open its records database. Check that the system keychain is "+
				"unlocked and restart Chartkeep; the log file has details.")
	}
	return nil
}

func (a *App) emit(name string, data any) {
	if a.opts.Emit != nil {
		a.opts.Emit(name, data)
		return
	}
	if a.ctx != nil {
		runtime.EventsEmit(a.ctx, name, data)
	}
}

func (a *App) openBrowser(u string) {
	if a.opts.OpenURL != nil {
		a.opts.OpenURL(u)
		return
	}
	runtime.BrowserOpenURL(a.ctx, u)
}

// bringToFront shows the window after the browser login, so the patient
// lands back in Chartkeep.
func (a *App) bringToFront() {
	if a.opts.ShowWindow != nil {
		a.opts.ShowWindow()
		return
	}
	if a.opts.Emit != nil || a.ctx == nil {
		return
	}
	runtime.WindowUnminimise(a.ctx)
	runtime.WindowShow(a.ctx)
}

func (a *App) httpClient() *http.Client {
	if a.opts.HTTPClient != nil {
		return a.opts.HTTPClient
	}
	if a.hc == nil {
		// The sync runs up to ksync.DefaultConcurrency requests at once to
		// one practice; the default transport would keep only two of their
		// connections and open a new TLS connection for the rest.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 2 * ksync.DefaultConcurrency
		a.hc = &http.Client{Timeout: 2 * time.Minute, Transport: t}
	}
	return a.hc
}
