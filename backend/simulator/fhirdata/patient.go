package fhirdata

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sentinel errors returned (wrapped) by the loaders.
var (
	// ErrInvalidBundle means the input is not a usable FHIR Bundle.
	ErrInvalidBundle = errors.New("fhirdata: invalid bundle")
	// ErrUnresolvedReference means a reference names no resource the bundle
	// holds and cannot be synthesized (a dangling urn:uuid, an unsupported
	// conditional query, or an ambiguous match).
	ErrUnresolvedReference = errors.New("fhirdata: unresolved reference")
	// ErrPatientCount means the data holds no Patient or more than one.
	ErrPatientCount = errors.New("fhirdata: need exactly one Patient")
)

// Options configures how patient data is prepared.
type Options struct {
	// Zone is the practice's local zone every dateTime is rewritten into
	// (HEALOW.md §3). Nil means DefaultZone.
	Zone *time.Location
}

func (o Options) zone() *time.Location {
	if o.Zone == nil {
		return DefaultZone
	}
	return o.Zone
}

// Patient is one patient's complete record set, immutable once built and safe
// for concurrent use. The json.RawMessage values it returns share its storage:
// callers must not modify them.
type Patient struct {
	id     string
	name   string
	byType map[string]map[string]*stored
	order  map[string][]string // type -> ids in byte order
}

// stored is one resource as served plus what searches filter on.
type stored struct {
	id         string
	raw        json.RawMessage
	subject    string   // "Patient/{id}" from subject or patient
	categories []coding // category[].coding[]
	status     string
	refs       []string // every relative "Type/id" reference in the resource
}

type coding struct{ system, code string }

// ID returns the Patient resource's id.
func (p *Patient) ID() string { return p.id }

// Name returns the patient's display name: the given names and family name of
// the official (else first) HumanName, or its text. Synthea's numeric name
// suffixes are kept as written.
func (p *Patient) Name() string { return p.name }

// Read returns the resource typ/id exactly as stored, for any type the data
// holds (including types no healow search serves, and Binary). Ids are
// case-sensitive.
func (p *Patient) Read(typ, id string) (json.RawMessage, bool) {
	s, ok := p.byType[typ][id]
	if !ok {
		return nil, false
	}
	return s.raw, true
}

// Counts returns how many resources of each type the data holds.
func (p *Patient) Counts() map[string]int {
	out := make(map[string]int, len(p.byType))
	for t, m := range p.byType {
		out[t] = len(m)
	}
	return out
}

// newPatient finishes a set of resource trees: it rewrites every dateTime into
// zone, marshals each resource once and indexes what searches need. Every
// resource must already carry resourceType and a unique id.
func newPatient(resources []*object, zone *time.Location) (*Patient, error) {
	p := &Patient{byType: map[string]map[string]*stored{}}
	var patients []*object
	for _, r := range resources {
		mapStrings(r, func(s string) string { return inZone(s, zone) })
		typ, id := r.str("resourceType"), r.str("id")
		if p.byType[typ] == nil {
			p.byType[typ] = map[string]*stored{}
		}
		if _, dup := p.byType[typ][id]; dup {
			return nil, fmt.Errorf("%w: duplicate %s/%s", ErrInvalidBundle, typ, id)
		}
		p.byType[typ][id] = index(r)
		if typ == "Patient" {
			patients = append(patients, r)
		}
	}
	if len(patients) != 1 {
		return nil, fmt.Errorf("%w: found %d", ErrPatientCount, len(patients))
	}
	p.order = make(map[string][]string, len(p.byType))
	for typ, m := range p.byType {
		p.order[typ] = sortedIDs(m)
	}
	p.id = patients[0].str("id")
	p.name = displayName(patients[0])
	return p, nil
}

// index marshals r and extracts the fields searches filter on.
func index(r *object) *stored {
	s := &stored{id: r.str("id"), status: r.str("status")}
	s.raw = encodeTree(nil, r)
	for _, field := range []string{"subject", "patient"} {
		if ref := r.child(field).str("reference"); s.subject == "" && ref != "" {
			s.subject = ref
		}
	}
	for _, cat := range r.list("category") {
		c, _ := cat.(*object)
		for _, cd := range c.list("coding") {
			if cd, ok := cd.(*object); ok {
				s.categories = append(s.categories, coding{cd.str("system"), cd.str("code")})
			}
		}
	}
	walkObjects(r, func(o *object) {
		if ref := o.str("reference"); isRelative(ref) {
			s.refs = append(s.refs, ref)
		}
	})
	return s
}

// isRelative reports whether ref has the form Type/id.
func isRelative(ref string) bool {
	typ, id, ok := strings.Cut(ref, "/")
	return ok && isTypeName(typ) && validID(id)
}

func isTypeName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validID reports whether s is a FHIR id: 1-64 of [A-Za-z0-9-.].
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// displayName picks the official HumanName (else the first) and joins its given
// and family names, falling back to its text.
func displayName(patient *object) string {
	var chosen *object
	for _, n := range patient.list("name") {
		n, ok := n.(*object)
		if !ok {
			continue
		}
		if chosen == nil {
			chosen = n
		}
		if n.str("use") == "official" {
			chosen = n
			break
		}
	}
	if chosen == nil {
		return ""
	}
	var parts []string
	for _, g := range chosen.list("given") {
		if g, ok := g.(string); ok && g != "" {
			parts = append(parts, g)
		}
	}
	if f := chosen.str("family"); f != "" {
		parts = append(parts, f)
	}
	if len(parts) == 0 {
		return chosen.str("text")
	}
	return strings.Join(parts, " ")
}

// sortedIDs returns the ids of m in byte order.
func sortedIDs(m map[string]*stored) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
