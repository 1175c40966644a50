package smart

import "strings"

// BinaryScope is the scope attachment downloads need. healow does not list
// it in scopes_supported (only patient/Binary.r is), and whether asking for
// it fails at authorize or is silently dropped is unknown (HEALOW.md §5), so
// callers check HasScope(g, BinaryScope) after the grant.
const BinaryScope = "patient/Binary.read"

// readTypes are the resource types the sync reads (HEALOW.md §3).
var readTypes = []string{
	"Patient", "AllergyIntolerance", "CarePlan", "CareTeam", "Condition",
	"Device", "DiagnosticReport", "DocumentReference", "Encounter", "Goal",
	"Immunization", "Location", "Medication", "MedicationAdministration",
	"MedicationRequest", "Observation", "Organization", "Practitioner",
	"Procedure", "Provenance",
}

// DefaultScopes returns the scopes Chartkeep asks for: openid, fhirUser and
// launch/patient, a v1 patient/<T>.read scope for every type the sync reads,
// and BinaryScope. It returns a new slice each time; Client.Scopes overrides
// it, for instance with v2 ".rs" forms or without BinaryScope, since scopes
// must also match what the app registered on the healow portal (HEALOW.md §1).
func DefaultScopes() []string {
	s := []string{"openid", "fhirUser", "launch/patient"}
	for _, t := range readTypes {
		s = append(s, "patient/"+t+".read")
	}
	return append(s, BinaryScope)
}

// GrantedScopes returns the scopes of g, split on spaces.
func GrantedScopes(g *Grant) []string {
	if g == nil {
		return nil
	}
	return strings.Fields(g.Scope)
}

// HasScope reports whether g allows what scope asks for. Resource scopes are
// compared by meaning, not by text: v1 "patient/T.read" and v2
// "patient/T.r" or "patient/T.rs" all allow reading; a wildcard type
// ("patient/*.read") covers every type; v1 "*" covers every permission. A
// granted v2 scope restricted by a query ("patient/Observation.rs?category=x")
// counts as covering its type, since some records can then be read. Other
// scopes (openid, launch/patient) must be granted verbatim.
func HasScope(g *Grant, scope string) bool {
	want, ok := parseResourceScope(scope)
	for _, s := range GrantedScopes(g) {
		if !ok {
			if s == scope {
				return true
			}
			continue
		}
		if have, hok := parseResourceScope(s); hok && have.covers(want) {
			return true
		}
	}
	return false
}

// resourceScope is a SMART resource scope: context/type.permissions.
type resourceScope struct {
	context, typ string
	perms        string // subset of "cruds"
	v1Read       bool   // the scope was v1 ".read": asks only for reading
}

// parseResourceScope splits "patient/Observation.rs?x=y" into its parts.
func parseResourceScope(s string) (resourceScope, bool) {
	s, _, _ = strings.Cut(s, "?")
	ctx, rest, ok := strings.Cut(s, "/")
	if !ok || ctx == "" {
		return resourceScope{}, false
	}
	typ, perm, ok := strings.Cut(rest, ".")
	if !ok || typ == "" || perm == "" {
		return resourceScope{}, false
	}
	rs := resourceScope{context: ctx, typ: typ}
	switch perm {
	case "read":
		rs.perms, rs.v1Read = "rs", true
	case "write":
		rs.perms = "cud"
	case "*":
		rs.perms = "cruds"
	default:
		if strings.Trim(perm, "cruds") != "" {
			return resourceScope{}, false
		}
		rs.perms = perm
	}
	return rs, true
}

// covers reports whether the granted scope h allows the wanted scope w.
func (h resourceScope) covers(w resourceScope) bool {
	if h.context != w.context || (h.typ != "*" && h.typ != w.typ) {
		return false
	}
	need := w.perms
	if w.v1Read {
		need = "r" // v1 .read and v2 .r/.rs count alike
	}
	for _, p := range need {
		if !strings.ContainsRune(h.perms, p) {
			return false
		}
	}
	return true
}

// FitScopes adapts the scopes asked for to a practice's scopes_supported.
// healow refuses a scope it does not list with invalid_grant (HEALOW.md §1),
// and lists patient/Binary.r but not patient/Binary.read: a v1 ".read"
// scope that is not listed is replaced by the listed v2 ".rs" or ".r" form
// of the same type, and any other unlisted scope is left out. With an empty
// supported list the scopes are returned unchanged.
func FitScopes(want, supported []string) []string {
	if len(supported) == 0 {
		return append([]string(nil), want...)
	}
	listed := make(map[string]bool, len(supported))
	for _, s := range supported {
		listed[s] = true
	}
	var out []string
	for _, s := range want {
		switch {
		case listed[s]:
			out = append(out, s)
		case strings.HasSuffix(s, ".read"):
			stem := strings.TrimSuffix(s, ".read")
			for _, alt := range []string{stem + ".rs", stem + ".r"} {
				if listed[alt] {
					out = append(out, alt)
					break
				}
			}
		}
	}
	return out
}
