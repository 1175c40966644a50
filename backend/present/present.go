// Package present turns stored FHIR resources into what a patient reads:
// titles, dates as written, labelled fields and sanitized narrative.
//
// Every input is untrusted JSON from the practice. Parsing is lenient: a
// resource that does not fit still produces a title and its fields, never an
// error. Nothing here returns HTML except Narrative, which is sanitized.
package present

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// node is a decoded JSON value.
type node = any

func decode(raw []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return map[string]any{}
	}
	return m
}

func obj(v node) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v node) []any {
	switch t := v.(type) {
	case []any:
		return t
	case nil:
		return nil
	default:
		return []any{t}
	}
}

func str(v node) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return trimFloat(t)
	case bool:
		if t {
			return "Yes"
		}
		return "No"
	case json.Number:
		return t.String()
	}
	return ""
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.4f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// concept renders a CodeableConcept: its text, else the first display,
// else the first code.
func concept(v node) string {
	m := obj(v)
	if m == nil {
		s, _ := v.(string)
		return s
	}
	if t := str(m["text"]); t != "" {
		return t
	}
	for _, c := range list(m["coding"]) {
		if d := str(obj(c)["display"]); d != "" {
			return d
		}
	}
	for _, c := range list(m["coding"]) {
		if d := str(obj(c)["code"]); d != "" {
			return d
		}
	}
	return ""
}

func concepts(v node) string {
	var out []string
	for _, c := range list(v) {
		if t := concept(c); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(dedupe(out), ", ")
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// reference renders a Reference by its display, else the reference itself.
func reference(v node) string {
	m := obj(v)
	if m == nil {
		return ""
	}
	return first(str(m["display"]), str(m["reference"]))
}

func references(v node) string {
	var out []string
	for _, r := range list(v) {
		if t := reference(r); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(dedupe(out), ", ")
}

// quantity renders a Quantity as "value unit".
func quantity(v node) string {
	m := obj(v)
	if m == nil {
		return ""
	}
	val := str(m["value"])
	unit := first(str(m["unit"]), str(m["code"]))
	cmp := str(m["comparator"])
	return strings.TrimSpace(cmp + val + " " + unit)
}

func period(v node) string {
	m := obj(v)
	if m == nil {
		return ""
	}
	s, e := Date(str(m["start"])), Date(str(m["end"]))
	switch {
	case s != "" && e != "" && s != e:
		return s + " – " + e
	case s != "":
		return s
	default:
		return e
	}
}

func humanName(v node) string {
	for _, n := range list(v) {
		m := obj(n)
		if t := str(m["text"]); t != "" {
			return t
		}
		var parts []string
		for _, g := range list(m["given"]) {
			parts = append(parts, str(g))
		}
		if f := str(m["family"]); f != "" {
			parts = append(parts, f)
		}
		if s := strings.TrimSpace(strings.Join(parts, " ")); s != "" {
			return s
		}
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
