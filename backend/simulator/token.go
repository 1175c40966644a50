package simulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// authCode is an authorization code waiting to be redeemed once.
type authCode struct {
	session
	used   bool
	tokens []string // issued from this code, revoked if it is replayed
}

// accessToken is what a bearer token stands for.
type accessToken struct {
	practice, patientID, clientID string
	scopes                        []string
	expires                       time.Time
	gen                           int // Faults generation at issue
}

// LogValue keeps everything but the practice out of logs.
func (t accessToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("practice", t.practice))
}

func (s *Server) putCode(ss session) string {
	code := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.codes {
		if now.After(v.expires.Add(time.Hour)) {
			delete(s.codes, k)
		}
	}
	ss.expires = now.Add(s.opts.CodeTTL)
	s.codes[code] = &authCode{session: ss}
	return code
}

// peekCode finds the practice a token request is for, for rate limiting.
func (s *Server) peekCode(code string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.codes[code]; c != nil {
		return c.practice
	}
	return ""
}

// redeem burns the code. A replayed code also revokes the tokens issued
// from it (RFC 6749 §4.1.2).
func (s *Server) redeem(code string) (session, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.codes[code]
	switch {
	case c == nil:
		return session{}, "authorization code is invalid"
	case c.used:
		for _, t := range c.tokens {
			delete(s.tokens, t)
		}
		return session{}, "authorization code has already been used"
	}
	c.used = true
	if s.now().After(c.expires) {
		return session{}, "authorization code has expired"
	}
	return c.session, ""
}

// serveToken redeems an authorization code for a public client: form
// POST with grant_type, code, redirect_uri, client_id and code_verifier
// (HEALOW.md §1). A Basic header or client_secret is ignored. There is
// never a refresh token.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.tokenError(w, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	f := r.PostForm
	if code := s.peekCode(f.Get("code")); code != "" && !s.admit(w, code) {
		return
	}
	if status, e, desc := s.checkTokenForm(f.Get); e != "" {
		s.tokenError(w, status, e, desc)
		return
	}
	ss, problem := s.redeem(f.Get("code"))
	if problem == "" {
		problem = checkCodeBinding(ss, f.Get)
	}
	if problem != "" {
		s.tokenError(w, http.StatusBadRequest, "invalid_grant", problem)
		return
	}
	resp, err := s.issue(r, f.Get("code"), ss)
	if err != nil {
		s.tokenError(w, http.StatusInternalServerError, "server_error", "could not issue the token")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, "application/json;charset=UTF-8", resp)
}

func (s *Server) checkTokenForm(get func(string) string) (int, string, string) {
	switch {
	case get("grant_type") != "authorization_code":
		return http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code"
	case get("client_id") == "":
		return http.StatusBadRequest, "invalid_request", "client_id is required"
	case s.client(get("client_id")) == nil:
		return http.StatusUnauthorized, "invalid_client", "client_id is not registered"
	case get("code") == "":
		return http.StatusBadRequest, "invalid_request", "code is required"
	case get("redirect_uri") == "":
		return http.StatusBadRequest, "invalid_request", "redirect_uri is required"
	case get("code_verifier") == "":
		return http.StatusBadRequest, "invalid_request", "code_verifier is required"
	}
	return 0, "", ""
}

// checkCodeBinding checks the redeemed code against the token request.
func checkCodeBinding(ss session, get func(string) string) string {
	switch {
	case get("client_id") != ss.clientID:
		return "authorization code was issued to another client"
	case get("redirect_uri") != ss.redirectURI:
		return "redirect_uri does not match the authorization request"
	}
	sum := sha256.Sum256([]byte(get("code_verifier")))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(ss.challenge)) != 1 {
		return "code_verifier does not match the code_challenge"
	}
	return ""
}

