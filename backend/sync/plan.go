// Package sync downloads every record of one patient from a practice's
// FHIR API into the store.
//
// A run reads the Patient and runs the searches of Plan on a bounded pool
// of workers, longest first. Each page is stored in one transaction
// together with the search's cursor (the next link), while the next page is
// already being fetched. The Practitioners, Organizations, Locations and
// Medications that stored resources refer to are read once each as soon as
// they are seen, and attachments are downloaded when allowed.
//
// A search that fails is reported as a partial result for its type while
// the others go on; an expired token stops the whole run. Runs belong to a
// cycle: a run cut short (expired token, cancel, crash) leaves its cycle
// open, and a Resume run continues it from the cursors. When every search
// of a type has completed in a cycle, the resources of that type the cycle
// did not see are marked removed.
package sync

import (
	"net/url"
	"slices"
)

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

// Key identifies a search across runs (its cursor): the type and the query
// without the patient and _count. Reads have no key.
func (s Search) Key() string {
	if s.ID != "" {
		return ""
	}
	q := url.Values{}
	for k, v := range s.Query {
		if k != "patient" && k != "_count" {
			q[k] = v
		}
	}
	if len(q) == 0 {
		return s.Type
	}
	return s.Type + "?" + q.Encode()
}

// pageSize is sent as _count: the simulator's cap, and fewer pages mean
// fewer requests under healow's 250 a minute. healow echoes it as
// Bundle.total (HEALOW.md §3); a server that pages smaller still works.
const pageSize = "100"

// Types searched with patient= alone (HEALOW.md §3), the usually long
// ones first.
var patientTypes = []string{
	"DiagnosticReport", "Encounter", "DocumentReference", "Procedure", "MedicationRequest",
	"Condition", "Immunization", "AllergyIntolerance", "Device", "Goal",
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
// them. They are never searched, so a sync never marks them removed: one
// no longer referenced stays, and only a read answered 410 Gone marks one.
var ReferenceTypes = []string{"Practitioner", "Organization", "Location", "Medication"}

// Plan returns the requests of a sync for patientID: the Patient read
// first, then the searches, Observations (usually the longest) first. The
// referenced resources (ReferenceTypes) are found during the run and are
// not in the plan. Provenance is not searched: healow takes only _id for
// it (HEALOW.md §3), and nothing gives the ids.
func Plan(patientID string) []Search {
	plan := []Search{{Type: "Patient", ID: patientID}}
	q := func(extra ...string) url.Values {
		v := url.Values{"patient": {patientID}, "_count": {pageSize}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	for _, c := range observationCategories {
		plan = append(plan, Search{Type: "Observation", Query: q("category", c)})
	}
	for _, t := range patientTypes {
		plan = append(plan, Search{Type: t, Query: q()})
	}
	for _, c := range carePlanCategories {
		plan = append(plan, Search{Type: "CarePlan", Query: q("category", c)})
	}
	for _, s := range careTeamStatuses {
		plan = append(plan, Search{Type: "CareTeam", Query: q("status", s)})
	}
	return plan
}

// longestFirst puts the reads first, then orders the searches by the pages
// each took last time, most first, keeping the plan's order among equals:
// the longest chain of pages bounds a run's time, so it must start at once.
func longestFirst(plan []Search, pages map[string]int) []Search {
	out := slices.Clone(plan)
	weight := func(q Search) int {
		if q.ID != "" {
			return 1 << 30
		}
		return pages[q.Key()]
	}
	slices.SortStableFunc(out, func(a, b Search) int { return weight(b) - weight(a) })
	return out
}
