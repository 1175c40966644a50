package smart

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const sandbox = "https://fhir4.healow.com/fhir/r4/JAFJCD"

func TestNormalizeBase(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"https", sandbox, sandbox, true},
		{"one trailing slash", sandbox + "/", sandbox, true},
		{"http loopback", "http://127.0.0.1:8080/fhir/r4/X", "http://127.0.0.1:8080/fhir/r4/X", true},
		{"http remote", "http://fhir4.eclinicalworks.com/fhir/r4/X", "", false},
		{"http localhost name", "http://localhost:8080/fhir/r4/X", "", false},
		{"query", "https://h/fhir/r4/X?a=b", "", false},
		{"user info", "https://u:p@h/fhir/r4/X", "", false},
		{"no host", "https:///fhir", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeBase(tc.in)
			if tc.ok && (err != nil || got != tc.want) {
				t.Errorf("NormalizeBase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			if !tc.ok && !errors.Is(err, ErrBadBase) {
				t.Errorf("NormalizeBase(%q) = %q, %v; want ErrBadBase", tc.in, got, err)
			}
		})
	}
}

func TestDiscover(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(cfg map[string]any)
		wantErr error
	}{
		{name: "healow-like, no none auth method"},
		{name: "http token endpoint", wantErr: ErrBadConfiguration,
			edit: func(c map[string]any) { c["token_endpoint"] = "http://oauth.example/token" }},
		{name: "http jwks", wantErr: ErrBadConfiguration,
			edit: func(c map[string]any) { c["jwks_uri"] = "http://oauth.example/jwks" }},
		{name: "no authorize endpoint", wantErr: ErrBadConfiguration,
			edit: func(c map[string]any) { delete(c, "authorization_endpoint") }},
		{name: "no issuer", wantErr: ErrBadConfiguration,
			edit: func(c map[string]any) { delete(c, "issuer") }},
		{name: "plain PKCE only", wantErr: ErrBadConfiguration,
			edit: func(c map[string]any) { c["code_challenge_methods_supported"] = []string{"plain"} }},
		{name: "no PKCE", wantErr: ErrBadConfiguration,
			edit: func(c map[string]any) { delete(c, "code_challenge_methods_supported") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAS(t)
			if tc.edit != nil {
				tc.edit(f.config)
			}
			cfg, err := Discover(context.Background(), f.srv.Client(), f.base())
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Discover: %v", err)
				}
				if cfg.Issuer != f.base() || cfg.TokenEndpoint != f.srv.URL+"/oauth/oauth2/token" {
					t.Errorf("configuration = %+v", cfg)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Discover error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestDiscoverAnswers(t *testing.T) {
	good := `{"issuer":"x","authorization_endpoint":"http://127.0.0.1/a",` +
		`"token_endpoint":"http://127.0.0.1/t","code_challenge_methods_supported":["S256"]}`
	cases := []struct {
		name    string
		handler http.HandlerFunc
		ok      bool
		errText string
		is      error // a sentinel the error must match, when set
	}{
		{name: "demo http loopback", ok: true, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json+fhir;charset=UTF-8")
			_, _ = w.Write([]byte(good))
		}},
		{name: "404", errText: "HTTP 404", is: ErrNotActivated,
			handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{name: "429", errText: "HTTP 429", is: ErrRateLimited,
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) }},
		{name: "500 is not 'not activated'", errText: "HTTP 500",
			handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }},
		{name: "html", errText: "content type", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(good))
		}},
		{name: "oversized", errText: "larger than", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"scopes_supported":["` + strings.Repeat("a", maxDiscoveryBytes) + `"]}`))
		}},
		{name: "redirect to http host", errText: "refused redirect",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://fhir4.eclinicalworks.com/x", http.StatusFound)
			}},
		{name: "only the smart path", errText: "HTTP 404", is: ErrNotActivated,
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/fhir/r4/X/.well-known/smart-configuration" {
					http.NotFound(w, r)
					return
				}
				_, _ = w.Write([]byte(good))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			base := srv.URL + "/fhir/r4/X"
			if tc.name == "only the smart path" {
				base = srv.URL + "/fhir/r4/Y"
			}
			_, err := Discover(context.Background(), srv.Client(), base)
			if tc.ok && err != nil {
				t.Fatalf("Discover: %v", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), tc.errText)) {
				t.Errorf("Discover error = %v, want one containing %q", err, tc.errText)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Discover error = %v, want errors.Is %v", err, tc.is)
			}
			if tc.is == nil && (errors.Is(err, ErrNotActivated) || errors.Is(err, ErrRateLimited)) {
				t.Errorf("Discover error = %v matches a sentinel it should not", err)
			}
		})
	}
}