// issue stores a new access token and builds the token response.
func (s *Server) issue(r *http.Request, code string, ss session) (map[string]any, error) {
	now := s.now()
	tok := &accessToken{
		practice: ss.practice, patientID: ss.acct.patient.ID(), clientID: ss.clientID,
		scopes: ss.scopes, expires: now.Add(s.opts.TokenTTL), gen: s.faults.generation(),
	}
	resp := map[string]any{
		"token_type": "Bearer",
		"expires_in": max(int64(s.opts.TokenTTL/time.Second), 1),
		"scope":      strings.Join(ss.scopes, " "),
	}
	if !s.opts.OmitPatient {
		resp["patient"] = tok.patientID
	}
	if slices.Contains(ss.scopes, "openid") {
		idt, err := s.idToken(r, ss, now)
		if err != nil {
			return nil, err
		}
		resp["id_token"] = idt
	}
	access := randomToken()
	s.mu.Lock()
	s.tokens[access] = tok
	if c := s.codes[code]; c != nil {
		c.tokens = append(c.tokens, access)
	}
	s.mu.Unlock()
	resp["access_token"] = access
	return resp, nil
}

// idToken signs the OpenID Connect id_token. fhirUser is included when the
// fhirUser (or the older profile) scope was granted.
func (s *Server) idToken(r *http.Request, ss session, now time.Time) (string, error) {
	base := origin(r) + fhirPrefix + ss.practice
	user := s.fhirUser(base, ss.acct.patient.ID())
	iss := s.opts.Issuer
	if iss == "" {
		iss = base
	}
	claims := map[string]any{
		"iss":  iss,
		"sub":  user[strings.LastIndex(user, "/")+1:],
		"aud":  ss.clientID,
		"iat":  now.Unix(),
		"exp":  now.Add(s.opts.TokenTTL).Unix(),
		"name": ss.acct.patient.Name(),
	}
	if ss.nonce != "" {
		claims["nonce"] = ss.nonce
	}
	if slices.Contains(ss.scopes, "fhirUser") || slices.Contains(ss.scopes, "profile") {
		claims["fhirUser"] = user
		claims["profile"] = user
	}
	return s.keys.sign(claims)
}

func (s *Server) fhirUser(base, patientID string) string {
	switch s.opts.FHIRUser {
	case FHIRUserAbsolute:
		return base + "/Patient/" + patientID
	case FHIRUserRelatedPerson:
		return "RelatedPerson/proxy-" + patientID
	}
	return "Patient/" + patientID
}

// tokenError writes an OAuth error; SwappedErrors puts the HTTP status in
// "error" and the code in "error_description", as one real answer did
// (HEALOW.md §1).
func (s *Server) tokenError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]string{"error": code, "error_description": desc}
	if s.opts.SwappedErrors {
		body = map[string]string{"error": strconv.Itoa(status), "error_description": code}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, "application/json;charset=UTF-8", body)
}

// ErrUnknownPatient is returned by IssueToken for a patient the practice
// does not hold.
var ErrUnknownPatient = errors.New("simulator: unknown patient")

// IssueToken mints an access token for a patient of a practice without the
// browser login, for tests and benchmarks that exercise the FHIR API only.
// scopes nil means patient/*.read; ttl <= 0 means Options.TokenTTL. The
// token obeys ExpireTokens like one from the token endpoint, and the call
// does not count against the rate limit.
func (s *Server) IssueToken(practiceCode, patientID string, scopes []string,
	ttl time.Duration) (string, error) {
	if scopes == nil {
		scopes = []string{"patient/*.read"}
	}
	if ttl <= 0 {
		ttl = s.opts.TokenTTL
	}
	tok := &accessToken{practice: practiceCode, patientID: patientID, clientID: "test",
		scopes: slices.Clone(scopes), expires: s.now().Add(ttl), gen: s.faults.generation()}
	access := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.practices[practiceCode]
	switch {
	case pr == nil:
		return "", fmt.Errorf("%w: %q", ErrUnknownPractice, practiceCode)
	case pr.patients[patientID] == nil:
		return "", fmt.Errorf("%w: %q at %s", ErrUnknownPatient, patientID, practiceCode)
	}
	s.tokens[access] = tok
	return access, nil
}

// ExpirePages forgets every search kept for paging, as HAPI does after a
// while: next links handed out so far answer 410 Gone.
func (s *Server) ExpirePages() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.pages)
}
