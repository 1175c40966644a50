package simulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// session is one authorize attempt between the authorize request and the
// consent answer.
type session struct {
	practice, clientID, redirectURI string
	state, nonce, challenge         string
	scopes                          []string // as granted, in request order
	expires                         time.Time
	acct                            *account // set after login
}

// LogValue keeps the state, nonce and challenge out of logs.
func (ss session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("practice", ss.practice), slog.String("client", ss.clientID))
}

// pkceChallenge is a base64url SHA-256 digest without padding (RFC 7636).
var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// serveAuthorize validates an authorize request (GET, or POST form for
// authorize-post) and shows the login page. Errors the app cannot be
// trusted with, an unknown client or redirect URI and a wrong aud, are HTML
// pages; the rest redirect to the registered URI with error and state.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		renderError(w, http.StatusMethodNotAllowed, "Method not allowed", "Use GET or POST.", "")
		return
	}
	if err := r.ParseForm(); err != nil {
		renderError(w, http.StatusBadRequest, "Bad request",
			"The request could not be read.", "invalid_request")
		return
	}
	q := r.Form
	code := s.practiceOfAud(origin(r), q.Get("aud"))
	if code != "" && !s.admit(w, code) {
		return
	}
	c := s.checkTrusted(w, r, q, code)
	if c == nil {
		return
	}
	ss, errCode, desc := s.checkAuthorize(q, c, code)
	if errCode != "" {
		redirectTo(w, r, c.redirectURI, url.Values{
			"error": {errCode}, "error_description": {desc}, "state": {q.Get("state")},
		})
		return
	}
	id := s.putSession(ss)
	s.renderLogin(w, http.StatusOK, id, *ss, "")
}

// checkTrusted checks what decides whether the app may be told anything:
// the client, its redirect URI and aud. It shows an error page and returns
// nil when one fails.
func (s *Server) checkTrusted(w http.ResponseWriter, r *http.Request, q url.Values,
	code string) *client {
	c := s.client(q.Get("client_id"))
	switch {
	case c == nil:
		// HEALOW.md §1: invalid_client is a 401; with no registered
		// redirect URI to trust, it is shown rather than redirected.
		renderError(w, http.StatusUnauthorized, "Unknown application",
			"This app is not registered with healow.", "invalid_client")
	case q.Get("redirect_uri") != c.redirectURI:
		renderError(w, http.StatusBadRequest, "Redirect URI mismatch",
			"The redirect_uri does not match the one registered for this app.", "invalid_request")
	// HEALOW.md §1: aud must be the practice base exactly; a trailing
	// slash gets a 403.
	case code == "" || q.Get("aud") != origin(r)+fhirPrefix+code:
		renderError(w, http.StatusForbidden, "Forbidden",
			"The aud parameter does not name a practice's FHIR server.", "")
	default:
		return c
	}
	return nil
}

