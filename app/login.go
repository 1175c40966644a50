package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"chartkeep/backend/callback"
	"chartkeep/backend/directory"
	"chartkeep/backend/smart"
	"chartkeep/backend/store"
)

// LoginStart tells the window that the browser was opened.
type LoginStart struct {
	AttemptID string `json:"attemptId"`
	AuthURL   string `json:"authUrl"`
}

// LoginStatus is the payload of the login:status event.
type LoginStatus struct {
	AttemptID    string `json:"attemptId"`
	State        string `json:"state"` // waiting, exchanging, connected, failed
	Message      string `json:"message"`
	ConnectionID string `json:"connectionId"`
}

// loginAttempt is what the app remembers about one browser login besides
// the OAuth secrets that smart.Pending keeps.
type loginAttempt struct {
	id          string
	practice    directory.Practice
	reconnectID string
	timer       *time.Timer
}

// Connect starts a login to the practice with this directory code: the
// system browser opens healow's login page and the window waits for the
// login:status event.
func (a *App) Connect(practiceCode string) (LoginStart, error) {
	if err := a.ready(); err != nil {
		return LoginStart{}, err
	}
	p, err := a.findPractice(a.ctx, practiceCode)
	if err != nil {
		return LoginStart{}, err
	}
	return a.beginLogin(p, "")
}

// Reconnect logs in again to the practice of an existing connection, with
// the same settings, and resumes its sync once the new token arrives.
func (a *App) Reconnect(connectionID string) (LoginStart, error) {
	if err := a.ready(); err != nil {
		return LoginStart{}, err
	}
	c, err := a.store.GetConnection(a.ctx, connectionID)
	if err != nil {
		return LoginStart{}, errorf(CodeNotFound, "That connection no longer exists.")
	}
	p := directory.Practice{Code: c.PracticeCode, Name: c.PracticeName, Base: c.Base}
	return a.beginLogin(p, c.ID)
}

// CancelLogin forgets every login still waiting for the browser.
func (a *App) CancelLogin() error {
	a.cancelAttempts(func(*loginAttempt) bool { return true }, "Login cancelled.")
	return nil
}

// cancelAttempts drops the waiting logins that match, telling the window.
func (a *App) cancelAttempts(match func(*loginAttempt) bool, msg string) {
	a.mu.Lock()
	var states []string
	for s, la := range a.attempts {
		if match(la) {
			states = append(states, s)
		}
	}
	a.mu.Unlock()
	for _, s := range states {
		if at := a.takeAttempt(s); at != nil {
			a.pending.Drop(s, smart.ErrCancelledState)
			a.emit("login:status", LoginStatus{AttemptID: at.id, State: "failed", Message: msg})
		}
	}
}

func (a *App) beginLogin(p directory.Practice, reconnectID string) (LoginStart, error) {
	a.mu.Lock()
	s := a.settings
	a.mu.Unlock()
	if err := s.validate(a.opts.AllowHTTPLoopback); err != nil {
		return LoginStart{}, err
	}
	if reconnectID == "" {
		if err := a.requireSetup(a.ctx); err != nil {
			return LoginStart{}, err
		}
	}
	if err := a.waitLimiter(a.ctx, p.Base); err != nil {
		return LoginStart{}, err
	}
	authURL, att, err := a.smartClient(s).Begin(a.ctx, p.Base)
	if err != nil {
		a.log.Warn("login could not start", "practice", p.Code, "err", err)
		return LoginStart{}, beginError(err, p, time.Now())
	}
	a.pending.Put(att)
	la := &loginAttempt{id: uuid.NewString(), practice: p, reconnectID: reconnectID}
	la.timer = time.AfterFunc(a.loginTTL, func() { a.expireAttempt(att.State) })
	a.mu.Lock()
	a.attempts[att.State] = la
	a.mu.Unlock()

	a.log.Info("login started", "practice", p.Code, "reconnect", reconnectID != "")
	a.openBrowser(authURL)
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "waiting",
		Message: waitingMessage(s)})
	return LoginStart{AttemptID: la.id, AuthURL: authURL}, nil
}

// smartClient returns the login client for the current settings. It is
// kept while the settings stay the same, since it caches each practice's
// smart-configuration and signing keys.
func (a *App) smartClient(s Settings) *smart.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.smart
	if c == nil || c.ClientID != s.ClientID || c.RedirectURI != s.RedirectURI() {
		c = &smart.Client{HTTP: a.httpClient(), ClientID: s.ClientID,
			RedirectURI: s.RedirectURI(), Scopes: smart.DefaultScopes(), FitScopes: true}
		a.smart = c
	}
	return c
}

func (a *App) takeAttempt(state string) *loginAttempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	la := a.attempts[state]
	delete(a.attempts, state)
	if la != nil {
		la.timer.Stop()
	}
	return la
}

func (a *App) expireAttempt(state string) {
	la := a.takeAttempt(state)
	if la == nil {
		return
	}
	a.pending.Drop(state, smart.ErrExpiredState)
	a.log.Info("login timed out", "practice", la.practice.Code)
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "failed",
		Message: timeoutMessage(a.loginTTL)})
}

