package fhirdata

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// SearchError is the answer healow gives to a search it cannot handle: an HTTP
// status and the diagnostics text of the OperationOutcome issue.
type SearchError struct {
	Status      int
	Diagnostics string
}

// Error returns the status and diagnostics.
func (e *SearchError) Error() string {
	return fmt.Sprintf("fhirdata: search answered %d: %s", e.Status, e.Diagnostics)
}

// ObservationCategories are the Observation categories healow is searched by
// (HEALOW.md §3), in the order a client asks for them.
func ObservationCategories() []string {
	return []string{"laboratory", "vital-signs", "social-history", "exam", "imaging",
		"survey", "sdoh"}
}

// CareTeamStatuses are the CareTeam status codes a client searches one by one,
// since healow's CareTeam search needs a status (HEALOW.md §3).
func CareTeamStatuses() []string {
	return []string{"proposed", "active", "suspended", "inactive", "entered-in-error"}
}

// CarePlanCategories are the CarePlan categories a client searches by.
func CarePlanCategories() []string { return []string{"assess-plan"} }

// PatientSearchTypes are the types healow searches with patient= alone.
func PatientSearchTypes() []string {
	return []string{"AllergyIntolerance", "Condition", "Device", "DiagnosticReport",
		"DocumentReference", "Encounter", "Goal", "Immunization",
		"MedicationAdministration", "MedicationRequest", "Procedure"}
}

// searchRule is one search binding of the HAPI facade: the parameters it needs
// and the extra filter it applies. HAPI picks a binding only when every given
// parameter is one it knows, so extra parameters fail as missing ones do.
type searchRule struct {
	required []string
	match    func(s *stored, params url.Values) bool
}

// countParam is accepted by every binding; paging is the HTTP layer's job.
const countParam = "_count"

var searchRules = func() map[string]searchRule {
	rules := map[string]searchRule{
		// HEALOW.md §3: these answer 400 with patient alone.
		"Observation": {[]string{"patient", "category"}, matchCategory},
		"CarePlan":    {[]string{"patient", "category"}, matchCategory},
		"CareTeam":    {[]string{"patient", "status"}, matchStatus},
		"Provenance":  {[]string{"_id"}, matchID},
	}
	for _, t := range PatientSearchTypes() {
		rules[t] = searchRule{required: []string{"patient"}}
	}
	return rules
}()

// Search runs a type search the way healow's FHIR facade does for this patient
// (HEALOW.md §3) and returns every match, ordered by id; it does not page and
// ignores _count. A search healow cannot handle — an unsupported type, a
// missing required parameter or an unknown one — returns a *SearchError with
// status 400 and HAPI's wording. A patient parameter naming another patient
// matches nothing.
func (p *Patient) Search(typ string, params url.Values) ([]json.RawMessage, error) {
	found, err := p.find(typ, params)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(found))
	for i, s := range found {
		out[i] = s.raw
	}
	return out, nil
}

func (p *Patient) find(typ string, params url.Values) ([]*stored, error) {
	rule, ok := searchRules[typ]
	if !ok || !rule.accepts(params) {
		return nil, unsupported(params)
	}
	var out []*stored
	for _, id := range p.order[typ] {
		s := p.byType[typ][id]
		if p.matchPatient(s, params) && (rule.match == nil || rule.match(s, params)) {
			out = append(out, s)
		}
	}
	return out, nil
}

// accepts reports whether params has every required parameter, each with a
// value, and nothing this binding does not know.
func (r searchRule) accepts(params url.Values) bool {
	for _, name := range r.required {
		if !hasValue(params[name]) {
			return false
		}
	}
	for name := range params {
		if name != countParam && !slices.Contains(r.required, name) {
			return false
		}
	}
	return true
}

func hasValue(vs []string) bool {
	return slices.ContainsFunc(vs, func(v string) bool { return strings.TrimSpace(v) != "" })
}

// unsupported builds healow's 400. The recorded message lists [patient,_count]
// (HEALOW.md §3), so names are sorted with result parameters (_x) last.
func unsupported(params url.Values) *SearchError {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		ua, ub := strings.HasPrefix(a, "_"), strings.HasPrefix(b, "_")
		if ua != ub {
			if ua {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	return &SearchError{
		Status: 400,
		Diagnostics: "Does not know how to handle get operation with parameter [" +
			strings.Join(names, ",") + "]",
	}
}

// eachParam reports whether every occurrence of name (AND) has at least one
// comma-separated value (OR) for which ok holds.
func eachParam(params url.Values, name string, ok func(string) bool) bool {
	for _, v := range params[name] {
		if !slices.ContainsFunc(strings.Split(v, ","), func(part string) bool {
			return ok(strings.TrimSpace(part))
		}) {
			return false
		}
	}
	return true
}

// matchPatient applies the patient parameter, when the binding has one: it
// takes an id, "Patient/{id}" or an absolute URL ending so.
func (p *Patient) matchPatient(s *stored, params url.Values) bool {
	if _, ok := params["patient"]; !ok {
		return true
	}
	if s.subject != "Patient/"+p.id {
		return false
	}
	return eachParam(params, "patient", func(v string) bool {
		if i := strings.LastIndex(v, "Patient/"); i == 0 || i > 0 && v[i-1] == '/' {
			v = v[i+len("Patient/"):]
		}
		return v == p.id
	})
}

// matchCategory applies a token parameter (code, system|code, |code or
// system|) to category.coding.
func matchCategory(s *stored, params url.Values) bool {
	return eachParam(params, "category", func(v string) bool {
		system, code, hasSystem := strings.Cut(v, "|")
		if !hasSystem {
			code, system = system, ""
		}
		return slices.ContainsFunc(s.categories, func(c coding) bool {
			if hasSystem && c.system != system {
				return false
			}
			return code == "" && hasSystem || c.code == code
		})
	})
}

func matchStatus(s *stored, params url.Values) bool {
	return eachParam(params, "status", func(v string) bool { return v == s.status })
}

func matchID(s *stored, params url.Values) bool {
	return eachParam(params, "_id", func(v string) bool { return v == s.id })
}
