package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeep/backend/vault"
)

// recorder collects what the app sends to the window and the browser.
type recorder struct {
	mu       sync.Mutex
	urls     []string
	status   []LoginStatus
	progress []SyncProgress
	raised   int // times the window was brought to the front
	// onProgress, when set, sees each sync:progress event.
	onProgress func(SyncProgress)
}

func (r *recorder) emit(name string, data any) {
	r.mu.Lock()
	var hook func(SyncProgress)
	switch d := data.(type) {
	case LoginStatus:
		r.status = append(r.status, d)
	case SyncProgress:
		r.progress = append(r.progress, d)
		hook = r.onProgress
	}
	r.mu.Unlock()
	if p, ok := data.(SyncProgress); ok && hook != nil {
		hook(p)
	}
}

func (r *recorder) raise() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.raised++
}

func (r *recorder) raisedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.raised
}

// doneMessages are the messages of the sync:progress events that end a
// connection's sync.
func (r *recorder) doneMessages(connID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, p := range r.progress {
		if p.ConnectionID == connID && p.Done && p.Type == "" {
			out = append(out, p.Message)
		}
	}
	return out
}

func (r *recorder) open(u string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.urls = append(r.urls, u)
}

func (r *recorder) last(attempt string) LoginStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out LoginStatus
	for _, s := range r.status {
		if s.AttemptID == attempt {
			out = s
		}
	}
	return out
}

