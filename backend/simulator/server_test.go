package simulator

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	e := newEnv(t, Options{})
	meta := e.base(testPractice) + "/metadata"
	for i := range DefaultRateLimit {
		if res := e.get(meta, ""); res.status != 200 {
			t.Fatalf("request %d: %d", i+1, res.status)
		}
	}
	res := e.get(meta, "")
	if res.status != http.StatusTooManyRequests || res.body != "" || res.header.Get("Retry-After") != "" {
		t.Fatalf("request 251: %d %q Retry-After=%q, want a bare 429",
			res.status, res.body, res.header.Get("Retry-After"))
	}
	if res := e.get(e.base(otherPractice)+"/metadata", ""); res.status != 200 {
		t.Fatalf("other practice: %d, want its own budget", res.status)
	}
	e.clock.Advance(59 * time.Second) // 10:01:00, a new window
	if res := e.get(meta, ""); res.status != 200 {
		t.Fatalf("next minute: %d, want 200", res.status)
	}
	if n := e.s.Requests()[KindThrottled]; n != 1 {
		t.Fatalf("throttled counter = %d, want 1", n)
	}
}

func TestRateLimitCountsOAuth(t *testing.T) {
	cases := []struct {
		name       string
		limit      int
		tokenOK    bool
		readStatus int
	}{
		// authorize, login and consent use three requests.
		{"token over the limit", 3, false, 0},
		{"read over the limit", 4, true, 429},
		{"within the limit", 5, true, 200},
		{"limit off", -1, true, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{RateLimit: tc.limit})
			a := e.newAttempt(testPractice)
			res := e.post(e.s.URL()+pathToken, e.tokenForm(a, e.code(a, testPractice)))
			if (res.status == 200) != tc.tokenOK {
				t.Fatalf("token: %d, want ok=%v", res.status, tc.tokenOK)
			}
			if !tc.tokenOK {
				if res.status != 429 || res.body != "" {
					t.Fatalf("token: %d %q, want a bare 429", res.status, res.body)
				}
				return
			}
			tok := decode(t, res.body)["access_token"].(string)
			if r := e.get(e.base(testPractice)+"/Patient/"+e.pt.ID(), tok); r.status != tc.readStatus {
				t.Fatalf("read: %d, want %d", r.status, tc.readStatus)
			}
		})
	}
}

func TestForce429(t *testing.T) {
	e := newEnv(t, Options{})
	e.s.Faults().Force429(2)
	var got []int
	for range 3 {
		got = append(got, e.get(e.base(testPractice)+"/metadata", "").status)
	}
	if !reflect.DeepEqual(got, []int{429, 429, 200}) {
		t.Fatalf("statuses = %v, want [429 429 200]", got)
	}
}

