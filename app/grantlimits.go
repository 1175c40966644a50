package app

import (
	"slices"
	"strings"

	"chartkeep/backend/smart"
	ksync "chartkeep/backend/sync"
)

// accessLimits is what a granted scope leaves out. healow may grant less
// than was asked (HEALOW.md §1); what is missing is turned off, and the
// patient is told (HEALOW.md §4 step 7).
type accessLimits struct {
	missing []string // resource types the grant does not allow reading
	noFiles bool     // smart.BinaryScope not granted: no attachment downloads
}

// grantLimits compares a granted scope with what the sync reads. An empty
// scope (a connection saved before scopes were kept) limits nothing.
func grantLimits(scope string) accessLimits {
	var l accessLimits
	if strings.TrimSpace(scope) == "" {
		return l
	}
	g := &smart.Grant{Scope: scope}
	for _, t := range syncedTypes() {
		if !smart.HasScope(g, "patient/"+t+".read") {
			l.missing = append(l.missing, t)
		}
	}
	l.noFiles = !smart.HasScope(g, smart.BinaryScope)
	return l
}

// syncedTypes are the types of a full sync, the Patient first.
func syncedTypes() []string {
	var out []string
	for _, q := range ksync.Plan("p") {
		if !slices.Contains(out, q.Type) {
			out = append(out, q.Type)
		}
	}
	for _, t := range ksync.ReferenceTypes {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// allows reports whether records of typ may be read.
func (l accessLimits) allows(typ string) bool { return !slices.Contains(l.missing, typ) }

// plan is the sync plan without the searches the grant does not allow.
func (l accessLimits) plan(patientID string) []ksync.Search {
	var out []ksync.Search
	for _, q := range ksync.Plan(patientID) {
		if l.allows(q.Type) {
			out = append(out, q)
		}
	}
	return out
}

// referenceTypes are the referenced types the sync may read.
func (l accessLimits) referenceTypes() []string {
	out := []string{}
	for _, t := range ksync.ReferenceTypes {
		if l.allows(t) {
			out = append(out, t)
		}
	}
	return out
}

// message tells the patient what is turned off, or "" when nothing is.
func (l accessLimits) message() string {
	var parts []string
	if l.noFiles {
		parts = append(parts, "Your practice did not allow Chartkeep to download documents' "+
			"files, so your documents are listed without their attached files.")
	}
	if len(l.missing) > 0 {
		names := make([]string, 0, len(l.missing))
		for _, t := range l.missing {
			names = append(names, typeWords(t))
		}
		lead := "Your practice did not allow Chartkeep to read "
		if l.noFiles {
			lead = "It also did not allow "
		}
		parts = append(parts, lead+joinWords(names)+"; Chartkeep skips them. To include "+
			"them, select those scopes for your app on the healow developer portal and "+
			"reconnect.")
	}
	return strings.Join(parts, " ")
}

// notices lists the limits as separate sentences, for the window.
func (l accessLimits) notices() []string {
	if m := l.message(); m != "" {
		return []string{m}
	}
	return []string{}
}

var typeNames = map[string]string{
	"Patient":                  "your personal details",
	"AllergyIntolerance":       "allergies",
	"Condition":                "conditions",
	"Device":                   "devices",
	"DiagnosticReport":         "reports",
	"DocumentReference":        "documents",
	"Encounter":                "visits",
	"Goal":                     "goals",
	"Immunization":             "immunizations",
	"MedicationRequest":        "medications",
	"MedicationAdministration": "medications given",
	"Procedure":                "procedures",
	"Observation":              "lab results, vital signs and other observations",
	"CarePlan":                 "care plans",
	"CareTeam":                 "care teams",
	"Practitioner":             "clinicians",
	"Organization":             "organizations",
	"Location":                 "locations",
	"Medication":               "medication details",
}

func typeWords(t string) string {
	if w, ok := typeNames[t]; ok {
		return w
	}
	return t
}

func joinWords(ws []string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " and " + ws[len(ws)-1]
}
