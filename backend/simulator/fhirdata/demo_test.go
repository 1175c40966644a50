package fhirdata

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDemoServesEveryType(t *testing.T) {
	p := DemoPatient(1)
	served := p.Served()
	want := map[string][2]int{ // type -> [min, max] served
		"Patient": {1, 1}, "Encounter": {15, 15}, "Condition": {3, 5},
		"MedicationRequest": {4, 6}, "AllergyIntolerance": {2, 2}, "Immunization": {6, 10},
		"Procedure": {2, 5}, "CarePlan": {1, 1}, "CareTeam": {1, 3}, "Goal": {1, 1},
		"DiagnosticReport": {1, 10}, "DocumentReference": {2, 2}, "Device": {1, 1},
		"MedicationAdministration": {1, 1}, "Observation": {80, 200},
		"Practitioner": {1, 5}, "Organization": {1, 3}, "Location": {1, 3}, "Medication": {1, 1},
	}
	for typ, r := range want {
		if n := len(served[typ]); n < r[0] || n > r[1] {
			t.Errorf("Served()[%s] has %d, want %d..%d", typ, n, r[0], r[1])
		}
	}
	for typ := range served {
		if _, ok := want[typ]; !ok {
			t.Errorf("Served() has unexpected type %s", typ)
		}
	}
	if got, want := p.Name(), "Alex Rivera"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
}

func TestDemoIsDeterministic(t *testing.T) {
	a, b, c := DemoPatient(7), DemoPatient(7), DemoPatient(8)
	if a.ID() == c.ID() || a.Name() == c.Name() {
		t.Errorf("seeds 7 and 8 give the same patient %s %q", a.ID(), a.Name())
	}
	for typ, ids := range a.order {
		if !slices.Equal(ids, b.order[typ]) {
			t.Fatalf("%s ids differ between two runs of seed 7", typ)
		}
		for _, id := range ids {
			ra, _ := a.Read(typ, id)
			rb, _ := b.Read(typ, id)
			if !bytes.Equal(ra, rb) {
				t.Fatalf("%s/%s differs between two runs of seed 7", typ, id)
			}
		}
	}
}

func TestDemoIDs(t *testing.T) {
	p := DemoPatient(1)
	a, okA := p.Read("Observation", "lab-A1c.1")
	b, okB := p.Read("Observation", "lab-a1c.1")
	if !okA || !okB || bytes.Equal(a, b) {
		t.Fatalf("case-differing Observations: %v %v, equal=%v", okA, okB, bytes.Equal(a, b))
	}
	if _, ok := p.Read("Observation", "LAB-A1C.1"); ok {
		t.Errorf("Read matched an id case-insensitively")
	}
	longest, dotted := 0, 0
	for typ, ids := range p.order {
		for _, id := range ids {
			if !validID(id) {
				t.Errorf("%s/%q is not a FHIR id", typ, id)
			}
			longest = max(longest, len(id))
			if strings.Contains(id, ".") && strings.Contains(id, "-") {
				dotted++
			}
		}
	}
	if longest != 64 || dotted < 100 {
		t.Errorf("longest id %d (want 64), ids with . and - %d (want most)", longest, dotted)
	}
}

func TestDemoReferencesResolve(t *testing.T) {
	p := DemoPatient(1)
	for typ, ids := range p.order {
		for _, id := range ids {
			raw, _ := p.Read(typ, id)
			for _, ref := range references(decode(t, raw)) {
				rt, rid, _ := strings.Cut(ref, "/")
				if _, ok := p.Read(rt, rid); !ok {
					t.Errorf("%s/%s references missing %q", typ, id, ref)
				}
			}
		}
	}
	checkServedResolves(t, p)
	checkOffsets(t, p, "-05:00")
}

