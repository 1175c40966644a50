package app

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"
)

const bigLogin = "big"

// largestPatient is the Synthea patient of ../shared with the most served
// records, or a generated patient of that size where the folder is absent (CI,
// which has it, sets CHARTKEEP_REQUIRE_SHARED=1).
func largestPatient(t *testing.T) *fhirdata.Patient {
	t.Helper()
	shared := os.Getenv("CHARTKEEP_SHARED")
	if shared == "" {
		_, file, _, _ := runtime.Caller(0)
		shared = filepath.Join(filepath.Dir(file), "..", "..", "shared")
	}
	files, _ := filepath.Glob(filepath.Join(shared, "fhir-data", "synthea", "*.json"))
	if len(files) == 0 {
		if os.Getenv("CHARTKEEP_REQUIRE_SHARED") == "1" {
			t.Fatalf("no Synthea bundles under %s and CHARTKEEP_REQUIRE_SHARED=1", shared)
		}
		return fhirdata.LargePatient(3, 1800)
	}
	var best *fhirdata.Patient
	bestN := -1
	for _, f := range files {
		r, err := os.Open(f)
		must(t, err)
		p, err := fhirdata.LoadTransactionBundle(r)
		r.Close()
		must(t, err)
		n := 0
		for _, ids := range p.Served() {
			n += len(ids)
		}
		if n > bestN {
			best, bestN = p, n
		}
	}
	t.Logf("largest patient: %d served records", bestN)
	return best
}

// The reconnect issue's acceptance test: healow's token expires a few
// seconds into the sync of the largest Synthea patient; the patient clicks
// Reconnect and logs in again; the sync resumes, and the database ends up
// exactly as after a sync that was never interrupted.
func TestReconnectResumesInterruptedSyncOfLargestPatient(t *testing.T) {
	big := largestPatient(t)

	// A sync that is never interrupted, for comparison.
	plain := startSimHost(t, simulator.Options{PageSize: 20, MaxPageSize: 20}, hostEdit{})
	must(t, plain.sim.AddPatient(simPractice, big, bigLogin, simPassword))
	want := storedRecords(t, plain, plain.connectOK(t, bigLogin))

	// Slow requests and a three-second token: it expires mid-sync.
	sh := startSimHost(t, simulator.Options{PageSize: 20, MaxPageSize: 20, Latency: 150 * time.Millisecond,
		TokenTTL: 3 * time.Second}, hostEdit{})
	must(t, sh.sim.AddPatient(simPractice, big, bigLogin, simPassword))
	st, _ := sh.login(t, bigLogin)
	if st.State != "connected" {
		t.Fatalf("login = %+v", st)
	}
	id := st.ConnectionID
	if !sh.WaitSync(id, 2*time.Minute) {
		t.Fatal("the first sync did not end")
	}
	v := sh.connections(t)[0]
	if v.Status != statusNeedsReconnect {
		t.Fatalf("after the token expired mid-sync: status %s (the sync was not interrupted; "+
			"make the token shorter or the requests slower)", v.Status)
	}
	partial := total(v.Counts)

	// One click, a login, and the rest of the download.
	start, err := sh.App().Reconnect(id)
	must(t, err)
	browse(t, start.AuthURL, bigLogin, "allow", nil)
	if st := sh.waitEnded(t, start.AttemptID); st.State != "connected" || st.ConnectionID != id {
		t.Fatalf("reconnect = %+v", st)
	}
	// Each reconnect buys three more seconds; keep reconnecting as a
	// patient would until the download is complete.
	for round := 0; ; round++ {
		if !sh.WaitSync(id, 2*time.Minute) {
			t.Fatal("the resumed sync did not end")
		}
		if v = sh.connections(t)[0]; v.Status != statusNeedsReconnect || round > 20 {
			break
		}
		start, err := sh.App().Reconnect(id)
		must(t, err)
		browse(t, start.AuthURL, bigLogin, "allow", nil)
		sh.waitEnded(t, start.AttemptID)
	}
	if v.LastSyncStatus != "ok" {
		t.Fatalf("after reconnecting: status %s, last sync %s", v.Status, v.LastSyncStatus)
	}
	if !bytes.Contains([]byte(sh.logs.String()), []byte("resume=true")) {
		t.Error("no sync ran in resume mode")
	}
	got := storedRecords(t, sh, id)
	t.Logf("interrupted at %d records; %d records after reconnecting, %d in the plain sync",
		partial, len(got), len(want))
	if partial == 0 || partial >= len(want) {
		t.Errorf("the token expired after %d of %d records: not mid-sync", partial, len(want))
	}
	for key, raw := range want {
		if g, ok := got[key]; !ok {
			t.Errorf("missing after resume: %s", key)
		} else if !bytes.Equal(g, raw) {
			t.Errorf("%s differs from the uninterrupted sync", key)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("extra after resume: %s", key)
		}
	}
}

// storedRecords reads every current record of a connection as type/id ->
// raw JSON, straight from the database.
func storedRecords(t *testing.T, sh *simHost, connID string) map[string][]byte {
	t.Helper()
	ids, err := sh.app.store.ListIDs(sh.app.ctx, connID)
	must(t, err)
	out := map[string][]byte{}
	for typ, list := range ids {
		for _, id := range list {
			r, err := sh.app.store.GetResource(sh.app.ctx, connID, typ, id)
			must(t, err)
			out[typ+"/"+id] = r.Raw
		}
	}
	return out
}
