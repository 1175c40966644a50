package fhirdata

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestTreeRoundTrip(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"order kept", `{"z":1,"a":2,"m":3}`, `{"z":1,"a":2,"m":3}`},
		{"number text kept", `{"v":1.50,"e":1E+2,"n":-0}`, `{"v":1.50,"e":1E+2,"n":-0}`},
		{"whitespace dropped", "{ \"a\" : [ 1 , true , null ] }", `{"a":[1,true,null]}`},
		{"html not escaped", `{"div":"<p>a & b</p>"}`, `{"div":"<p>a & b</p>"}`},
		{"escapes", `{"s":"q\"b\\n\n\t\u0001\u00e9"}`, `{"s":"q\"b\\n\n\t\u0001é"}`},
		{"unicode line separator", `{"s":"a\u2028b"}`, "{\"s\":\"a\u2028b\"}"},
		{"duplicate key keeps last", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"empty containers", `{"o":{},"l":[]}`, `{"o":{},"l":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := parseTree([]byte(tc.in))
			if err != nil {
				t.Fatalf("parseTree(%s): %v", tc.in, err)
			}
			got := encodeTree(nil, v)
			if string(got) != tc.want {
				t.Errorf("round trip of %s = %s, want %s", tc.in, got, tc.want)
			}
			var a, b any
			if json.Unmarshal([]byte(tc.in), &a) != nil || json.Unmarshal(got, &b) != nil ||
				!reflect.DeepEqual(a, b) {
				t.Errorf("round trip of %s changed its meaning: %s", tc.in, got)
			}
		})
	}
}

func TestTreeRejects(t *testing.T) {
	for _, in := range []string{`{"a":}`, `[1,]`, `{"a":1} {}`, ``, `{"a":1`} {
		if _, err := parseTree([]byte(in)); err == nil {
			t.Errorf("parseTree(%q) accepted invalid JSON", in)
		}
	}
}

func TestInvalidUTF8IsReplaced(t *testing.T) {
	got := string(appendString(nil, "a\xffb"))
	if want := `"a\ufffdb"`; got != want {
		t.Errorf("appendString = %s, want %s", got, want)
	}
}
