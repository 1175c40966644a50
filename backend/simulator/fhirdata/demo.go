package fhirdata

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Code systems used by the demo patient.
const (
	sysLOINC   = "http://loinc.org"
	sysSNOMED  = "http://snomed.info/sct"
	sysRxNorm  = "http://www.nlm.nih.gov/research/umls/rxnorm"
	sysCVX     = "http://hl7.org/fhir/sid/cvx"
	sysICD10   = "http://hl7.org/fhir/sid/icd-10-cm"
	sysNDC     = "http://hl7.org/fhir/sid/ndc"
	sysNPI     = "http://hl7.org/fhir/sid/us-npi"
	sysUCUM    = "http://unitsofmeasure.org"
	sysObsCat  = "http://terminology.hl7.org/CodeSystem/observation-category"
	sysInterp  = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	sysCondCS  = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	sysCondVS  = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	sysCondCat = "http://terminology.hl7.org/CodeSystem/condition-category"
	sysAllerCS = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	sysAllerVS = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
	sysDAR     = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
	xhtmlOpen  = `<div xmlns="http://www.w3.org/1999/xhtml">`
)

// DemoPatient generates a deterministic demo patient with the default options.
func DemoPatient(seed int64) *Patient { return Options{}.DemoPatient(seed) }

// DemoPatient generates a plausible patient with about five years of records,
// the same for the same seed, so the demo needs no outside data. It reproduces
// healow's content quirks (HEALOW.md §3): lab values as valueString, a
// text-only DiagnosticReport and AllergyIntolerance code, a _lotNumber
// data-absent-reason, sentinel dates, a fake NDC, narratives that are not valid
// XHTML or carry script, ids that differ only by case, and attachments served as
// Binary resources (one a small PDF).
func (o Options) DemoPatient(seed int64) *Patient {
	d := &demo{
		rng:  rand.New(rand.NewPCG(uint64(seed), 0x63686b70)),
		zone: o.zone(),
		seed: seed,
	}
	d.generate()
	p, err := newPatient(d.out, d.zone)
	if err != nil {
		panic("fhirdata: demo patient is inconsistent: " + err.Error())
	}
	return p
}

// demo accumulates the resources of one generated patient.
type demo struct {
	rng  *rand.Rand
	zone *time.Location
	seed int64
	out  []*object
	n    int // id counter, keeps generated ids unique

	patient, practice, lab   *object
	doctors, sites           []*object
	encounters               []*object
	diabetes, bronchitis     *object
	goal, careTeam, medicine *object
}

func (d *demo) generate() {
	d.directory()
	d.makePatient()
	d.makeEncounters()
	d.makeConditions()
	d.makeObservations()
	d.makeMedications()
	d.makeAllergies()
	d.makeImmunizations()
	d.makeProcedures()
	d.makeCare()
	d.makeDocuments()
	d.makeProvenance()
}

func (d *demo) add(r *object) *object {
	d.out = append(d.out, r)
	return r
}

// newID returns an opaque id such as "enc-k3P9x.7", with '-' and '.' as healow
// ids have (HEALOW.md §3).
func (d *demo) newID(prefix string) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 5)
	for i := range b {
		b[i] = alphabet[d.rng.IntN(len(alphabet))]
	}
	d.n++
	return fmt.Sprintf("%s-%s.%d", prefix, b, d.n)
}

// ref returns a Reference to r, with display when given.
func ref(r *object, display string) *object {
	return obj("reference", r.str("resourceType")+"/"+r.str("id"), "display", nonEmpty(display))
}

// refs returns references to each resource, without display.
func refs(rs ...*object) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		out[i] = ref(r, "")
	}
	return out
}

// dt formats t as a dateTime with the practice offset.
func (d *demo) dt(t time.Time) string { return formatDateTime(t.In(d.zone), "") }

// midnight formats a date-only fact the way healow does: local midnight with
// the practice offset (HEALOW.md §3).
func (d *demo) midnight(y int, m time.Month, day int) string {
	return d.dt(time.Date(y, m, day, 0, 0, 0, 0, d.zone))
}

func date(t time.Time) string { return t.Format("2006-01-02") }

func cd(system, code, display string) *object {
	return obj("system", system, "code", code, "display", nonEmpty(display))
}

// concept is a CodeableConcept with one coding and the display as text.
func concept(system, code, display string) *object {
	return obj("coding", arr(cd(system, code, display)), "text", display)
}

func textOnly(text string) *object { return obj("text", text) }

func num(v float64, decimals int) json.Number {
	return json.Number(strconv.FormatFloat(v, 'f', decimals, 64))
}

func quantity(v float64, decimals int, unit string) *object {
	return obj("value", num(v, decimals), "unit", unit, "system", sysUCUM, "code", unit)
}

func narrative(status, div string) *object { return obj("status", status, "div", div) }

// pick returns one of choices.
func (d *demo) pick(choices ...string) string { return choices[d.rng.IntN(len(choices))] }

// jitter returns v moved by up to ±spread.
func (d *demo) jitter(v, spread float64) float64 { return v + (d.rng.Float64()*2-1)*spread }
