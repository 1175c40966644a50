package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/store"
)

const (
	practice = "JAFJCD"
	// ecw is the host healow's links point at: plain http, another host
	// (HEALOW.md §3).
	ecw          = "http://fhir4.eclinicalworks.com/fhir/r4/" + practice
	patient      = "p1"
	fakePageSize = 2
)

// fakeHealow is a small healow stand-in: 400 for searches lacking the
// parameters healow needs, absolute http next links on another host, a
// lying Bundle.total, and failures on demand.
type fakeHealow struct {
	mu       gosync.Mutex
	search   map[string][]string // type -> resources, as JSON
	reads    map[string]string   // "Type/id" -> resource
	pages    map[string][]string // _getpages id -> entries of that search
	requests map[string]int      // "Type/id" for reads, "Type" for pages
	// failPage2 names a type whose second page always answers 500.
	failPage2 string
	// unauthorized names a type whose searches answer 401.
	unauthorized string
	srv          *httptest.Server
}

func newFake(t *testing.T) *fakeHealow {
	f := &fakeHealow{
		search:   map[string][]string{},
		reads:    map[string]string{},
		pages:    map[string][]string{},
		requests: map[string]int{},
	}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeHealow) base() string { return f.srv.URL + "/fhir/r4/" + practice }

func (f *fakeHealow) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[key]
}

func fhirJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json+fhir;charset=UTF-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func oo(diag string) string {
	return `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing",` +
		`"diagnostics":"` + diag + `"}]}`
}

func (f *fakeHealow) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rest, ok := strings.CutPrefix(r.URL.Path, "/fhir/r4/"+practice)
	if !ok {
		fhirJSON(w, 404, oo("unknown practice"))
		return
	}
	if r.Header.Get("Authorization") != "Bearer good-token" {
		fhirJSON(w, 401, oo("Token expired"))
		return
	}
	q := r.URL.Query()
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case q.Has("_getpages"):
		f.servePage(w, q.Get("_getpages"), q.Get("_getpagesoffset"))
	case len(parts) == 2:
		f.requests[rest[1:]]++
		if body, ok := f.reads[rest[1:]]; ok {
			fhirJSON(w, 200, body)
			return
		}
		fhirJSON(w, 404, oo("Resource "+parts[0]+" not found"))
	case len(parts) == 1 && parts[0] != "":
		f.serveSearch(w, parts[0], q)
	default:
		fhirJSON(w, 400, oo("bad request"))
	}
}

func (f *fakeHealow) serveSearch(w http.ResponseWriter, typ string, q url.Values) {
	f.requests[typ]++
	need := map[string]string{"Observation": "category", "CarePlan": "category",
		"CareTeam": "status"}[typ]
	switch {
	case typ == f.unauthorized:
		fhirJSON(w, 401, oo("Token expired"))
		return
	case q.Get("patient") != patient:
		fhirJSON(w, 400, oo("patient required"))
		return
	case need != "" && !q.Has(need):
		fhirJSON(w, 400, oo("Does not know how to handle get operation with parameter "+
			"[patient,_count]"))
		return
	}
	var match []string
	for _, res := range f.search[typ] {
		if need == "" || attr(res, need) == q.Get(need) {
			match = append(match, res)
		}
	}
	id := fmt.Sprintf("pg-%s-%d", typ, len(f.pages))
	f.pages[id] = match
	f.servePage(w, id, "0")
}

func (f *fakeHealow) servePage(w http.ResponseWriter, id, offset string) {
	all, ok := f.pages[id]
	off, err := strconv.Atoi(offset)
	if !ok || err != nil || off < 0 || off > len(all) {
		fhirJSON(w, 410, oo("page expired"))
		return
	}
	typ := strings.Split(id, "-")[1]
	if off > 0 {
		f.requests[typ]++
		if typ == f.failPage2 {
			fhirJSON(w, 500, oo("Internal error"))
			return
		}
	}
	end := min(off+fakePageSize, len(all))
	var entries []string
	for _, res := range all[off:end] {
		entries = append(entries, `{"fullUrl":"`+ecw+`/`+typ+`/`+attr(res, "id")+
			`","resource":`+res+`,"search":{"mode":"match"}}`)
	}
	if off == 0 {
		entries = append(entries, `{"resource":`+oo("informational")+
			`,"search":{"mode":"outcome"}}`)
	}
	links := `{"relation":"self","url":"` + ecw + `/` + typ + `"}`
	if end < len(all) {
		links += `,{"relation":"next","url":"` + ecw + `?_getpages=` + id +
			`&_getpagesoffset=` + strconv.Itoa(end) + `&_count=2&_bundletype=searchset"}`
	}
	// total is healow's _count echo, not a count (HEALOW.md §3).
	fhirJSON(w, 200, `{"resourceType":"Bundle","type":"searchset","total":50,"link":[`+links+
		`],"entry":[`+strings.Join(entries, ",")+`]}`)
}

// attr reads id, status or the first category code of a resource.
func attr(res, name string) string {
	var r struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Category []struct {
			Coding []struct{ Code string } `json:"coding"`
		} `json:"category"`
	}
	json.Unmarshal([]byte(res), &r)
	switch name {
	case "id":
		return r.ID
	case "status":
		return r.Status
	}
	if len(r.Category) > 0 && len(r.Category[0].Coding) > 0 {
		return r.Category[0].Coding[0].Code
	}
	return ""
}

func (f *fakeHealow) add(typ string, resources ...string) {
	f.search[typ] = append(f.search[typ], resources...)
}

func (f *fakeHealow) addRead(res string) {
	var r struct{ ResourceType, ID string }
	json.Unmarshal([]byte(res), &r)
	f.reads[r.ResourceType+"/"+r.ID] = res
}

// instantClock makes the FHIR client's backoffs free.
type instantClock struct{}

func (instantClock) Now() time.Time { return time.Date(2024, 5, 6, 12, 0, 0, 0, time.UTC) }

func (instantClock) Sleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newSyncer returns a Syncer against f with a fresh encrypted store.
func newSyncer(t *testing.T, f *fakeHealow, token string) *Syncer {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "sync.db"), store.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := fhirclient.New(f.base(), f.srv.Client(), func() string { return token }, nil)
	c.Clock = instantClock{}
	c.Log = quiet
	return &Syncer{FHIR: c, Store: st, ConnectionID: "conn1", PatientID: patient, Log: quiet}
}
