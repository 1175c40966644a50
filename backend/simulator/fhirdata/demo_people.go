package fhirdata

import (
	"fmt"
	"time"
)

// demoNames are the demo patients' names, chosen by seed (1 gives the first) so
// that several demo patients in one simulator are told apart.
var demoNames = []struct{ given, family, gender string }{
	{"Alex", "Rivera", "male"},
	{"Jordan", "Okafor", "female"},
	{"Sam", "Nguyen", "male"},
	{"Morgan", "Castañer", "female"},
	{"Taylor", "Brooks", "female"},
}

// directory creates the practice, its lab, two sites and three clinicians.
func (d *demo) directory() {
	d.practice = d.add(obj("resourceType", "Organization", "id", d.newID("org"),
		"identifier", arr(obj("system", sysNPI, "value", "9999900114")),
		"active", true,
		"type", arr(concept("http://terminology.hl7.org/CodeSystem/organization-type",
			"prov", "Healthcare Provider")),
		"name", "Riverbend Family Practice",
		"telecom", arr(obj("system", "phone", "value", "(413) 555-0100", "use", "work")),
		"address", arr(d.address("200 Main St", "Suite 4"))))
	d.lab = d.add(obj("resourceType", "Organization", "id", d.newID("org"),
		"identifier", arr(obj("system", "urn:oid:2.16.840.1.113883.4.7", "value", "22D9999991")),
		"active", true, "name", "Riverbend Lab Services"))

	for _, s := range []struct{ name, line string }{
		{"Riverbend Family Practice - Main St", "200 Main St"},
		{"Riverbend Annex Clinic", "18 Mill Rd"},
	} {
		d.sites = append(d.sites, d.add(obj("resourceType", "Location", "id", d.newID("loc"),
			"status", "active", "name", s.name, "mode", "instance",
			"address", d.address(s.line, ""),
			"managingOrganization", ref(d.practice, "Riverbend Family Practice"))))
	}

	for i, c := range []struct{ prefix, given, family, npi string }{
		{"Dr.", "Priya", "Raman", "9999950899"},
		{"Dr.", "Marcus", "Hale", "9999961234"},
		{"", "Lena", "Ortiz", "9999977001"},
	} {
		name := obj("use", "official", "family", c.family, "given", arr(c.given))
		if c.prefix != "" {
			name.set("prefix", arr(c.prefix))
		}
		suffix := []string{"MD", "MD", "NP"}[i]
		name.set("suffix", arr(suffix))
		d.doctors = append(d.doctors, d.add(obj("resourceType", "Practitioner",
			"id", d.newID("pr"), "identifier", arr(obj("system", sysNPI, "value", c.npi)),
			"active", true, "name", arr(name),
			"telecom", arr(obj("system", "phone", "value", "(413) 555-0100", "use", "work")))))
	}
}

func (d *demo) address(line1, line2 string) *object {
	lines := arr(line1)
	if line2 != "" {
		lines = append(lines, line2)
	}
	return obj("use", "work", "line", lines, "city", "Northampton", "state", "MA",
		"postalCode", "01060", "country", "US")
}

func (d *demo) doctorName(i int) string {
	n := d.doctors[i].list("name")[0].(*object)
	given := n.list("given")[0].(string)
	if p := n.list("prefix"); p != nil {
		return p[0].(string) + " " + given + " " + n.str("family")
	}
	return given + " " + n.str("family") + ", NP"
}

