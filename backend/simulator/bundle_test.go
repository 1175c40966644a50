package simulator

import (
	"bytes"
	"encoding/json"
	"testing"

	"chartkeep/backend/simulator/fhirdata"
)

// TestBundleJSONAsEncodingJSON: the hand-written Bundle is byte for byte
// what encoding/json writes without HTML escaping.
func TestBundleJSONAsEncodingJSON(t *testing.T) {
	pt := fhirdata.DemoPatient(5)
	var entries []bundleEntry
	for _, id := range pt.Served()["Observation"][:20] {
		raw, _ := pt.Read("Observation", id)
		entries = append(entries, bundleEntry{FullURL: "http://h/x/Observation/" + id,
			Resource: raw, Search: matchMode})
	}
	entries = append(entries, bundleEntry{Resource: json.RawMessage(`{"a":1}`), Search: matchMode})
	tests := []struct {
		name string
		b    searchBundle
	}{
		{"page", searchBundle{ResourceType: "Bundle", ID: "abc",
			Meta: map[string]string{"lastUpdated": "2024-03-05T10:00:00.000-05:00"},
			Type: "searchset", Total: 50,
			Link: []bundleLink{{"self", "http://h/x/Observation?a=1&b=<2>"},
				{"next", "http://h/x?_getpages=é\"\\\t"}}, Entry: entries}},
		{"no entries", searchBundle{ResourceType: "Bundle", ID: "x", Meta: map[string]string{},
			Type: "searchset", Link: []bundleLink{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tt.b); err != nil {
				t.Fatal(err)
			}
			got := tt.b.appendJSON(nil)
			if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
				t.Errorf("appendJSON =\n%s\nwant\n%s", got, w)
			}
		})
	}
}

func TestHead(t *testing.T) {
	tests := []struct{ name, raw, typ, id string }{
		{"fhirdata order", `{"resourceType":"Observation","id":"o-1.x","status":"final"}`,
			"Observation", "o-1.x"},
		{"id later", `{"resourceType":"Goal","meta":{"id":"nested"},"id":"g1"}`, "Goal", "g1"},
		{"escaped id", `{"resourceType":"Goal","id":"g\u0031"}`, "Goal", "g1"},
		{"no id", `{"resourceType":"Goal"}`, "Goal", ""},
		{"not JSON", `nope`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if typ, id := head([]byte(tt.raw)); typ != tt.typ || id != tt.id {
				t.Errorf("head(%s) = %q %q, want %q %q", tt.raw, typ, id, tt.typ, tt.id)
			}
		})
	}
}
