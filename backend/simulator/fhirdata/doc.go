// Package fhirdata holds the records of one simulated healow patient: the FHIR R4
// resources the local healow simulator reads and searches.
//
// A Patient is built either from a Synthea transaction Bundle
// (LoadTransactionBundle), with every bundle-internal and conditional reference
// resolved the way a FHIR server would resolve it on import, or from a
// deterministic generator (DemoPatient) that reproduces the content quirks
// HEALOW.md §3 describes. In both cases every dateTime carries the practice's
// fixed local offset, and each resource is marshalled once, so every read and
// search serves the same bytes.
//
// Search implements healow's parameter rules (HEALOW.md §3), including its 400
// answers, but not paging: the HTTP layer pages the results. The package does no
// I/O beyond the reader it is given and logs nothing.
package fhirdata
