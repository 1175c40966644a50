package simulator

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

func TestAuthorizeRejects(t *testing.T) {
	e := newEnv(t, Options{})
	cases := []struct {
		name      string
		edit      func(q url.Values)
		status    int
		wantError string // error parameter of the redirect; "" means an HTML page
		wantText  string // in the page body
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") },
			http.StatusUnauthorized, "", "invalid_client"},
		{"missing client", func(q url.Values) { q.Del("client_id") },
			http.StatusUnauthorized, "", "invalid_client"},
		{"redirect with trailing slash", func(q url.Values) { q.Set("redirect_uri", testRedirect+"/") },
			http.StatusBadRequest, "", "redirect_uri does not match"},
		{"redirect over http", func(q url.Values) {
			q.Set("redirect_uri", strings.Replace(testRedirect, "https:", "http:", 1))
		}, http.StatusBadRequest, "", "redirect_uri does not match"},
		{"redirect in other case", func(q url.Values) {
			q.Set("redirect_uri", strings.Replace(testRedirect, "callback", "Callback", 1))
		}, http.StatusBadRequest, "", "redirect_uri does not match"},
		{"missing redirect", func(q url.Values) { q.Del("redirect_uri") },
			http.StatusBadRequest, "", "redirect_uri does not match"},
		{"aud with trailing slash", func(q url.Values) { q.Set("aud", e.base(testPractice)+"/") },
			http.StatusForbidden, "", "aud"},
		{"aud of unknown practice", func(q url.Values) { q.Set("aud", e.base("NOSUCH")) },
			http.StatusForbidden, "", "aud"},
		{"aud on another host", func(q url.Values) {
			q.Set("aud", "https://fhir4.healow.com/fhir/r4/"+testPractice)
		}, http.StatusForbidden, "", "aud"},
		{"missing aud", func(q url.Values) { q.Del("aud") }, http.StatusForbidden, "", "aud"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") },
			http.StatusFound, "unsupported_response_type", ""},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") },
			http.StatusFound, "invalid_request", ""},
		{"PKCE without method", func(q url.Values) { q.Del("code_challenge_method") },
			http.StatusFound, "invalid_request", ""},
		{"plain PKCE", func(q url.Values) {
			q.Set("code_challenge_method", "plain")
			q.Set("code_challenge", strings.Repeat("a", 43))
		}, http.StatusFound, "invalid_request", ""},
		{"malformed challenge", func(q url.Values) { q.Set("code_challenge", "short") },
			http.StatusFound, "invalid_request", ""},
		{"unregistered scope", func(q url.Values) { q.Set("scope", "openid patient/Encounter.read") },
			http.StatusFound, "invalid_grant", ""},
		{"Binary.read is not supported", func(q url.Values) { q.Set("scope", "openid patient/Binary.read") },
			http.StatusFound, "invalid_grant", ""},
		{"missing scope", func(q url.Values) { q.Del("scope") }, http.StatusFound, "invalid_grant", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := e.newAttempt(testPractice)
			tc.edit(a.params)
			res := e.get(e.s.URL()+pathAuthorize+"?"+a.params.Encode(), "")
			if res.status != tc.status {
				t.Fatalf("status = %d, want %d; body %.300s", res.status, tc.status, res.body)
			}
			loc := res.header.Get("Location")
			if tc.wantError == "" {
				if loc != "" {
					t.Fatalf("redirected to %q, want an HTML page", loc)
				}
				if !strings.Contains(res.body, tc.wantText) || strings.Contains(res.body, `name="session"`) {
					t.Fatalf("page lacks %q or offers a login: %.300s", tc.wantText, res.body)
				}
				return
			}
			u, err := url.Parse(loc)
			if err != nil || !strings.HasPrefix(loc, testRedirect+"?") {
				t.Fatalf("Location = %q, want the registered redirect", loc)
			}
			q := u.Query()
			if q.Get("error") != tc.wantError || q.Get("state") != a.params.Get("state") ||
				q.Get("error_description") == "" || q.Has("code") {
				t.Fatalf("redirect query = %v, want error %q with state and description", q, tc.wantError)
			}
		})
	}
}

