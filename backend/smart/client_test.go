package smart

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// login runs Begin and the fake authorize step and returns the pieces.
func login(t *testing.T, f *fakeAS, c *Client) (*Attempt, string) {
	t.Helper()
	authURL, a, err := c.Begin(context.Background(), f.base())
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	code, state := f.authorize(authURL)
	if state != a.State {
		t.Fatalf("state in URL %q differs from attempt", state)
	}
	return a, code
}

func TestBeginAuthorizationURL(t *testing.T) {
	f := newFakeAS(t)
	c := f.client()
	authURL, a, err := c.Begin(context.Background(), f.base()+"/")
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if got := u.Scheme + "://" + u.Host + u.Path; got != f.srv.URL+"/oauth/oauth2/authorize" {
		t.Errorf("endpoint = %q", got)
	}
	want := map[string]string{
		"response_type":         "code",
		"client_id":             testClientID,
		"redirect_uri":          testRedirect,
		"scope":                 strings.Join(DefaultScopes(), " "),
		"state":                 a.State,
		"aud":                   f.base(), // trailing slash stripped
		"code_challenge":        S256(a.Verifier),
		"code_challenge_method": "S256",
		"nonce":                 a.Nonce,
	}
	for k, v := range want {
		if got := q[k]; len(got) != 1 || got[0] != v {
			t.Errorf("param %s = %q, want [%q]", k, got, v)
		}
	}
	if len(q) != len(want) {
		t.Errorf("params = %v, want exactly %d", q, len(want))
	}
	for name, s := range map[string]string{"state": a.State, "nonce": a.Nonce} {
		if b, err := base64.RawURLEncoding.DecodeString(s); err != nil || len(b) < 16 {
			t.Errorf("%s %q has fewer than 128 random bits", name, s)
		}
	}
	_, b, err := c.Begin(context.Background(), f.base())
	if err != nil {
		t.Fatalf("second Begin: %v", err)
	}
	if b.State == a.State || b.Nonce == a.Nonce || b.Verifier == a.Verifier {
		t.Error("second attempt reuses state, nonce or verifier")
	}
}

func TestBeginRefusesBadClient(t *testing.T) {
	f := newFakeAS(t)
	cases := []struct {
		name string
		edit func(c *Client)
	}{
		{"no client id", func(c *Client) { c.ClientID = " " }},
		{"http redirect", func(c *Client) { c.RedirectURI = "http://tunnel.example/cb" }},
		{"relative redirect", func(c *Client) { c.RedirectURI = "/healow/callback" }},
		{"scope with space", func(c *Client) { c.Scopes = []string{"openid fhirUser"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.client()
			tc.edit(c)
			if _, _, err := c.Begin(context.Background(), f.base()); !errors.Is(err, ErrBadClient) {
				t.Errorf("Begin error = %v, want ErrBadClient", err)
			}
		})
	}
}

func TestTokenRequestForm(t *testing.T) {
	f := newFakeAS(t)
	c := f.client()
	a, code := login(t, f, c)
	if _, err := c.Exchange(context.Background(), a, code); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	req := f.lastRequest()
	if req.authorization != "" {
		t.Errorf("Authorization header sent: %q", req.authorization)
	}
	if req.contentType != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", req.contentType)
	}
	want := map[string]string{
		"grant_type":    "authorization_code",
		"code":          code,
		"client_id":     testClientID,
		"redirect_uri":  testRedirect,
		"code_verifier": a.Verifier,
	}
	for k, v := range want {
		if got := req.form[k]; len(got) != 1 || got[0] != v {
			t.Errorf("form %s = %q, want exactly [%q]", k, got, v)
		}
	}
	if _, ok := req.form["client_secret"]; ok {
		t.Error("form carries a client_secret")
	}
	if len(req.form) != len(want) {
		t.Errorf("form = %v, want exactly %v", req.form, want)
	}
}

