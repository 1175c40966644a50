package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/vault"
)

// listed is one practice of a test directory.
type listed struct{ code, name, city, state string }

var firstList = []listed{
	{"CASTCD", "Hospital General Castañer INC", "Castañer", "PR"},
	{"CLCACD", "Clínica Castañer", "San Juan", "PR"},
	{"SMJOCD", "Smith & Jones Family Medicine", "Bryan", "TX"},
	{"TFA001", "Test Facility", "Irvine", "CA"},
	{"TFA002", "Test Facility", "Orlando", "FL"},
	{"JAFJCD", "FHIR R4 Prodtest EMR", "Westborough", "MA"},
}

// secondList is firstList a week later, with one practice more.
var secondList = append(append([]listed(nil), firstList...),
	listed{"NEWLCD", "Newly Listed Clinic", "Dayton", "OH"})

// directoryBundle writes a healow directory Bundle (HEALOW.md §2) of ps.
func directoryBundle(ps []listed) []byte {
	var entries []any
	for _, p := range ps {
		entries = append(entries,
			map[string]any{"resource": map[string]any{"resourceType": "Endpoint", "id": p.code,
				"status": "active", "address": "https://fhir4.healow.com/fhir/r4/" + p.code}},
			map[string]any{"resource": map[string]any{"resourceType": "Organization",
				"id": p.code, "name": p.name,
				"address": []any{map[string]string{"city": p.city, "state": p.state}}}})
	}
	b, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection",
		"entry": entries})
	return b
}

// dirServer plays connect4.healow.com's directory endpoint.
type dirServer struct {
	srv  *httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	body   []byte
	status int
	gate   chan struct{} // when set, answers wait until it is closed
}

func newDirServer(t *testing.T, ps []listed) *dirServer {
	d := &dirServer{body: directoryBundle(ps), status: http.StatusOK}
	d.srv = httptest.NewTLSServer(d)
	t.Cleanup(d.srv.Close)
	return d
}

func (d *dirServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.hits.Add(1)
	d.mu.Lock()
	body, status, gate := d.body, d.status, d.gate
	d.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json+fhir;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (d *dirServer) set(ps []listed, status int, gate chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.body, d.status, d.gate = directoryBundle(ps), status, gate
}

func (d *dirServer) url() string {
	return d.srv.URL + "/apps/api/v1/fhir/activated_clinical_endpoints"
}

// testClock is a settable clock for the directory's age.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// statusEvents collects the directory:status events.
type statusEvents struct {
	mu   sync.Mutex
	list []DirectoryInfo
}

func (s *statusEvents) emit(name string, data any) {
	if info, ok := data.(DirectoryInfo); ok && name == eventDirectoryStatus {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.list = append(s.list, info)
	}
}

func (s *statusEvents) all() []DirectoryInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]DirectoryInfo(nil), s.list...)
}

// practiceEnv is what one practice-picker test runs against: a data
// directory and keychain that survive a restart, an HTTP client and a
// clock.
type practiceEnv struct {
	dataDir   string
	mem       *vault.Memory
	client    *http.Client
	clock     *testClock
	dirURL    string
	allowHTTP bool
}

func newPracticeEnv(t *testing.T, client *http.Client, dirURL string) *practiceEnv {
	return &practiceEnv{dataDir: t.TempDir(), mem: vault.NewMemory(2560), client: client,
		clock: &testClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}, dirURL: dirURL}
}