func TestRegisterClientRedirects(t *testing.T) {
	cases := []struct {
		name, uri string
		opts      Options
		ok        bool
	}{
		{"https", "https://app.example.org/cb", Options{}, true},
		{"http elsewhere", "http://app.example.org/cb", Options{}, false},
		{"http loopback outside demo", "http://127.0.0.1:53682/healow/callback", Options{}, false},
		{"http loopback in demo", "http://127.0.0.1:53682/healow/callback", Options{Demo: true}, true},
		{"http localhost in demo", "http://localhost:53682/healow/callback", Options{Demo: true}, true},
		{"http elsewhere in demo", "http://app.example.org/cb", Options{Demo: true}, false},
		{"https localhost", "https://localhost:8443/cb", Options{}, true},
		{"https localhost refused", "https://localhost:8443/cb",
			Options{RefuseLocalhostRedirect: true}, false},
		{"custom scheme", "chartkeep://callback", Options{}, false},
		{"fragment", "https://app.example.org/cb#x", Options{}, false},
		{"relative", "/cb", Options{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.RegisterClient("app", tc.uri, nil)
			if (err == nil) != tc.ok {
				t.Fatalf("RegisterClient(%q) = %v, want ok=%v", tc.uri, err, tc.ok)
			}
		})
	}
}

func TestFullFlow(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			e := newEnv(t, Options{})
			a := e.newAttempt(testPractice)
			var page response
			if method == http.MethodGet {
				page = e.get(e.s.URL()+pathAuthorize+"?"+a.params.Encode(), "")
			} else {
				page = e.post(e.s.URL()+pathAuthorize, a.params)
			}
			if page.status != http.StatusOK || !strings.Contains(page.body, "Test Practice") {
				t.Fatalf("authorize: %d %.300s", page.status, page.body)
			}
			if strings.Contains(page.body, testPassword) {
				t.Fatal("login page shows credentials outside demo mode")
			}
			consent := e.post(e.s.URL()+pathLogin, url.Values{"session": {sessionOf(t, page)},
				"username": {testLogin}, "password": {testPassword}})
			for _, sc := range testScopes {
				if !strings.Contains(consent.body, sc) {
					t.Errorf("consent page does not list %q", sc)
				}
			}
			res, q := e.consent(consent, "allow")
			if res.status != http.StatusFound || q.Get("state") != a.params.Get("state") {
				t.Fatalf("consent: %d %v", res.status, q)
			}
			tok := e.post(e.s.URL()+pathToken, e.tokenForm(a, q.Get("code")))
			if tok.status != http.StatusOK {
				t.Fatalf("token: %d %s", tok.status, tok.body)
			}
			m := decode(t, tok.body)
			checkTokenResponse(t, e, m, testScopes)
			claims := verifyIDToken(t, e, m["id_token"].(string), testPractice)
			if claims["nonce"] != a.params.Get("nonce") {
				t.Errorf("nonce = %v, want %q", claims["nonce"], a.params.Get("nonce"))
			}
			read := e.get(e.base(testPractice)+"/Patient/"+e.pt.ID(), m["access_token"].(string))
			if read.status != http.StatusOK || read.header.Get("Content-Type") != wantFHIRType {
				t.Fatalf("read Patient: %d %q", read.status, read.header.Get("Content-Type"))
			}
		})
	}
}

func checkTokenResponse(t *testing.T, e *env, m map[string]any, scopes []string) {
	t.Helper()
	if m["token_type"] != "Bearer" || m["access_token"] == "" {
		t.Errorf("token_type = %v, access_token = %v", m["token_type"], m["access_token"])
	}
	if m["expires_in"] != float64(3600) {
		t.Errorf("expires_in = %v, want 3600", m["expires_in"])
	}
	if m["scope"] != strings.Join(scopes, " ") {
		t.Errorf("scope = %v, want %q", m["scope"], strings.Join(scopes, " "))
	}
	if m["patient"] != e.pt.ID() {
		t.Errorf("patient = %v, want %q", m["patient"], e.pt.ID())
	}
	if _, ok := m["refresh_token"]; ok {
		t.Error("a public client got a refresh_token")
	}
}

