package sync

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/simulator/fhirdata"
	"chartkeep/backend/store"
)

func TestSyncStoresWhatIsServed(t *testing.T) {
	tests := []struct {
		name string
		pt   func(t *testing.T) *fhirdata.Patient
	}{
		{"demo patient", func(*testing.T) *fhirdata.Patient { return fhirdata.DemoPatient(3) }},
		{"largest Synthea patient", func(t *testing.T) *fhirdata.Patient {
			return syntheaPatient(t, largestSynthea)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSimEnv(t, tt.pt(t), simulator.Options{})
			st := openStore(t)
			res, err := e.syncer(t, st, e.token(t)).Run(context.Background())
			if err != nil || res.Partial {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			checkServed(t, e, st)
			checkColumns(t, st, tt.name == "demo patient")
			// Every followed link was rewritten onto the https base: the
			// request log fails the test on any other origin.
			if _, pages := searchStarts(e.rec.take()); tt.name != "demo patient" && pages == 0 {
				t.Error("no next link was followed: the test does not page")
			}
		})
	}
}

// checkColumns wants the listing columns filled for the types that always
// have them: a date and sort time, a display, a status; and in the demo
// data, reference ranges on the labs.
func checkColumns(t *testing.T, st *store.Store, demo bool) {
	t.Helper()
	ctx := context.Background()
	for _, typ := range []string{"Observation", "Condition", "Encounter"} {
		rs, err := st.ListResources(ctx, "conn1", typ)
		if err != nil || len(rs) == 0 {
			t.Fatalf("%s: %d listed, %v", typ, len(rs), err)
		}
		ranges := 0
		for _, r := range rs {
			if r.Date == "" || r.SortTime == nil || r.Display == "" || r.Status == "" {
				t.Errorf("%s/%s: date %q sort %v display %q status %q", typ, r.ID, r.Date,
					r.SortTime, r.Display, r.Status)
			}
			if r.RefRange != "" {
				ranges++
			}
		}
		if typ == "Observation" && demo && ranges == 0 {
			t.Error("no Observation got a reference range")
		}
	}
}

// demoAttachment is one attachment of the demo patient with its Binary's
// bytes.
type demoAttachment struct {
	typ, id   string
	index     int
	announced int64 // the size the resource gives, 0 when none
	data      []byte
}

func attachmentsOfDemo(t *testing.T, pt *fhirdata.Patient) []demoAttachment {
	t.Helper()
	var out []demoAttachment
	for _, typ := range []string{"DocumentReference", "DiagnosticReport"} {
		for _, id := range pt.Served()[typ] {
			raw, _ := pt.Read(typ, id)
			m, _ := decode(raw)
			for _, a := range attachmentsOf(typ, id, m) {
				bin, ok := pt.Read("Binary", strings.TrimPrefix(a.url, "Binary/"))
				if !ok {
					t.Fatalf("%s/%s: attachment %q is not a Binary", typ, id, a.url)
				}
				var b struct{ Data string }
				decodeJSON(t, bin, &b)
				data, _ := base64.StdEncoding.DecodeString(b.Data)
				out = append(out, demoAttachment{typ, id, a.index, a.size, data})
			}
		}
	}
	if len(out) < 3 {
		t.Fatalf("demo patient has %d attachments, want 3", len(out))
	}
	return out
}

func TestSyncAttachments(t *testing.T) {
	pt := fhirdata.DemoPatient(3)
	const limit = 400
	tests := []struct {
		name    string
		allowed bool
		max     int64
		// want gives the message expected for an attachment; "" means
		// stored. read tells whether its Binary is requested.
		want func(a demoAttachment) (msg string, read bool)
	}{
		{"allowed", true, 0, func(demoAttachment) (string, bool) { return "", true }},
		{"no Binary scope", false, 0, func(demoAttachment) (string, bool) {
			return msgNotPermitted, false
		}},
		{"over the cap", true, limit, func(a demoAttachment) (string, bool) {
			// An announced size over the cap spares the request.
			read := a.announced <= limit
			if len(a.data) > limit {
				return "Not downloaded: the document is larger than the 400 bytes limit.", read
			}
			return "", read
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSimEnv(t, pt, simulator.Options{})
			st := openStore(t)
			s := e.syncer(t, st, e.token(t))
			s.Attachments, s.MaxAttachmentBytes = tt.allowed, tt.max
			res, err := s.Run(context.Background())
			if err != nil || res.Partial {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			binaryReads := 0
			for _, u := range e.rec.take() {
				if strings.Contains(u.Path, "/Binary/") {
					binaryReads++
				}
			}
			stored, reads, tooLarge := 0, 0, 0
			for _, w := range attachmentsOfDemo(t, pt) {
				a, err := st.GetAttachment(context.Background(), "conn1", w.typ, w.id, w.index)
				if err != nil {
					t.Fatalf("%s/%s#%d: %v", w.typ, w.id, w.index, err)
				}
				msg, read := tt.want(w)
				if a.Message != msg {
					t.Errorf("%s/%s#%d: message %q, want %q", w.typ, w.id, w.index, a.Message, msg)
				}
				switch {
				case msg == "" && !bytes.Equal(a.Bytes, w.data):
					t.Errorf("%s/%s: bytes differ from the Binary's (%d vs %d)", w.typ, w.id,
						len(a.Bytes), len(w.data))
				case msg != "" && len(a.Bytes) != 0:
					t.Errorf("%s/%s: bytes kept although %q", w.typ, w.id, msg)
				case msg == "":
					stored++
				default:
					tooLarge++
				}
				if read {
					reads++
				}
			}
			if tt.max > 0 && tooLarge == 0 {
				t.Fatal("no demo attachment is over the cap: the case tests nothing")
			}
			if res.Counts[binaryType] != stored || binaryReads != reads {
				t.Errorf("Binary count %d, reads %d; want %d, %d", res.Counts[binaryType],
					binaryReads, stored, reads)
			}

			// A second sync keeps the downloads and reads no Binary again.
			if _, err := s.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, u := range e.rec.take() {
				if strings.Contains(u.Path, "/Binary/") && tt.allowed && tt.max == 0 {
					t.Errorf("second sync read %s again", u.Path)
				}
			}
		})
	}
}

func TestSyncDeletions(t *testing.T) {
	pt := fhirdata.DemoPatient(3)
	e := newSimEnv(t, pt, simulator.Options{})
	st := openStore(t)
	s := e.syncer(t, st, e.token(t))
	s.FHIR.Clock = &skipClock{} // the failing search's retries
	ctx := context.Background()
	if _, err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	served := pt.Served()
	lab := idOfCategory(t, pt, "laboratory")
	vital := idOfCategory(t, pt, "vital-signs")
	cond, prac := served["Condition"][0], served["Practitioner"][0]

	// Round 2: three resources deleted upstream, one search failing.
	e.sim.Faults().Remove("Condition", cond)
	e.sim.Faults().Remove("Observation", lab)
	e.sim.Faults().Remove("Practitioner", prac)
	res, err := s.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkRemoved(t, st, map[string]bool{"Condition/" + cond: true, "Observation/" + lab: true,
		"Practitioner/" + prac: true, "Observation/" + vital: false})
	if res.Removed["Condition"] != 1 || res.Removed["Observation"] != 1 ||
		res.Removed["Practitioner"] != 1 {
		t.Errorf("Removed = %v, want one of each", res.Removed)
	}

	// Round 3: another Observation goes, but one Observation search
	// fails: nothing of that type may be marked, other types still are.
	e.sim.Faults().Remove("Observation", vital)
	e.sim.Faults().FailPage("Observation", 1)
	e.sim.Faults().Remove("Condition", served["Condition"][1])
	if res, err = s.Run(ctx); err != nil || !res.Partial {
		t.Fatalf("Run = %+v, %v; want partial", res, err)
	}
	checkRemoved(t, st, map[string]bool{"Observation/" + vital: false,
		"Condition/" + served["Condition"][1]: true})

	// Round 4: everything is back; so are the records.
	e.sim.Faults().Reset()
	if _, err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	checkServed(t, e, st)
	checkRemoved(t, st, map[string]bool{"Condition/" + cond: false, "Observation/" + lab: false,
		"Practitioner/" + prac: false})
}

func idOfCategory(t *testing.T, pt *fhirdata.Patient, cat string) string {
	t.Helper()
	for _, id := range pt.Served()["Observation"] {
		raw, _ := pt.Read("Observation", id)
		if f := ExtractFields("Observation", raw); f.Category == cat {
			return id
		}
	}
	t.Fatalf("no %s Observation", cat)
	return ""
}

// checkRemoved checks the Removed flag of resources and that removed ones
// are neither listed nor counted.
func checkRemoved(t *testing.T, st *store.Store, want map[string]bool) {
	t.Helper()
	ctx := context.Background()
	counts, _ := st.CountByType(ctx, "conn1")
	for key, removed := range want {
		typ, id, _ := strings.Cut(key, "/")
		r, err := st.GetResource(ctx, "conn1", typ, id)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if r.Removed != removed {
			t.Errorf("%s: removed %v, want %v", key, r.Removed, removed)
		}
		listed, _ := st.ListResources(ctx, "conn1", typ)
		found := false
		for _, l := range listed {
			found = found || l.ID == id
		}
		if found == removed {
			t.Errorf("%s: listed %v, removed %v", key, found, removed)
		}
		if len(listed) != counts[typ] {
			t.Errorf("%s: listed %d, counted %d", typ, len(listed), counts[typ])
		}
	}
}

func TestSyncLinkTricks(t *testing.T) {
	tests := []struct {
		name string
		mode simulator.LinkMode
		want string
	}{
		{"next link loops", simulator.LinksLoop, "paging loop"},
		{"next link to another server", simulator.LinksForeign, "does not map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSimEnv(t, syntheaPatient(t, largestSynthea), simulator.Options{})
			st := openStore(t)
			s := e.syncer(t, st, e.token(t))
			ctx := context.Background()
			if _, err := s.Run(ctx); err != nil {
				t.Fatal(err)
			}
			before, _ := st.CountByType(ctx, "conn1")
			e.sim.Faults().SetLinks(tt.mode)
			res, err := s.Run(ctx)
			if err != nil || !res.Partial {
				t.Fatalf("Run = %+v, %v; want partial", res, err)
			}
			if e := res.Errors["Observation"]; !strings.Contains(e, tt.want) {
				t.Errorf("Observation error = %q, want %q", e, tt.want)
			}
			// The first page of every search is stored, and nothing is
			// marked removed on the strength of a cut-short search.
			after, _ := st.CountByType(ctx, "conn1")
			if len(res.Removed) != 0 || after["Observation"] != before["Observation"] {
				t.Errorf("removed %v; Observation %d before, %d after", res.Removed,
					before["Observation"], after["Observation"])
			}
			if res.Counts["Observation"] < 100 {
				t.Errorf("Observation count = %d, want the first pages", res.Counts["Observation"])
			}
		})
	}
}

func TestSyncFailingPageIsPartial(t *testing.T) {
	pt := syntheaPatient(t, largestSynthea)
	e := newSimEnv(t, pt, simulator.Options{})
	e.sim.Faults().FailPage("Observation", 3)
	st := openStore(t)
	s := e.syncer(t, st, e.token(t))
	s.FHIR.Clock = &skipClock{}
	res, err := s.Run(context.Background())
	if err != nil || !res.Partial {
		t.Fatalf("Run = %+v, %v; want partial", res, err)
	}
	if e := res.Errors["Observation"]; !strings.Contains(e, "HTTP 500") {
		t.Errorf("Observation error = %q, want the 500", e)
	}
	if len(res.Errors) != 1 {
		t.Errorf("errors = %v, want Observation only", res.Errors)
	}
	// Pages 1 and 2 of the failing searches are kept; other types are whole.
	if n := res.Counts["Observation"]; n < 200 || n >= len(pt.Served()["Observation"]) {
		t.Errorf("Observation = %d of %d, want the pages before the failure", n,
			len(pt.Served()["Observation"]))
	}
	if n, want := res.Counts["Encounter"], len(pt.Served()["Encounter"]); n != want {
		t.Errorf("Encounter = %d, want %d", n, want)
	}
	run, _ := st.LastRun(context.Background(), "conn1")
	if run.Status != store.RunPartial || !strings.Contains(run.Errors, "HTTP 500") {
		t.Errorf("run = %s %s, want partial with the error", run.Status, run.Errors)
	}
}

// TestSyncRateLimitBurst: healow's bare 429 comes in bursts; every request
// waits for the end of the minute and the sync completes.
func TestSyncRateLimitBurst(t *testing.T) {
	e := newSimEnv(t, syntheaPatient(t, largestSynthea), simulator.Options{})
	st := openStore(t)
	s := e.syncer(t, st, e.token(t))
	clk := &skipClock{}
	s.FHIR.Clock = clk
	e.sim.Faults().Force429(10)
	res, err := s.Run(context.Background())
	if err != nil || res.Partial {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	checkServed(t, e, st)
	if n := e.sim.Requests()[simulator.KindThrottled]; n != 10 {
		t.Errorf("throttled = %d, want 10", n)
	}
	clk.mu.Lock()
	defer clk.mu.Unlock()
	if len(clk.slept) == 0 || clk.slept[0] < 30*time.Second {
		t.Errorf("slept %v, want waits to the end of the minute", clk.slept)
	}
}

// skipClock is a clock whose sleeps pass at once, advancing it; it starts
// 30 s before a minute ends.
type skipClock struct {
	mu    gosync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *skipClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		c.now = time.Date(2024, 5, 6, 12, 0, 30, 0, time.UTC)
	}
	return c.now
}

func (c *skipClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// TestSyncPatientGoneIsAnError: the patient's own record answered 410 is
// reported, not quietly hidden like a referenced resource would be.
func TestSyncPatientGoneIsAnError(t *testing.T) {
	pt := fhirdata.DemoPatient(3)
	e := newSimEnv(t, pt, simulator.Options{})
	st := openStore(t)
	s := e.syncer(t, st, e.token(t))
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.sim.Faults().Remove("Patient", pt.ID())
	res, err := s.Run(context.Background())
	if err != nil || !strings.Contains(res.Errors["Patient"], "HTTP 410") {
		t.Fatalf("Run = %+v, %v; want the 410 in Patient's errors", res, err)
	}
	checkRemoved(t, st, map[string]bool{"Patient/" + pt.ID(): false})
}
