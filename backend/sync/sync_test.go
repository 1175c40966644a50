package sync

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	gosync "sync"
	"testing"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/store"
)

// loadPatient fills f with one patient's records, healow style.
func loadPatient(f *fakeHealow) {
	pr := `{"reference":"Practitioner/pr1"}`
	prAbs := `{"reference":"` + ecw + `/Practitioner/pr1"}`
	f.addRead(`{"resourceType":"Patient","id":"p1","name":[{"use":"usual","text":"Ada"},` +
		`{"use":"official","given":["Ada"],"family":"Testperson"}],"birthDate":"1970-01-02",` +
		`"deceasedDateTime":"1899-12-30"}`)
	f.add("Condition",
		`{"resourceType":"Condition","id":"cond-a","code":{"text":"Asthma"},"asserter":`+pr+
			`,"recordedDate":"2023-03-05T00:00:00-05:00"}`,
		`{"resourceType":"Condition","id":"COND-A","code":{"text":"Upper case twin"},"asserter":`+
			prAbs+`}`,
		`{"resourceType":"Condition","id":"cond-b","code":{"coding":[{"display":"Gout"}]},`+
			`"recorder":`+pr+`}`)
	f.add("Encounter",
		`{"resourceType":"Encounter","id":"e1","period":{"start":"2023-01-01T09:00:00-05:00"},`+
			`"location":[{"location":{"reference":"Location/loc1"}}],`+
			`"serviceProvider":{"reference":"Organization/org1"},`+
			`"participant":[{"individual":`+pr+`}]}`,
		`{"resourceType":"Encounter","id":"e2","class":{"code":"AMB"}}`,
		`{"resourceType":"Encounter","id":"e3"}`)
	f.add("Observation",
		`{"resourceType":"Observation","id":"lab1","category":[{"coding":[{"code":"laboratory"}]}],`+
			`"code":{"text":"HbA1c"},"valueString":"12",`+
			`"effectiveDateTime":"2023-03-05T00:00:00-05:00"}`,
		`{"resourceType":"Observation","id":"lab2","category":[{"coding":[{"code":"laboratory"}]}]}`,
		`{"resourceType":"Observation","id":"lab3","category":[{"coding":[{"code":"laboratory"}]}]}`,
		`{"resourceType":"Observation","id":"hr1","category":[{"coding":[{"code":"vital-signs"}]}],`+
			`"valueQuantity":{"value":72,"unit":"/min"},"performer":[`+pr+`]}`)
	f.add("MedicationRequest",
		`{"resourceType":"MedicationRequest","id":"mr1","medicationReference":`+
			`{"reference":"Medication/med1","display":"Metformin"},"requester":`+
			`{"reference":"Practitioner/gone"}}`)
	f.add("CarePlan", `{"resourceType":"CarePlan","id":"cp1","category":[{"coding":`+
		`[{"code":"assess-plan"}]}],"author":`+pr+`}`)
	f.add("CareTeam", `{"resourceType":"CareTeam","id":"ct1","status":"active",`+
		`"participant":[{"member":`+pr+`}]}`)
	f.addRead(`{"resourceType":"Practitioner","id":"pr1","name":[{"text":"Dr Who"}]}`)
	f.addRead(`{"resourceType":"Organization","id":"org1","name":"Clinic",` +
		`"partOf":{"reference":"Organization/org2"}}`)
	// org2 points again at the Practitioner that is gone: it must not be
	// read a second time.
	f.addRead(`{"resourceType":"Organization","id":"org2","name":"Parent Org",` +
		`"extension":[{"url":"x","valueReference":{"reference":"Practitioner/gone"}}]}`)
	f.addRead(`{"resourceType":"Location","id":"loc1","name":"Room 1",` +
		`"managingOrganization":{"reference":"Organization/org1"}}`)
	f.addRead(`{"resourceType":"Medication","id":"med1","code":{"text":"Metformin 500"}}`)
}

// wantCounts is what one run of loadPatient's data stores: Encounter loses
// its second page to the 500.
var wantCounts = map[string]int{
	"Patient": 1, "Condition": 3, "Encounter": 2, "Observation": 4, "MedicationRequest": 1,
	"CarePlan": 1, "CareTeam": 1, "Practitioner": 1, "Organization": 2, "Location": 1,
	"Medication": 1,
}

// progressLog keeps the last Progress of each type.
type progressLog struct {
	mu   gosync.Mutex
	last map[string]Progress
}