// verifyIDToken checks the id_token as the real client does: go-oidc
// with a remote key set on jwks_uri (HEALOW.md §4 step 8).
func verifyIDToken(t *testing.T, e *env, raw, practice string) map[string]any {
	t.Helper()
	ctx := oidc.ClientContext(context.Background(), e.s.Client())
	keys := oidc.NewRemoteKeySet(ctx, e.s.URL()+pathJWKS)
	v := oidc.NewVerifier(e.base(practice), keys, &oidc.Config{ClientID: testClient, Now: e.clock.Now})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify id_token: %v", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	p := e.pt
	if practice == otherPractice {
		p = e.other
	}
	if claims["fhirUser"] != "Patient/"+p.ID() || claims["sub"] != p.ID() || claims["name"] != p.Name() {
		t.Errorf("claims = %v, want fhirUser Patient/%s and name %q", claims, p.ID(), p.Name())
	}
	return claims
}

func TestTokenRejects(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(f url.Values)
		status int
		error  string
	}{
		{"missing client_id", func(f url.Values) { f.Del("client_id") }, 400, "invalid_request"},
		{"unknown client_id", func(f url.Values) { f.Set("client_id", "nobody") }, 401, "invalid_client"},
		{"missing redirect_uri", func(f url.Values) { f.Del("redirect_uri") }, 400, "invalid_request"},
		{"missing code", func(f url.Values) { f.Del("code") }, 400, "invalid_request"},
		{"missing verifier", func(f url.Values) { f.Del("code_verifier") }, 400, "invalid_request"},
		{"refresh grant", func(f url.Values) { f.Set("grant_type", "refresh_token") },
			400, "unsupported_grant_type"},
		{"other redirect_uri", func(f url.Values) { f.Set("redirect_uri", testRedirect+"/") },
			400, "invalid_grant"},
		{"wrong verifier", func(f url.Values) { f.Set("code_verifier", randomToken()) }, 400, "invalid_grant"},
		{"verifier is the challenge", func(f url.Values) { f.Set("code_verifier", f.Get("challenge")) },
			400, "invalid_grant"},
		{"unknown code", func(f url.Values) { f.Set("code", randomToken()) }, 400, "invalid_grant"},
	}
	e := newEnv(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := e.newAttempt(testPractice)
			f := e.tokenForm(a, e.code(a, testPractice))
			f.Set("challenge", a.params.Get("code_challenge"))
			tc.edit(f)
			f.Del("challenge")
			res := e.post(e.s.URL()+pathToken, f)
			m := decode(t, res.body)
			if res.status != tc.status || m["error"] != tc.error || m["error_description"] == "" {
				t.Fatalf("got %d %s, want %d %s", res.status, res.body, tc.status, tc.error)
			}
			if _, ok := m["access_token"]; ok {
				t.Fatal("error response carries an access_token")
			}
		})
	}
}

func TestCodeIsSingleUseAndShortLived(t *testing.T) {
	e := newEnv(t, Options{CodeTTL: 30 * time.Second})

	a := e.newAttempt(testPractice)
	form := e.tokenForm(a, e.code(a, testPractice))
	first := e.post(e.s.URL()+pathToken, form)
	if first.status != http.StatusOK {
		t.Fatalf("first use: %d %s", first.status, first.body)
	}
	access := decode(t, first.body)["access_token"].(string)
	again := e.post(e.s.URL()+pathToken, form)
	if again.status != 400 || decode(t, again.body)["error"] != "invalid_grant" {
		t.Fatalf("second use: %d %s, want 400 invalid_grant", again.status, again.body)
	}
	if res := e.get(e.base(testPractice)+"/Patient/"+e.pt.ID(), access); res.status != 401 {
		t.Errorf("token of a replayed code: status %d, want 401 (revoked)", res.status)
	}

	b := e.newAttempt(testPractice)
	form = e.tokenForm(b, e.code(b, testPractice))
	e.clock.Advance(31 * time.Second)
	late := e.post(e.s.URL()+pathToken, form)
	if late.status != 400 || decode(t, late.body)["error"] != "invalid_grant" {
		t.Fatalf("expired code: %d %s, want 400 invalid_grant", late.status, late.body)
	}
}

