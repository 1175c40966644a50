package present

// Group is a heading of the records view: one or more resource types, or
// a part of Observation by category.
type Group struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Groups lists the groups in the order a patient looks for them.
var Groups = []Group{
	{"labs", "Lab results"},
	{"vitals", "Vital signs"},
	{"medications", "Medications"},
	{"conditions", "Conditions"},
	{"allergies", "Allergies"},
	{"immunizations", "Immunizations"},
	{"visits", "Visits"},
	{"documents", "Documents"},
	{"reports", "Reports"},
	{"procedures", "Procedures"},
	{"careplans", "Care plans"},
	{"goals", "Goals"},
	{"careteam", "Care team"},
	{"devices", "Devices"},
	{"social", "Social history"},
	{"observations", "Other observations"},
	{"providers", "Clinicians and places"},
}

var typeGroups = map[string]string{
	"MedicationRequest":        "medications",
	"MedicationAdministration": "medications",
	"Condition":                "conditions",
	"AllergyIntolerance":       "allergies",
	"Immunization":             "immunizations",
	"Encounter":                "visits",
	"DocumentReference":        "documents",
	"DiagnosticReport":         "reports",
	"Procedure":                "procedures",
	"CarePlan":                 "careplans",
	"Goal":                     "goals",
	"CareTeam":                 "careteam",
	"Device":                   "devices",
	"Practitioner":             "providers",
	"Organization":             "providers",
	"Location":                 "providers",
}

var categoryGroups = map[string]string{
	"laboratory":     "labs",
	"vital-signs":    "vitals",
	"social-history": "social",
}

// GroupOf tells which group a resource belongs to, or "" for resources not
// listed on their own (the Patient, Medications, Binaries, Provenance).
func GroupOf(typ string, raw []byte) string {
	if typ == "Observation" {
		return observationGroup(decode(raw))
	}
	return typeGroups[typ]
}

func observationGroup(m map[string]any) string {
	for _, c := range list(m["category"]) {
		for _, cd := range list(obj(c)["coding"]) {
			if g := categoryGroups[str(obj(cd)["code"])]; g != "" {
				return g
			}
		}
	}
	return "observations"
}

// TypesOf gives the resource types whose records may fall in a group.
func TypesOf(group string) []string {
	var out []string
	switch group {
	case "labs", "vitals", "social", "observations":
		return []string{"Observation"}
	}
	for _, t := range typeOrder {
		if typeGroups[t] == group {
			out = append(out, t)
		}
	}
	return out
}

var typeOrder = []string{
	"MedicationRequest", "MedicationAdministration", "Condition", "AllergyIntolerance",
	"Immunization", "Encounter", "DocumentReference", "DiagnosticReport", "Procedure",
	"CarePlan", "Goal", "CareTeam", "Device", "Practitioner", "Organization", "Location",
}

// LabelOf is the patient-facing label of a group.
func LabelOf(group string) string {
	for _, g := range Groups {
		if g.Key == group {
			return g.Label
		}
	}
	return group
}

// Listed reports whether records of this type appear in some group.
func Listed(typ string) bool { return typ == "Observation" || typeGroups[typ] != "" }