// checkAuthorize checks the parameters that may be reported to the app.
func (s *Server) checkAuthorize(q url.Values, c *client, code string) (*session, string, string) {
	if q.Get("response_type") != "code" {
		return nil, "unsupported_response_type", "response_type must be code"
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge == "" || method == "" {
		return nil, "invalid_request", "PKCE code_challenge and code_challenge_method are required"
	}
	if method != "S256" {
		return nil, "invalid_request", "code_challenge_method must be S256"
	}
	if !pkceChallenge.MatchString(challenge) {
		return nil, "invalid_request", "code_challenge is malformed"
	}
	scopes, err := s.grantScopes(c, q.Get("scope"))
	if err != nil {
		// HEALOW.md §1: a bad or unregistered scope is invalid_grant.
		return nil, "invalid_grant", err.Error()
	}
	return &session{
		practice: code, clientID: c.id, redirectURI: c.redirectURI,
		state: q.Get("state"), nonce: q.Get("nonce"), challenge: challenge,
		scopes: scopes, expires: s.now().Add(sessionTTL),
	}, "", ""
}

// grantScopes turns the requested scope into the granted list: every
// scope must be registered for the client and listed in scopes_supported
// (or is dropped, with DropUnlistedScopes); WithholdScopes are then removed.
func (s *Server) grantScopes(c *client, raw string) ([]string, error) {
	req := strings.Fields(raw)
	if len(req) == 0 {
		return nil, fmt.Errorf("scope is required")
	}
	var out []string
	for _, sc := range req {
		if c.scopes != nil && !c.scopes[sc] {
			return nil, fmt.Errorf("scope %s is not registered for this application", sc)
		}
		if !scopeListed(sc) {
			if s.opts.DropUnlistedScopes {
				continue
			}
			return nil, fmt.Errorf("scope %s is not supported", sc)
		}
		if slices.Contains(s.opts.WithholdScopes, sc) || slices.Contains(out, sc) {
			continue
		}
		out = append(out, sc)
	}
	return out, nil
}

// practiceOfAud maps an aud value to a known practice code, tolerating a
// trailing slash so that such requests still count against the practice.
func (s *Server) practiceOfAud(o, aud string) string {
	rest, ok := strings.CutPrefix(aud, o+fhirPrefix)
	if !ok {
		return ""
	}
	code := strings.TrimRight(rest, "/")
	if code == "" || strings.Contains(code, "/") || s.practice(code) == nil {
		return ""
	}
	return code
}

// redirectTo sends the browser to the registered URI with params added,
// leaving the registered URI's own bytes untouched.
func redirectTo(w http.ResponseWriter, r *http.Request, registered string, params url.Values) {
	sep := "?"
	if strings.Contains(registered, "?") {
		sep = "&"
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, registered+sep+params.Encode(), http.StatusFound)
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, id string, ss session, msg string) {
	pr := s.practice(ss.practice)
	page := loginPage{
		Practice: pr.Name, Client: ss.clientID, Session: id, Action: pathLogin, Error: msg,
	}
	if s.opts.Demo {
		page.ShowDemo, page.Demo = true, s.Accounts(ss.practice)
	}
	render(w, status, "login.html", page)
}

// serveLogin checks the credentials against the practice's accounts and
// shows the consent page.
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		renderError(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "")
		return
	}
	id := r.PostForm.Get("session")
	ss, ok := s.session(id)
	if !ok {
		renderError(w, http.StatusBadRequest, "Session expired",
			"This sign-in has expired. Start again from the app.", "")
		return
	}
	if !s.admit(w, ss.practice) {
		return
	}
	acct := s.checkLogin(ss.practice, r.PostForm.Get("username"), r.PostForm.Get("password"))
	if acct == nil {
		s.renderLogin(w, http.StatusUnauthorized, id, ss, "Invalid username or password.")
		return
	}
	s.setAccount(id, acct)
	render(w, http.StatusOK, "consent.html", consentPage{
		Practice: s.practice(ss.practice).Name, Client: ss.clientID,
		Patient: acct.patient.Name(), Session: id, Action: pathConsent, Scopes: ss.scopes,
	})
}

func (s *Server) checkLogin(code, login, password string) *account {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.practices[code].accounts[login]
	if a == nil || subtle.ConstantTimeCompare([]byte(a.password), []byte(password)) != 1 {
		return nil
	}
	return a
}

// serveConsent ends the attempt: Allow redirects with a code, Deny with
// access_denied (or answers HTTP 500 with DenyWith500).
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		renderError(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "")
		return
	}
	id := r.PostForm.Get("session")
	ss, ok := s.session(id)
	if !ok || ss.acct == nil {
		renderError(w, http.StatusBadRequest, "Session expired",
			"This sign-in has expired. Start again from the app.", "")
		return
	}
	if !s.admit(w, ss.practice) {
		return
	}
	s.dropSession(id)
	if r.PostForm.Get("decision") != "allow" {
		s.deny(w, r, ss)
		return
	}
	code := s.putCode(ss)
	redirectTo(w, r, ss.redirectURI, url.Values{"code": {code}, "state": {ss.state}})
}

func (s *Server) deny(w http.ResponseWriter, r *http.Request, ss session) {
	const desc = "The resource owner denied the request"
	if s.opts.DenyWith500 {
		writeJSON(w, http.StatusInternalServerError, "application/json;charset=UTF-8",
			map[string]string{"error": "access_denied", "error_description": desc})
		return
	}
	redirectTo(w, r, ss.redirectURI, url.Values{
		"error": {"access_denied"}, "error_description": {desc}, "state": {ss.state},
	})
}

func (s *Server) client(id string) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[id]
}

func (s *Server) putSession(ss *session) string {
	id := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.sessions {
		if now.After(v.expires) {
			delete(s.sessions, k)
		}
	}
	s.sessions[id] = ss
	return id
}

// session returns a copy of a live session.
func (s *Server) session(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[id]
	if ss == nil || s.now().After(ss.expires) {
		return session{}, false
	}
	return *ss, true
}

func (s *Server) setAccount(id string, a *account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.sessions[id]; ss != nil {
		ss.acct = a
	}
}

func (s *Server) dropSession(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

// randomToken is 256 random bits, base64url: access tokens, codes and
// session ids.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
