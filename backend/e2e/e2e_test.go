//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeep/app"
	"chartkeep/backend/present"
	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"
	"chartkeep/backend/store"
	"chartkeep/backend/vault"
)

const (
	clientID = "chartkeep-e2e"
	demoCode = "DEMO01"
	synCode  = "SYNTHEA"
)

// patientCase is one patient the run logs in as.
type patientCase struct {
	source   string // "demo" or the Synthea file name
	practice string
	login    string
	password string
	id       string
	name     string
}

// events records what the app sent to the window.
type events struct {
	mu    sync.Mutex
	login []app.LoginStatus
	urls  []string
}

func (e *events) emit(name string, data any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := data.(app.LoginStatus); ok && name == "login:status" {
		e.login = append(e.login, s)
	}
}

func (e *events) open(u string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.urls = append(e.urls, u)
}

func (e *events) connected(attempt string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.login {
		if s.AttemptID == attempt && s.State == "connected" {
			return s.ConnectionID, true
		}
	}
	return "", false
}

func (e *events) failures() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, s := range e.login {
		if s.State == "failed" {
			out = append(out, s.Message)
		}
	}
	return out
}

func TestEndToEnd(t *testing.T) {
	artifacts := artifactsDir(t)
	dataDir := t.TempDir()
	kc := vault.NewKeyring("Chartkeep", 15*time.Second)
	requireKeychain(t, kc)

	sim, cases := startSimulator(t)
	tunnel := startTunnel(t)
	var logs lockedBuffer
	ev := &events{}
	host := startApp(t, dataDir, kc, sim, tunnel, &logs, ev)

	br := newBrowser(t)
	defer br.cancel()

	summary := runSummary{Started: time.Now().UTC().Format(time.RFC3339)}
	conns := map[string]string{}
	for _, pc := range cases {
		connID := connect(t, host, br, ev, pc)
		conns[pc.source] = connID
		if !host.WaitSync(connID, 10*time.Minute) {
			t.Fatalf("%s: sync did not finish in 10 minutes", pc.source)
		}
		checkBoundQueries(t, host.App(), connID, pc, sim)
	}
	tokens := tokensOf(t, kc, conns)
	host.Close()

	for _, pc := range cases {
		summary.Patients = append(summary.Patients,
			compareStored(t, dataDir, kc, conns[pc.source], pc, sim))
	}
	checkNoLeaks(t, dataDir, logs.String(), tokens, cases)
	writeJSON(t, filepath.Join(artifacts, "summary.json"), summary)

	shootWindows(t, artifacts, dataDir, kc, sim, conns["demo"])
	t.Logf("artifacts in %s", artifacts)
}

func requireKeychain(t *testing.T, kc vault.Vault) {
	t.Helper()
	ctx := context.Background()
	if err := kc.Set(ctx, "e2e-probe", "ok"); err != nil {
		t.Fatalf("the real keychain is not usable (run this under scripts/with-keyring.sh): %v", err)
	}
	if v, err := kc.Get(ctx, "e2e-probe"); err != nil || v != "ok" {
		t.Fatalf("keychain read back %q, %v", v, err)
	}
	_ = kc.Delete(ctx, "e2e-probe")
}

// startSimulator runs the simulator over HTTPS with the demo patient and
// every Synthea patient of ../shared, when that folder exists.
func startSimulator(t *testing.T) (*simulator.Server, []patientCase) {
	t.Helper()
	sim, err := simulator.New(simulator.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	must(t, sim.AddPractice(demoCode, "Chartkeep Demo Family Practice", "Springfield", "IL"))
	demo := fhirdata.DemoPatient(1)
	must(t, sim.AddPatient(demoCode, demo, "demo", "demo-pass"))
	cases := []patientCase{{source: "demo", practice: demoCode, login: "demo",
		password: "demo-pass", id: demo.ID(), name: demo.Name()}}

	files, _ := filepath.Glob(filepath.Join(sharedDir(), "fhir-data", "synthea", "*.json"))
	if len(files) > 0 {
		must(t, sim.AddPractice(synCode, "Synthea Community Health", "Boston", "MA"))
	}
	for i, f := range files {
		p := loadBundle(t, f)
		login := fmt.Sprintf("synthea%d", i+1)
		must(t, sim.AddPatient(synCode, p, login, "pass-"+login))
		cases = append(cases, patientCase{source: filepath.Base(f), practice: synCode,
			login: login, password: "pass-" + login, id: p.ID(), name: p.Name()})
	}
	if os.Getenv("CHARTKEEP_REQUIRE_SHARED") == "1" && len(files) == 0 {
		t.Fatalf("no Synthea patients in %s and CHARTKEEP_REQUIRE_SHARED=1", sharedDir())
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	t.Logf("simulator at %s with %d patients", sim.URL(), len(cases))
	return sim, cases
}

func loadBundle(t *testing.T, path string) *fhirdata.Patient {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := fhirdata.LoadTransactionBundle(f)
	if err != nil {
		t.Fatalf("load %s: %v", filepath.Base(path), err)
	}
	return p
}

// tunnel stands in for ngrok or cloudflared: a public https address that
// forwards to the app's loopback callback listener. Its target is set once
// the app has bound its port.
type tunnel struct {
	srv    *httptest.Server
	mu     sync.Mutex
	target *url.URL
}

func startTunnel(t *testing.T) *tunnel {
	tu := &tunnel{}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		tu.mu.Lock()
		target := tu.target
		tu.mu.Unlock()
		r.SetURL(target)
		r.Out.Host = target.Host
	}}
	tu.srv = httptest.NewTLSServer(proxy)
	t.Cleanup(tu.srv.Close)
	return tu
}