// start runs an App on env; it is closed at the end of the test, after
// its downloads have ended.
func (env *practiceEnv) start(t *testing.T) (*App, *statusEvents) {
	t.Helper()
	ev := &statusEvents{}
	s := Settings{ClientID: "chartkeep-test", PublicURL: "https://chartkeep.example",
		CallbackPort: pickPort(t), DirectoryURL: env.dirURL}
	h := NewHost(Options{DataDir: env.dataDir, Vault: env.mem.Keychain("test", time.Second),
		HTTPClient: env.client, Settings: &s, Emit: ev.emit, OpenURL: func(string) {},
		AllowHTTPLoopback: env.allowHTTP, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h.app.directory.now = env.clock.now
	if err := h.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(h.Close)
	t.Cleanup(func() { waitDownloads(t, h.app) })
	return h.app, ev
}

// pickPort returns a loopback port that was free a moment ago.
func pickPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitDownloads waits until no directory download runs.
func waitDownloads(t *testing.T, a *App) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.directory.mu.Lock()
		running := a.directory.running
		a.directory.mu.Unlock()
		if running == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a directory download is still running")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func practiceCodes(ps []Practice) string {
	c := make([]string, len(ps))
	for i, p := range ps {
		c[i] = p.Code
	}
	return strings.Join(c, " ")
}

func searchCodes(t *testing.T, a *App, q string, includeTest bool) string {
	t.Helper()
	ps, err := a.SearchPractices(q, includeTest)
	if err != nil {
		t.Fatalf("SearchPractices(%q): %v", q, err)
	}
	return practiceCodes(ps)
}

// appCode is the app error code of err, "" when it is not an *Error.
func appCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestDirectoryDownloadedOnceThenSaved(t *testing.T) {
	ds := newDirServer(t, firstList)
	env := newPracticeEnv(t, ds.srv.Client(), ds.url())
	a, _ := env.start(t)

	if got := searchCodes(t, a, "castaner", false); got != "CLCACD CASTCD" {
		t.Errorf("castaner: [%s]", got)
	}
	if got := searchCodes(t, a, "smith", false); got != "SMJOCD" {
		t.Errorf("smith: [%s]", got)
	}
	if n := ds.hits.Load(); n != 1 {
		t.Errorf("directory downloaded %d times, want 1", n)
	}
	env.clock.advance(3*24*time.Hour + time.Hour)
	info, err := a.DirectoryStatus()
	if err != nil {
		t.Fatal(err)
	}
	want := DirectoryInfo{Practices: len(firstList), FetchedAt: "2025-03-01T12:00:00Z",
		AgeText: "updated 3 days ago", Source: ds.url()}
	if info != want {
		t.Errorf("DirectoryStatus = %+v\nwant %+v", info, want)
	}

	// A restart reads the saved list, however slow or absent the network.
	ds.srv.Close()
	b, _ := env.start(t)
	if got := searchCodes(t, b, "castañer", false); got != "CLCACD CASTCD" {
		t.Errorf("after restart, castañer: [%s]", got)
	}
	if info, _ := b.DirectoryStatus(); info.FetchedAt != want.FetchedAt || info.Error != "" {
		t.Errorf("after restart, DirectoryStatus = %+v", info)
	}
}

func TestDirectoryOfflineWithSavedList(t *testing.T) {
	ds := newDirServer(t, firstList)
	env := newPracticeEnv(t, ds.srv.Client(), ds.url())
	a, _ := env.start(t)
	if err := a.RefreshDirectory(); err != nil {
		t.Fatal(err)
	}
	ds.srv.Close() // now unreachable: connection refused

	env.clock.advance(8 * 24 * time.Hour)
	b, _ := env.start(t)
	if got := searchCodes(t, b, "test facility", true); got != "TFA001 TFA002" {
		t.Errorf("offline search: [%s]", got)
	}
	waitDownloads(t, b)
	info, _ := b.DirectoryStatus()
	if info.Practices != len(firstList) || info.AgeText != "updated 8 days ago" ||
		!strings.Contains(info.Error, "could not download") || info.Refreshing {
		t.Errorf("DirectoryStatus offline = %+v", info)
	}
	if got := searchCodes(t, b, "smith jones", false); got != "SMJOCD" {
		t.Errorf("search after the failed refresh: [%s]", got)
	}
	err := b.RefreshDirectory()
	if appCode(err) != CodeNetwork || !strings.Contains(err.Error(), "internet connection") {
		t.Errorf("RefreshDirectory offline = %v (%s), want %s", err, appCode(err), CodeNetwork)
	}
}

func TestDirectoryFirstDownloadFails(t *testing.T) {
	ds := newDirServer(t, firstList)
	ds.set(firstList, http.StatusServiceUnavailable, nil)
	env := newPracticeEnv(t, ds.srv.Client(), ds.url())
	a, _ := env.start(t)
	_, err := a.SearchPractices("castaner", false)
	if appCode(err) != CodeNetwork {
		t.Fatalf("SearchPractices with no list and no network = %v, want %s", err, CodeNetwork)
	}
	info, _ := a.DirectoryStatus()
	if info.Practices != 0 || info.AgeText != "not downloaded yet" || info.Error == "" {
		t.Errorf("DirectoryStatus = %+v", info)
	}
	ds.set(nil, http.StatusOK, nil) // an empty list is an outage too
	if err := a.RefreshDirectory(); appCode(err) != CodeNetwork ||
		!strings.Contains(err.Error(), "did not arrive intact") {
		t.Errorf("RefreshDirectory with an empty list = %v", err)
	}
	ds.set(firstList, http.StatusOK, nil)
	if got := searchCodes(t, a, "castaner", false); got != "CLCACD CASTCD" {
		t.Errorf("after recovery: [%s]", got)
	}
}

func TestDirectoryRefreshedInBackgroundWhenOld(t *testing.T) {
	cases := []struct {
		name    string
		age     time.Duration
		refresh bool
	}{
		{"six days old is kept", 6 * 24 * time.Hour, false},
		{"eight days old is refreshed", 8 * 24 * time.Hour, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds := newDirServer(t, firstList)
			env := newPracticeEnv(t, ds.srv.Client(), ds.url())
			a, ev := env.start(t)
			if got := searchCodes(t, a, "newly", false); got != "" {
				t.Fatalf("newly before the refresh: [%s]", got)
			}
			gate := make(chan struct{})
			ds.set(secondList, http.StatusOK, gate)
			env.clock.advance(tc.age)

			// The search answers from the old list while the download waits.
			done := make(chan string)
			go func() { done <- searchCodes(t, a, "newly", false) }()
			select {
			case got := <-done:
				if got != "" {
					t.Errorf("search during the refresh: [%s]", got)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the search waited for the background download")
			}
			info, _ := a.DirectoryStatus()
			if info.Refreshing != tc.refresh {
				t.Errorf("Refreshing = %v, want %v", info.Refreshing, tc.refresh)
			}
			close(gate)
			waitDownloads(t, a)

			wantHits, wantFound := int32(1), ""
			if tc.refresh {
				wantHits, wantFound = 2, "NEWLCD"
			}
			if n := ds.hits.Load(); n != wantHits {
				t.Errorf("%d downloads, want %d", n, wantHits)
			}
			if got := searchCodes(t, a, "newly", false); got != wantFound {
				t.Errorf("search after the refresh: [%s], want [%s]", got, wantFound)
			}
			info, _ = a.DirectoryStatus()
			if tc.refresh && (info.AgeText != "updated just now" || info.Practices != 7 ||
				info.Refreshing) {
				t.Errorf("DirectoryStatus after the refresh = %+v", info)
			}
			if tc.refresh && len(ev.all()) < 2 {
				t.Errorf("directory:status events = %+v, want the start and the end", ev.all())
			}
		})
	}
}

func TestBackgroundRefreshFailureKeepsListAndWaits(t *testing.T) {
	ds := newDirServer(t, firstList)
	env := newPracticeEnv(t, ds.srv.Client(), ds.url())
	a, _ := env.start(t)
	searchCodes(t, a, "castaner", false)
	ds.set(secondList, http.StatusInternalServerError, nil)
	env.clock.advance(8 * 24 * time.Hour)

	for range 5 {
		if got := searchCodes(t, a, "castaner", false); got != "CLCACD CASTCD" {
			t.Errorf("search with a failing refresh: [%s]", got)
		}
		waitDownloads(t, a)
	}
	if n := ds.hits.Load(); n != 2 {
		t.Errorf("%d downloads for five searches within the hour, want 2", n)
	}
	env.clock.advance(directoryRetry)
	searchCodes(t, a, "castaner", false)
	waitDownloads(t, a)
	if n := ds.hits.Load(); n != 3 {
		t.Errorf("%d downloads an hour later, want 3", n)
	}
}

func TestSearchPracticesIncludeTest(t *testing.T) {
	ds := newDirServer(t, firstList)
	env := newPracticeEnv(t, ds.srv.Client(), ds.url())
	a, _ := env.start(t)
	cases := []struct {
		query       string
		includeTest bool
		want        string
	}{
		{"test facility", false, ""},
		{"test facility", true, "TFA001 TFA002"},
		{"JAFJCD", false, ""},
		{"JAFJCD", true, "JAFJCD"},
		{"castaner", false, "CLCACD CASTCD"},
		{"castaner", true, "CLCACD CASTCD"},
		{"", true, ""},
	}
	for _, tc := range cases {
		if got := searchCodes(t, a, tc.query, tc.includeTest); got != tc.want {
			t.Errorf("SearchPractices(%q, %v) = [%s], want [%s]", tc.query, tc.includeTest,
				got, tc.want)
		}
	}
	ps, _ := a.SearchPractices("test facility", true)
	for _, p := range ps {
		if !p.IsTest || p.Manual || p.City == "" {
			t.Errorf("test tenant shown as %+v", p)
		}
	}
	ps, _ = a.SearchPractices("castaner", false)
	if len(ps) == 0 || ps[0].IsTest || ps[0].City != "San Juan" || ps[0].State != "PR" {
		t.Errorf("real practice shown as %+v", ps)
	}
}

func TestSearchPracticesLimit(t *testing.T) {
	many := make([]listed, 80)
	for i := range many {
		many[i] = listed{code: "FM" + string(rune('A'+i/26)) + string(rune('A'+i%26)),
			name: "Family Medicine", city: "Springfield", state: "IL"}
	}
	ds := newDirServer(t, many)
	env := newPracticeEnv(t, ds.srv.Client(), ds.url())
	a, _ := env.start(t)
	ps, err := a.SearchPractices("family", false)
	if err != nil || len(ps) != searchLimit {
		t.Errorf("SearchPractices = %d practices, %v; want %d", len(ps), err, searchLimit)
	}
}

func TestAgeText(t *testing.T) {
	cases := []struct {
		age  time.Duration
		want string
	}{
		{-time.Hour, "updated just now"},
		{30 * time.Second, "updated just now"},
		{time.Minute, "updated 1 minute ago"},
		{59 * time.Minute, "updated 59 minutes ago"},
		{time.Hour, "updated 1 hour ago"},
		{23 * time.Hour, "updated 23 hours ago"},
		{30 * time.Hour, "updated yesterday"},
		{3*24*time.Hour + 5*time.Hour, "updated 3 days ago"},
		{40 * 24 * time.Hour, "updated 40 days ago"},
	}
	for _, tc := range cases {
		if got := ageText(tc.age); got != tc.want {
			t.Errorf("ageText(%v) = %q, want %q", tc.age, got, tc.want)
		}
	}
}

// probeEnv is a directory server, a simulator whose practices the
// directory does not list, and a client that trusts both.
func probeEnv(t *testing.T) (*practiceEnv, *simulator.Server) {
	t.Helper()
	sim, err := simulator.New(simulator.Options{Addr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	ds := newDirServer(t, firstList)
	env := newPracticeEnv(t, trusting(t, sim.CACertPEM(), ds.srv.Certificate()), ds.url())
	return env, sim
}

// trusting is a client that trusts the CA in caPEM and the certificates.
func trusting(t *testing.T, caPEM []byte, certs ...*x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("simulator CA not parsed")
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestProbePracticeAddsAndRemembers(t *testing.T) {
	env, sim := probeEnv(t)
	a, _ := env.start(t)
	base := sim.Base("AACJCD")

	p, err := a.ProbePractice("  " + base + "/.well-known/smart-configuration  ")
	if err != nil {
		t.Fatalf("ProbePractice: %v", err)
	}
	want := Practice{Code: "AACJCD", Name: "Practice at 127.0.0.1", Base: base, Manual: true}
	if p != want {
		t.Errorf("ProbePractice = %+v\nwant %+v", p, want)
	}
	if again, err := a.ProbePractice(base + "/"); err != nil || again != want {
		t.Errorf("ProbePractice again = %+v, %v", again, err)
	}
	if got, err := a.findPractice(context.Background(), "AACJCD"); err != nil || got.Base != base {
		t.Errorf("findPractice(AACJCD) = %+v, %v", got, err)
	}

	b, _ := env.start(t) // a restart
	if got, err := b.findPractice(context.Background(), "AACJCD"); err != nil || got.Base != base {
		t.Errorf("after restart, findPractice(AACJCD) = %+v, %v", got, err)
	}
	if got := searchCodes(t, b, "practice at", false); got != "AACJCD" {
		t.Errorf("after restart, search for the manual practice: [%s]", got)
	}
	if ps, _ := b.SearchPractices("AACJCD", false); len(ps) != 1 || !ps[0].Manual {
		t.Errorf("manual practice by code = %+v", ps)
	}
}

func TestProbePracticeCodesStayUnique(t *testing.T) {
	env, sim := probeEnv(t)
	a, _ := env.start(t)
	searchCodes(t, a, "castaner", false) // the directory, which lists CASTCD, is loaded
	if err := sim.AddPractice("CASTCD", "Another Castañer", "Ponce", "PR"); err != nil {
		t.Fatal(err)
	}
	p, err := a.ProbePractice(sim.Base("CASTCD"))
	if err != nil || p.Code != "CASTCD-2" || !p.Manual {
		t.Fatalf("ProbePractice of a base whose code the directory uses = %+v, %v", p, err)
	}
	got, err := a.findPractice(context.Background(), "CASTCD")
	if err != nil || got.Base != "https://fhir4.healow.com/fhir/r4/CASTCD" {
		t.Errorf("findPractice(CASTCD) = %+v, %v; want the directory's", got, err)
	}
}

func TestProbePracticeListedBase(t *testing.T) {
	env, _ := probeEnv(t)
	a, _ := env.start(t)
	searchCodes(t, a, "smith", false)
	// The directory lists it: no request is made, and nothing is added.
	p, err := a.ProbePractice("fhir4.healow.com/fhir/r4/SMJOCD/")
	if err != nil || p.Code != "SMJOCD" || p.Manual || p.City != "Bryan" {
		t.Errorf("ProbePractice of a listed base = %+v, %v", p, err)
	}
}

func TestProbePracticeFailures(t *testing.T) {
	env, sim := probeEnv(t)
	notFound := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	html := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>Welcome to our patient portal</html>")
	}))
	t.Cleanup(html.Close)
	// Another simulator has a CA of its own, which the client does not
	// trust (httptest's servers all share one certificate).
	_, untrusted := probeEnv(t)
	env.client = trusting(t, sim.CACertPEM(), notFound.Certificate(), html.Certificate())
	a, _ := env.start(t)
	closed := "https://127.0.0.1:" + strconv.Itoa(pickPort(t)) + "/fhir/r4/GONE01"

	ask := "Please enable healow FHIR API access for patients (Patient Access API)"
	cases := []struct {
		name, input, code, says string
	}{
		{"empty", "  ", CodeInvalidInput, "Enter the practice’s FHIR address"},
		{"not an address", "my doctor's office", CodeInvalidInput, "not an address"},
		{"plain http", "http://fhir4.healow.com/fhir/r4/ABCDEF", CodeInvalidInput, "https://"},
		{"http on loopback outside the demo", strings.Replace(sim.Base("AACJCD"), "https:",
			"http:", 1), CodeInvalidInput, "https://"},
		{"other scheme", "ftp://fhir.example.org/r4", CodeInvalidInput, "not an address"},
		{"query", "https://fhir.example.org/r4?x=1", CodeInvalidInput, "not an address"},
		{"user info", "https://me:pw@fhir.example.org/r4", CodeInvalidInput, "not an address"},
		{"unreachable", closed, CodeNetwork, "could not reach 127.0.0.1"},
		{"untrusted certificate", untrusted.Base("AACJCD"), CodeNetwork, "certificate"},
		{"answers 404", notFound.URL + "/fhir/r4/ABCDEF", CodePracticeNotEnabled, ask},
		{"answers a web page", html.URL + "/fhir/r4/ABCDEF", CodePracticeNotEnabled, ask},
		{"unknown practice", sim.Base("NOSUCH"), CodePracticeNotEnabled, ask},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := a.ProbePractice(tc.input)
			if appCode(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("ProbePractice(%q) = %+v, %v (%s); want %s saying %q",
					tc.input, p, err, appCode(err), tc.code, tc.says)
			}
			if strings.Contains(err.Error(), "smart:") || strings.Contains(err.Error(), "dial") {
				t.Errorf("message leaks Go error text: %q", err.Error())
			}
		})
	}
	if ps, err := a.store.ListManualPractices(context.Background()); err != nil || len(ps) != 0 {
		t.Errorf("failed probes saved %+v, %v", ps, err)
	}
}

