package fhirdata

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

func (d *demo) makeCare() {
	d.goal = d.add(obj("resourceType", "Goal", "id", d.newID("goal"),
		"lifecycleStatus", "active",
		"achievementStatus", concept("http://terminology.hl7.org/CodeSystem/goal-achievement",
			"improving", "Improving"),
		"description", textOnly("Keep HbA1c below 7.0%"),
		"subject", ref(d.patient, d.patientName()),
		"startDate", date(d.encStart(0)),
		"target", arr(obj("measure", concept(sysLOINC, "4548-4",
			"Hemoglobin A1c/Hemoglobin.total in Blood"),
			"detailQuantity", obj("value", num(7.0, 1), "comparator", "<", "unit", "%",
				"system", sysUCUM, "code", "%"),
			"dueDate", "2025-12-31")),
		"expressedBy", ref(d.doctors[0], d.doctorName(0)),
		"addresses", arr(ref(d.diabetes, "Type 2 diabetes mellitus"))))

	d.careTeam = d.careTeamOf("active", "Diabetes care team", d.encStart(0), 0, 2)
	old := d.careTeamOf("inactive", "Acute care team", d.encStart(5), 2)
	old.set("period", obj("start", d.dt(d.encStart(5)),
		"end", d.dt(d.encStart(5).AddDate(0, 0, 14))))

	d.add(obj("resourceType", "CarePlan", "id", d.newID("cp"),
		// Untrusted narrative: the app must sanitize it (HEALOW.md §3).
		"text", narrative("additional", xhtmlOpen+"<p>Assessment and plan</p>"+
			"<script>alert(1)</script><img src=x onerror=alert(document.cookie)>"+
			"<p>Continue metformin. Recheck HbA1c in 3 months.</p></div>"),
		"status", "active", "intent", "plan",
		"category", arr(obj("coding", arr(cd(
			"http://hl7.org/fhir/us/core/CodeSystem/careplan-category", "assess-plan", "")),
			"text", "Assessment and Plan of Treatment")),
		"title", "Diabetes management",
		"subject", ref(d.patient, d.patientName()),
		"period", obj("start", d.dt(d.encStart(0))),
		"author", ref(d.doctors[0], d.doctorName(0)),
		"careTeam", arr(ref(d.careTeam, "Diabetes care team")),
		"addresses", arr(ref(d.diabetes, "Type 2 diabetes mellitus")),
		"goal", arr(ref(d.goal, "")),
		"activity", arr(obj("detail", obj("kind", "ServiceRequest",
			"code", textOnly("HbA1c every 3 months"), "status", "in-progress")))))

	d.add(obj("resourceType", "Device", "id", d.newID("dev"), "status", "active",
		"deviceName", arr(obj("name", "Blood glucose meter", "type", "user-friendly-name")),
		"type", concept(sysSNOMED, "337414009", "Blood glucose meter"),
		"patient", ref(d.patient, d.patientName())))
}

func (d *demo) careTeamOf(status, name string, start time.Time, members ...int) *object {
	var participants []any
	for _, m := range members {
		role := concept(sysSNOMED, "446050000", "Primary care physician")
		if m == 2 {
			role = concept(sysSNOMED, "224571005", "Nurse practitioner")
		}
		participants = append(participants, obj("role", arr(role),
			"member", ref(d.doctors[m], d.doctorName(m))))
	}
	return d.add(obj("resourceType", "CareTeam", "id", d.newID("ct"), "status", status,
		"name", name,
		"subject", ref(d.patient, d.patientName()),
		"period", obj("start", d.dt(start)),
		"participant", participants,
		"managingOrganization", arr(ref(d.practice, "Riverbend Family Practice"))))
}

// makeDocuments adds a plain-text visit note and a PDF visit summary, both
// served as Binary resources the way healow serves attachments (HEALOW.md §3),
// and a text copy of the latest lab report on its DiagnosticReport.
func (d *demo) makeDocuments() {
	last := len(d.encounters) - 1
	note := fmt.Sprintf("Visit note — %s\n\nSubjective: feeling well, no hypoglycemia.\n"+
		"Objective: afebrile (98.4 °F).\nPlan: continue metformin 500 mg twice daily.\n",
		d.encStart(last).Format("January 2, 2006"))
	d.document(last, "text/plain; charset=utf-8", []byte(note),
		concept(sysLOINC, "11506-3", "Progress note"), "Visit note", d.newID("doc"))

	pdf := minimalPDF("Visit summary", d.patientName()+", "+
		d.encStart(last-1).Format("2006-01-02"))
	// The longest id FHIR allows (64 characters), to exercise id handling.
	suffix := d.newID("")
	longID := "doc.pdf" + strings.Repeat("x", 64-len("doc.pdf")-len(suffix)) + suffix
	d.document(last-1, "application/pdf", pdf,
		concept(sysLOINC, "60591-5", "Patient summary Document"), "Visit summary", longID)

	d.attachReport()
}

func (d *demo) binary(contentType string, data []byte) *object {
	return d.add(obj("resourceType", "Binary", "id", d.newID("bin"),
		"contentType", contentType, "data", base64.StdEncoding.EncodeToString(data)))
}

func (d *demo) document(enc int, contentType string, data []byte, typ *object,
	title, id string) {
	bin := d.binary(contentType, data)
	at := d.encStart(enc).Add(40 * time.Minute)
	doc := d.encDoctor(enc)
	d.add(obj("resourceType", "DocumentReference", "id", id,
		"status", "current", "docStatus", "final",
		"type", typ,
		"category", arr(concept(
			"http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
			"clinical-note", "Clinical Note")),
		"subject", ref(d.patient, d.patientName()),
		"date", d.dt(at),
		"author", arr(ref(d.doctors[doc], d.doctorName(doc))),
		"custodian", ref(d.practice, "Riverbend Family Practice"),
		"content", arr(obj("attachment", obj("contentType", contentType,
			"url", "Binary/"+bin.str("id"), "size", len(data), "title", title,
			"creation", d.dt(at)))),
		"context", obj("encounter", arr(ref(d.encounters[enc], "")),
			"period", obj("start", d.dt(d.encStart(enc))))))
}

// attachReport gives the newest DiagnosticReport a presentedForm in a Binary.
func (d *demo) attachReport() {
	var report *object
	for _, r := range d.out {
		if r.str("resourceType") == "DiagnosticReport" {
			report = r
		}
	}
	var lines []string
	for _, res := range report.list("result") {
		id := strings.TrimPrefix(res.(*object).str("reference"), "Observation/")
		for _, r := range d.out {
			if r.str("resourceType") == "Observation" && r.str("id") == id {
				lines = append(lines, r.child("code").str("text")+": "+labText(r))
			}
		}
	}
	bin := d.binary("text/plain; charset=utf-8", []byte(strings.Join(lines, "\n")+"\n"))
	report.set("presentedForm", arr(obj("contentType", "text/plain; charset=utf-8",
		"url", "Binary/"+bin.str("id"), "title", "Lab report")))
}

func labText(o *object) string {
	if s := o.str("valueString"); s != "" {
		return s
	}
	q := o.child("valueQuantity")
	return fmt.Sprintf("%v %s", q.get("value"), q.str("unit"))
}

func (d *demo) makeProvenance() {
	d.add(obj("resourceType", "Provenance", "id", d.newID("prov"),
		"target", arr(ref(d.patient, "")),
		"recorded", d.dt(d.encStart(0)),
		"agent", arr(obj("type", concept(
			"http://terminology.hl7.org/CodeSystem/provenance-participant-type",
			"author", "Author"), "who", ref(d.practice, "Riverbend Family Practice")))))
}
