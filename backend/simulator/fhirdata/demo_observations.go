package fhirdata

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// labTest describes one demo laboratory test.
type labTest struct {
	loinc, name, unit string
	low, high         float64 // reference range; low 0 means none
	decimals          int
	value             func(d *demo, draw int) float64
}

var labTests = []labTest{
	{"4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 4.0, 5.6, 1,
		func(d *demo, draw int) float64 { return d.jitter(7.9-0.17*float64(draw), 0.2) }},
	{"18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay",
		"mg/dL", 0, 100, 0,
		func(d *demo, draw int) float64 { return d.jitter(148-7*float64(draw), 6) }},
	{"2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 70, 99, 0,
		func(d *demo, draw int) float64 { return d.jitter(150-6*float64(draw), 10) }},
	{"2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.7, 1.3, 2,
		func(d *demo, draw int) float64 { return d.jitter(0.95, 0.12) }},
}

func (d *demo) makeObservations() {
	weight := 96.0 + d.rng.Float64()*6
	height := 170.0 + d.rng.Float64()*12
	draw := 0
	for i := range d.encounters {
		at := d.encStart(i).Add(5 * time.Minute)
		weight = d.jitter(weight-0.35, 0.6)
		d.vitals(i, at, weight, height)
		if i%2 == 0 {
			d.labDraw(i, draw, at.Add(25*time.Minute))
			draw++
		}
	}
	d.socialHistory(0)
	d.socialHistory(12)
	d.survey(9)
}

func (d *demo) observation(prefix, category, catDisplay string, code *object, enc int,
	at time.Time) *object {
	return obj("resourceType", "Observation", "id", d.newID(prefix), "status", "final",
		"category", arr(obj("coding", arr(cd(sysObsCat, category, catDisplay)),
			"text", catDisplay)),
		"code", code,
		"subject", ref(d.patient, d.patientName()),
		"encounter", ref(d.encounters[enc], ""),
		"effectiveDateTime", d.dt(at),
		"issued", d.dt(at.Add(2*time.Hour)),
		"performer", arr(ref(d.doctors[d.encDoctor(enc)], d.doctorName(d.encDoctor(enc)))))
}

func (d *demo) vital(enc int, at time.Time, loinc, name string) *object {
	return d.observation("vs", "vital-signs", "Vital Signs", concept(sysLOINC, loinc, name),
		enc, at)
}

func (d *demo) vitals(enc int, at time.Time, weight, height float64) {
	sys := math.Round(d.jitter(136-float64(enc), 6))
	dia := math.Round(d.jitter(86-0.5*float64(enc), 4))
	bp := d.vital(enc, at, "85354-9", "Blood pressure panel with all children optional")
	bp.set("component", arr(
		obj("code", concept(sysLOINC, "8480-6", "Systolic blood pressure"),
			"valueQuantity", quantity(sys, 0, "mm[Hg]")),
		obj("code", concept(sysLOINC, "8462-4", "Diastolic blood pressure"),
			"valueQuantity", quantity(dia, 0, "mm[Hg]"))))
	if sys >= 130 || dia >= 80 {
		bp.set("interpretation", arr(concept(sysInterp, "H", "High")))
	}
	d.add(bp)

	bmi := weight / (height / 100 * height / 100)
	for _, v := range []struct {
		loinc, name, unit string
		value             float64
		decimals          int
	}{
		{"29463-7", "Body weight", "kg", weight, 1},
		{"8302-2", "Body height", "cm", height, 1},
		{"39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", bmi, 1},
		{"8867-4", "Heart rate", "/min", math.Round(d.jitter(74, 8)), 0},
	} {
		o := d.vital(enc, at, v.loinc, v.name)
		o.set("valueQuantity", quantity(v.value, v.decimals, v.unit))
		d.add(o)
	}
}

// labDraw adds the four demo tests drawn at encounter enc and the
// DiagnosticReport that groups them.
func (d *demo) labDraw(enc, draw int, at time.Time) {
	results := make([]*object, 0, len(labTests))
	for _, t := range labTests {
		o := d.observation("lab", "laboratory", "Laboratory", concept(sysLOINC, t.loinc, t.name),
			enc, at)
		o.set("performer", arr(ref(d.lab, "Riverbend Lab Services")))
		if t.loinc == "4548-4" && draw < 2 {
			// HEALOW.md §3: ids are case-sensitive and may differ only by case.
			o.set("id", []string{"lab-A1c.1", "lab-a1c.1"}[draw])
		}
		d.labValue(o, t, t.value(d, draw), draw)
		results = append(results, d.add(o))
	}
	d.add(obj("resourceType", "DiagnosticReport", "id", d.newID("dr"), "status", "final",
		"category", arr(obj("coding", arr(cd("http://terminology.hl7.org/CodeSystem/v2-0074",
			"LAB", "Laboratory")), "text", "Laboratory")),
		// HEALOW.md §3: DiagnosticReport.code comes with text only.
		"code", textOnly("Diabetes monitoring panel"),
		"subject", ref(d.patient, d.patientName()),
		"encounter", ref(d.encounters[enc], ""),
		"effectiveDateTime", d.dt(at),
		"issued", d.dt(at.Add(26*time.Hour)),
		"performer", arr(ref(d.lab, "Riverbend Lab Services")),
		"result", refs(results...)))
}

// labValue sets the value, range and interpretation. Every third draw reports
// LDL and glucose as valueString, as healow does (HEALOW.md §3).
func (d *demo) labValue(o *object, t labTest, v float64, draw int) {
	asString := draw%3 == 1 && t.decimals == 0
	rng := obj("high", quantity(t.high, t.decimals, t.unit))
	if t.low > 0 {
		rng = obj("low", quantity(t.low, t.decimals, t.unit),
			"high", quantity(t.high, t.decimals, t.unit))
	}
	if asString {
		o.set("valueString", strconv.FormatFloat(v, 'f', 0, 64))
		text := fmt.Sprintf("<%g %s", t.high, t.unit)
		if t.low > 0 {
			text = fmt.Sprintf("%g-%g %s", t.low, t.high, t.unit)
		}
		rng = obj("text", text)
	} else {
		o.set("valueQuantity", quantity(v, t.decimals, t.unit))
	}
	code, text := "N", "Normal"
	switch {
	case v > t.high:
		code, text = "H", "High"
	case v < t.low:
		code, text = "L", "Low"
	}
	o.set("interpretation", arr(concept(sysInterp, code, text)))
	o.set("referenceRange", arr(rng))
}

func (d *demo) socialHistory(enc int) {
	o := d.observation("sh", "social-history", "Social History",
		concept(sysLOINC, "72166-2", "Tobacco smoking status"), enc, d.encStart(enc))
	o.set("valueCodeableConcept", concept(sysSNOMED, "8517006", "Ex-smoker"))
	d.add(o)
}

func (d *demo) survey(enc int) {
	o := d.observation("sv", "survey", "Survey",
		concept(sysLOINC, "55757-9", "Patient Health Questionnaire 2 item (PHQ-2) [Reported]"),
		enc, d.encStart(enc))
	o.set("valueInteger", 1)
	d.add(o)
}