func TestExchange(t *testing.T) {
	type answer = map[string]any
	// withClaims re-signs the default id_token after edit.
	withClaims := func(key bool, edit func(c answer)) func(*fakeAS, issued) (int, answer) {
		return func(f *fakeAS, iss issued) (int, answer) {
			a := f.defaultAnswer(iss)
			cl := f.defaultClaims(iss)
			edit(cl)
			k := rsaKey
			if !key {
				k = otherKey
			}
			a["id_token"] = f.sign(k, cl)
			return 200, a
		}
	}
	withAnswer := func(status int, edit func(a answer)) func(*fakeAS, issued) (int, answer) {
		return func(f *fakeAS, iss issued) (int, answer) {
			a := f.defaultAnswer(iss)
			edit(a)
			return status, a
		}
	}
	errorAnswer := func(status int, body answer) func(*fakeAS, issued) (int, answer) {
		return func(*fakeAS, issued) (int, answer) { return status, body }
	}
	cases := []struct {
		name     string
		respond  func(*fakeAS, issued) (int, answer)
		issuer   string
		fails    bool
		wantErr  error
		wantText []string // substrings of the error
		check    func(t *testing.T, g *Grant, err error)
	}{
		{name: "happy path", check: func(t *testing.T, g *Grant, _ error) {
			if g.Patient != testPatient || g.TokenType != "Bearer" || g.IDToken == "" {
				t.Errorf("grant = %+v", *g)
			}
			if d := time.Until(g.Expiry); d < 59*time.Minute || d > 61*time.Minute {
				t.Errorf("expiry in %v, want about an hour", d)
			}
			if g.Claims["fhirUser"] != "Patient/"+testPatient || g.FHIRUser != "Patient/"+testPatient {
				t.Errorf("claims = %v", g.Claims)
			}
			if !HasScope(g, "patient/Patient.read") || HasScope(g, BinaryScope) {
				t.Errorf("scope = %q", g.Scope)
			}
		}},
		{name: "lowercase bearer", respond: withAnswer(200, func(a answer) { a["token_type"] = "bearer" })},
		{name: "token type not bearer", wantErr: ErrTokenType,
			respond: withAnswer(200, func(a answer) { a["token_type"] = "mac" })},
		{name: "nonce mismatch", wantErr: ErrIDToken, wantText: []string{"nonce"},
			respond: withClaims(true, func(c answer) { c["nonce"] = "other" })},
		{name: "nonce missing", wantErr: ErrIDToken,
			respond: withClaims(true, func(c answer) { delete(c, "nonce") })},
		{name: "wrong aud", wantErr: ErrIDToken, wantText: []string{"audience"},
			respond: withClaims(true, func(c answer) { c["aud"] = "someone-else" })},
		{name: "expired id_token", wantErr: ErrIDToken, wantText: []string{"expired"},
			respond: withClaims(true, func(c answer) { c["exp"] = time.Now().Add(-10 * time.Minute).Unix() })},
		{name: "expired within clock skew",
			respond: withClaims(true, func(c answer) { c["exp"] = time.Now().Add(-time.Minute).Unix() })},
		{name: "bad signature", wantErr: ErrIDToken, wantText: []string{"signature"},
			respond: withClaims(false, func(answer) {})},
		{name: "issuer mismatch", wantErr: ErrIDToken,
			wantText: []string{`"https://oauthserver.example"`, "/fhir/r4/JAFJCD\" was expected"},
			respond:  withClaims(true, func(c answer) { c["iss"] = "https://oauthserver.example" }),
			check: func(t *testing.T, _ *Grant, err error) {
				var ie *IssuerMismatchError
				if !errors.As(err, &ie) || ie.Got != "https://oauthserver.example" {
					t.Errorf("error %v is not an IssuerMismatchError naming the issuer", err)
				}
			}},
		{name: "configured issuer", issuer: "https://oauthserver.example",
			respond: withClaims(true, func(c answer) { c["iss"] = "https://oauthserver.example" })},
		{name: "no id_token, patient from context",
			respond: withAnswer(200, func(a answer) { delete(a, "id_token") }),
			check: func(t *testing.T, g *Grant, _ error) {
				if g.Patient != testPatient || g.IDToken != "" || g.Claims != nil {
					t.Errorf("grant = %+v", *g)
				}
			}},
		{name: "fhirUser absolute, no patient context",
			respond: func(f *fakeAS, iss issued) (int, answer) {
				_, a := withClaims(true, func(c answer) {
					c["fhirUser"] = "https://fhir4.healow.com/fhir/r4/JAFJCD/Patient/abs-9"
				})(f, iss)
				delete(a, "patient")
				return 200, a
			},
			check: func(t *testing.T, g *Grant, _ error) {
				if g.Patient != "abs-9" {
					t.Errorf("patient = %q, want abs-9", g.Patient)
				}
			}},
		{name: "RelatedPerson proxy", wantErr: ErrNotPatient,
			respond: func(f *fakeAS, iss issued) (int, answer) {
				_, a := withClaims(true, func(c answer) { c["fhirUser"] = "RelatedPerson/rp-1" })(f, iss)
				delete(a, "patient")
				return 200, a
			}},
		{name: "no patient at all", wantErr: ErrNoPatient,
			respond: withAnswer(200, func(a answer) { delete(a, "patient"); delete(a, "id_token") })},
		{name: "patient not a FHIR id", wantErr: ErrNoPatient,
			respond: withAnswer(200, func(a answer) { a["patient"] = "../Binary/x" })},
		{name: "swapped error fields", fails: true,
			wantText: []string{`"invalid_request"`, `"403"`, "HTTP 400"},
			respond:  errorAnswer(400, answer{"error": "403", "error_description": "invalid_request"}),
			check:    wantOAuth(400, "invalid_request", "403")},
		{name: "invalid_client 401", fails: true,
			respond: errorAnswer(401, answer{"error": "invalid_client"}),
			check:   wantOAuth(401, "invalid_client", "")},
		{name: "access_denied with HTTP 500", wantErr: ErrAccessDenied,
			respond: errorAnswer(500, answer{"error": "access_denied", "error_description": "denied"}),
			check:   wantOAuth(500, "access_denied", "denied")},
		{name: "bare 502", fails: true, respond: errorAnswer(502, nil),
			check: wantOAuth(502, "", "Bad Gateway")},
	}
	f := newFakeAS(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.mu.Lock()
			f.respond = tc.respond
			f.mu.Unlock()
			c := f.client()
			c.ExpectedIssuer = tc.issuer
			a, code := login(t, f, c)
			g, err := c.Exchange(context.Background(), a, code)
			fails := tc.fails || tc.wantErr != nil
			switch {
			case fails && err == nil:
				t.Fatalf("Exchange succeeded with %v, want an error", g)
			case !fails && err != nil:
				t.Fatalf("Exchange: %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
			for _, s := range tc.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if tc.check != nil {
				tc.check(t, g, err)
			}
		})
	}
}