// receiveCallback handles healow's redirect from the browser. It runs on
// the callback listener; what it returns is the page the browser shows.
func (a *App) receiveCallback(ctx context.Context, cb smart.Callback) callback.Outcome {
	la := a.takeAttempt(cb.State)
	if la == nil {
		// Unknown, expired, cancelled or already used: nothing is changed.
		_, err := a.pending.Take(cb.State)
		a.log.Info("callback for no waiting login", "reason", err)
		a.bringToFront()
		return staleCallback(err)
	}
	att, err := a.pending.Take(cb.State)
	if err != nil {
		return a.failLogin(la, timeoutMessage(a.loginTTL), err)
	}
	lc := a.loginContext(att)
	if err := smart.CallbackError(cb); err != nil {
		return a.failLogin(la, loginErrorMessage(err, lc), err)
	}
	if cb.Code == "" {
		return a.failLogin(la, "healow sent you back without a login code, so the login did "+
			"not finish. Click Try again in Chartkeep.", smart.ErrNoCode)
	}
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "exchanging",
		Message: "Finishing the login…"})
	if err := a.waitLimiter(ctx, la.practice.Base); err != nil {
		return a.failLogin(la, loginErrorMessage(err, lc), err)
	}
	grant, err := a.smartClient(a.currentSettings()).Exchange(ctx, att, cb.Code)
	if err != nil {
		return a.failLogin(la, loginErrorMessage(err, lc), err)
	}
	resume := a.interruptedByExpiry(ctx, la.reconnectID)
	conn, err := a.saveConnection(ctx, la, att, grant)
	if err != nil {
		return a.failLogin(la, errMessage(err), err)
	}
	limits := grantLimits(grant.Scope)
	a.log.Info("login completed", "practice", la.practice.Code, "missing_scopes", len(limits.missing),
		"resume", resume)
	msg := "Connected. Downloading your records…"
	if note := limits.message(); note != "" {
		msg += " " + note
	}
	// The sync is registered before anyone hears "connected", so a window
	// (or a test) that reacts to the event finds it running.
	a.startSyncMode(conn.ID, resume)
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "connected", Message: msg,
		ConnectionID: conn.ID})
	a.emit("connections:changed", nil)
	a.bringToFront()
	page := "Chartkeep is now downloading your records from " + la.practice.Name + "."
	if note := limits.message(); note != "" {
		page += " " + note
	}
	return callback.Outcome{OK: true, Title: "You are connected", Message: page +
		" Go back to the Chartkeep window to see them."}
}

func (a *App) failLogin(la *loginAttempt, msg string, err error) callback.Outcome {
	a.log.Warn("login failed", "practice", la.practice.Code, "err", err)
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "failed", Message: msg})
	a.bringToFront()
	return callback.Outcome{Title: "The login did not finish", Message: msg +
		" Go back to the Chartkeep window to try again."}
}

// loginContext is what a login failure message may name.
func (a *App) loginContext(att *smart.Attempt) loginCtx {
	return loginCtx{clientID: att.ClientID, redirectURI: att.RedirectURI, base: att.Base,
		now: time.Now()}
}

func (a *App) currentSettings() Settings {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.settings
}

func errMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return "an unexpected error occurred; details are in the log file."
}

// saveConnection stores the connection and its token. A login to the same
// practice as the same patient reuses the existing connection.
func (a *App) saveConnection(ctx context.Context, la *loginAttempt, att *smart.Attempt,
	g *smart.Grant) (*store.Connection, error) {
	conn, err := a.matchConnection(ctx, la, g.Patient)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if conn == nil {
		conn = &store.Connection{ID: uuid.NewString(), CreatedAt: now}
	}
	conn.PracticeCode = la.practice.Code
	conn.PracticeName = la.practice.Name
	conn.Base = la.practice.Base
	conn.ClientID = att.ClientID
	conn.RedirectURI = att.RedirectURI
	conn.PatientID = g.Patient
	// The granted scope, not the request: the sync leaves out what it lacks.
	conn.Scope = g.Scope
	conn.Status = statusConnected
	exp := g.Expiry
	conn.ExpiresAt = &exp
	if err := a.saveToken(ctx, conn.ID, g); err != nil {
		return nil, err
	}
	if err := a.store.SaveConnection(ctx, conn); err != nil {
		return nil, newError(CodeInternal, "Chartkeep could not save the connection.", err)
	}
	return conn, nil
}

func (a *App) matchConnection(ctx context.Context, la *loginAttempt,
	patient string) (*store.Connection, error) {
	if la.reconnectID != "" {
		c, err := a.store.GetConnection(ctx, la.reconnectID)
		if err == nil && c.PatientID != patient {
			return nil, errorf(CodeLoginFailed,
				"You logged in as a different patient than this connection belongs to. Use "+
					"Add a practice to connect a second patient.")
		}
		if err == nil {
			return c, nil
		}
	}
	all, err := a.store.ListConnections(ctx)
	if err != nil {
		return nil, fmt.Errorf("app: list connections: %w", err)
	}
	for i := range all {
		if all[i].Base == la.practice.Base && all[i].PatientID == patient {
			return &all[i], nil
		}
	}
	return nil, nil
}