func TestParseManualBase(t *testing.T) {
	cases := []struct {
		name, in  string
		allowHTTP bool
		want      string // "" means refused
	}{
		{"healow base", "https://fhir4.healow.com/fhir/r4/ABCDEF", false,
			"https://fhir4.healow.com/fhir/r4/ABCDEF"},
		{"no scheme", "fhir4.healow.com/fhir/r4/ABCDEF", false,
			"https://fhir4.healow.com/fhir/r4/ABCDEF"},
		{"trailing slashes", "https://fhir4.healow.com/fhir/r4/ABCDEF//", false,
			"https://fhir4.healow.com/fhir/r4/ABCDEF"},
		{"metadata pasted", "https://fhir4.healow.com/fhir/r4/ABCDEF/metadata", false,
			"https://fhir4.healow.com/fhir/r4/ABCDEF"},
		{"host upper case, code kept", "https://FHIR4.Healow.com/fhir/r4/AbCd", false,
			"https://fhir4.healow.com/fhir/r4/AbCd"},
		{"http loopback in the demo", "http://127.0.0.1:8080/fhir/r4/DEMO01", true,
			"http://127.0.0.1:8080/fhir/r4/DEMO01"},
		{"http elsewhere in the demo", "http://fhir.example.org/r4", true, ""},
		{"http loopback outside the demo", "http://127.0.0.1:8080/fhir/r4/DEMO01", false, ""},
		{"fragment", "https://fhir.example.org/r4#top", false, ""},
		{"empty query", "https://fhir.example.org/r4?", false, ""},
		{"space in host", "https://fhir example.org/r4", false, ""},
		{"no host", "https:///r4", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := parseManualBase(tc.in, tc.allowHTTP)
			if (tc.want == "") != (err != nil) || got != tc.want {
				t.Errorf("parseManualBase(%q, %v) = %q, %v; want %q", tc.in, tc.allowHTTP,
					got, err, tc.want)
			}
		})
	}
}

func TestManualCode(t *testing.T) {
	for in, want := range map[string]string{
		"https://fhir4.healow.com/fhir/r4/ABCDEF": "ABCDEF",
		"https://fhir.example.org":                "fhir.example.org",
		"https://fhir.example.org/r4":             "r4",
	} {
		_, u, err := parseManualBase(in, false)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := manualCode(u); got != want {
			t.Errorf("manualCode(%s) = %q, want %q", in, got, want)
		}
	}
}
