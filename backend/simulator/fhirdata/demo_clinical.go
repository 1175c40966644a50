package fhirdata

import "time"

var conditionCategories = map[string]string{
	"problem-list-item":   "Problem List Item",
	"encounter-diagnosis": "Encounter Diagnosis",
}

func (d *demo) condition(prefix, snomed, icd, name, category string, onset time.Time,
	recorder int) *object {
	return obj("resourceType", "Condition", "id", d.newID(prefix),
		"clinicalStatus", concept(sysCondCS, "active", "Active"),
		"verificationStatus", concept(sysCondVS, "confirmed", "Confirmed"),
		"category", arr(concept(sysCondCat, category, conditionCategories[category])),
		"code", obj("coding", arr(cd(sysSNOMED, snomed, name), cd(sysICD10, icd, name)),
			"text", name),
		"subject", ref(d.patient, d.patientName()),
		"onsetDateTime", d.dt(onset),
		"recordedDate", d.dt(onset.Add(30*time.Minute)),
		"recorder", ref(d.doctors[recorder], d.doctorName(recorder)))
}

func (d *demo) makeConditions() {
	d.diabetes = d.condition("cond", "44054006", "E11.9", "Type 2 diabetes mellitus",
		"problem-list-item", time.Date(2019, time.November, 14, 10, 20, 0, 0, d.zone), 0)
	d.diabetes.setFirst("text", narrative("generated", xhtmlOpen+
		"<p><b>Type 2 diabetes mellitus</b>, diagnosed November 2019; managed with "+
		"metformin.</p></div>"), 2)
	d.add(d.diabetes)
	d.add(d.condition("cond", "55822004", "E78.5", "Hyperlipidemia", "problem-list-item",
		time.Date(2019, time.November, 14, 10, 25, 0, 0, d.zone), 0))
	d.add(d.condition("cond", "59621000", "I10", "Essential hypertension",
		"problem-list-item", d.encStart(1), d.encDoctor(1)))

	d.bronchitis = d.condition("cond", "10509002", "J20.9", "Acute bronchitis",
		"encounter-diagnosis", d.encStart(5), d.encDoctor(5))
	d.bronchitis.set("clinicalStatus", concept(sysCondCS, "resolved", "Resolved"))
	d.bronchitis.set("abatementDateTime", d.dt(d.encStart(5).AddDate(0, 0, 14)))
	d.bronchitis.set("encounter", ref(d.encounters[5], ""))
	d.add(d.bronchitis)
}

func (d *demo) makeMedications() {
	d.medicine = d.add(obj("resourceType", "Medication", "id", d.newID("med"),
		// HEALOW.md §3: a fake NDC sits next to the real code.
		"code", obj("coding", arr(
			cd(sysRxNorm, "861007", "metformin hydrochloride 500 MG Oral Tablet"),
			cd(sysNDC, "11111-1111-11", "")), "text", "Metformin 500 mg tablet"),
		"status", "active",
		"form", concept(sysSNOMED, "385055001", "Tablet")))

	start := d.encStart(0)
	d.medRequest("active", start, 0, "Take 1 tablet by mouth twice daily with meals",
		"medicationReference", ref(d.medicine, "Metformin 500 mg tablet"))
	d.medRequest("active", start, 0, "Take 1 tablet by mouth every evening",
		"medicationCodeableConcept", concept(sysRxNorm, "617310",
			"atorvastatin 20 MG Oral Tablet"))
	d.medRequest("active", d.encStart(1), 1, "Take 1 tablet by mouth daily",
		"medicationCodeableConcept", concept(sysRxNorm, "314076",
			"lisinopril 10 MG Oral Tablet"))
	d.medRequest("stopped", start, 0, "Take 1 tablet by mouth daily before breakfast",
		"medicationCodeableConcept", concept(sysRxNorm, "310488",
			"glipizide 5 MG Oral Tablet"))
	azi := d.medRequest("stopped", d.encStart(5), 5,
		"Take 2 tablets on day 1, then 1 tablet daily for 4 days",
		"medicationCodeableConcept", concept(sysRxNorm, "308460",
			"azithromycin 250 MG Oral Tablet"))
	azi.set("reasonReference", arr(ref(d.bronchitis, "Acute bronchitis")))

	d.add(obj("resourceType", "MedicationAdministration", "id", d.newID("madm"),
		"status", "completed",
		"medicationCodeableConcept", concept(sysRxNorm, "245314",
			"albuterol 0.83 MG/ML Inhalation Solution"),
		"subject", ref(d.patient, d.patientName()),
		"context", ref(d.encounters[5], ""),
		"effectiveDateTime", d.dt(d.encStart(5).Add(15*time.Minute)),
		"performer", arr(obj("actor", ref(d.doctors[2], d.doctorName(2)))),
		"dosage", obj("text", "2.5 mg by nebulizer, once")))
}