func TestDirectory(t *testing.T) {
	e := newEnv(t, Options{})
	res := e.get(e.s.URL()+pathDirectory, "")
	var raw struct {
		ResourceType string
		Entry        []struct{ Resource map[string]any }
	}
	if err := json.Unmarshal([]byte(res.body), &raw); err != nil || raw.ResourceType != "Bundle" {
		t.Fatalf("directory: %v %.200s", err, res.body)
	}
	endpoints, orgs := map[string]string{}, map[string]string{}
	for _, en := range raw.Entry {
		r := en.Resource
		switch r["resourceType"] {
		case "Endpoint":
			endpoints[r["id"].(string)] = r["address"].(string)
		case "Organization":
			orgs[r["id"].(string)] = r["name"].(string)
		default:
			t.Fatalf("unexpected entry %v", r["resourceType"])
		}
	}
	if endpoints[testPractice] != e.base(testPractice) || orgs[testPractice] != "Test Practice" {
		t.Fatalf("test practice: endpoint %q, organization %q", endpoints[testPractice], orgs[testPractice])
	}
	if len(endpoints) != len(orgs) {
		t.Fatalf("%d endpoints, %d organizations", len(endpoints), len(orgs))
	}
	var all []string
	testFacilities := 0
	for _, name := range orgs {
		all = append(all, name)
		if strings.TrimSpace(name) == "Test Facility" {
			testFacilities++
		}
	}
	joined := strings.Join(all, "\n")
	for _, dirt := range []string{"TRAIN", "  ", "&", "Castañer", `\"`, "Prodtest"} {
		if !strings.Contains(joined, dirt) {
			t.Errorf("directory lacks a name with %q", dirt)
		}
	}
	if testFacilities < 3 {
		t.Errorf("%d Test Facility entries, want several", testFacilities)
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t, Options{})
	base := e.base(testPractice)
	res := e.get(base+"/"+smartConfig, "")
	var cfg map[string]any
	if err := json.Unmarshal([]byte(res.body), &cfg); err != nil || res.status != 200 {
		t.Fatalf("smart-configuration: %d %v", res.status, err)
	}
	want := map[string]any{
		"issuer":                 base,
		"authorization_endpoint": e.s.URL() + pathAuthorize,
		"token_endpoint":         e.s.URL() + pathToken,
		"jwks_uri":               e.s.URL() + pathJWKS,
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("%s = %v, want %v", k, cfg[k], v)
		}
	}
	list := func(k string) []string {
		var out []string
		for _, v := range cfg[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	has := func(k, v string) bool { return strings.Contains(" "+strings.Join(list(k), " ")+" ", " "+v+" ") }
	checks := []struct {
		key, value string
		want       bool
	}{
		{"code_challenge_methods_supported", "S256", true},
		{"code_challenge_methods_supported", "plain", false},
		{"token_endpoint_auth_methods_supported", "none", false},
		{"capabilities", "client-public", true},
		{"capabilities", "authorize-post", true},
		{"scopes_supported", "patient/Binary.r", true},
		{"scopes_supported", "patient/Binary.read", false},
		{"scopes_supported", "patient/*.read", false},
		{"scopes_supported", "patient/Observation.rs", true},
		{"scopes_supported", "patient/Observation.read", true},
		{"scopes_supported", "//CodeSystem-observation-category", true},
	}
	for _, c := range checks {
		if has(c.key, c.value) != c.want {
			t.Errorf("%s contains %q = %v, want %v", c.key, c.value, !c.want, c.want)
		}
	}
	if len(list("code_challenge_methods_supported")) != 1 {
		t.Errorf("code_challenge_methods_supported = %v", list("code_challenge_methods_supported"))
	}

	for _, p := range []string{openIDSuffix, fhirPrefix + testPractice + openIDSuffix} {
		if res := e.get(e.s.URL()+p, ""); res.status != 404 {
			t.Errorf("GET %s: %d, want 404", p, res.status)
		}
	}

	meta := decode(t, e.get(base+"/metadata", "").body)
	rest := meta["rest"].([]any)[0].(map[string]any)
	u := meta["url"].(string)
	if rest["security"].(map[string]any)["cors"] != true || !strings.HasPrefix(u, "http://") ||
		strings.Contains(u, testPractice) {
		t.Errorf("CapabilityStatement lacks healow's quirks: url %q, security %v", u, rest["security"])
	}
}

func TestTLS(t *testing.T) {
	s, err := New(Options{Hosts: []string{"sim.chartkeep.test", "10.1.2.3"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start = %v, want ErrStarted", err)
	}
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") || s.URL() != s.TLSURL() {
		t.Fatalf("URL = %q, TLSURL = %q", s.URL(), s.TLSURL())
	}
	if _, err := http.Get(s.URL() + pathJWKS); err == nil {
		t.Fatal("a client without the CA trusted the certificate")
	}
	res, err := s.Client().Get(s.URL() + pathJWKS)
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	res.Body.Close()
	leaf := res.TLS.PeerCertificates[0]
	block, _ := pem.Decode(s.CACertPEM())
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA || leaf.CheckSignatureFrom(ca) != nil {
		t.Fatalf("CA %v, leaf not signed by it", err)
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1", "sim.chartkeep.test", "10.1.2.3"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("certificate does not cover %s: %v", h, err)
		}
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm %v, want ECDSA", leaf.PublicKeyAlgorithm)
	}
}

func TestLatency(t *testing.T) {
	e := newEnv(t, Options{Latency: 80 * time.Millisecond})
	start := time.Now()
	e.get(e.s.URL()+pathJWKS, "")
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("request took %v, want at least the latency", d)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.newAttempt(testPractice)
	code := e.code(a, testPractice)
	res := e.post(e.s.URL()+pathToken, e.tokenForm(a, code))
	m := decode(t, res.body)
	tok := m["access_token"].(string)
	obs := e.get(e.base(testPractice)+"/Observation?"+url.Values{
		"patient": {e.pt.ID()}, "category": {"laboratory"}}.Encode(), tok)
	logs := e.logs.String()
	secrets := map[string]string{
		"access token": tok, "id_token": m["id_token"].(string)[:40], "code": code,
		"state": a.params.Get("state"), "nonce": a.params.Get("nonce"), "verifier": a.verifier,
		"challenge": a.params.Get("code_challenge"), "password": testPassword,
		"query": "category=laboratory", "resource content": obs.body[:60],
	}
	for what, v := range secrets {
		if strings.Contains(logs, v) {
			t.Errorf("logs contain the %s", what)
		}
	}
	if !strings.Contains(logs, "path="+pathToken) || !strings.Contains(logs, "status=200") {
		t.Fatalf("logs lack method/path/status lines:\n%s", logs)
	}
}

func TestRequestsAndServed(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.accessToken(testPractice)
	e.get(e.base(testPractice)+"/Patient/"+e.pt.ID(), tok)
	got := e.s.Requests()
	want := map[string]int{KindAuthorize: 1, KindLogin: 1, KindConsent: 1, KindToken: 1, KindRead: 1}
	for kind, n := range want {
		if got[kind] != n {
			t.Errorf("Requests()[%s] = %d, want %d (all: %v)", kind, got[kind], n, got)
		}
	}
	if !reflect.DeepEqual(e.s.Served(testPractice, e.pt.ID()), e.pt.Served()) {
		t.Error("Served differs from fhirdata's")
	}
	if e.s.Served(otherPractice, e.pt.ID()) != nil {
		t.Error("Served answers for a patient of another practice")
	}
}

func TestRegistrationErrors(t *testing.T) {
	e := newEnv(t, Options{})
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"duplicate practice", e.s.AddPractice(testPractice, "x", "", ""), ErrDuplicate},
		{"unknown practice", e.s.AddPatient("NOSUCH", e.pt, "a", "b"), ErrUnknownPractice},
		{"duplicate login", e.s.AddPatient(testPractice, e.other, testLogin, "b"), ErrDuplicate},
		{"http redirect", e.s.RegisterClient("c", "http://app.example.org/cb", nil), ErrRedirectURI},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Fatalf("err = %v, want %v", tc.err, tc.want)
			}
		})
	}
}

func TestSecretsRedactThemselves(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, nil))
	secrets := []string{"pw-secret", "state-secret", "nonce-secret", "challenge-secret"}
	log.Info("values",
		"account", Account{PracticeCode: "P", Login: "l", Password: secrets[0]},
		"session", session{practice: "P", state: secrets[1], nonce: secrets[2], challenge: secrets[3]},
		"token", accessToken{practice: "P", patientID: "pt", scopes: []string{"openid"}})
	for _, s := range secrets {
		if strings.Contains(buf.String(), s) {
			t.Errorf("log shows %q: %s", s, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "account.practice=P") {
		t.Fatalf("LogValue not used: %s", buf.String())
	}
}
