package fhirdata

import (
	"net/url"
	"slices"
	"strings"
)

// referencedTypes are the types a client reads by id after its searches,
// because healow serves them only by reference (HEALOW.md §3).
var referencedTypes = []string{"Practitioner", "Organization", "Location", "Medication"}

// Served returns, by type, the sorted ids a correct client ends up holding: the
// Patient; everything the supported searches return for every Observation
// category, CarePlan category and CareTeam status a client asks for; and each
// Practitioner, Organization, Location and Medication the data holds that one of
// those resources references directly. Binary attachments and Provenance are
// not included. The map is freshly built on each call.
func (p *Patient) Served() map[string][]string {
	served := map[string]map[string]*stored{"Patient": {p.id: p.byType["Patient"][p.id]}}
	add := func(typ string, ss []*stored) {
		if len(ss) > 0 && served[typ] == nil {
			served[typ] = map[string]*stored{}
		}
		for _, s := range ss {
			served[typ][s.id] = s
		}
	}
	for _, q := range p.plan() {
		found, err := p.find(q.typ, q.params)
		if err != nil {
			panic("fhirdata: client plan rejected: " + err.Error())
		}
		add(q.typ, found)
	}

	var refs []string
	for _, m := range served {
		for _, s := range m {
			refs = append(refs, s.refs...)
		}
	}
	for _, ref := range refs {
		typ, id, _ := strings.Cut(ref, "/")
		if s, ok := p.byType[typ][id]; ok && slices.Contains(referencedTypes, typ) {
			add(typ, []*stored{s})
		}
	}

	out := make(map[string][]string, len(served))
	for typ, m := range served {
		out[typ] = sortedIDs(m)
	}
	return out
}

type query struct {
	typ    string
	params url.Values
}

// plan lists the searches a correct client runs for this patient.
func (p *Patient) plan() []query {
	var qs []query
	by := func(typ string, kv ...string) {
		v := url.Values{"patient": {p.id}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		qs = append(qs, query{typ, v})
	}
	for _, t := range PatientSearchTypes() {
		by(t)
	}
	for _, c := range ObservationCategories() {
		by("Observation", "category", c)
	}
	for _, c := range CarePlanCategories() {
		by("CarePlan", "category", c)
	}
	for _, s := range CareTeamStatuses() {
		by("CareTeam", "status", s)
	}
	return qs
}