func (d *demo) medRequest(status string, authored time.Time, enc int, sig string,
	medKey string, med *object) *object {
	doc := d.encDoctor(enc)
	return d.add(obj("resourceType", "MedicationRequest", "id", d.newID("rx"),
		"status", status, "intent", "order",
		medKey, med,
		"subject", ref(d.patient, d.patientName()),
		"encounter", ref(d.encounters[enc], ""),
		"authoredOn", d.dt(authored),
		"requester", ref(d.doctors[doc], d.doctorName(doc)),
		"dosageInstruction", arr(obj("text", sig))))
}

func (d *demo) makeAllergies() {
	allergy := func(category, criticality string, code *object, reaction string) {
		d.add(obj("resourceType", "AllergyIntolerance", "id", d.newID("alg"),
			"clinicalStatus", concept(sysAllerCS, "active", "Active"),
			"verificationStatus", concept(sysAllerVS, "confirmed", "Confirmed"),
			"type", "allergy", "category", arr(category), "criticality", criticality,
			"code", code,
			"patient", ref(d.patient, d.patientName()),
			"recordedDate", d.dt(d.encStart(0)),
			"reaction", arr(obj("manifestation", arr(textOnly(reaction))))))
	}
	allergy("medication", "high", concept(sysRxNorm, "7980", "Penicillin G"), "Hives")
	// HEALOW.md §3: AllergyIntolerance.code with text and no coding.
	allergy("environment", "low", textOnly("Seasonal pollen"), "Sneezing, itchy eyes")
}

func (d *demo) makeImmunizations() {
	type shot struct {
		cvx, name string
		y         int
		m         time.Month
		day       int
	}
	shots := []shot{
		{"208", "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose", 2021, time.April, 9},
		{"208", "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose", 2021, time.April, 30},
		{"115", "Tdap", 2021, time.June, 17},
	}
	for y := 2020; y <= 2024; y++ {
		shots = append(shots, shot{"150",
			"Influenza, injectable, quadrivalent, preservative free", y, time.October, 5 + y%7})
	}
	for i, s := range shots {
		im := obj("resourceType", "Immunization", "id", d.newID("imm"),
			"status", "completed",
			"vaccineCode", concept(sysCVX, s.cvx, s.name),
			"patient", ref(d.patient, d.patientName()),
			// A date-only fact comes back as local midnight (HEALOW.md §3).
			"occurrenceDateTime", d.midnight(s.y, s.m, s.day),
			"primarySource", true,
			"location", ref(d.sites[0], d.sites[0].str("name")),
			"lotNumber", d.pick("EW0182", "FL3209", "UJ455AA", "AC52B027AA"),
			"expirationDate", date(time.Date(s.y+1, s.m, 1, 0, 0, 0, 0, d.zone)),
			"performer", arr(obj("actor", ref(d.doctors[2], d.doctorName(2)))))
		switch i {
		case 2:
			// HEALOW.md §3: data-absent-reason on a primitive.
			im.set("lotNumber", nil)
			im.members = dropNil(im.members)
			im.set("_lotNumber", obj("extension", arr(obj("url", sysDAR, "valueCode", "unknown"))))
		case 4:
			im.set("expirationDate", "0001-01-02") // healow's sentinel (HEALOW.md §3)
		}
		d.add(im)
	}
}

func (d *demo) makeProcedures() {
	proc := func(enc int, snomed, name string, minutes int, site int) {
		start := d.encStart(enc).Add(10 * time.Minute)
		doc := d.encDoctor(enc)
		d.add(obj("resourceType", "Procedure", "id", d.newID("proc"), "status", "completed",
			"code", concept(sysSNOMED, snomed, name),
			"subject", ref(d.patient, d.patientName()),
			"encounter", ref(d.encounters[enc], ""),
			"performedPeriod", obj("start", d.dt(start),
				"end", d.dt(start.Add(time.Duration(minutes)*time.Minute))),
			"performer", arr(obj("actor", ref(d.doctors[doc], d.doctorName(doc)))),
			"location", ref(d.sites[site], d.sites[site].str("name"))))
	}
	proc(1, "29303009", "Electrocardiographic procedure", 15, 0)
	proc(8, "401191002", "Diabetic foot examination", 10, 0)
	proc(10, "73761001", "Colonoscopy", 45, 1)
}