// TestDemoQuirks checks the healow content quirks of HEALOW.md §3 are present.
func TestDemoQuirks(t *testing.T) {
	p := DemoPatient(1)
	tests := []struct {
		name string
		typ  string
		ok   func(v any) bool
	}{
		{"deceased sentinel", "Patient", func(v any) bool {
			return at(v, "deceasedDateTime") == "1899-12-30T00:00:00-05:00"
		}},
		{"MRN identifier", "Patient", func(v any) bool {
			return at(v, "identifier.0.type.text") == "MRN"
		}},
		{"lab valueString", "Observation", func(v any) bool {
			s, ok := at(v, "valueString").(string)
			_, err := strconv.Atoi(s)
			return ok && err == nil && at(v, "category.0.coding.0.code") == "laboratory"
		}},
		{"lab referenceRange and interpretation", "Observation", func(v any) bool {
			return at(v, "referenceRange.0.low.value") != nil &&
				at(v, "interpretation.0.coding.0.code") == "H"
		}},
		{"BP components", "Observation", func(v any) bool {
			return at(v, "code.coding.0.code") == "85354-9" &&
				at(v, "component.1.code.coding.0.code") == "8462-4"
		}},
		{"text-only DiagnosticReport code", "DiagnosticReport", func(v any) bool {
			return at(v, "code.text") != nil && at(v, "code.coding") == nil &&
				at(v, "result.3.reference") != nil
		}},
		{"text-only allergy", "AllergyIntolerance", func(v any) bool {
			return at(v, "code.text") == "Seasonal pollen" && at(v, "code.coding") == nil
		}},
		{"_lotNumber absent reason", "Immunization", func(v any) bool {
			return at(v, "lotNumber") == nil &&
				at(v, "_lotNumber.extension.0.valueCode") == "unknown"
		}},
		{"expiration sentinel", "Immunization", func(v any) bool {
			return at(v, "expirationDate") == "0001-01-02"
		}},
		{"date-only fact at local midnight", "Immunization", func(v any) bool {
			s, _ := at(v, "occurrenceDateTime").(string)
			return strings.HasSuffix(s, "T00:00:00-05:00")
		}},
		{"medicationReference", "MedicationRequest", func(v any) bool {
			r, _ := at(v, "medicationReference.reference").(string)
			return strings.HasPrefix(r, "Medication/")
		}},
		{"stopped medication", "MedicationRequest", func(v any) bool {
			return at(v, "status") == "stopped"
		}},
		{"fake NDC", "Medication", func(v any) bool {
			return at(v, "code.coding.1.code") == "11111-1111-11"
		}},
		{"resolved condition", "Condition", func(v any) bool {
			return at(v, "clinicalStatus.coding.0.code") == "resolved" &&
				at(v, "abatementDateTime") != nil
		}},
		{"assess-plan", "CarePlan", func(v any) bool {
			return at(v, "category.0.coding.0.code") == "assess-plan"
		}},
		{"script narrative", "CarePlan", func(v any) bool {
			div, _ := at(v, "text.div").(string)
			return strings.Contains(div, "<script>alert(1)</script>") &&
				strings.Contains(div, "<img src=x onerror=")
		}},
		{"invalid XHTML narrative", "Encounter", func(v any) bool {
			div, _ := at(v, "text.div").(string)
			return strings.HasPrefix(div, xhtmlOpen+"<span><tr/></span><!--")
		}},
		{"valid narrative", "Condition", func(v any) bool {
			return at(v, "text.status") == "generated"
		}},
		{"Encounter references", "Encounter", func(v any) bool {
			return at(v, "participant.0.individual.reference") != nil &&
				at(v, "location.0.location.reference") != nil &&
				at(v, "serviceProvider.reference") != nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, id := range p.order[tc.typ] {
				raw, _ := p.Read(tc.typ, id)
				if tc.ok(decode(t, raw)) {
					return
				}
			}
			t.Errorf("no %s has the quirk", tc.typ)
		})
	}
}

