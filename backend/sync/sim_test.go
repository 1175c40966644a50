package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"
	"chartkeep/backend/store"
)

// simPractice is the practice code the simulator tests use.
const simPractice = "SIMPR1"

// simEnv is a started simulator holding one patient, with a recording
// HTTP client for it.
type simEnv struct {
	sim *simulator.Server
	pt  *fhirdata.Patient
	rec *requestLog
}

func newSimEnv(t testing.TB, pt *fhirdata.Patient, opts simulator.Options) *simEnv {
	t.Helper()
	if opts.RateLimit == 0 {
		opts.RateLimit = -1
	}
	opts.Logger = quiet
	sim, err := simulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.AddPractice(simPractice, "Sim Practice", "Salem", "MA"); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddPatient(simPractice, pt, "login", "password"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, pt: pt, rec: &requestLog{}}
}

// token mints a fresh token for the patient.
func (e *simEnv) token(t testing.TB) string {
	t.Helper()
	tok, err := e.sim.IssueToken(simPractice, e.pt.ID(), nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// syncer returns a Syncer for the patient writing into st, whose requests
// e.rec records.
func (e *simEnv) syncer(t testing.TB, st *store.Store, token string) *Syncer {
	t.Helper()
	return e.syncerWith(t, st, token, nil)
}

// syncerWith is syncer with a rate limiter.
func (e *simEnv) syncerWith(t testing.TB, st *store.Store, token string,
	lim fhirclient.Limiter) *Syncer {
	t.Helper()
	hc := e.sim.Client()
	tr := hc.Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 32
	hc.Transport = e.rec.wrap(t, tr, e.sim.URL())
	c := fhirclient.New(e.sim.Base(simPractice), hc, func() string { return token }, lim)
	c.Log = quiet
	return &Syncer{FHIR: c, Store: st, ConnectionID: "conn1", PatientID: e.pt.ID(), Log: quiet,
		Attachments: true}
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "sync.db"), store.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// requestLog records every request URL and fails the test on any request
// that leaves the simulator's origin: the token must go nowhere else.
type requestLog struct {
	mu   gosync.Mutex
	urls []*url.URL
}

type recordingTransport struct {
	log    *requestLog
	next   http.RoundTripper
	origin string
	t      testing.TB
}

func (l *requestLog) wrap(t testing.TB, next http.RoundTripper, origin string) http.RoundTripper {
	return &recordingTransport{log: l, next: next, origin: origin, t: t}
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if got := req.URL.Scheme + "://" + req.URL.Host; got != r.origin {
		r.t.Errorf("request to %s, want only %s", got, r.origin)
		return nil, fmt.Errorf("test: request off the simulator")
	}
	r.log.mu.Lock()
	u := *req.URL
	r.log.urls = append(r.log.urls, &u)
	r.log.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (l *requestLog) take() []*url.URL {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.urls
	l.urls = nil
	return out
}

// syntheaPatient loads a Synthea bundle from the shared data by file name
// prefix. Where ../shared is absent (and CHARTKEEP_REQUIRE_SHARED, which CI
// sets, is not), a generated patient of about the largest one's size stands
// in, so a clone on its own still runs these tests.
func syntheaPatient(t testing.TB, prefix string) *fhirdata.Patient {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedDir(), "fhir-data", "synthea", prefix+"*.json"))
	if len(files) == 0 && os.Getenv("CHARTKEEP_REQUIRE_SHARED") != "1" {
		return fhirdata.LargePatient(int64(len(prefix)), 1800)
	}
	if len(files) != 1 {
		t.Fatalf("want one Synthea bundle %s* under %s (set CHARTKEEP_SHARED), found %d",
			prefix, sharedDir(), len(files))
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := fhirdata.LoadTransactionBundle(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// largestSynthea is the Synthea patient with the most served records
// (1,769, and the longest Observation search).
const largestSynthea = "Robby_Jacobi"

// row is what two databases must agree on for one resource.
type row struct {
	raw                           string
	removed                       bool
	date, display, status, value  string
	unit, code, category, sortKey string
	refRange                      string
}

// dump reads a connection's whole database content for comparison:
// resources (removed ones too) and attachments.
func dump(t testing.TB, st *store.Store, connID string) (map[string]row, map[string]string) {
	t.Helper()
	ctx := context.Background()
	rows := map[string]row{}
	err := st.EachResource(ctx, connID, func(r *store.Resource) error {
		sk := ""
		if r.SortTime != nil {
			sk = r.SortTime.UTC().Format(time.RFC3339)
		}
		rows[r.Type+"/"+r.ID] = row{string(r.Raw), r.Removed, r.Date, r.Display, r.Status,
			r.Value, r.Unit, r.Code, r.Category, sk, r.RefRange}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	atts := map[string]string{}
	all, err := st.AllAttachments(ctx, connID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		full, err := st.GetAttachment(ctx, connID, a.ResourceType, a.ResourceID, a.Index)
		if err != nil {
			t.Fatal(err)
		}
		atts[fmt.Sprintf("%s/%s#%d", a.ResourceType, a.ResourceID, a.Index)] =
			full.ContentType + "|" + full.Message + "|" + string(full.Bytes)
	}
	return rows, atts
}

// sameDB fails unless two databases hold the same resources and
// attachments.
func sameDB(t testing.TB, label string, got, want *store.Store) {
	t.Helper()
	gr, ga := dump(t, got, "conn1")
	wr, wa := dump(t, want, "conn1")
	if len(gr) == 0 {
		t.Fatalf("%s: database is empty", label)
	}
	for k, w := range wr {
		if g, ok := gr[k]; !ok {
			t.Errorf("%s: %s missing", label, k)
		} else if g != w {
			t.Errorf("%s: %s differs: removed %v/%v, raw equal %v", label, k, g.removed,
				w.removed, g.raw == w.raw)
		}
	}
	for k := range gr {
		if _, ok := wr[k]; !ok {
			t.Errorf("%s: %s is extra", label, k)
		}
	}
	if !maps.Equal(ga, wa) {
		t.Errorf("%s: attachments differ: %d vs %d", label, len(ga), len(wa))
	}
}

// checkServed fails unless the store holds, not removed, exactly what the
// simulator serves, byte for byte.
func checkServed(t *testing.T, e *simEnv, st *store.Store) {
	t.Helper()
	ids, err := st.ListIDs(context.Background(), "conn1")
	if err != nil {
		t.Fatal(err)
	}
	served := e.sim.Served(simPractice, e.pt.ID())
	for typ, want := range served {
		if got := ids[typ]; !slices.Equal(got, want) {
			t.Errorf("%s: stored %d ids, served %d", typ, len(got), len(want))
		}
		for _, id := range want {
			r, err := st.GetResource(context.Background(), "conn1", typ, id)
			raw, _ := e.pt.Read(typ, id)
			if err != nil || !bytes.Equal(r.Raw, raw) {
				t.Errorf("%s/%s: raw differs from what was served (%v)", typ, id, err)
			}
		}
	}
	for typ := range ids {
		if _, ok := served[typ]; !ok {
			t.Errorf("stored %s, which is not served", typ)
		}
	}
}

// searchStarts returns the first-page search URLs of a request log by
// search key, and the paging requests.
func searchStarts(urls []*url.URL) (starts map[string]int, pages int) {
	starts = map[string]int{}
	for _, u := range urls {
		q := u.Query()
		rest := u.Path[strings.LastIndex(u.Path, "/"+simPractice)+len(simPractice)+1:]
		switch {
		case q.Has("_getpages"):
			pages++
		case rest != "" && !strings.Contains(strings.TrimPrefix(rest, "/"), "/"):
			starts[Search{Type: strings.TrimPrefix(rest, "/"), Query: q}.Key()]++
		}
	}
	return starts, pages
}

func decodeJSON(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}
