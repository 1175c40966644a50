package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/smart"
	"chartkeep/backend/store"
)

// wantFailure checks that a login ended as failed with a message (on the
// window and on the browser page) that says what happened and what to do.
func wantFailure(t *testing.T, st LoginStatus, page string, want ...string) {
	t.Helper()
	if st.State != "failed" {
		t.Fatalf("login status = %+v, want failed", st)
	}
	for _, w := range want {
		if !strings.Contains(st.Message, w) {
			t.Errorf("window message lacks %q:\n%s", w, st.Message)
		}
		if page != "" && !strings.Contains(page, htmlEscape(w)) {
			t.Errorf("browser page lacks %q:\n%.1500s", w, page)
		}
	}
	if page != "" && !strings.Contains(page, "return to Chartkeep") {
		t.Errorf("browser page does not send the patient back to Chartkeep:\n%.800s", page)
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", `"`, "&#34;", "<", "&lt;",
		">", "&gt;").Replace(s)
}

func (sh *simHost) wantNoConnection(t *testing.T) {
	t.Helper()
	if cs := sh.connections(t); len(cs) != 0 {
		t.Errorf("a failed login left %d connections", len(cs))
	}
}

func TestLoginConsentDenied(t *testing.T) {
	t.Parallel()
	t.Run("redirect with access_denied", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		run := browse(t, start.AuthURL, alexLogin, "deny", nil)
		wantFailure(t, sh.waitEnded(t, start.AttemptID), run.page,
			"You did not allow Chartkeep to read your records", "choose Allow")
		sh.wantNoConnection(t)
		if sh.rec.raisedCount() == 0 {
			t.Error("the window was not brought to the front")
		}
	})
	// HEALOW.md §1: healow answers a refusal with HTTP 500 and a JSON
	// access_denied, in the browser: the app never hears of it and can
	// only explain it when it stops waiting.
	t.Run("HTTP 500 in the browser", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{DenyWith500: true}, hostEdit{})
		sh.app.loginTTL = time.Second
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		run := browse(t, start.AuthURL, alexLogin, "deny", nil)
		if run.status != http.StatusInternalServerError || !strings.Contains(run.page, "access_denied") {
			t.Fatalf("browser got %d %.200s, want healow's 500 access_denied", run.status, run.page)
		}
		if st := sh.rec.last(start.AttemptID); st.State != "waiting" {
			t.Fatalf("status right after the 500 = %+v, want still waiting", st)
		}
		wantFailure(t, sh.waitEnded(t, start.AttemptID), "", "declined access", "Try again")
		sh.wantNoConnection(t)
	})
}

func TestLoginInvalidClient(t *testing.T) {
	t.Parallel()
	for _, swapped := range []bool{false, true} {
		t.Run(fmt.Sprintf("swapped error fields %v", swapped), func(t *testing.T) {
			sh := startSimHost(t, simulator.Options{SwappedErrors: swapped}, hostEdit{})
			start, err := sh.App().Connect(simPractice)
			must(t, err)
			// healow accepted the client at authorize; its token endpoint
			// does not know the one Chartkeep now sends.
			sh.editAttempt(t, start.AuthURL, func(a *smart.Attempt) { a.ClientID = "wrong-id" })
			run := browse(t, start.AuthURL, alexLogin, "allow", nil)
			wantFailure(t, sh.waitEnded(t, start.AttemptID), run.page,
				"healow does not recognise the client ID", "wrong-id", "into Settings")
			sh.wantNoConnection(t)
		})
	}
}

func TestLoginScopeNotRegistered(t *testing.T) {
	t.Parallel()
	asked := smart.FitScopes(smart.DefaultScopes(), simulator.ScopesSupported())
	registered := slices.DeleteFunc(slices.Clone(asked), func(s string) bool {
		return s == "patient/Goal.read"
	})
	sh := startSimHost(t, simulator.Options{}, hostEdit{
		register: func(sim *simulator.Server, redirect string) {
			must(t, sim.RegisterClient(simClientID, redirect, registered))
		}})
	start, err := sh.App().Connect(simPractice)
	must(t, err)
	run := browse(t, start.AuthURL, alexLogin, "allow", nil)
	wantFailure(t, sh.waitEnded(t, start.AttemptID), run.page,
		"refused the permissions", "patient/Goal.read", "select every patient FHIR scope")
	sh.wantNoConnection(t)
}

func TestLoginRedirectMismatch(t *testing.T) {
	t.Parallel()
	t.Run("at authorize, shown by healow", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{
			register: func(sim *simulator.Server, _ string) {
				must(t, sim.RegisterClient(simClientID, "https://old.example/healow/callback", nil))
			}})
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		run := browse(t, start.AuthURL, alexLogin, "allow", nil)
		if !strings.Contains(run.page, "Redirect URI mismatch") || run.callbackURL != "" {
			t.Fatalf("browser page %.300s, callback %q", run.page, run.callbackURL)
		}
		st := sh.rec.last(start.AttemptID)
		if st.State != "waiting" || !strings.Contains(st.Message, "Redirect URI mismatch") ||
			!strings.Contains(st.Message, sh.settings.RedirectURI()) {
			t.Errorf("waiting status %+v does not explain a mismatch with the exact URL", st)
		}
	})
	t.Run("at the token endpoint", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		sh.editAttempt(t, start.AuthURL, func(a *smart.Attempt) {
			a.RedirectURI = "https://moved.example/healow/callback"
		})
		run := browse(t, start.AuthURL, alexLogin, "allow", nil)
		wantFailure(t, sh.waitEnded(t, start.AttemptID), run.page,
			"redirect URL does not match", "set the redirect URL to exactly")
		sh.wantNoConnection(t)
	})
}

func TestLoginSwappedErrorFields(t *testing.T) {
	t.Parallel()
	// {"error":"400","error_description":"invalid_grant"}: the code is in
	// the description field (HEALOW.md §1). A code redeemed twice shows it.
	sh := startSimHost(t, simulator.Options{SwappedErrors: true}, hostEdit{})
	start, err := sh.App().Connect(simPractice)
	must(t, err)
	sh.editAttempt(t, start.AuthURL, func(a *smart.Attempt) { a.Verifier += "x" })
	run := browse(t, start.AuthURL, alexLogin, "allow", nil)
	st := sh.waitEnded(t, start.AttemptID)
	wantFailure(t, st, run.page, "did not accept the login code", "Click Try again")
	if strings.Contains(st.Message, "healow refused the login (") {
		t.Errorf("swapped fields were not put back: %s", st.Message)
	}
}

func TestLoginUnknownOrExpiredState(t *testing.T) {
	t.Parallel()
	t.Run("unknown state", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		_, page := fetch(t, http.DefaultClient, http.MethodGet, sh.settings.RedirectURI()+
			"?code=abc&state=made-up", nil)
		if !strings.Contains(page, "does not belong to a login started") {
			t.Errorf("page for an unknown state: %.400s", page)
		}
		sh.wantNoConnection(t)
	})
	t.Run("expired state", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		sh.app.loginTTL = 200 * time.Millisecond
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		wantFailure(t, sh.waitEnded(t, start.AttemptID), "", "not finished within")
		run := browse(t, start.AuthURL, alexLogin, "allow", nil)
		if !strings.Contains(run.page, "This login expired") {
			t.Errorf("page for a login that timed out: %.400s", run.page)
		}
		sh.wantNoConnection(t)
	})
	t.Run("cancelled state", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		must(t, sh.App().CancelLogin())
		run := browse(t, start.AuthURL, alexLogin, "allow", nil)
		if !strings.Contains(run.page, "This login was cancelled") {
			t.Errorf("page for a cancelled login: %.400s", run.page)
		}
		sh.wantNoConnection(t)
	})
	t.Run("same code and state twice", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		st, run := sh.login(t, alexLogin)
		if st.State != "connected" || run.callbackURL == "" {
			t.Fatalf("login = %+v", st)
		}
		sh.WaitSync(st.ConnectionID, time.Minute)
		token := tokenFromVault(t, sh.mem, st.ConnectionID)
		_, page := fetch(t, http.DefaultClient, http.MethodGet, run.callbackURL, nil)
		if !strings.Contains(page, "already used") {
			t.Errorf("replayed callback page: %.400s", page)
		}
		if cs := sh.connections(t); len(cs) != 1 || cs[0].Status != statusConnected {
			t.Errorf("after the replay: %+v", cs)
		}
		if got := tokenFromVault(t, sh.mem, st.ConnectionID); got != token {
			t.Error("the replay changed the stored token")
		}
	})
}

func TestLoginAbandonedTimesOut(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	sh.app.loginTTL = 300 * time.Millisecond
	start, err := sh.App().Connect(simPractice)
	must(t, err)
	st := sh.waitEnded(t, start.AttemptID)
	wantFailure(t, st, "", "not finished within", "Click Try again")
	if sh.app.pending.Len() != 0 {
		t.Error("the abandoned attempt is still pending")
	}
	// Try again is a new attempt with fresh state, nonce and verifier.
	again, err := sh.App().Connect(simPractice)
	must(t, err)
	if stateOf(t, again.AuthURL) == stateOf(t, start.AuthURL) {
		t.Error("the retry reused the old state")
	}
}

// inactiveDirectory serves a directory listing one practice whose FHIR base
// has no SMART configuration: it never switched healow's patient access on.
func inactiveDirectory(t *testing.T, base string) string {
	t.Helper()
	body := `{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"resource":{"resourceType":"Endpoint","id":"NOTON","status":"active","address":"` +
		base + `"}},{"resource":{"resourceType":"Organization","id":"NOTON",` +
		`"name":"Lakeside Clinic","address":[{"city":"Dayton","state":"OH"}]}}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestLoginPracticeNotActivated(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	sh.app.settings.DirectoryURL = inactiveDirectory(t, sh.sim.Base("NOTON"))
	_, err := sh.App().Connect("NOTON")
	if errCode(err) != CodeLoginFailed || !strings.Contains(err.Error(), "Lakeside Clinic has not "+
		"switched on healow's patient access") || !strings.Contains(err.Error(),
		"enable healow FHIR access") {
		t.Errorf("Connect to an inactive practice = %v", err)
	}
}

func TestLoginNetworkAndTLSErrors(t *testing.T) {
	t.Parallel()
	t.Run("practice unreachable", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		port := freePort(t)
		id := storeConnection(t, sh, fmt.Sprintf("https://127.0.0.1:%d/fhir/r4/GONE", port))
		_, err := sh.App().Reconnect(id)
		if errCode(err) != CodeNetwork || !strings.Contains(err.Error(),
			fmt.Sprintf("could not reach 127.0.0.1:%d", port)) ||
			!strings.Contains(err.Error(), "internet connection") {
			t.Errorf("Reconnect to an unreachable practice = %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		srv := httptest.NewTLSServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		id := storeConnection(t, sh, srv.URL+"/fhir/r4/X")
		_, err := sh.App().Reconnect(id)
		if errCode(err) != CodeNetwork || !strings.Contains(err.Error(),
			"could not make a secure connection") || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("Reconnect to a practice with an untrusted certificate = %v", err)
		}
	})
	t.Run("token endpoint unreachable", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		run := browse(t, start.AuthURL, alexLogin, "allow", func() { _ = sh.sim.Close() })
		wantFailure(t, sh.waitEnded(t, start.AttemptID), run.page, "Chartkeep could not reach",
			"internet connection")
	})
}

// storeConnection saves a connection to base as if made earlier.
func storeConnection(t *testing.T, sh *simHost, base string) string {
	t.Helper()
	c := &store.Connection{ID: "c-" + strings.ReplaceAll(t.Name(), "/", "-"), PracticeCode: "X",
		PracticeName: "Far Away Clinic", Base: base, PatientID: "p1", Status: statusConnected}
	must(t, sh.app.store.SaveConnection(sh.app.ctx, c))
	return c.ID
}

func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	t.Run("token request answered 429", func(t *testing.T) {
		sh := startSimHost(t, simulator.Options{}, hostEdit{})
		start, err := sh.App().Connect(simPractice)
		must(t, err)
		run := browse(t, start.AuthURL, alexLogin, "allow", func() { sh.sim.Faults().Force429(1) })
		wantFailure(t, sh.waitEnded(t, start.AttemptID), run.page,
			"limit of 250 requests a minute", "until the minute ends", "Wait until")
	})
	t.Run("discovery answered 429", func(t *testing.T) {
		fixed := time.Now()
		sh := startSimHost(t, simulator.Options{RateLimit: 3,
			Now: func() time.Time { return fixed }}, hostEdit{})
		for range 3 { // the practice's whole minute
			fetch(t, http.DefaultClient, http.MethodGet,
				sh.sim.Base(simPractice)+"/.well-known/smart-configuration", nil)
		}
		_, err := sh.App().Connect(simPractice)
		if errCode(err) != CodeRateLimited || !strings.Contains(err.Error(), "Wait until") ||
			!strings.Contains(err.Error(), "until the minute ends") {
			t.Errorf("Connect past the limit = %v", err)
		}
	})
}

func TestLoginWithoutIDTokenUsesPatient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts simulator.Options
	}{
		{"no id_token, patient in the token response",
			simulator.Options{WithholdScopes: []string{"openid"}}},
		{"no patient in the token response, fhirUser absolute",
			simulator.Options{OmitPatient: true, FHIRUser: simulator.FHIRUserAbsolute}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sh := startSimHost(t, tc.opts, hostEdit{})
			id := sh.connectOK(t, alexLogin)
			c, err := sh.app.store.GetConnection(sh.app.ctx, id)
			must(t, err)
			if c.PatientID != sh.alex.ID() {
				t.Errorf("patient = %q, want %q", c.PatientID, sh.alex.ID())
			}
			if p, _ := sh.App().GetPatient(id); p.Name == "" {
				t.Error("the patient's records were not downloaded")
			}
		})
	}
}

func TestLoginProxyAccountIsExplained(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{OmitPatient: true,
		FHIRUser: simulator.FHIRUserRelatedPerson}, hostEdit{})
	st, run := sh.login(t, alexLogin)
	wantFailure(t, st, run.page, "not a patient's own", "proxy account",
		"will not guess", "patient's own healow account")
	sh.wantNoConnection(t)
}

func TestLoginNarrowerScopeTurnsOffWhatIsMissing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		withhold []string
		files    bool
		want     string
		skipped  string // a type the sync must not search
	}{
		{name: "no Binary: no attachments", withhold: []string{"patient/Binary.r"},
			want: "did not allow Chartkeep to download documents' files"},
		{name: "no Goal: goals skipped", withhold: []string{"patient/Goal.read"}, files: true,
			want: "did not allow Chartkeep to read goals", skipped: "Goal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sh := startSimHost(t, simulator.Options{WithholdScopes: tc.withhold}, hostEdit{})
			st, _ := sh.login(t, alexLogin)
			if st.State != "connected" || !strings.Contains(st.Message, tc.want) {
				t.Fatalf("login status = %+v, want connected with %q", st, tc.want)
			}
			if !sh.WaitSync(st.ConnectionID, time.Minute) {
				t.Fatal("sync did not finish")
			}
			cs := sh.connections(t)
			if len(cs) != 1 || cs[0].Attachments != tc.files || len(cs[0].Notices) != 1 ||
				!strings.Contains(cs[0].Notices[0], tc.want) {
				t.Fatalf("connection = %+v", cs)
			}
			c, _ := sh.app.store.GetConnection(sh.app.ctx, st.ConnectionID)
			for _, w := range tc.withhold {
				if strings.Contains(" "+c.Scope+" ", " "+w+" ") || c.Scope == "" {
					t.Errorf("stored scope %q is not the granted one", c.Scope)
				}
			}
			if cs[0].LastSyncStatus != "ok" {
				t.Errorf("sync status %q: a search the grant forbids was tried", cs[0].LastSyncStatus)
			}
			if tc.skipped != "" && cs[0].Counts[tc.skipped] != 0 {
				t.Errorf("%s records were downloaded without the scope", tc.skipped)
			}
		})
	}
}

func TestLoginErrorMessages(t *testing.T) {
	t.Parallel()
	lc := loginCtx{clientID: "my-app", redirectURI: "https://me.ngrok-free.app/healow/callback",
		base: "https://fhir4.healow.com/fhir/r4/JAFJCD",
		now:  time.Date(2025, 3, 4, 15, 4, 50, 0, time.Local)}
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"access_denied from the token endpoint with HTTP 500",
			&smart.OAuthError{Status: 500, Code: "access_denied"},
			[]string{"did not allow Chartkeep", "choose Allow"}},
		{"swapped 403 invalid_request",
			smart.CallbackError(smart.Callback{Error: "403", ErrorDescription: "invalid_request"}),
			[]string{"refused the login request", "client ID and the public URL in Settings"}},
		{"invalid_scope", &smart.OAuthError{Code: "invalid_scope"},
			[]string{"refused the permissions", "every patient FHIR scope"}},
		{"redirect mismatch from the redirect",
			&smart.OAuthError{Code: "invalid_request", Description: "redirect_uri mismatch"},
			[]string{"exactly https://me.ngrok-free.app/healow/callback"}},
		{"rate limited", &smart.OAuthError{Status: 429},
			[]string{"Wait until 3:05:00 PM (10 seconds)"}},
		{"server error", &smart.OAuthError{Code: "server_error"},
			[]string{"Wait a few minutes"}},
		{"no patient", smart.ErrNoPatient, []string{"did not say whose records"}},
		{"id_token rejected", fmt.Errorf("x: %w", smart.ErrIDToken), []string{"date and time"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := loginErrorMessage(tc.err, lc)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("loginErrorMessage(%v) = %q, want %q in it", tc.err, got, w)
				}
			}
		})
	}
}