func (tu *tunnel) pointAt(addr string) {
	tu.mu.Lock()
	defer tu.mu.Unlock()
	tu.target = &url.URL{Scheme: "http", Host: addr}
}

func startApp(t *testing.T, dataDir string, kc vault.Vault, sim *simulator.Server, tu *tunnel,
	logs *lockedBuffer, ev *events) *app.Host {
	t.Helper()
	port := freePort(t)
	settings := app.Settings{ClientID: clientID, PublicURL: tu.srv.URL, CallbackPort: port,
		DirectoryURL: sim.URL() + "/apps/api/v1/fhir/activated_clinical_endpoints"}
	must(t, sim.RegisterClient(clientID, settings.RedirectURI(), simulator.ScopesSupported()))
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The setup check pings the public URL through the tunnel before the
	// first login, so the app's client trusts the tunnel as well.
	hc := trustingClient(t, sim.CACertPEM(), tu.srv.Certificate())
	host := app.NewHost(app.Options{DataDir: dataDir, Vault: kc, HTTPClient: hc,
		Settings: &settings, OpenURL: ev.open, Emit: ev.emit, Logger: logger, LogToFile: true})
	if err := host.Start(context.Background()); err != nil {
		t.Fatalf("start app: %v", err)
	}
	tu.pointAt(host.CallbackAddr())
	return host
}

// connect does what the patient does: picks the practice, clicks Connect,
// logs in and approves in the browser.
func connect(t *testing.T, host *app.Host, br *browser, ev *events, pc patientCase) string {
	t.Helper()
	a := host.App()
	found, err := a.SearchPractices(practiceName(pc.practice), false)
	if err != nil || len(found) == 0 {
		t.Fatalf("%s: practice search: %v (%d found)", pc.source, err, len(found))
	}
	start, err := a.Connect(found[0].Code)
	if err != nil {
		t.Fatalf("%s: connect: %v", pc.source, err)
	}
	if !strings.Contains(start.AuthURL, "code_challenge_method=S256") {
		t.Fatalf("%s: authorize URL has no PKCE S256", pc.source)
	}
	page, err := br.login(start.AuthURL, pc.login, pc.password)
	if err != nil {
		t.Fatalf("%s: %v; login failures: %v", pc.source, err, ev.failures())
	}
	if !strings.Contains(page, "connected") {
		t.Fatalf("%s: callback page does not say connected: %.300q", pc.source, page)
	}
	connID, ok := ev.connected(start.AttemptID)
	if !ok {
		t.Fatalf("%s: no login:status connected event; failures: %v", pc.source, ev.failures())
	}
	return connID
}

func practiceName(code string) string {
	if code == demoCode {
		return "demo family"
	}
	return "synthea community"
}

// checkBoundQueries checks that what the window asks for returns every
// served record of the groups it shows, and the patient's banner.
func checkBoundQueries(t *testing.T, a *app.App, connID string, pc patientCase,
	sim *simulator.Server) {
	t.Helper()
	p, err := a.GetPatient(connID)
	if err != nil || p.Name == "" {
		t.Errorf("%s: GetPatient = %+v, %v", pc.source, p, err)
	}
	groups, err := a.ListGroups(connID)
	if err != nil {
		t.Fatalf("%s: ListGroups: %v", pc.source, err)
	}
	listed := map[string]map[string]bool{}
	for _, g := range groups {
		recs, err := a.ListRecords(connID, g.Key)
		if err != nil {
			t.Fatalf("%s: ListRecords(%s): %v", pc.source, g.Key, err)
		}
		if len(recs) != g.Count {
			t.Errorf("%s: group %s counts %d but lists %d", pc.source, g.Key, g.Count, len(recs))
		}
		for _, r := range recs {
			if listed[r.Type] == nil {
				listed[r.Type] = map[string]bool{}
			}
			listed[r.Type][r.ID] = true
		}
		if len(recs) > 0 {
			if _, err := a.GetRecord(connID, recs[0].Type, recs[0].ID); err != nil {
				t.Errorf("%s: GetRecord(%s/%s): %v", pc.source, recs[0].Type, recs[0].ID, err)
			}
		}
	}
	for typ, ids := range sim.Served(pc.practice, pc.id) {
		if !present.Listed(typ) {
			continue // not listed on its own (Patient, Medication)
		}
		for _, id := range ids {
			if !listed[typ][id] {
				t.Errorf("%s: served %s/%s is not listed by the window's queries", pc.source, typ, id)
			}
		}
	}
}

