package fhirdata

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLoadFixtureResolvesReferences(t *testing.T) {
	p := loadFile(t, "testdata/references.json", Options{})
	const patientID = "11111111-aaaa-4bbb-8ccc-000000000001"
	synLoc := "Location/" + synthID("https://github.com/synthetichealth/synthea|loc-42")
	synOrg := "Organization/" + synthID("https://github.com/synthetichealth/synthea|org-7")
	synDoc := "Practitioner/" + synthID("http://hl7.org/fhir/sid/us-npi|9999977777")

	tests := []struct {
		name, typ, id, path string
		want                any
	}{
		{"id from urn:uuid", "Patient", patientID, "id", patientID},
		{"id from PUT url", "Observation", "obs-put.1", "id", "obs-put.1"},
		{"urn:uuid to Patient", "Encounter", "enc-1", "subject.reference", "Patient/" + patientID},
		{"display kept", "Encounter", "enc-1", "subject.display", "Ada Lovelace"},
		{"conditional present", "Encounter", "enc-1", "participant.0.individual.reference",
			"Practitioner/prac-in-bundle"},
		{"conditional without system", "MedicationRequest", "rx-1", "requester.reference",
			"Practitioner/prac-in-bundle"},
		{"conditional from Patient", "Patient", patientID, "generalPractitioner.0.reference",
			"Practitioner/prac-in-bundle"},
		{"absent Practitioner synthesized", "Encounter", "enc-1",
			"participant.1.individual.reference", synDoc},
		{"absent Location synthesized", "Encounter", "enc-1", "location.0.location.reference",
			synLoc},
		{"absent Organization synthesized", "Encounter", "enc-1", "serviceProvider.reference",
			synOrg},
		{"same target same id", "Observation", "obs-put.1", "performer.0.reference", synOrg},
		{"urn:uuid to Encounter", "Observation", "obs-put.1", "encounter.reference",
			"Encounter/enc-1"},
		{"contained kept", "MedicationRequest", "rx-1", "medicationReference.reference", "#m1"},
		{"synth Location name", "Location", strings.TrimPrefix(synLoc, "Location/"), "name",
			"Main Clinic"},
		{"synth Location identifier", "Location", strings.TrimPrefix(synLoc, "Location/"),
			"identifier.0.value", "loc-42"},
		{"synth Organization first display", "Organization",
			strings.TrimPrefix(synOrg, "Organization/"), "name", "Test Hospital"},
		{"synth Practitioner family", "Practitioner",
			strings.TrimPrefix(synDoc, "Practitioner/"), "name.0.family", "Krajcik437"},
		{"synth Practitioner prefix", "Practitioner",
			strings.TrimPrefix(synDoc, "Practitioner/"), "name.0.prefix.0", "Dr."},
		{"synth Practitioner system", "Practitioner",
			strings.TrimPrefix(synDoc, "Practitioner/"), "identifier.0.system",
			"http://hl7.org/fhir/sid/us-npi"},
		{"+00:00 rewritten", "Encounter", "enc-1", "period.start", "2015-05-03T08:37:42-05:00"},
		{"Z rewritten", "Encounter", "enc-1", "period.end", "2015-05-03T09:07:42-05:00"},
		{"fraction kept", "Observation", "obs-put.1", "effectiveDateTime",
			"2015-05-03T08:37:42.123-05:00"},
		{"instant rewritten", "Observation", "obs-put.1", "issued",
			"2015-05-03T13:37:42.868-05:00"},
		{"across midnight", "Condition", "cond-1", "recordedDate", "2014-12-31T21:00:00-05:00"},
		{"other offset", "Condition", "cond-1", "abatementDateTime",
			"2014-06-01T13:00:00-05:00"},
		{"date-only kept", "Condition", "cond-1", "onsetDateTime", "2014-01-01"},
		{"partial date kept", "Condition", "cond-1", "note.0.time", "2015-07"},
		{"birthDate kept", "Patient", patientID, "birthDate", "1990-02-03"},
		{"sentence kept", "Observation", "obs-put.1", "valueString",
			"2015-05-03T13:37:42 is not a value to rewrite"},
		{"decimal text kept", "Observation", "obs-put.1", "valueQuantity.value", 1.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, ok := p.Read(tc.typ, tc.id)
			if !ok {
				t.Fatalf("Read(%s, %s) found nothing", tc.typ, tc.id)
			}
			if got := at(decode(t, raw), tc.path); got != tc.want {
				t.Errorf("%s/%s %s = %#v, want %#v", tc.typ, tc.id, tc.path, got, tc.want)
			}
		})
	}

	if got, want := p.Name(), "Ada Byron Lovelace"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	raw, _ := p.Read("Observation", "obs-put.1")
	if !strings.Contains(string(raw), `"value":1.50`) {
		t.Errorf("number text not kept byte for byte: %s", raw)
	}
	if !strings.HasPrefix(string(raw), `{"resourceType":"Observation","id":"obs-put.1",`) {
		t.Errorf("member order not kept: %.80s", raw)
	}
}

func synthID(systemValue string) string {
	rv := newResolver()
	system, value, _ := strings.Cut(systemValue, "|")
	return strings.TrimPrefix(rv.synthesize("Location", system, value, ""), "Location/")
}

