package sync

import (
	"encoding/json"
	"log/slog"
	"strings"
	"time"
)

// Fields are the columns extracted from a resource for listing. Every field
// may be empty: extraction is lenient and never fails.
type Fields struct {
	// Date is the resource's main date exactly as written, offset included
	// (HEALOW.md §3: show dates as written, never shifted).
	Date string
	// SortTime is Date as an instant; nil when unknown, unparsable or
	// before 1900 (healow's sentinels 1899-12-30 and 0001-01-02).
	SortTime *time.Time
	Display  string
	Status   string
	Code     string
	Value    string
	Unit     string
	// RefRange is the first referenceRange in words: its text, else
	// "low–high unit", "≥ low unit" or "≤ high unit".
	RefRange string
	Category string
}

// Extract returns the main date of a resource as written, that date as an
// instant for sorting (nil when unknown), and a display text. It never
// fails; what it cannot read it leaves empty.
func Extract(typ string, raw []byte) (date string, sort *time.Time, display string) {
	f := ExtractFields(typ, raw)
	return f.Date, f.SortTime, f.Display
}

// ExtractFields is Extract with all the columns the store keeps.
func ExtractFields(typ string, raw []byte) Fields {
	m, ok := decode(raw)
	if !ok {
		slog.Warn("sync: resource is not a JSON object", "type", typ)
		return Fields{}
	}
	return fieldsOf(typ, m)
}

// obj is a decoded JSON object; numbers stay json.Number, as written.
type obj = map[string]any

func fieldsOf(typ string, m obj) Fields {
	var f Fields
	f.Date, f.SortTime = date(typ, m)
	f.Display = display(typ, m)
	f.Status = status(m)
	f.Code = code(typ, m)
	f.Value, f.Unit = value(m)
	f.RefRange = refRange(m)
	f.Category = category(m)
	return f
}