func (p *progressLog) record(pr Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last[pr.Type] = pr
}

func TestRunHealowLike(t *testing.T) {
	f := newFake(t)
	loadPatient(f)
	f.failPage2 = "Encounter"
	s := newSyncer(t, f, "good-token")
	prog := &progressLog{last: map[string]Progress{}}
	s.Progress = prog.record
	ctx := context.Background()

	res, err := s.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkCounts(t, "run 1", res.Counts)
	if got := slices.Sorted(maps.Keys(res.Errors)); !slices.Equal(got,
		[]string{"Encounter", "Practitioner"}) || !res.Partial {
		t.Errorf("errors = %v, partial %v; want Encounter and Practitioner", res.Errors, res.Partial)
	}
	if e := res.Errors["Encounter"]; !strings.Contains(e, "HTTP 500") {
		t.Errorf("Encounter error = %q, want the 500", e)
	}
	// Four attempts at page 2 (retries) plus page 1.
	if n := f.count("Encounter"); n != 1+1+fhirclient.DefaultMaxRetries {
		t.Errorf("Encounter requests = %d", n)
	}
	for _, key := range []string{"Practitioner/pr1", "Organization/org1", "Practitioner/gone"} {
		if n := f.count(key); n != 1 {
			t.Errorf("%s read %d times, want 1", key, n)
		}
	}
	checkStored(t, s)
	checkProgress(t, prog, res)

	run, err := s.Store.LastRun(ctx, "conn1")
	if err != nil || run.Status != store.RunPartial {
		t.Errorf("last run = %+v, %v; want partial", run, err)
	}

	// A second run upserts: the same rows, no duplicates.
	res, err = s.Run(ctx)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	checkCounts(t, "run 2", res.Counts)
	stored, _ := s.Store.CountByType(ctx, "conn1")
	checkCounts(t, "store after run 2", stored)
}

func checkCounts(t *testing.T, label string, got map[string]int) {
	t.Helper()
	for typ, n := range got {
		if n != wantCounts[typ] {
			t.Errorf("%s: %s = %d, want %d", label, typ, n, wantCounts[typ])
		}
	}
	for typ, n := range wantCounts {
		if got[typ] != n {
			t.Errorf("%s: %s = %d, want %d", label, typ, got[typ], n)
		}
	}
}

func checkStored(t *testing.T, s *Syncer) {
	t.Helper()
	ctx := context.Background()
	tests := []struct {
		typ, id, display, value, unit, date string
	}{
		{"Patient", "p1", "Ada Testperson", "", "", "1970-01-02"},
		{"Condition", "cond-a", "Asthma", "", "", "2023-03-05T00:00:00-05:00"},
		{"Condition", "COND-A", "Upper case twin", "", "", ""},
		{"Observation", "lab1", "HbA1c", "12", "", "2023-03-05T00:00:00-05:00"},
		{"Observation", "hr1", "", "72", "/min", ""},
		{"MedicationRequest", "mr1", "Metformin", "", "", ""},
		{"Practitioner", "pr1", "Dr Who", "", "", ""},
		{"Organization", "org2", "Parent Org", "", "", ""},
	}
	for _, tt := range tests {
		r, err := s.Store.GetResource(ctx, "conn1", tt.typ, tt.id)
		if err != nil {
			t.Errorf("%s/%s: %v", tt.typ, tt.id, err)
			continue
		}
		if r.Display != tt.display || r.Value != tt.value || r.Unit != tt.unit || r.Date != tt.date {
			t.Errorf("%s/%s = display %q value %q unit %q date %q; want %q %q %q %q", tt.typ,
				tt.id, r.Display, r.Value, r.Unit, r.Date, tt.display, tt.value, tt.unit, tt.date)
		}
		if !strings.Contains(string(r.Raw), `"id":"`+tt.id+`"`) {
			t.Errorf("%s/%s raw = %s", tt.typ, tt.id, r.Raw)
		}
	}
}

func checkProgress(t *testing.T, prog *progressLog, res *Result) {
	t.Helper()
	prog.mu.Lock()
	defer prog.mu.Unlock()
	for typ := range res.Counts {
		p, ok := prog.last[typ]
		if !ok || !p.Done || p.Resources != res.Counts[typ] || p.ConnectionID != "conn1" {
			t.Errorf("last progress for %s = %+v, want done with %d", typ, p, res.Counts[typ])
		}
	}
	if p := prog.last["Encounter"]; p.Errors != 1 || p.Pages != 1 || p.Message == "" {
		t.Errorf("Encounter progress = %+v, want 1 page, 1 error", p)
	}
}

