package fhirdata

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// decode parses raw into generic JSON, failing the test on invalid JSON.
func decode(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("invalid JSON %.200s: %v", raw, err)
	}
	return v
}

// at follows a dotted path ("participant.0.individual.reference") through v.
func at(v any, path string) any {
	for _, step := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			v = t[step]
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// references returns every "reference" string anywhere in v.
func references(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if r, ok := t["reference"].(string); ok {
				out = append(out, r)
			}
			for _, c := range t {
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// stringsIn returns every string value anywhere in v.
func stringsIn(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			out = append(out, t)
		case map[string]any:
			for _, c := range t {
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// anyDateTime matches any dateTime with a time part, written independently of
// the package's own pattern.
var anyDateTime = regexp.MustCompile(
	`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$`)

// checkOffsets fails for every dateTime in every resource of p that does not
// carry offset.
func checkOffsets(t *testing.T, p *Patient, offset string) {
	t.Helper()
	bad := 0
	for typ, ids := range p.order {
		for _, id := range ids {
			raw, _ := p.Read(typ, id)
			for _, s := range stringsIn(decode(t, raw)) {
				if anyDateTime.MatchString(s) && !strings.HasSuffix(s, offset) {
					if bad++; bad <= 5 {
						t.Errorf("%s/%s: dateTime %q lacks offset %s", typ, id, s, offset)
					}
				}
			}
		}
	}
}

// sharedSynthea returns the Synthea bundles in the shared data folder
// (CHARTKEEP_SHARED, default <repo>/../shared). Missing data is an error only
// with CHARTKEEP_REQUIRE_SHARED=1.
func sharedSynthea(t *testing.T) []string {
	t.Helper()
	base := sharedBase(t)
	files, err := filepath.Glob(filepath.Join(base, "fhir-data", "synthea", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 && os.Getenv("CHARTKEEP_REQUIRE_SHARED") == "1" {
		t.Fatalf("no Synthea bundles under %s and CHARTKEEP_REQUIRE_SHARED=1", base)
	}
	t.Logf("%d shared Synthea bundles under %s", len(files), base)
	return files
}

func sharedBase(t testing.TB) string {
	if base := os.Getenv("CHARTKEEP_SHARED"); base != "" {
		return base
	}
	return filepath.Join(repoRoot(t), "..", "shared")
}

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package")
		}
		dir = parent
	}
}

func loadFile(t testing.TB, path string, o Options) *Patient {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := o.LoadTransactionBundle(f)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return p
}
