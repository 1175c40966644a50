package simulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeep/backend/simulator/fhirdata"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	// wantFHIRType is healow's content type, written out so that a change
	// of the constant in the code fails the tests (HEALOW.md §3).
	wantFHIRType  = "application/json+fhir;charset=UTF-8"
	testPractice  = "TESTPR"
	otherPractice = "OTHRPR"
	testClient    = "chartkeep-test"
	testRedirect  = "https://app.example.org/healow/callback"
	testLogin     = "jordan"
	testPassword  = "correct horse"
	otherLogin    = "sam"
	otherPassword = "battery staple"
)

// testScopes are what the test client registers and asks for.
var testScopes = []string{
	"openid", "fhirUser", "launch/patient", "patient/Patient.read", "patient/Observation.read",
	"patient/Goal.read", "patient/Binary.r", "patient/Practitioner.read", "patient/Condition.rs",
}

// clock is a settable clock, started just after a minute boundary so that
// rate windows are deterministic.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 3, 5, 10, 0, 1, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a started simulator with two practices, one patient each, and
// the test client registered.
type env struct {
	t      *testing.T
	s      *Server
	clock  *clock
	http   *http.Client // trusts the CA, does not follow redirects, keeps cookies
	logs   *bytes.Buffer
	pt     *fhirdata.Patient
	other  *fhirdata.Patient
	scopes []string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	c := newClock()
	logs := &bytes.Buffer{}
	opts.Now = c.Now
	opts.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil))
	if opts.ClientID == "" {
		opts.ClientID, opts.RedirectURI, opts.Scopes = testClient, testRedirect, testScopes
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	e := &env{t: t, s: s, clock: c, logs: logs, pt: fhirdata.DemoPatient(1),
		other: fhirdata.DemoPatient(2), scopes: testScopes}
	e.must(s.AddPractice(testPractice, "Test Practice", "Boston", "MA"))
	e.must(s.AddPractice(otherPractice, "Other Practice", "Austin", "TX"))
	e.must(s.AddPatient(testPractice, e.pt, testLogin, testPassword))
	e.must(s.AddPatient(otherPractice, e.other, otherLogin, otherPassword))
	e.must(s.Start())
	jar, _ := cookiejar.New(nil)
	e.http = s.Client()
	e.http.Jar = jar
	e.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (e *env) base(code string) string { return e.s.URL() + fhirPrefix + code }

// attempt is one authorize request's parameters.
type attempt struct {
	params   url.Values
	verifier string
}

func (e *env) newAttempt(code string) *attempt {
	verifier := randomToken() + "x"
	sum := sha256.Sum256([]byte(verifier))
	return &attempt{verifier: verifier, params: url.Values{
		"response_type":         {"code"},
		"client_id":             {testClient},
		"redirect_uri":          {testRedirect},
		"scope":                 {strings.Join(e.scopes, " ")},
		"state":                 {"st-" + randomHex(8)},
		"nonce":                 {"nc-" + randomHex(8)},
		"aud":                   {e.base(code)},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(req *http.Request) response {
	e.t.Helper()
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (e *env) get(rawURL, token string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/json+fhir")
	return e.do(req)
}

func (e *env) post(rawURL string, form url.Values) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

var sessionField = regexp.MustCompile(`name="session" value="([^"]+)"`)

func sessionOf(t *testing.T, page response) string {
	t.Helper()
	m := sessionField.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no session field in page (status %d): %.300s", page.status, page.body)
	}
	return m[1]
}

// login runs authorize and the login form, and returns the consent page.
func (e *env) login(a *attempt, user, pass string) response {
	e.t.Helper()
	page := e.get(e.s.URL()+pathAuthorize+"?"+a.params.Encode(), "")
	if page.status != http.StatusOK {
		e.t.Fatalf("authorize: status %d: %.300s", page.status, page.body)
	}
	return e.post(e.s.URL()+pathLogin, url.Values{
		"session": {sessionOf(e.t, page)}, "username": {user}, "password": {pass},
	})
}

// consent answers the consent page and returns the redirect's query.
func (e *env) consent(page response, decision string) (response, url.Values) {
	e.t.Helper()
	res := e.post(e.s.URL()+pathConsent, url.Values{
		"session": {sessionOf(e.t, page)}, "decision": {decision},
	})
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		e.t.Fatalf("consent Location: %v", err)
	}
	return res, loc.Query()
}

// code runs the whole browser side and returns the authorization code.
func (e *env) code(a *attempt, practice string) string {
	e.t.Helper()
	user, pass := testLogin, testPassword
	if practice == otherPractice {
		user, pass = otherLogin, otherPassword
	}
	res, q := e.consent(e.login(a, user, pass), "allow")
	if res.status != http.StatusFound || q.Get("code") == "" {
		e.t.Fatalf("consent: status %d, query %v", res.status, q)
	}
	if q.Get("state") != a.params.Get("state") {
		e.t.Fatalf("state = %q, want %q", q.Get("state"), a.params.Get("state"))
	}
	return q.Get("code")
}

func (e *env) tokenForm(a *attempt, code string) url.Values {
	return url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"client_id": {testClient}, "code_verifier": {a.verifier},
	}
}

// token runs the whole flow for a practice and returns the token response.
func (e *env) token(practice string) map[string]any {
	e.t.Helper()
	a := e.newAttempt(practice)
	res := e.post(e.s.URL()+pathToken, e.tokenForm(a, e.code(a, practice)))
	if res.status != http.StatusOK {
		e.t.Fatalf("token: status %d: %s", res.status, res.body)
	}
	return decode(e.t, res.body)
}

func (e *env) accessToken(practice string) string {
	return e.token(practice)["access_token"].(string)
}

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("decode %.200q: %v", body, err)
	}
	return m
}

// diagnostics returns the OperationOutcome's first issue diagnostics.
func diagnostics(t *testing.T, res response) string {
	t.Helper()
	m := decode(t, res.body)
	if m["resourceType"] != "OperationOutcome" {
		t.Fatalf("resourceType = %v, want OperationOutcome: %.200s", m["resourceType"], res.body)
	}
	issues, _ := m["issue"].([]any)
	if len(issues) == 0 {
		t.Fatalf("OperationOutcome without issue: %s", res.body)
	}
	d, _ := issues[0].(map[string]any)["diagnostics"].(string)
	return d
}

// unverifiedClaims reads a JWT's payload without checking it; tests that
// need verification use verifyIDToken.
func unverifiedClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := tok.UnsafeClaimsWithoutVerification(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func kidOf(t *testing.T, raw string) string {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		t.Fatalf("id_token header: %v", err)
	}
	return tok.Headers[0].KeyID
}
