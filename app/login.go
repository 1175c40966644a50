package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

const loginTimeout = 10 * time.Minute

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
	a.mu.Lock()
	states := make([]string, 0, len(a.attempts))
	for s := range a.attempts {
		states = append(states, s)
	}
	a.mu.Unlock()
	for _, s := range states {
		if at := a.takeAttempt(s); at != nil {
			_, _ = a.pending.Take(s)
			a.emit("login:status", LoginStatus{AttemptID: at.id, State: "failed",
				Message: "Login cancelled."})
		}
	}
	return nil
}

func (a *App) beginLogin(p directory.Practice, reconnectID string) (LoginStart, error) {
	a.mu.Lock()
	s := a.settings
	a.mu.Unlock()
	if err := s.validate(a.opts.AllowHTTPLoopback); err != nil {
		return LoginStart{}, err
	}
	if err := a.waitLimiter(a.ctx, p.Base); err != nil {
		return LoginStart{}, err
	}
	authURL, att, err := a.smartClient(s).Begin(a.ctx, p.Base)
	if err != nil {
		return LoginStart{}, beginError(err)
	}
	a.pending.Put(att)
	la := &loginAttempt{id: uuid.NewString(), practice: p, reconnectID: reconnectID}
	la.timer = time.AfterFunc(loginTimeout, func() { a.expireAttempt(att.State) })
	a.mu.Lock()
	a.attempts[att.State] = la
	a.mu.Unlock()

	a.log.Info("login started", "practice", p.Code, "reconnect", reconnectID != "")
	a.openBrowser(authURL)
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "waiting",
		Message: "Log in to healow in your browser, then come back here."})
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

func beginError(err error) error {
	if errors.Is(err, smart.ErrBadClient) {
		return newError(CodeNeedsSetup, "Check the client ID and public URL in Settings.", err)
	}
	return newError(CodeNetwork,
		"Chartkeep could not reach this practice's healow sign-in service. Check your internet "+
			"connection; if it keeps failing, ask the practice to enable healow FHIR access "+
			"for patients.", err)
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
	_, _ = a.pending.Take(state)
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "failed",
		Message: "The login was not finished within 10 minutes. Click Try again to start over."})
}

// receiveCallback handles healow's redirect from the browser. It runs on
// the callback listener; what it returns is the page the browser shows.
func (a *App) receiveCallback(ctx context.Context, cb smart.Callback) callback.Outcome {
	la := a.takeAttempt(cb.State)
	if la == nil {
		return callback.Outcome{Title: "This login link has already been used",
			Message: "Chartkeep was not waiting for this login, or it was already completed. " +
				"If Chartkeep does not show you as connected, click Connect there again."}
	}
	att, err := a.pending.Take(cb.State)
	if err != nil {
		return a.failLogin(la, "The login took too long and expired. Start it again in Chartkeep.", err)
	}
	if err := smart.CallbackError(cb); err != nil {
		return a.failLogin(la, loginErrorMessage(err), err)
	}
	if cb.Code == "" {
		return a.failLogin(la, "healow did not send a login code. Try again in Chartkeep.", nil)
	}
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "exchanging",
		Message: "Finishing the login…"})
	if err := a.waitLimiter(ctx, la.practice.Base); err != nil {
		return a.failLogin(la, loginErrorMessage(err), err)
	}
	grant, err := a.smartClient(a.currentSettings()).Exchange(ctx, att, cb.Code)
	if err != nil {
		return a.failLogin(la, loginErrorMessage(err), err)
	}
	conn, err := a.saveConnection(ctx, la, att, grant)
	if err != nil {
		return a.failLogin(la, errMessage(err), err)
	}
	a.log.Info("login completed", "practice", la.practice.Code)
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "connected",
		Message: "Connected. Downloading your records…", ConnectionID: conn.ID})
	a.emit("connections:changed", nil)
	a.bringToFront()
	a.startSync(conn.ID)
	return callback.Outcome{OK: true, Title: "You are connected",
		Message: "Chartkeep is now downloading your records from " + la.practice.Name + "."}
}

func (a *App) failLogin(la *loginAttempt, msg string, err error) callback.Outcome {
	a.log.Warn("login failed", "practice", la.practice.Code, "err", err)
	a.emit("login:status", LoginStatus{AttemptID: la.id, State: "failed", Message: msg})
	a.bringToFront()
	return callback.Outcome{Title: "The login did not finish", Message: msg}
}

func (a *App) currentSettings() Settings {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.settings
}

// loginErrorMessage turns a login failure into words with a next step.
func loginErrorMessage(err error) string {
	var oe *smart.OAuthError
	switch {
	case errors.Is(err, smart.ErrNotPatient):
		return "This healow account is not a patient's own account (it may be a family or " +
			"proxy account). Chartkeep can only connect to a patient's own account."
	case errors.As(err, &oe):
		text := strings.ToLower(oe.Code + " " + oe.Description)
		switch {
		case strings.Contains(text, "access_denied"):
			return "You did not allow Chartkeep to read your records. Click Connect again if " +
				"you change your mind."
		case strings.Contains(text, "invalid_client"):
			return "healow did not recognise the client ID. Check it in Settings against your " +
				"app registration on the healow developer portal."
		case strings.Contains(text, "scope"), strings.Contains(text, "invalid_grant"):
			return "healow refused the requested permissions or the login code. Check that your " +
				"healow app registration includes every patient FHIR scope, then try again."
		}
		return "healow refused the login (" + oe.Code + ": " + oe.Description + "). Try again; " +
			"if it keeps failing, check your app registration on the healow developer portal."
	}
	return "The login could not be completed: " + errMessage(err)
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
	conn.Scope = g.Scope
	conn.Status = "connected"
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
