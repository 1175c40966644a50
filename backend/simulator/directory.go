package simulator

import (
	"net/http"
)

// builtinPractices are the directory's dirty entries, modelled on the
// real one (HEALOW.md §2): the public sandbox, test tenants, duplicate
// names, odd spacing, an ampersand, an escaped quote and non-ASCII names.
// They have FHIR bases and discovery but no patient logins.
func builtinPractices() []Practice {
	return []Practice{
		{"JAFJCD", "FHIR R4 Prodtest EMR", "Westborough", "MA"},
		{"AACJCD", "Pointcare Medical Center LLC", "Orlando", "FL"},
		{"TSTFAC", "Test Facility", "Westborough", "MA"},
		{"TSTFAD", "Test Facility", "Westborough", "MA"},
		{"TSTFAE", "Test Facility", "Edison", "NJ"},
		{"TSTFAF", "Test Facility ", "Westborough", "MA"},
		{"TRAINX", "TRAIN - eCW Training Tenant", "", ""},
		{"WELLMED", "Wellmed  Family   Practice", "San Antonio", "TX"},
		{"MIDOC1", "Smith & Jones Pediatrics", "Ann Arbor", "MI"},
		{"HBIDAD", "Clínica Médica Castañer", "Castañer", "PR"},
		{"IAJHCD", `Dr. Robert \"Bob\" Lee MD`, "Rochester", "NY"},
		{"FHIADA", "Surgical Associates PA", "Manhattan", "KS"},
		{"DGIACA", "Surgical Associates PA", "Billings", "MT"},
	}
}

// directoryEntry is one Endpoint or Organization of the directory Bundle.
type directoryEntry struct {
	FullURL  string `json:"fullUrl"`
	Resource any    `json:"resource"`
}

// serveDirectory answers the activated-endpoints list: a plain FHIR
// Bundle of Endpoint and Organization entries, Endpoint.id ==
// Organization.id == practice code (HEALOW.md §2, not the SMART brands
// format).
func (s *Server) serveDirectory(w http.ResponseWriter, r *http.Request) {
	o := origin(r)
	ps := s.Practices()
	entries := make([]directoryEntry, 0, 2*len(ps))
	for i, p := range ps {
		ep, org := endpointEntry(o, p), organizationEntry(o, p)
		// The real list is not ordered by practice; put a few
		// Organizations before their Endpoint.
		if i%5 == 4 {
			ep, org = org, ep
		}
		entries = append(entries, ep, org)
	}
	writeJSON(w, http.StatusOK, "application/json;charset=UTF-8", map[string]any{
		"resourceType": "Bundle",
		"id":           randomHex(16),
		"type":         "collection",
		"total":        len(entries),
		"entry":        entries,
	})
}

func endpointEntry(o string, p Practice) directoryEntry {
	base := o + "/fhir/r4/" + p.Code
	return directoryEntry{
		FullURL: o + "/apps/api/v1/fhir/Endpoint/" + p.Code,
		Resource: map[string]any{
			"resourceType": "Endpoint",
			"id":           p.Code,
			"status":       "active",
			"connectionType": map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
				"code":   "hl7-fhir-rest",
			},
			"name":                 p.Name,
			"managingOrganization": map[string]string{"reference": "Organization/" + p.Code},
			"payloadType": []any{map[string]any{"coding": []any{map[string]string{
				"system": "http://terminology.hl7.org/CodeSystem/endpoint-payload-type",
				"code":   "none",
			}}}},
			"address": base,
		},
	}
}

func organizationEntry(o string, p Practice) directoryEntry {
	org := map[string]any{
		"resourceType": "Organization",
		"id":           p.Code,
		"active":       true,
		"name":         p.Name,
		"endpoint":     []any{map[string]string{"reference": "Endpoint/" + p.Code}},
	}
	// Some tenants have no address at all.
	if p.City != "" || p.State != "" {
		org["address"] = []any{map[string]any{"city": p.City, "state": p.State, "country": "US"}}
	}
	return directoryEntry{FullURL: o + "/apps/api/v1/fhir/Organization/" + p.Code, Resource: org}
}
