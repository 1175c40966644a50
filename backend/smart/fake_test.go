package smart

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	testClientID = "chartkeep-test"
	testRedirect = "https://tunnel.example/healow/callback"
	testCode     = "JAFJCD"
	testPatient  = "pat-123.A"
)

// rsaKey is generated once: RSA key generation is slow.
var rsaKey, otherKey = mustKey(), mustKey()

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// issued is what the fake authorization server remembers about a code.
type issued struct {
	challenge, clientID, redirectURI, nonce string
}

// tokenRequest is what the fake saw at its token endpoint.
type tokenRequest struct {
	form          url.Values
	authorization string
	contentType   string
}

// fakeAS is a healow-like authorization server and smart-configuration host
// over TLS. respond builds the token answer; by default it is a Bearer
// token with patient context and a valid id_token.
type fakeAS struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	codes    map[string]issued
	requests []tokenRequest
	config   map[string]any
	respond  func(f *fakeAS, iss issued) (int, map[string]any)
}

func newFakeAS(t *testing.T) *fakeAS {
	t.Helper()
	f := &fakeAS{t: t, codes: make(map[string]issued)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fhir/r4/{code}/.well-known/smart-configuration", f.smartConfig)
	mux.HandleFunc("GET /oauth/oauth2/jwks", f.jwks)
	mux.HandleFunc("POST /oauth/oauth2/token", f.token)
	f.srv = httptest.NewTLSServer(mux)
	t.Cleanup(f.srv.Close)
	f.config = map[string]any{
		"issuer":                                f.base(),
		"authorization_endpoint":                f.srv.URL + "/oauth/oauth2/authorize",
		"token_endpoint":                        f.srv.URL + "/oauth/oauth2/token",
		"jwks_uri":                              f.srv.URL + "/oauth/oauth2/jwks",
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "private_key_jwt"},
		"capabilities":                          []string{"launch-standalone", "client-public"},
	}
	return f
}

func (f *fakeAS) base() string { return f.srv.URL + "/fhir/r4/" + testCode }

func (f *fakeAS) client() *Client {
	return &Client{HTTP: f.srv.Client(), ClientID: testClientID, RedirectURI: testRedirect}
}

func (f *fakeAS) smartConfig(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(f.config)
}

func (f *fakeAS) jwks(w http.ResponseWriter, _ *http.Request) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &rsaKey.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig",
	}}}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set)
}

// authorize plays the browser and the authorize endpoint: it reads the
// authorization URL and issues a code bound to its parameters.
func (f *fakeAS) authorize(authURL string) (code, state string) {
	f.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		f.t.Fatalf("authorization URL %q: %v", authURL, err)
	}
	q := u.Query()
	code = "code-" + randomToken()
	f.mu.Lock()
	f.codes[code] = issued{
		challenge:   q.Get("code_challenge"),
		clientID:    q.Get("client_id"),
		redirectURI: q.Get("redirect_uri"),
		nonce:       q.Get("nonce"),
	}
	f.mu.Unlock()
	return code, q.Get("state")
}

// token checks the request like healow does (HEALOW.md §1) and answers.
func (f *fakeAS) token(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.requests = append(f.requests, tokenRequest{
		form: form, authorization: r.Header.Get("Authorization"),
		contentType: r.Header.Get("Content-Type"),
	})
	iss, ok := f.codes[form.Get("code")]
	delete(f.codes, form.Get("code"))
	respond := f.respond
	f.mu.Unlock()

	status, answer := http.StatusOK, map[string]any(nil)
	switch {
	case !ok:
		status, answer = 400, map[string]any{"error": "invalid_grant"}
	case form.Get("client_id") != iss.clientID || form.Get("redirect_uri") != iss.redirectURI:
		status, answer = 400, map[string]any{"error": "invalid_request"}
	case S256(form.Get("code_verifier")) != iss.challenge:
		status, answer = 400, map[string]any{"error": "invalid_grant", "error_description": "pkce"}
	case respond != nil:
		status, answer = respond(f, iss)
	default:
		answer = f.defaultAnswer(iss)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(answer)
}

// S256 is the PKCE S256 transform, written out to check x/oauth2's.
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (f *fakeAS) defaultClaims(iss issued) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss":      f.base(),
		"sub":      "user-1",
		"aud":      iss.clientID,
		"exp":      now.Add(time.Hour).Unix(),
		"iat":      now.Unix(),
		"nonce":    iss.nonce,
		"fhirUser": "Patient/" + testPatient,
		"name":     "Test Patient",
	}
}

func (f *fakeAS) defaultAnswer(iss issued) map[string]any {
	return map[string]any{
		"access_token": "access-" + randomToken(),
		"token_type":   "Bearer",
		"expires_in":   3600,
		"scope":        "openid fhirUser launch/patient patient/Patient.read",
		"patient":      testPatient,
		"id_token":     f.sign(rsaKey, f.defaultClaims(iss)),
	}
}

// sign makes a compact RS256 JWT with kid k1.
func (f *fakeAS) sign(key *rsa.PrivateKey, claims map[string]any) string {
	f.t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.RS256,
		Key:       jose.JSONWebKey{Key: key, KeyID: "k1", Algorithm: "RS256"},
	}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		f.t.Fatalf("signer: %v", err)
	}
	s, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		f.t.Fatalf("sign: %v", err)
	}
	return s
}

func (f *fakeAS) lastRequest() tokenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		f.t.Fatal("no token request was made")
	}
	return f.requests[len(f.requests)-1]
}
