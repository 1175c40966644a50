package sync

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// stdDecode is what decode must agree with: encoding/json with UseNumber.
func stdDecode(raw []byte) (obj, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m obj
	if err := d.Decode(&m); err != nil || m == nil || d.More() {
		return nil, false
	}
	if _, err := d.Token(); err == nil {
		return nil, false
	}
	return m, true
}

func TestDecodeAgreesWithEncodingJSON(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"empty object", `{}`, true},
		{"spaces", " \t\n{ \"a\" : [ 1 , 2 ] }\r\n", true},
		{"numbers as written", `{"a":72.0,"b":-0.5e-3,"c":0,"d":1E+2,"e":-12}`, true},
		{"escapes", `{"a":"tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00","b\u0041":1}`, true},
		{"plain utf-8", `{"a":"98.4 °F — Castañer"}`, true},
		{"invalid utf-8 becomes U+FFFD", "{\"a\":\"x\xffy\"}", true},
		{"lone surrogate", `{"a":"\ud800"}`, true},
		{"literals and nesting", `{"a":[true,false,null,{"b":[[],{}]}]}`, true},
		{"duplicate key, last wins", `{"a":1,"a":2}`, true},
		{"not an object", `[1]`, false},
		{"null", `null`, false},
		{"trailing data", `{}{}`, false},
		{"trailing comma", `{"a":1,}`, false},
		{"missing colon", `{"a" 1}`, false},
		{"leading zero", `{"a":01}`, false},
		{"bare minus", `{"a":-}`, false},
		{"dot without digits", `{"a":1.}`, false},
		{"unterminated string", `{"a":"x`, false},
		{"control character in string", "{\"a\":\"x\ny\"}", false},
		{"unterminated object", `{"a":1`, false},
		{"bad literal", `{"a":tru}`, false},
		{"bad escape", `{"a":"\x"}`, false},
		{"empty", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := decode([]byte(tt.in))
			want, wantOK := stdDecode([]byte(tt.in))
			if ok != tt.ok || wantOK != tt.ok {
				t.Fatalf("decode(%q) ok = %v, encoding/json %v, want %v", tt.in, ok, wantOK, tt.ok)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decode(%q) = %#v, want %#v", tt.in, got, want)
			}
		})
	}
}

func TestDecodeDepthBounded(t *testing.T) {
	deep := `{"a":` + string(bytes.Repeat([]byte("["), 100000)) +
		string(bytes.Repeat([]byte("]"), 100000)) + `}`
	if _, ok := decode([]byte(deep)); ok {
		t.Error("decode accepted 100,000 nested arrays")
	}
}

func BenchmarkDecode(b *testing.B) {
	raw := []byte(`{"resourceType":"Observation","id":"o1","status":"final","category":[{` +
		`"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category",` +
		`"code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":` +
		`"4548-4","display":"Hemoglobin A1c"}],"text":"Hemoglobin A1c"},"subject":{` +
		`"reference":"Patient/p1"},"effectiveDateTime":"2023-03-05T00:00:00-05:00",` +
		`"valueQuantity":{"value":7.10,"unit":"%","system":"http://unitsofmeasure.org"}}`)
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			decode(raw)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			stdDecode(raw)
		}
	})
}
