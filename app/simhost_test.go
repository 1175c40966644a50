package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"chartkeep/backend/callback"
	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"
	"chartkeep/backend/smart"
	"chartkeep/backend/vault"
)

// The practice and accounts of simHost: two family members at one practice.
const (
	simPractice = "RIVFAM"
	simClientID = "chartkeep-test"
	alexLogin   = "alex"
	samLogin    = "sam"
	simPassword = "pw-123"
	kcService   = "test"
)

// simHost is an App logged in through a healow simulator configured for
// one test, over plain loopback HTTP like the demo.
type simHost struct {
	*Host
	sim      *simulator.Server
	rec      *recorder
	mem      *vault.Memory
	settings Settings
	alex     *fhirdata.Patient
	sam      *fhirdata.Patient
	logs     *syncWriter
}

// hostEdit changes the App's options or the simulator before they start.
type hostEdit struct {
	opts     func(*Options)
	register func(sim *simulator.Server, redirectURI string) // default: any scope
	memCap   int
}

func startSimHost(t *testing.T, so simulator.Options, edit hostEdit) *simHost {
	t.Helper()
	so.Demo, so.Addr = true, "127.0.0.1:0"
	if so.Logger == nil {
		so.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	sim, err := simulator.New(so)
	must(t, err)
	must(t, sim.AddPractice(simPractice, "Riverside Family Medicine", "Columbus", "OH"))
	sh := &simHost{sim: sim, rec: &recorder{}, alex: fhirdata.DemoPatient(7),
		sam: fhirdata.DemoPatient(8), logs: &syncWriter{w: &strings.Builder{}}}
	must(t, sim.AddPatient(simPractice, sh.alex, alexLogin, simPassword))
	must(t, sim.AddPatient(simPractice, sh.sam, samLogin, simPassword))

	port := freePort(t)
	sh.settings = Settings{ClientID: simClientID, PublicURL: fmt.Sprintf("http://127.0.0.1:%d", port),
		CallbackPort: port, DirectoryURL: sim.DirectoryURL()}
	if edit.register != nil {
		edit.register(sim, sh.settings.RedirectURI())
	} else {
		must(t, sim.RegisterClient(simClientID, sh.settings.RedirectURI(), nil))
	}
	must(t, sim.Start())
	t.Cleanup(func() { _ = sim.Close() })

	memCap := edit.memCap
	if memCap == 0 {
		memCap = 2560
	}
	sh.mem = vault.NewMemory(memCap)
	opts := Options{DataDir: t.TempDir(), Vault: sh.mem.Keychain(kcService, time.Second),
		Emit: sh.rec.emit, OpenURL: sh.rec.open, ShowWindow: sh.rec.raise,
		AllowHTTPLoopback: true, Settings: &sh.settings,
		Logger: slog.New(slog.NewTextHandler(sh.logs, nil))}
	if edit.opts != nil {
		edit.opts(&opts)
	}
	sh.Host = NewHost(opts)
	// The simulator enforces healow's limit itself; the app's own pacing
	// would only make each sync take seconds.
	sh.app.unlimited = true
	if err := sh.Start(context.Background()); err != nil {
		t.Fatalf("start app: %v", err)
	}
	t.Cleanup(sh.Close)
	return sh
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// browserRun is what the patient saw in the browser.
type browserRun struct {
	page        string // text of the last page
	status      int    // its HTTP status
	callbackURL string // the redirect back to Chartkeep; "" when none came
}

// browse plays the system browser through the simulator's login and
// consent pages. beforeCallback, when set, runs just before the browser
// follows the redirect to Chartkeep's callback.
func browse(t *testing.T, authURL, user, decision string, beforeCallback func()) browserRun {
	t.Helper()
	var run browserRun
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == callback.CallbackPath {
				run.callbackURL = req.URL.String()
				if beforeCallback != nil {
					beforeCallback()
				}
			}
			if len(via) > 5 {
				return http.ErrUseLastResponse
			}
			return nil
		}}
	run.status, run.page = fetch(t, c, http.MethodGet, authURL, nil)
	for _, form := range []url.Values{
		{"username": {user}, "password": {simPassword}},
		{"decision": {decision}},
	} {
		if formAction.FindStringSubmatch(run.page) == nil {
			return run // an error page, or already back at the callback
		}
		action, session := match(t, formAction, run.page), match(t, sessionVal, run.page)
		form.Set("session", session)
		next, err := url.Parse(authURL)
		must(t, err)
		next = next.ResolveReference(&url.URL{Path: action})
		run.status, run.page = fetch(t, c, http.MethodPost, next.String(), form)
	}
	return run
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// login connects as user and waits until the login has ended, returning
// its last status.
func (sh *simHost) login(t *testing.T, user string) (LoginStatus, browserRun) {
	t.Helper()
	start, err := sh.App().Connect(simPractice)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	run := browse(t, start.AuthURL, user, "allow", nil)
	return sh.waitEnded(t, start.AttemptID), run
}

// connectOK logs in as user, waits for the first sync and returns the
// connection id.
func (sh *simHost) connectOK(t *testing.T, user string) string {
	t.Helper()
	st, run := sh.login(t, user)
	if st.State != "connected" {
		t.Fatalf("login as %s = %+v; page %.300s", user, st, run.page)
	}
	if !sh.WaitSync(st.ConnectionID, time.Minute) {
		t.Fatal("sync did not finish")
	}
	return st.ConnectionID
}

// waitEnded waits for the attempt's status to be connected or failed.
func (sh *simHost) waitEnded(t *testing.T, attempt string) LoginStatus {
	t.Helper()
	var st LoginStatus
	waitFor(t, 10*time.Second, func() bool {
		st = sh.rec.last(attempt)
		return st.State == "connected" || st.State == "failed"
	})
	return st
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stateOf reads the state parameter of an authorize URL.
func stateOf(t *testing.T, authURL string) string {
	t.Helper()
	u, err := url.Parse(authURL)
	must(t, err)
	return u.Query().Get("state")
}

// editAttempt changes the stored attempt of a login after the browser
// was sent to healow, to make the token request differ from authorize.
func (sh *simHost) editAttempt(t *testing.T, authURL string, edit func(*smart.Attempt)) {
	t.Helper()
	state := stateOf(t, authURL)
	att, err := sh.app.pending.Take(state)
	must(t, err)
	edit(att)
	sh.app.pending.Put(att)
}

// connections lists the connections, failing the test on error.
func (sh *simHost) connections(t *testing.T) []ConnectionView {
	t.Helper()
	cs, err := sh.App().ListConnections()
	must(t, err)
	return cs
}

// errCode is the code of an app *Error, or "".
func errCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
