/**
 * Patient-friendly names for FHIR resource types and the Observation
 * categories the sync downloads separately (HEALOW.md §3).
 */

const labels: Readonly<Record<string, string>> = {
  'Observation:laboratory': 'Lab results',
  'Observation:vital-signs': 'Vital signs',
  'Observation:social-history': 'Social history',
  'Observation:exam': 'Exam findings',
  'Observation:imaging': 'Imaging results',
  'Observation:survey': 'Questionnaires',
  'Observation:sdoh': 'Social needs',
  Observation: 'Observations',
  MedicationRequest: 'Medications',
  MedicationAdministration: 'Medicines given',
  Medication: 'Medicine details',
  Condition: 'Conditions',
  AllergyIntolerance: 'Allergies',
  Immunization: 'Immunizations',
  Encounter: 'Visits',
  DocumentReference: 'Documents',
  DiagnosticReport: 'Reports',
  Procedure: 'Procedures',
  CarePlan: 'Care plans',
  CareTeam: 'Care team',
  Goal: 'Goals',
  Device: 'Devices',
  Patient: 'About you',
  Practitioner: 'Clinicians',
  Organization: 'Organizations',
  Location: 'Places',
  Provenance: 'Record history',
};

/**
 * friendlyType names a record type for a patient: "Observation:laboratory"
 * becomes "Lab results". An unknown category falls back to its type, and an
 * unknown type is returned as it is.
 */
export function friendlyType(type: string): string {
  const exact = labels[type];
  if (exact !== undefined) {
    return exact;
  }
  const base = type.split(/[:/?]/, 1)[0] ?? type;
  return labels[base] ?? type;
}

/** groupLabel prefers the backend's label and falls back to friendlyType. */
export function groupLabel(type: string, label: string): string {
  return label.trim() !== '' ? label : friendlyType(type);
}