func TestLoadServedFromFixture(t *testing.T) {
	p := loadFile(t, "testdata/references.json", Options{})
	served := p.Served()
	want := map[string]int{"Patient": 1, "Encounter": 1, "Observation": 1,
		"MedicationRequest": 1, "Condition": 1, "Practitioner": 2, "Location": 1,
		"Organization": 1}
	for typ, n := range want {
		if len(served[typ]) != n {
			t.Errorf("Served()[%s] = %v, want %d ids", typ, served[typ], n)
		}
	}
	if ids, ok := served["Claim"]; ok {
		t.Errorf("Served() includes Claim %v", ids)
	}
	claimOrg := synthID("https://github.com/synthetichealth/synthea|org-99")
	if _, ok := p.Read("Organization", claimOrg); !ok {
		t.Errorf("Organization referenced only by a Claim was not synthesized")
	}
	for _, id := range served["Organization"] {
		if id == claimOrg {
			t.Errorf("Organization referenced only by a Claim is in Served()")
		}
	}
}

func TestLoadErrors(t *testing.T) {
	const pt = `{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1"}}`
	tests := []struct {
		name, body string
		want       error
	}{
		{"not JSON", `{"resourceType":`, ErrInvalidBundle},
		{"not a Bundle", `{"resourceType":"Patient","id":"x"}`, ErrInvalidBundle},
		{"entry without resource", `{"resourceType":"Bundle","entry":[{"fullUrl":"x"}]}`,
			ErrInvalidBundle},
		{"invalid id", `{"resourceType":"Bundle","entry":[{"resource":` +
			`{"resourceType":"Patient","id":"a/b"}}]}`, ErrInvalidBundle},
		{"no id at all", `{"resourceType":"Bundle","entry":[{"resource":` +
			`{"resourceType":"Patient"}}]}`, ErrInvalidBundle},
		{"duplicate fullUrl", `{"resourceType":"Bundle","entry":[` + pt + `,` +
			`{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Condition","id":"c"}}]}`,
			ErrInvalidBundle},
		{"duplicate id", `{"resourceType":"Bundle","entry":[` + pt + `,` +
			`{"resource":{"resourceType":"Patient","id":"p1"}}]}`, ErrInvalidBundle},
		{"no Patient", `{"resourceType":"Bundle","entry":[` +
			`{"resource":{"resourceType":"Condition","id":"c"}}]}`, ErrPatientCount},
		{"two Patients", `{"resourceType":"Bundle","entry":[` + pt + `,` +
			`{"resource":{"resourceType":"Patient","id":"p2"}}]}`, ErrPatientCount},
		{"dangling urn:uuid", `{"resourceType":"Bundle","entry":[` + pt + `,` +
			`{"resource":{"resourceType":"Condition","id":"c",` +
			`"subject":{"reference":"urn:uuid:nope"}}}]}`, ErrUnresolvedReference},
		{"unsupported conditional", `{"resourceType":"Bundle","entry":[` + pt + `,` +
			`{"resource":{"resourceType":"Condition","id":"c",` +
			`"asserter":{"reference":"Practitioner?name=Smith"}}}]}`, ErrUnresolvedReference},
		{"ambiguous conditional", `{"resourceType":"Bundle","entry":[` + pt + `,` +
			`{"resource":{"resourceType":"Practitioner","id":"a","identifier":[{"value":"1"}]}},` +
			`{"resource":{"resourceType":"Practitioner","id":"b","identifier":[{"value":"1"}]}},` +
			`{"resource":{"resourceType":"Condition","id":"c",` +
			`"asserter":{"reference":"Practitioner?identifier=1"}}}]}`, ErrUnresolvedReference},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LoadTransactionBundle(strings.NewReader(tc.body))
			if !errors.Is(err, tc.want) {
				t.Errorf("LoadTransactionBundle(%s) = %v, %v; want error %v",
					tc.body, p, err, tc.want)
			}
		})
	}
}

func TestLoadInConfiguredZone(t *testing.T) {
	zone := time.FixedZone("CST", -6*60*60)
	p := loadFile(t, "testdata/references.json", Options{Zone: zone})
	raw, _ := p.Read("Encounter", "enc-1")
	if got := at(decode(t, raw), "period.start"); got != "2015-05-03T07:37:42-06:00" {
		t.Errorf("period.start = %v, want 2015-05-03T07:37:42-06:00", got)
	}
	checkOffsets(t, p, "-06:00")
}

func TestInZone(t *testing.T) {
	tests := []struct {
		name, in, want string
		zone           *time.Location
	}{
		{"Z", "2015-05-03T13:37:42Z", "2015-05-03T08:37:42-05:00", DefaultZone},
		{"plus zero", "2015-05-03T13:37:42+00:00", "2015-05-03T08:37:42-05:00", DefaultZone},
		{"already local", "2015-05-03T08:37:42-05:00", "2015-05-03T08:37:42-05:00", DefaultZone},
		{"micro fraction", "2022-03-29T22:38:59.084000+00:00",
			"2022-03-29T17:38:59.084000-05:00", DefaultZone},
		{"no seconds", "2015-05-03T13:37Z", "2015-05-03T08:37:00-05:00", DefaultZone},
		{"year boundary", "2020-01-01T03:00:00Z", "2019-12-31T22:00:00-05:00", DefaultZone},
		{"UTC zone writes +00:00", "2015-05-03T13:37:42-04:00", "2015-05-03T17:37:42+00:00",
			time.UTC},
		{"half-hour zone", "2015-05-03T13:37:42Z", "2015-05-03T19:07:42+05:30",
			time.FixedZone("IST", 5*3600+1800)},
		{"date only", "2015-05-03", "2015-05-03", DefaultZone},
		{"year month", "2015-05", "2015-05", DefaultZone},
		{"no zone", "2015-05-03T13:37:42", "2015-05-03T13:37:42", DefaultZone},
		{"bad hour", "2015-05-03T25:37:42Z", "2015-05-03T25:37:42Z", DefaultZone},
		{"text", "visit at 2015-05-03T13:37:42Z", "visit at 2015-05-03T13:37:42Z", DefaultZone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := inZone(tc.in, tc.zone); got != tc.want {
				t.Errorf("inZone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
