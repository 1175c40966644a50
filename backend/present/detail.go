package present

import (
	"encoding/base64"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
)

// Field is one labelled line of a record's details.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Attachment describes a document or report attachment without its bytes.
type Attachment struct {
	Index       int    `json:"index"`
	ContentType string `json:"contentType"`
	Title       string `json:"title"`
	Size        int    `json:"size"`
	URL         string `json:"url"`
}

// Detail is what the details pane of a record shows.
type Detail struct {
	Title         string
	Date          string
	Fields        []Field
	NarrativeHTML string
	Attachments   []Attachment
}

// skipped are the elements a patient gains nothing from reading.
var skipped = map[string]bool{
	"resourceType": true, "id": true, "meta": true, "text": true, "contained": true,
	"extension": true, "modifierExtension": true, "identifier": true, "subject": true,
	"patient": true, "implicitRules": true, "language": true, "content": true,
	"presentedForm": true,
}

// Describe gives the details of a resource: its fields with readable
// labels, its narrative sanitized, and its attachments.
func Describe(typ string, raw []byte, date string) Detail {
	m := decode(raw)
	d := Detail{Title: Summarize(typ, raw).Title, Date: Date(date)}
	for _, k := range sortedKeys(m) {
		if skipped[k] || strings.HasPrefix(k, "_") {
			continue
		}
		if v := render(m[k], 0); v != "" {
			d.Fields = append(d.Fields, Field{Label: labelOf(k), Value: v})
		}
	}
	d.NarrativeHTML = Narrative(str(obj(m["text"])["div"]))
	d.Attachments = attachments(m)
	return d
}

// render turns any FHIR element into one line of text, recognising the
// common datatypes by shape.
func render(v node, depth int) string {
	if depth > 4 {
		return ""
	}
	switch t := v.(type) {
	case string:
		if looksLikeDate(t) {
			return Date(t)
		}
		return strings.TrimSpace(t)
	case []any:
		var out []string
		for _, e := range t {
			if s := render(e, depth+1); s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(dedupe(out), "; ")
	case map[string]any:
		return renderObject(t, depth)
	}
	return str(v)
}

func renderObject(m map[string]any, depth int) string {
	switch {
	case m["coding"] != nil || (m["text"] != nil && len(m) <= 2):
		return concept(m)
	case m["reference"] != nil || (m["display"] != nil && len(m) <= 3):
		return reference(m)
	case m["value"] != nil && (m["unit"] != nil || m["code"] != nil || m["system"] != nil):
		return quantity(m)
	case m["start"] != nil || m["end"] != nil:
		return period(m)
	case m["low"] != nil || m["high"] != nil:
		return rangeText(m)
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		if skipped[k] || strings.HasPrefix(k, "_") {
			continue
		}
		if s := render(m[k], depth+1); s != "" {
			parts = append(parts, labelOf(k)+": "+s)
		}
	}
	return strings.Join(parts, ", ")
}

func rangeText(m map[string]any) string {
	lo, hi := quantity(m["low"]), quantity(m["high"])
	switch {
	case lo != "" && hi != "":
		return lo + " – " + hi
	case lo != "":
		return "≥ " + lo
	case hi != "":
		return "≤ " + hi
	}
	return str(m["text"])
}

func looksLikeDate(s string) bool {
	if len(s) < 10 || len(s) > 35 {
		return false
	}
	return s[4] == '-' && s[7] == '-' && unicode.IsDigit(rune(s[0]))
}

var labels = map[string]string{
	"effectiveDateTime": "Date", "effectivePeriod": "Date", "issued": "Reported",
	"valueQuantity": "Value", "valueString": "Value", "valueCodeableConcept": "Value",
	"referenceRange": "Normal range", "onsetDateTime": "Started", "abatementDateTime": "Ended",
	"recordedDate": "Recorded", "authoredOn": "Prescribed", "occurrenceDateTime": "Date given",
	"vaccineCode": "Vaccine", "medicationCodeableConcept": "Medication",
	"medicationReference": "Medication", "dosageInstruction": "How to take",
	"clinicalStatus": "Clinical status", "verificationStatus": "Verification",
	"performedDateTime": "Performed", "performedPeriod": "Performed", "code": "What",
	"serviceProvider": "Practice", "lotNumber": "Lot number", "birthDate": "Date of birth",
	"requester": "Prescriber", "encounter": "Visit", "hasMember": "Results",
	"result": "Results", "interpretation": "Interpretation", "lifecycleStatus": "Status",
}

// labelOf gives a readable label for an element name.
func labelOf(k string) string {
	if l := labels[k]; l != "" {
		return l
	}
	var b strings.Builder
	for i, r := range k {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteRune(' ')
			r = unicode.ToLower(r)
		} else if i == 0 {
			r = unicode.ToUpper(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// policy is built once: bluemonday policies are safe for concurrent use.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
	// Links in a narrative would open inside the webview; keep their text only.
	p.AllowAttrs("href").OnElements()
	return p
}()

// Narrative sanitizes a resource's narrative. FHIR narrative from the
// practice is untrusted and often not even valid XHTML (HEALOW.md §3):
// scripts, event handlers, styles, links and remote images are removed.
func Narrative(div string) string {
	if strings.TrimSpace(div) == "" {
		return ""
	}
	return strings.TrimSpace(policy.Sanitize(div))
}

func attachments(m map[string]any) []Attachment {
	var out []Attachment
	var raw []any
	for _, c := range list(m["content"]) {
		raw = append(raw, obj(c)["attachment"])
	}
	raw = append(raw, list(m["presentedForm"])...)
	for i, a := range raw {
		am := obj(a)
		if am == nil {
			continue
		}
		size := int(numberOf(am["size"]))
		if size == 0 && am["data"] != nil {
			size = base64.StdEncoding.DecodedLen(len(str(am["data"])))
		}
		out = append(out, Attachment{Index: i, ContentType: str(am["contentType"]),
			Title: first(str(am["title"]), friendlyContentType(str(am["contentType"]))),
			Size:  size, URL: str(am["url"])})
	}
	return out
}

func numberOf(v node) float64 {
	f, _ := v.(float64)
	return f
}