func startDemoHost(t *testing.T, logs io.Writer) (*Host, *recorder, *vault.Memory) {
	t.Helper()
	mem := vault.NewMemory(2560)
	rec := &recorder{}
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	// LogToFile also makes the app's logger the default one, so the logs of
	// every backend package reach logs and the log file.
	h := NewHost(Options{Demo: true, DataDir: t.TempDir(), Vault: mem.Keychain("test", time.Second),
		Emit: rec.emit, OpenURL: rec.open, LogToFile: true,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err := h.Start(context.Background()); err != nil {
		t.Fatalf("start demo: %v", err)
	}
	t.Cleanup(h.Close)
	return h, rec, mem
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	sessionVal = regexp.MustCompile(`name="session" value="([^"]+)"`)
)

// browserLogin plays the system browser on the simulator's plain pages:
// the login form, then the consent page, then the redirect to the
// callback. It returns the callback page.
func browserLogin(t *testing.T, authURL, user, pass, decision string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	page := get(t, c, authURL)
	for _, form := range []url.Values{
		{"username": {user}, "password": {pass}},
		{"decision": {decision}},
	} {
		action, session := match(t, formAction, page), match(t, sessionVal, page)
		form.Set("session", session)
		next, err := url.Parse(authURL)
		if err != nil {
			t.Fatal(err)
		}
		next = next.ResolveReference(&url.URL{Path: action})
		resp, err := c.PostForm(next.String(), form)
		if err != nil {
			t.Fatalf("post %s: %v", action, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page = string(b)
	}
	return page
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func match(t *testing.T, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in page: %.400s", re, page)
	}
	return html.UnescapeString(m[1])
}

func TestDemoFlow(t *testing.T) {
	var logs bytes.Buffer
	h, rec, mem := startDemoHost(t, &syncWriter{w: &logs})
	a := h.App()

	s, _ := a.GetSettings()
	if !s.Demo || s.ClientID != demoClientID {
		t.Fatalf("demo settings = %+v", s)
	}
	found, err := a.SearchPractices("demo family", false)
	if err != nil || len(found) == 0 || found[0].Code != demoPractice {
		t.Fatalf("SearchPractices = %+v, %v", found, err)
	}
	start, err := a.Connect(demoPractice)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if len(rec.urls) != 1 || rec.urls[0] != start.AuthURL {
		t.Fatalf("browser opened %v, want %s", rec.urls, start.AuthURL)
	}
	page := browserLogin(t, start.AuthURL, demoLogin, demoPassword, "allow")
	if !strings.Contains(page, "You are connected") {
		t.Fatalf("callback page: %.500s", page)
	}
	st := rec.last(start.AttemptID)
	if st.State != "connected" || st.ConnectionID == "" {
		t.Fatalf("last login status = %+v", st)
	}
	if !h.WaitSync(st.ConnectionID, 2*time.Minute) {
		t.Fatal("sync did not finish")
	}

	checkRecords(t, a, st.ConnectionID)
	token := tokenFromVault(t, mem, st.ConnectionID)
	p, _ := a.GetPatient(st.ConnectionID)
	names := strings.Fields(p.Name)
	logFile, err := os.ReadFile(filepath.Join(h.app.dataDir, "logs", "chartkeep.log"))
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"log output": logs.String(),
		"log file": string(logFile)} {
		if !strings.Contains(text, "login completed") {
			t.Errorf("%s lacks the login line, so the check below proves nothing", what)
		}
		if strings.Contains(text, token) {
			t.Errorf("the access token is in the %s", what)
		}
		for _, n := range names {
			if strings.Contains(text, n) {
				t.Errorf("the patient's name %q is in the %s", n, what)
			}
		}
	}

	// A second callback with the same state does nothing harmful.
	again := browserLoginReplay(t, rec.urls[0])
	if !strings.Contains(again, "already") && !strings.Contains(again, "expired") {
		t.Errorf("replayed login page: %.300s", again)
	}
}

func checkRecords(t *testing.T, a *App, connID string) {
	t.Helper()
	p, err := a.GetPatient(connID)
	if err != nil || p.Name == "" || p.BirthDate == "" {
		t.Fatalf("GetPatient = %+v, %v", p, err)
	}
	groups, err := a.ListGroups(connID)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for _, g := range groups {
		keys[g.Key] = g.Count
	}
	for _, want := range []string{"labs", "vitals", "medications", "conditions", "allergies",
		"immunizations", "visits", "documents"} {
		if keys[want] == 0 {
			t.Errorf("group %s is empty; groups = %+v", want, groups)
		}
	}
	recs, err := a.ListRecords(connID, "labs")
	if err != nil || len(recs) == 0 {
		t.Fatalf("ListRecords(labs) = %d, %v", len(recs), err)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i-1].Date == "" && recs[i].Date != "" {
			t.Errorf("undated record listed before a dated one at %d", i)
		}
	}
	d, err := a.GetRecord(connID, recs[0].Type, recs[0].ID)
	if err != nil || d.Title == "" || d.RawJSON == "" {
		t.Errorf("GetRecord = %+v, %v", d, err)
	}
}

func tokenFromVault(t *testing.T, mem *vault.Memory, connID string) string {
	t.Helper()
	v, err := mem.Keychain("test", time.Second).Get(context.Background(), tokenKey(connID))
	if err != nil {
		t.Fatalf("no token in the keychain: %v", err)
	}
	i := strings.Index(v, `"access_token":"`)
	if i < 0 {
		t.Fatal("token entry has no access_token")
	}
	rest := v[i+len(`"access_token":"`):]
	return rest[:strings.Index(rest, `"`)]
}

// browserLoginReplay opens the same authorize URL again and completes it:
// its state was used, so the app must refuse it.
func browserLoginReplay(t *testing.T, authURL string) string {
	return browserLogin(t, authURL, demoLogin, demoPassword, "allow")
}

func TestDeniedConsentIsExplained(t *testing.T) {
	h, rec, _ := startDemoHost(t, io.Discard)
	start, err := h.App().Connect(demoPractice)
	if err != nil {
		t.Fatal(err)
	}
	page := browserLogin(t, start.AuthURL, demoLogin, demoPassword, "deny")
	st := rec.last(start.AttemptID)
	if st.State != "failed" || !strings.Contains(st.Message, "did not allow") {
		t.Errorf("status after deny = %+v", st)
	}
	if !strings.Contains(page, "did not allow") {
		t.Errorf("callback page after deny: %.300s", page)
	}
}

func TestConnectUnknownPractice(t *testing.T) {
	h, _, _ := startDemoHost(t, io.Discard)
	_, err := h.App().Connect("NOPE")
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeNotFound {
		t.Errorf("Connect(NOPE) = %v, want %s", err, CodeNotFound)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// String is what was written so far, when the writer is a Stringer.
func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.w.(fmt.Stringer); ok {
		return st.String()
	}
	return ""
}

// The demo's records are made up, so a demo database whose key is gone
// (a reset keychain) is started afresh instead of blocking the demo; a real
// database in the same state is left untouched (see databaseKey).
func TestDemoDatabaseWithoutKeyStartsAfresh(t *testing.T) {
	dir := t.TempDir()
	mem := vault.NewMemory(2560)
	start := func(v vault.Vault, demo bool) error {
		h := NewHost(Options{Demo: demo, DataDir: dir, Vault: v, Emit: func(string, any) {},
			OpenURL: func(string) {}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		defer h.Close()
		return h.Start(context.Background())
	}
	if err := start(mem.Keychain("first", time.Second), true); err != nil {
		t.Fatal(err)
	}
	// Another keychain service: the key is missing, the database is not.
	if err := start(mem.Keychain("second", time.Second), true); err != nil {
		t.Errorf("demo with a lost key: %v", err)
	}
	var e *Error
	if err := start(mem.Keychain("third", time.Second), false); !errors.As(err, &e) ||
		e.Code != CodeKeychain {
		t.Errorf("real database with a lost key: %v, want %s", err, CodeKeychain)
	}
}

// The demo patient's documents are downloaded with the records: the text
// note reads back as text, the history lists the run.
func TestDemoAttachmentsAndHistory(t *testing.T) {
	h, rec, _ := startDemoHost(t, io.Discard)
	a := h.App()
	start, err := a.Connect(demoPractice)
	if err != nil {
		t.Fatal(err)
	}
	browserLogin(t, start.AuthURL, demoLogin, demoPassword, "allow")
	conn := rec.last(start.AttemptID).ConnectionID
	if !h.WaitSync(conn, 2*time.Minute) {
		t.Fatal("sync did not finish")
	}
	docs, err := a.ListRecords(conn, "documents")
	if err != nil || len(docs) == 0 {
		t.Fatalf("documents = %v, %v", docs, err)
	}
	kinds := map[string]bool{}
	for _, d := range docs {
		rd, err := a.GetRecord(conn, d.Type, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range rd.Attachments {
			if !at.Stored {
				t.Errorf("%s attachment %d not stored: %s", d.ID, at.Index, at.Message)
				continue
			}
			kinds[at.ContentType] = true
			text, err := a.GetAttachmentText(conn, d.Type, d.ID, at.Index)
			isText := strings.HasPrefix(at.ContentType, "text/")
			if isText && (err != nil || text == "") {
				t.Errorf("text attachment of %s: %q, %v", d.ID, text, err)
			}
			if !isText && err == nil {
				t.Errorf("%s attachment of %s was handed over as text", at.ContentType, d.ID)
			}
		}
	}
	if !kinds["application/pdf"] {
		t.Errorf("no PDF among the demo's stored attachments: %v", kinds)
	}
	runs, err := a.ListSyncRuns(conn)
	if err != nil || len(runs) == 0 || runs[0].Records == 0 || runs[0].Status == "" {
		t.Errorf("ListSyncRuns = %+v, %v", runs, err)
	}
}