func (d *demo) makePatient() {
	n := int64(len(demoNames))
	who := demoNames[((d.seed-1)%n+n)%n] // seed 1, the demo's, is the first name
	birth := time.Date(1962+d.rng.IntN(20), time.Month(1+d.rng.IntN(12)), 1+d.rng.IntN(28),
		0, 0, 0, 0, d.zone)
	mrn := fmt.Sprintf("%08d", 10000000+d.rng.IntN(89999999))
	full := who.given + " " + who.family
	d.patient = d.add(obj("resourceType", "Patient", "id", d.newID("pt"),
		"text", narrative("generated", xhtmlOpen+"<p><b>"+full+"</b>, born "+
			birth.Format("January 2, 2006")+". MRN "+mrn+".</p></div>"),
		"identifier", arr(obj("use", "usual",
			"type", obj("coding", arr(cd("http://terminology.hl7.org/CodeSystem/v2-0203",
				"MR", "Medical record number")), "text", "MRN"),
			"system", "urn:oid:1.2.840.114350.1.13.999.2.7.5.737384.14", "value", mrn)),
		"active", true,
		"name", arr(obj("use", "official", "text", full, "family", who.family,
			"given", arr(who.given))),
		"telecom", arr(
			obj("system", "phone", "value", fmt.Sprintf("(413) 555-%04d", d.rng.IntN(10000)),
				"use", "home"),
			obj("system", "email", "value", "patient@example.org", "use", "home")),
		"gender", who.gender,
		"birthDate", date(birth),
		// HEALOW.md §3: living patients carry this sentinel, not an absent field.
		"deceasedDateTime", d.midnight(1899, time.December, 30),
		"address", arr(obj("use", "home", "line", arr(fmt.Sprintf("%d Elm St", 10+d.rng.IntN(80))),
			"city", "Northampton", "state", "MA", "postalCode", "01060", "country", "US")),
		"communication", arr(obj("language", concept("urn:ietf:bcp:47", "en-US",
			"English (United States)"), "preferred", true)),
		"generalPractitioner", arr(ref(d.doctors[0], d.doctorName(0))),
		"managingOrganization", ref(d.practice, "Riverbend Family Practice")))
}

// makeEncounters creates fifteen office visits, one every four months from
// March 2020, each with a clinician, a site and the practice.
func (d *demo) makeEncounters() {
	first := time.Date(2020, time.March, 2, 0, 0, 0, 0, d.zone)
	reasons := []string{"Diabetes follow-up", "Annual physical", "Blood pressure check",
		"Medication review"}
	for i := range 15 {
		day := first.AddDate(0, 4*i, d.rng.IntN(12))
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, 1)
		}
		start := day.Add(time.Duration(8*60+d.rng.IntN(32)*15) * time.Minute)
		end := start.Add(time.Duration(20+d.rng.IntN(3)*10) * time.Minute)
		doc, site := i%3, i%5/4
		reason := reasons[i%len(reasons)]
		if i == 5 {
			reason = "Cough and fever"
		}
		enc := obj("resourceType", "Encounter", "id", d.newID("enc"),
			"status", "finished",
			"class", cd("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"),
			"type", arr(concept(sysSNOMED, "185349003", "Office Visit")),
			"subject", ref(d.patient, d.patientName()),
			"participant", arr(obj("type", arr(concept(
				"http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PPRF",
				"primary performer")), "individual", ref(d.doctors[doc], d.doctorName(doc)))),
			"period", obj("start", d.dt(start), "end", d.dt(end)),
			"reasonCode", arr(textOnly(reason)),
			"location", arr(obj("location", ref(d.sites[site], d.sites[site].str("name")))),
			"serviceProvider", ref(d.practice, "Riverbend Family Practice"))
		if i == 3 {
			// HEALOW.md §3: narratives are not always valid XHTML and keep
			// template comments.
			enc.setFirst("text", narrative("generated", xhtmlOpen+
				"<span><tr/></span><!-- template: ov_summary_v2 --> Follow-up for diabetes "+
				"&amp; blood pressure.<p>Seen by "+d.doctorName(doc)+"</div>"), 2)
		}
		d.encounters = append(d.encounters, d.add(enc))
	}
}

func (d *demo) patientName() string {
	return d.patient.list("name")[0].(*object).str("text")
}

// encStart returns when encounter i began.
func (d *demo) encStart(i int) time.Time {
	t, err := time.Parse(time.RFC3339, d.encounters[i].child("period").str("start"))
	if err != nil {
		panic(err)
	}
	return t.In(d.zone)
}

// encDoctor returns the index of the clinician who saw encounter i.
func (d *demo) encDoctor(i int) int { return i % 3 }
