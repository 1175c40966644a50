package present

import (
	"strings"
)

// Summary is one line of a record list.
type Summary struct {
	Title    string
	Subtitle string
	Status   string
}

// Summarize gives the title and subtitle of a resource. The title is never
// empty: a resource without a readable name is called by its type.
func Summarize(typ string, raw []byte) Summary {
	m := decode(raw)
	s := summarize(typ, m)
	if s.Title == "" {
		s.Title = typeLabel(typ)
	}
	return s
}

func summarize(typ string, m map[string]any) Summary {
	status := first(concept(m["clinicalStatus"]), str(m["status"]))
	switch typ {
	case "Observation":
		return Summary{concept(m["code"]), observationValue(m), str(m["status"])}
	case "Condition":
		return Summary{concept(m["code"]), join(concept(m["clinicalStatus"]),
			onset(m)), status}
	case "MedicationRequest", "MedicationAdministration":
		return Summary{medication(m), dosage(m), str(m["status"])}
	case "AllergyIntolerance":
		return Summary{concept(m["code"]), join(reactions(m), str(m["criticality"])), status}
	case "Immunization":
		return Summary{concept(m["vaccineCode"]), str(m["status"]), str(m["status"])}
	case "Encounter":
		return Summary{encounterTitle(m), join(locations(m), participants(m)), str(m["status"])}
	case "DocumentReference":
		return Summary{first(str(m["description"]), concept(m["type"]), concepts(m["category"])),
			contentTypes(m), str(m["status"])}
	case "DiagnosticReport":
		return Summary{concept(m["code"]), first(str(m["conclusion"]), concepts(m["category"])),
			str(m["status"])}
	case "Procedure":
		return Summary{concept(m["code"]), references(m["performer"]), str(m["status"])}
	case "CarePlan":
		return Summary{first(str(m["title"]), concepts(m["category"])), str(m["description"]),
			str(m["status"])}
	case "CareTeam":
		return Summary{first(str(m["name"]), concepts(m["category"])), members(m), str(m["status"])}
	case "Goal":
		return Summary{concept(m["description"]), str(m["lifecycleStatus"]),
			str(m["lifecycleStatus"])}
	case "Device":
		return Summary{deviceName(m), concept(m["type"]), str(m["status"])}
	case "Practitioner", "Patient", "RelatedPerson":
		return Summary{humanName(m["name"]), typeLabel(typ), ""}
	case "Organization", "Location":
		return Summary{str(m["name"]), typeLabel(typ), ""}
	}
	return Summary{first(concept(m["code"]), str(m["name"])), "", status}
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

// observationValue renders the value of an Observation: a quantity, the
// plain strings healow uses for lab values, a coded answer, or components
// such as the two pressures of a blood pressure.
func observationValue(m map[string]any) string {
	v := valueOf(m)
	if v == "" {
		var parts []string
		for _, c := range list(m["component"]) {
			if cv := valueOf(obj(c)); cv != "" {
				parts = append(parts, cv)
			}
		}
		v = bloodPressure(parts)
	}
	if i := concepts(m["interpretation"]); i != "" && v != "" {
		v += " (" + i + ")"
	}
	return v
}

// bloodPressure joins "120 mm[Hg]" and "80 mm[Hg]" as "120/80 mm[Hg]".
func bloodPressure(parts []string) string {
	if len(parts) == 2 {
		a, b := strings.Fields(parts[0]), strings.Fields(parts[1])
		if len(a) == 2 && len(b) == 2 && a[1] == b[1] {
			return a[0] + "/" + b[0] + " " + a[1]
		}
	}
	return strings.Join(parts, ", ")
}

func valueOf(m map[string]any) string {
	switch {
	case m["valueQuantity"] != nil:
		return quantity(m["valueQuantity"])
	case m["valueString"] != nil:
		return str(m["valueString"])
	case m["valueCodeableConcept"] != nil:
		return concept(m["valueCodeableConcept"])
	case m["valueBoolean"] != nil:
		return str(m["valueBoolean"])
	case m["valueInteger"] != nil:
		return str(m["valueInteger"])
	case m["valueDateTime"] != nil:
		return Date(str(m["valueDateTime"]))
	case m["valuePeriod"] != nil:
		return period(m["valuePeriod"])
	}
	return ""
}

func onset(m map[string]any) string {
	if d := Date(str(m["onsetDateTime"])); d != "" {
		return "since " + d
	}
	return str(m["onsetString"])
}

func medication(m map[string]any) string {
	return first(concept(m["medicationCodeableConcept"]), reference(m["medicationReference"]))
}

func dosage(m map[string]any) string {
	for _, d := range list(m["dosageInstruction"]) {
		if t := str(obj(d)["text"]); t != "" {
			return t
		}
	}
	return str(obj(m["dosage"])["text"])
}

func reactions(m map[string]any) string {
	var out []string
	for _, r := range list(m["reaction"]) {
		if t := concepts(obj(r)["manifestation"]); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(dedupe(out), ", ")
}

func encounterTitle(m map[string]any) string {
	if t := concepts(m["type"]); t != "" {
		return t
	}
	if c := obj(m["class"]); c != nil {
		return first(str(c["display"]), classNames[str(c["code"])], str(c["code"]))
	}
	return "Visit"
}

var classNames = map[string]string{
	"AMB": "Office visit", "EMER": "Emergency visit", "IMP": "Hospital stay",
	"VR": "Virtual visit", "HH": "Home visit",
}

func locations(m map[string]any) string {
	var out []string
	for _, l := range list(m["location"]) {
		if t := reference(obj(l)["location"]); t != "" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return reference(m["serviceProvider"])
	}
	return strings.Join(dedupe(out), ", ")
}

func participants(m map[string]any) string {
	var out []string
	for _, p := range list(m["participant"]) {
		if t := reference(obj(p)["individual"]); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(dedupe(out), ", ")
}

func members(m map[string]any) string {
	var out []string
	for _, p := range list(m["participant"]) {
		if t := reference(obj(p)["member"]); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(dedupe(out), ", ")
}

func contentTypes(m map[string]any) string {
	var out []string
	for _, c := range list(m["content"]) {
		if t := str(obj(obj(c)["attachment"])["contentType"]); t != "" {
			out = append(out, friendlyContentType(t))
		}
	}
	return strings.Join(dedupe(out), ", ")
}

func friendlyContentType(ct string) string {
	base := strings.TrimSpace(strings.SplitN(ct, ";", 2)[0])
	switch base {
	case "application/pdf":
		return "PDF"
	case "text/plain":
		return "Text"
	case "text/html":
		return "Web page"
	case "application/xml", "text/xml", "application/hl7-v3+xml":
		return "Clinical document (XML)"
	}
	return base
}

func deviceName(m map[string]any) string {
	for _, d := range list(m["deviceName"]) {
		if n := str(obj(d)["name"]); n != "" {
			return n
		}
	}
	return concept(m["type"])
}

var typeLabels = map[string]string{
	"AllergyIntolerance": "Allergy", "CarePlan": "Care plan", "CareTeam": "Care team",
	"DiagnosticReport": "Report", "DocumentReference": "Document", "Encounter": "Visit",
	"MedicationRequest": "Medication", "MedicationAdministration": "Medication given",
	"Observation": "Observation", "Practitioner": "Clinician", "Organization": "Organization",
	"Location": "Place", "Patient": "Patient", "Immunization": "Immunization",
	"Condition": "Condition", "Procedure": "Procedure", "Goal": "Goal", "Device": "Device",
}

func typeLabel(typ string) string {
	if l := typeLabels[typ]; l != "" {
		return l
	}
	return typ
}