func TestRunRecordsBadSearchAsPartial(t *testing.T) {
	f := newFake(t)
	loadPatient(f)
	s := newSyncer(t, f, "good-token")
	// An Observation search without a category gets healow's 400.
	s.Searches = append(Plan(patient), Search{Type: "Observation",
		Query: url.Values{"patient": {patient}, "_count": {"50"}}})
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "Does not know how to handle get operation with parameter [patient,_count]"
	if e := res.Errors["Observation"]; !strings.Contains(e, want) {
		t.Errorf("Observation error = %q, want it to contain %q", e, want)
	}
	if res.Counts["Observation"] != 4 || res.Counts["Encounter"] != 3 {
		t.Errorf("counts = %v; the categorised searches and other types must go on", res.Counts)
	}
}

func TestRunAbortsWhenUnauthorized(t *testing.T) {
	tests := []struct {
		name, token, unauthorized string
		// noSearches: the Patient read is refused, so nothing else runs.
		noSearches bool
		wantError  string // the type recorded with the refusal
	}{
		{"expired before the start", "expired", "", true, "Patient"},
		{"expired during the searches", "good-token", "Condition", false, "Condition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			loadPatient(f)
			f.unauthorized = tt.unauthorized
			s := newSyncer(t, f, tt.token)
			s.Concurrency = 1
			res, err := s.Run(context.Background())
			if !errors.Is(err, fhirclient.ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			if res == nil || !res.Partial || len(res.Errors) != 1 {
				t.Fatalf("result = %+v, want partial with the refused type in Errors", res)
			}
			if _, ok := res.Errors[tt.wantError]; !ok {
				t.Errorf("errors = %v, want %s", res.Errors, tt.wantError)
			}
			if tt.noSearches && f.count("Condition")+f.count("Encounter") != 0 {
				t.Error("searches ran after the Patient read was refused")
			}
			if n := f.count("Practitioner/pr1"); n != 0 {
				t.Errorf("references read after the abort: %d", n)
			}
			run, err := s.Store.LastRun(context.Background(), "conn1")
			if err != nil || run.Status != store.RunFailed {
				t.Errorf("last run = %+v, %v; want failed", run, err)
			}
		})
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	f := newFake(t)
	loadPatient(f)
	s := newSyncer(t, f, "good-token")
	// One at a time: the Patient read ends before any search starts.
	s.Concurrency = 1
	ctx, cancel := context.WithCancel(context.Background())
	s.Progress = func(p Progress) {
		if p.Type == "Patient" && p.Done {
			cancel()
		}
	}
	res, err := s.Run(ctx)
	if !errors.Is(err, context.Canceled) || res == nil || !res.Partial {
		t.Errorf("Run = %+v, %v; want partial, context.Canceled", res, err)
	}
	if n := f.count("Condition"); n != 0 {
		t.Errorf("Condition searched %d times after cancel", n)
	}
}

func TestPlan(t *testing.T) {
	plan := Plan("pat-9")
	if plan[0].Type != "Patient" || plan[0].ID != "pat-9" {
		t.Errorf("first = %+v, want the Patient read", plan[0])
	}
	per := map[string][]string{}
	for _, q := range plan[1:] {
		if q.Query.Get("patient") != "pat-9" || q.ID != "" {
			t.Errorf("%s: query %v, want patient=pat-9", q.Label(), q.Query)
		}
		per[q.Type] = append(per[q.Type], q.Query.Get("category")+q.Query.Get("status"))
	}
	tests := []struct {
		typ  string
		want []string
	}{
		{"Observation", observationCategories},
		{"CarePlan", []string{"assess-plan"}},
		{"CareTeam", careTeamStatuses},
		{"DocumentReference", []string{""}},
		{"MedicationAdministration", []string{""}},
	}
	for _, tt := range tests {
		if !slices.Equal(per[tt.typ], tt.want) {
			t.Errorf("%s searches = %v, want %v", tt.typ, per[tt.typ], tt.want)
		}
	}
	if len(per) != 14 {
		t.Errorf("searched types = %d (%v), want 14", len(per), slices.Sorted(maps.Keys(per)))
	}
}