func wantOAuth(status int, code, desc string) func(*testing.T, *Grant, error) {
	return func(t *testing.T, _ *Grant, err error) {
		t.Helper()
		var oe *OAuthError
		if !errors.As(err, &oe) {
			t.Fatalf("error %v is not an *OAuthError", err)
		}
		if oe.Status != status || oe.Code != code || oe.Description != desc {
			t.Errorf("OAuthError = %+v, want {%d %q %q}", *oe, status, code, desc)
		}
	}
}

func TestComplete(t *testing.T) {
	f := newFakeAS(t)
	cases := []struct {
		name    string
		run     func(c *Client, p *Pending) error
		wantErr error
	}{
		{name: "known state", run: func(c *Client, p *Pending) error {
			a, code := login(t, f, c)
			p.Put(a)
			got, g, err := c.Complete(context.Background(), p, Callback{Code: code, State: a.State})
			if err == nil && (got != a || g.Patient != testPatient) {
				t.Errorf("Complete = %v, %v", got, g)
			}
			return err
		}},
		{name: "unknown state", wantErr: ErrUnknownState, run: func(c *Client, p *Pending) error {
			a, code := login(t, f, c)
			p.Put(a)
			_, _, err := c.Complete(context.Background(), p, Callback{Code: code, State: "forged"})
			return err
		}},
		{name: "expired state", wantErr: ErrExpiredState, run: func(c *Client, p *Pending) error {
			a, code := login(t, f, c)
			p.Put(a)
			p.now = func() time.Time { return time.Now().Add(11 * time.Minute) }
			_, _, err := c.Complete(context.Background(), p, Callback{Code: code, State: a.State})
			return err
		}},
		{name: "reused state", wantErr: ErrReusedState, run: func(c *Client, p *Pending) error {
			a, code := login(t, f, c)
			p.Put(a)
			cb := Callback{Code: code, State: a.State}
			if _, _, err := c.Complete(context.Background(), p, cb); err != nil {
				t.Fatalf("first Complete: %v", err)
			}
			_, _, err := c.Complete(context.Background(), p, Callback{Code: code, State: a.State})
			return err
		}},
		{name: "no code", wantErr: ErrNoCode, run: func(c *Client, p *Pending) error {
			a, _ := login(t, f, c)
			p.Put(a)
			_, _, err := c.Complete(context.Background(), p, Callback{State: a.State})
			return err
		}},
		{name: "access_denied on redirect", wantErr: ErrAccessDenied,
			run: func(c *Client, p *Pending) error {
				a, _ := login(t, f, c)
				p.Put(a)
				got, _, err := c.Complete(context.Background(), p, Callback{
					State: a.State, Error: "access_denied", ErrorDescription: "user said no"})
				if got != a {
					t.Error("Complete did not return the attempt of the error redirect")
				}
				if p.Len() != 0 {
					t.Error("attempt still pending after an error redirect")
				}
				if !strings.Contains(err.Error(), "user said no") {
					t.Errorf("error %q lacks the description", err)
				}
				return err
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, p := f.client(), NewPending(0)
			err := tc.run(c, p)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}
