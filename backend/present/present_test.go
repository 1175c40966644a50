package present

import (
	"strings"
	"testing"
)

func TestDate(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"local midnight is a date", "2023-03-05T00:00:00-05:00", "Mar 5, 2023"},
		{"time kept as written, not shifted", "2023-03-05T23:30:00-05:00", "Mar 5, 2023, 11:30 PM"},
		{"date only", "2019-11-02", "Nov 2, 2019"},
		{"month only", "2019-11", "Nov 2019"},
		{"year only", "2019", "2019"},
		{"healow sentinel 1899-12-30", "1899-12-30T00:00:00-05:00", ""},
		{"healow sentinel 0001-01-02", "0001-01-02", ""},
		{"empty", "", ""},
		{"garbage kept", "sometime in 2020", "sometime in 2020"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Date(tc.in); got != tc.want {
				t.Errorf("Date(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name, typ, raw string
		title, sub     string
	}{
		{"lab as valueString like healow", "Observation",
			`{"code":{"text":"Hemoglobin A1c"},"valueString":"12","status":"final"}`,
			"Hemoglobin A1c", "12"},
		{"quantity with interpretation", "Observation",
			`{"code":{"coding":[{"display":"LDL"}]},"valueQuantity":{"value":131.0,"unit":"mg/dL"},
			  "interpretation":[{"text":"High"}]}`, "LDL", "131 mg/dL (High)"},
		{"blood pressure components", "Observation",
			`{"code":{"text":"Blood pressure"},"component":[
			  {"valueQuantity":{"value":120,"unit":"mm[Hg]"}},{"valueQuantity":{"value":80,"unit":"mm[Hg]"}}]}`,
			"Blood pressure", "120/80 mm[Hg]"},
		{"allergy with text only", "AllergyIntolerance",
			`{"code":{"text":"Penicillin"},"reaction":[{"manifestation":[{"text":"Hives"}]}]}`,
			"Penicillin", "Hives"},
		{"medication by reference", "MedicationRequest",
			`{"medicationReference":{"reference":"Medication/m1","display":"Metformin 500 mg"},
			  "dosageInstruction":[{"text":"Twice a day"}]}`, "Metformin 500 mg", "Twice a day"},
		{"encounter by class", "Encounter", `{"class":{"code":"AMB"}}`, "Office visit", ""},
		{"unreadable resource still has a title", "Condition", `{"code":7}`, "Condition", ""},
		{"not JSON at all", "Procedure", `<html>`, "Procedure", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(tc.typ, []byte(tc.raw))
			if s.Title != tc.title || s.Subtitle != tc.sub {
				t.Errorf("Summarize(%s) = %q / %q, want %q / %q", tc.raw, s.Title, s.Subtitle,
					tc.title, tc.sub)
			}
		})
	}
}

func TestNarrativeIsSanitized(t *testing.T) {
	div := `<div xmlns="http://www.w3.org/1999/xhtml"><span><tr/></span><!-- template -->` +
		`<p onclick="go.app.App.Connect('x')">Visit <b>note</b></p><script>alert(1)</script>` +
		`<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">link</a>` +
		`<iframe src="https://evil.example"></iframe><style>body{display:none}</style></div>`
	got := Narrative(div)
	for _, bad := range []string{"<script", "onerror", "onclick", "javascript:", "<iframe",
		"<style", "alert(", "href"} {
		if strings.Contains(strings.ToLower(got), bad) {
			t.Errorf("sanitized narrative still contains %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, "<b>note</b>") {
		t.Errorf("sanitized narrative lost harmless markup: %s", got)
	}
}

func TestGroupOf(t *testing.T) {
	tests := []struct{ name, typ, raw, want string }{
		{"lab", "Observation", `{"category":[{"coding":[{"code":"laboratory"}]}]}`, "labs"},
		{"vitals", "Observation", `{"category":[{"coding":[{"code":"vital-signs"}]}]}`, "vitals"},
		{"survey", "Observation", `{"category":[{"coding":[{"code":"survey"}]}]}`, "observations"},
		{"no category", "Observation", `{}`, "observations"},
		{"condition", "Condition", `{}`, "conditions"},
		{"patient is the banner", "Patient", `{}`, ""},
		{"medication is a detail", "Medication", `{}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := GroupOf(tc.typ, []byte(tc.raw)); got != tc.want {
				t.Errorf("GroupOf(%s, %s) = %q, want %q", tc.typ, tc.raw, got, tc.want)
			}
			if tc.want != "" && !contains(TypesOf(tc.want), tc.typ) {
				t.Errorf("TypesOf(%q) = %v lacks %s", tc.want, TypesOf(tc.want), tc.typ)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDescribe(t *testing.T) {
	raw := `{"resourceType":"DocumentReference","id":"d1","status":"current",
	  "type":{"text":"Visit note"},"date":"2024-02-01T10:15:00-05:00",
	  "content":[{"attachment":{"contentType":"application/pdf","url":"Binary/b1","size":1234}}],
	  "text":{"div":"<div><script>x()</script>Seen today</div>"}}`
	d := Describe("DocumentReference", []byte(raw), "2024-02-01T10:15:00-05:00")
	if d.Title != "Visit note" || d.Date != "Feb 1, 2024, 10:15 AM" {
		t.Errorf("title/date = %q / %q", d.Title, d.Date)
	}
	if len(d.Attachments) != 1 || d.Attachments[0].ContentType != "application/pdf" ||
		d.Attachments[0].Size != 1234 {
		t.Errorf("attachments = %+v", d.Attachments)
	}
	if strings.Contains(d.NarrativeHTML, "script") || !strings.Contains(d.NarrativeHTML, "Seen today") {
		t.Errorf("narrative = %q", d.NarrativeHTML)
	}
	want := map[string]string{"Status": "current", "Type": "Visit note"}
	for _, f := range d.Fields {
		if v, ok := want[f.Label]; ok && v != f.Value {
			t.Errorf("field %s = %q, want %q", f.Label, f.Value, v)
		}
		delete(want, f.Label)
	}
	if len(want) > 0 {
		t.Errorf("missing fields %v in %+v", want, d.Fields)
	}
}

func TestDescribePatient(t *testing.T) {
	raw := `{"name":[{"use":"nickname","given":["Al"]},{"use":"official","given":["Alex","J"],
	  "family":"Rivera"}],"birthDate":"1980-04-12","gender":"female",
	  "identifier":[{"type":{"text":"MRN"},"value":"123"}],
	  "deceasedDateTime":"1899-12-30T00:00:00-05:00",
	  "address":[{"line":["1 Main St"],"city":"Springfield","state":"IL","postalCode":"62701"}]}`
	p := DescribePatient([]byte(raw))
	if p.Name != "Alex J Rivera" || p.BirthDate != "Apr 12, 1980" || p.Gender != "Female" ||
		p.Identifier != "MRN 123" || p.Address != "1 Main St, Springfield, IL 62701" {
		t.Errorf("DescribePatient = %+v", p)
	}
}