func TestDemoAttachments(t *testing.T) {
	p := DemoPatient(1)
	kinds := map[string]bool{}
	for _, path := range []struct{ typ, field string }{
		{"DocumentReference", "content.0.attachment"}, {"DiagnosticReport", "presentedForm.0"},
	} {
		for _, id := range p.order[path.typ] {
			raw, _ := p.Read(path.typ, id)
			att, ok := at(decode(t, raw), path.field).(map[string]any)
			if !ok {
				continue
			}
			binID, ok := strings.CutPrefix(att["url"].(string), "Binary/")
			bin, found := p.Read("Binary", binID)
			if !ok || !found {
				t.Fatalf("%s/%s attachment %v is not a readable Binary", path.typ, id, att["url"])
			}
			b := decode(t, bin)
			if at(b, "contentType") != att["contentType"] {
				t.Errorf("Binary %s contentType %v, attachment says %v", binID,
					at(b, "contentType"), att["contentType"])
			}
			data, err := base64.StdEncoding.DecodeString(at(b, "data").(string))
			if err != nil {
				t.Fatalf("Binary %s data: %v", binID, err)
			}
			if size, ok := att["size"].(float64); ok && int(size) != len(data) {
				t.Errorf("attachment size %v, data %d bytes", size, len(data))
			}
			ct := att["contentType"].(string)
			kinds[ct] = true
			if ct == "application/pdf" {
				checkPDF(t, data, "Visit summary")
			} else if !strings.Contains(string(data), "°F") && path.typ == "DocumentReference" {
				t.Errorf("visit note lost its UTF-8: %q", data)
			}
		}
	}
	if !kinds["application/pdf"] || !kinds["text/plain; charset=utf-8"] {
		t.Errorf("attachment kinds %v, want a PDF and plain text", kinds)
	}
	if _, ok := p.Served()["Binary"]; ok {
		t.Errorf("Served() lists Binary")
	}
}

var pdfObj = regexp.MustCompile(`^(\d+) 0 obj\n`)

// checkPDF verifies the structure a PDF reader relies on: header, every xref
// offset landing on its object, startxref on the table, and the shown text.
func checkPDF(t *testing.T, data []byte, text string) {
	t.Helper()
	s := string(data)
	if !strings.HasPrefix(s, "%PDF-1.") || !strings.HasSuffix(s, "%%EOF\n") {
		t.Fatalf("not a PDF: %q", s)
	}
	i := strings.LastIndex(s, "startxref\n")
	var xref int
	if _, err := fmt.Sscanf(s[i+len("startxref\n"):], "%d", &xref); err != nil ||
		!strings.HasPrefix(s[xref:], "xref\n") {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	var first, count int
	fmt.Sscanf(s[xref+len("xref\n"):], "%d %d", &first, &count)
	rows := strings.Split(s[xref:], "\n")[2 : 2+count]
	for n, row := range rows[1:] {
		if len(row)+1 != 20 {
			t.Errorf("xref row %q is not 20 bytes", row)
		}
		var off int
		fmt.Sscanf(row, "%d", &off)
		m := pdfObj.FindStringSubmatch(s[off:])
		if m == nil || m[1] != strconv.Itoa(n+1) {
			t.Errorf("xref entry %d offset %d points at %.12q", n+1, off, s[off:])
		}
	}
	if !strings.Contains(s, "("+text+") Tj") {
		t.Errorf("PDF does not show %q", text)
	}
	if m := regexp.MustCompile(`/Length (\d+) >>\nstream\n`).FindStringSubmatchIndex(s); m != nil {
		n, _ := strconv.Atoi(s[m[2]:m[3]])
		if !strings.HasPrefix(s[m[1]+n:], "\nendstream") {
			t.Errorf("stream /Length %d is wrong", n)
		}
	} else {
		t.Errorf("no content stream")
	}
}

func TestMinimalPDFEscapes(t *testing.T) {
	data := minimalPDF(`a (b) \c`)
	checkPDF(t, data, `a \(b\) \\c`)
}

func TestDemoInConfiguredZone(t *testing.T) {
	p := Options{Zone: time.FixedZone("", -7*3600)}.DemoPatient(1)
	checkOffsets(t, p, "-07:00")
	raw, _ := p.Read("Patient", p.ID())
	if got := at(decode(t, raw), "deceasedDateTime"); got != "1899-12-30T00:00:00-07:00" {
		t.Errorf("deceasedDateTime = %v, want local midnight sentinel", got)
	}
}

func TestDemoSeeds(t *testing.T) {
	for _, seed := range []int64{math.MinInt64, -5, 0, 1, 2, 42, math.MaxInt64} {
		t.Run(strconv.FormatInt(seed, 10), func(t *testing.T) {
			p := DemoPatient(seed)
			if p.Name() == "" || !validID(p.ID()) {
				t.Errorf("seed %d: name %q id %q", seed, p.Name(), p.ID())
			}
			checkServedResolves(t, p)
		})
	}
}