// get walks m along keys (object fields) and ints (array indexes).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			o, ok := v.(obj)
			if !ok {
				return nil
			}
			v = o[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// str is get for a string (or a number, as written).
func str(v any, path ...any) string {
	switch s := get(v, path...).(type) {
	case string:
		return strings.TrimSpace(s)
	case json.Number:
		return s.String()
	case bool:
		if s {
			return "true"
		}
		return "false"
	}
	return ""
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// concept is a CodeableConcept's text, else the first coding display, else
// the first coding code.
func concept(v any) string {
	if t := str(v, "text"); t != "" {
		return t
	}
	codings, _ := get(v, "coding").([]any)
	for _, c := range codings {
		if d := str(c, "display"); d != "" {
			return d
		}
	}
	return str(v, "coding", 0, "code")
}

// datePaths lists where each type keeps its main date, best first.
var datePaths = map[string][][]any{
	"Observation": {
		{"effectiveDateTime"}, {"effectivePeriod", "start"}, {"effectiveInstant"}, {"issued"},
	},
	"DiagnosticReport":         {{"effectiveDateTime"}, {"effectivePeriod", "start"}, {"issued"}},
	"Condition":                {{"onsetDateTime"}, {"onsetPeriod", "start"}, {"recordedDate"}},
	"AllergyIntolerance":       {{"onsetDateTime"}, {"onsetPeriod", "start"}, {"recordedDate"}},
	"MedicationRequest":        {{"authoredOn"}},
	"MedicationAdministration": {{"effectiveDateTime"}, {"effectivePeriod", "start"}},
	"Immunization":             {{"occurrenceDateTime"}, {"recorded"}},
	"Encounter":                {{"period", "start"}},
	"Procedure":                {{"performedDateTime"}, {"performedPeriod", "start"}},
	"DocumentReference":        {{"date"}, {"context", "period", "start"}},
	"CarePlan":                 {{"period", "start"}, {"created"}},
	"CareTeam":                 {{"period", "start"}},
	"Goal":                     {{"startDate"}, {"target", 0, "dueDate"}, {"statusDate"}},
	"Device":                   {{"manufactureDate"}},
	"Patient":                  {{"birthDate"}},
}

// anyDate is tried for types without an entry in datePaths.
var anyDate = [][]any{
	{"effectiveDateTime"}, {"effectivePeriod", "start"}, {"issued"}, {"onsetDateTime"},
	{"recordedDate"}, {"authoredOn"}, {"occurrenceDateTime"}, {"period", "start"},
	{"performedDateTime"}, {"performedPeriod", "start"}, {"date"},
}

// date returns the first candidate that parses to 1900 or later. A string
// that does not parse at all is kept as written, without a sort time, if
// nothing better is found; pre-1900 sentinels are dropped.
func date(typ string, m obj) (string, *time.Time) {
	paths, ok := datePaths[typ]
	if !ok {
		paths = anyDate
	}
	fallback := ""
	for _, p := range paths {
		s := str(m, p...)
		if s == "" {
			continue
		}
		t, ok := ParseTime(s)
		switch {
		case ok && t.Year() >= 1900:
			return s, &t
		case !ok && fallback == "":
			fallback = s
		}
	}
	return fallback, nil
}

// timeLayouts are the FHIR date, dateTime and instant forms, plus the
// zone-less dateTime some servers send.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02",
	"2006-01",
	"2006",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
}

// ParseTime parses a FHIR date, partial date or dateTime. Partial dates
// and zone-less times are taken as UTC.
func ParseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func display(typ string, m obj) string {
	switch typ {
	case "Patient", "Practitioner", "RelatedPerson":
		return humanName(get(m, "name"))
	case "Organization", "Location":
		return str(m, "name")
	case "MedicationRequest", "MedicationAdministration", "MedicationStatement":
		return first(concept(get(m, "medicationCodeableConcept")),
			str(m, "medicationReference", "display"))
	case "Immunization":
		return concept(get(m, "vaccineCode"))
	case "DocumentReference":
		return first(concept(get(m, "type")), str(m, "description"))
	case "Encounter":
		return first(concept(get(m, "type", 0)), concept(get(m, "serviceType")),
			str(m, "class", "display"), str(m, "class", "code"))
	case "Goal":
		return concept(get(m, "description"))
	case "CarePlan":
		return first(str(m, "title"), str(m, "description"), concept(get(m, "category", 0)))
	case "CareTeam":
		return first(str(m, "name"), concept(get(m, "category", 0)))
	case "Device":
		return first(str(m, "deviceName", 0, "name"), concept(get(m, "type")))
	}
	return concept(get(m, "code"))
}

// humanName formats the official name, else the usual one, else the first.
func humanName(v any) string {
	pick := pickName(v)
	if pick == nil {
		return ""
	}
	if t := str(pick, "text"); t != "" {
		return t
	}
	var parts []string
	given, _ := get(pick, "given").([]any)
	for _, g := range given {
		if s, ok := g.(string); ok && s != "" {
			parts = append(parts, s)
		}
	}
	if f := str(pick, "family"); f != "" {
		parts = append(parts, f)
	}
	return strings.Join(parts, " ")
}

func pickName(v any) any {
	names, _ := v.([]any)
	for _, use := range []string{"official", "usual"} {
		for _, n := range names {
			if str(n, "use") == use {
				return n
			}
		}
	}
	return get(names, 0)
}

func status(m obj) string {
	return first(str(m, "status"), concept(get(m, "clinicalStatus")),
		concept(get(m, "verificationStatus")))
}

func code(typ string, m obj) string {
	switch typ {
	case "MedicationRequest", "MedicationAdministration":
		return str(m, "medicationCodeableConcept", "coding", 0, "code")
	case "Immunization":
		return str(m, "vaccineCode", "coding", 0, "code")
	}
	return str(m, "code", "coding", 0, "code")
}

// value reads value[x]; for a panel without one (blood pressure) it joins
// the components' quantities when they share a unit: "120/80" "mm[Hg]".
func value(m obj) (string, string) {
	if v, u, ok := valueOf(m); ok {
		return v, u
	}
	comps, _ := get(m, "component").([]any)
	var vals []string
	unit := ""
	for i, c := range comps {
		v, u, ok := valueOf(c)
		if !ok || (i > 0 && u != unit) {
			return "", ""
		}
		vals, unit = append(vals, v), u
	}
	return strings.Join(vals, "/"), unit
}

func valueOf(v any) (string, string, bool) {
	if q := get(v, "valueQuantity"); q != nil {
		val := str(q, "value")
		return val, first(str(q, "unit"), str(q, "code")), val != ""
	}
	for _, k := range []string{"valueString", "valueInteger", "valueBoolean", "valueDateTime"} {
		if s := str(v, k); s != "" {
			return s, "", true
		}
	}
	if c := get(v, "valueCodeableConcept"); c != nil {
		s := concept(c)
		return s, "", s != ""
	}
	return "", "", false
}

// category reads category as an array of CodeableConcepts, an array of
// codes (AllergyIntolerance) or a single CodeableConcept (Procedure).
func category(m obj) string {
	c := get(m, "category")
	if a, ok := c.([]any); ok {
		if len(a) == 0 {
			return ""
		}
		c = a[0]
	}
	switch v := c.(type) {
	case string:
		return v
	case obj:
		return first(str(v, "coding", 0, "code"), str(v, "text"))
	}
	return ""
}

// refRange writes the first referenceRange: its text, else its low and
// high quantities, values as written.
func refRange(m obj) string {
	rr := get(m, "referenceRange", 0)
	if t := str(rr, "text"); t != "" {
		return t
	}
	lo, hi := str(rr, "low", "value"), str(rr, "high", "value")
	unit := first(str(rr, "high", "unit"), str(rr, "low", "unit"), str(rr, "high", "code"),
		str(rr, "low", "code"))
	var out string
	switch {
	case lo != "" && hi != "":
		out = lo + "–" + hi
	case lo != "":
		out = "≥ " + lo
	case hi != "":
		out = "≤ " + hi
	default:
		return ""
	}
	if unit != "" {
		out += " " + unit
	}
	return out
}