func TestSwappedErrors(t *testing.T) {
	e := newEnv(t, Options{SwappedErrors: true})
	a := e.newAttempt(testPractice)
	f := e.tokenForm(a, "whatever")
	f.Del("client_id")
	res := e.post(e.s.URL()+pathToken, f)
	m := decode(t, res.body)
	if res.status != 400 || m["error"] != "400" || m["error_description"] != "invalid_request" {
		t.Fatalf("got %d %s, want the swapped form", res.status, res.body)
	}
}

func TestTokenOptions(t *testing.T) {
	cases := []struct {
		name      string
		opts      Options
		scopes    []string
		wantScope string
		check     func(t *testing.T, e *env, m map[string]any)
	}{
		{"withheld Binary scope", Options{WithholdScopes: []string{"patient/Binary.r"}},
			[]string{"openid", "fhirUser", "patient/Binary.r", "patient/Patient.read"},
			"openid fhirUser patient/Patient.read", nil},
		{"unlisted scope dropped", Options{DropUnlistedScopes: true},
			[]string{"launch/patient", "patient/Binary.read", "patient/Patient.read"},
			"launch/patient patient/Patient.read", nil},
		{"patient omitted", Options{OmitPatient: true}, []string{"patient/Patient.read"},
			"patient/Patient.read", func(t *testing.T, e *env, m map[string]any) {
				if _, ok := m["patient"]; ok {
					t.Error("patient present with OmitPatient")
				}
				if _, ok := m["id_token"]; ok {
					t.Error("id_token present without openid")
				}
			}},
		{"short TTL", Options{TokenTTL: 5 * time.Second}, []string{"patient/Patient.read"},
			"patient/Patient.read", func(t *testing.T, e *env, m map[string]any) {
				if m["expires_in"] != float64(5) {
					t.Errorf("expires_in = %v, want 5", m["expires_in"])
				}
			}},
		{"absolute fhirUser", Options{FHIRUser: FHIRUserAbsolute, Issuer: "https://oauthserver.example"},
			[]string{"openid", "fhirUser"}, "openid fhirUser",
			func(t *testing.T, e *env, m map[string]any) {
				c := unverifiedClaims(t, m["id_token"].(string))
				wantUser := e.base(testPractice) + "/Patient/" + e.pt.ID()
				if c["fhirUser"] != wantUser || c["iss"] != "https://oauthserver.example" {
					t.Errorf("claims = %v", c)
				}
			}},
		{"proxy fhirUser", Options{FHIRUser: FHIRUserRelatedPerson}, []string{"openid", "fhirUser"},
			"openid fhirUser", func(t *testing.T, e *env, m map[string]any) {
				c := unverifiedClaims(t, m["id_token"].(string))
				if !strings.HasPrefix(c["fhirUser"].(string), "RelatedPerson/") || m["patient"] != e.pt.ID() {
					t.Errorf("claims = %v, patient = %v", c, m["patient"])
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.ClientID, tc.opts.RedirectURI = testClient, testRedirect
			e := newEnv(t, tc.opts)
			e.scopes = tc.scopes
			m := e.token(testPractice)
			if m["scope"] != tc.wantScope {
				t.Errorf("scope = %q, want %q", m["scope"], tc.wantScope)
			}
			if tc.check != nil {
				tc.check(t, e, m)
			}
		})
	}
}

func TestLoginAndConsent(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		e := newEnv(t, Options{})
		res := e.login(e.newAttempt(testPractice), testLogin, "nope")
		if res.status != http.StatusUnauthorized ||
			!strings.Contains(res.body, "Invalid username or password") {
			t.Fatalf("got %d %.200s", res.status, res.body)
		}
		// The same session may try again.
		retry := e.post(e.s.URL()+pathLogin, url.Values{"session": {sessionOf(t, res)},
			"username": {testLogin}, "password": {testPassword}})
		if retry.status != http.StatusOK || !strings.Contains(retry.body, "decision") {
			t.Fatalf("retry: %d %.200s", retry.status, retry.body)
		}
	})
	t.Run("login of another practice", func(t *testing.T) {
		e := newEnv(t, Options{})
		res := e.login(e.newAttempt(testPractice), otherLogin, otherPassword)
		if res.status != http.StatusUnauthorized {
			t.Fatalf("got %d, want 401", res.status)
		}
	})
	t.Run("expired session", func(t *testing.T) {
		e := newEnv(t, Options{})
		a := e.newAttempt(testPractice)
		page := e.get(e.s.URL()+pathAuthorize+"?"+a.params.Encode(), "")
		e.clock.Advance(sessionTTL + time.Second)
		res := e.post(e.s.URL()+pathLogin, url.Values{"session": {sessionOf(t, page)},
			"username": {testLogin}, "password": {testPassword}})
		if res.status != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", res.status)
		}
	})
	t.Run("deny redirects with access_denied", func(t *testing.T) {
		e := newEnv(t, Options{})
		a := e.newAttempt(testPractice)
		res, q := e.consent(e.login(a, testLogin, testPassword), "deny")
		if res.status != http.StatusFound || q.Get("error") != "access_denied" ||
			q.Get("state") != a.params.Get("state") || q.Has("code") {
			t.Fatalf("got %d %v", res.status, q)
		}
	})
	t.Run("deny with 500", func(t *testing.T) {
		e := newEnv(t, Options{DenyWith500: true})
		res, _ := e.consent(e.login(e.newAttempt(testPractice), testLogin, testPassword), "deny")
		if res.status != http.StatusInternalServerError || decode(t, res.body)["error"] != "access_denied" {
			t.Fatalf("got %d %s", res.status, res.body)
		}
	})
	t.Run("consent twice", func(t *testing.T) {
		e := newEnv(t, Options{})
		page := e.login(e.newAttempt(testPractice), testLogin, testPassword)
		e.consent(page, "allow")
		res, _ := e.consent(page, "allow")
		if res.status != http.StatusBadRequest {
			t.Fatalf("second consent: %d, want 400", res.status)
		}
	})
}