func tokensOf(t *testing.T, kc vault.Vault, conns map[string]string) []string {
	t.Helper()
	var out []string
	for src, id := range conns {
		v, err := kc.Get(context.Background(), "connection/"+id+"/token")
		if err != nil {
			t.Fatalf("%s: keychain has no token for the connection: %v", src, err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal([]byte(v), &tok); err != nil || len(tok.AccessToken) < 16 {
			t.Fatalf("%s: keychain token entry is not a token", src)
		}
		out = append(out, tok.AccessToken)
	}
	return out
}

// typeCounts is one line of summary.json.
type typeCounts struct {
	Served int `json:"served"`
	Stored int `json:"stored"`
}

type patientSummary struct {
	Source   string                `json:"source"`
	Practice string                `json:"practice"`
	Patient  string                `json:"patientId"`
	Types    map[string]typeCounts `json:"types"`
	Equal    bool                  `json:"servedEqualsStored"`
}

type runSummary struct {
	Started  string           `json:"started"`
	Patients []patientSummary `json:"patients"`
}

// compareStored opens the database file on its own, with the key from the
// keychain, and checks it holds exactly what the simulator served.
func compareStored(t *testing.T, dataDir string, kc vault.Vault, connID string, pc patientCase,
	sim *simulator.Server) patientSummary {
	t.Helper()
	st := openStore(t, dataDir, kc)
	defer st.Close()
	ctx := context.Background()
	served := sim.Served(pc.practice, pc.id)
	stored, err := st.ListIDs(ctx, connID)
	if err != nil {
		t.Fatal(err)
	}
	sum := patientSummary{Source: pc.source, Practice: pc.practice, Patient: pc.id,
		Types: map[string]typeCounts{}, Equal: true}
	for _, typ := range unionKeys(served, stored) {
		want, got := sortedCopy(served[typ]), sortedCopy(stored[typ])
		sum.Types[typ] = typeCounts{Served: len(want), Stored: len(got)}
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			sum.Equal = false
			t.Errorf("%s: %s served %d, stored %d; missing %v, extra %v", pc.source, typ,
				len(want), len(got), minus(want, got), minus(got, want))
		}
	}
	if len(served) < 3 {
		t.Errorf("%s: the simulator served only %d types", pc.source, len(served))
	}
	return sum
}

func openStore(t *testing.T, dataDir string, kc vault.Vault) *store.Store {
	t.Helper()
	hexKey, err := kc.Get(context.Background(), "database-key")
	if err != nil {
		t.Fatalf("keychain has no database key: %v", err)
	}
	key, err := decodeHex(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dataDir, "chartkeep.db"), key)
	if err != nil {
		t.Fatalf("open the app's database with the keychain key: %v", err)
	}
	return st
}

// checkNoLeaks looks for every access token and every patient's name in
// the database files and the logs, where none may appear in clear.
func checkNoLeaks(t *testing.T, dataDir, logs string, tokens []string, cases []patientCase) {
	t.Helper()
	secrets := map[string]string{}
	for i, tok := range tokens {
		secrets[fmt.Sprintf("access token %d", i+1)] = tok
	}
	for _, pc := range cases {
		for _, part := range strings.Fields(pc.name) {
			if len(part) >= 4 {
				secrets[pc.source+" patient name"] = part
			}
		}
	}
	files := map[string][]byte{"captured logs": []byte(logs)}
	_ = filepath.Walk(dataDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			files[p] = b
		}
		return nil
	})
	if len(files) < 3 {
		t.Errorf("expected the database and a log file in %s, found %d files", dataDir, len(files)-1)
	}
	for name, b := range files {
		for what, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains the %s in clear", name, what)
			}
		}
	}
}

func unionKeys(a, b map[string][]string) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("… %d more", len(out)-5))
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
