package simulator

import (
	"net/http"
	"slices"
)

// scopeTypes are the resource types scopes_supported names.
var scopeTypes = []string{
	"AllergyIntolerance", "Binary", "CarePlan", "CareTeam", "Condition", "Coverage",
	"Device", "DiagnosticReport", "DocumentReference", "Encounter", "Endpoint", "Goal",
	"HealthcareService", "Immunization", "Location", "Media", "Medication",
	"MedicationAdministration", "MedicationDispense", "MedicationRequest",
	"MedicationStatement", "Observation", "Organization", "Patient", "Practitioner",
	"PractitionerRole", "Procedure", "Provenance", "Questionnaire",
	"QuestionnaireResponse", "RelatedPerson", "ServiceRequest", "Specimen",
}

// ScopesSupported is the smart-configuration scopes_supported list:
// v1 (.read) and v2 (.r/.rs) forms. Like healow's (HEALOW.md §1) it lists
// neither patient/Binary.read nor patient/*.read, lists patient/Binary.r,
// and carries one malformed entry.
func ScopesSupported() []string {
	out := []string{"openid", "profile", "fhirUser", "offline_access", "launch", "launch/patient"}
	for _, ctx := range []string{"patient", "user"} {
		for _, t := range scopeTypes {
			forms := []string{".read", ".r", ".rs", ".s"}
			if t == "Binary" {
				forms = []string{".r"}
			}
			for _, f := range forms {
				out = append(out, ctx+"/"+t+f)
			}
		}
	}
	return append(out, "//CodeSystem-observation-category")
}

// scopeListed reports whether scopes_supported names sc.
func scopeListed(sc string) bool { return slices.Contains(supported, sc) }

var supported = ScopesSupported()

var capabilities = []string{
	"launch-ehr", "launch-standalone", "client-public", "client-confidential-symmetric",
	"context-ehr-patient", "context-standalone-patient", "permission-patient",
	"permission-user", "permission-offline", "permission-v1", "permission-v2",
	"sso-openid-connect", "authorize-post",
}

func (s *Server) serveSMARTConfiguration(w http.ResponseWriter, r *http.Request, code string) {
	o := origin(r)
	writeJSON(w, http.StatusOK, "application/json;charset=UTF-8", map[string]any{
		"issuer":                 o + "/fhir/r4/" + code,
		"jwks_uri":               o + pathJWKS,
		"authorization_endpoint": o + pathAuthorize,
		"token_endpoint":         o + pathToken,
		// "none" is absent although client-public is a capability
		// (HEALOW.md §1).
		"token_endpoint_auth_methods_supported": []string{
			"client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt",
		},
		"grant_types_supported":            []string{"authorization_code", "refresh_token"},
		"response_types_supported":         []string{"code"},
		"code_challenge_methods_supported": []string{"S256"},
		"capabilities":                     capabilities,
		"scopes_supported":                 supported,
	})
}

// serveMetadata answers a small CapabilityStatement with healow's quirks:
// cors claimed though there is none, and a url over http naming another
// practice (HEALOW.md §1, §2).
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request, code string) {
	other := "AACJCD"
	if code == other {
		other = "JAFJCD"
	}
	o := origin(r)
	var resources []any
	for _, t := range scopeTypes {
		resources = append(resources, map[string]any{
			"type": t,
			"interaction": []any{
				map[string]string{"code": "read"}, map[string]string{"code": "search-type"},
			},
		})
	}
	writeJSON(w, http.StatusOK, fhirContentType, map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         "2021-06-01T00:00:00-04:00",
		"publisher":    "eClinicalWorks",
		"kind":         "instance",
		"url":          "http://" + s.opts.LinkHost + "/fhir/r4/" + other + "/metadata",
		"software":     map[string]string{"name": "HAPI FHIR Server", "version": "5.4.0"},
		"implementation": map[string]string{
			"description": "eClinicalWorks FHIR R4",
			"url":         "http://" + s.opts.LinkHost + "/fhir/r4/" + other,
		},
		"fhirVersion": "4.0.1",
		"format":      []string{"application/fhir+xml", "application/fhir+json"},
		"rest": []any{map[string]any{
			"mode": "server",
			"security": map[string]any{
				"cors": true,
				"service": []any{map[string]any{"coding": []any{map[string]string{
					"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
					"code":   "SMART-on-FHIR",
				}}}},
				"extension": []any{map[string]any{
					"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
					"extension": []any{
						map[string]string{"url": "authorize", "valueUri": o + pathAuthorize},
						map[string]string{"url": "token", "valueUri": o + pathToken},
					},
				}},
			},
			"resource": resources,
		}},
	})
}
