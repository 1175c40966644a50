package smart

import (
	"slices"
	"strings"
	"testing"
)

func TestDefaultScopes(t *testing.T) {
	s := DefaultScopes()
	for _, want := range []string{"openid", "fhirUser", "launch/patient", BinaryScope,
		"patient/Patient.read", "patient/MedicationAdministration.read", "patient/Provenance.read"} {
		if !slices.Contains(s, want) {
			t.Errorf("DefaultScopes lacks %q", want)
		}
	}
	if len(s) != 3+len(readTypes)+1 {
		t.Errorf("DefaultScopes has %d scopes: %v", len(s), s)
	}
	s[0] = "changed"
	if DefaultScopes()[0] != "openid" {
		t.Error("DefaultScopes shares its slice")
	}
}

func TestHasScope(t *testing.T) {
	cases := []struct {
		name, granted, want string
		ok                  bool
	}{
		{"v1 exact", "patient/Binary.read", "patient/Binary.read", true},
		{"v2 r for v1 read", "patient/Binary.r", "patient/Binary.read", true},
		{"v2 rs for v1 read", "openid patient/Binary.rs", "patient/Binary.read", true},
		{"v1 read for v2 rs", "patient/Observation.read", "patient/Observation.rs", true},
		{"v2 r lacks search", "patient/Observation.r", "patient/Observation.rs", false},
		{"wildcard type v1", "patient/*.read", "patient/Binary.read", true},
		{"wildcard type v2", "patient/*.rs", "patient/Binary.read", true},
		{"v1 star perms", "patient/Binary.*", "patient/Binary.read", true},
		{"write only", "patient/Binary.write", "patient/Binary.read", false},
		{"v2 cu only", "patient/Binary.cu", "patient/Binary.read", false},
		{"other type", "patient/Observation.read", "patient/Binary.read", false},
		{"other context", "user/Binary.read", "patient/Binary.read", false},
		{"v2 with query", "patient/Observation.rs?category=laboratory", "patient/Observation.read", true},
		{"plain scope", "openid fhirUser", "fhirUser", true},
		{"plain scope missing", "openid", "fhirUser", false},
		{"empty grant", "", "patient/Binary.read", false},
		{"malformed granted", "//CodeSystem-observation-category", "patient/Binary.read", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := &Grant{Scope: tc.granted}
			if got := HasScope(g, tc.want); got != tc.ok {
				t.Errorf("HasScope(%q, %q) = %v, want %v", tc.granted, tc.want, got, tc.ok)
			}
		})
	}
	if got := GrantedScopes(&Grant{Scope: " openid  fhirUser "}); strings.Join(got, ",") != "openid,fhirUser" {
		t.Errorf("GrantedScopes = %q", got)
	}
	if GrantedScopes(nil) != nil || HasScope(nil, "openid") {
		t.Error("nil grant has scopes")
	}
}

func TestFitScopes(t *testing.T) {
	supported := []string{"openid", "fhirUser", "patient/Observation.read",
		"patient/Binary.r", "patient/Goal.rs", "patient/Goal.r"}
	tests := []struct {
		name            string
		want, supported []string
		fitted          []string
	}{
		{"listed kept", []string{"openid", "patient/Observation.read"}, supported,
			[]string{"openid", "patient/Observation.read"}},
		{"Binary.read becomes the listed Binary.r", []string{"patient/Binary.read"}, supported,
			[]string{"patient/Binary.r"}},
		{".rs preferred over .r", []string{"patient/Goal.read"}, supported,
			[]string{"patient/Goal.rs"}},
		{"unlisted dropped", []string{"launch/patient", "patient/Device.read"}, supported, nil},
		{"no list: unchanged", []string{"patient/Binary.read"}, nil,
			[]string{"patient/Binary.read"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FitScopes(tc.want, tc.supported)
			if strings.Join(got, " ") != strings.Join(tc.fitted, " ") {
				t.Errorf("FitScopes(%v) = %v, want %v", tc.want, got, tc.fitted)
			}
		})
	}
}
