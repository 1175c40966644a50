package sync

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestExtractFields(t *testing.T) {
	tests := []struct {
		name, typ, raw string
		want           Fields
		sort           string // RFC 3339, empty for nil
	}{
		{"healow lab valueString", "Observation",
			`{"resourceType":"Observation","status":"final","code":{"text":"Glucose",` +
				`"coding":[{"code":"2345-7","display":"Glucose SerPl"}]},"valueString":"12",` +
				`"category":[{"coding":[{"code":"laboratory"}]}],` +
				`"effectiveDateTime":"2023-03-05T00:00:00-05:00"}`,
			Fields{Date: "2023-03-05T00:00:00-05:00", Display: "Glucose", Status: "final",
				Code: "2345-7", Value: "12", Category: "laboratory"},
			"2023-03-05T05:00:00Z"},
		{"quantity as written", "Observation",
			`{"code":{"coding":[{"display":"Weight"}]},"valueQuantity":{"value":70.50,"code":"kg"},` +
				`"effectivePeriod":{"start":"2020-02"}}`,
			Fields{Date: "2020-02", Display: "Weight", Value: "70.50", Unit: "kg"},
			"2020-02-01T00:00:00Z"},
		{"blood pressure components", "Observation",
			`{"code":{"text":"BP"},"issued":"2021-06-01T10:00:00.123+02:00","component":[` +
				`{"valueQuantity":{"value":120,"unit":"mm[Hg]"}},` +
				`{"valueQuantity":{"value":80,"unit":"mm[Hg]"}}]}`,
			Fields{Date: "2021-06-01T10:00:00.123+02:00", Display: "BP", Value: "120/80",
				Unit: "mm[Hg]"},
			"2021-06-01T08:00:00.123Z"},
		{"reference range low and high", "Observation",
			`{"code":{"text":"A1c"},"valueQuantity":{"value":7.1,"unit":"%"},` +
				`"referenceRange":[{"low":{"value":4.0,"unit":"%"},"high":{"value":5.6,"unit":"%"}}]}`,
			Fields{Display: "A1c", Value: "7.1", Unit: "%", RefRange: "4.0–5.6 %"}, ""},
		{"reference range high only", "Observation",
			`{"code":{"text":"LDL"},"referenceRange":[{"high":{"value":100,"code":"mg/dL"}}]}`,
			Fields{Display: "LDL", RefRange: "≤ 100 mg/dL"}, ""},
		{"reference range text", "Observation",
			`{"code":{"text":"HIV"},"referenceRange":[{"text":"Negative","low":{"value":1}}]}`,
			Fields{Display: "HIV", RefRange: "Negative"}, ""},
		{"reference range not an array", "Observation",
			`{"code":{"text":"X"},"referenceRange":{"text":"Negative"}}`,
			Fields{Display: "X"}, ""},
		{"coded value", "Observation",
			`{"code":{"text":"Smoking"},"valueCodeableConcept":{"coding":[{"display":"Never"}]}}`,
			Fields{Display: "Smoking", Value: "Never"}, ""},
		{"sentinel date skipped", "Condition",
			`{"code":{"text":"Asthma"},"onsetDateTime":"1899-12-30","recordedDate":"2019",` +
				`"clinicalStatus":{"coding":[{"code":"active"}]},"category":[{"text":"problem"}]}`,
			Fields{Date: "2019", Display: "Asthma", Status: "active", Category: "problem"},
			"2019-01-01T00:00:00Z"},
		{"only sentinel", "Immunization",
			`{"vaccineCode":{"text":"Flu"},"occurrenceDateTime":"0001-01-02"}`,
			Fields{Display: "Flu"}, ""},
		{"unparsable date kept as written", "Procedure",
			`{"code":{"text":"Biopsy"},"performedDateTime":"sometime in May"}`,
			Fields{Date: "sometime in May", Display: "Biopsy"}, ""},
		{"allergy text only, string category", "AllergyIntolerance",
			`{"code":{"text":"Penicillin"},"category":["medication"],` +
				`"clinicalStatus":{"coding":[{"code":"active"}]}}`,
			Fields{Display: "Penicillin", Status: "active", Category: "medication"}, ""},
		{"medication reference display", "MedicationRequest",
			`{"status":"active","authoredOn":"2022-01-02",` +
				`"medicationReference":{"display":"Metformin"}}`,
			Fields{Date: "2022-01-02", Display: "Metformin", Status: "active"},
			"2022-01-02T00:00:00Z"},
		{"medication concept", "MedicationRequest",
			`{"medicationCodeableConcept":{"coding":[{"code":"11111-1111-11","display":"Fake NDC"}]}}`,
			Fields{Display: "Fake NDC", Code: "11111-1111-11"}, ""},
		{"patient official name", "Patient",
			`{"name":[{"use":"usual","text":"Bobby"},{"use":"official","given":["Robert","J"],` +
				`"family":"Smith"}],"birthDate":"1970-01-02","deceasedDateTime":"1899-12-30"}`,
			Fields{Date: "1970-01-02", Display: "Robert J Smith"}, "1970-01-02T00:00:00Z"},
		{"document type then description", "DocumentReference",
			`{"description":"Visit note","date":"2023-03-05T10:00:00-05:00","status":"current"}`,
			Fields{Date: "2023-03-05T10:00:00-05:00", Display: "Visit note", Status: "current"},
			"2023-03-05T15:00:00Z"},
		{"encounter class", "Encounter",
			`{"class":{"code":"AMB"},"period":{"start":"2023-01-01T09:00:00"}}`,
			Fields{Date: "2023-01-01T09:00:00", Display: "AMB"}, "2023-01-01T09:00:00Z"},
		{"encounter type", "Encounter",
			`{"type":[{"text":"Office visit"}],"class":{"code":"AMB"}}`,
			Fields{Display: "Office visit"}, ""},
		{"wrong shapes ignored", "Observation",
			`{"code":"not an object","valueQuantity":[1],"effectiveDateTime":42,"category":{}}`,
			Fields{Date: "42"}, ""},
		{"not json", "Observation", `<xml/>`, Fields{}, ""},
		{"not an object", "Observation", `[1,2]`, Fields{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractFields(tt.typ, []byte(tt.raw))
			gotSort := got.SortTime
			got.SortTime = nil
			if got != tt.want {
				t.Errorf("ExtractFields(%s)\n got %+v\nwant %+v", tt.raw, got, tt.want)
			}
			switch {
			case tt.sort == "" && gotSort != nil:
				t.Errorf("sort = %v, want nil", gotSort)
			case tt.sort != "" && (gotSort == nil || !gotSort.Equal(mustTime(tt.sort))):
				t.Errorf("sort = %v, want %s", gotSort, tt.sort)
			}
			d, s, disp := Extract(tt.typ, []byte(tt.raw))
			if d != tt.want.Date || disp != tt.want.Display || (s == nil) != (gotSort == nil) {
				t.Errorf("Extract disagrees with ExtractFields: %q %v %q", d, s, disp)
			}
		})
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// syntheaFiles lists the shared Synthea bundles or, where ../shared is
// absent and not required (CHARTKEEP_REQUIRE_SHARED), the simulator's own
// fixture bundle.
func syntheaFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedDir(), "fhir-data", "synthea", "*.json"))
	if len(files) > 0 {
		return files
	}
	if os.Getenv("CHARTKEEP_REQUIRE_SHARED") == "1" {
		t.Fatalf("no Synthea bundles under %s and CHARTKEEP_REQUIRE_SHARED=1", sharedDir())
	}
	return []string{filepath.Join("..", "simulator", "fhirdata", "testdata", "references.json")}
}

// sharedDir is the shared test data folder beside the repository.
func sharedDir() string {
	if d := os.Getenv("CHARTKEEP_SHARED"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared")
}
