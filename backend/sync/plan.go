// Package sync downloads every record of one patient from a practice's
// FHIR API into the store.
//
// A run reads the Patient, runs the searches of Plan concurrently, stores
// each page in one transaction, then reads the Practitioners,
// Organizations, Locations and Medications the stored resources refer to,
// once each. A search that fails is reported as a partial result for its
// type while the others go on; an expired token stops the whole run.
package sync

import "net/url"

// Search is one request of a sync: a read when ID is set, else a search of
// Type with Query.
type Search struct {
	Type  string
	ID    string
	Query url.Values
}

// Label names the search in error messages: the type and the parameters
// that tell searches of one type apart (never the patient id).
func (s Search) Label() string {
	switch {
	case s.ID != "":
		return s.Type + " read"
	case s.Query.Has("category"):
		return s.Type + " category=" + s.Query.Get("category")
	case s.Query.Has("status"):
		return s.Type + " status=" + s.Query.Get("status")
	}
	return s.Type
}

// pageSize is sent as _count. healow pages with it and echoes it as
// Bundle.total (HEALOW.md §3).
const pageSize = "50"

// Types searched with patient= alone (HEALOW.md §3).
var patientTypes = []string{
	"AllergyIntolerance", "Condition", "Device", "DiagnosticReport", "DocumentReference",
	"Encounter", "Goal", "Immunization", "MedicationRequest", "Procedure",
	"MedicationAdministration",
}

// healow answers 400 to Observation, CarePlan and CareTeam searches with
// only patient=: they need a category or a status each (HEALOW.md §3).
var (
	observationCategories = []string{
		"laboratory", "vital-signs", "social-history", "exam", "imaging", "survey", "sdoh",
	}
	carePlanCategories = []string{"assess-plan"}
	careTeamStatuses   = []string{"proposed", "active", "suspended", "inactive", "entered-in-error"}
)

// ReferenceTypes are the types read by id when stored resources refer to
// them, after the searches.
var ReferenceTypes = []string{"Practitioner", "Organization", "Location", "Medication"}

// Plan returns the requests of a sync for patientID: the Patient read
// first, then the searches. The referenced resources (ReferenceTypes) are
// found during the run and are not in the plan.
func Plan(patientID string) []Search {
	plan := []Search{{Type: "Patient", ID: patientID}}
	q := func(extra ...string) url.Values {
		v := url.Values{"patient": {patientID}, "_count": {pageSize}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	for _, t := range patientTypes {
		plan = append(plan, Search{Type: t, Query: q()})
	}
	for _, c := range observationCategories {
		plan = append(plan, Search{Type: "Observation", Query: q("category", c)})
	}
	for _, c := range carePlanCategories {
		plan = append(plan, Search{Type: "CarePlan", Query: q("category", c)})
	}
	for _, s := range careTeamStatuses {
		plan = append(plan, Search{Type: "CareTeam", Query: q("status", s)})
	}
	return plan
}
