package fhirdata

import (
	"errors"
	"net/url"
	"slices"
	"testing"
)

func TestSearch(t *testing.T) {
	p := DemoPatient(1)
	me := p.ID()
	counts := p.Counts()
	const unsupported = "Does not know how to handle get operation with parameter "
	tests := []struct {
		name   string
		typ    string
		params url.Values
		want   int    // results, when wantErr is ""
		err    string // diagnostics of the 400
	}{
		{"Condition by patient", "Condition", url.Values{"patient": {me}}, 4, ""},
		{"Patient/ prefix", "Condition", url.Values{"patient": {"Patient/" + me}}, 4, ""},
		{"absolute patient", "Condition",
			url.Values{"patient": {"http://fhir4.eclinicalworks.com/fhir/r4/X/Patient/" + me}},
			4, ""},
		{"_count ignored", "Encounter", url.Values{"patient": {me}, "_count": {"2"}}, 15, ""},
		{"other patient", "Encounter", url.Values{"patient": {"someone-else"}}, 0, ""},
		{"other type prefix", "Encounter", url.Values{"patient": {"Group/" + me}}, 0, ""},
		{"comma list of patients", "Goal", url.Values{"patient": {"x," + me}}, 1, ""},
		{"AND of patients", "Goal", url.Values{"patient": {"x", me}}, 0, ""},
		{"Device", "Device", url.Values{"patient": {me}}, 1, ""},
		{"MedicationAdministration", "MedicationAdministration",
			url.Values{"patient": {me}}, 1, ""},
		{"DocumentReference", "DocumentReference", url.Values{"patient": {me}}, 2, ""},
		{"Observation laboratory", "Observation",
			url.Values{"patient": {me}, "category": {"laboratory"}}, 32, ""},
		{"Observation vital-signs", "Observation",
			url.Values{"patient": {me}, "category": {"vital-signs"}}, 75, ""},
		{"Observation comma list", "Observation",
			url.Values{"patient": {me}, "category": {"laboratory,social-history"}}, 34, ""},
		{"Observation system|code", "Observation", url.Values{"patient": {me},
			"category": {sysObsCat + "|survey"}}, 1, ""},
		{"Observation wrong system", "Observation", url.Values{"patient": {me},
			"category": {"http://example.org|survey"}}, 0, ""},
		{"Observation no-system token", "Observation",
			url.Values{"patient": {me}, "category": {"|survey"}}, 0, ""},
		{"Observation imaging empty", "Observation",
			url.Values{"patient": {me}, "category": {"imaging"}}, 0, ""},
		{"Observation patient only", "Observation", url.Values{"patient": {me}}, 0,
			unsupported + "[patient]"},
		{"Observation patient and _count", "Observation",
			url.Values{"patient": {me}, "_count": {"50"}}, 0, unsupported + "[patient,_count]"},
		{"Observation empty category", "Observation",
			url.Values{"patient": {me}, "category": {""}}, 0, unsupported + "[category,patient]"},
		{"Observation unknown param", "Observation", url.Values{"patient": {me},
			"category": {"laboratory"}, "code": {"4548-4"}}, 0,
			unsupported + "[category,code,patient]"},
		{"Observation by category only", "Observation", url.Values{"category": {"laboratory"}},
			0, unsupported + "[category]"},
		{"CarePlan assess-plan", "CarePlan",
			url.Values{"patient": {me}, "category": {"assess-plan"}}, 1, ""},
		{"CarePlan other category", "CarePlan",
			url.Values{"patient": {me}, "category": {"38717003"}}, 0, ""},
		{"CarePlan without category", "CarePlan", url.Values{"patient": {me}}, 0,
			unsupported + "[patient]"},
		{"CareTeam active", "CareTeam", url.Values{"patient": {me}, "status": {"active"}}, 1, ""},
		{"CareTeam both", "CareTeam",
			url.Values{"patient": {me}, "status": {"active,inactive"}}, 2, ""},
		{"CareTeam without status", "CareTeam", url.Values{"patient": {me}, "_count": {"10"}}, 0,
			unsupported + "[patient,_count]"},
		{"Provenance by patient", "Provenance", url.Values{"patient": {me}}, 0,
			unsupported + "[patient]"},
		{"Provenance unknown _id", "Provenance", url.Values{"_id": {"nope"}}, 0, ""},
		{"Condition with extra param", "Condition",
			url.Values{"patient": {me}, "clinical-status": {"active"}}, 0,
			unsupported + "[clinical-status,patient]"},
		{"Condition without patient", "Condition", url.Values{}, 0, unsupported + "[]"},
		{"unsupported type", "Claim", url.Values{"patient": {me}}, 0, unsupported + "[patient]"},
		{"Patient search", "Patient", url.Values{"_id": {me}}, 0, unsupported + "[_id]"},
		{"Practitioner search", "Practitioner", url.Values{"_count": {"5"}}, 0,
			unsupported + "[_count]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Search(tc.typ, tc.params)
			if tc.err != "" {
				var se *SearchError
				if !errors.As(err, &se) || se.Status != 400 || se.Diagnostics != tc.err {
					t.Fatalf("Search(%s, %v) = %d, %v; want 400 %q", tc.typ, tc.params,
						len(got), err, tc.err)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Fatalf("Search(%s, %v) = %d results, %v; want %d (holds %d)", tc.typ,
					tc.params, len(got), err, tc.want, counts[tc.typ])
			}
			var ids []string
			for _, raw := range got {
				ids = append(ids, at(decode(t, raw), "id").(string))
			}
			if !slices.IsSorted(ids) {
				t.Errorf("results not ordered by id: %v", ids)
			}
		})
	}
}

func TestSearchProvenanceByID(t *testing.T) {
	p := DemoPatient(1)
	id := p.order["Provenance"][0]
	got, err := p.Search("Provenance", url.Values{"_id": {id}})
	if err != nil || len(got) != 1 {
		t.Fatalf("Provenance?_id=%s = %d, %v; want 1", id, len(got), err)
	}
	if raw, _ := p.Read("Provenance", id); string(raw) != string(got[0]) {
		t.Errorf("search and read serve different bytes")
	}
}

func TestSearchErrorMessage(t *testing.T) {
	err := error(&SearchError{Status: 400, Diagnostics: "x"})
	if got, want := err.Error(), "fhirdata: search answered 400: x"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