func TestDemoMode(t *testing.T) {
	e := newEnv(t, Options{Demo: true, ClientID: "demo-app",
		RedirectURI: "http://127.0.0.1:53682/healow/callback"})
	if !strings.HasPrefix(e.s.URL(), "http://127.0.0.1:") || !strings.HasPrefix(e.s.TLSURL(), "https://") {
		t.Fatalf("URL = %q, TLSURL = %q", e.s.URL(), e.s.TLSURL())
	}
	a := e.newAttempt(testPractice)
	a.params.Set("client_id", "demo-app")
	a.params.Set("redirect_uri", "http://127.0.0.1:53682/healow/callback")
	page := e.get(e.s.URL()+pathAuthorize+"?"+a.params.Encode(), "")
	if page.status != http.StatusOK || !strings.Contains(page.body, testLogin) ||
		!strings.Contains(page.body, testPassword) {
		t.Fatalf("demo login page: %d, want the credentials shown: %.400s", page.status, page.body)
	}
	// The TLS listener describes itself with its own origin.
	res := e.get(e.s.TLSURL()+fhirPrefix+testPractice+"/"+smartConfig, "")
	if m := decode(t, res.body); m["issuer"] != e.s.TLSURL()+fhirPrefix+testPractice {
		t.Fatalf("issuer on TLS listener = %v", m["issuer"])
	}
	if _, err := New(Options{Demo: true, Addr: "0.0.0.0:0"}); err == nil {
		t.Fatal("demo mode accepted a non-loopback plain HTTP address")
	}
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t, Options{})
	before := e.token(testPractice)["id_token"].(string)
	if err := e.s.RotateKeys(); err != nil {
		t.Fatal(err)
	}
	after := e.token(testPractice)["id_token"].(string)
	oldKid, newKid := kidOf(t, before), kidOf(t, after)
	if oldKid == newKid {
		t.Fatalf("kid unchanged after rotation: %s", oldKid)
	}
	jwks := decode(t, e.get(e.s.URL()+pathJWKS, "").body)
	var kids []string
	for _, k := range jwks["keys"].([]any) {
		km := k.(map[string]any)
		if _, private := km["d"]; private {
			t.Fatal("JWKS publishes a private key")
		}
		kids = append(kids, km["kid"].(string))
	}
	if strings.Join(kids, ",") != oldKid+","+newKid {
		t.Fatalf("JWKS kids = %v, want [%s %s]", kids, oldKid, newKid)
	}
	verifyIDToken(t, e, before, testPractice)
	verifyIDToken(t, e, after, testPractice)
}
